"""Property tests: whatever GeoJSON-like value arrives, reading it either succeeds or raises
StoryError — never another exception — and a success keeps every feature."""

from __future__ import annotations

import json
import math
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import shapely
from shapely.geometry import shape

from storymap import load, transform, validate
from storymap.errors import StoryError

PATH = Path("generated.geojson")

numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-180, max_value=180),
    st.integers(min_value=-10**6, max_value=10**6),
)
junk = st.one_of(st.none(), st.booleans(), st.text(max_size=5), numbers)
position = st.one_of(st.lists(numbers, min_size=0, max_size=4), junk)
ring = st.lists(position, min_size=0, max_size=6)
coordinates = st.one_of(position, st.lists(position, max_size=5), st.lists(ring, max_size=3),
                        st.lists(st.lists(ring, max_size=2), max_size=2), junk)
geometry = st.one_of(
    st.none(),
    junk,
    st.fixed_dictionaries({
        "type": st.sampled_from(["Point", "MultiPoint", "LineString", "MultiLineString", "Polygon",
                                 "MultiPolygon", "GeometryCollection", "Circle", ""]),
        "coordinates": coordinates,
    }),
)
properties = st.one_of(st.none(), junk, st.dictionaries(st.text(max_size=8), junk, max_size=4))
feature = st.one_of(junk, st.fixed_dictionaries({
    "type": st.sampled_from(["Feature", "feature"]),
    "geometry": geometry,
    "properties": properties,
}, optional={"id": st.one_of(st.text(max_size=6), st.integers(), st.none())}))
collections = st.one_of(junk, st.fixed_dictionaries({
    "type": st.sampled_from(["FeatureCollection", "Feature"]),
    "features": st.one_of(st.lists(feature, max_size=6), junk),
}))


def read_layer(data) -> dict:
    """The pipeline's own sequence for one layer's data, as in `pipeline._read_layer_data`."""
    crs = transform.declared_crs(data if isinstance(data, dict) else {}, None, PATH)
    problems = validate.feature_problems(data, PATH, "layer", geographic=crs.is_geographic)
    if problems:
        raise StoryError(problems)
    frame, _ = transform.repair(transform.to_frame(data, "layer", crs), PATH)
    return transform.to_feature_collection(frame, 6, transform.measure(frame), PATH)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(collections)
def test_any_value_is_accepted_or_refused_with_our_error(data):
    try:
        out = read_layer(data)
    except StoryError as error:
        assert error.problems and all(str(p) for p in error.problems)
        return
    assert len(out["features"]) == len(data["features"])
    for item in out["features"]:
        flat = json.dumps(item["geometry"]["coordinates"])
        assert "NaN" not in flat and "Infinity" not in flat


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_in_a_data_file_are_read_or_refused(tmp_path_factory, raw):
    path = tmp_path_factory.mktemp("bytes") / "data.geojson"
    path.write_bytes(raw)
    try:
        data = load.read_features(path)
    except StoryError:
        return
    try:
        read_layer(data)
    except StoryError:
        pass


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.floats(-180, 180), st.floats(-85, 85)), min_size=4, max_size=8))
def test_any_ring_of_valid_positions_gives_a_valid_polygon_or_a_clear_error(points):
    ring = [list(p) for p in points] + [list(points[0])]
    data = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [ring]}}]}
    try:
        out = read_layer(data)
    except StoryError as error:
        assert "empty after repair" in str(error) or "collapses to nothing" in str(error)
        return
    geometry = shape(out["features"][0]["geometry"])
    assert geometry.is_valid and not geometry.is_empty
    assert all(math.isfinite(v) for v in shapely.get_coordinates(geometry).ravel())
