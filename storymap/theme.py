"""The page's colours, decided once from the story's theme.

A story sets a few colours in `story.yml` (`theme`: accent, ink, paper, card, bar) or picks a
preset (`theme: {preset: dark}`). Everything else the page paints — muted text, rules, inactive
chapter cards, the legend's and the offline notice's backgrounds, the top bar's text, focus rings,
shadows — is derived here, once, and reaches the page as CSS custom properties (`page_css`). The
check that refuses an unreadable theme (`contrast_problems`) reads the same values, so what is
checked is what is shown; the style sheets hold no colour of their own.

The colour math is plain Python: sRGB hex colours, mixing in sRGB, and WCAG 2.x relative
luminance and contrast ratio (https://www.w3.org/TR/WCAG21/#dfn-contrast-ratio).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import Problem

__all__ = [
    "COLOUR_KEYS",
    "PRESETS",
    "Pair",
    "contrast",
    "contrast_problems",
    "mix",
    "page_css",
    "palette",
    "parse_hex",
    "print_theme",
    "readability",
    "relative_luminance",
    "resolve",
    "to_hex",
]

COLOUR_KEYS = ("accent", "ink", "paper", "card", "bar")
_DEFAULT_FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
_LIGHT = {"accent": "#a63d14", "ink": "#1d1d1b", "paper": "#f6f4ef", "card": "#ffffff", "bar": "#1d1d1b",
          "font": _DEFAULT_FONT}
# Light ink on warm dark paper; the accent is the light theme's rust, lightened until links read on cards.
_DARK = {**_LIGHT, "accent": "#f0a27a", "ink": "#ebe8e1", "paper": "#171614", "card": "#23221f", "bar": "#0d0d0c"}
PRESETS: dict[str, dict[str, str]] = {"light": _LIGHT, "dark": _DARK}

BODY_TEXT, UI = 4.5, 3.0  # WCAG 2.x AA: normal text; large text and the parts of controls (1.4.3, 1.4.11)

# Hues that are not the author's: a notice's warm yellow and the focus ring's blue. Both are mixed
# with the theme's own colours until they are readable on it.
_NOTICE_HUE, _NOTICE_RULE = "#ffc526", "#c9a227"
_FOCUS_HUE = "#1a5fb4"
_BLACK, _WHITE = "#000000", "#ffffff"
_LEGEND_ALPHA = 0.94  # the legend and the attribution let the map show through a little
# The font list is schema-checked; it is checked again here because it is written into CSS.
_FONT = re.compile(r"^[A-Za-z0-9 ,'\"-]{1,200}$")
_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


# ---- colour math ---------------------------------------------------------------------------


def parse_hex(colour: str) -> tuple[int, int, int]:
    """`#rrggbb` or `#rgb` as three 0–255 channels; anything else is a ValueError.

    >>> parse_hex("#a63d14"), parse_hex("#fff")
    ((166, 61, 20), (255, 255, 255))
    """
    if not isinstance(colour, str) or not _HEX.match(colour):
        raise ValueError(f"not a colour: {colour!r} (expected #rrggbb or #rgb)")
    digits = colour[1:]
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def to_hex(rgb: Iterable[float]) -> str:
    """Three channels (rounded, clamped to 0–255) as lowercase `#rrggbb`: the only form that
    reaches the page's CSS, so no author text is ever written there as a colour."""
    return "#" + "".join(f"{min(255, max(0, int(math.floor(c + 0.5)))):02x}" for c in rgb)


def mix(a: str, b: str, t: float) -> str:
    """`a` moved a fraction `t` of the way to `b`, channel by channel (past `b` for t > 1, within 0–255).

    >>> mix("#000000", "#ffffff", 0.5)
    '#808080'
    """
    ca, cb = parse_hex(a), parse_hex(b)
    return to_hex(x + (y - x) * t for x, y in zip(ca, cb, strict=True))


def _linear(channel: int) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance: 0 for black, 1 for white."""
    r, g, b = (_linear(c) for c in parse_hex(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2.x contrast ratio of two colours, from 1 (same) to 21 (black on white); order does not matter.

    >>> round(contrast("#000000", "#ffffff"), 2), round(contrast("#777777", "#ffffff"), 2)
    (21.0, 4.48)
    """
    high, low = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _rgba(colour: str, alpha: float) -> str:
    r, g, b = parse_hex(colour)
    return f"rgba({r},{g},{b},{alpha:g})"


def _first_readable(candidates: Iterable[str], backgrounds: Iterable[str], need: float) -> str:
    """The first candidate that reaches contrast `need` on every background; else the last one
    (the best the theme allows, which the contrast check then judges)."""
    backgrounds = list(backgrounds)
    colour = ""
    for colour in candidates:
        if all(contrast(colour, bg) >= need for bg in backgrounds):
            return colour
    return colour


def _steps(start: float, stop: float, count: int = 20) -> list[float]:
    return [start + (stop - start) * i / count for i in range(count + 1)]


def _most_contrasting(candidates: Iterable[str], background: str) -> str:
    return max(candidates, key=lambda colour: contrast(colour, background))


# ---- the theme and its palette ---------------------------------------------------------------


def resolve(theme: Mapping[str, Any] | None) -> dict[str, str]:
    """The story's theme with its preset (default `light`) filled in: every colour key as
    lowercase `#rrggbb`, and the font. Other keys (the logo) are not part of the palette."""
    theme = dict(theme or {})
    out = dict(PRESETS[theme.get("preset", "light")])
    for key in COLOUR_KEYS:
        if key in theme:
            out[key] = to_hex(parse_hex(theme[key]))
    if "font" in theme:
        out["font"] = theme["font"]
    return out


def print_theme(theme: Mapping[str, Any] | None) -> dict[str, str]:
    """Paper is white: print and the handout use the light theme, keeping the story's ink and
    accent where they read on white (a dark theme's light ink does not)."""
    resolved = resolve(theme)
    out = {**_LIGHT, "paper": _WHITE, "card": _WHITE, "font": resolved["font"]}
    for key, need in (("ink", 7.0), ("accent", BODY_TEXT)):
        if contrast(resolved[key], _WHITE) >= need:
            out[key] = resolved[key]
    return out


def palette(theme: Mapping[str, Any] | None) -> dict[str, str]:
    """Every colour the page paints, by the name of its custom property (without `--sm-`), with
    the font and the colour scheme (`light` or `dark`, for the browser's own controls).

    Derived text colours are moved towards their background only as far as they stay readable on
    it, so a muted caption never fails where the body text passes; where even the theme's own
    colour fails, the contrast check names it."""
    t = resolve(theme)
    ink, paper, card, accent, bar = t["ink"], t["paper"], t["card"], t["accent"], t["bar"]
    dark = relative_luminance(paper) < relative_luminance(ink)
    card_inactive = mix(card, paper, 0.5)  # a chapter the reader is not on
    sunken = mix(card, paper, 1.35)  # a box inside a card (the questions): the paper's tint, a little deeper
    text_grounds = (paper, card, card_inactive, sunken)
    muted = _first_readable((mix(ink, paper, s) for s in _steps(0.25, 0)), text_grounds, BODY_TEXT)
    bar_ink = _most_contrasting((card, paper, ink), bar)
    # The map stays light, as its tiles are, on a dark page too: layers are coloured for a light map.
    map_light, map_dark = (ink, paper) if dark else (paper, ink)
    map_bg = mix(map_light, map_dark, 0.1)
    sign_bg = map_bg if dark else card  # legend signs and charts drawn on the map's ground, not a dark card
    shade = 2.5 if dark else 1.0  # shadows must be darker to show at all on dark paper
    out = {
        "ink": ink,
        "paper": paper,
        "card": card,
        "accent": accent,
        "bar-bg": bar,
        "font": t["font"],
        "muted": muted,
        "card-inactive": card_inactive,
        "sunken": sunken,
        "rule": mix(card_inactive, ink, 0.1),  # decorative lines: they separate, nobody reads them
        "rule-strong": mix(card_inactive, ink, 0.2),
        "control": _first_readable((mix(ink, card, s) for s in _steps(0.5, 0)), (card, paper), UI),
        # Focus rings and the progress bar aim above the 3:1 they need, to be seen at a glance.
        "focus": _first_readable((mix(_FOCUS_HUE, ink, s) for s in _steps(0, 1)), text_grounds, BODY_TEXT),
        "accent-ink": _most_contrasting((card, paper, ink), accent),
        "bar-ink": bar_ink,
        "bar-muted": _first_readable((mix(bar_ink, bar, s) for s in _steps(0.1, 0, 10)), (bar,), BODY_TEXT),
        "bar-rule": _first_readable((mix(bar_ink, bar, s) for s in _steps(0.5, 0)), (bar,), UI),
        "bar-track": mix(bar, bar_ink, 0.14),
        "bar-accent": _first_readable((mix(accent, bar_ink, s) for s in _steps(0, 1)), (bar,), BODY_TEXT),
        "legend-bg": _rgba(card, _LEGEND_ALPHA),
        "notice-bg": mix(card, _NOTICE_HUE, 0.12),
        "notice-rule": _NOTICE_RULE,
        "map-bg": map_bg,  # the map before (or without) its tiles
        "map-ink": map_dark,  # text drawn on the map's ground: the chapter figures' labels
        "figure-bg": mix(map_light, map_dark, 0.04),  # the chapter figures' ground (print; the page without script)
        "sign-bg": sign_bg,
        "sign-accent": _first_readable((mix(accent, map_dark, s) for s in _steps(0, 1)), (sign_bg,), UI),
        "hover": _rgba(ink, 0.08),
        "shadow-soft": _rgba(_BLACK, round(0.12 * shade, 2)),
        "shadow": _rgba(_BLACK, round(0.18 * shade, 2)),
        "shadow-strong": _rgba(_BLACK, round(0.25 * shade, 2)),
        "scheme": "dark" if dark else "light",
    }
    return out


def _declarations(colours: Mapping[str, str]) -> str:
    font = colours["font"]
    if not _FONT.match(font):
        raise ValueError(f"font {font!r} cannot be written into CSS")
    pairs = [f"--sm-{name}:{value}" for name, value in colours.items() if name != "scheme"]
    return ";".join(pairs + [f"color-scheme:{colours['scheme']}"])


def page_css(theme: Mapping[str, Any] | None, handout: bool = False) -> str:
    """The palette as one CSS rule on `:root` (and, for the page, the print palette under
    `@media print`; the handout is printed matter and gets only that)."""
    printed = palette(print_theme(theme))
    if handout:
        return ":root{" + _declarations(printed) + "}"
    screen = palette(theme)
    changed = {name: value for name, value in printed.items() if screen[name] != value}
    css = ":root{" + _declarations(screen) + "}"
    if changed:
        changed.setdefault("font", screen["font"])
        changed.setdefault("scheme", printed["scheme"])
        css += "@media print{:root{" + _declarations(changed) + "}}"
    return css


# ---- the contrast check ----------------------------------------------------------------------


@dataclass(frozen=True)
class Pair:
    """One text (or control) colour on one background, as the page shows them, with the WCAG
    AA ratio it needs and the theme keys an author changes to fix it."""

    label: str
    text: str
    background: str
    need: float
    text_keys: tuple[str, ...]
    background_keys: tuple[str, ...]

    @property
    def ratio(self) -> float:
        return contrast(self.text, self.background)


def _worst_under(colour: str, alpha: float, text: str) -> str:
    """A see-through background over the map: judged over black and over white, the worse one."""
    r, g, b = parse_hex(colour)
    grounds = [to_hex(c * alpha + under * (1 - alpha) for c in (r, g, b)) for under in (0, 255)]
    return min(grounds, key=lambda ground: contrast(text, ground))


def readability(theme: Mapping[str, Any] | None) -> list[Pair]:
    """Every text/background pair the theme gives the page, with the ratio each needs."""
    t, p = resolve(theme), palette(theme)
    ink, accent = p["ink"], p["accent"]
    legend = _worst_under(t["card"], _LEGEND_ALPHA, ink)
    return [
        Pair("body text on the page", ink, p["paper"], BODY_TEXT, ("ink",), ("paper",)),
        Pair("text on cards", ink, p["card"], BODY_TEXT, ("ink",), ("card",)),
        Pair("text on inactive chapter cards", ink, p["card-inactive"], BODY_TEXT, ("ink",), ("card", "paper")),
        Pair("text in the question boxes", ink, p["sunken"], BODY_TEXT, ("ink",), ("paper",)),
        Pair("muted text on the page", p["muted"], p["paper"], BODY_TEXT, ("ink",), ("paper",)),
        Pair("muted text on cards", p["muted"], p["card"], BODY_TEXT, ("ink",), ("card",)),
        Pair("muted text on inactive chapter cards", p["muted"], p["card-inactive"], BODY_TEXT,
             ("ink",), ("card", "paper")),
        Pair("links on the page", accent, p["paper"], BODY_TEXT, ("accent",), ("paper",)),
        Pair("links on cards", accent, p["card"], BODY_TEXT, ("accent",), ("card",)),
        Pair("links on inactive chapter cards", accent, p["card-inactive"], BODY_TEXT, ("accent",), ("card", "paper")),
        Pair("the top bar's text", p["bar-ink"], p["bar-bg"], BODY_TEXT, (), ("bar",)),
        Pair("the top bar's progress text", p["bar-muted"], p["bar-bg"], BODY_TEXT, (), ("bar",)),
        Pair("text on accent buttons", p["accent-ink"], accent, BODY_TEXT, (), ("accent",)),
        Pair("legend and popup text over the map", ink, legend, BODY_TEXT, ("ink",), ("card",)),
        Pair("the offline notice's text", ink, p["notice-bg"], BODY_TEXT, ("ink",), ("card",)),
        Pair("labels on the chapter figures", p["map-ink"], p["figure-bg"], BODY_TEXT, ("ink",), ("paper",)),
        Pair("the language buttons' outline on the top bar", p["bar-rule"], p["bar-bg"], UI, (), ("bar",)),
        Pair("the progress bar on the top bar", p["bar-accent"], p["bar-bg"], UI, ("accent",), ("bar",)),
        Pair("form field borders on cards", p["control"], p["card"], UI, ("ink",), ("card",)),
        Pair("the focus ring on the page", p["focus"], p["paper"], UI, ("ink",), ("paper",)),
        Pair("the focus ring on cards", p["focus"], p["card"], UI, ("ink",), ("card",)),
    ]


def _shown(ratio: float, need: float) -> str:
    """The ratio to two decimals, never rounded up to the limit it fails."""
    shown = round(ratio, 2)
    if shown >= need > ratio:
        shown = math.floor(ratio * 100) / 100
    return f"{shown:.2f}"


def _advice(pair: Pair) -> str:
    """What to change: move the text and the background apart. A derived text colour (the bar's,
    a button's) follows its background, so then only the background is named."""
    lighter = relative_luminance(pair.text) > relative_luminance(pair.background)
    up, down = ("lighten", "darken") if lighter else ("darken", "lighten")
    ground = f"{down} {' and '.join(pair.background_keys)}"
    return f"{up} {' and '.join(pair.text_keys)} or {ground}" if pair.text_keys else ground


def contrast_problems(doc: Any) -> list[Problem]:
    """Refuse a theme whose text the reader cannot read (WCAG AA), one problem per failing pair
    (a pair of colours is named once), placed on the theme key to change in story.yml.

    `doc` is the story's `load.Document`; a theme the schema refuses is left to the schema."""
    data = doc.data if isinstance(doc.data, dict) else {}
    theme = data.get("theme")
    if theme is None:
        return []
    if not isinstance(theme, dict) or theme.get("preset", "light") not in PRESETS:
        return []
    if not all(isinstance(theme[key], str) and _HEX.match(theme[key]) for key in COLOUR_KEYS if key in theme):
        return []
    problems, seen = [], set()
    for pair in readability(theme):
        ratio = pair.ratio
        colours = frozenset((pair.text, pair.background))
        if ratio >= pair.need or colours in seen:
            continue
        seen.add(colours)
        kind = "body text needs" if pair.need == BODY_TEXT else "large text and controls need"
        written = [key for key in (*pair.text_keys, *pair.background_keys) if key in theme]
        key = written[0] if written else "preset" if "preset" in theme else None
        place = doc.place(("theme", key) if key else ("theme",))
        problems.append(Problem(
            f"{pair.label} ({pair.text!r} on {pair.background!r}) has a contrast of {_shown(ratio, pair.need)}:1; "
            f"{kind} at least {pair.need:g}:1 (WCAG AA) — {_advice(pair)}",
            doc.path, place))
    return problems
