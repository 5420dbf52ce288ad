"""Whatever an author feeds in: a clear error naming file and place, or a safe page — never a
traceback, a half-written site or a silently dropped feature."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest

from storymap import pipeline, render
from conftest import POINT_A, REPO, collection, feature, page_data, run, write

SITES = "data/sites.geojson"


def feature_collection(*geometries) -> str:
    return json.dumps(collection(*(feature(f"f{n}", g) for n, g in enumerate(geometries, start=1))))


# (file, content (str or bytes), words every message must contain)
BAD_INPUT = {
    "empty data": (SITES, "", ["sites.geojson", "empty"]),
    "truncated data": (SITES, '{"type": "FeatureCollection", "features": [{"type": "Fea', ["sites.geojson", "line 1", "not valid JSON"]),
    "not json": (SITES, "name,lat,lon\nA,51,7\n", ["sites.geojson", "not valid JSON"]),
    "latin-1 data": (SITES, '{"type": "FeatureCollection", "name": "Zeche Bruchstra\xdfe"}'.encode("latin-1"),
                     ["sites.geojson", "not UTF-8"]),
    "features not a list": (SITES, '{"type": "FeatureCollection", "features": {"a": 1}}', ["'features' must be a list"]),
    "no features key": (SITES, '{"type": "FeatureCollection"}', ["'features' must be a list"]),
    "a bare geometry": (SITES, json.dumps(POINT_A), ["expected a GeoJSON FeatureCollection"]),
    "missing geometry": (SITES, '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}}]}',
                         ["feature 1 (id sites-1)", "no geometry"]),
    "empty coordinates": (SITES, feature_collection({"type": "Polygon", "coordinates": []}), ["feature 1 (id f1)", "no coordinates"]),
    "string coordinate": (SITES, feature_collection({"type": "Point", "coordinates": ["7.2", "51.4"]}), ["non-numeric"]),
    "NaN coordinate": (SITES, '{"type": "FeatureCollection", "features": [{"type": "Feature", "id": "x", "properties": {},'
                              ' "geometry": {"type": "Point", "coordinates": [NaN, 51]}}]}', ["feature 1 (id x)", "NaN"]),
    "infinite coordinate": (SITES, feature_collection({"type": "Point", "coordinates": [1e999, 51]}), ["NaN or infinite"]),
    "unknown geometry type": (SITES, feature_collection({"type": "Circle", "coordinates": [7, 51], "radius": 5}),
                              ["unsupported geometry type"]),
    "geometry collection": (SITES, feature_collection({"type": "GeometryCollection", "geometries": []}),
                            ["unsupported geometry type \"GeometryCollection\""]),
    "projected metres, no crs": (SITES, feature_collection({"type": "Point", "coordinates": [372000.5, 5704000.5]}),
                                 ["feature 1 (id f1)", "not longitude/latitude", "crs: EPSG:25832"]),
    "too deep nesting": (SITES, "[" * 100_000 + "]" * 100_000, ["sites.geojson"]),
    "duplicate feature ids": (SITES, json.dumps(collection(feature("a", POINT_A), feature("a", POINT_A))),
                              ["feature 2 (id a)", "duplicate id 'a'"]),
    "no features": (SITES, '{"type": "FeatureCollection", "features": []}', ["sites.geojson", "no features"]),
    "bad front matter": ("chapters/en/first.md", "---\ntitle: First\nlayers: [sites\n---\ntext\n", ["first.md", "invalid YAML"]),
    "front matter not closed": ("chapters/en/first.md", "---\ntitle: First\n", ["first.md", "not closed"]),
    "no front matter": ("chapters/de/first.md", "# Erstes Kapitel\n", ["de/first.md", "front matter"]),
    "unknown chapter key": ("chapters/en/first.md", "---\ntitle: First\nview: {center: [51, 7], zoom: 9}\nlayer: [sites]\n---\n",
                            ["first.md", "line 4, key layer", "unknown key 'layer'; did you mean 'layers'? (allowed: align, highlight, layers"]),
    "unknown layer": ("chapters/en/first.md", "---\ntitle: F\nview: {center: [51, 7], zoom: 9}\nlayers: [ghost]\n---\n",
                      ["first.md", "line 4, key layers.0", "unknown layer 'ghost'"]),
    "unknown fit target": ("chapters/en/second.md", "---\ntitle: S\nview: {fit: [nowhere]}\n---\n",
                           ["second.md", "line 3, key view.fit.0", "unknown layer or feature 'nowhere'"]),
    "highlight of a hidden layer": ("chapters/en/second.md", "---\ntitle: S\nview: {fit: [river]}\nlayers: [river]\nhighlight: [a]\n---\n",
                                    ["second.md", "feature 'a' is in layer 'sites', which this chapter does not show"]),
    "missing chapter": ("story.yml", "title: T\nlanguages: [en, de]\nview: {center: [51.47, 7.22], zoom: 11}\n"
                        "layers: [area, sites, river]\nchapters: [first, second, third]\n",
                        ["story.yml", "line 5", "chapter 'third' has no en file"]),
    "duplicate chapter ids": ("story.yml", "title: T\nlanguages: [en, de]\nview: {center: [51.47, 7.22], zoom: 11}\n"
                              "layers: [area, sites, river]\nchapters: [first, first]\n", ["story.yml", "listed more than once: first"]),
    "missing layer file": ("story.yml", "title: T\nlanguages: [en, de]\nview: {center: [51.47, 7.22], zoom: 11}\n"
                           "layers: [area, sites, river, roads]\nchapters: [first, second]\n",
                           ["story.yml", "line 4, key layers.3", "layer 'roads' has no file layers/roads.yml"]),
    "layer path leaves the story": ("layers/river.yml", "title: River\ndata: ../../../etc/passwd\n",
                                    ["river.yml", "line 2, key data", "outside the story folder"]),
    "missing data file": ("layers/river.yml", "title: River\ndata: data/nothing.geojson\n", ["nothing.geojson", "not found"]),
    "bad colour": ("layers/river.yml", "title: River\ndata: data/river.geojson\nstyle: {color: 'red;}'}\n",
                   ["river.yml", "line 3, key style.color"]),
    "story file is a list": ("story.yml", "- a\n- b\n", ["story.yml", "expected a mapping"]),
    "basemap with script url": ("story.yml", "title: T\nlanguages: [en]\nview: {center: [51.47, 7.22], zoom: 11}\n"
                                "basemap: {url: 'javascript:alert(1)//{z}', attribution: x}\nlayers: [sites]\nchapters: [first]\n",
                                ["story.yml", "basemap.url"]),
    "unknown crs": ("layers/river.yml", "title: River\ndata: data/river.geojson\ncrs: EPSG:999999\n", ["unknown CRS"]),
}


@pytest.mark.parametrize("name", list(BAD_INPUT))
def test_bad_input_gets_a_clear_error_and_the_previous_site_survives(story_dir: Path, tmp_path: Path, name: str):
    out = tmp_path / "site"
    assert run("build", str(story_dir), "-o", str(out)).exit_code == 0
    before = (out / "index.html").read_bytes()
    target, content, words = BAD_INPUT[name]
    path = story_dir / target
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    result = run("build", str(story_dir), "-o", str(out))
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and "internal error" not in result.output, result.output
    for word in words:
        assert word in result.output, result.output
    assert (out / "index.html").read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == [".storymap-site", "index.html"]
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".site-")], "no staging folder left behind"


def test_self_intersection_is_repaired_with_a_warning(story_dir: Path, tmp_path: Path):
    bowtie = {"type": "Polygon", "coordinates": [[[7.1, 51.4], [7.3, 51.5], [7.3, 51.4], [7.1, 51.5], [7.1, 51.4]]]}
    (story_dir / "data/area.geojson").write_text(json.dumps(collection(feature("area", bowtie))))
    result = run("build", str(story_dir), "-o", str(tmp_path / "site"))
    assert result.exit_code == 0, result.output
    assert "warning:" in result.output and "feature 1 (id area)" in result.output and "Self-intersection" in result.output


def test_swapped_coordinates_are_pointed_out(story_dir: Path):
    swapped = {"type": "Point", "coordinates": [51.48, 7.2]}
    (story_dir / "data/sites.geojson").write_text(
        json.dumps(collection(feature("a", POINT_A), feature("b", swapped))))
    result = run("check", str(story_dir))
    assert result.exit_code == 0
    assert "feature 2 (id b)" in result.output and "look swapped" in result.output


def test_quietly_accepted_input(story_dir: Path, tmp_path: Path):
    """BOM, CRLF, 3-D coordinates, mixed geometry types and extra properties are all fine."""
    mixed = collection(
        feature("a", {"type": "Point", "coordinates": [7.2, 51.48, 120.0]}, extra={"nested": [1, 2]}, n=None),
        feature("b", {"type": "LineString", "coordinates": [[7.1, 51.5, 3], [7.3, 51.45, 4]]}),
        feature("c", {"type": "MultiPolygon", "coordinates": [[[[7.2, 51.4], [7.3, 51.4], [7.3, 51.45], [7.2, 51.4]]]]}),
    )
    text = json.dumps(mixed, indent=1).replace("\n", "\r\n")
    (story_dir / "data/sites.geojson").write_bytes("\ufeff".encode("utf-8") + text.encode("utf-8"))
    chapter = (story_dir / "chapters/en/first.md").read_text().replace("\n", "\r\n")
    (story_dir / "chapters/en/first.md").write_bytes("\ufeff".encode("utf-8") + chapter.encode("utf-8"))
    result = run("build", str(story_dir), "-o", str(tmp_path / "site"))
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output
    story, _ = pipeline.read_story(story_dir)
    sites = story.layer("sites")
    assert sites.feature_ids == ["a", "b", "c"]
    assert sites.geometry == ("polygon", "line", "point")
    assert sites.data["features"][0]["geometry"]["coordinates"] == [7.2, 51.48]
    assert sites.data["features"][0]["properties"]["extra"] == {"nested": [1, 2]}


def test_every_input_feature_reaches_the_page(story_dir: Path, tmp_path: Path):
    many = collection(feature("a", POINT_A),
                      *(feature(f"p{i}", {"type": "Point", "coordinates": [7.1 + i / 1000, 51.45]}) for i in range(250)))
    (story_dir / "data/sites.geojson").write_text(json.dumps(many))
    assert run("build", str(story_dir), "-o", str(tmp_path / "site")).exit_code == 0
    page = (tmp_path / "site/index.html").read_text()
    data = page_data(page)
    sites = next(layer for layer in data["layers"] if layer["id"] == "sites")
    assert [f["id"] for f in sites["data"]["features"]] == ["a"] + [f"p{i}" for i in range(250)]


def test_template_syntax_in_content_stays_literal(story_dir: Path):
    write(story_dir / "chapters/en/first.md", """
        ---
        title: "{{ 7 * 7 }} and {% raw %}"
        view: {center: [51.48, 7.2], zoom: 13}
        layers: [sites]
        ---
        Text with {{ story.title }} and {% for x in y %}.
    """)
    page = render.render_page(pipeline.read_story(story_dir)[0]).html
    assert '<h2 id="first-title">{{ 7 * 7 }} and {% raw %}</h2>' in page
    assert "Text with {{ story.title }} and {% for x in y %}." in page


def test_the_page_carries_a_strict_content_security_policy(story_dir: Path):
    page = render.render_page(pipeline.read_story(story_dir)[0]).html
    csp = html.unescape(page.split('http-equiv="Content-Security-Policy" content="')[1].split('"')[0])
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    # six scripts (the head's layout switch, Leaflet, story engine, explore, presentation, start), four
    # style sheets (Leaflet, page, the theme's palette, print)
    assert csp.count("'sha256-") == 10
    assert "img-src https://tile.openstreetmap.org data:" in csp


def test_a_folder_with_foreign_files_is_refused_and_untouched(story_dir: Path, tmp_path: Path):
    out = tmp_path / "site"
    assert run("build", str(story_dir), "-o", str(out)).exit_code == 0
    (out / ".storymap-site").unlink()
    (out / "notes.txt").write_text("mine")
    result = run("build", str(story_dir), "-o", str(out))
    assert result.exit_code == 1 and "did not write" in result.output
    assert (out / "notes.txt").read_text() == "mine"


def test_an_internal_error_is_reported_without_a_traceback(story_dir: Path, monkeypatch):
    def broken(*_args):
        raise RuntimeError("boom")

    monkeypatch.setattr(pipeline, "check", broken)
    result = run("check", str(story_dir))
    assert result.exit_code == 1
    assert "internal error (RuntimeError: boom)" in result.output and "Traceback" not in result.output


def test_oversized_data_is_refused_before_it_is_read(story_dir: Path, monkeypatch):
    from storymap import load

    monkeypatch.setattr(load, "MAX_DATA_BYTES", 100)
    result = run("check", str(story_dir))
    assert result.exit_code == 1 and "sites.geojson" in result.output and "the limit is" in result.output


def test_the_bundled_story_builds_to_the_same_bytes_twice(tmp_path: Path):
    for name in ("a", "b"):
        assert run("build", str(REPO), "-o", str(tmp_path / name)).exit_code == 0
    assert (tmp_path / "a/index.html").read_bytes() == (tmp_path / "b/index.html").read_bytes()


@pytest.mark.parametrize("chapter_id", ["explore", "sm-map"])
def test_reserved_chapter_ids_are_refused(story_dir: Path, chapter_id: str):
    """The chapter's files exist, so the reserved id is the only thing wrong with the story."""
    text = (story_dir / "story.yml").read_text().replace("chapters: [first, second]", f"chapters: [first, {chapter_id}]")
    (story_dir / "story.yml").write_text(text)
    for lang in ("en", "de"):
        (story_dir / f"chapters/{lang}/second.md").rename(story_dir / f"chapters/{lang}/{chapter_id}.md")
    result = run("check", str(story_dir))
    assert result.exit_code == 1, result.output
    assert f"story.yml (line 5, key chapters.1): {chapter_id!r} " in result.output
    assert "1 error; nothing was written." in result.output


@pytest.mark.parametrize("target", ["chapters/en/first.md", "layers/sites.yml", "data/sites.geojson"])
def test_a_symlink_out_of_the_story_folder_is_refused(story_dir: Path, tmp_path: Path, target: str):
    outside = tmp_path / "outside.txt"
    outside.write_text("---\ntitle: read from outside\n---\nsecret\n")
    (story_dir / target).unlink()
    (story_dir / target).symlink_to(outside)
    result = run("check", str(story_dir))
    assert result.exit_code == 1 and "points outside the story folder" in result.output, result.output
    assert "internal error" not in result.output


def test_a_build_writes_nothing_into_the_story_folder(story_dir: Path, tmp_path: Path):
    """So a read-only story folder (a mounted share, a CD) builds: nothing is created, changed or
    touched in it (checked by content and modification time, since tests run as root)."""
    def snapshot():
        return {p.relative_to(story_dir): (p.read_bytes() if p.is_file() else None, p.stat().st_mtime_ns)
                for p in sorted(story_dir.rglob("*"))}

    before = snapshot()
    assert run("build", str(story_dir), "-o", str(tmp_path / "site"), "--handout").exit_code == 0
    assert run("check", str(story_dir)).exit_code == 0
    assert snapshot() == before
