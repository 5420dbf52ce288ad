"""The pipeline: load → validate → transform → model → render → write.

`read_story` runs the steps up to the model and gathers every problem it can before
failing; `build` renders and writes; `check` stops after validation.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import geopandas as gpd
import pandas as pd

from . import images, load, model, render, styles, transform, validate, write
from .errors import Problem, StoryError
from .load import Document

__all__ = ["Report", "build", "check", "read_story"]


@dataclass
class Report:
    """What a build or check did: where, how many features per layer, and any warnings."""

    story_dir: Path
    out: Path | None = None
    features: dict[str, int] = field(default_factory=dict)
    chapters: int = 0
    warnings: list[Problem] = field(default_factory=list)
    bytes_written: int = 0
    weight: dict[str, int] = field(default_factory=dict)  # page_gz, shell_gz: see render.page_weight


@dataclass
class _LayerInput:
    doc: Document
    path: Path  # the data file
    frame: gpd.GeoDataFrame
    metrics: pd.DataFrame


def _story_doc(story_dir: Path) -> Document:
    if not story_dir.is_dir():
        raise StoryError.at("story folder not found", story_dir)
    doc = load.read_yaml(story_dir / load.STORY_FILE)
    problems = validate.schema_problems(doc, "story")
    if problems:
        raise StoryError(problems)
    return doc


def _listed_doc(path: Path, missing: str, story: Document, key_path: tuple, read, kind: str,
                problems: list[Problem]) -> Document | None:
    """Read and schema-check a file that story.yml lists; its problems go to `problems`.

    A missing file is reported at the line of story.yml that names it."""
    if not path.is_file():
        problems.append(Problem(missing, story.path, story.place(key_path)))
        return None
    try:
        doc = read(path)
    except StoryError as exc:
        problems.extend(exc.problems)
        return None
    found = validate.schema_problems(doc, kind)
    problems.extend(found)
    return None if found else doc


def _layer_docs(story_dir: Path, story: Document, problems: list[Problem]) -> dict[str, Document]:
    docs = {}
    for index, layer_id in enumerate(story.data["layers"]):
        path = load.layer_path(story_dir, layer_id)
        doc = _listed_doc(path, f"layer {layer_id!r} has no file {path.relative_to(story_dir)}",
                          story, ("layers", index), load.read_yaml, "layer", problems)
        if doc is not None:
            docs[layer_id] = doc
    return docs


def _chapter_docs(story_dir: Path, story: Document, problems: list[Problem]) -> dict[tuple[str, str], Document]:
    docs = {}
    for lang in story.data["languages"]:
        for index, chapter_id in enumerate(story.data["chapters"]):
            path = load.chapter_path(story_dir, lang, chapter_id)
            doc = _listed_doc(path, f"chapter {chapter_id!r} has no {lang} file {path.relative_to(story_dir)}",
                              story, ("chapters", index), load.read_chapter, "chapter", problems)
            if doc is not None:
                problems.extend(images.image_problems(doc, story_dir))
                docs[(lang, chapter_id)] = doc
    return docs


def _glossary(story_dir: Path, story: Document) -> tuple[dict[str, dict[str, str]], ...]:
    """The optional glossary named in story.yml, terms sorted as the first language sorts them."""
    if "glossary" not in story.data:
        return ()
    try:
        path = load.inside(story_dir, story.data["glossary"])
    except ValueError as exc:
        raise StoryError.at(str(exc), story.path, story.place(("glossary",))) from None
    doc = load.read_yaml(path)
    problems = validate.schema_problems(doc, "glossary")
    if problems:
        raise StoryError(problems)
    languages = story.data["languages"]
    entries = [
        {"term": model.localise(entry["term"], languages), "definition": model.localise(entry["definition"], languages)}
        for entry in doc.data["terms"]
    ]
    return tuple(sorted(entries, key=lambda entry: entry["term"][languages[0]].casefold()))


def _theme(story_dir: Path, story: Document, problems: list[Problem]) -> dict[str, str]:
    """The story's theme, with the logo file turned into a data: URI (the page stays one file)."""
    theme = dict(story.data.get("theme", {}))
    if "logo" in theme:
        try:
            theme["logo"] = _logo_uri(story_dir, theme["logo"])
        except ValueError as exc:
            problems.append(Problem(str(exc), story.path, story.place(("theme", "logo"))))
            del theme["logo"]
    return theme


def _logo_uri(story_dir: Path, name: str) -> str:
    """The logo, checked, sized and stripped of metadata like a chapter's images; a ValueError
    says what is wrong with it."""
    path = load.inside(story_dir, name)
    if path.suffix.lower() not in images.TYPES or not path.is_file():
        raise ValueError(f"logo {name!r} is not an image file in the story folder")
    try:
        return images.data_uri(images.prepare(path))
    except ValueError as exc:
        raise ValueError(f"logo {name!r} {exc}") from None


def _unlisted_chapters(story_dir: Path, story: Document) -> list[Problem]:
    listed = set(story.data["chapters"])
    return [
        Problem("chapter file is not listed under 'chapters' in story.yml and is left out", path, level="warning")
        for lang in story.data["languages"]
        for path in sorted((story_dir / load.CHAPTERS_DIR / lang).glob("*.md"))
        if path.stem not in listed
    ]


def _read_layer_data(story_dir: Path, layer_id: str, doc: Document, centre: tuple[float, float] | None
                     ) -> tuple[_LayerInput, list[Problem]]:
    """Load, check and repair one layer's data; raises StoryError with every problem in the file."""
    try:
        path = load.inside(story_dir, doc.data["data"])
    except ValueError as exc:
        raise StoryError.at(str(exc), doc.path, doc.place(("data",))) from None
    collection = load.read_features(path)
    crs = transform.declared_crs(collection if isinstance(collection, dict) else {}, doc.data.get("crs"), path)
    problems = validate.feature_problems(collection, path, layer_id, geographic=crs.is_geographic)
    if problems:
        raise StoryError(problems)
    if not collection["features"]:
        raise StoryError.at("layer has no features", path)
    frame = transform.to_frame(collection, layer_id, crs)
    frame, warnings = transform.repair(frame, path)
    if centre is not None:
        points = frame.to_crs(transform.OUTPUT_CRS).geometry.representative_point()
        warnings += validate.far_feature_problems(list(frame["id"]), points.x, points.y, centre, path)
    return _LayerInput(doc, path, frame, transform.measure(frame)), warnings


def _geometry_kinds(frame: gpd.GeoDataFrame) -> tuple[str, ...]:
    """The kinds of geometry in a layer, in legend order: ('point',), ('polygon', 'point'), ..."""
    names = {"Polygon": "polygon", "LineString": "line", "Point": "point"}
    present = {kind.replace("Multi", "") for kind in frame.geometry.geom_type}
    return tuple(names[kind] for kind in names if kind in present)


def _model_layer(layer_id: str, data: _LayerInput, position: int, languages: list[str]) -> model.Layer:
    spec = data.doc.data
    kind = spec.get("kind", "story")
    style = {**model.default_style(kind, position), **spec.get("style", {})}
    style.setdefault("fill_color", style["color"])
    return model.Layer(
        id=layer_id,
        kind=kind,
        title=model.localise(spec["title"], languages),
        description=model.localise(spec.get("description"), languages),
        geometry=_geometry_kinds(data.frame),
        style=style,
        popup=tuple({"key": f["key"], "label": model.localise(f.get("label", f["key"]), languages)}
                    for f in spec.get("popup", [])),
        source=model.localise(spec.get("source"), languages),
        attribution=model.localise(spec.get("attribution"), languages),
        licence=spec.get("licence", ""),
        data=_output_data(spec, data),
        **_layer_time(spec, data.frame, languages),
        styles=styles.layer_styles(style, _geometry_kinds(data.frame)),
    )


def _output_data(spec: dict[str, Any], data: _LayerInput) -> dict[str, Any]:
    """The layer's GeoJSON as shipped: simplified and rounded for the deepest zoom it must serve."""
    zoom = spec.get("max_zoom", transform.DEFAULT_MAX_ZOOM)
    decimals = spec.get("precision", transform.decimals_for_zoom(zoom))
    return transform.to_feature_collection(transform.simplify(data.frame, zoom), decimals, data.metrics, data.path)


def _layer_time(spec: dict[str, Any], frame: gpd.GeoDataFrame, languages: list[str]) -> dict[str, Any]:
    """The layer's time keys and each feature's (start, end) years, read from its properties."""
    time = spec.get("time")
    if not time:
        return {}
    end_key = time.get("end")
    years = tuple(
        (transform.parse_year(props.get(time["start"])), transform.parse_year(props.get(end_key)) if end_key else None)
        for props in frame["properties"]
    )
    label = model.localise(time.get("label", time["start"]), languages)
    return {"time": {"start": time["start"], "end": end_key, "label": label}, "years": years}


def _with_timelines(layers: list[model.Layer], span: dict[str, int] | None) -> tuple[tuple[model.Layer, ...], tuple | None]:
    """Add each timed layer's chart, over the story's `timeline` span or the years in the data."""
    found = [year for layer in layers for pair in layer.years for year in pair if year is not None]
    if not found:
        return tuple(layers), None
    first, last = (span["from"], span["to"]) if span else (min(found) - min(found) % 10, max(found))
    charted = tuple(
        dataclasses.replace(layer, timeline=transform.timeline(list(layer.years), first, last)) if layer.time else layer
        for layer in layers
    )
    return charted, (first, last)


def _feature_bounds(layers: dict[str, _LayerInput]) -> dict[str, tuple[float, float, float, float]]:
    """(west, south, east, north) in degrees for every layer id and feature id."""
    out: dict[str, Any] = {}
    for layer_id, data in layers.items():
        latlon = data.frame.to_crs(transform.OUTPUT_CRS)
        out[layer_id] = tuple(latlon.total_bounds)
        for fid, box in zip(latlon["id"], latlon.geometry.bounds.itertuples(index=False), strict=True):
            out[fid] = tuple(box)
    return out


def _view(spec: dict[str, Any], boxes: dict[str, tuple[float, float, float, float]]) -> model.View:
    if "center" in spec:
        return model.View(center=tuple(spec["center"]), zoom=spec["zoom"])
    if "bounds" in spec:
        (south, west), (north, east) = spec["bounds"]
        return model.View(bounds=((south, west), (north, east)), max_zoom=spec.get("max_zoom"))
    parts = [boxes[target] for target in spec["fit"]]
    west, south = min(p[0] for p in parts), min(p[1] for p in parts)
    east, north = max(p[2] for p in parts), max(p[3] for p in parts)
    corners = ((round(south, 6), round(west, 6)), (round(north, 6), round(east, 6)))
    return model.View(bounds=corners, max_zoom=spec.get("max_zoom"))


def _area_centre(view: dict[str, Any]) -> tuple[float, float] | None:
    """The centre of the story's start view; None for a `fit` view (its area comes from the data)."""
    return None if "fit" in view else _view(view, {}).centre


def _model_chapter(chapter_id: str, docs: dict[str, Document], boxes: dict, languages: list[str]) -> model.Chapter:
    master = docs[languages[0]].data
    return model.Chapter(
        id=chapter_id,
        title={lang: docs[lang].data["title"] for lang in languages},
        text={lang: docs[lang].body for lang in languages},
        sources={lang: tuple(docs[lang].data.get("sources", [])) for lang in languages},
        questions={lang: tuple(docs[lang].data.get("questions", [])) for lang in languages},
        view=_view(master["view"], boxes) if "view" in master else model.View(),
        layers=tuple(master.get("layers", [])),
        highlight=tuple(master.get("highlight", [])),
        year=master.get("year"),
    )


def _chapter_problems(story: Document, chapter_docs: dict, layers: dict[str, _LayerInput]) -> list[Problem]:
    """Chapter references and translations. Feature references are judged only when every
    layer loaded: a feature in a broken layer is not 'unknown', its layer is broken."""
    languages = story.data["languages"]
    complete = len(layers) == len(story.data["layers"])
    feature_layer = {fid: layer_id for layer_id, data in layers.items() for fid in data.frame["id"]}
    problems = []
    for (lang, chapter_id), doc in chapter_docs.items():
        if lang == languages[0]:
            known_features = set(feature_layer) if complete else None
            problems += validate.chapter_reference_problems(doc, set(story.data["layers"]), known_features)
            problems += validate.highlight_layer_problems(doc, feature_layer, layers)
            if "view" not in doc.data:
                problems.append(Problem("the first language's chapter file must set 'view'", doc.path, "line 1"))
        elif (languages[0], chapter_id) in chapter_docs:
            problems += validate.translation_problems(chapter_docs[(languages[0], chapter_id)], doc)
    return problems


def _authoring_warnings(story: Document, layer_docs: dict[str, Document], chapter_docs: dict,
                        layers: dict[str, _LayerInput]) -> list[Problem]:
    """What is not wrong but probably not meant: see validate.authoring_warnings."""
    masters = [chapter_docs[(story.data["languages"][0], cid)] for cid in story.data["chapters"]
               if (story.data["languages"][0], cid) in chapter_docs]
    properties = {layer_id: (data.path, list(data.frame["properties"])) for layer_id, data in layers.items()}
    return validate.authoring_warnings(story, layer_docs, masters, properties)


def _duplicate_feature_ids(layers: dict[str, _LayerInput]) -> list[Problem]:
    first_seen: dict[str, str] = {}
    problems = []
    for layer_id, data in layers.items():
        for number, fid in enumerate(data.frame["id"], start=1):
            if fid in layers and fid != layer_id:
                problems.append(Problem(f"feature id {fid!r} is also a layer id", data.doc.path, f"feature {number}"))
            if fid in first_seen and first_seen[fid] != layer_id:
                problems.append(Problem(f"feature id {fid!r} is also used in layer {first_seen[fid]!r}",
                                        data.doc.path, f"feature {number}"))
            first_seen.setdefault(fid, layer_id)
    return problems


Progress = Callable[[str], None]


def _quiet(_message: str) -> None:
    pass


def read_story(story_dir: Path, progress: Progress = _quiet) -> tuple[model.Story, list[Problem]]:
    """Load, validate and transform a story folder into a Story; returns it with its warnings.

    Raises StoryError listing every error found (not just the first). `progress` hears each step.
    """
    story_dir = Path(story_dir)
    story = _story_doc(story_dir)
    problems: list[Problem] = []
    layer_docs = _layer_docs(story_dir, story, problems)
    chapter_docs = _chapter_docs(story_dir, story, problems)
    problems += _unlisted_chapters(story_dir, story)
    glossary: tuple = ()
    try:
        glossary = _glossary(story_dir, story)
    except StoryError as exc:
        problems += exc.problems
    theme = _theme(story_dir, story, problems)
    layers: dict[str, _LayerInput] = {}
    centre = _area_centre(story.data["view"])
    for number, (layer_id, doc) in enumerate(layer_docs.items(), start=1):
        progress(f"Reading layer {number}/{len(layer_docs)}: {layer_id}")
        try:
            layers[layer_id], warnings = _read_layer_data(story_dir, layer_id, doc, centre)
            problems += warnings
        except StoryError as exc:
            problems += exc.problems
    problems += _duplicate_feature_ids(layers)
    problems += _chapter_problems(story, chapter_docs, layers)
    problems += _authoring_warnings(story, layer_docs, chapter_docs, layers)
    if any(p.level == "error" for p in problems):
        raise StoryError(problems)

    languages = story.data["languages"]
    progress("Simplifying, measuring and rounding the layers")
    boxes = _feature_bounds(layers)
    timed_layers, span = _with_timelines(
        [_model_layer(lid, layers[lid], i, languages) for i, lid in enumerate(story.data["layers"])],
        story.data.get("timeline"),
    )
    built = model.Story(
        title=model.localise(story.data["title"], languages),
        subtitle=model.localise(story.data.get("subtitle"), languages),
        languages=tuple(languages),
        view=_view(story.data["view"], boxes),
        basemap={**model.DEFAULT_BASEMAP, **story.data.get("basemap", {})},
        layers=timed_layers,
        chapters=tuple(
            _model_chapter(cid, {lang: chapter_docs[(lang, cid)] for lang in languages}, boxes, languages)
            for cid in story.data["chapters"]
        ),
        glossary=glossary,
        timeline=span,
        url=story.data.get("url"),
        budget=story.data.get("budget", {}),
        theme=theme,
        source_dir=story_dir.resolve(),
    )
    _check_counts(built, layers)
    return built, problems


def _check_counts(story: model.Story, layers: dict[str, _LayerInput]) -> None:
    """Every input feature must reach the output: nothing is dropped silently."""
    for layer in story.layers:
        expected = len(layers[layer.id].frame)
        if len(layer.data["features"]) != expected:
            raise StoryError.at(f"{expected - len(layer.data['features'])} features were lost in the build",
                                layers[layer.id].doc.path)


def check(story_dir: Path) -> Report:
    """Validate a story without writing anything."""
    story, warnings = read_story(story_dir)
    return Report(Path(story_dir), None, {l.id: len(l.data["features"]) for l in story.layers},
                  len(story.chapters), warnings)


def _one_language(story: model.Story, lang: str | None) -> model.Story:
    """The story in one of its languages only (`storymap build --lang`)."""
    if lang is None:
        return story
    if lang not in story.languages:
        raise StoryError.at(f"the story has no language {lang!r} (it has {', '.join(story.languages)})")
    return story.in_language(lang)


def build(story_dir: Path, out: Path, *, lang: str | None = None, handout: bool = False,
          single_file: bool = True, dev_build: int | None = None, progress: Progress = _quiet) -> Report:
    """Build the story in `story_dir` into the folder `out`: index.html, and the handouts if asked.
    `single_file=False` writes chapter images beside the page (images/) instead of into it.
    `dev_build` is `storymap serve`'s build number (the page then reloads itself on newer builds)."""
    story, warnings = read_story(story_dir, progress)
    story = _one_language(story, lang)
    progress("Rendering the page and its chapter maps")
    image_files: dict[str, bytes] | None = None if single_file else {}
    page = render.render_page(story, dev_build=dev_build, image_files=image_files)
    weight = render.page_weight(page)
    _check_budget(weight, story.budget, story_dir)
    files = {"index.html": page.encode("utf-8")}
    if handout:  # one printable handout per language: handout.en.html, handout.de.html, ...
        for language in story.languages:
            page = render.render_page(story.in_language(language), handout=True, image_files=image_files)
            files[f"handout.{language}.html"] = page.encode("utf-8")
    files.update(image_files or {})
    progress(f"Writing {', '.join(sorted(files))}")
    written = write.write_site(files, Path(out))
    return Report(Path(story_dir), written, {l.id: len(l.data["features"]) for l in story.layers},
                  len(story.chapters), warnings, len(files["index.html"]), weight)


def _check_budget(weight: dict[str, int], budget: dict[str, float], story_dir: Path) -> None:
    """Fail the build when the page is heavier than the story's budget (KiB after gzip)."""
    problems = [
        Problem(f"{label} is {weight[key] / 1024:.1f} KiB gzipped; the budget is {budget[limit]} KiB",
                Path(story_dir) / load.STORY_FILE, f"key budget.{limit}")
        for key, limit, label in (("page_gz", "page_kb", "the page"), ("shell_gz", "shell_kb", "the page's code"))
        if limit in budget and weight[key] > budget[limit] * 1024
    ]
    if problems:
        raise StoryError(problems)
