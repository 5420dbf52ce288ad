"""The writer's promise (storymap/write.py): a failed build leaves the previous site as it was.
Whatever file operation fails, at whatever point of writing and swapping, the output folder then
holds the old site whole or the new one whole — never neither, never a mix."""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from storymap import write
from storymap.errors import StoryError
from storymap.write import MARKER, write_site

OLD = {"index.html": b"<p>old page</p>", "images/old.png": b"old image", "handout.en.html": b"old handout"}
NEW = {"index.html": b"<p>new page</p>", "images/new.png": b"new image", "handout.de.html": b"new handout"}
# Every file operation write.py uses; each may fail (a full disk, a permission, an interrupt).
OPERATIONS = [(Path, "mkdir"), (Path, "write_bytes"), (Path, "write_text"), (Path, "rename"),
              (os, "chmod"), (shutil, "rmtree"), (tempfile, "mkdtemp"), (write, "_exchange")]


def site(files: dict[str, bytes]) -> dict[str, bytes]:
    """The folder storymap writes for `files`: the files and the marker listing them."""
    return {**files, MARKER: "".join(f"{name}\n" for name in sorted(files)).encode()}


def contents(folder: Path) -> dict[str, bytes] | None:
    """Every file in `folder` (relative path -> bytes); None when there is no folder."""
    if not folder.exists():
        return None
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def fail_at(monkeypatch, step: int, error: BaseException) -> list[str]:
    """Make the `step`-th file operation (counting from 1) raise `error` before it does anything;
    returns the names of the operations called, in order."""
    calls: list[str] = []

    def failing(name, real):
        def operation(*args, **kwargs):
            calls.append(name)
            if len(calls) == step:
                raise error
            return real(*args, **kwargs)
        return operation

    for owner, name in OPERATIONS:
        monkeypatch.setattr(owner, name, failing(name, getattr(owner, name)))
    return calls


@pytest.mark.parametrize("error", [OSError(28, "No space left on device"), KeyboardInterrupt()],
                         ids=["disk-full", "interrupt"])
@pytest.mark.parametrize("previous", [OLD, None], ids=["over-a-site", "new-folder"])
def test_a_failure_at_any_step_leaves_the_old_site_or_the_new_one_whole(tmp_path: Path, monkeypatch, previous, error):
    seen = []
    for step in itertools.count(1):
        out = tmp_path / f"try-{step}" / "site"
        if previous is not None:
            write_site(previous, out)
        with monkeypatch.context() as patch:
            calls = fail_at(patch, step, error)
            try:
                write_site(NEW, out)
                failed = False
            except StoryError as refusal:  # the file system's "no", said in one line with the path
                assert isinstance(error, OSError) and "no space left on the disk" in str(refusal)
                failed = True
            except KeyboardInterrupt:
                failed = True
        failing = calls[step - 1] if failed else None
        where = f"failure at step {step} ({failing}), after {calls[:step - 1]}"
        after = contents(out)
        assert after in ([site(NEW), site(previous)] if previous is not None else [site(NEW), None]), where
        if not failed:
            assert after == site(NEW)
            break
        seen.append(failing)
        # Nothing half-written is left beside the site (a retired old site may be, if it could not be removed).
        beside = [p.name for p in out.parent.glob("*") if p.name != "site"]
        assert all("-old" in name for name in beside), (where, beside)
        assert failing == "rmtree" or not beside, (where, beside)
        # and the next build, with nothing failing, replaces the site as usual
        write_site(NEW, out)
        assert contents(out) == site(NEW), where
    assert {"mkdtemp", "write_bytes", "write_text", "chmod"} <= set(seen), seen
    if previous is not None:
        assert "_exchange" in seen and "rmtree" in seen, seen  # old and new swapped in one step; cleanup
    else:
        assert "rename" in seen, seen


def test_a_retired_site_that_could_not_be_removed_does_not_block_the_next_build(tmp_path: Path, monkeypatch):
    """rmtree(..., ignore_errors=True) can leave a folder behind (a file still open, a
    permission); `storymap serve` builds again in the same process, and must still succeed."""
    out = tmp_path / "site"
    write_site(OLD, out)
    with monkeypatch.context() as patch:
        patch.setattr(shutil, "rmtree", lambda *args, **kwargs: None)  # removes nothing, says nothing
        write_site(NEW, out)
    write_site(OLD, out)
    assert contents(out) == site(OLD)


def test_a_folder_storymap_did_not_write_is_refused_before_anything_is_written(tmp_path: Path):
    out = tmp_path / "thesis"
    out.mkdir()
    (out / "chapter1.docx").write_bytes(b"years of work")
    with pytest.raises(StoryError, match="did not write"):
        write_site(NEW, out)
    assert contents(out) == {"chapter1.docx": b"years of work"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thesis"]


def test_a_file_where_the_folder_should_be_is_refused(tmp_path: Path):
    (tmp_path / "site").write_bytes(b"not a folder")
    with pytest.raises(StoryError, match="did not write"):
        write_site(NEW, tmp_path / "site")
    assert (tmp_path / "site").read_bytes() == b"not a folder"


def test_an_empty_folder_is_written_into(tmp_path: Path):
    (tmp_path / "site").mkdir()
    write_site(NEW, tmp_path / "site")
    assert contents(tmp_path / "site") == site(NEW)


@pytest.mark.parametrize("name", ["../escape.html", "/etc/passwd", "images/../../escape.html", MARKER])
def test_a_path_outside_the_site_or_the_marker_is_never_written(tmp_path: Path, name: str):
    write_site(OLD, tmp_path / "site")
    with pytest.raises(ValueError, match="refusing to write"):
        write_site({**NEW, name: b"x"}, tmp_path / "site")
    assert contents(tmp_path / "site") == site(OLD)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_the_site_folder_is_readable_by_others(tmp_path: Path):
    """mkdtemp makes a private folder; a web server running as another user must read the site."""
    write_site(NEW, tmp_path / "site")
    assert (tmp_path / "site").stat().st_mode & 0o777 == 0o755


def test_the_swap_uses_only_the_operations_this_test_can_fail():
    """If write.py starts using another file operation, OPERATIONS above must learn it."""
    source = Path(write.__file__).read_text(encoding="utf-8")
    used = {name for owner, name in OPERATIONS if (f"{name}(" if name.startswith("_") else f".{name}(") in source}
    assert used == {name for _, name in OPERATIONS}
    for other in ("unlink(", "replace(", "os.rename(", "shutil.move(", "copytree(", " open(", "(open("):
        assert other not in source, other  # os.open of the folder, for its lock, writes nothing


# ---- killed and concurrent builds, for real: separate processes ------------------------------

CHILD = r"""
import sys, time
from pathlib import Path
from storymap import write

real_exchange, real_rename = write._exchange, Path.rename

def slowly(operation):  # widen every step of the swap, so that kills land inside it
    def step(*args):
        time.sleep(0.03)
        result = operation(*args)
        time.sleep(0.03)
        return result
    return step

if sys.argv[3:] == ["no-exchange"]:  # as on a system without renameat2: two renames
    real_exchange = lambda first, second: False
write._exchange, Path.rename = slowly(real_exchange), slowly(real_rename)
tag = sys.argv[2]
print("ready", flush=True)
write.write_site({f"page-{n}.html": (tag * 200).encode() for n in range(60)}, Path(sys.argv[1]))
print("done", flush=True)
"""


def whole_site(folder: Path) -> str | None:
    """The tag of the whole site in `folder` (every page the same build's, the marker listing
    them all); None when there is no site; an AssertionError for a mix or a partial site."""
    found = contents(folder)
    if found is None:
        return None
    pages = {name: data for name, data in found.items() if name != MARKER}
    assert found[MARKER].decode().split() == sorted(pages), "the marker lists other files than the site has"
    tags = {data[:1].decode() for data in pages.values()}
    assert len(pages) == 60 and len(tags) == 1, f"a mix: {len(pages)} pages, builds {tags}"
    return tags.pop()


def test_a_build_killed_at_any_moment_leaves_a_whole_site(tmp_path: Path):
    import random
    import signal
    import subprocess
    import sys

    out = tmp_path / "site"
    write_site({f"page-{n}.html": b"A" * 200 for n in range(60)}, out)
    rng = random.Random(7)
    for attempt in range(24):
        tag = "BC"[attempt % 2]
        child = subprocess.Popen([sys.executable, "-c", CHILD, str(out), tag], stdout=subprocess.PIPE, text=True)
        assert child.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.16))  # before, during or after the swap's slowed steps
        child.send_signal(signal.SIGKILL)
        child.wait()
        assert whole_site(out) in ("A", "B", "C"), f"no site after a kill (attempt {attempt})"


@pytest.mark.parametrize("swap", ["exchange", "no-exchange"])
def test_two_builds_into_one_folder_take_turns(tmp_path: Path, swap: str):
    import subprocess
    import sys

    out = tmp_path / "site"
    write_site({f"page-{n}.html": b"A" * 200 for n in range(60)}, out)
    children = [subprocess.Popen([sys.executable, "-c", CHILD, str(out), tag, swap], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for tag in "DE"]
    outputs = [child.communicate(timeout=60) for child in children]
    assert all(child.returncode == 0 and "done" in out_ for child, (out_, _) in zip(children, outputs)), outputs
    assert whole_site(out) in ("D", "E")
    assert [p.name for p in tmp_path.iterdir()] == ["site"]  # nothing left beside it


def test_a_file_in_the_way_is_the_authors_to_fix_not_an_internal_error(tmp_path: Path, story_dir: Path):
    from conftest import run

    (tmp_path / "blocker").write_text("a file, where the site's parent folder must go")
    result = run("build", str(story_dir), "-o", str(tmp_path / "blocker" / "site"))
    assert result.exit_code == 1
    assert "internal error" not in result.output
    assert f"{tmp_path / 'blocker'}: cannot write the site (a file is in the way of a folder)" in result.output
