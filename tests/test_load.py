from pathlib import Path

import pytest

from storymap import load
from storymap.errors import StoryError


def test_yaml_keys_know_their_lines(tmp_path: Path):
    path = tmp_path / "layer.yml"
    path.write_text("title: x\nstyle:\n  color: '#fff'\npopup:\n  - key: a\n")
    doc = load.read_yaml(path)
    assert doc.place(("style", "color")) == "line 3, key style.color"
    assert doc.place(("popup", 0, "key")) == "line 5, key popup.0.key"


def test_invalid_yaml_names_file_and_line(tmp_path: Path):
    path = tmp_path / "story.yml"
    path.write_text("title: ok\nlayers: [a, b\nchapters: []\n")
    with pytest.raises(StoryError) as info:
        load.read_yaml(path)
    assert "story.yml" in str(info.value) and "line 3" in str(info.value)


def test_missing_file_is_named(tmp_path: Path):
    with pytest.raises(StoryError, match="nothing.yml.*file not found"):
        load.read_yaml(tmp_path / "nothing.yml")


def test_chapter_front_matter_and_body_with_bom_and_crlf(tmp_path: Path):
    path = tmp_path / "c.md"
    path.write_bytes("\ufeff---\r\ntitle: Hello\r\nlayers: [a]\r\n---\r\nBody **text**\r\n".encode("utf-8"))
    doc = load.read_chapter(path)
    assert doc.data == {"title": "Hello", "layers": ["a"]}
    assert doc.body.strip() == "Body **text**"
    assert doc.place(("layers",)) == "line 3, key layers"


@pytest.mark.parametrize(
    "text, message",
    [
        ("no front matter\n", "must start with front matter"),
        ("---\ntitle: x\nno closing line\n", "not closed"),
        ("---\ntitle: [x\n---\nbody\n", "invalid YAML"),
    ],
)
def test_broken_front_matter(tmp_path: Path, text: str, message: str):
    path = tmp_path / "c.md"
    path.write_text(text)
    with pytest.raises(StoryError, match=message):
        load.read_chapter(path)


@pytest.mark.parametrize(
    "content, message",
    [(b"", "empty"), (b'{"type": "FeatureCollection", "features": [', r"line 1, column 44\): not valid JSON"),
     (b"\xff\xfe{}", "not UTF-8")],
)
def test_unreadable_geojson(tmp_path: Path, content: bytes, message: str):
    path = tmp_path / "d.geojson"
    path.write_bytes(content)
    with pytest.raises(StoryError, match=message):
        load.read_features(path)


def test_paths_may_not_leave_the_story(tmp_path: Path):
    assert load.inside(tmp_path, "data/x.geojson") == (tmp_path / "data/x.geojson").resolve()
    with pytest.raises(ValueError, match="outside the story folder"):
        load.inside(tmp_path, "../secret.geojson")


def test_a_geopackage_is_read_through_pyogrio_with_its_crs(tmp_path: Path):
    import geopandas
    from shapely.geometry import Point

    path = tmp_path / "sites.gpkg"
    frame = geopandas.GeoDataFrame({"id": ["a"], "name": ["A"]}, geometry=[Point(372000, 5704000)], crs="EPSG:25832")
    frame.to_file(path, engine="pyogrio")
    data = load.read_features(path)
    assert data["crs"]["properties"]["name"] == "EPSG:25832"
    assert data["features"][0]["properties"] == {"id": "a", "name": "A"}
    assert data["features"][0]["geometry"]["coordinates"] == [372000.0, 5704000.0]


def test_an_unreadable_geopackage_is_named(tmp_path: Path):
    path = tmp_path / "broken.gpkg"
    path.write_bytes(b"not a database")
    with pytest.raises(StoryError, match="broken.gpkg.*cannot read data file"):
        load.read_features(path)
