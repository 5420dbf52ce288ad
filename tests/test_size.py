"""Size: every build has a budget, and an input too large for a phone is refused before the
expensive steps, with the layer, its size and what to do."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run
from storymap import pipeline
from storymap.errors import StoryError


def test_a_data_file_over_the_limit_is_refused_before_it_is_read(story_dir: Path):
    # Not even JSON: had it been read, the message would be about its syntax.
    (story_dir / "data/sites.geojson").write_bytes(b"x" * (2 * 2**20))
    story = story_dir / "story.yml"
    story.write_text(story.read_text() + "budget: {data_mb: 1}\n")
    result = run("check", str(story_dir))
    assert result.exit_code == 1
    assert "sites.geojson: data file is 2.0 MB; the limit is 1.0 MB per layer" in result.output
    assert "Lower the layer's max_zoom or precision, simplify or split the data, or serve it as map tiles" in result.output
    assert "raise budget.data_mb" in result.output and "not valid JSON" not in result.output


def test_a_large_data_file_is_a_warning_with_what_to_do(story_dir: Path):
    story = story_dir / "story.yml"
    story.write_text(story.read_text() + "budget: {layer_kb: 0.1}\n")
    result = run("check", str(story_dir))
    assert result.exit_code == 0
    assert "over the budget of 0.1 KiB per layer: the page gets slow on a phone" in result.output


@pytest.mark.parametrize("page_kb, budget, outcome", [
    (1_000, {}, None),                                       # an ordinary page: nothing to say
    (3_000, {}, "warning"),                                  # heavy: a warning, the build goes on
    (11_000, {}, "error"),                                   # past the default limit: refused
    (11_000, {"page_kb": 12_000}, None),                     # the story raised its own limit
    (900, {"page_kb": 800}, "error"),                        # or lowered it
])
def test_every_build_has_a_page_budget(tmp_path: Path, page_kb: int, budget: dict, outcome: str | None):
    weight = {"page_gz": page_kb * 1024, "shell_gz": 50 * 1024}
    if outcome == "error":
        with pytest.raises(StoryError, match=r"the page is [\d.]+ KiB gzipped; the budget is"):
            pipeline._check_budget(weight, budget, tmp_path)
        return
    warnings = pipeline._check_budget(weight, budget, tmp_path)
    assert [w.level for w in warnings] == ([outcome] if outcome else [])
    if outcome:
        assert "slow to open on a phone" in str(warnings[0]) and "budget.page_kb" in str(warnings[0])
