import math
from pathlib import Path

import pytest

from storymap import load, validate
from conftest import POINT_A, collection, feature

PATH = Path("layer.geojson")


def problems(data, geographic=True):
    return [str(p) for p in validate.feature_problems(data, PATH, "layer", geographic)]


def test_a_good_collection_has_no_problems():
    assert problems(collection(feature("a", POINT_A))) == []


@pytest.mark.parametrize(
    "data, message",
    [
        ([], "expected a GeoJSON FeatureCollection"),
        ({"type": "FeatureCollection", "features": {}}, "'features' must be a list"),
        (collection({"type": "Feature", "properties": {}, "geometry": None}), "feature 1 (id layer-1)): feature has no geometry"),
        (collection(feature("a", {"type": "Circle", "coordinates": [1, 2]})), "unsupported geometry type \"Circle\""),
        (collection(feature("a", {"type": "Point", "coordinates": []})), "Point has no coordinates"),
        (collection(feature("a", {"type": "Point", "coordinates": ["7", 51]})), "non-numeric coordinate"),
        (collection(feature("a", {"type": "Point", "coordinates": [math.nan, 51]})), "NaN or infinite"),
        (collection(feature("a", {"type": "Point", "coordinates": [372000.0, 5704000.0]})), "is not longitude/latitude"),
        (collection(feature("a", {"type": "LineString", "coordinates": [[7, 51]]})), "at least two positions"),
        (collection(feature("a", POINT_A), feature("a", POINT_A)), "feature 2 (id a)): duplicate id 'a' (also feature 1)"),
    ],
)
def test_structural_problems_name_the_feature(data, message):
    found = problems(data)
    assert found, "expected a problem"
    assert any(message in p for p in found), found
    assert all(p.startswith("layer.geojson") for p in found)


def test_projected_coordinates_pass_when_a_crs_is_declared():
    data = collection(feature("a", {"type": "Point", "coordinates": [372000.0, 5704000.0]}))
    assert problems(data, geographic=False) == []


def test_schema_problem_points_at_the_line(tmp_path: Path):
    path = tmp_path / "layers" / "x.yml"
    path.parent.mkdir()
    path.write_text("title: X\ndata: x.geojson\nstyle:\n  color: red\n  size: 3\n")
    found = [str(p) for p in validate.schema_problems(load.read_yaml(path), "layer")]
    assert any("line 4, key style.color" in p and "write a colour as #rrggbb or #rgb" in p for p in found), found
    assert any("line 5, key style.size" in p and "unknown key 'size'" in p for p in found), found


def test_a_view_must_be_one_of_the_three_forms(tmp_path: Path):
    path = tmp_path / "c.md"
    path.write_text("---\ntitle: T\nview: {center: [51.4, 7.2]}\n---\n")
    found = [str(p) for p in validate.schema_problems(load.read_chapter(path), "chapter")]
    assert any("line 3, key view" in p and "'zoom' is a required property" in p for p in found), found
