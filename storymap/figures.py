"""Part of the render step: static vector maps, one per chapter, for print and the handout.

Each figure is drawn at build time from the layers' geometries — no tiles — in Web Mercator
(EPSG:3857, the projection the live map uses), so that it shows what the chapter's map shows:
the same view, the same layers and styles, the highlighted features labelled.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import geopandas as gpd
import shapely
from shapely.geometry import box

from .model import Chapter, Story, property_text
from .styles import CAMERA, SYMBOLS, symbol_points

__all__ = ["FIGURE_HEIGHT", "FIGURE_WIDTH", "LABEL_FONT_PX", "LABEL_MAX_EM", "Figure", "chapter_figure", "Figures",
           "label_lines", "place_labels"]

FIGURE_WIDTH, FIGURE_HEIGHT = 640, 420  # CSS pixels; the live map at this size shows the same area
WEB_MERCATOR = "EPSG:3857"
METRES_PER_PIXEL_AT_ZOOM_0 = 156543.03392804097  # Web Mercator, 256-pixel tiles
FIT_PADDING = CAMERA["fit_margin"]  # pixels, as in the live map
SHARED_UNIT = 4  # metres per unit of the shared geometry: finer than a pixel up to zoom 15

# Labels: set as storymap.css sets them (a test holds these to it): .sm-fig-label's type, and the
# widest a label runs before it wraps, as the live map's labels (.sm-label's max-width).
LABEL_FONT_PX = 12
LABEL_MAX_EM = 14
LABEL_LINE_EM = 1.2
LABEL_HALO_PX = 3  # .sm-fig-halo's stroke: the room a label keeps from the figure's edges
# The build has no font to measure text with (the theme chooses it): a bold letter is taken as
# this wide on average, on the wide side, so that a label placed inside the figure stays inside.
LABEL_CHAR_EM = 0.62


@dataclass(frozen=True)
class Figure:
    """One chapter's map as SVG drawing instructions (the template writes the SVG)."""

    width: int
    height: int
    # {"kind": "use"|"circle"|"polygon"|"icon", "href"|"cx,cy,r"(+"points"|"x,y,size"), "style", "layer", "feature",
    #  "lit": highlighted}
    shapes: tuple[dict[str, Any], ...]
    # per language: {"x", "y", "anchor": "start"|"end", "lines": [text, ...], "text"}, placed for that language's names
    labels: dict[str, tuple[dict[str, Any], ...]]
    scale: dict[str, Any]  # {"pixels", "label"}
    transform: str  # from shared geometry units (see Figures.shared) to this figure's pixels

    def runs(self, placed: bool) -> list[dict[str, Any]]:
        """The shared lines and areas (`placed`: drawn through the transform) or the dots, as runs of
        neighbours drawn alike: ``{"layer", "paint", "shapes"}``. The template writes a run's paint
        once, on a group its shapes inherit it from — written on every shape, the same attributes
        were most of a figure's bytes. Runs keep the drawing order; a run's `opacity` fades it as a
        whole, as the live map fades a layer's panes."""
        out: list[dict[str, Any]] = []
        for shape in self.shapes:
            if (shape["kind"] == "use") != placed:
                continue
            paint = _paint(shape)
            # within its layer, a shape joins the run of its paint (a layer coloured by a property
            # would otherwise alternate between runs); a highlight's run stays last, on top, as
            # the live map brings it to the front
            run = next((r for r in out if r["layer"] == shape["layer"] and r["paint"] == paint), None)
            if run is None:
                out.append(run := {"layer": shape["layer"], "paint": paint, "shapes": [], "lit": shape["lit"]})
            run["shapes"].append(shape)
        layers = list(dict.fromkeys(run["layer"] for run in out))
        return sorted(out, key=lambda r: (layers.index(r["layer"]), r["lit"]))


def _paint(shape: dict[str, Any]) -> dict[str, Any]:
    """What a shape's group sets for it: its SVG style, but for an icon only the fade and the ring
    colour (an icon's own picture keeps its colours; fill would reach into it)."""
    style = shape["style"]
    if shape["kind"] == "icon":
        return {key: style[key] for key in ("opacity", "stroke") if key in style}
    return style


class Figures:
    """Chapter figures for one story; layer geometries are projected once and shared."""

    def __init__(self, story: Story):
        self.story = story

    @cached_property
    def _projected(self) -> dict[str, gpd.GeoDataFrame]:
        """Each layer's features with their Web Mercator geometry, projected when the model was
        assembled (not rebuilt from the rounded GeoJSON the page ships)."""
        return {
            layer.id: gpd.GeoDataFrame(
                {"id": [f["id"] for f in layer.data["features"]],
                 **{f"name_{lang}": [_name(f, lang) for f in layer.data["features"]] for lang in self.story.languages}},
                geometry=list(layer.projected), crs=WEB_MERCATOR)
            for layer in self.story.layers
        }

    @cached_property
    def _origin(self) -> tuple[float, float]:
        """Where shared geometry units start: the story's start view, so the numbers stay short."""
        minx, miny, maxx, maxy, _ = _extent(self.story.view.to_json())
        return round((minx + maxx) / 2), round((miny + maxy) / 2)

    @cached_property
    def shared(self) -> tuple[dict[str, str], ...]:
        """Every line and area of the layers the chapters show, once, as SVG path data in shared
        units (SHARED_UNIT metres, y downwards). Each figure draws them with <use> and a transform,
        so a district outline shown in ten chapters is written into the page once."""
        shown = {layer_id for chapter in self.story.chapters for layer_id in self.story.visible_layers(chapter)}
        ox, oy = self._origin
        paths = []
        for index, layer in enumerate(self.story.layers):
            if layer.id not in shown:
                continue
            gdf = self._projected[layer.id]
            for number, (fid, geometry) in enumerate(zip(gdf["id"], gdf.geometry, strict=True)):
                if geometry.geom_type in ("Point", "MultiPoint"):
                    continue
                d = _path(geometry.simplify(SHARED_UNIT / 2), ox, oy, SHARED_UNIT)
                paths.append({"id": f"sm-fg-{index}-{number}", "feature": fid, "d": d})
        return tuple(paths)

    @cached_property
    def _href(self) -> dict[str, str]:
        return {path["feature"]: path["id"] for path in self.shared}

    def chapter(self, chapter: Chapter) -> Figure:
        return chapter_figure(self.story, chapter, self._projected, self._href, self._origin)


def _name(feature: dict[str, Any], lang: str) -> str:
    """A feature's name in one language, as the live map's labels give it (model.property_text)."""
    name = property_text(feature["properties"], "name", lang)
    return str(feature["id"] if name is None else name)


def _extent(view: dict[str, Any]) -> tuple[float, float, float, float, float]:
    """(minx, miny, maxx, maxy, metres per pixel) in Web Mercator for a chapter's view."""
    if "center" in view:
        lat, lon = view["center"]
        x, y = _mercator(lon, lat)
        res = METRES_PER_PIXEL_AT_ZOOM_0 / 2 ** view["zoom"]
    else:
        (south, west), (north, east) = view["bounds"]
        x0, y0 = _mercator(west, south)
        x1, y1 = _mercator(east, north)
        inner_w, inner_h = FIGURE_WIDTH - 2 * FIT_PADDING, FIGURE_HEIGHT - 2 * FIT_PADDING
        res = max((x1 - x0) / inner_w, (y1 - y0) / inner_h, METRES_PER_PIXEL_AT_ZOOM_0 / 2 ** view.get("max_zoom", CAMERA["fit_max_zoom"]))
        x, y = (x0 + x1) / 2, (y0 + y1) / 2
    half_w, half_h = FIGURE_WIDTH * res / 2, FIGURE_HEIGHT * res / 2
    return x - half_w, y - half_h, x + half_w, y + half_h, res


def _mercator(lon: float, lat: float) -> tuple[float, float]:
    radius = 6378137.0
    return math.radians(lon) * radius, math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) * radius


def _path(geometry, ox: float, oy: float, unit: float) -> str:
    """SVG path data in whole units of `unit` metres from (ox, oy), y growing downwards; one
    subpath per ring or line. Every position but the first is written as the step from the one
    before (lower-case commands): steps are short numbers where places are long ones."""
    parts = []
    pen = (0, 0)  # the current point, as the SVG reader tracks it
    for part in shapely.get_parts(geometry):
        rings = [part.exterior, *part.interiors] if part.geom_type == "Polygon" else [part]
        for ring in rings:
            coords = shapely.get_coordinates(ring)
            if len(coords) < 2:
                continue
            points = [(round((x - ox) / unit), round((oy - y) / unit)) for x, y in coords]
            closed = part.geom_type == "Polygon"
            if closed:
                points = points[:-1]  # "z" draws the closing edge
            steps = [(x - px, y - py) for (px, py), (x, y) in zip([pen, *points], points)]
            parts.append("m" + _numbers(steps) + ("z" if closed else ""))
            pen = points[0] if closed else points[-1]  # after "z" the pen is back at the ring's start
    return "".join(parts)


def _numbers(pairs: list[tuple[int, int]]) -> str:
    """Numbers as SVG path data reads them: a minus sign separates as well as a space does."""
    out = []
    for pair in pairs:
        for n in pair:
            if out and n >= 0:
                out.append(" ")
            out.append(str(n))
    return "".join(out)


def _state(lit: bool, dimmed: bool) -> str:
    """Which of the layer's model styles (styles.layer_styles) a feature is drawn in."""
    return "highlight" if lit else "dimmed" if dimmed else "base"


def _svg(style: dict[str, Any], opacity: float | None = None) -> dict[str, Any]:
    """A model style as SVG presentation attributes (its keys are their names with underscores),
    with the opacity the chapter shows the layer at, if it fades it."""
    out = {key.replace("_", "-"): value for key, value in style.items() if key not in ("radius", "symbol")}
    out["fill"] = style["fill"] or "none"
    if opacity is not None:
        out["opacity"] = opacity
    return out


def _dot(style: dict[str, Any], cx: float, cy: float) -> dict[str, Any]:
    """A dot as the live map draws it: a circle, the corners of its symbol (styles.SYMBOLS), or
    its layer's icon (drawn by the page's <symbol> of it), in its (sized) radius."""
    radius, symbol = style["radius"], style.get("symbol", "circle")
    if symbol == "icon":
        return {"kind": "icon", "x": round(cx - radius, 1), "y": round(cy - radius, 1), "size": 2 * radius,
                "cx": cx, "cy": cy, "r": radius}
    if SYMBOLS[symbol]:
        return {"kind": "polygon", "points": symbol_points(symbol, cx, cy, radius), "cx": cx, "cy": cy, "r": radius}
    return {"kind": "circle", "cx": cx, "cy": cy, "r": radius}


def _scale_bar(res: float, lat: float) -> dict[str, Any]:
    """A round ground distance about a fifth of the figure wide."""
    ground = res * math.cos(math.radians(lat))  # metres on the ground per pixel
    target = FIGURE_WIDTH / 5 * ground
    nice = max(n * 10 ** e for e in range(0, 7) for n in (1, 2, 5) if n * 10 ** e <= target)
    label = f"{nice // 1000:g} km" if nice >= 1000 else f"{nice:g} m"
    return {"pixels": round(nice / ground, 1), "label": label}


def label_lines(text: str) -> list[str]:
    """A label's lines: wrapped where it would run wider than LABEL_MAX_EM, at spaces."""
    return textwrap.wrap(text, width=max(1, int(LABEL_MAX_EM / LABEL_CHAR_EM))) or [text]


def _label_box(x: float, y: float, lines: list[str], right: bool) -> tuple[float, float, float, float]:
    """(left, top, right, bottom) of a label's text beside (x, y), as the estimate reckons it."""
    width = max(map(len, lines)) * LABEL_CHAR_EM * LABEL_FONT_PX
    height = len(lines) * LABEL_LINE_EM * LABEL_FONT_PX
    left = x if right else x - width
    return left, y - height / 2, left + width, y + height / 2


def _overflow(box: tuple[float, float, float, float], width: float) -> float:
    """How far a label's box runs out of the figure sideways, the halo's room from the edge kept."""
    return max(0.0, LABEL_HALO_PX - box[0], box[2] - width + LABEL_HALO_PX)


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])


def place_labels(items: list[dict[str, Any]], width: float, height: float) -> tuple[dict[str, Any], ...]:
    """Each highlighted feature's label beside its place (``x``, ``y``, ``gap`` from it): on the side
    towards the figure's middle, as the live map's labels turn towards the middle of the map, or on
    the other side where that keeps it inside the figure or clear of a label placed before it;
    moved up or down only to stay inside. A label the figure cannot hold on either side takes the
    side it overflows less."""
    placed: list[tuple[float, float, float, float]] = []
    out = []
    for item in items:
        lines = label_lines(item["text"])
        towards_middle = item["x"] < width / 2
        options = []
        for right in (towards_middle, not towards_middle):
            x = item["x"] + item["gap"] if right else item["x"] - item["gap"]
            box = _label_box(x, item["y"], lines, right)
            # back inside, at the top or the bottom, with the halo's room from the edge
            shift = max(0.0, LABEL_HALO_PX - box[1]) - max(0.0, box[3] - height + LABEL_HALO_PX)
            box = (box[0], box[1] + shift, box[2], box[3] + shift)
            clash = any(_overlap(box, other) for other in placed)
            over = _overflow(box, width)
            options.append((over > 0, clash, over, right, x, item["y"] + shift, box))
        *_, right, x, y, box = min(options, key=lambda option: option[:3])
        placed.append(box)
        first = y - (len(lines) - 1) * LABEL_LINE_EM * LABEL_FONT_PX / 2 + LABEL_FONT_PX / 3  # baseline, centred
        out.append({"x": round(x, 1), "y": round(first, 1), "anchor": "start" if right else "end",
                    "lines": lines, "text": item["text"], "line_px": LABEL_LINE_EM * LABEL_FONT_PX})
    return tuple(out)


def chapter_figure(story: Story, chapter: Chapter, projected: dict[str, gpd.GeoDataFrame],
                   href: dict[str, str], origin: tuple[float, float]) -> Figure:
    minx, miny, maxx, maxy, res = _extent(chapter.view.to_json())
    frame = box(minx - 10 * res, miny - 10 * res, maxx + 10 * res, maxy + 10 * res)
    highlight = set(chapter.highlight)
    shapes, points = [], []
    labels: dict[str, list[dict[str, Any]]] = {lang: [] for lang in story.languages}
    for layer_id in story.visible_layers(chapter):
        layer = story.layer(layer_id)
        faded = chapter.opacity.get(layer_id)  # the chapter shows the layer at this opacity (None: fully)
        dim = any(fid in highlight for fid in layer.feature_ids)
        visible = set(layer.features_in(chapter.year))
        gdf = projected[layer_id]
        for index, (fid, geometry) in enumerate(zip(gdf["id"], gdf.geometry, strict=True)):
            if fid not in visible or not geometry.intersects(frame):
                continue
            lit = fid in highlight
            state = _state(lit, dim and not lit)
            styles = layer.styles_of(index)  # its class's, when the layer is coloured by a property
            if geometry.geom_type in ("Point", "MultiPoint"):
                style = styles["point"][state]
                for point in shapely.get_parts(geometry):
                    cx, cy = (point.x - minx) / res, (maxy - point.y) / res
                    radius = style["radius"]
                    points.append({**_dot(style, round(cx, 1), round(cy, 1)), "style": _svg(style, faded),
                                   "layer": layer_id, "feature": fid, "lit": lit})
                    if lit:
                        for lang, placed in labels.items():
                            placed.append({"x": cx, "y": cy, "gap": radius + 4, "text": gdf[f"name_{lang}"].iloc[index]})
                continue
            kind = "line" if geometry.geom_type in ("LineString", "MultiLineString") else "area"
            style = _svg(styles[kind][state], faded)
            shapes.append({"kind": "use", "href": href[fid], "style": style, "layer": layer_id, "feature": fid, "lit": lit})
            if lit:
                anchor = shapely.clip_by_rect(geometry, *frame.bounds).representative_point()
                for lang, placed in labels.items():
                    placed.append({"x": (anchor.x - minx) / res, "y": (maxy - anchor.y) / res, "gap": 6,
                                   "text": gdf[f"name_{lang}"].iloc[index]})
    ox, oy = origin
    k = SHARED_UNIT / res
    transform = f"matrix({k:.5g} 0 0 {k:.5g} {(ox - minx) / res:.1f} {(maxy - oy) / res:.1f})"
    centre_lat = math.degrees(2 * math.atan(math.exp((miny + maxy) / 2 / 6378137.0)) - math.pi / 2)
    placed = {lang: place_labels(items, FIGURE_WIDTH, FIGURE_HEIGHT) for lang, items in labels.items()}
    return Figure(FIGURE_WIDTH, FIGURE_HEIGHT, tuple(shapes + points), placed, _scale_bar(res, centre_lat), transform)
