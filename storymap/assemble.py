"""Step 4 — model: assemble the Story from the files `load` read, `validate` passed and
`transform` prepared.

Everything the renderer needs is resolved here, once: texts per language, styles with their
defaults, `fit` views turned into bounds, timelines, the shipped (simplified, rounded) GeoJSON,
and the chapter images and logo, prepared for the page, so that rendering opens no file.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import geopandas as gpd

from . import images, model, styles, transform
from .errors import StoryError
from .load import UI_TEXT, Document, StoryFiles
from .transform import LayerFrame

__all__ = ["assemble_story"]

Box = tuple[float, float, float, float]  # west, south, east, north in degrees


def assemble_story(files: StoryFiles, layers: dict[str, LayerFrame]) -> model.Story:
    """The Story of a folder whose files passed validation; `layers` are its prepared layers."""
    spec = files.story.data
    languages = files.languages
    boxes = _feature_bounds(layers)
    timed_layers, span = _with_timelines(
        [_layer(layer_id, files.layers[layer_id], layers[layer_id], position, languages)
         for position, layer_id in enumerate(files.layer_ids)],
        spec.get("timeline"),
    )
    story = model.Story(
        title=model.localise(spec["title"], languages),
        subtitle=model.localise(spec.get("subtitle"), languages),
        short_title=model.localise(spec.get("short_title"), languages),
        languages=tuple(languages),
        view=_view(spec["view"], boxes),
        basemap={**model.DEFAULT_BASEMAP, **spec.get("basemap", {})},
        layers=timed_layers,
        chapters=_chapters(files, boxes, languages),
        glossary=_glossary(files.glossary, languages),
        timeline=span,
        url=spec.get("url"),
        budget=spec.get("budget", {}),
        theme=_theme(files),
        images=_chapter_images(files),
        templates=dict(files.templates),
    )
    _check_counts(story, layers)
    return story


# ---- layers -------------------------------------------------------------------------------


def _geometry_kinds(frame: gpd.GeoDataFrame) -> tuple[str, ...]:
    """The kinds of geometry in a layer, in legend order: ('point',), ('polygon', 'point'), ..."""
    names = {"Polygon": "polygon", "LineString": "line", "Point": "point"}
    present = {kind.replace("Multi", "") for kind in frame.geometry.geom_type}
    return tuple(names[kind] for kind in names if kind in present)


def _layer(layer_id: str, doc: Document, prepared: LayerFrame, position: int, languages: list[str]) -> model.Layer:
    spec = doc.data
    kind = spec.get("kind", "story")
    style = {**model.default_style(kind, position), **spec.get("style", {})}
    by = style.pop("fill_color") if isinstance(style.get("fill_color"), dict) else None
    style.setdefault("fill_color", style["color"])
    if "fill_opacity" in spec.get("style", {}) and "area_fill_opacity" not in spec["style"]:
        style.pop("area_fill_opacity", None)  # areas are filled as the author set fill_opacity
    geometry = _geometry_kinds(prepared.frame)
    shipped = transform.simplify(prepared.frame, spec.get("max_zoom", transform.DEFAULT_MAX_ZOOM))
    return model.Layer(
        id=layer_id,
        kind=kind,
        title=model.localise(spec["title"], languages),
        description=model.localise(spec.get("description"), languages),
        geometry=geometry,
        style=style,
        styles=styles.layer_styles(style, geometry),
        popup=tuple({"key": f["key"], "label": model.localise(f.get("label", f["key"]), languages)}
                    for f in spec.get("popup", [])),
        source=model.localise(spec.get("source"), languages),
        attribution=model.localise(spec.get("attribution"), languages),
        licence=spec.get("licence", ""),
        data=_output_data(spec, shipped, prepared),
        projected=tuple(shipped.geometry.to_crs(transform.WEB_MERCATOR)),
        **_classes(by, style, geometry, prepared.frame, languages),
        **_layer_time(spec, prepared.frame, languages),
    )


def _classes(spec: dict[str, Any] | None, style: dict[str, Any], geometry: tuple[str, ...],
             frame: gpd.GeoDataFrame, languages: list[str]) -> dict[str, Any]:
    """A layer coloured by a property: its classes, each with its styles, and each feature's class."""
    if spec is None:
        return {}
    labels = {key: model.localise(label, languages) for key, label in (spec.get("labels") or {}).items()}
    words = {lang: UI_TEXT.get(lang, UI_TEXT["en"]) for lang in languages}
    values = [props.get(spec["by"]) for props in frame["properties"]]
    classes, class_of = styles.feature_classes({**spec, "labels": labels}, values, style["fill_color"], words)
    return {"classes": tuple({**c, "styles": styles.layer_styles({**style, "fill_color": c["fill"]}, geometry)}
                             for c in classes),
            "class_of": tuple(class_of)}


def _output_data(spec: dict[str, Any], simplified: gpd.GeoDataFrame, prepared: LayerFrame) -> dict[str, Any]:
    """The layer's GeoJSON as shipped: simplified for the deepest zoom it must serve (`simplified`)
    and rounded to the decimals that zoom can show."""
    zoom = spec.get("max_zoom", transform.DEFAULT_MAX_ZOOM)
    decimals = spec.get("precision", transform.decimals_for_zoom(zoom))
    return transform.to_feature_collection(simplified, decimals, prepared.metrics, prepared.path)


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


def _check_counts(story: model.Story, layers: dict[str, LayerFrame]) -> None:
    """Every input feature must reach the output: nothing is dropped silently."""
    for layer in story.layers:
        expected = len(layers[layer.id].frame)
        if len(layer.data["features"]) != expected:
            raise StoryError.at(f"{expected - len(layer.data['features'])} features were lost in the build",
                                layers[layer.id].path)


# ---- views and chapters ------------------------------------------------------------------


def _feature_bounds(layers: dict[str, LayerFrame]) -> dict[str, Box]:
    """(west, south, east, north) in degrees for every layer id and feature id."""
    out: dict[str, Any] = {}
    for layer_id, prepared in layers.items():
        latlon = prepared.frame.to_crs(transform.OUTPUT_CRS)
        out[layer_id] = tuple(latlon.total_bounds)
        for fid, box in zip(latlon["id"], latlon.geometry.bounds.itertuples(index=False), strict=True):
            out[fid] = tuple(box)
    return out


def _view(spec: dict[str, Any], boxes: dict[str, Box]) -> model.View:
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


def _chapters(files: StoryFiles, boxes: dict[str, Box], languages: list[str]) -> tuple[model.Chapter, ...]:
    """The chapters in reading order; an interlude gets the map of the nearest chapter above that
    sets one, or, before any, the story's overview (its view, every layer)."""
    start_view = _view(files.story.data["view"], boxes)
    shown: dict[str, Any] = {"view": start_view, "layers": tuple(files.layer_ids), "highlight": (), "year": None,
                             "opacity": {}, "map_from": None}
    chapters = []
    for chapter_id in files.chapter_ids:
        docs = {lang: files.chapters[(lang, chapter_id)] for lang in languages}
        master = docs[languages[0]].data
        keeps = model.keeps_map(master)
        if not keeps:
            layers = [item if isinstance(item, dict) else {"id": item} for item in master.get("layers", [])]
            shown = {"view": _view(master["view"], boxes), "layers": tuple(item["id"] for item in layers),
                     "highlight": tuple(master.get("highlight", [])), "year": master.get("year"),
                     "opacity": {item["id"]: item["opacity"] for item in layers if item.get("opacity", 1) != 1},
                     "map_from": chapter_id}
        chapters.append(model.Chapter(
            id=chapter_id,
            title={lang: docs[lang].data["title"] for lang in languages},
            text={lang: docs[lang].body for lang in languages},
            sources={lang: tuple(docs[lang].data.get("sources", [])) for lang in languages},
            questions={lang: tuple(docs[lang].data.get("questions", [])) for lang in languages},
            align=master.get("align", "left"),
            keeps_map=keeps,
            **{**shown, "map_from": shown["map_from"] if keeps else None},
        ))
    return tuple(chapters)


def _glossary(doc: Document | None, languages: list[str]) -> tuple[dict[str, dict[str, str]], ...]:
    """The glossary's terms, sorted as the first language sorts them."""
    if doc is None:
        return ()
    entries = [{"term": model.localise(entry["term"], languages),
                "definition": model.localise(entry["definition"], languages)} for entry in doc.data["terms"]]
    return tuple(sorted(entries, key=lambda entry: entry["term"][languages[0]].casefold()))


# ---- pictures -----------------------------------------------------------------------------


def _theme(files: StoryFiles) -> dict[str, str]:
    """The story's theme, with the logo prepared like a chapter image and turned into a data: URI."""
    theme = dict(files.story.data.get("theme", {}))
    if "logo" in theme:
        theme["logo"] = images.data_uri(images.prepare(images.local(files.root, theme["logo"])))  # checked by validate
    return theme


def _chapter_images(files: StoryFiles) -> dict[str, images.Prepared]:
    """Every image the chapters show, prepared for the page, by its normalised source."""
    return {images.source_key(src): images.prepare(images.local(files.root, src))
            for doc in files.chapters.values() for src in images.sources(doc.body)}
