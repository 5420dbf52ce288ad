"""Step 2 — validate: judge what `load` read, and report every problem with its place.

Each function returns a list of `Problem`s rather than raising, so that one run can
report all mistakes in a story at once.
"""

from __future__ import annotations

import json
import math
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Iterator

import jsonschema
import numpy as np

from pyproj import CRS
from pyproj.exceptions import CRSError

from . import images
from .errors import Problem, StoryError
from .load import ACCURACY_LEVELS, OUTPUT_CRS, DataFile, Document, StoryFiles, feature_id

__all__ = [
    "GEOMETRY_TYPES",
    "chapter_reference_problems",
    "declared_crs",
    "far_feature_problems",
    "feature_problems",
    "highlight_layer_problems",
    "schema_problems",
    "translation_problems",
    "validate_story",
]

GEOMETRY_TYPES = {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"}
MAX_PROBLEMS_PER_FILE = 20  # past this, one summary line says how many more there were


@cache
def _validator(kind: str) -> jsonschema.protocols.Validator:
    schema = json.loads(resources.files("storymap.schemas").joinpath("storymap.schema.json").read_text("utf-8"))
    rooted = {**schema, "$ref": f"#/$defs/{kind}"}
    return jsonschema.Draft202012Validator(rooted)


def _schema_message(error: jsonschema.ValidationError) -> str:
    """A short, human message for one schema error (the library's are long for oneOf)."""
    if error.validator == "oneOf" and error.context:
        # Prefer the alternative that got furthest, as the author most likely meant that one.
        best = jsonschema.exceptions.best_match(error.context)
        return best.message
    return error.message


def schema_problems(doc: Document, kind: str) -> list[Problem]:
    """Check a story, layer or chapter document against the shipped JSON Schema."""
    if not isinstance(doc.data, dict):
        return [Problem("expected a mapping of keys to values", doc.path, "line 1")]
    errors = sorted(_validator(kind).iter_errors(doc.data), key=lambda e: [str(p) for p in e.absolute_path])
    problems = []
    for error in errors:
        path = tuple(error.absolute_path)
        if error.validator == "additionalProperties":
            # One problem per unknown key, placed on the key's own line.
            known = set(error.schema.get("properties", {}))
            for key in sorted(k for k in error.instance if k not in known):
                allowed = ", ".join(sorted(known))
                problems.append(Problem(f"unknown key {key!r} (allowed: {allowed})", doc.path, doc.place((*path, key))))
            continue
        problems.append(Problem(_schema_message(error), doc.path, doc.place(path)))
    return problems


def _positions(coords: Any, depth: int) -> Iterator[Any]:
    """Yield the positions of a coordinates array nested `depth` levels above positions."""
    if depth == 0:
        yield coords
        return
    if not isinstance(coords, list):
        raise ValueError("coordinates must be nested lists")
    for part in coords:
        yield from _positions(part, depth - 1)


_DEPTH = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2, "MultiPolygon": 3}


def _position_problem(position: Any, geographic: bool) -> str | None:
    if not isinstance(position, list) or len(position) < 2:
        return "a position must be a list of at least two numbers"
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in position):
        return f"non-numeric coordinate {json.dumps(position)[:60]}"
    if not all(math.isfinite(v) for v in position):
        return "coordinate is NaN or infinite"
    if geographic and not (-180 <= position[0] <= 180 and -90 <= position[1] <= 90):
        return (
            f"coordinate {position[0]:g}, {position[1]:g} is not longitude/latitude; "
            "if the data is projected (e.g. metres), declare its CRS (crs: EPSG:25832 in the layer file)"
        )
    return None


def _geometry_problem(geometry: Any, geographic: bool) -> str | None:
    if geometry is None:
        return "feature has no geometry"
    if not isinstance(geometry, dict):
        return "geometry must be an object"
    kind = geometry.get("type")
    if kind not in GEOMETRY_TYPES:
        return f"unsupported geometry type {json.dumps(kind)[:40]} (expected one of {', '.join(sorted(GEOMETRY_TYPES))})"
    coords = geometry.get("coordinates")
    if coords is None or coords == []:
        return f"{kind} has no coordinates"
    try:
        positions = list(_positions(coords, _DEPTH[kind]))
    except ValueError as exc:
        return f"{kind}: {exc}"
    for position in positions:
        problem = _position_problem(position, geographic)
        if problem:
            return problem
    if kind in ("LineString", "MultiLineString"):
        lines = [coords] if kind == "LineString" else coords
        if any(len(line) < 2 for line in lines):
            return "a line needs at least two positions"
    if kind in ("Polygon", "MultiPolygon"):
        polygons = [coords] if kind == "Polygon" else coords
        if any(len(ring) < 4 for polygon in polygons for ring in polygon):
            return "a polygon ring needs at least four positions"
    return None


def feature_problems(collection: Any, path: Path, layer_id: str, geographic: bool) -> list[Problem]:
    """Structural GeoJSON checks, naming each bad feature by number (1-based) and id."""
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        return [Problem("expected a GeoJSON FeatureCollection", path)]
    features = collection.get("features")
    if not isinstance(features, list):
        return [Problem("'features' must be a list", path)]
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            problems.append(Problem("not a GeoJSON Feature", path, f"feature {number}"))
            continue
        fid = feature_id(feature, layer_id, number)
        place = f"feature {number} (id {fid})"
        properties = feature.get("properties")
        if properties is not None and not isinstance(properties, dict):
            problems.append(Problem("'properties' must be an object or null", path, place))
        problem = _geometry_problem(feature.get("geometry"), geographic)
        if problem:
            problems.append(Problem(problem, path, place))
        if fid in seen:
            problems.append(Problem(f"duplicate id {fid!r} (also feature {seen[fid]})", path, place))
        seen.setdefault(fid, number)
    if len(problems) > MAX_PROBLEMS_PER_FILE:
        more = len(problems) - MAX_PROBLEMS_PER_FILE
        problems = problems[:MAX_PROBLEMS_PER_FILE] + [Problem(f"... and {more} more problems", path)]
    return problems


def chapter_reference_problems(doc: Document, layer_ids: set[str], feature_ids: set[str] | None) -> list[Problem]:
    """Layers, features and extents a chapter names must exist in the story.

    `feature_ids` is None when some layer could not be read: features are then not judged.
    """
    data = doc.data
    problems = []
    for index, layer in enumerate(data.get("layers", [])):
        if layer not in layer_ids:
            problems.append(Problem(f"unknown layer {layer!r}", doc.path, doc.place(("layers", index))))
    if feature_ids is None:
        return problems
    for index, feature in enumerate(data.get("highlight", [])):
        if feature not in feature_ids:
            problems.append(Problem(f"unknown feature {feature!r}", doc.path, doc.place(("highlight", index))))
    for index, target in enumerate((data.get("view") or {}).get("fit", [])):
        if target not in layer_ids and target not in feature_ids:
            problems.append(Problem(f"unknown layer or feature {target!r}", doc.path, doc.place(("view", "fit", index))))
    return problems


MAP_KEYS = ("view", "layers", "highlight", "year")


def translation_problems(master: Document, translation: Document) -> list[Problem]:
    """A translation may leave out the map keys; where it repeats one, it must agree with the master."""
    problems = []
    for key in MAP_KEYS:
        if key in translation.data and translation.data[key] != master.data.get(key):
            problems.append(
                Problem(
                    f"'{key}' differs from {master.path.parent.name}/{master.path.name}; "
                    "map settings come from the first language's file: remove it here or make it equal",
                    translation.path,
                    translation.place((key,)),
                )
            )
    return problems


def highlight_layer_problems(doc: Document, feature_layer: dict[str, str], kinds: dict[str, str]) -> list[Problem]:
    """A highlighted feature must be on the map: its layer is one the chapter shows (or a context layer).
    `kinds` maps each layer id to its kind."""
    shown = set(doc.data.get("layers", []))
    problems = []
    for index, fid in enumerate(doc.data.get("highlight", [])):
        layer_id = feature_layer.get(fid)
        if layer_id is None or layer_id in shown or kinds.get(layer_id) == "context":
            continue
        problems.append(Problem(f"feature {fid!r} is in layer {layer_id!r}, which this chapter does not show",
                                doc.path, doc.place(("highlight", index))))
    return problems


FAR_KM = 300  # a feature further than this from the story's start view is probably misplaced
_EARTH_KM = 6371.0


def _distance_km(lat1, lon1, lat2, lon2):
    """Great-circle distance (haversine); arrays welcome."""
    lat1, lon1, lat2, lon2 = map(np.radians, (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * _EARTH_KM * np.arcsin(np.sqrt(a))


def far_feature_problems(ids, lons, lats, centre: tuple[float, float], path: Path) -> list[Problem]:
    """Warn about features far from the story's area, and say when swapping lat/lon would fix it."""
    lat0, lon0 = centre
    lons, lats = np.asarray(lons, float), np.asarray(lats, float)
    far = _distance_km(lats, lons, lat0, lon0) > FAR_KM
    swapped_near = _distance_km(lons, lats, lat0, lon0) <= FAR_KM  # lon read as lat and back
    problems = []
    for index in np.flatnonzero(far):
        hint = ("; latitude and longitude look swapped (GeoJSON wants [longitude, latitude])"
                if swapped_near[index] else "")
        problems.append(Problem(f"is more than {FAR_KM} km from the story's area{hint}", path,
                                f"feature {index + 1} (id {ids[index]})", "warning"))
    return problems


def _chapter_map(doc: Document) -> tuple:
    data = doc.data
    return (data.get("view"), data.get("layers", []), data.get("highlight", []), data.get("year"))


def _unknown_accuracy(path: Path, rows: list[dict]) -> list[Problem]:
    """An `accuracy` the page cannot explain to readers (a typo, or a word of the author's own)."""
    unknown = [(n, props["accuracy"]) for n, props in enumerate(rows, start=1)
               if props.get("accuracy") and props["accuracy"] not in ACCURACY_LEVELS]
    if not unknown:
        return []
    first, value = unknown[0]
    return [Problem(f"{len(unknown)} of {len(rows)} features have an 'accuracy' that is none of "
                    f"{', '.join(ACCURACY_LEVELS)} (first: feature {first}, {value!r}); the page shows it as written",
                    path, None, "warning")]


def authoring_warnings(story: Document, layer_docs: dict[str, Document], chapters: list[Document],
                       properties: dict[str, tuple[Path, list[dict]]], every_chapter_read: bool = True) -> list[Problem]:
    """Things that build but are probably mistakes: a story layer no chapter shows (judged only when
    `every_chapter_read`: a chapter that failed to load may be the one that shows it), a chapter that
    leaves the map as the one before it, features without `source` or `accuracy` or with an
    accuracy level the page cannot explain, a data file over the story's `budget.layer_kb`."""
    problems = []
    used = {layer for doc in chapters for layer in doc.data.get("layers", [])}
    for index, layer_id in enumerate(story.data["layers"] if every_chapter_read else []):
        doc = layer_docs.get(layer_id)
        if doc is not None and doc.data.get("kind", "story") == "story" and layer_id not in used:
            problems.append(Problem(f"layer {layer_id!r} is shown by no chapter", story.path,
                                    story.place(("layers", index)), "warning"))
    for previous, doc in zip(chapters, chapters[1:], strict=False):  # consecutive pairs
        if _chapter_map(doc) == _chapter_map(previous):
            problems.append(Problem(f"this chapter changes nothing on the map (same view, layers, highlight and "
                                    f"year as {previous.path.name})", doc.path, "line 1", "warning"))
    for path, rows in properties.values():
        for key in ("source", "accuracy"):
            missing = [n for n, props in enumerate(rows, start=1) if not props.get(key)]
            if missing:
                problems.append(Problem(f"{len(missing)} of {len(rows)} features have no {key!r} "
                                        f"(first: feature {missing[0]})", path, None, "warning"))
        problems.extend(_unknown_accuracy(path, rows))
    limit = (story.data.get("budget") or {}).get("layer_kb")
    if limit:
        for path, _ in properties.values():
            size = path.stat().st_size
            if size > limit * 1024:
                problems.append(Problem(f"data file is {size / 1024:.0f} KiB, over the budget of {limit} KiB per layer",
                                        path, None, "warning"))
    return problems


# ---- the whole story at once --------------------------------------------------------------


def declared_crs(collection: Any, layer_crs: str | None, path: Path) -> CRS:
    """The data's CRS: the file's legacy `crs` member, else the layer file's `crs`, else WGS 84.
    Raises StoryError for a CRS name pyproj does not know."""
    member = collection.get("crs") if isinstance(collection, dict) else None
    named = (member.get("properties") or {}).get("name") if isinstance(member, dict) else None
    text = named or layer_crs or OUTPUT_CRS
    try:
        return CRS.from_user_input(text)
    except CRSError:
        raise StoryError.at(f"unknown CRS {text!r}", path) from None


def data_problems(layer_id: str, layer: Document, data: DataFile) -> list[Problem]:
    """One layer's data file: a known CRS, sound GeoJSON structure, at least one feature."""
    try:
        crs = declared_crs(data.collection, layer.data.get("crs") if isinstance(layer.data, dict) else None, data.path)
    except StoryError as exc:
        return exc.problems
    problems = feature_problems(data.collection, data.path, layer_id, geographic=crs.is_geographic)
    if not problems and not data.collection["features"]:
        problems.append(Problem("layer has no features", data.path))
    return problems


def validate_story(files: StoryFiles) -> tuple[set[str], list[Problem]]:
    """Judge everything `load` read, every file in one pass, so that one run reports all mistakes.

    Returns the ids of the layers whose layer and data files are sound (the ones the transform
    step can work on) and every problem found. Files that failed their own checks take no part in
    the checks across files, so a broken file causes no follow-on noise."""
    story_ok = not (problems := schema_problems(files.story, "story"))
    problems += images.logo_problems(files.story, files.root)
    layer_docs = {}
    for layer_id, doc in files.layers.items():
        found = schema_problems(doc, "layer")
        problems += found
        if not found:
            layer_docs[layer_id] = doc
    sound = set()
    for layer_id, data in files.data.items():
        found = data_problems(layer_id, files.layers[layer_id], data)
        problems += found
        if not found and layer_id in layer_docs:
            sound.add(layer_id)
    chapters = {}
    for key, doc in files.chapters.items():
        found = schema_problems(doc, "chapter")
        problems += found + images.image_problems(doc, files.root)
        if not found:
            chapters[key] = doc
    if files.glossary is not None:
        problems += schema_problems(files.glossary, "glossary")
    problems += [Problem("chapter file is not listed under 'chapters' in story.yml and is left out", path,
                         level="warning") for path in files.unlisted]
    if story_ok:
        problems += _across_files(files, layer_docs, sound, chapters)
    return sound, problems


def _across_files(files: StoryFiles, layer_docs: dict[str, Document], sound: set[str],
                  chapters: dict[tuple[str, str], Document]) -> list[Problem]:
    """Checks between files: ids unique across layers, what chapters name, translations, authoring."""
    ids = {layer_id: [feature_id(f, layer_id, n) for n, f in enumerate(files.data[layer_id].collection["features"], 1)]
           for layer_id in files.layer_ids if layer_id in sound}
    problems = _duplicate_feature_ids(files, ids)
    feature_layer = {fid: layer_id for layer_id, fids in ids.items() for fid in fids}
    complete = len(ids) == len(files.layer_ids)
    problems += _chapter_problems(files, chapters, feature_layer if complete else None,
                                  {layer_id: doc.data.get("kind", "story") for layer_id, doc in layer_docs.items()})
    first = files.languages[0]
    masters = [chapters[(first, cid)] for cid in files.chapter_ids if (first, cid) in chapters]
    properties = {layer_id: (files.data[layer_id].path,
                             [f.get("properties") or {} for f in files.data[layer_id].collection["features"]])
                  for layer_id in ids}
    return problems + authoring_warnings(files.story, layer_docs, masters, properties,
                                         every_chapter_read=len(masters) == len(files.chapter_ids))


def _duplicate_feature_ids(files: StoryFiles, ids: dict[str, list[str]]) -> list[Problem]:
    first_seen: dict[str, str] = {}
    problems = []
    for layer_id, fids in ids.items():
        path = files.data[layer_id].path
        for number, fid in enumerate(fids, start=1):
            if fid in files.layers and fid != layer_id:
                problems.append(Problem(f"feature id {fid!r} is also a layer id", path, f"feature {number}"))
            if fid in first_seen and first_seen[fid] != layer_id:
                problems.append(Problem(f"feature id {fid!r} is also used in layer {first_seen[fid]!r}",
                                        path, f"feature {number}"))
            first_seen.setdefault(fid, layer_id)
    return problems


def _chapter_problems(files: StoryFiles, chapters: dict[tuple[str, str], Document],
                      feature_layer: dict[str, str] | None, kinds: dict[str, str]) -> list[Problem]:
    """Chapter references and translations. Feature references are judged only when every layer
    was read (`feature_layer` is None otherwise): a feature in a broken layer is not 'unknown',
    its layer is broken."""
    first = files.languages[0]
    problems = []
    for (lang, chapter_id), doc in chapters.items():
        if lang == first:
            known = set(feature_layer) if feature_layer is not None else None
            problems += chapter_reference_problems(doc, set(files.layer_ids), known)
            problems += highlight_layer_problems(doc, feature_layer or {}, kinds)
            if "view" not in doc.data:
                problems.append(Problem("the first language's chapter file must set 'view'", doc.path, "line 1"))
        elif (first, chapter_id) in chapters:
            problems += translation_problems(chapters[(first, chapter_id)], doc)
    return problems
