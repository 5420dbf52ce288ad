"""Step 3 — transform: geometry work on validated data.

Data enters in whatever CRS it declares, is repaired and flattened to 2-D, measured in
metres (EPSG:25832, UTM 32N, which covers the Ruhr) and leaves in EPSG:4326 with coordinates
rounded to a fixed number of decimals, so that the output is small and reproducible.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError
from shapely.geometry import mapping, shape

from .errors import Problem, StoryError
from .validate import feature_id

__all__ = [
    "METRIC_CRS",
    "OUTPUT_CRS",
    "decimals_for_zoom",
    "parse_year",
    "simplify",
    "timeline",
    "declared_crs",
    "measure",
    "repair",
    "to_feature_collection",
    "to_frame",
]

OUTPUT_CRS = "EPSG:4326"
METRIC_CRS = "EPSG:25832"


def declared_crs(collection: dict, layer_crs: str | None, path: Path) -> CRS:
    """The data's CRS: the file's legacy `crs` member, else the layer file's `crs`, else WGS 84."""
    named = (collection.get("crs") or {}).get("properties", {}).get("name") if isinstance(collection.get("crs"), dict) else None
    text = named or layer_crs or OUTPUT_CRS
    try:
        return CRS.from_user_input(text)
    except CRSError:
        raise StoryError.at(f"unknown CRS {text!r}", path) from None


def to_frame(collection: dict, layer_id: str, crs: CRS) -> gpd.GeoDataFrame:
    """A GeoDataFrame with one row per feature: `id`, `properties` (a dict) and 2-D `geometry`.

    Properties stay one dict per row rather than columns, so features with different keys
    round-trip without gaining NaN for the keys they never had.
    """
    features = collection["features"]
    return gpd.GeoDataFrame(
        {
            "id": [feature_id(f, layer_id, n) for n, f in enumerate(features, start=1)],
            "properties": [dict(f.get("properties") or {}) for f in features],
        },
        geometry=[shapely.force_2d(shape(f["geometry"])) for f in features],
        crs=crs,
    )


def repair(frame: gpd.GeoDataFrame, path: Path) -> tuple[gpd.GeoDataFrame, list[Problem]]:
    """Make invalid geometries valid (keeping their dimension) and say which ones were touched."""
    invalid = ~frame.geometry.is_valid
    warnings = []
    for index in frame.index[invalid]:
        reason = shapely.is_valid_reason(frame.geometry[index])
        warnings.append(
            Problem(f"invalid geometry repaired ({reason})", path, f"feature {index + 1} (id {frame['id'][index]})", "warning")
        )
    if invalid.any():
        frame = frame.copy()
        frame.loc[invalid, "geometry"] = shapely.make_valid(
            frame.geometry[invalid].values, method="structure", keep_collapsed=False
        )
    empty = frame.geometry.is_empty
    if empty.any():
        first = int(frame.index[empty][0])
        raise StoryError.at("geometry is empty after repair", path, f"feature {first + 1} (id {frame['id'][first]})")
    return frame, warnings


def measure(frame: gpd.GeoDataFrame) -> pd.DataFrame:
    """Area in hectares and length in kilometres, measured in metres in EPSG:25832.

    Area is given for polygons and length for lines; the other is NaN (left out of the output).
    """
    with np.errstate(all="ignore"):  # far outside UTM 32N the numbers are meaningless; NaN is left out
        metric = frame.geometry.to_crs(METRIC_CRS)
        area, length = metric.area, metric.length
    kinds = frame.geometry.geom_type
    is_area = kinds.isin(["Polygon", "MultiPolygon"])
    is_line = kinds.isin(["LineString", "MultiLineString"])
    return pd.DataFrame(
        {
            "area_ha": (area / 10_000).round(1).where(is_area),
            "length_km": (length / 1_000).round(2).where(is_line),
        },
        index=frame.index,
    )


def _rounded(value: Any, decimals: int) -> Any:
    if isinstance(value, float):
        return round(value, decimals)
    if isinstance(value, (list, tuple)):
        return [_rounded(v, decimals) for v in value]
    return value


def _clean(value: Any) -> Any:
    """Make a property value JSON-safe: NaN becomes null, non-JSON objects become strings."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else None
    if isinstance(value, list):
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    return str(value)


def to_feature_collection(frame: gpd.GeoDataFrame, decimals: int, extra: pd.DataFrame | None = None,
                          path: Path | None = None) -> dict:
    """GeoJSON in EPSG:4326 with coordinates rounded to `decimals` places.

    Rounding first snaps to the grid with shapely (which keeps polygons valid), then trims
    the float text so that the same input always gives the same bytes. A geometry too small
    to survive the rounding is an error, not a feature quietly lost.
    """
    out = frame.to_crs(OUTPUT_CRS)
    with np.errstate(all="ignore"):  # degenerate input is caught just below, by name
        snapped = shapely.set_precision(out.geometry.values, 10.0**-decimals)
    collapsed = shapely.is_empty(snapped) | ~shapely.is_valid(snapped)
    if collapsed.any():
        first = int(np.flatnonzero(collapsed)[0])
        raise StoryError.at(f"geometry is too small to keep at {decimals} decimals (it collapses to nothing)",
                            path, f"feature {first + 1} (id {out['id'].iloc[first]})")
    features = []
    for row, geometry in zip(out.itertuples(), snapped, strict=True):
        properties = _clean(row.properties)
        if extra is not None:
            properties.update({k: float(v) for k, v in extra.loc[row.Index].items() if pd.notna(v)})
        geo = mapping(geometry)
        features.append(
            {
                "type": "Feature",
                "id": row.id,
                "properties": properties,
                "geometry": {"type": geo["type"], "coordinates": _rounded(geo["coordinates"], decimals)},
            }
        )
    return {"type": "FeatureCollection", "features": features}


_YEAR = re.compile(r"(?<![0-9])([12][0-9]{3})(?![0-9])")


def parse_year(value: Any) -> int | None:
    """A year from a property value: 1962, 1962.0, "1962", "1962-10-10" or "shafts 1857; coal 1870" (the first)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return int(value) if value == value and 1000 <= value <= 2999 else None
    match = _YEAR.search(str(value))
    return int(match.group(1)) if match else None


def timeline(years: list[tuple[int | None, int | None]], first: int, last: int) -> dict[str, Any]:
    """What a layer's timeline chart shows, computed once at build time.

    With end years: how many features were active in each year (e.g. mines working).
    With start years only: how many began in each decade (e.g. sites converted per decade).
    """
    has_end = any(end is not None for _, end in years)
    if has_end:
        counts = [
            sum(1 for start, end in years if start is not None and start <= year and (end is None or year <= end))
            for year in range(first, last + 1)
        ]
        return {"kind": "active", "step": 1, "from": first, "counts": counts}
    decade0 = first - first % 10
    counts = [
        sum(1 for start, _ in years if start is not None and decade <= start < decade + 10)
        for decade in range(decade0, last + 1, 10)
    ]
    return {"kind": "started", "step": 10, "from": decade0, "counts": counts}


DEFAULT_MAX_ZOOM = 17
_METRES_PER_PIXEL_AT_ZOOM_0 = 156543.03392804097  # Web Mercator at the equator, 256-pixel tiles


def decimals_for_zoom(zoom: int) -> int:
    """Fewest decimals of a degree whose step is at most one pixel at `zoom` (so rounding moves
    a vertex by half a pixel at most): 5 at zoom 17, 6 at zoom 18–20."""
    degrees_per_pixel = 360 / (256 * 2**zoom)
    return max(0, math.ceil(-math.log10(degrees_per_pixel)))


def simplify(frame: gpd.GeoDataFrame, zoom: int) -> gpd.GeoDataFrame:
    """Drop vertices no one can see at `zoom`: topology-preserving simplification in metres
    (EPSG:25832) with a tolerance of half a pixel there. Points are left alone."""
    shapes = ~frame.geometry.geom_type.isin(["Point", "MultiPoint"])
    if not shapes.any():
        return frame
    _, south, _, north = frame.to_crs(OUTPUT_CRS).total_bounds  # cheap; a union of 100k shapes is not
    latitude = float(south + north) / 2
    tolerance = _METRES_PER_PIXEL_AT_ZOOM_0 / 2**zoom * math.cos(math.radians(latitude)) / 2
    with np.errstate(all="ignore"):
        metric = frame.loc[shapes].geometry.to_crs(METRIC_CRS)
    # Far outside UTM 32N a shape may not project at all (infinite coordinates), or not come back
    # valid (wrapped round the globe): such a shape is left as it is.
    metric = metric[np.isfinite(metric.bounds).all(axis=1)]
    simple = metric.simplify(tolerance, preserve_topology=True).to_crs(frame.crs)
    simple = simple[simple.is_valid & ~simple.is_empty]
    out = frame.copy()
    out.loc[simple.index, "geometry"] = simple
    return out
