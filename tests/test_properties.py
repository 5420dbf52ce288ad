"""Property tests: whatever GeoJSON-like value (or whatever bytes) a layer's data file holds, the
pipeline either reads the story or raises StoryError — never another exception — and a success
keeps every feature. The data goes through the real pipeline (`pipeline.read_story`), as the
only layer of a one-chapter story."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import shapely
from shapely.geometry import shape

from conftest import write
from storymap import pipeline
from storymap.errors import StoryError

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


def one_layer_story(root: Path) -> Path:
    """A story whose only layer reads `data.geojson` (written by each example)."""
    write(root / "story.yml", """
        title: Generated
        languages: [en]
        view: {center: [51.47, 7.22], zoom: 11}
        layers: [layer]
        chapters: [only]
    """)
    write(root / "layers/layer.yml", "title: Layer\ndata: data.geojson\n")
    write(root / "chapters/en/only.md", "---\ntitle: Only\nview: {center: [51.47, 7.22], zoom: 11}\n"
                                        "layers: [layer]\n---\nText.\n")
    return root


def write_bytes(story_dir: Path, raw: bytes) -> None:
    (story_dir / "data.geojson").write_bytes(raw)


def read_layer(story_dir: Path, data) -> dict:
    """The layer's GeoJSON as the pipeline ships it, `data` written to its file as JSON
    (non-finite numbers as NaN and Infinity, which the reader must refuse)."""
    write_bytes(story_dir, json.dumps(data).encode("utf-8"))
    story, _ = pipeline.read_story(story_dir)
    return story.layer("layer").data


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    return one_layer_story(tmp_path_factory.mktemp("generated"))


@settings(max_examples=300, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(collections)
def test_any_value_is_accepted_or_refused_with_our_error(generated, data):
    try:
        out = read_layer(generated, data)
    except StoryError as error:
        assert error.problems and all(str(p) for p in error.problems)
        return
    assert len(out["features"]) == len(data["features"])
    for item in out["features"]:
        flat = json.dumps(item["geometry"]["coordinates"])
        assert "NaN" not in flat and "Infinity" not in flat


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_any_bytes_in_a_data_file_are_read_or_refused(generated, raw):
    write_bytes(generated, raw)
    try:
        pipeline.read_story(generated)
    except StoryError as error:
        assert error.problems and all(str(p) for p in error.problems)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.floats(-180, 180), st.floats(-85, 85)), min_size=4, max_size=8))
def test_any_ring_of_valid_positions_gives_a_valid_polygon_or_a_clear_error(generated, points):
    ring = [list(p) for p in points] + [list(points[0])]
    data = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [ring]}}]}
    try:
        out = read_layer(generated, data)
    except StoryError as error:
        assert "empty after repair" in str(error) or "collapses to nothing" in str(error)
        return
    geometry = shape(out["features"][0]["geometry"])
    assert geometry.is_valid and not geometry.is_empty
    assert all(math.isfinite(v) for v in shapely.get_coordinates(geometry).ravel())
