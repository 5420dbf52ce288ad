"""Step 6 — write: the only step that touches the output folder.

The site is written to a temporary folder beside the target and swapped in only when
every file is written, so a failed build leaves the previous site as it was. A folder
that storymap did not write (no marker file) is never replaced.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from .errors import StoryError

__all__ = ["MARKER", "write_site"]

MARKER = ".storymap-site"  # written into every output folder; lists the files storymap wrote


def _owned(out: Path) -> bool:
    """True when `out` can be replaced: it does not exist, is empty, or was written by storymap."""
    if not out.exists():
        return True
    if not out.is_dir():
        return False
    return (out / MARKER).is_file() or not any(out.iterdir())


def write_site(files: dict[str, bytes], out: Path) -> Path:
    """Write `files` (relative path -> bytes) as the folder `out`, atomically."""
    out = out.resolve()
    if not _owned(out):
        raise StoryError.at(
            "output folder has files storymap did not write; refusing to replace it (choose an empty or new folder)", out
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        for name, content in sorted(files.items()):
            target = (staging / name).resolve()
            if not target.is_relative_to(staging) or name == MARKER:
                raise ValueError(f"refusing to write {name!r}")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        (staging / MARKER).write_text("".join(f"{name}\n" for name in sorted(files)), "utf-8")
        os.chmod(staging, 0o755)  # mkdtemp makes it private; a site folder should be readable
        _swap(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out


def _swap(staging: Path, out: Path) -> None:
    """Put `staging` in place of `out`; the old folder is removed only after the rename."""
    if not out.exists():
        staging.rename(out)
        return
    # Named after the staging folder, so unique: an old site that could not be removed (rmtree
    # ignores errors) never blocks the next build, e.g. the next one of `storymap serve`.
    retired = staging.with_name(f"{staging.name}-old")
    out.rename(retired)
    try:
        staging.rename(out)
    except BaseException:
        retired.rename(out)
        raise
    shutil.rmtree(retired, ignore_errors=True)
