"""Part of the model step: how a layer is drawn, decided once.

The live map (templates/engine), the print figures (figures.py) and the legend symbols
(templates/symbol.svg.j2) used to carry their own copies of these rules, and the copies drifted:
the print map dimmed dots that the live map did not. Now the model holds every style as data and
each of them only translates key names.

Every style uses one neutral key set, SVG's presentation attributes with underscores:
``stroke``, ``stroke_width``, ``stroke_opacity``, ``fill`` (``None``: not filled),
``fill_opacity``, ``stroke_dasharray`` (``None``: solid), and for dots ``radius`` in pixels and
``symbol``, the name of their shape (SYMBOLS; "icon" for a layer drawn with an image file).

A layer may also decide a key per feature, from a property (classes of colours or symbols, sizes):
`layer_classes` gives each feature's look and the legend's keys, from the same rules.
"""

from __future__ import annotations

import bisect
import math
from typing import Any

__all__ = ["AREA_FILL_DEFAULT", "CAMERA", "CLASSED_KEYS", "HIGHLIGHT_INK", "ICON_SIZE", "PALETTES", "SIZE_MIN",
           "STATES", "SYMBOLS", "as_number", "class_breaks", "feature_classes", "feature_sizes", "layer_classes",
           "layer_styles", "sized_radius", "sized_styles", "symbol_extent", "symbol_points"]

# Fitted views: the pixels kept free around the features, and the zoom a fit never passes (a single
# building would otherwise fill the screen). The page adds the legend's height at the bottom.
CAMERA = {"fit_margin": 24, "fit_max_zoom": 16}

# An area's fill when its layer sets no `fill_opacity` (model.default_style), so that the streets and
# names of the basemap beneath stay readable. A `fill_opacity` the author sets is drawn as set.
AREA_FILL_DEFAULT = 0.45
_HIGHLIGHT_AREA_FILL = 0.3  # a highlighted area is filled at least this much
HIGHLIGHT_INK = "#111111"  # the dark outline that lifts a highlighted dot or area off any colour
STATES = ("base", "highlight", "dimmed", "legend")

# The legend draws its signs 14 px high: thick strokes would fill them and faint areas vanish.
_LEGEND_LINE_MAX_WIDTH = 5
_LEGEND_OUTLINE_WIDTH = 1.5
_LEGEND_AREA_FILL = 0.25  # the least opacity of an area's sign
_LEGEND_DOT_RADIUS = 5
_LEGEND_ICON_RADIUS = 7

_KINDS = {"polygon": "area", "line": "line", "point": "point"}  # model.Layer.geometry -> style key


def layer_styles(style: dict[str, Any], geometry_kinds: tuple[str, ...] | list[str]) -> dict[str, dict[str, dict[str, Any]]]:
    """Every style a layer needs: ``{"area"|"line"|"point": {"base", "highlight", "dimmed", "legend"}}``
    for the kinds of geometry it has (``model.Layer.geometry``: "polygon", "line", "point").

    `style` is the layer's resolved author style (model.default_style merged with the layer file);
    areas take its ``area_fill_opacity`` when it has one (the default for a layer that sets no
    ``fill_opacity``), else its ``fill_opacity``.

    >>> s = layer_styles({"color": "#000", "weight": 2, "opacity": 1, "fill_color": "#f00",
    ...                   "fill_opacity": 0.8, "radius": 6, "dash": ""}, ("polygon",))
    >>> s["area"]["base"]["fill_opacity"], s["area"]["dimmed"]["fill_opacity"]
    (0.8, 0.4)
    """
    out = {}
    for kind in geometry_kinds:
        key = _KINDS[kind]
        base = _base(style, key)
        out[key] = {
            "base": base,
            "highlight": _highlight(base, key),
            "dimmed": _dimmed(base),
            "legend": _legend(style, key),
        }
    return out


def _base(style: dict[str, Any], kind: str) -> dict[str, Any]:
    """The layer's own look, as the author set it (areas: see layer_styles)."""
    out = {
        "stroke": style["color"],
        "stroke_width": style["weight"],
        "stroke_opacity": style["opacity"],
        "fill": None if kind == "line" else style["fill_color"],
        "fill_opacity": _fill(style, kind),
        "stroke_dasharray": style.get("dash") or None,
    }
    if kind == "line":
        out["fill_opacity"] = 0
    if kind == "point":
        out["radius"] = style["radius"]
        out["symbol"] = style.get("symbol", "circle")
    return out


def _highlight(base: dict[str, Any], kind: str) -> dict[str, Any]:
    """A highlighted feature reads at a glance: lines keep their colour and grow; dots and areas get
    a dark outline, dots grow and fill up, faint areas fill a little more."""
    if kind == "line":
        return {**base, "stroke_width": _scale(base["stroke_width"], 1.8), "stroke_opacity": 1}
    out = {**base, "stroke": HIGHLIGHT_INK, "stroke_width": max(base["stroke_width"] + 2, 3), "stroke_opacity": 1}
    if kind == "point":
        out.update(fill_opacity=max(base["fill_opacity"], 0.85), radius=_scale(base["radius"], 1.5))
    else:
        out["fill_opacity"] = max(base["fill_opacity"], _HIGHLIGHT_AREA_FILL)
    return out


def _dimmed(base: dict[str, Any]) -> dict[str, Any]:
    """The other features of a layer with a highlight step back, so the highlight stands out."""
    return {**base, "stroke_opacity": _scale(base["stroke_opacity"], 0.7), "fill_opacity": _scale(base["fill_opacity"], 0.5)}


def _legend(style: dict[str, Any], kind: str) -> dict[str, Any]:
    """The layer's sign in the legend, legible at 14 px whatever the map style is."""
    if kind == "line":
        return {"stroke": style["color"], "stroke_width": min(style["weight"], _LEGEND_LINE_MAX_WIDTH),
                "stroke_dasharray": style.get("dash") or None}
    out = {"stroke": style["color"], "stroke_width": _LEGEND_OUTLINE_WIDTH, "fill": style["fill_color"]}
    if kind == "point":
        symbol = style.get("symbol", "circle")
        # a sign that fits the legend's 14 px: an icon fills them, a pointed symbol is drawn smaller
        radius = (_LEGEND_ICON_RADIUS if symbol == "icon"
                  else round(_LEGEND_DOT_RADIUS * min(1, 1.3 / symbol_extent(symbol)), 2))
        return {**out, "fill_opacity": style["fill_opacity"], "radius": radius, "symbol": symbol}
    return {**out, "fill_opacity": max(_fill(style, kind), _LEGEND_AREA_FILL),
            "stroke_dasharray": style.get("dash") or None}


def _fill(style: dict[str, Any], kind: str) -> float:
    """The fill opacity of a kind of geometry: areas may have their own default (layer_styles)."""
    return style.get("area_fill_opacity", style["fill_opacity"]) if kind == "area" else style["fill_opacity"]


def _scale(value: float, factor: float) -> float:
    """value * factor, rounded: 0.9 * 0.7 would come out as 0.6299999999999999 in the page; 0 stays 0."""
    return value and round(value * factor, 4)


# ---- marker symbols -----------------------------------------------------------------------


def _star(points: int, inner: float) -> list[tuple[float, float]]:
    """A star's corners, the first pointing up, alternating between radius 1 and `inner`."""
    out = []
    for i in range(2 * points):
        angle = math.pi * i / points
        r = 1 if i % 2 == 0 else inner
        out.append((r * math.sin(angle), -r * math.cos(angle)))
    return out


def _shoelace(points: list[tuple[float, float]]) -> float:
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1]))) / 2


def _same_area_as_a_dot(points: list[tuple[float, float]]) -> tuple[tuple[float, float], ...]:
    """A shape scaled to the area of the unit circle, so that a square and a dot of one radius (and
    the sizes of sized points) weigh the same to the eye."""
    k = math.sqrt(math.pi / _shoelace(points))
    return tuple((round(x * k, 3) + 0.0, round(y * k, 3) + 0.0) for x, y in points)


# The built-in marker symbols, each ONE definition read by the live map (page data), the legend and
# the print figures: corners in units of the dot's radius, x to the right, y downwards, around the
# dot's position. "circle" has no corners: it is drawn as a circle.
SYMBOLS: dict[str, tuple[tuple[float, float], ...]] = {
    "circle": (),
    "square": _same_area_as_a_dot([(-1, -1), (1, -1), (1, 1), (-1, 1)]),
    "diamond": _same_area_as_a_dot([(0, -1), (1, 0), (0, 1), (-1, 0)]),
    "triangle": _same_area_as_a_dot(_star(3, 0.5)[::2]),
    "cross": _same_area_as_a_dot([(-0.3, -1), (0.3, -1), (0.3, -0.3), (1, -0.3), (1, 0.3), (0.3, 0.3), (0.3, 1),
                                  (-0.3, 1), (-0.3, 0.3), (-1, 0.3), (-1, -0.3), (-0.3, -0.3)]),
    "star": _same_area_as_a_dot(_star(5, 0.45)),
}


def symbol_extent(name: str) -> float:
    """How far a symbol reaches from its centre, in units of its radius (a circle: 1)."""
    return max((max(abs(x), abs(y)) for x, y in SYMBOLS.get(name, ())), default=1.0)


def symbol_points(name: str, cx: float, cy: float, radius: float) -> str:
    """A symbol's corners around (cx, cy) at `radius`, as an SVG polygon's `points`."""
    return " ".join(f"{cx + x * radius:.1f},{cy + y * radius:.1f}" for x, y in SYMBOLS[name])


ICON_SIZE = 24  # pixels, of a layer's icon (style.icon) when it sets no icon_size


# ---- classes: a key of the style decided per feature by a property ----------------------------

# The style keys a layer may decide per feature (`{by: property, ...}` instead of one value).
CLASSED_KEYS = ("fill_color", "color", "symbol")
METHODS = ("quantile", "equal-interval")  # classes of a number computed from the data

# Named palettes for `{by: ..., palette: NAME}`, given to the values in their order.
# Okabe & Ito (2008), "Color Universal Design": told apart with every common colour-vision deficiency.
PALETTES = {"okabe-ito": ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000")}


def as_number(value: Any) -> float | None:
    """A property value as a number (a number, or a string that is one); None otherwise."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def class_breaks(method: str, count: int, values: list[Any]) -> list[float]:
    """The `count - 1` breaks that divide the numbers among `values` into `count` classes (a value
    at a break starts the next class, as with explicit breaks); not-numbers are left out.

    - "equal-interval": classes of equal width between the least and the greatest value;
    - "quantile": classes of (near) equal counts; a break never splits features of equal value, so
      ties move it to the next value up.

    Breaks of whole numbers are whole numbers (the same classes, and labels such as "1900–1922");
    others are rounded to two digits finer than a class's width. Deterministic: the same values
    in any order give the same breaks. Quantile classes are never empty; equal widths may leave a
    class without features. Raises ValueError, in words, when the values cannot make the classes.

    >>> class_breaks("equal-interval", 4, [1900, 1950, 1980, 2000])
    [1925, 1950, 1975]
    >>> class_breaks("quantile", 2, [1, 1, 1, 2, 3, 4])
    [2]
    """
    numbers = sorted(n for n in map(as_number, values) if n is not None)
    distinct = sorted(set(numbers))
    if len(distinct) < 2:
        raise ValueError(f"has {'one number only' if distinct else 'no numbers'}: there are no classes to make; "
                         "give the layer one colour instead")
    if len(distinct) < count:
        raise ValueError(f"has {len(distinct)} different numbers, too few for {count} classes: ask for "
                         f"{len(distinct)} classes or fewer, or give 'breaks'")
    whole = all(n.is_integer() for n in numbers)
    if method == "equal-interval":
        low, high = numbers[0], numbers[-1]
        step = (high - low) / count
        breaks = [low + step * i for i in range(1, count)]
        breaks = [math.ceil(b) for b in breaks] if whole else [_round_finer(b, step) for b in breaks]
    else:
        breaks = []
        for i in range(1, count):
            wanted = numbers[(i * len(numbers) + count // 2) // count]  # the value i/count of the way up
            floor = breaks[-1] if breaks else numbers[0]
            # the first distinct value above the last break (or the least value) and at least `wanted`
            above = [v for v in distinct if v > floor and v >= wanted]
            if not above:
                raise ValueError(f"has too many features of one value for {count} classes of near-equal size: "
                                 "ask for fewer classes, or give 'breaks'")
            breaks.append(above[0])
    if len(set(breaks)) < len(breaks) or breaks[0] <= numbers[0]:
        raise ValueError(f"cannot be divided into {count} classes that each have a feature: ask for fewer classes, "
                         "or give 'breaks'")
    return [int(b) for b in breaks] if whole else breaks


def _round_finer(value: float, step: float) -> float:
    """`value` rounded to two digits finer than `step`: short labels that still tell classes apart."""
    return round(value, max(0, 1 - math.floor(math.log10(step))))


def feature_classes(spec: dict[str, Any], values: list[Any], plain: Any, words: dict[str, dict[str, str]],
                    ) -> tuple[list[dict[str, Any]], list[int]]:
    """Each feature's class when a layer decides a style key by a property: ``(classes, index per
    feature)``, each class ``{"label": {lang: text}, "value": colour or symbol}``, in legend order.

    `spec` is the key's mapping (``by`` and ``categories``, ``palette``, ``breaks`` + ``colours``
    or ``method`` + ``colours``; ``labels``: value -> {lang: text}), `values` the ``by`` property of
    each feature (None where missing), `plain` the layer's own value of the key and `words` the
    interface text per language (templates/ui.yml). A feature whose value no class takes gets
    `plain`, in one more class: "other" for categories, "no value" for numbers, listed only when a
    feature needs it. A value exactly at a break belongs to the class that starts there.

    >>> words = {"en": {"class_other": "other", "class_none": "no value", "class_before": "before {a}",
    ...         "class_range": "{a}–{b}", "class_range_open": "{a} to under {b}", "class_after": "{a} and later"}}
    >>> classes, index = feature_classes({"by": "closed", "breaks": [1900, 1960], "colours": ["#111", "#222", "#333"]},
    ...                                  [1850, 1900, 1959, 1960, None], "#999", words)
    >>> [c["label"]["en"] for c in classes], index
    (['before 1900', '1900–1959', '1960 and later', 'no value'], [0, 1, 1, 2, 3])
    """
    if "method" in spec:
        spec = {**spec, "breaks": class_breaks(spec["method"], len(spec["colours"]), values)}
    if "breaks" in spec:
        classes, pick, missing = _numeric_classes(spec, words), _break_index(spec["breaks"]), "class_none"
    else:
        classes, pick, missing = _category_classes(spec, values, words)
    index = [pick(value) for value in values]
    if None in index:
        classes.append({"label": {lang: text[missing] for lang, text in words.items()}, "value": plain})
        index = [len(classes) - 1 if i is None else i for i in index]
    return classes, index


def _break_index(breaks: list[float]):
    def pick(value: Any) -> int | None:
        number = as_number(value)
        return None if number is None else bisect.bisect_right(breaks, number)
    return pick


def _show(breaks: list[float]):
    """How the breaks are written in labels: whole numbers as such, others as short as they are."""
    if all(float(b).is_integer() for b in breaks):
        return True, lambda b: str(int(b))
    return False, lambda b: f"{b:g}"


def _numeric_classes(spec: dict[str, Any], words: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    """n breaks, n + 1 classes, labelled in words: "before 1900", "1900–1959", "1970 and later"
    (whole-number breaks); "1.5 to under 3" otherwise."""
    breaks, colours = spec["breaks"], spec["colours"]
    whole, show = _show(breaks)
    classes = []
    for i, colour in enumerate(colours):
        label = {}
        for lang, text in words.items():
            if i == 0:
                label[lang] = text["class_before"].format(a=show(breaks[0]))
            elif i == len(breaks):
                label[lang] = text["class_after"].format(a=show(breaks[-1]))
            elif whole:
                label[lang] = text["class_range"].format(a=show(breaks[i - 1]), b=show(breaks[i] - 1))
            else:
                label[lang] = text["class_range_open"].format(a=show(breaks[i - 1]), b=show(breaks[i]))
        classes.append({"label": label, "value": colour})
    return classes


def _value_order(value: Any) -> tuple:
    number = as_number(value)
    return (0, number, "") if number is not None else (1, 0, str(value))


def _category_classes(spec: dict[str, Any], values: list[Any], words: dict[str, dict[str, str]]):
    """One class per listed value (`categories`, in the order written), or per value present, in
    value order, coloured from a named `palette` (values beyond its colours count as "other")."""
    if "categories" in spec:
        chosen = {str(key): value for key, value in spec["categories"].items()}
    else:
        present = sorted({str(v) for v in values if v is not None and v != ""}, key=_value_order)
        chosen = dict(zip(present, PALETTES[spec["palette"]], strict=False))
    labels = {str(key): label for key, label in (spec.get("labels") or {}).items()}
    classes = [{"label": labels.get(key) or {lang: key for lang in words}, "value": value}
               for key, value in chosen.items()]
    position = {key: i for i, key in enumerate(chosen)}
    return classes, (lambda value: None if value is None else position.get(str(value))), "class_other"


def layer_classes(style: dict[str, Any], specs: dict[str, dict[str, Any]], geometry: tuple[str, ...],
                  rows: list[dict[str, Any]], words: dict[str, dict[str, str]]) -> dict[str, Any]:
    """The looks of a layer that decides style keys per feature (`specs`: key -> its mapping, each
    with a localised ``title``), as model.Layer fields:

    - ``keys``: the legend's keys, one per property and way of classing (``color`` and
      ``fill_color`` classed alike share one), each ``{"by", "title", "classes": [{"label",
      "styles"}]}``, a class's styles being the layer's with the class's values;
    - ``key_of``: per key, each feature's class;
    - ``looks``: the distinct styles features are drawn in, ``look_of``: each feature's look.
    """
    if not specs:
        return {}
    groups: list[tuple[dict[str, Any], list[str]]] = []  # (spec, the keys it decides)
    for key, spec in specs.items():
        same = next((group for group in groups if group[0] == spec), None)
        if same:
            same[1].append(key)
        else:
            groups.append((spec, [key]))
    keys, key_of = [], []
    for spec, decided in groups:
        values = [row.get(spec["by"]) for row in rows]
        classes, index = feature_classes(spec, values, style[decided[0]], words)
        signs = []
        for c in classes:
            values = dict.fromkeys(decided, c["value"])
            signs.append({"label": c["label"], "styles": layer_styles({**style, **values}, geometry), "values": values})
        keys.append({"by": spec["by"], "title": spec["title"], "classes": tuple(signs)})
        key_of.append(tuple(index))
    looks, look_of, seen = [], [], {}
    for picks in zip(*key_of, strict=True):
        if picks not in seen:
            values = {}
            for key, pick in zip(keys, picks, strict=True):
                values.update(key["classes"][pick]["values"])
            seen[picks] = len(looks)
            looks.append(layer_styles({**style, **values}, geometry))
        look_of.append(seen[picks])
    for key in keys:
        key["classes"] = tuple({"label": c["label"], "styles": c["styles"]} for c in key["classes"])
    return {"keys": tuple(keys), "key_of": tuple(key_of), "looks": tuple(looks), "look_of": tuple(look_of)}


# ---- sizes: proportional symbols ----------------------------------------------------------

SIZE_MIN = 2  # pixels: the least radius of a sized dot when the layer sets no `min`, so none vanishes


def feature_sizes(spec: dict[str, Any], values: list[Any], words: dict[str, dict[str, str]]) -> dict[str, Any]:
    """Dots sized by a number (`radius: {by, min, max}`), as model.Layer fields: the AREA of a dot
    is proportional to its value, so its radius to the square root: the greatest value gets
    ``max`` pixels, and no dot is smaller than ``min`` (a feature without a number gets ``min``).

    ``size_of`` is each feature's radius as a factor of ``max`` (the layer's radius), which every
    state's radius (highlight, dimmed, ...) is multiplied by; ``sizes`` is the legend's key: a few
    round values and their radii, ``{"by", "title", "samples": [{"label", "radius"}]}``.

    >>> out = feature_sizes({"by": "jobs", "min": 2, "max": 20, "title": {"en": "Jobs"}}, [400, 100, None], {"en": {}})
    >>> out["size_of"], [s["radius"] for s in out["sizes"]["samples"]]
    ((1.0, 0.5, 0.1), [20.0, 10.0, 4.47])
    """
    numbers = [as_number(v) for v in values]
    top = max(n for n in numbers if n is not None)
    spec = {"min": SIZE_MIN, **spec}
    size_of = tuple(round(sized_radius(spec, n, top) / spec["max"], 4) for n in numbers)
    samples = []
    for fraction in (1, 1 / 4, 1 / 16):  # each a dot of half the radius of the one before
        value = _nice_below(top * fraction)
        radius = sized_radius(spec, value, top)
        if value > 0 and radius > spec["min"] and all(s["value"] != value for s in samples):
            samples.append({"value": value, "radius": radius})
    _, show = _show([s["value"] for s in samples])
    return {"size_of": size_of, "sizes": {"by": spec["by"], "title": spec["title"], "samples": tuple(
        {"label": {lang: show(s["value"]) for lang in words}, "radius": s["radius"]} for s in samples)}}


def sized_styles(styles: dict[str, dict[str, dict[str, Any]]], factor: float) -> dict[str, dict[str, dict[str, Any]]]:
    """A sized dot's styles: every state's radius times its factor (the page's engine does the same
    multiplication with the factors it is sent); the legend's sign keeps its size."""
    point = {state: {**style, "radius": style["radius"] * factor}
             for state, style in styles["point"].items() if state != "legend"}
    return {**styles, "point": {**styles["point"], **point}}


def sized_radius(spec: dict[str, Any], value: float | None, top: float) -> float:
    """A dot's radius for `value` when the greatest is `top` (see feature_sizes)."""
    if value is None or top <= 0:
        return spec["min"]
    return round(max(spec["min"], spec["max"] * math.sqrt(max(value, 0) / top)), 2)


def _nice_below(value: float) -> float:
    """`value` rounded down to one significant digit (400, 90, 2), so that the legend's values read at a glance."""
    if value <= 0:
        return 0
    power = 10 ** math.floor(math.log10(value) + 1e-9)
    return math.floor(value / power + 1e-9) * power
