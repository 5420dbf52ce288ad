"""Step 3 — transform: geometry work on validated data.

Data enters in whatever CRS it declares, is repaired and flattened to 2-D, measured on the
ellipsoid (geodesic areas and lengths, right anywhere on Earth: no projection chosen for one region)
and leaves in EPSG:4326 with coordinates rounded to a fixed number of decimals, so that the output
is small and reproducible.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Geod
from shapely.geometry import mapping, shape

from .errors import Problem, StoryError
from .load import OUTPUT_CRS, StoryFiles, feature_id
from .validate import declared_crs, far_feature_problems, story_centre

__all__ = [
    "OUTPUT_CRS",
    "LayerFrame",
    "decimals_for_zoom",
    "prepare_layers",
    "parse_year",
    "simplify",
    "timeline",
    "measure",
    "repair",
    "to_feature_collection",
    "to_frame",
]

WEB_MERCATOR = "EPSG:3857"  # the page's own plane: a pixel there is the same size everywhere
_GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True)
class LayerFrame:
    """One layer's features after the geometry work: repaired, flat, measured; still in their CRS."""

    path: Path  # the data file, for messages
    frame: gpd.GeoDataFrame  # one row per feature: id, properties, geometry
    metrics: pd.DataFrame  # area_ha / length_km per feature


def prepare_layers(files: StoryFiles, layer_ids: set[str], progress: Callable[[str], None]
                   ) -> tuple[dict[str, LayerFrame], list[Problem]]:
    """The geometry work for every sound layer (`layer_ids`, in story order), with its warnings:
    geometries repaired, and features far from the story's start view (they may have their
    latitude and longitude swapped)."""
    centre = story_centre(files.story.data)
    wanted = [layer_id for layer_id in files.layer_ids if layer_id in layer_ids]
    layers, problems = {}, []
    for number, layer_id in enumerate(wanted, start=1):
        progress(f"Reading layer {number}/{len(wanted)}: {layer_id}")
        data = files.data[layer_id]
        crs = declared_crs(data.collection, files.layers[layer_id].data.get("crs"), data.path)
        frame, warnings = repair(to_frame(data.collection, layer_id, crs), data.path)
        if centre is not None:
            points = frame.to_crs(OUTPUT_CRS).geometry.representative_point()
            warnings += far_feature_problems(list(frame["id"]), points.x, points.y, centre, data.path)
        layers[layer_id] = LayerFrame(data.path, frame, measure(frame))
        problems += warnings
    return layers, problems



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
    """Area in hectares and length in kilometres, measured geodesically on the WGS 84 ellipsoid, so
    that they are right in any zone, hemisphere or latitude, and across the antimeridian.

    Area is given for polygons and length for lines; the other is NaN (left out of the output).
    """
    kinds = frame.geometry.geom_type
    is_area = kinds.isin(["Polygon", "MultiPolygon"])
    is_line = kinds.isin(["LineString", "MultiLineString"])
    lonlat = frame.geometry.to_crs(OUTPUT_CRS) if (is_area | is_line).any() else frame.geometry
    area = pd.Series(np.nan, index=frame.index)
    length = pd.Series(np.nan, index=frame.index)
    for index in frame.index[is_area]:
        area[index] = abs(_GEOD.geometry_area_perimeter(lonlat[index])[0])
    for index in frame.index[is_line]:
        length[index] = _GEOD.geometry_length(lonlat[index])
    return pd.DataFrame(
        {"area_ha": (area / 10_000).round(1), "length_km": (length / 1_000).round(2)},
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
    """Drop vertices no one can see at `zoom`: topology-preserving simplification in Web Mercator,
    the plane the page draws in, with a tolerance of half a pixel there. Points are left alone."""
    shapes = ~frame.geometry.geom_type.isin(["Point", "MultiPoint"])
    if not shapes.any():
        return frame
    tolerance = _METRES_PER_PIXEL_AT_ZOOM_0 / 2**zoom / 2
    # Web Mercator is linear in longitude and monotonic in latitude, so a shape that is valid there
    # comes back valid; at the poles it has no finite coordinates (errstate keeps that quiet).
    with np.errstate(all="ignore"):
        plane = frame.loc[shapes].geometry.to_crs(WEB_MERCATOR)
        simple = plane.simplify(tolerance, preserve_topology=True).to_crs(frame.crs)
    out = frame.copy()
    out.loc[shapes, "geometry"] = simple
    return out
