"""Benchmark 1: page weight by component, gzip bytes, ours against folium's page."""

from __future__ import annotations

import gzip
import json
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


def data_parts(html: str) -> dict[str, int]:
    """Within the page's data (each part gzipped on its own, so they do not add up exactly):
    the layers' geometry (compact coordinates), their features' properties (the popups' and the
    tables' text), and everything else (styles, chapters' views, interface text)."""
    block = re.search(r'<script type="application/json" id="sm-data">(.*?)</script>', html, re.S).group(1)
    data = json.loads(block)
    features = [f for layer in data["layers"] for f in layer["data"]["features"]]
    geometry = [f["geometry"] for f in features]
    properties = [f["properties"] for f in features]
    for layer in data["layers"]:
        layer["data"] = None
    return {"geometry": gz(json.dumps(geometry, separators=(",", ":"))),
            "feature properties": gz(json.dumps(properties, separators=(",", ":"), ensure_ascii=False)),
            "styles, chapters and interface text": gz(json.dumps(data, separators=(",", ":"), ensure_ascii=False))}


def words_floor(html: str) -> int:
    """What no leaner code or markup can remove: Leaflet (shipped as it is), the features'
    properties, and the words a reader reads on the page (every tag, script, style and figure
    stripped), gzipped together."""
    scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
    styles = re.findall(r"<style[^>]*>(.*?)</style>", html, re.S)
    leaflet = [s for s in scripts if "Leaflet 1.9.4" in s[:400]] + [s for s in styles if ".leaflet-pane" in s[:2000]]
    block = re.search(r'<script type="application/json" id="sm-data">(.*?)</script>', html, re.S).group(1)
    properties = [f["properties"] for layer in json.loads(block)["layers"] for f in layer["data"]["features"]]
    words = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", html, flags=re.S)
    words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", words))
    return gz("".join(leaflet) + json.dumps(properties, ensure_ascii=False) + words)
