"""The page's layouts and the screen sizes that choose between them, stated once.

The style sheet (templates/storymap.css) names its layouts' media queries by name — `@media
(--sm-stacked) {` — and the renderer writes the queries below in their place; the engine gets the
same queries in the page's data (`data.layout`) and asks the browser with matchMedia. So the
breakpoint the style sheet lays the page out by is the one the engine's reading line follows.

The layouts:

- beside (the default): the text column on the left, the map beside it, as high as the window.
- narrow (below the breakpoint): compact header and overlays, a folded legend, every card in the
  column. A narrow window that is also low and wider than tall — a phone turned on its side —
  keeps the map beside the text: above it, the map would get a strip of a few lines.
- stacked (narrow, and not low and wide): the map on top, the text scrolling beneath it.
"""

from __future__ import annotations

import re

__all__ = ["BREAKPOINT_EM", "LAYOUT", "LOW_EM", "media_css"]

# Below this width the text column (at least 20rem, 38% of the layout) and a useful map no longer
# fit side by side: 20rem / 0.38 and room for a scrollbar. In em, so that it follows the reader's
# type size as the column's 20rem does (900 px at the default 16 px).
BREAKPOINT_EM = 56.25
# A narrow window this low (500 px at 16 px type) and wider than tall keeps the map beside the text.
LOW_EM = 31.25
_NARROW = f"(max-width: {BREAKPOINT_EM - 0.01:g}em)"

LAYOUT = {
    # queries, by layout name; a comma is "or"
    "media": {
        "wide": f"screen and (min-width: {BREAKPOINT_EM:g}em)",
        "narrow": _NARROW,
        "stacked": f"{_NARROW} and (min-height: {LOW_EM:g}em), {_NARROW} and (max-aspect-ratio: 1/1)",
    },
    # where a chapter becomes active, in % of the window's height from its top: lower down where
    # the map takes the top of the window (stacked), the middle where it stands beside the text
    "reading_line": {"stacked": 70, "beside": 50},
}

_NAMED = re.compile(r"@media \(--sm-([a-z]+)\)")


def media_css(css: str) -> str:
    """The style sheet with each `@media (--sm-NAME)` written out as LAYOUT's query NAME.

    >>> media_css("@media (--sm-narrow) { a { b: c } }")
    '@media (max-width: 56.24em) { a { b: c } }'
    """

    def query(match: re.Match) -> str:
        name = match.group(1)
        if name not in LAYOUT["media"]:
            raise ValueError(f"storymap.css names a layout that storymap/layout.py does not define: {name!r}")
        return "@media " + LAYOUT["media"][name]

    return _NAMED.sub(query, css)
