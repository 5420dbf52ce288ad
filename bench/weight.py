"""Benchmark 1: page weight by component, gzip bytes, ours against folium's page."""

from __future__ import annotations

import gzip
import re
from pathlib import Path


def gz(text: str | bytes) -> int:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return len(gzip.compress(data, 9, mtime=0))


def our_components(html: str) -> dict[str, int]:
    """Split our page into Leaflet, own JS, own CSS, data, chapter figures, and text (the rest)."""
    scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
    styles = re.findall(r"<style[^>]*>(.*?)</style>", html, re.S)
    data = re.findall(r'<script type="application/json" id="sm-data">(.*?)</script>', html, re.S)
    figures = re.findall(r'<figure class="sm-print-map">.*?</figure>|<svg class="sm-figure-defs".*?</svg>', html, re.S)
    leaflet_js = [s for s in scripts if "Leaflet 1.9.4" in s[:400]]
    leaflet_css = [s for s in styles if ".leaflet-pane" in s[:2000]]
    own_js = [s for s in scripts if s not in leaflet_js]
    own_css = [s for s in styles if s not in leaflet_css]
    rest = html
    for part in scripts + styles + data + figures:
        rest = rest.replace(part, "", 1)
    return {
        "Leaflet JS": gz("".join(leaflet_js)),
        "Leaflet CSS": gz("".join(leaflet_css)),
        "own JS": gz("".join(own_js)),
        "own CSS": gz("".join(own_css)),
        "data": gz("".join(data)),
        "chapter figures (print, no-JS)": gz("".join(figures)),
        "text and markup": gz(rest),
        "page shell (all JS + CSS)": gz("".join(scripts + styles)),
        "whole page": gz(html),
    }


def folium_components(cdn_html: str, assets: dict[str, Path]) -> dict[str, int]:
    """folium's page: its HTML (data, code and markup inline) plus each default asset it loads."""
    out = {"page HTML (data + inline script)": gz(cdn_html)}
    for path in assets.values():
        out[path.name] = gz(path.read_bytes())
    out["whole page"] = sum(out.values())
    return out
