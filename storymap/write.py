"""Step 6 — write: the only step that touches the output folder.

The site is written to a temporary folder beside the target and swapped in only when every file
is written, so a failed build leaves the previous site as it was. On Linux the swap is one atomic
exchange of the two folders (renameat2 with RENAME_EXCHANGE): a build killed at any moment leaves
the old site or the new one whole at the output path, never neither. Two builds into one folder
take turns (a lock the system releases when a build dies, so it is never left stale). A folder
that storymap did not write (no marker file) is never replaced. The file system saying no is the
author's to fix and is reported as a StoryError naming the path and the cause.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import shutil
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .errors import StoryError

__all__ = ["LOCK_WAIT_SECONDS", "MARKER", "write_site"]

MARKER = ".storymap-site"  # written into every output folder; lists the files storymap wrote
LOCK_WAIT_SECONDS = 60  # how long a build waits for another one writing the same folder


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
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        with _lock(out):
            if not _owned(out):
                raise StoryError.at("output folder has files storymap did not write; refusing to replace it "
                                    "(choose an empty or new folder)", out)
            _write_and_swap(files, out)
    except OSError as error:
        raise _refusal(error, out) from None
    return out


def _refusal(error: OSError, out: Path) -> StoryError:
    """The file system's 'no' in one line: which path, and why."""
    where = Path(error.filename) if error.filename else out
    reasons = {errno.EEXIST: "a file is in the way of a folder", errno.ENOTDIR: "a file is in the way of a folder",
               errno.EACCES: "permission denied", errno.EPERM: "permission denied", errno.EROFS: "read-only file system",
               errno.ENOSPC: "no space left on the disk", errno.EDQUOT: "disk quota exceeded"}
    reason = reasons.get(error.errno, error.strerror or str(error))
    return StoryError.at(f"cannot write the site ({reason}); nothing was changed at {out}", where)


@contextmanager
def _lock(out: Path) -> Iterator[None]:
    """Let one build at a time write into `out`'s parent folder. The lock is on the folder itself
    (no lock file to leave behind), and the system releases it when the process ends, however it
    ends, so a killed build never leaves it locked."""
    folder = os.open(out.parent, os.O_RDONLY)
    try:
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            try:
                fcntl.flock(folder, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise StoryError.at(f"another build has been writing here for over {LOCK_WAIT_SECONDS} s; "
                                        "try again when it is done", out) from None
                time.sleep(0.05)
        yield
    finally:
        os.close(folder)  # closing releases the lock


def _write_and_swap(files: dict[str, bytes], out: Path) -> None:
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


def _swap(staging: Path, out: Path) -> None:
    """Put `staging` in place of `out`; the old folder is removed only after the swap."""
    if not out.exists():
        staging.rename(out)
        return
    if _exchange(staging, out):  # one step: `out` is the old site or the new one, never neither
        shutil.rmtree(staging, ignore_errors=True)  # staging now holds the old site
        return
    # Elsewhere two renames, with a short moment between them without a site. Named after the
    # staging folder, so unique: an old site that could not be removed never blocks the next build.
    retired = staging.with_name(f"{staging.name}-old")
    out.rename(retired)
    try:
        staging.rename(out)
    except BaseException:
        retired.rename(out)
        raise
    shutil.rmtree(retired, ignore_errors=True)


_AT_FDCWD, _RENAME_EXCHANGE = -100, 2


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically with Linux's renameat2(RENAME_EXCHANGE); False where the system
    or the file system cannot (then the caller falls back), an OSError for any other refusal."""
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    if renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(second))
