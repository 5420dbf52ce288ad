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

from typing import Any

__all__ = ["AREA_FILL_DEFAULT", "CAMERA", "HIGHLIGHT_INK", "STATES", "layer_styles"]

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
