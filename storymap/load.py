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

from .errors import Problem, StoryError

__all__ = [
    "ACCURACY_LEVELS",
    "DataFile",
    "Document",
    "STORY_FILE",
    "StoryFiles",
    "UI_TEXT",
    "chapter_path",
    "feature_id",
    "inside",
    "layer_path",
    "read_chapter",
    "read_features",
    "read_story_files",
    "read_yaml",
]

STORY_FILE = "story.yml"
LAYERS_DIR = "layers"
CHAPTERS_DIR = "chapters"
TEMPLATES_DIR = "templates"  # a story's own templates, each overriding storymap's of the same name
# One layer's data file may be this large on disk unless the story raises `budget.data_mb`: past
# it the page would not open on a phone, and reading it would cost the build gigabytes.
MAX_DATA_BYTES = 25 * 1024 * 1024
OUTPUT_CRS = "EPSG:4326"  # what the page draws in, and what data without a declared CRS must be

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


def read_features(path: Path, limit: int | None = None) -> Any:
    """Read a data file as a GeoJSON-like FeatureCollection; its structure is checked by `validate`.

    A file over `limit` bytes (default MAX_DATA_BYTES) is refused before it is read, with what to
    do. GeoJSON is parsed as JSON so that problems can be named feature by feature; other formats
    that GDAL reads (GeoPackage, Shapefile, ...) go through geopandas and pyogrio.
    """
    limit = MAX_DATA_BYTES if limit is None else limit
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise StoryError.at("data file not found", path) from None
    if size > limit:
        raise StoryError.at(
            f"data file is {size / 2**20:.1f} MB; the limit is {limit / 2**20:.1f} MB per layer, past which the page "
            "would not open on a phone. Lower the layer's max_zoom or precision, simplify or split the data, or "
            "serve it as map tiles; if you mean it, raise budget.data_mb in story.yml", path)
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


def feature_id(feature: dict, layer_id: str, number: int) -> str:
    """A feature's id: its GeoJSON `id`, else `properties.id`, else '<layer>-<number>'."""
    props = feature.get("properties") or {}
    value = feature.get("id", props.get("id") if isinstance(props, dict) else None)
    if value is None or value == "":
        return f"{layer_id}-{number}"
    return str(value)


# ---- the whole story folder at once ------------------------------------------------------


@dataclass(frozen=True)
class DataFile:
    """A layer's data file as read: its path and the parsed, not yet checked, collection."""

    path: Path
    collection: Any


@dataclass(frozen=True)
class StoryFiles:
    """Everything a story folder holds, read and parsed but not judged (that is `validate`).

    A file that is missing or cannot be parsed is absent here; its problem was reported by
    `read_story_files`, so later steps never report it again."""

    root: Path
    story: Document
    layers: dict[str, Document]  # layer id -> its layer file, in story order
    data: dict[str, DataFile]  # layer id -> its data file, for the layers whose data could be read
    chapters: dict[tuple[str, str], Document]  # (language, chapter id) -> its chapter file
    glossary: Document | None
    unlisted: tuple[Path, ...]  # chapter files on disk that story.yml does not list
    templates: dict[str, str]  # the story's template overrides: name -> source

    @property
    def languages(self) -> list[str]:
        return _names(self.story.data, "languages")

    @property
    def layer_ids(self) -> list[str]:
        return _names(self.story.data, "layers")

    @property
    def chapter_ids(self) -> list[str]:
        return _names(self.story.data, "chapters")


def _names(data: Any, key: str) -> list[str]:
    """The names a story file lists under `key`; anything else there is the schema's to report."""
    values = data.get(key) if isinstance(data, dict) else None
    return [value for value in values if isinstance(value, str)] if isinstance(values, list) else []


def read_story_files(story_dir: Path) -> tuple[StoryFiles, list[Problem]]:
    """Read every file of a story folder: story.yml, the layer, data, chapter and glossary files it
    lists, and its template overrides. Returns them with the problems met while reading (missing
    files, unreadable text, YAML or JSON that does not parse); only a folder without a readable
    story.yml raises, because nothing else can be found without it."""
    if not story_dir.is_dir():
        raise StoryError.at("story folder not found", story_dir)
    story = read_yaml(story_dir / STORY_FILE)
    layers, problems = _listed(story, "layers", lambda layer_id: layer_path(story_dir, layer_id), read_yaml,
                               lambda layer_id, path: f"layer {layer_id!r} has no file {path.relative_to(story_dir)}")
    data, data_problems = _data_files(story_dir, layers, _data_limit(story))
    chapters: dict[tuple[str, str], Document] = {}
    for lang in _names(story.data, "languages"):
        found, found_problems = _listed(
            story, "chapters", lambda chapter_id: chapter_path(story_dir, lang, chapter_id), read_chapter,
            lambda chapter_id, path: f"chapter {chapter_id!r} has no {lang} file {path.relative_to(story_dir)}")
        chapters.update({(lang, chapter_id): doc for chapter_id, doc in found.items()})
        problems += found_problems
    glossary, glossary_problems = _glossary(story_dir, story)
    files = StoryFiles(story_dir.resolve(), story, layers, data, chapters, glossary,
                       _unlisted_chapters(story_dir, story), _templates(story_dir))
    return files, problems + data_problems + glossary_problems


def _listed(story: Document, key: str, locate, read, missing) -> tuple[dict[str, Document], list[Problem]]:
    """Read each file story.yml lists under `key`; a missing one is reported at the line naming it."""
    docs, problems = {}, []
    for index, name in enumerate(story.data.get(key) or [] if isinstance(story.data, dict) else []):
        if not isinstance(name, str):
            continue
        path = locate(name)
        if not path.is_file():
            problems.append(Problem(missing(name, path), story.path, story.place((key, index))))
            continue
        if not path.resolve().is_relative_to(story.path.parent.resolve()):  # a symlink out of the folder
            problems.append(Problem(f"'{path.relative_to(story.path.parent)}' points outside the story folder",
                                    story.path, story.place((key, index))))
            continue
        try:
            docs[name] = read(path)
        except StoryError as exc:
            problems += exc.problems
    return docs, problems


def _data_limit(story: Document) -> int | None:
    """The story's `budget.data_mb` in bytes, if it sets a sensible one (the schema judges the rest)."""
    budget = story.data.get("budget") if isinstance(story.data, dict) else None
    value = budget.get("data_mb") if isinstance(budget, dict) else None
    return int(value * 2**20) if isinstance(value, (int, float)) and value > 0 else None


def _data_files(story_dir: Path, layers: dict[str, Document], limit: int | None = None
                ) -> tuple[dict[str, DataFile], list[Problem]]:
    data, problems = {}, []
    for layer_id, doc in layers.items():
        name = doc.data.get("data") if isinstance(doc.data, dict) else None
        if not isinstance(name, str):
            continue  # the layer file's schema check reports it
        try:
            path = inside(story_dir, name)
            data[layer_id] = DataFile(path, read_features(path, limit))
        except StoryError as exc:  # first: a StoryError is also a ValueError
            problems += exc.problems
        except ValueError as exc:
            problems.append(Problem(str(exc), doc.path, doc.place(("data",))))
    return data, problems


def _glossary(story_dir: Path, story: Document) -> tuple[Document | None, list[Problem]]:
    name = story.data.get("glossary") if isinstance(story.data, dict) else None
    if not isinstance(name, str):
        return None, []
    try:
        return read_yaml(inside(story_dir, name)), []
    except StoryError as exc:  # first: a StoryError is also a ValueError
        return None, exc.problems
    except ValueError as exc:
        return None, [Problem(str(exc), story.path, story.place(("glossary",)))]


def _unlisted_chapters(story_dir: Path, story: Document) -> tuple[Path, ...]:
    listed = set(_names(story.data, "chapters"))
    return tuple(path for lang in _names(story.data, "languages")
                 for path in sorted((story_dir / CHAPTERS_DIR / lang).glob("*.md")) if path.stem not in listed)


def _templates(story_dir: Path) -> dict[str, str]:
    """The story's template overrides, read now so that rendering opens no file."""
    folder = story_dir / TEMPLATES_DIR
    if not folder.is_dir():
        return {}
    return {path.relative_to(folder).as_posix(): _read_text(path)
            for path in sorted(folder.rglob("*.j2")) if path.is_file()}
