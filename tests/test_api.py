"""storymap.Story, the Python API: the same model, checks and bytes as a story folder."""

from __future__ import annotations

import runpy
import warnings

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point

import storymap
from storymap import pipeline
from conftest import REPO, SQUARE, collection, feature, run

EXAMPLE = REPO / "docs/examples/notebook_story.py"


def _sites(crs="EPSG:4326") -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(
        {"name": ["Zeche A", "Zeche B"], "opened": [1870, 1890], "closed": [1960, 1973]},
        geometry=[Point(7.2, 51.48), Point(7.25, 51.46)], index=["a", "b"], crs="EPSG:4326")
    return frame.to_crs(crs)


def _story() -> storymap.Story:
    story = storymap.Story(title={"en": "Tiny", "de": "Winzig"}, languages=["en", "de"],
                           view={"center": [51.47, 7.22], "zoom": 11}, subtitle="A test")
    story.add_layer("area", collection(feature("area", SQUARE)), title="Area", kind="context")
    story.add_layer("sites", _sites("EPSG:25832"), title={"en": "Sites", "de": "Orte"},
                    style={"color": "#112233"}, popup=["name", {"key": "opened", "label": {"en": "Opened", "de": "Eröffnet"}}],
                    time={"start": "opened", "end": "closed"})
    story.add_layer("river", LineString([(7.1, 51.5), (7.3, 51.45)]), title="River")
    story.add_chapter("first", title={"en": "First", "de": "Erstes"},
                      text={"en": "Text of the **first** chapter.", "de": "Text des ersten Kapitels."},
                      view={"center": [51.48, 7.2], "zoom": 13}, layers=["sites"], highlight=["a"],
                      sources=[{"title": "Test data"}])
    story.add_chapter("second", title={"en": "Second", "de": "Zweites"}, text={"en": "More.", "de": "Mehr."},
                      view={"fit": ["river"]}, layers=["river", "sites"], year=1900)
    return story


def _quiet(action, *args, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", storymap.api.StoryWarning)
        return action(*args, **options)


def test_the_api_and_its_folder_build_the_same_bytes(tmp_path):
    story = _story()
    _quiet(story.save, tmp_path / "api")
    story.to_folder(tmp_path / "folder")
    result = run("build", str(tmp_path / "folder"), "-o", str(tmp_path / "cli"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "api/index.html").read_bytes() == (tmp_path / "cli/index.html").read_bytes()


def test_a_folder_read_into_the_api_builds_the_same_bytes(tmp_path):
    _quiet(storymap.Story.from_folder(REPO).save, tmp_path / "api")
    pipeline.build(REPO, tmp_path / "cli")
    assert (tmp_path / "api/index.html").read_bytes() == (tmp_path / "cli/index.html").read_bytes()


def test_a_frame_in_another_crs_is_reprojected():
    story = storymap.Story("One", view={"center": [51.47, 7.22], "zoom": 11})
    story.add_layer("sites", _sites("EPSG:25832"), title="Sites")
    x, y = story._layers["sites"].collection["features"][0]["geometry"]["coordinates"]
    assert (round(x, 6), round(y, 6)) == (7.2, 51.48)


def test_a_frame_without_crs_in_metres_is_refused_naming_the_layer():
    frame = _sites("EPSG:25832").set_crs(None, allow_override=True)
    with pytest.raises(storymap.StoryError, match="layer 'sites': the GeoDataFrame has no CRS"):
        storymap.Story("One").add_layer("sites", frame, title="Sites")


def test_duplicate_ids_are_refused_naming_them():
    frame = _sites().assign(code=["x1", "x1"])
    with pytest.raises(storymap.StoryError, match="column 'code' must be unique; repeated: x1"):
        storymap.Story("One").add_layer("sites", frame, title="Sites", id_column="code")


def test_story_error_is_a_value_error_with_problems():
    story = storymap.Story("One", view={"center": [51.47, 7.22], "zoom": 11})
    story.add_layer("sites", _sites(), title="Sites")
    story.add_chapter("only", title="Only", view={"center": [51.48, 7.2], "zoom": 13}, layers=["nowhere"])
    with pytest.raises(ValueError) as caught:
        story.check()
    assert isinstance(caught.value, storymap.StoryError)
    messages = [str(problem) for problem in caught.value.problems]
    assert any("<chapter only en>" in m and "unknown layer 'nowhere'" in m for m in messages), messages


def test_the_example_script_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _quiet(runpy.run_path, str(EXAMPLE), run_name="__main__")
    assert (tmp_path / "site/index.html").is_file()


def test_the_notebook_preview_works_offline_in_an_iframe(browser, tmp_path):
    from browser import wait_until, watch

    preview = _quiet(_story()._repr_html_)
    assert preview.startswith("<iframe srcdoc=\"") and "<script" not in preview  # the page is escaped inside
    notebook = tmp_path / "notebook.html"
    notebook.write_text(f"<!doctype html><title>notebook</title><h1>A cell</h1>{preview}", encoding="utf-8")
    page = browser.new_page(viewport={"width": 1000, "height": 800})
    traffic = watch(page)
    page.goto(notebook.as_uri())
    frame = page.frame_locator("iframe")
    frame.locator(".leaflet-container").wait_for(timeout=10_000)
    inner = page.frames[1]
    wait_until(inner, "!!(window.storymap && window.storymap.map)")
    wait_until(inner, "storymap.visibleLayers().includes('sites')")  # the first chapter's layer is drawn
    assert page.evaluate("document.querySelector('iframe').getBoundingClientRect().height") == 602  # 600 + borders
    assert traffic.other == [] and traffic.errors == [], (traffic.other, traffic.errors)


@pytest.mark.parametrize("kind, method, not_keywords", [
    ("story", storymap.Story.__init__, {"layers", "chapters"}),  # added by add_layer and add_chapter
    ("layer", storymap.Story.add_layer, set()),
    ("chapter", storymap.Story.add_chapter, set()),
])
def test_every_key_of_the_format_is_a_keyword(kind, method, not_keywords):
    import inspect
    import json

    schema = json.loads((REPO / "storymap/schemas/storymap.schema.json").read_text("utf-8"))
    keys = set(schema["$defs"][kind]["properties"]) - not_keywords
    parameters = set(inspect.signature(method).parameters)
    assert keys - parameters <= {"data"}, keys - parameters  # a layer's data is its second argument


def test_from_folder_refuses_a_story_file_that_is_not_a_mapping(tmp_path):
    import storymap
    from conftest import run

    assert run("new", str(tmp_path / "town")).exit_code == 0
    (tmp_path / "town" / "story.yml").write_text("- just\n- a list\n")
    with pytest.raises(storymap.StoryError) as caught:
        storymap.Story.from_folder(tmp_path / "town")
    assert "story.yml (line 1): expected a mapping of keys to values" in str(caught.value)
