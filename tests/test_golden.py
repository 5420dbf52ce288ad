"""The golden site, in pelican's manner: a small checked-in story (tests/golden/story/: two
languages, three chapters, a context layer, a glossary, tiny GeoJSON) is built and compared byte
for byte with the checked-in expected output (tests/golden/expected/), so that any change in
what storymap writes is a visible diff in review.

When the change is meant (a template, the page's JS or CSS, the renderer), refresh the expected
output and commit it with the change:

    STORYMAP_REFRESH_GOLDEN=1 python -m pytest tests/test_golden.py

which rewrites tests/golden/expected/ from a fresh build (the test then reports itself skipped,
saying what it rewrote); `git diff tests/golden/expected` shows what changed. Without the
variable a difference fails the test with a short unified diff of the first differing lines.
"""

from __future__ import annotations

import difflib
import os
import shutil
from pathlib import Path

import pytest

from conftest import run
from storymap.write import MARKER

GOLDEN = Path(__file__).resolve().parent / "golden"
STORY = GOLDEN / "story"
EXPECTED = GOLDEN / "expected"
REFRESH = os.environ.get("STORYMAP_REFRESH_GOLDEN") == "1"
SHOWN_LINES = 40  # of the unified diff
SHOWN_WIDTH = 160  # characters of each line, around the first difference (the page has long lines)


def _files(folder: Path) -> dict[str, bytes]:
    """Every file storymap wrote into `folder` (relative path -> bytes), the marker left out."""
    return {path.relative_to(folder).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file() and path.name != MARKER}


def _first_difference(a: str, b: str) -> int:
    return next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))


def _clip(line: str, column: int) -> str:
    """SHOWN_WIDTH characters of `line` around `column` (the page has lines of many kilobytes)."""
    if len(line) <= SHOWN_WIDTH:
        return line
    start = max(0, min(column - SHOWN_WIDTH // 4, len(line) - SHOWN_WIDTH))
    return ("…" if start else "") + line[start:start + SHOWN_WIDTH] + ("…" if start + SHOWN_WIDTH < len(line) else "")


def _run_of(lines: list[str], start: int, sign: str) -> list[str]:
    """The lines from `start` on that begin with `sign`, up to the first that does not."""
    end = start
    while end < len(lines) and lines[end].startswith(sign) and not lines[end].startswith(sign * 3):
        end += 1
    return lines[start:end]


def _clipped(diff: list[str]) -> list[str]:
    """A unified diff's lines, a removed line and the added line that replaces it each clipped
    around the column where the two first differ (other lines from their start); the diff's
    sign stays in front."""
    out, index = [], 0
    while index < len(diff):
        removed = _run_of(diff, index, "-")
        added = _run_of(diff, index + len(removed), "+")
        if not removed and not added:
            line = diff[index]
            out.append(line[0] + _clip(line[1:], 0) if line.startswith(" ") else line)
            index += 1
            continue
        columns = [_first_difference(r[1:], a[1:]) for r, a in zip(removed, added)]
        columns += [0] * max(len(removed), len(added))
        out += [line[0] + _clip(line[1:], column) for line, column in zip(removed, columns)]
        out += [line[0] + _clip(line[1:], column) for line, column in zip(added, columns)]
        index += len(removed) + len(added)
    return out


def short_diff(name: str, expected: bytes, actual: bytes) -> str:
    """Where two versions of a file first differ, and a unified diff of the first differing
    lines, each clipped to SHOWN_WIDTH characters around its first differing column."""
    old = expected.decode("utf-8", "replace").splitlines()
    new = actual.decode("utf-8", "replace").splitlines()
    line = next((i for i, (a, b) in enumerate(zip(old, new)) if a != b), min(len(old), len(new)))
    column = _first_difference(old[line] if line < len(old) else "", new[line] if line < len(new) else "")
    diff = list(difflib.unified_diff(old, new, f"expected/{name}", f"built/{name}", n=2, lineterm=""))
    shown = _clipped(diff[:SHOWN_LINES])
    more = f"\n… and {len(diff) - SHOWN_LINES} more diff lines" if len(diff) > SHOWN_LINES else ""
    return f"{name} first differs at line {line + 1}, column {column + 1}:\n" + "\n".join(shown) + more


def test_the_golden_story_builds_to_the_checked_in_site(tmp_path: Path):
    out = tmp_path / "site"
    result = run("build", str(STORY), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output, result.output
    built = _files(out)
    if REFRESH:
        shutil.rmtree(EXPECTED, ignore_errors=True)
        for name, content in built.items():
            (EXPECTED / name).parent.mkdir(parents=True, exist_ok=True)
            (EXPECTED / name).write_bytes(content)
        pytest.skip(f"rewrote {EXPECTED.relative_to(GOLDEN.parent.parent)}/ ({', '.join(built)}); "
                    "review it with git diff and commit it")
    expected = _files(EXPECTED)
    assert sorted(built) == sorted(expected), "the site has other files than the expected one"
    differing = [name for name in expected if built[name] != expected[name]]
    if differing:
        pytest.fail("the built site differs from tests/golden/expected/ (if the change is meant: "
                    "STORYMAP_REFRESH_GOLDEN=1 python -m pytest tests/test_golden.py)\n"
                    + "\n\n".join(short_diff(name, expected[name], built[name]) for name in differing),
                    pytrace=False)


def test_the_short_diff_points_at_the_first_difference():
    expected = b"same\n" + b"x" * 1000 + b"OLD" + b"y" * 1000 + b"\nend\n"
    actual = b"same\n" + b"x" * 1000 + b"NEW" + b"y" * 1000 + b"\nend\n"
    text = short_diff("index.html", expected, actual)
    assert text.startswith("index.html first differs at line 2, column 1001:")
    assert "-…" + "x" * 40 + "OLD" in text and "+…" + "x" * 40 + "NEW" in text
    assert max(len(line) for line in text.splitlines()) <= SHOWN_WIDTH + 3  # sign and two ellipses
