"""Synthetic stories of any size, for the stress and scaling benchmarks (deterministic)."""

from __future__ import annotations

import json
from pathlib import Path

WEST, SOUTH, EAST, NORTH = 7.10, 51.42, 7.35, 51.53  # Bochum


def _grid(count: int):
    """`count` cells spread evenly over the city: (lon, lat, cell width, cell height)."""
    side = max(1, round(count ** 0.5))
    rows = -(-count // side)
    width, height = (EAST - WEST) / side, (NORTH - SOUTH) / rows
    for i in range(count):
        yield WEST + (i % side + 0.5) * width, SOUTH + (i // side + 0.5) * height, width, height


def points(count: int) -> dict:
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": f"p{i}", "properties": {"name": f"Point {i}", "year": 1850 + i % 175},
         "geometry": {"type": "Point", "coordinates": [round(x, 6), round(y, 6)]}}
        for i, (x, y, _, _) in enumerate(_grid(count))]}


def polygons(count: int) -> dict:
    features = []
    for i, (x, y, w, h) in enumerate(_grid(count)):
        dx, dy = w * 0.35, h * 0.35
        ring = [[x - dx, y - dy], [x + dx, y - dy], [x + dx, y + dy], [x - dx * 0.5, y + dy * 1.1], [x - dx, y - dy]]
        features.append({"type": "Feature", "id": f"a{i}", "properties": {"name": f"Area {i}"},
                         "geometry": {"type": "Polygon", "coordinates": [[[round(a, 6), round(b, 6)] for a, b in ring]]}})
    return {"type": "FeatureCollection", "features": features}


def write_story(root: Path, layers: dict[str, dict], chapters: int = 4) -> Path:
    """A story with the given layers (id -> FeatureCollection) and a few chapters that use them."""
    (root / "layers").mkdir(parents=True, exist_ok=True)
    (root / "data").mkdir(exist_ok=True)
    ids = list(layers)
    for layer_id, data in layers.items():
        (root / "data" / f"{layer_id}.geojson").write_text(json.dumps(data))
        (root / "layers" / f"{layer_id}.yml").write_text(f"title: {layer_id}\ndata: data/{layer_id}.geojson\n")
    views = ["{center: [51.47, 7.22], zoom: 12}", "{center: [51.48, 7.15], zoom: 14}",
             "{center: [51.45, 7.30], zoom: 13}", "{center: [51.50, 7.25], zoom: 15}"]
    names = [f"c{i}" for i in range(chapters)]
    (root / "story.yml").write_text(
        f"title: Synthetic\nlanguages: [en]\nview: {{center: [51.47, 7.22], zoom: 11}}\n"
        f"layers: [{', '.join(ids)}]\nchapters: [{', '.join(names)}]\n"
        # benchmarks measure what large inputs cost, so they lift the limits a real story keeps
        "budget: {data_mb: 1000, page_kb: 1000000}\n")
    (root / "chapters" / "en").mkdir(parents=True, exist_ok=True)
    for i, name in enumerate(names):
        shown = ids if i % 2 == 0 else ids[:1]
        (root / "chapters" / "en" / f"{name}.md").write_text(
            f"---\ntitle: Chapter {i + 1}\nview: {views[i % len(views)]}\nlayers: [{', '.join(shown)}]\n---\n"
            + "Some text to scroll past.\n\n" * 12)
    return root
