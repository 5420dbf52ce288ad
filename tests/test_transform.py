from pathlib import Path

import pandas as pd
import pytest
from pyproj import CRS

from storymap import transform
from storymap.errors import StoryError
from conftest import collection, feature

PATH = Path("layer.geojson")
WGS84 = CRS.from_epsg(4326)


def frame_of(*features, crs=WGS84):
    return transform.to_frame(collection(*features), "layer", crs)


def test_three_d_coordinates_lose_z():
    frame = frame_of(feature("a", {"type": "Point", "coordinates": [7.2, 51.48, 99.0]}))
    assert not frame.geometry[0].has_z


def test_a_self_intersecting_polygon_is_repaired_with_a_warning():
    bowtie = {"type": "Polygon", "coordinates": [[[7.0, 51.0], [7.1, 51.1], [7.1, 51.0], [7.0, 51.1], [7.0, 51.0]]]}
    frame, warnings = transform.repair(frame_of(feature("bow", bowtie)), PATH)
    assert frame.geometry[0].is_valid
    assert frame.geometry[0].geom_type in ("Polygon", "MultiPolygon")
    assert [str(w) for w in warnings] == [
        "layer.geojson (feature 1 (id bow)): invalid geometry repaired (Self-intersection[7.05 51.05])"
    ]


def test_metrics_are_measured_in_metres():
    # A 100 m x 100 m square and a 2 km line in UTM 32N (EPSG:25832), declared as such.
    utm = CRS.from_epsg(25832)
    square = {"type": "Polygon", "coordinates": [[[370000, 5700000], [370100, 5700000], [370100, 5700100],
                                                  [370000, 5700100], [370000, 5700000]]]}
    line = {"type": "LineString", "coordinates": [[370000, 5700000], [372000, 5700000]]}
    metrics = transform.measure(frame_of(feature("sq", square), feature("ln", line), crs=utm))
    assert metrics["area_ha"][0] == pytest.approx(1.0)
    assert metrics["length_km"][1] == pytest.approx(2.0)
    assert pd.isna(metrics["area_ha"][1]) and pd.isna(metrics["length_km"][0])


def test_output_is_wgs84_and_rounded():
    utm = CRS.from_epsg(25832)
    frame = frame_of(feature("a", {"type": "Point", "coordinates": [372000.123456, 5704000.987654]}, n=1), crs=utm)
    out = transform.to_feature_collection(frame, 5)
    lon, lat = out["features"][0]["geometry"]["coordinates"]
    assert 7.0 < lon < 7.4 and 51.3 < lat < 51.6
    assert len(repr(lon).split(".")[1]) <= 5
    assert out["features"][0]["id"] == "a" and out["features"][0]["properties"]["n"] == 1


def test_legacy_crs_member_is_honoured():
    data = {"crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25832"}}}
    assert transform.declared_crs(data, None, PATH).to_epsg() == 25832
    assert transform.declared_crs({}, None, PATH).to_epsg() == 4326
    with pytest.raises(StoryError, match="unknown CRS"):
        transform.declared_crs({}, "EPSG:nonsense", PATH)


def test_a_geometry_lost_to_rounding_is_an_error_not_a_silent_drop():
    sliver = {"type": "Polygon", "coordinates": [[[7.0, 51.0], [7.0000001, 51.0], [7.0, 51.0000001], [7.0, 51.0]]]}
    frame = frame_of(feature("tiny", sliver))
    with pytest.raises(StoryError, match=r"feature 1 \(id tiny\).*collapses to nothing"):
        transform.to_feature_collection(frame, 5, path=PATH)


@pytest.mark.parametrize(
    "value, year",
    [(1962, 1962), (1962.0, 1962), ("1962", 1962), ("1962-10-10", 1962), ("shafts 1857; coal 1870", 1857),
     ("about 12000 years", None), (None, None), (True, None), ("", None), (float("nan"), None)],
)
def test_years_are_read_from_property_values(value, year):
    assert transform.parse_year(value) == year


def test_timeline_counts_active_years_or_starts_per_decade():
    active = transform.timeline([(1900, 1902), (1901, None), (None, 1950)], 1899, 1903)
    assert active == {"kind": "active", "step": 1, "from": 1899, "counts": [0, 1, 2, 2, 1]}
    started = transform.timeline([(1903, None), (1915, None), (1919, None), (None, None)], 1900, 1925)
    assert started == {"kind": "started", "step": 10, "from": 1900, "counts": [1, 2, 0]}


@pytest.mark.parametrize("zoom, decimals", [(10, 3), (16, 5), (17, 5), (18, 6), (20, 6)])
def test_coordinates_keep_what_the_zoom_can_show(zoom, decimals):
    assert transform.decimals_for_zoom(zoom) == decimals
    # one step of the last decimal is at most one pixel at that zoom
    assert 10.0**-decimals <= 360 / (256 * 2**zoom)


def test_simplification_drops_invisible_vertices_and_keeps_points():
    wiggle = [[7.2 + i * 1e-4, 51.48 + (1e-7 if i % 2 else 0)] for i in range(50)]  # 1 cm zig-zag
    frame = frame_of(feature("w", {"type": "LineString", "coordinates": wiggle}), feature("p", {"type": "Point", "coordinates": [7.2, 51.48]}))
    out = transform.simplify(frame, 17)
    assert len(out.geometry[0].coords) == 2
    assert out.geometry[1].equals(frame.geometry[1])
    coarse = transform.simplify(frame_of(feature("w", {"type": "LineString", "coordinates": [[7.2, 51.48], [7.2005, 51.4801], [7.201, 51.48]]})), 17)
    assert len(coarse.geometry[0].coords) == 3  # an 11 m bend is visible at zoom 17: kept


FAR_SHAPES = {
    # reaching the pole: Web Mercator, the plane lines and areas are simplified in, ends at ~85°
    "polar": [[0.0, 80.0], [10.0, 80.0], [10.0, 90.0], [0.0, 80.0]],
    # reaching the antimeridian and wrapping round the globe
    "wrapping": [[0.0, 0.0], [1.0, 1.0], [-180.0, 0.0], [0.0, 1.0], [0.0, 0.0]],
}


@pytest.mark.parametrize("name", list(FAR_SHAPES))
def test_a_shape_the_projection_cannot_carry_is_kept_not_a_crash(name):
    """Such shapes come out of simplification valid (a shape that cannot be projected at all,
    unchanged), and the rest is still simplified (found by test_properties through the real
    pipeline: these were internal errors)."""
    far = {"type": "Polygon", "coordinates": [FAR_SHAPES[name]]}
    near = {"type": "LineString", "coordinates": [[7.1, 51.5], [7.2, 51.47500001], [7.3, 51.45]]}
    frame, _ = transform.repair(frame_of(feature("far", far), feature("near", near)), PATH)
    out = transform.simplify(frame, 12)
    assert out.geometry[0].is_valid and not out.geometry[0].is_empty
    if name == "polar":
        assert out.geometry[0].equals(frame.geometry[0])
    assert len(out.geometry[1].coords) == 2
    assert transform.to_feature_collection(out, 5)["features"][0]["id"] == "far"
