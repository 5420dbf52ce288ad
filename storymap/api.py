"""`storymap.Story`: a story map made from Python (a script or a notebook) instead of a folder.

The API holds the same values a story folder holds and builds the same `load.StoryFiles` that
`load.read_story_files` reads from a folder (documents with pseudo paths such as `<story>` and
`<layer mines>`, data as GeoJSON-like dicts); from there one code path validates, transforms,
assembles, renders and writes (`pipeline.story_model`, `pipeline.write_story`). So a Story saved
from Python and the same story written to a folder and built by `storymap build` give the same
bytes. The API never prints and never exits: problems raise `StoryError` (a ValueError with
`.problems`), warnings go through Python's `warnings` module.
"""

from __future__ import annotations

import datetime
import html
import json
import math
import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import frontmatter
import yaml

from . import images, load, model, pipeline, render
from .errors import Problem, StoryError
from .load import DataFile, Document, StoryFiles

__all__ = ["Preview", "Story", "StoryWarning"]

GLOSSARY_FILE = "glossary.yml"
PREVIEW_HEIGHT = 600  # pixels: a notebook cell shows the map and a chapter at once
Text = str | dict[str, str]


class StoryWarning(UserWarning):
    """A problem worth a look that does not stop the build (what `storymap check` lists as warnings)."""


@dataclass
class _Layer:
    spec: dict[str, Any]  # the layer file's keys
    collection: dict[str, Any]  # the GeoJSON FeatureCollection, in EPSG:4326 unless spec["crs"] says


@dataclass
class _Chapter:
    fronts: dict[str, dict[str, Any]]  # language -> the chapter file's front matter
    bodies: dict[str, str]  # language -> Markdown text


def _given(**values: Any) -> dict[str, Any]:
    """The keyword arguments that were given: a story file lists only the keys it sets."""
    return {key: value for key, value in values.items() if value is not None}


class Story:
    """A story map: layers and chapters, built into the same page as `storymap build`.

    Keyword arguments mirror story.yml's keys (docs/story-format.md); texts are a string (one
    language, or the same in every language) or a dict of language → string. `root` is the folder
    that chapter images and the theme's logo are relative to (default: the current folder)."""

    def __init__(self, title: Text, languages: Iterable[str] = ("en",), view: dict[str, Any] | None = None, *,
                 subtitle: Text | None = None, short_title: Text | None = None, basemap: dict[str, Any] | None = None,
                 glossary: list[dict[str, Any]] | dict[str, Any] | None = None,
                 timeline: dict[str, int] | None = None, url: str | None = None,
                 budget: dict[str, float] | None = None, theme: dict[str, str] | None = None,
                 templates: dict[str, str] | None = None, root: str | Path | None = None):
        self.languages = list(languages)
        self._spec = _given(title=title, subtitle=subtitle, short_title=short_title, languages=self.languages, view=view, basemap=basemap,
                            timeline=timeline, url=url, budget=budget, theme=theme)
        self._glossary = {"terms": glossary} if isinstance(glossary, list) else glossary
        self._templates = dict(templates or {})
        self._layers: dict[str, _Layer] = {}
        self._chapters: dict[str, _Chapter] = {}
        self.root = Path(root) if root is not None else Path.cwd()

    # ---- building the story ------------------------------------------------------------------

    def add_layer(self, layer_id: str, data: Any, *, title: Text, description: Text | None = None,
                  kind: str | None = None, style: dict[str, Any] | None = None,
                  popup: list[str | dict[str, Any]] | None = None, source: Text | None = None,
                  attribution: Text | None = None, licence: str | None = None, time: dict[str, str] | None = None,
                  max_zoom: int | None = None, precision: int | None = None, crs: str | None = None,
                  id_column: str | None = None) -> "Story":
        """Add a layer (shown in the order added). `data`: a GeoDataFrame in any CRS (reprojected to
        EPSG:4326; one without a CRS must be in degrees, or pass `crs=`), a GeoJSON-like dict or an
        object with `__geo_interface__`, or a path to a data file. Feature ids come from
        `id_column` or the frame's index. `popup`: keys, or {key, label} dicts. Returns the story."""
        collection, declared = _collection(data, layer_id, id_column, crs)
        spec = _given(title=title, description=description, data=f"data/{layer_id}.geojson", kind=kind,
                      crs=declared, precision=precision, style=style, popup=_popup(popup), source=source,
                      attribution=attribution, licence=licence, time=time, max_zoom=max_zoom)
        self._layers[layer_id] = _Layer(spec, collection)
        return self

    def add_chapter(self, chapter_id: str, *, title: Text, text: Text = "", view: dict[str, Any] | None = None,
                    layers: list[str] | None = None, highlight: list[str] | None = None,
                    sources: list | dict[str, list] | None = None, questions: list | dict[str, list] | None = None,
                    year: int | None = None, align: str | None = None) -> "Story":
        """Add a chapter (in the order added). `title` and `text` (Markdown) per language; `sources`
        and `questions` one list for every language or a dict of language → list. Returns the story."""
        titles, texts = self._per_language(title), self._per_language(text)
        map_keys = _given(view=view, layers=layers, highlight=highlight, year=year, align=align)  # first language only
        fronts, bodies = {}, {}
        for number, lang in enumerate(self.languages):
            if lang not in titles:
                continue  # reported as a missing translation when the story is checked
            fronts[lang] = {"title": titles[lang], **(map_keys if number == 0 else {}),
                            **_given(sources=_for(sources, lang), questions=_for(questions, lang))}
            bodies[lang] = _body(fronts[lang], texts.get(lang, ""))
        self._chapters[chapter_id] = _Chapter(fronts, bodies)
        return self

    def _per_language(self, value: Text) -> dict[str, str]:
        return dict(value) if isinstance(value, dict) else {lang: value for lang in self.languages}

    # ---- the same files a folder holds -----------------------------------------------------------

    def _files(self) -> tuple[StoryFiles, list[Problem]]:
        """The StoryFiles a folder with this story would be read into, with the problems reading
        would have met (a chapter missing in a language)."""
        story = Document(Path("<story>"), {**self._spec, "layers": list(self._layers), "chapters": list(self._chapters),
                                           **({"glossary": GLOSSARY_FILE} if self._glossary is not None else {})})
        chapters, problems = {}, []
        for chapter_id, chapter in self._chapters.items():
            for lang in self.languages:
                if lang in chapter.fronts:
                    chapters[(lang, chapter_id)] = Document(Path(f"<chapter {chapter_id} {lang}>"),
                                                            chapter.fronts[lang], body=chapter.bodies[lang])
                else:
                    problems.append(Problem(f"chapter {chapter_id!r} has no {lang} title", Path("<story>")))
        files = StoryFiles(
            root=self.root.resolve(),
            story=story,
            layers={layer_id: Document(Path(f"<layer {layer_id}>"), layer.spec) for layer_id, layer in self._layers.items()},
            data={layer_id: DataFile(Path(f"<data {layer_id}>"), layer.collection) for layer_id, layer in self._layers.items()},
            chapters=chapters,
            glossary=Document(Path("<glossary>"), self._glossary) if self._glossary is not None else None,
            unlisted=(),
            templates=dict(self._templates),
        )
        return files, problems

    def _model(self) -> model.Story:
        """The assembled Story, as `storymap build` assembles it; warnings go to `warnings`."""
        files, problems = self._files()
        story, found = pipeline.story_model(files, problems)
        for problem in found:
            warnings.warn(str(problem), StoryWarning, stacklevel=3)
        return story

    def check(self) -> list[Problem]:
        """The problems `storymap check` would list: raises StoryError on errors; returns the
        warnings (each also issued through `warnings`)."""
        files, problems = self._files()
        _story, found = pipeline.story_model(files, problems)
        for problem in found:
            warnings.warn(str(problem), StoryWarning, stacklevel=2)
        return found

    def save(self, out: str | Path, *, lang: str | None = None, handout: bool = False,
             single_file: bool = True) -> pipeline.Report:
        """Build the page into the folder `out`, as `storymap build` does (same bytes)."""
        return pipeline.write_story(self._model(), Path(out), Path("<story>"), Path("<story>"), [],
                                    lang=lang, handout=handout, single_file=single_file)

    # ---- folders -----------------------------------------------------------------------------------

    def to_folder(self, folder: str | Path, *, overwrite: bool = False) -> Path:
        """Write the story as a story folder that `storymap build` builds into the same bytes.
        Refuses a folder that is not empty unless `overwrite`."""
        folder = Path(folder)
        if folder.exists() and any(folder.iterdir()) and not overwrite:
            raise FileExistsError(f"{folder} is not empty (pass overwrite=True to write into it)")
        files, _problems = self._files()
        _write_yaml(folder / load.STORY_FILE, files.story.data)
        for layer_id, doc in files.layers.items():
            _write_yaml(load.layer_path(folder, layer_id), doc.data)
            _write_text(folder / doc.data["data"], json.dumps(files.data[layer_id].collection, ensure_ascii=False))
        for (lang, chapter_id), doc in files.chapters.items():
            _write_text(load.chapter_path(folder, lang, chapter_id), _chapter_file(doc.data, doc.body))
        if files.glossary is not None:
            _write_yaml(folder / GLOSSARY_FILE, files.glossary.data)
        for name, source in files.templates.items():
            _write_text(folder / load.TEMPLATES_DIR / name, source)
        self._copy_pictures(files, folder)
        return folder

    def _copy_pictures(self, files: StoryFiles, folder: Path) -> None:
        """Chapter images, the logo and layer icons are files beside the story: copy the local ones along."""
        names = [src for doc in files.chapters.values() for src in images.sources(doc.body)]
        names += [files.story.data["theme"]["logo"]] if "logo" in files.story.data.get("theme", {}) else []
        names += [doc.data["style"]["icon"] for doc in files.layers.values()
                  if isinstance(doc.data, dict) and "icon" in (doc.data.get("style") or {})]
        for name in names:
            try:
                path = images.local(files.root, name)
            except ValueError:
                continue  # outside the story's root: `check` reports it
            if path.is_file():
                target = folder / path.relative_to(files.root)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(path, target)

    @classmethod
    def from_folder(cls, folder: str | Path) -> "Story":
        """The story in a story folder, as a Story to change from Python (raises StoryError when a
        file cannot be read)."""
        files, problems = load.read_story_files(Path(folder))
        # A file that is not a mapping of keys cannot be taken apart into arguments.
        problems += [Problem("expected a mapping of keys to values", doc.path, "line 1")
                     for doc in (files.story, *files.layers.values(), *files.chapters.values())
                     if not isinstance(doc.data, dict)]
        if any(problem.level == "error" for problem in problems):
            raise StoryError(problems)
        spec = dict(files.story.data)
        story = cls(spec.pop("title", None), spec.pop("languages", []), spec.pop("view", None), root=files.root,
                    templates=files.templates, glossary=files.glossary.data if files.glossary else None)
        story._spec.update({key: value for key, value in spec.items() if key not in ("layers", "chapters", "glossary")})
        for layer_id, doc in files.layers.items():
            story._layers[layer_id] = _Layer({**doc.data, "data": f"data/{layer_id}.geojson"},
                                             files.data[layer_id].collection)
        for chapter_id in files.chapter_ids:
            docs = {lang: files.chapters[(lang, chapter_id)] for lang in files.languages}
            story._chapters[chapter_id] = _Chapter({lang: doc.data for lang, doc in docs.items()},
                                                   {lang: doc.body for lang, doc in docs.items()})
        return story

    # ---- notebooks --------------------------------------------------------------------------------

    def show(self, height: int = PREVIEW_HEIGHT, lang: str | None = None) -> "Preview":
        """An inline preview for a notebook: the real page in an iframe, `height` pixels high."""
        story = self._model()
        return Preview(render.render_page(story.in_language(lang) if lang else story).html, height)

    def _repr_html_(self) -> str:
        return self.show()._repr_html_()

    def __repr__(self) -> str:
        return f"<storymap.Story {len(self._layers)} layers, {len(self._chapters)} chapters, {self.languages}>"


@dataclass(frozen=True)
class Preview:
    """A built page shown inline by Jupyter: an iframe whose `srcdoc` is the whole page, so it needs
    no server and no network (the page is self-contained; only basemap tiles need a network)."""

    page: str
    height: int = PREVIEW_HEIGHT

    def _repr_html_(self) -> str:
        return (f'<iframe srcdoc="{html.escape(self.page, quote=True)}" title="story map preview" '
                f'style="width: 100%; height: {int(self.height)}px; border: 1px solid #ccc"></iframe>')


# ---- layer data ------------------------------------------------------------------------------


def _collection(data: Any, layer_id: str, id_column: str | None, crs: str | None) -> tuple[dict, str | None]:
    """A layer's data as a GeoJSON FeatureCollection of plain values, and the CRS to declare for it
    (None: EPSG:4326, where a GeoDataFrame is reprojected to)."""
    if hasattr(data, "to_crs") and hasattr(data, "geometry"):
        return _from_frame(data, layer_id, id_column, crs), None
    if isinstance(data, (str, Path)):
        return load.read_features(Path(data)), crs
    shape = getattr(data, "__geo_interface__", data)
    if not isinstance(shape, dict):
        raise StoryError.at(f"layer {layer_id!r}: expected a GeoDataFrame, a GeoJSON-like dict, an object with "
                            f"__geo_interface__ or a path, not {type(data).__name__}")
    return _as_feature_collection(json.loads(json.dumps(shape, default=_json_value))), crs


def _as_feature_collection(shape: dict) -> dict:
    if shape.get("type") == "FeatureCollection":
        return shape
    if shape.get("type") == "Feature":
        return {"type": "FeatureCollection", "features": [shape]}
    return {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": shape}]}


def _from_frame(frame: Any, layer_id: str, id_column: str | None, crs: str | None) -> dict:
    ids = frame[id_column] if id_column is not None else frame.index.to_series()
    twice = sorted({str(value) for value in ids[ids.duplicated()]})
    if twice:
        by = f"column {id_column!r}" if id_column is not None else "the index"
        raise StoryError.at(f"layer {layer_id!r}: feature ids from {by} must be unique; repeated: {', '.join(twice)}")
    if frame.crs is None:
        frame = frame.set_crs(crs) if crs else _degrees(frame, layer_id)
    frame = frame.to_crs(load.OUTPUT_CRS)
    frame.index = [str(value) for value in ids]
    return json.loads(frame.to_json(drop_id=False, to_wgs84=False, default=_json_value))


def _degrees(frame: Any, layer_id: str) -> Any:
    """A frame without a CRS is taken as longitude/latitude only if its coordinates can be degrees."""
    west, south, east, north = frame.total_bounds
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise StoryError.at(
            f"layer {layer_id!r}: the GeoDataFrame has no CRS and its coordinates are not longitude/latitude "
            f"degrees (x {west:g} to {east:g}, y {south:g} to {north:g}); set its CRS first, e.g. "
            f"frame.set_crs('EPSG:25832'), or pass crs=")
    return frame.set_crs(load.OUTPUT_CRS)


def _json_value(value: Any) -> Any:
    """A property value JSON cannot hold, as it would be written to a GeoJSON file."""
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
        return None if isinstance(value, float) and math.isnan(value) else value
    if isinstance(value, (datetime.date, datetime.datetime)) or hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (tuple, set)):
        return list(value)
    return str(value)


def _popup(popup: list[str | dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    return None if popup is None else [{"key": item} if isinstance(item, str) else dict(item) for item in popup]


def _for(value: list | dict[str, list] | None, lang: str) -> list | None:
    """One language's list from a list for every language or a dict of language → list."""
    if isinstance(value, dict):
        return value.get(lang)
    return value


# ---- chapter files ---------------------------------------------------------------------------


def _chapter_file(front: dict[str, Any], body: str) -> str:
    return f"---\n{_yaml(front)}---\n{body}"


def _body(front: dict[str, Any], text: str) -> str:
    """The text as reading its chapter file gives it back (the front matter's split adjusts the
    newlines at its start), so a story built in memory and from its folder are the same."""
    return frontmatter.YAMLHandler().split(_chapter_file(front, text))[1]


def _yaml(data: Any) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)


def _write_yaml(path: Path, data: Any) -> None:
    _write_text(path, _yaml(data))


def _write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
