"""Benchmark 4: the geometry budget — what the page ships for each layer, against 5-decimal
GeoJSON of the source data and against TopoJSON of the same layers."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas
import topojson

from storymap.model import Story
from weight import gz


def _five_decimals(value):
    if isinstance(value, float):
        return round(value, 5)
    if isinstance(value, list):
        return [_five_decimals(v) for v in value]
    return value


def run(story: Story, story_dir: Path) -> list[dict]:
    rows = []
    for layer in story.layers:
        source = json.loads((story_dir / "geojson" / f"{layer.id}.geojson").read_text(encoding="utf-8"))
        for feature in source["features"]:
            feature["geometry"]["coordinates"] = _five_decimals(feature["geometry"]["coordinates"])
        five = json.dumps(source, separators=(",", ":"), ensure_ascii=False)
        shipped = json.dumps(layer.data, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
        frame = geopandas.GeoDataFrame.from_features(source["features"], crs="EPSG:4326")
        topo = topojson.Topology(frame, prequantize=1_000_000).to_json()
        vertices = sum(len(json.dumps(f["geometry"]["coordinates"]).split(",")) // 2 for f in layer.data["features"])
        rows.append({"layer": layer.id, "features": len(layer.data["features"]), "vertices": vertices,
                     "shipped": len(shipped), "shipped_gz": gz(shipped),
                     "geojson5": len(five), "geojson5_gz": gz(five),
                     "topojson": len(topo), "topojson_gz": gz(topo)})
    return rows
