"""Step 2 — validate: judge what `load` read, and report every problem with its place.

Each function returns a list of `Problem`s rather than raising, so that one run can
report all mistakes in a story at once.
"""

from __future__ import annotations

import difflib
import json
import math
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Iterator

import jinja2
import jinja2.meta
import jsonschema
import numpy as np

from pyproj import CRS
from pyproj.exceptions import CRSError

from . import images, model, render, styles, theme
from .errors import Problem, StoryError
from .load import ACCURACY_LEVELS, OUTPUT_CRS, TEMPLATES_DIR, DataFile, Document, StoryFiles, feature_id

__all__ = [
    "GEOMETRY_TYPES",
    "chapter_reference_problems",
    "declared_crs",
    "far_feature_problems",
    "feature_problems",
    "highlight_layer_problems",
    "schema_problems",
    "story_centre",
    "translation_problems",
    "validate_story",
]

DEFAULT_LAYER_KB = 5 * 1024  # a data file larger than this on disk is worth a warning
GEOMETRY_TYPES = {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"}
MAX_PROBLEMS_PER_FILE = 20  # past this, one summary line says how many more there were


@cache
def _validator(kind: str) -> jsonschema.protocols.Validator:
    schema = json.loads(resources.files("storymap.schemas").joinpath("storymap.schema.json").read_text("utf-8"))
    rooted = {**schema, "$ref": f"#/$defs/{kind}"}
    return jsonschema.Draft202012Validator(rooted)


def schema_problems(doc: Document, kind: str) -> list[Problem]:
    """Check a story, layer or chapter document against the shipped JSON Schema; each problem says
    in words what to write instead (the library's messages print regular expressions and, for a
    choice between forms, complain about the form the author did not mean)."""
    if not isinstance(doc.data, dict):
        return [Problem("expected a mapping of keys to values", doc.path, "line 1")]
    errors = sorted(_validator(kind).iter_errors(doc.data), key=lambda e: [str(p) for p in e.absolute_path])
    # dict.fromkeys: one message per place, though two rules (e.g. minLength and a pattern) may say it
    return list(dict.fromkeys(problem for error in errors for problem in _error_problems(error, doc)))


def _error_problems(error: jsonschema.ValidationError, doc: Document) -> list[Problem]:
    path = tuple(error.absolute_path)
    if error.validator == "additionalProperties":
        return _unknown_keys(error.instance, set(error.schema.get("properties", {})), path, doc)
    if error.validator == "oneOf" and error.context:
        return _choice_problems(error, doc)
    return [Problem(_message(error), doc.path, doc.place(path))]


def _unknown_keys(instance: dict, known: set[str], path: tuple, doc: Document) -> list[Problem]:
    """One problem per unknown key, on the key's own line, naming the closest allowed key."""
    problems = []
    for key in sorted(k for k in instance if k not in known):
        close = difflib.get_close_matches(str(key), sorted(known), n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        problems.append(Problem(f"unknown key {key!r}{hint} (allowed: {', '.join(sorted(known))})",
                                doc.path, doc.place((*path, key))))
    return problems


_JSON_TYPES = {"object": dict, "array": list, "string": str, "number": (int, float)}


def _choice_problems(error: jsonschema.ValidationError, doc: Document) -> list[Problem]:
    """A value that must take one of several forms (a view: center and zoom, bounds, or fit): judge
    it as the form whose required keys it has, since that is the one the author meant."""
    branches = error.validator_value
    instance = error.instance
    keys = set(instance) if isinstance(instance, dict) else set()

    def fit(branch: dict) -> tuple[bool, int]:  # (every required key there, how many are)
        required = set(branch.get("required", ()))
        return required <= keys, len(required & keys)

    typed = [index for index, branch in enumerate(branches)
             if isinstance(instance, _JSON_TYPES.get(branch.get("type"), object))]
    meant = max(typed, key=lambda index: fit(branches[index]), default=None)
    if meant is not None and fit(branches[meant]) > (False, 0):
        chosen = [sub for sub in error.context if sub.relative_schema_path[0] == meant]
        return [problem for sub in chosen for problem in _error_problems(sub, doc)]
    path = tuple(error.absolute_path)
    if isinstance(instance, dict):
        known = {key for branch in branches for key in branch.get("properties", {})}
        forms = "; ".join(" and ".join(branch.get("required", ())) for branch in branches)
        return _unknown_keys(instance, known, path, doc) + [Problem(f"needs one of: {forms}", doc.path, doc.place(path))]
    return [Problem(jsonschema.exceptions.best_match(error.context).message, doc.path, doc.place(path))]


def _message(error: jsonschema.ValidationError) -> str:
    """The library's message for one error, in words where it would print a rule."""
    schema, value = error.schema, error.instance
    description = schema.get("description", "")
    if error.validator in ("minimum", "maximum"):
        low, high = schema.get("minimum"), schema.get("maximum")
        limits = (f"from {low} to {high}" if low is not None and high is not None
                  else f"of at least {low}" if high is None else f"of at most {high}")
        return f"{value} is out of range: use a number {limits}" + (f" ({description})" if description else "")
    if (error.validator == "pattern" and error.validator_value == "\\S") or error.validator == "minLength":
        return "must not be empty"
    if error.validator == "pattern":
        if not description:
            return f"{value!r} has the wrong form"
        return f"{value!r} is not allowed here; write {description[:1].lower() + description[1:]}"
    if error.validator == "uniqueItems":
        twice = sorted({str(item) for item in value if value.count(item) > 1})
        return f"listed more than once: {', '.join(twice)}"
    if error.validator == "not":
        return f"{value!r} is reserved by the page; choose another name"
    return error.message


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


def chapter_reference_problems(doc: Document, layer_ids: set[str], feature_ids: set[str] | None,
                               unnamed_hint: str = "") -> list[Problem]:
    """Layers, features and extents a chapter names must exist in the story.

    `feature_ids` is None when some layer could not be read: features are then not judged.
    `unnamed_hint` follows an unknown feature: where the features without an id are.
    """
    data = doc.data
    problems = []
    named = [_layer_id(layer) for layer in data.get("layers", [])]
    for index, layer in enumerate(data.get("layers", [])):
        place = ("layers", index, "id") if isinstance(layer, dict) else ("layers", index)
        if named[index] not in layer_ids:
            problems.append(Problem(f"unknown layer {named[index]!r}", doc.path, doc.place(place)))
        elif named[index] in named[:index]:  # `mines` and `{id: mines, opacity: 0.4}` are the same layer
            problems.append(Problem(f"layer {named[index]!r} is listed more than once", doc.path, doc.place(place)))
    if feature_ids is None:
        return problems
    for index, feature in enumerate(data.get("highlight", [])):
        if feature not in feature_ids:
            problems.append(Problem(f"unknown feature {feature!r}{unnamed_hint}", doc.path, doc.place(("highlight", index))))
    for index, target in enumerate((data.get("view") or {}).get("fit", [])):
        if target not in layer_ids and target not in feature_ids:
            problems.append(Problem(f"unknown layer or feature {target!r}{unnamed_hint}", doc.path,
                                    doc.place(("view", "fit", index))))
    return problems


MAP_KEYS = (*model.MAP_KEYS, "align")  # read from the first language's file; a translation may repeat them


def _layer_id(item: str | dict) -> str:
    """A chapter's `layers` entry names a layer plainly (`mines`) or with its opacity (`{id: mines, opacity: 0.4}`)."""
    return item["id"] if isinstance(item, dict) else item


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
    shown = {_layer_id(item) for item in doc.data.get("layers", [])}
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


def _far(lats, lons, centre: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """For each position: is it far from the story's area, and would swapping lat/lon bring it near?"""
    lat0, lon0 = centre
    lats, lons = np.asarray(lats, float), np.asarray(lons, float)
    return _distance_km(lats, lons, lat0, lon0) > FAR_KM, _distance_km(lons, lats, lat0, lon0) <= FAR_KM


def far_feature_problems(ids, lons, lats, centre: tuple[float, float], path: Path) -> list[Problem]:
    """Warn about features far from the story's area, and say when swapping lat/lon would fix it."""
    far, swapped_near = _far(lats, lons, centre)
    problems = []
    for index in np.flatnonzero(far):
        hint = ("; latitude and longitude look swapped (GeoJSON wants [longitude, latitude])"
                if swapped_near[index] else "")
        problems.append(Problem(f"is more than {FAR_KM} km from the story's area{hint}", path,
                                f"feature {index + 1} (id {ids[index]})", "warning"))
    return problems


def far_view_problems(doc: Document, centre: tuple[float, float]) -> list[Problem]:
    """Warn about a chapter view far from the story's area, as for features: a view wants
    [latitude, longitude], the other way round from GeoJSON, and a swap is an easy mistake."""
    view = doc.data.get("view") or {}
    key = "center" if "center" in view else "bounds" if "bounds" in view else None
    if key is None:
        return []
    positions = [view["center"]] if key == "center" else list(view["bounds"])
    far, swapped_near = _far([p[0] for p in positions], [p[1] for p in positions], centre)
    if not far.any():
        return []
    hint = "; latitude and longitude look swapped (a view wants [latitude, longitude])" if swapped_near[far].all() else ""
    return [Problem(f"this view is more than {FAR_KM} km from the story's area{hint}", doc.path,
                    doc.place(("view", key)), "warning")]


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
    used = {_layer_id(layer) for doc in chapters for layer in doc.data.get("layers", [])}
    for index, layer_id in enumerate(story.data["layers"] if every_chapter_read else []):
        doc = layer_docs.get(layer_id)
        if doc is not None and doc.data.get("kind", "story") == "story" and layer_id not in used:
            problems.append(Problem(f"layer {layer_id!r} is shown by no chapter", story.path,
                                    story.place(("layers", index)), "warning"))
    setting = [doc for doc in chapters if not model.keeps_map(doc.data)]  # an interlude keeps the map on purpose
    for previous, doc in zip(setting, setting[1:], strict=False):  # consecutive pairs
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
    limit = (story.data.get("budget") or {}).get("layer_kb", DEFAULT_LAYER_KB)
    for path, _ in properties.values():
        size = path.stat().st_size if path.is_file() else 0  # a layer made in Python has no file
        if size > limit * 1024:
            problems.append(Problem(f"data file is {size / 1024:.0f} KiB, over the budget of {limit} KiB per layer: "
                                    "the page gets slow on a phone. Lower the layer's max_zoom or precision, or "
                                    "simplify the data (budget.layer_kb sets this threshold)", path, None, "warning"))
    return problems


# ---- the whole story at once --------------------------------------------------------------


def class_problems(doc: Document) -> list[Problem]:
    """The style keys a layer decides per feature (styles.CLASSED_KEYS as mappings, and `radius`
    as sizes): the property named, one way of classing, breaks that increase and match their
    colours; an icon that is no symbol too."""
    style = doc.data.get("style") or {}
    problems = []
    for name in styles.CLASSED_KEYS:
        if isinstance(style.get(name), dict):
            problems += _classing_problems(doc, name, style[name])
    if isinstance(style.get("radius"), dict):
        problems += _sizing_problems(doc, style["radius"])
    if "icon" in style and isinstance(style.get("symbol"), (str, dict)):
        problems.append(Problem("a layer's dots are drawn either as its 'icon' or as a 'symbol': remove one",
                                doc.path, doc.place(("style", "symbol"))))
    if "icon_size" in style and "icon" not in style:
        problems.append(Problem("'icon_size' goes with 'icon'", doc.path, doc.place(("style", "icon_size"))))
    return problems


def _classing_problems(doc: Document, name: str, spec: dict[str, Any]) -> list[Problem]:
    key = ("style", name)
    problems = []
    if "by" not in spec:
        problems.append(Problem(f"needs 'by': the property that decides each feature's {name}", doc.path, doc.place(key)))
    ways = [way for way in ("categories", "palette", "breaks", "method") if way in spec]
    if len(ways) != 1:
        problems.append(Problem("needs exactly one of 'categories' (a value per category), 'palette' (a named palette), "
                                "'breaks' with 'colours' (classes of a number) or 'method' with 'colours' (classes "
                                f"computed from the numbers); found {', '.join(ways) or 'none'}", doc.path, doc.place(key)))
    if "colours" in spec and not ({"breaks", "method"} & set(spec)):
        problems.append(Problem("'colours' go with 'breaks' or 'method'", doc.path, doc.place((*key, "colours"))))
    if "classes" in spec and "method" not in spec:
        problems.append(Problem("'classes' goes with 'method'", doc.path, doc.place((*key, "classes"))))
    colours = spec.get("colours", [])
    if "breaks" in spec:
        breaks = spec["breaks"]
        if any(b >= a for a, b in zip(breaks[1:], breaks, strict=False)):
            problems.append(Problem(f"breaks must increase, each larger than the one before: {breaks}",
                                    doc.path, doc.place((*key, "breaks"))))
        if len(colours) != len(breaks) + 1:
            problems.append(Problem(f"{len(breaks)} breaks make {len(breaks) + 1} classes, so 'colours' needs "
                                    f"{len(breaks) + 1} colours, not {len(colours)}",
                                    doc.path, doc.place((*key, "colours" if "colours" in spec else "breaks"))))
    if "method" in spec:
        if "colours" not in spec:
            problems.append(Problem(f"'method: {spec['method']}' needs 'colours': one colour per class, lightest or "
                                    "least first", doc.path, doc.place((*key, "method"))))
        elif "classes" in spec and spec["classes"] != len(colours):
            problems.append(Problem(f"'classes: {spec['classes']}' needs {spec['classes']} colours, not {len(colours)}",
                                    doc.path, doc.place((*key, "colours"))))
    return problems


def _sizing_problems(doc: Document, spec: dict[str, Any]) -> list[Problem]:
    key = ("style", "radius")
    if "by" not in spec or "max" not in spec:
        return [Problem("a radius by a number needs 'by' (the property) and 'max' (the radius of the greatest value, "
                        "in px)", doc.path, doc.place(key))]
    if spec.get("min", styles.SIZE_MIN) >= spec["max"]:
        return [Problem(f"'min' ({spec.get('min', styles.SIZE_MIN)}) must be smaller than 'max' ({spec['max']})",
                        doc.path, doc.place((*key, "min" if "min" in spec else "max")))]
    return []


def class_property_problems(doc: Document, features: list[dict], data_path: Path) -> list[Problem]:
    """The properties a layer's style is decided by, against its features: a warning when no feature
    has one; an error naming the feature whose value is not a number where classes or sizes of a
    number need one, and when the numbers cannot make the classes asked for."""
    style = doc.data.get("style") or {}
    rows = [f.get("properties") or {} for f in features]
    problems = []
    for name in (*styles.CLASSED_KEYS, "radius"):
        spec = style.get(name)
        if not isinstance(spec, dict) or "by" not in spec:
            continue
        by, place = spec["by"], doc.place(("style", name, "by"))
        if not any(by in props for props in rows):
            problems.append(Problem(f"no feature has the property {by!r} that {name} is decided by: every feature gets "
                                    "the layer's plain " + ("radius" if name == "radius" else "style"), doc.path, place,
                                    "warning"))
            continue
        if name != "radius" and "method" not in spec:
            continue
        named = [(f"feature {n} ({feature_id(f, doc.path.stem, n)!r}) of {data_path.name}", props.get(by))
                 for n, (f, props) in enumerate(zip(features, rows, strict=True), start=1)]
        problems += _number_problems(doc, name, spec, named)
    return problems


def _number_problems(doc: Document, name: str, spec: dict[str, Any], named: list[tuple[str, Any]]) -> list[Problem]:
    """Classes computed from a property's numbers, or sizes by them: every value a number (or
    missing), sizes none below zero, and enough different numbers for the classes. `named`: each
    feature's name for messages, and its value."""
    by, place = spec["by"], doc.place(("style", name, "by"))
    values = [value for _, value in named]
    for feature, value in named:
        if value is None:
            continue
        if styles.as_number(value) is None:
            return [Problem(f"{feature} has {by} = {value!r}, not a number; {name} needs a number in {by!r} of every "
                            "feature that has it (or leave the property out of that feature)", doc.path, place)]
        if name == "radius" and styles.as_number(value) < 0:
            return [Problem(f"{feature} has {by} = {value!r}: sizes show amounts of zero or more", doc.path, place)]
    if name == "radius":
        if not any(styles.as_number(v) for v in values if v is not None):
            return [Problem(f"no feature has a {by} above zero: there is nothing to size the dots by", doc.path, place)]
        return []
    try:
        styles.class_breaks(spec["method"], len(spec.get("colours", [])) or spec.get("classes", 2), values)
    except ValueError as exc:
        return [Problem(f"{by!r} {exc}", doc.path, doc.place(("style", name, "classes" if "classes" in spec else "colours")))]
    return []


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
    problems += theme.contrast_problems(files.story)  # a theme the reader could not read
    layer_docs = {}
    for layer_id, doc in files.layers.items():
        found = schema_problems(doc, "layer")
        found = found or class_problems(doc) + images.icon_problems(doc, files.root)
        problems += found
        if not any(problem.level == "error" for problem in found):  # a misnamed icon is only a warning
            layer_docs[layer_id] = doc
    sound = set()
    for layer_id, data in files.data.items():
        found = data_problems(layer_id, files.layers[layer_id], data)
        problems += found
        if not found and layer_id in layer_docs:
            sound.add(layer_id)
            problems += class_property_problems(layer_docs[layer_id], data.collection["features"], data.path)
    chapters = {}
    for key, doc in files.chapters.items():
        found = schema_problems(doc, "chapter")
        problems += found + images.image_problems(doc, files.root)
        if not found:
            chapters[key] = doc
    if files.glossary is not None:
        problems += schema_problems(files.glossary, "glossary")
    problems += template_problems(files.templates, files.root / TEMPLATES_DIR)
    problems += [Problem("chapter file is not listed under 'chapters' in story.yml and is left out", path,
                         level="warning") for path in files.unlisted]
    if story_ok:
        problems += short_title_problems(files.story, files.languages)
        problems += _across_files(files, layer_docs, sound, chapters)
    return sound, problems


# What a story's own page.html.j2 must write for the page to work, as storymap's own does.
PAGE_NEEDS = {
    "first_scripts": "Leaflet and the engine (storymap's page.html.j2 writes them with first_view() "
                     "after the first chapter)",
    "scripts": "the explore and presentation scripts (the loop at the end of <body>)",
    "data": "the story's layers and chapters for the engine (the JSON script in first_view())",
}


def template_problems(templates: dict[str, str], folder: Path) -> list[Problem]:
    """A story's template overrides (name -> source) that jinja2 cannot read, and a page.html.j2
    that leaves out what the page needs to start: found by `check`, before anything is rendered."""
    problems, environment = [], render.page_environment(templates)
    for name, source in templates.items():
        try:
            parsed = environment.parse(source)
        except jinja2.TemplateSyntaxError as error:
            problems.append(Problem(f"not a template jinja2 can read: {error.message}", folder / name,
                                    str(error.lineno)))
            continue
        if name == "page.html.j2":
            used = jinja2.meta.find_undeclared_variables(parsed)
            problems += [Problem(f"never writes `{variable}`, {what}: without it the page does not work; start from "
                                 "storymap's own page.html.j2 and keep what it writes there", folder / name)
                         for variable, what in PAGE_NEEDS.items() if variable not in used]
    return problems


def short_title_problems(story: Document, languages: list[str]) -> list[Problem]:
    """A short title stands in for the title where it would not fit: one as long is no help."""
    given = story.data.get("short_title")
    if given is None:
        return []
    titles, shorts = model.localise(story.data["title"], languages), model.localise(given, languages)
    return [Problem(f"the short title is not shorter than the title {titles[lang]!r}: shorten it or leave it out",
                    story.path, story.place(("short_title", lang) if isinstance(given, dict) else ("short_title",)))
            for lang in languages
            if len(shorts[lang]) >= len(titles[lang]) and (not isinstance(given, dict) or lang in given)]


def _across_files(files: StoryFiles, layer_docs: dict[str, Document], sound: set[str],
                  chapters: dict[tuple[str, str], Document]) -> list[Problem]:
    """Checks between files: ids unique across layers, what chapters name, translations, authoring."""
    ids = {layer_id: [feature_id(f, layer_id, n) for n, f in enumerate(files.data[layer_id].collection["features"], 1)]
           for layer_id in files.layer_ids if layer_id in sound}
    problems = _duplicate_feature_ids(files, ids)
    feature_layer = {fid: layer_id for layer_id, fids in ids.items() for fid in fids}
    complete = len(ids) == len(files.layer_ids)
    problems += _chapter_problems(files, chapters, feature_layer if complete else None,
                                  {layer_id: doc.data.get("kind", "story") for layer_id, doc in layer_docs.items()},
                                  _unnamed_hint(files, ids))
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
                      feature_layer: dict[str, str] | None, kinds: dict[str, str], unnamed_hint: str) -> list[Problem]:
    """Chapter references, views and translations. Feature references are judged only when every
    layer was read (`feature_layer` is None otherwise): a feature in a broken layer is not
    'unknown', its layer is broken."""
    first = files.languages[0]
    centre = story_centre(files.story.data)
    problems = []
    for (lang, chapter_id), doc in chapters.items():
        if lang == first:
            known = set(feature_layer) if feature_layer is not None else None
            problems += chapter_reference_problems(doc, set(files.layer_ids), known, unnamed_hint)
            problems += highlight_layer_problems(doc, feature_layer or {}, kinds)
            if centre is not None:
                problems += far_view_problems(doc, centre)
            if "view" not in doc.data and not model.keeps_map(doc.data):
                problems.append(Problem("a chapter that sets 'layers', 'highlight' or 'year' must set 'view' too; "
                                        "a chapter that sets none of them keeps the map as the chapter before left it",
                                        doc.path, "line 1"))
        elif (first, chapter_id) in chapters:
            problems += translation_problems(chapters[(first, chapter_id)], doc)
    return problems


def story_centre(story: Any) -> tuple[float, float] | None:
    """The middle of the story's start view (View.midpoint); None for a `fit` view (its area is the
    data's) or a story file too broken to say. Far-away features and chapter views are judged by it."""
    view = story.get("view") if isinstance(story, dict) else None
    if not isinstance(view, dict):
        return None
    if "center" in view:
        return model.View(center=tuple(view["center"]), zoom=view.get("zoom")).midpoint
    if "bounds" in view:
        (south, west), (north, east) = view["bounds"]
        return model.View(bounds=((south, west), (north, east))).midpoint
    return None


def _unnamed_hint(files: StoryFiles, ids: dict[str, list[str]]) -> str:
    """Where the features without an id are, for a message about an unknown feature: a chapter
    that names 'town-hall' usually means a feature whose id was never written."""
    for layer_id in ids:
        data = files.data[layer_id]
        unnamed = [number for number, feature in enumerate(data.collection["features"], start=1)
                   if feature_id(feature, layer_id, number) == f"{layer_id}-{number}"]
        if unnamed:
            where = data.path.relative_to(files.root) if data.path.is_relative_to(files.root) else data.path
            return (f"; features without an id are called '<layer>-<number>' (first: feature {unnamed[0]} "
                    f"of {where}, '{layer_id}-{unnamed[0]}'): give the one you mean an \"id\"")
    return ""
