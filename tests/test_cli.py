from pathlib import Path

import pytest

from conftest import REPO, page_data, run, write
from storymap import __version__


def test_build_writes_the_page_and_says_what_it_built(story_dir: Path, tmp_path: Path):
    out = tmp_path / "out"
    result = run("build", str(story_dir), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "3 layers, 4 features, 2 chapters" in result.output
    assert (out / "index.html").read_text().startswith("<!DOCTYPE html>")


def test_builds_are_byte_identical(story_dir: Path, tmp_path: Path):
    run("build", str(story_dir), "-o", str(tmp_path / "a"))
    run("build", str(story_dir), "-o", str(tmp_path / "b"))
    assert (tmp_path / "a/index.html").read_bytes() == (tmp_path / "b/index.html").read_bytes()


def test_check_validates_without_writing(story_dir: Path):
    result = run("check", str(story_dir))
    assert result.exit_code == 0 and result.output.startswith("OK: 3 layers")


def test_version_and_help():
    assert run("--version").output.strip().endswith(__version__)
    help_text = run("--help").output
    assert "build" in help_text and "check" in help_text


def test_usage_error_exits_2():
    assert run("build", "--no-such-option").exit_code == 2


BROKEN = [
    # (file to change, new content, words the message must contain)
    ("story.yml", "title: T\nlanguages: [en]\nview: {center: [51, 7], zoom: 9}\nlayers: [sites]\nchapters: [first\n",
     ["story.yml", "line 6", "invalid YAML"]),
    ("layers/sites.yml", "title: Sites\ndata: data/sites.geojson\nstyle: {color: blue}\n",
     ["sites.yml", "line 3, key style.color"]),
    ("layers/sites.yml", "title: Sites\ndata: ../../outside.geojson\n", ["sites.yml", "outside the story folder"]),
    ("data/sites.geojson", '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, '
     '"geometry": {"type": "Point", "coordinates": [7.2, "x"]}}]}', ["sites.geojson", "feature 1", "non-numeric"]),
    ("chapters/en/first.md", "---\ntitle: First\nview: {center: [51.48, 7.2], zoom: 13}\nlayers: [nope]\n---\n",
     ["first.md", "line 4", "unknown layer 'nope'"]),
    ("chapters/en/first.md", "---\ntitle: First\nview: {center: [51.48, 7.2], zoom: 13}\nlayers: [sites]\n"
     "highlight: [zz]\n---\n", ["first.md", "line 5", "unknown feature 'zz'"]),
    ("chapters/de/second.md", "---\ntitle: Zwei\nlayers: [river]\n---\n", ["de/second.md", "'layers' differs"]),
]


@pytest.mark.parametrize("name, content, words", BROKEN, ids=[b[0] + "-" + b[2][-1][:20] for b in BROKEN])
def test_bad_input_fails_clearly_and_keeps_the_previous_site(story_dir: Path, tmp_path: Path, name, content, words):
    out = tmp_path / "site"
    assert run("build", str(story_dir), "-o", str(out)).exit_code == 0
    before = (out / "index.html").read_bytes()
    (story_dir / name).write_text(content)
    result = run("build", str(story_dir), "-o", str(out))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    for word in words:
        assert word in result.output, result.output
    assert (out / "index.html").read_bytes() == before


def test_missing_chapter_file_names_the_story_line(story_dir: Path):
    (story_dir / "chapters/de/second.md").unlink()
    result = run("check", str(story_dir))
    assert result.exit_code == 1
    assert "story.yml (line 5, key chapters.1): chapter 'second' has no de file chapters/de/second.md" in result.output


def test_all_problems_are_reported_at_once(story_dir: Path):
    write(story_dir / "layers/river.yml", "title: River\ndata: data/river.geojson\nstyle: {weight: -1}\n")
    write(story_dir / "chapters/en/first.md", "---\ntitle: First\nview: {center: [51.48, 7.2], zoom: 13}\nlayers: [x]\n---\n")
    result = run("check", str(story_dir))
    assert result.exit_code == 1
    assert "river.yml" in result.output and "first.md" in result.output and "2 errors" in result.output


def test_a_folder_storymap_did_not_write_is_never_replaced(story_dir: Path, tmp_path: Path):
    out = tmp_path / "precious"
    out.mkdir()
    (out / "thesis.docx").write_text("years of work")
    result = run("build", str(story_dir), "-o", str(out))
    assert result.exit_code == 1 and "did not write" in result.output
    assert (out / "thesis.docx").read_text() == "years of work"


def test_debug_shows_the_traceback(story_dir: Path):
    """With --debug the story error is raised, not reported: Python prints its traceback."""
    import subprocess
    import sys

    (story_dir / "story.yml").write_text("title: [\n")
    result = run("check", str(story_dir), "--debug")
    assert type(result.exception).__name__ == "StoryError" and "invalid YAML" in str(result.exception)
    done = subprocess.run([sys.executable, "-m", "storymap", "check", str(story_dir), "--debug"],
                          capture_output=True, text=True)
    assert done.returncode == 1
    assert done.stderr.startswith("Traceback (most recent call last):"), done.stderr
    assert "storymap.errors.StoryError:" in done.stderr and "invalid YAML" in done.stderr


def test_unlisted_chapter_is_a_warning(story_dir: Path):
    write(story_dir / "chapters/en/draft.md", "---\ntitle: Draft\n---\n")
    result = run("check", str(story_dir))
    assert result.exit_code == 0
    assert "warning:" in result.output and "draft.md" in result.output


def test_build_py_builds_the_bundled_story(tmp_path: Path):
    import subprocess
    import sys

    out = tmp_path / "site"
    done = subprocess.run([sys.executable, str(REPO / "build.py"), "-o", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "Built" in done.stdout and (out / "index.html").is_file()
    assert page_data((out / "index.html").read_text())


def test_a_page_over_its_budget_fails_the_build(story_dir: Path, tmp_path: Path):
    (story_dir / "story.yml").write_text((story_dir / "story.yml").read_text() + "budget: {page_kb: 10, shell_kb: 100}\n")
    result = run("build", str(story_dir), "-o", str(tmp_path / "site"))
    assert result.exit_code == 1
    assert "story.yml (key budget.page_kb): the page is" in result.output and "the budget is 10 KiB" in result.output
    assert not (tmp_path / "site").exists()


def test_build_reports_the_page_weight(story_dir: Path, tmp_path: Path):
    result = run("build", str(story_dir), "-o", str(tmp_path / "site"))
    assert result.exit_code == 0
    assert "KiB gzipped (code and styles" in result.output
