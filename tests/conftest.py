"""Shared fixtures and helpers, defined once: a tiny story written from inline data, the built
bundled story, the command line (`run`), a page in the browser (`open_page`) and the data a built
page carries (`page_data`)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent  # the repository: also the bundled story's folder
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"  # screenshots and PDFs for a human to look at

# Tiny named geometries used across the tests (lon, lat near Bochum).
POINT_A = {"type": "Point", "coordinates": [7.2, 51.48]}
POINT_B = {"type": "Point", "coordinates": [7.25, 51.46]}
LINE = {"type": "LineString", "coordinates": [[7.1, 51.5], [7.3, 51.45]]}
SQUARE = {"type": "Polygon", "coordinates": [[[7.1, 51.4], [7.35, 51.4], [7.35, 51.55], [7.1, 51.55], [7.1, 51.4]]]}


def feature(fid: str, geometry: dict, **properties) -> dict:
    props = {"name": fid.title(), "source": "test data", "accuracy": "schematic", **properties}
    return {"type": "Feature", "id": fid, "properties": props, "geometry": geometry}


def collection(*features: dict) -> dict:
    return {"type": "FeatureCollection", "features": list(features)}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def run(*args: str):
    """`storymap ARGS...` through click's CliRunner: the result has exit_code, output and exception."""
    from click.testing import CliRunner

    from storymap.cli import main

    return CliRunner().invoke(main, list(args))


def page_data(html: str) -> dict:
    """The story data a built page carries (its `<script type="application/json" id="sm-data">`)."""
    start = '<script type="application/json" id="sm-data">'
    assert html.count(start) == 1, "the page must carry its data exactly once"
    return json.loads(html.split(start, 1)[1].split("</script>", 1)[0])


def keeps_authors_zoom(zoom: float, view: dict, highlight) -> bool:
    """A view by centre and zoom is shown at the author's zoom, or up to one level lower where a
    highlighted feature needed room to be clear of the map's edges and covers (engine camera.js)."""
    return zoom == pytest.approx(view["zoom"]) or bool(highlight and view["zoom"] - 1 <= zoom < view["zoom"])


def at_rest(*values: str) -> str:
    """A JavaScript function for page.evaluate that resolves once the JavaScript expressions
    `values` have not changed for three frames (or after 900 frames): the page has come to rest."""
    return """async () => {
    const frame = () => new Promise(resolve => requestAnimationFrame(resolve));
    let last = null, still = 0;
    for (let i = 0; i < 900 && still < 3; i += 1) {
        await frame();
        const now = [%s].join();
        still = now === last ? still + 1 : 0;
        last = now;
    }
}""" % ", ".join(values)


def open_page(browser, url: str, **options):
    """`url` in a new page (1280 × 800 unless `options` say otherwise; any Playwright context
    option), once the story engine has its map: (page, Traffic)."""
    from browser import wait_until, watch

    page = browser.new_page(**{"viewport": {"width": 1280, "height": 800}, **options})
    traffic = watch(page)
    page.goto(url)
    wait_until(page, "!!(window.storymap && window.storymap.map)")
    return page, traffic


def make_story(root: Path) -> Path:
    """A complete two-language story: two story layers, one context layer, two chapters."""
    write(root / "story.yml", """
        title: {en: Tiny, de: Winzig}
        languages: [en, de]
        view: {center: [51.47, 7.22], zoom: 11}
        layers: [area, sites, river]
        chapters: [first, second]
    """)
    write(root / "layers/area.yml", "title: Area\ndata: data/area.geojson\nkind: context\n")
    write(root / "layers/sites.yml", """
        title: {en: Sites, de: Orte}
        data: data/sites.geojson
        style: {color: "#112233", radius: 5}
        popup:
          - key: year
            label: {en: Year, de: Jahr}
    """)
    write(root / "layers/river.yml", "title: River\ndata: data/river.geojson\n")
    (root / "data").mkdir(parents=True, exist_ok=True)
    (root / "data/area.geojson").write_text(json.dumps(collection(feature("area", SQUARE))))
    (root / "data/sites.geojson").write_text(
        json.dumps(collection(feature("a", POINT_A, year=1900), feature("b", POINT_B, year=2000)))
    )
    (root / "data/river.geojson").write_text(json.dumps(collection(feature("r", LINE))))
    write(root / "chapters/en/first.md", """
        ---
        title: First chapter
        view: {center: [51.48, 7.2], zoom: 13}
        layers: [sites]
        highlight: [a]
        ---
        Text of the **first** chapter.
    """)
    write(root / "chapters/de/first.md", "---\ntitle: Erstes Kapitel\n---\nText des ersten Kapitels.\n")
    write(root / "chapters/en/second.md", """
        ---
        title: Second chapter
        view: {fit: [river]}
        layers: [river, sites]
        ---
        Text of the second chapter.
    """)
    write(root / "chapters/de/second.md", "---\ntitle: Zweites Kapitel\n---\nText des zweiten Kapitels.\n")
    return root


@pytest.fixture
def story_dir(tmp_path: Path) -> Path:
    return make_story(tmp_path / "story")


@pytest.fixture(scope="session")
def site(tmp_path_factory):
    """The bundled story, built once for every browser test (with its handouts): (site folder, Story)."""
    from storymap import pipeline

    out = tmp_path_factory.mktemp("bochum") / "site"
    pipeline.build(REPO, out, handout=True)
    story, _ = pipeline.read_story(REPO)
    return out, story


@pytest.fixture(scope="session")
def built(site):
    """The built bundled story as (file:// URL of index.html, Story)."""
    out, story = site
    return (out / "index.html").as_uri(), story


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, shared by the browser tests."""
    from playwright.sync_api import sync_playwright

    from browser import launch

    with sync_playwright() as playwright:
        browser = launch(playwright)
        yield browser
        browser.close()
