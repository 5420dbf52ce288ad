"""Step 4 — model: assemble the Story from the files `load` read, `validate` passed and
`transform` prepared.

Everything the renderer needs is resolved here, once: texts per language, styles with their
defaults, `fit` views turned into bounds, timelines, the shipped (simplified, rounded) GeoJSON,
and the chapter images and logo, prepared for the page, so that rendering opens no file.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import geopandas as gpd

from . import images, model, styles, transform
from .errors import StoryError
from .load import UI_TEXT, Document, StoryFiles
from .transform import LayerFrame

__all__ = ["assemble_story"]

Box = tuple[float, float, float, float]  # west, south, east, north in degrees


def assemble_story(files: StoryFiles, layers: dict[str, LayerFrame]) -> model.Story:
    """The Story of a folder whose files passed validation; `layers` are its prepared layers."""
    spec = files.story.data
    languages = files.languages
    boxes = _feature_bounds(layers)
    timed_layers, span = _with_timelines(
        [_layer(layer_id, files.layers[layer_id], layers[layer_id], position, languages, files.root)
         for position, layer_id in enumerate(files.layer_ids)],
        spec.get("timeline"),
    )
    story = model.Story(
        title=model.localise(spec["title"], languages),
        subtitle=model.localise(spec.get("subtitle"), languages),
        short_title=model.localise(spec.get("short_title"), languages),
        languages=tuple(languages),
        view=_view(spec["view"], boxes),
        basemap={**model.DEFAULT_BASEMAP, **spec.get("basemap", {})},
        layers=timed_layers,
        chapters=_chapters(files, boxes, languages),
        glossary=_glossary(files.glossary, languages),
        timeline=span,
        url=spec.get("url"),
        budget=spec.get("budget", {}),
        theme=_theme(files),
        images=_chapter_images(files),
        templates=dict(files.templates),
    )
    _check_counts(story, layers)
    return story


# ---- layers -------------------------------------------------------------------------------


def _geometry_kinds(frame: gpd.GeoDataFrame) -> tuple[str, ...]:
    """The kinds of geometry in a layer, in legend order: ('point',), ('polygon', 'point'), ..."""
    names = {"Polygon": "polygon", "LineString": "line", "Point": "point"}
    present = {kind.replace("Multi", "") for kind in frame.geometry.geom_type}
    return tuple(names[kind] for kind in names if kind in present)


def _layer(layer_id: str, doc: Document, prepared: LayerFrame, position: int, languages: list[str],
           root: Any) -> model.Layer:
    spec = doc.data
    kind = spec.get("kind", "story")
    authored = spec.get("style", {})
    style = {**model.default_style(kind, position), **{k: v for k, v in authored.items() if not isinstance(v, dict)}}
    classed = {key: authored[key] for key in styles.CLASSED_KEYS if isinstance(authored.get(key), dict)}
    if "fill_color" in classed:
        style["fill_color"] = style["color"]  # the plain fill: of features no class takes
    if "color" in classed and "fill_color" not in authored:
        classed["fill_color"] = classed["color"]  # dots and areas are filled as their outline is coloured
    if "fill_opacity" in authored and "area_fill_opacity" not in authored:
        style.pop("area_fill_opacity", None)  # areas are filled as the author set fill_opacity
    icon = _icon(authored, style, root)
    size = authored.get("radius") if isinstance(authored.get("radius"), dict) else None
    if size:
        style["radius"] = size["max"]
    geometry = _geometry_kinds(prepared.frame)
    shipped = transform.simplify(prepared.frame, spec.get("max_zoom", transform.DEFAULT_MAX_ZOOM))
    words = {lang: UI_TEXT.get(lang, UI_TEXT["en"]) for lang in languages}
    rows = list(prepared.frame["properties"])
    popup = tuple({"key": f["key"], "label": model.localise(f.get("label", f["key"]), languages)}
                  for f in spec.get("popup", []))
    return model.Layer(
        id=layer_id,
        kind=kind,
        title=model.localise(spec["title"], languages),
        description=model.localise(spec.get("description"), languages),
        geometry=geometry,
        style=style,
        styles=styles.layer_styles(style, geometry),
        popup=popup,
        source=model.localise(spec.get("source"), languages),
        attribution=model.localise(spec.get("attribution"), languages),
        licence=spec.get("licence", ""),
        data=_output_data(spec, shipped, prepared),
        decimals=_decimals(spec),
        projected=tuple(shipped.geometry.to_crs(transform.WEB_MERCATOR)),
        icon=icon,
        **styles.layer_classes(style, {key: _localised_spec(c, popup, languages) for key, c in classed.items()},
                               geometry, rows, words),
        **(styles.feature_sizes(_localised_spec(size, popup, languages), [r.get(size["by"]) for r in rows], words)
           if size else {}),
        **_layer_time(spec, prepared.frame, languages),
    )


def _localised_spec(spec: dict[str, Any], popup: tuple[dict[str, Any], ...], languages: list[str]) -> dict[str, Any]:
    """A classing or sizing mapping with its texts per language; its `title` (the legend's heading
    and the popup's label) defaults to the popup's label of the property, else its name."""
    by = spec["by"]
    title = spec.get("title") or next((field["label"] for field in popup if field["key"] == by), by)
    out = {**spec, "title": model.localise(title, languages)}
    if "labels" in spec:
        out["labels"] = {key: model.localise(label, languages) for key, label in spec["labels"].items()}
    return out


def _icon(authored: dict[str, Any], style: dict[str, Any], root: Any) -> str:
    """A layer whose dots are an image (style.icon, checked by validate): the image as a data: URI;
    its dots are the symbol "icon", with a radius of half the icon's size."""
    if "icon" not in authored:
        return ""
    style["symbol"] = "icon"
    style["radius"] = authored.get("icon_size", styles.ICON_SIZE) / 2
    return images.data_uri(images.prepare(images.local(root, authored["icon"])))


def _decimals(spec: dict[str, Any]) -> int:
    """The decimals the layer's coordinates keep: its `precision`, or what its max zoom can show."""
    zoom = spec.get("max_zoom", transform.DEFAULT_MAX_ZOOM)
    return spec.get("precision", transform.decimals_for_zoom(zoom))


def _output_data(spec: dict[str, Any], simplified: gpd.GeoDataFrame, prepared: LayerFrame) -> dict[str, Any]:
    """The layer's GeoJSON as shipped: simplified for the deepest zoom it must serve (`simplified`)
    and rounded to the decimals that zoom can show."""
    return transform.to_feature_collection(simplified, _decimals(spec), prepared.metrics, prepared.path)


def _layer_time(spec: dict[str, Any], frame: gpd.GeoDataFrame, languages: list[str]) -> dict[str, Any]:
    """The layer's time keys and each feature's (start, end) years, read from its properties."""
    time = spec.get("time")
    if not time:
        return {}
    end_key = time.get("end")
    years = tuple(
        (transform.parse_year(props.get(time["start"])), transform.parse_year(props.get(end_key)) if end_key else None)
        for props in frame["properties"]
    )
    label = model.localise(time.get("label", time["start"]), languages)
    return {"time": {"start": time["start"], "end": end_key, "label": label}, "years": years}


def _with_timelines(layers: list[model.Layer], span: dict[str, int] | None) -> tuple[tuple[model.Layer, ...], tuple | None]:
    """Add each timed layer's chart, over the story's `timeline` span or the years in the data."""
    found = [year for layer in layers for pair in layer.years for year in pair if year is not None]
    if not found:
        return tuple(layers), None
    first, last = (span["from"], span["to"]) if span else (min(found) - min(found) % 10, max(found))
    charted = tuple(
        dataclasses.replace(layer, timeline=transform.timeline(list(layer.years), first, last)) if layer.time else layer
        for layer in layers
    )
    return charted, (first, last)


def _check_counts(story: model.Story, layers: dict[str, LayerFrame]) -> None:
    """Every input feature must reach the output: nothing is dropped silently."""
    for layer in story.layers:
        expected = len(layers[layer.id].frame)
        if len(layer.data["features"]) != expected:
            raise StoryError.at(f"{expected - len(layer.data['features'])} features were lost in the build",
                                layers[layer.id].path)


# ---- views and chapters ------------------------------------------------------------------


def _feature_bounds(layers: dict[str, LayerFrame]) -> dict[str, Box]:
    """(west, south, east, north) in degrees for every layer id and feature id."""
    out: dict[str, Any] = {}
    for layer_id, prepared in layers.items():
        latlon = prepared.frame.to_crs(transform.OUTPUT_CRS)
        out[layer_id] = tuple(latlon.total_bounds)
        for fid, box in zip(latlon["id"], latlon.geometry.bounds.itertuples(index=False), strict=True):
            out[fid] = tuple(box)
    return out


def _view(spec: dict[str, Any], boxes: dict[str, Box]) -> model.View:
    if "center" in spec:
        return model.View(center=tuple(spec["center"]), zoom=spec["zoom"])
    if "bounds" in spec:
        (south, west), (north, east) = spec["bounds"]
        return model.View(bounds=((south, west), (north, east)), max_zoom=spec.get("max_zoom"))
    parts = [boxes[target] for target in spec["fit"]]
    west, south = min(p[0] for p in parts), min(p[1] for p in parts)
    east, north = max(p[2] for p in parts), max(p[3] for p in parts)
    corners = ((round(south, 6), round(west, 6)), (round(north, 6), round(east, 6)))
    return model.View(bounds=corners, max_zoom=spec.get("max_zoom"))


def _chapters(files: StoryFiles, boxes: dict[str, Box], languages: list[str]) -> tuple[model.Chapter, ...]:
    """The chapters in reading order; an interlude gets the map of the nearest chapter above that
    sets one, or, before any, the story's overview (its view, every layer)."""
    start_view = _view(files.story.data["view"], boxes)
    shown: dict[str, Any] = {"view": start_view, "layers": tuple(files.layer_ids), "highlight": (), "year": None,
                             "opacity": {}, "map_from": None}
    chapters = []
    for chapter_id in files.chapter_ids:
        docs = {lang: files.chapters[(lang, chapter_id)] for lang in languages}
        master = docs[languages[0]].data
        keeps = model.keeps_map(master)
        if not keeps:
            layers = [item if isinstance(item, dict) else {"id": item} for item in master.get("layers", [])]
            shown = {"view": _view(master["view"], boxes), "layers": tuple(item["id"] for item in layers),
                     "highlight": tuple(master.get("highlight", [])), "year": master.get("year"),
                     "opacity": {item["id"]: item["opacity"] for item in layers if item.get("opacity", 1) != 1},
                     "map_from": chapter_id}
        chapters.append(model.Chapter(
            id=chapter_id,
            title={lang: docs[lang].data["title"] for lang in languages},
            text={lang: docs[lang].body for lang in languages},
            sources={lang: tuple(docs[lang].data.get("sources", [])) for lang in languages},
            questions={lang: tuple(docs[lang].data.get("questions", [])) for lang in languages},
            align=master.get("align", "left"),
            keeps_map=keeps,
            **{**shown, "map_from": shown["map_from"] if keeps else None},
        ))
    return tuple(chapters)


def _glossary(doc: Document | None, languages: list[str]) -> tuple[dict[str, dict[str, str]], ...]:
    """The glossary's terms, sorted as the first language sorts them."""
    if doc is None:
        return ()
    entries = [{"term": model.localise(entry["term"], languages),
                "definition": model.localise(entry["definition"], languages)} for entry in doc.data["terms"]]
    return tuple(sorted(entries, key=lambda entry: entry["term"][languages[0]].casefold()))


# ---- pictures -----------------------------------------------------------------------------


def _theme(files: StoryFiles) -> dict[str, str]:
    """The story's theme, with the logo prepared like a chapter image and turned into a data: URI."""
    theme = dict(files.story.data.get("theme", {}))
    if "logo" in theme:
        theme["logo"] = images.data_uri(images.prepare(images.local(files.root, theme["logo"])))  # checked by validate
    return theme


def _chapter_images(files: StoryFiles) -> dict[str, images.Prepared]:
    """Every image the chapters show, prepared for the page, by its normalised source."""
    return {images.source_key(src): images.prepare(images.local(files.root, src))
            for doc in files.chapters.values() for src in images.sources(doc.body)}
