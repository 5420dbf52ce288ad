"""Part of the render step: a layer's coordinates in the compact form the page ships.

A layer's GeoJSON is already rounded to `decimals` places (the decimals its max zoom can show,
see transform.decimals_for_zoom). Written out as decimal numbers, every coordinate repeats its
leading digits ("7.16508, 51.50464"); written as whole numbers of 10^-decimals degrees, each
the step from the position before it, most coordinates are two or three digits. The engine's
decode part (templates/engine/decode.js) turns them back into the same GeoJSON numbers before
anything reads the data.

The form: a feature's `geometry.coordinates` keeps its GeoJSON nesting, except that each
innermost list of positions becomes one flat list [dx0, dy0, dx1, dy1, ...]; a Point is one
such list of two. Steps run on from one position to the next through the whole layer, in data
order, from (0, 0); the layer says its `decimals`.
"""

from __future__ import annotations

from typing import Any

__all__ = ["DEPTH", "encode_features"]

# How many list levels sit above the innermost list of positions, per GeoJSON type (the decoder
# needs no table: it goes down until it meets numbers).
DEPTH = {"Point": 0, "MultiPoint": 0, "LineString": 0, "MultiLineString": 1, "Polygon": 1, "MultiPolygon": 2}


class _Cursor:
    """The last position written, in whole units; each new one is written as the step from it."""

    def __init__(self, decimals: int):
        self.scale = 10**decimals
        self.x = self.y = 0

    def steps(self, positions: list[list[float]]) -> list[int]:
        out = []
        for position in positions:
            x, y = round(position[0] * self.scale), round(position[1] * self.scale)
            out += [x - self.x, y - self.y]
            self.x, self.y = x, y
        return out


def _encode(coordinates: Any, depth: int, cursor: _Cursor) -> Any:
    if depth == 0:
        return cursor.steps(coordinates)
    return [_encode(part, depth - 1, cursor) for part in coordinates]


def encode_features(features: list[dict[str, Any]], decimals: int) -> list[dict[str, Any]]:
    """The features with their coordinates in the compact form (properties untouched)."""
    cursor = _Cursor(decimals)
    out = []
    for feature in features:
        geometry = feature["geometry"]
        coordinates = [geometry["coordinates"]] if geometry["type"] == "Point" else geometry["coordinates"]
        compact = {"type": geometry["type"], "coordinates": _encode(coordinates, DEPTH[geometry["type"]], cursor)}
        out.append({**feature, "geometry": compact})
    return out
