"""Step 1 — load: read the story's files from disk into plain Python values.

Nothing here judges the content (that is `validate`); loading only fails when a file is
missing or cannot be parsed at all, and then says which file and where.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import frontmatter
import yaml

from .errors import StoryError

__all__ = [
    "ACCURACY_LEVELS",
    "Document",
    "UI_TEXT",
    "STORY_FILE",
    "chapter_path",
    "inside",
    "layer_path",
    "read_chapter",
    "read_features",
    "read_yaml",
]

STORY_FILE = "story.yml"
LAYERS_DIR = "layers"
CHAPTERS_DIR = "chapters"
MAX_DATA_BYTES = 200 * 1024 * 1024  # a bound on what one data file may cost in memory

KeyPath = tuple[Any, ...]

# The page's interface text per language (templates/ui.yml); other languages fall back to English.
UI_TEXT: dict[str, dict[str, Any]] = yaml.safe_load(
    resources.files("storymap.templates").joinpath("ui.yml").read_text("utf-8"))
# How exact a feature's position is (its `accuracy` property): the levels are the ones ui.yml
# explains to readers, so the check, the popups and the page's key to them cannot disagree.
ACCURACY_LEVELS: tuple[str, ...] = tuple(UI_TEXT["en"]["accuracy_levels"])


@dataclass
class Document:
    """A parsed YAML document (a story or layer file, or a chapter's front matter).

    `lines` maps each key path, e.g. ("style", "color"), to its 1-based line in the file,
    so that later steps can point at the exact line of a bad value.
    """

    path: Path
    data: Any
    lines: dict[KeyPath, int] = field(default_factory=dict)
    body: str = ""

    def place(self, key_path: KeyPath = ()) -> str | None:
        """'line N, key a.b' for a key path, walking up to the nearest key with a known line."""
        keys = ".".join(str(k) for k in key_path)
        for depth in range(len(key_path), -1, -1):
            line = self.lines.get(tuple(key_path[:depth]))
            if line is not None:
                return f"line {line}, key {keys}" if keys else f"line {line}"
        return f"key {keys}" if keys else None


def layer_path(story_dir: Path, layer_id: str) -> Path:
    return story_dir / LAYERS_DIR / f"{layer_id}.yml"


def chapter_path(story_dir: Path, lang: str, chapter_id: str) -> Path:
    return story_dir / CHAPTERS_DIR / lang / f"{chapter_id}.md"


def inside(story_dir: Path, relative: str) -> Path:
    """Resolve a path named in a story file, refusing one that leaves the story folder."""
    root = story_dir.resolve()
    target = (root / relative).resolve()
    if not target.is_relative_to(root):
        raise ValueError(f"'{relative}' points outside the story folder")
    return target


def _read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise StoryError.at("file not found", path) from None
    except OSError as exc:
        raise StoryError.at(f"cannot read file: {exc.strerror}", path) from None
    try:
        # utf-8-sig drops a byte-order mark that Windows editors like to add.
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise StoryError.at(f"not UTF-8 text (bad byte at offset {exc.start})", path) from None
    return text.replace("\r\n", "\n")


def _key_lines(node: yaml.Node, prefix: KeyPath = ()) -> dict[KeyPath, int]:
    """Walk a composed YAML node tree and record the line of every mapping key and list item."""
    lines: dict[KeyPath, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key_path = (*prefix, key_node.value)
            lines[key_path] = key_node.start_mark.line + 1
            lines.update(_key_lines(value_node, key_path))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines[(*prefix, index)] = item.start_mark.line + 1
            lines.update(_key_lines(item, (*prefix, index)))
    return lines


def _parse_yaml(text: str, path: Path) -> tuple[Any, dict[KeyPath, int]]:
    try:
        data = yaml.safe_load(text)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        place = f"line {mark.line + 1}" if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise StoryError.at(f"invalid YAML: {problem}", path, place) from None
    lines = _key_lines(node) if node else {}
    return data, lines


def read_yaml(path: Path) -> Document:
    """Read a YAML file (story or layer definition)."""
    data, lines = _parse_yaml(_read_text(path), path)
    return Document(path, data, lines)


def read_chapter(path: Path) -> Document:
    """Read a Markdown chapter: YAML front matter between '---' lines, then the text."""
    text = _read_text(path)
    handler = frontmatter.YAMLHandler()
    if not handler.detect(text):
        raise StoryError.at("a chapter must start with front matter between '---' lines", path, "line 1")
    try:
        front, body = handler.split(text)
    except ValueError:
        raise StoryError.at("front matter is not closed by a '---' line", path, "line 1") from None
    # The library splits; we parse the YAML ourselves to keep line numbers. The split text
    # starts with the newline that ends the opening '---', so its lines are the file's lines.
    data, lines = _parse_yaml(front, path)
    return Document(path, data, lines, body=body)


GEOJSON_SUFFIXES = (".geojson", ".json")


def read_features(path: Path) -> Any:
    """Read a data file as a GeoJSON-like FeatureCollection; its structure is checked by `validate`.

    GeoJSON is parsed as JSON so that problems can be named feature by feature; other formats
    that GDAL reads (GeoPackage, Shapefile, ...) go through geopandas and pyogrio.
    """
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise StoryError.at("data file not found", path) from None
    if size > MAX_DATA_BYTES:
        raise StoryError.at(f"data file is {size // 2**20} MiB; the limit is {MAX_DATA_BYTES // 2**20} MiB", path)
    if path.suffix.lower() not in GEOJSON_SUFFIXES:
        return _read_with_gdal(path)
    text = _read_text(path)
    if not text.strip():
        raise StoryError.at("data file is empty", path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise StoryError.at(f"not valid JSON: {exc.msg}", path, f"line {exc.lineno}, column {exc.colno}") from None
    except RecursionError:
        raise StoryError.at("JSON is nested too deeply", path) from None


def _read_with_gdal(path: Path) -> dict:
    import geopandas  # imported here: GeoJSON stories never pay for it in this step
    from pyogrio.errors import DataSourceError

    try:
        frame = geopandas.read_file(path, engine="pyogrio")
    except DataSourceError as exc:
        raise StoryError.at(f"cannot read data file: {exc}", path) from None
    collection = json.loads(frame.to_json(drop_id=True, to_wgs84=False))
    if frame.crs is not None:
        collection["crs"] = {"type": "name", "properties": {"name": frame.crs.to_string()}}
    return collection
