"""Part of the model step: how a layer is drawn, decided once.

The live map (templates/engine), the print figures (figures.py) and the legend symbols
(templates/symbol.svg.j2) used to carry their own copies of these rules, and the copies drifted:
the print map dimmed dots that the live map did not. Now the model holds every style as data and
each of them only translates key names.

Every style uses one neutral key set, SVG's presentation attributes with underscores:
``stroke``, ``stroke_width``, ``stroke_opacity``, ``fill`` (``None``: not filled),
``fill_opacity``, ``stroke_dasharray`` (``None``: solid), and for dots ``radius`` in pixels.
"""

from __future__ import annotations

import bisect
from typing import Any

__all__ = ["AREA_FILL_DEFAULT", "CAMERA", "HIGHLIGHT_INK", "PALETTES", "STATES", "feature_classes", "layer_styles"]

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
        return {**out, "fill_opacity": style["fill_opacity"], "radius": _LEGEND_DOT_RADIUS}
    return {**out, "fill_opacity": max(_fill(style, kind), _LEGEND_AREA_FILL),
            "stroke_dasharray": style.get("dash") or None}


def _fill(style: dict[str, Any], kind: str) -> float:
    """The fill opacity of a kind of geometry: areas may have their own default (layer_styles)."""
    return style.get("area_fill_opacity", style["fill_opacity"]) if kind == "area" else style["fill_opacity"]


def _scale(value: float, factor: float) -> float:
    """value * factor, rounded: 0.9 * 0.7 would come out as 0.6299999999999999 in the page; 0 stays 0."""
    return value and round(value * factor, 4)


# ---- colour by a property -------------------------------------------------------------------

# Named palettes for `fill_color: {by: ..., palette: NAME}`, given to the values in their order.
# Okabe & Ito (2008), "Color Universal Design": told apart with every common colour-vision deficiency.
PALETTES = {"okabe-ito": ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000")}


def feature_classes(spec: dict[str, Any], values: list[Any], plain: str, words: dict[str, dict[str, str]],
                    ) -> tuple[list[dict[str, Any]], list[int]]:
    """Each feature's class when a layer colours its features by a property: ``(classes, index per
    feature)``, each class ``{"label": {lang: text}, "fill": colour}``, in legend order.

    `spec` is the layer's ``fill_color`` mapping (``by`` and ``categories``, ``palette`` or
    ``breaks`` + ``colours``; ``labels``: value -> {lang: text}), `values` the ``by`` property of
    each feature (None where missing), `plain` the layer's own fill colour and `words` the interface
    text per language (templates/ui.yml). A feature whose value no class takes gets `plain`, in one
    more class: "other" for categories, "no value" for breaks, listed only when a feature needs it.
    A value exactly at a break belongs to the class that starts there.

    >>> words = {"en": {"class_other": "other", "class_none": "no value", "class_before": "before {a}",
    ...         "class_range": "{a}–{b}", "class_range_open": "{a} to under {b}", "class_after": "{a} and later"}}
    >>> classes, index = feature_classes({"by": "closed", "breaks": [1900, 1960], "colours": ["#111", "#222", "#333"]},
    ...                                  [1850, 1900, 1959, 1960, None], "#999", words)
    >>> [c["label"]["en"] for c in classes], index
    (['before 1900', '1900–1959', '1960 and later', 'no value'], [0, 1, 1, 2, 3])
    """
    if "breaks" in spec:
        classes, pick, missing = _numeric_classes(spec, words), _break_index(spec["breaks"]), "class_none"
    else:
        classes, pick, missing = _category_classes(spec, values, words)
    index = [pick(value) for value in values]
    if None in index:
        classes.append({"label": {lang: text[missing] for lang, text in words.items()}, "fill": plain})
        index = [len(classes) - 1 if i is None else i for i in index]
    return classes, index


def _number(value: Any) -> float | None:
    """A property value as a number (a number, or a string that is one); None otherwise."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _break_index(breaks: list[float]):
    def pick(value: Any) -> int | None:
        number = _number(value)
        return None if number is None else bisect.bisect_right(breaks, number)
    return pick


def _numeric_classes(spec: dict[str, Any], words: dict[str, dict[str, str]]) -> list[dict[str, Any]]:
    """n breaks, n + 1 classes, labelled in words: "before 1900", "1900–1959", "1970 and later"
    (whole-number breaks); "1.5 to under 3" otherwise."""
    breaks, colours = spec["breaks"], spec["colours"]
    whole = all(float(b).is_integer() for b in breaks)
    show = (lambda b: str(int(b))) if whole else (lambda b: f"{b:g}")
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
        classes.append({"label": label, "fill": colour})
    return classes


def _value_order(value: Any) -> tuple:
    number = _number(value)
    return (0, number, "") if number is not None else (1, 0, str(value))


def _category_classes(spec: dict[str, Any], values: list[Any], words: dict[str, dict[str, str]]):
    """One class per listed value (`categories`, in the order written), or per value present, in
    value order, coloured from a named `palette` (values beyond its colours count as "other")."""
    if "categories" in spec:
        colours = {str(key): colour for key, colour in spec["categories"].items()}
    else:
        present = sorted({str(v) for v in values if v is not None and v != ""},
                         key=lambda v: _value_order(v))
        colours = dict(zip(present, PALETTES[spec["palette"]], strict=False))
    labels = {str(key): label for key, label in (spec.get("labels") or {}).items()}
    classes = [{"label": labels.get(key) or {lang: key for lang in words}, "fill": colour}
               for key, colour in colours.items()]
    position = {key: i for i, key in enumerate(colours)}
    return classes, (lambda value: None if value is None else position.get(str(value))), "class_other"
