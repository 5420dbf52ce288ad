"""`storymap new`: scaffold a small working story for an author to change."""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from string import Template

from .errors import StoryError

__all__ = ["new_story"]

SCHEMAS = ("storymap.schema.json", "story.schema.json", "layer.schema.json", "chapter.schema.json",
           "glossary.schema.json")


def _files(root: Traversable, prefix: str = ""):
    """(relative path, file) for every scaffold file, leaving out the package's own Python bits."""
    for item in sorted(root.iterdir(), key=lambda i: i.name):
        if item.name.startswith(("__", ".")):
            continue
        if item.is_dir():
            yield from _files(item, f"{prefix}{item.name}/")
        else:
            yield f"{prefix}{item.name}", item


def new_story(target: Path, title: str | None = None) -> list[Path]:
    """Write the scaffold into `target` (which must be new or empty); return the files written."""
    target = Path(target)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise StoryError.at("folder exists and is not empty; choose a new folder", target)
    values = {"title": title or target.resolve().name.replace("-", " ").replace("_", " ").title()}
    written = []
    for name, source in _files(resources.files("storymap.scaffold")):
        text = source.read_text("utf-8")
        if name.endswith((".yml", ".md")):
            text = Template(text).safe_substitute(values)
        written.append(_write(target / name, text))
    schemas = resources.files("storymap.schemas")
    for name in SCHEMAS:  # local copies, so that editors validate offline
        written.append(_write(target / "schemas" / name, schemas.joinpath(name).read_text("utf-8")))
    return written


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
