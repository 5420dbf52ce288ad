"""Step 4 — model: the story as plain, immutable values (Story, Layer, Chapter, View).

Everything later steps need is resolved here: texts per language, defaults filled in,
`fit` views turned into bounds. The render step only formats these values.
"""

from __future__ import annotations

import dataclasses
from functools import cached_property
from dataclasses import dataclass, field
from typing import Any

from .load import ACCURACY_LEVELS
from .styles import AREA_FILL_DEFAULT, sized_styles

__all__ = ["Chapter", "DEFAULT_BASEMAP", "Layer", "MAP_KEYS", "Story", "View", "default_style", "keeps_map",
           "localise", "property_text"]

DEFAULT_BASEMAP = {
    "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    "attribution": '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors',
    "max_zoom": 19,
}

# Colour-blind-safe defaults (Okabe–Ito), used in layer order when a layer sets no colour.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"]
CONTEXT_STYLE = {"color": "#555555", "weight": 1.5, "fill_color": "#999999", "fill_opacity": 0.05, "opacity": 0.8,
                 "radius": 4, "dash": "", "symbol": "circle"}


MAP_KEYS = ("view", "layers", "highlight", "year")  # what a chapter's first-language file sets on the map


def keeps_map(front_matter: dict[str, Any]) -> bool:
    """Whether a chapter is an interlude: it sets nothing on the map, which stays as the chapter
    before left it."""
    return not any(key in front_matter for key in MAP_KEYS)


def localise(value: str | dict[str, str] | None, languages: list[str]) -> dict[str, str]:
    """One text per language; a plain string serves every language, a missing language falls back to the first."""
    if value is None:
        return {}
    if isinstance(value, str):
        return {lang: value for lang in languages}
    fallback = next((value[lang] for lang in languages if lang in value), next(iter(value.values())))
    return {lang: value.get(lang, fallback) for lang in languages}


def property_text(properties: dict[str, Any], key: str, lang: str) -> Any:
    """A feature property in one language: `<key>_<lang>` where the feature has it (not null),
    else `<key>`. The one Python definition of the rule; the page's engine applies the same
    rule in `text.js` (`property`), and a test holds the two to each other."""
    own = properties.get(f"{key}_{lang}")
    return own if own is not None else properties.get(key)


def default_style(kind: str, position: int) -> dict[str, Any]:
    """The style a layer gets for the keys it does not set."""
    if kind == "context":
        return dict(CONTEXT_STYLE)
    colour = PALETTE[position % len(PALETTE)]
    # areas are filled less than dots by default (styles.AREA_FILL_DEFAULT), unless the layer sets fill_opacity
    return {"color": colour, "fill_color": colour, "fill_opacity": 0.6, "area_fill_opacity": AREA_FILL_DEFAULT,
            "opacity": 1.0, "weight": 2, "radius": 6, "dash": "", "symbol": "circle"}


@dataclass(frozen=True)
class View:
    """Where the camera goes: either centre + zoom, or bounds (with an optional zoom cap)."""

    center: tuple[float, float] | None = None
    zoom: float | None = None
    bounds: tuple[tuple[float, float], tuple[float, float]] | None = None
    max_zoom: float | None = None

    @property
    def midpoint(self) -> tuple[float, float] | None:
        """(lat, lon) the camera looks at: the `center` the author set, or the middle of the bounds."""
        if self.center is not None:
            return self.center
        if self.bounds is not None:
            (south, west), (north, east) = self.bounds
            return ((south + north) / 2, (west + east) / 2)
        return None

    def to_json(self) -> dict[str, Any]:
        if self.bounds is not None:
            out: dict[str, Any] = {"bounds": [list(corner) for corner in self.bounds]}
            if self.max_zoom is not None:
                out["max_zoom"] = self.max_zoom
            return out
        return {"center": list(self.center or (0.0, 0.0)), "zoom": self.zoom}


@dataclass(frozen=True)
class Layer:
    id: str
    kind: str  # "story" follows the chapters; "context" stays on
    title: dict[str, str]
    description: dict[str, str]
    geometry: tuple[str, ...]  # kinds present, from "polygon", "line", "point": decides the legend symbol
    style: dict[str, Any]
    popup: tuple[dict[str, Any], ...]
    source: dict[str, str]
    attribution: dict[str, str]
    licence: str
    data: dict[str, Any] = field(repr=False)  # GeoJSON FeatureCollection in EPSG:4326
    # the places its coordinates are rounded to (the decimals its max zoom can show, or its
    # `precision`): the page ships them as whole steps of that size (compact.py); None: unrounded
    decimals: int | None = None
    time: dict[str, Any] | None = None  # {"start": key, "end": key or None, "label": {lang: text}}
    years: tuple[tuple[int | None, int | None], ...] = ()  # (start, end) per feature, when `time` is set
    timeline: dict[str, Any] | None = None  # chart data, see transform.timeline
    # base/highlight/dimmed/legend style per kind of geometry, from styles.layer_styles: the one
    # source the page's engine, the print figures and the legend read
    styles: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    # each feature's geometry in Web Mercator (EPSG:3857), in data order, for the print figures
    projected: tuple[Any, ...] = field(default=(), repr=False)
    # style keys decided per feature by a property (styles.layer_classes): the legend's keys, each
    # {"by", "title": {lang: text}, "classes": ({"label": {lang: text}, "styles": like `styles`}, ...)},
    # and per key each feature's class; the distinct looks features are drawn in, and each
    # feature's look, in data order. All empty when every feature looks alike.
    keys: tuple[dict[str, Any], ...] = ()
    key_of: tuple[tuple[int, ...], ...] = field(default=(), repr=False)
    looks: tuple[dict[str, dict[str, dict[str, Any]]], ...] = field(default=(), repr=False)
    look_of: tuple[int, ...] = field(default=(), repr=False)
    # dots sized by a number (styles.feature_sizes): the legend's key {"by", "title", "samples":
    # ({"label", "radius"}, ...)} and each feature's radius as a factor of the layer's
    sizes: dict[str, Any] | None = None
    size_of: tuple[float, ...] = field(default=(), repr=False)
    icon: str = ""  # the image its dots are drawn as (style.icon), a data: URI

    def styles_of(self, index: int) -> dict[str, dict[str, dict[str, Any]]]:
        """The styles the feature at `index` (data order) is drawn in: its look's, or the layer's;
        a sized dot's radii scaled to its value."""
        styles = self.looks[self.look_of[index]] if self.looks else self.styles
        if not self.size_of or "point" not in styles:
            return styles
        return sized_styles(styles, self.size_of[index])

    @property
    def classed(self) -> bool:
        """Whether the legend explains its features by classes or sizes rather than one sign."""
        return bool(self.keys or self.sizes)

    @property
    def feature_ids(self) -> list[str]:
        return [f["id"] for f in self.data["features"]]

    @cached_property  # read per table row and per page: computed once (a frozen dataclass allows it)
    def accuracies(self) -> frozenset[str]:
        """The `accuracy` values its features state (how exact each position is)."""
        return frozenset(f["properties"]["accuracy"] for f in self.data["features"] if f["properties"].get("accuracy"))

    def features_in(self, year: int | None) -> list[str]:
        """Ids of the features shown in `year`: all without a year or `time`; otherwise those that
        had begun and not ended (a feature whose start is unknown is not shown)."""
        if year is None or not self.time:
            return self.feature_ids
        return [
            fid for fid, (start, end) in zip(self.feature_ids, self.years, strict=True)
            if start is not None and start <= year and (end is None or year <= end)
        ]


@dataclass(frozen=True)
class Chapter:
    id: str
    title: dict[str, str]
    text: dict[str, str]  # Markdown per language
    sources: dict[str, tuple[dict[str, str], ...]]
    questions: dict[str, tuple[str, ...]]
    view: View
    layers: tuple[str, ...]
    highlight: tuple[str, ...]
    year: int | None = None  # show the layers as they were in this year
    opacity: dict[str, float] = field(default_factory=dict)  # layer id -> opacity, for layers shown faded
    align: str = "left"  # where the card sits on a wide screen: left, right, center, full
    # An interlude sets nothing on the map: it keeps the map of `map_from`, the nearest chapter
    # above that sets it (None: the story's overview). Its view, layers, highlight, year and
    # opacity are that map's, resolved when the model is assembled.
    keeps_map: bool = False
    map_from: str | None = None


@dataclass(frozen=True)
class Story:
    title: dict[str, str]
    subtitle: dict[str, str]
    languages: tuple[str, ...]
    view: View
    basemap: dict[str, Any]
    layers: tuple[Layer, ...]
    chapters: tuple[Chapter, ...]
    glossary: tuple[dict[str, dict[str, str]], ...] = ()  # each {"term": {lang: ...}, "definition": {lang: ...}}
    timeline: tuple[int, int] | None = None  # the year slider's range; None when no layer has years
    url: str | None = None  # where the story is published (for the handout's link and QR code)
    budget: dict[str, float] = field(default_factory=dict)  # {"page_kb", "shell_kb"}: KiB after gzip
    theme: dict[str, str] = field(default_factory=dict)  # colours and font; "logo" is a data: URI
    images: dict[str, Any] = field(default_factory=dict, repr=False)  # chapter images: images.source_key -> Prepared
    templates: dict[str, str] = field(default_factory=dict, repr=False)  # the story's template overrides: name -> source
    short_title: dict[str, str] = field(default_factory=dict)  # the header's title on narrow screens; {}: the title

    @property
    def language(self) -> str:
        """The default language: the first one listed."""
        return self.languages[0]

    def layer(self, layer_id: str) -> Layer:
        return next(layer for layer in self.layers if layer.id == layer_id)

    def in_language(self, lang: str) -> "Story":
        """The story with one language only: every per-language text keeps just that language."""
        return _only(self, set(self.languages), lang)

    @property
    def accuracy_levels(self) -> tuple[str, ...]:
        """The known accuracy levels its features use, in the order the page explains them."""
        used = set().union(*(layer.accuracies for layer in self.layers))
        return tuple(level for level in ACCURACY_LEVELS if level in used)

    def visible_layers(self, chapter: Chapter) -> list[str]:
        """Layers on the map in a chapter: its own, plus every context layer, in drawing order."""
        wanted = set(chapter.layers)
        return [layer.id for layer in self.layers if layer.id in wanted or layer.kind == "context"]


# model fields that hold no texts per language: kept as they are when a story keeps one language
_NOT_TEXTS = ("data", "projected", "images", "templates", "opacity", "key_of", "look_of", "looks", "size_of")


def _only(value: Any, languages: set[str], lang: str) -> Any:
    """Recursively keep one language of every {lang: text} mapping in the model."""
    if dataclasses.is_dataclass(value):
        changes = {f.name: _only(getattr(value, f.name), languages, lang) for f in dataclasses.fields(value)
                   if f.name not in _NOT_TEXTS}
        if isinstance(value, Story):
            changes["languages"] = (lang,)
        return dataclasses.replace(value, **changes)
    if isinstance(value, dict):
        if value and set(value) <= languages:
            return {lang: value[lang]}
        return {k: _only(v, languages, lang) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_only(v, languages, lang) for v in value)
    return value
