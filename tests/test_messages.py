"""Errors that say what to fix: each mistake an author makes gets a message naming the place and
what to write instead, all of them in one run, and no follow-on noise from a file that failed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from storymap.cli import main


def check(story: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check", str(story)])
    return result.exit_code, result.output


@pytest.fixture
def story(tmp_path: Path) -> Path:
    assert CliRunner().invoke(main, ["new", str(tmp_path / "town")]).exit_code == 0
    return tmp_path / "town"


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


WELCOME_VIEW = "view: {center: [51.4818, 7.2162], zoom: 13}"


@pytest.mark.parametrize("file, old, new, message", [
    ("chapters/en/welcome.md", WELCOME_VIEW, "view: {center: [51.4818, 7.2162], zoom: 35}",
     "welcome.md (line 3, key view.zoom): 35 is out of range: use a number from 0 to 22"),
    ("chapters/en/welcome.md", WELCOME_VIEW, "view: {centre: [51.4818, 7.2162], zoom: 13}",
     "welcome.md (line 3, key view.centre): unknown key 'centre'; did you mean 'center'?"),
    ("layers/places.yml", 'color: "#7a2e0b"', "color: red",
     "places.yml (line 6, key style.color): 'red' is not allowed here; write a colour as #rrggbb or #rgb"),
    ("story.yml", "chapters: [welcome, places]", "chapters: [welcome, places, welcome]",
     "story.yml (line 12, key chapters): listed more than once: welcome"),
    ("chapters/en/places.md", "title: Three places", 'title: ""',
     "places.md (line 2, key title): must not be empty"),
    ("chapters/en/places.md", "title: Three places", 'title: "   "',
     "places.md (line 2, key title): must not be empty"),
])
def test_a_mistake_is_named_with_what_to_write(story: Path, file: str, old: str, new: str, message: str):
    replace(story / file, old, new)
    code, out = check(story)
    assert code == 1 and message in out, out
    assert out.count("must not be empty") <= 1  # one message per place, though two rules say it


def test_a_view_with_latitude_and_longitude_swapped_is_a_warning(story: Path):
    replace(story / "chapters/en/welcome.md", WELCOME_VIEW, "view: {center: [7.2162, 51.4818], zoom: 13}")
    code, out = check(story)
    assert code == 0
    assert ("warning: " in out and "welcome.md (line 3, key view.center): this view is more than 300 km from the "
            "story's area; latitude and longitude look swapped (a view wants [latitude, longitude])") in out


def test_a_highlight_naming_a_feature_without_an_id_points_at_the_data(story: Path):
    data = story / "data/places.geojson"
    collection = json.loads(data.read_text())
    del collection["features"][0]["id"]  # the town hall lost its id
    data.write_text(json.dumps(collection))
    code, out = check(story)
    assert code == 1
    assert ("places.md (line 5, key highlight.0): unknown feature 'town-hall'; features without an id are called "
            "'<layer>-<number>' (first: feature 1 of data/places.geojson, 'places-1'): give the one you mean an \"id\"") in out


def test_every_file_is_judged_in_one_run(story: Path):
    """An error in story.yml no longer hides the chapters' errors until the next run."""
    replace(story / "story.yml", "languages: [en]", "languages: [en]\ncolour: red")
    replace(story / "chapters/en/welcome.md", WELCOME_VIEW, "view: {center: [51.4818, 7.2162], zoom: 35}")
    code, out = check(story)
    assert code == 1
    assert "story.yml (line 6, key colour): unknown key 'colour'" in out
    assert "welcome.md (line 3, key view.zoom): 35 is out of range" in out


def test_a_chapter_that_does_not_parse_causes_no_follow_on_warnings(story: Path):
    (story / "chapters/en/places.md").write_text("---\ntitle: [unclosed\nlayers: [places]\n---\nText\n")
    (story / "chapters/en/welcome.md").write_text("---\ntitle: Welcome\nview: {center: [51.48, 7.21], zoom: 13}\n---\nHi\n")
    code, out = check(story)
    assert code == 1 and re.search(r"places\.md \(line \d+\): invalid YAML", out), out
    assert "is shown by no chapter" not in out  # the broken chapter may be the one that shows it
