"""Issue 14, point 3: a chapter's card where the author puts it (`align`), interludes that keep the
map as the chapter before left it, layers shown faded, and opacities drawn as the author set them.

The browser tests assert what a reader sees: where each card is, and the map's centre, zoom,
layers and opacities."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from browser import wait_until, watch
from conftest import ARTIFACTS, SQUARE, at_rest, collection, feature, make_story, page_data, run, write
from storymap import pipeline

WIDE = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
CHAPTERS = ["opening", "first", "pause", "second", "aside", "third"]
TEXT = "A paragraph of text that a reader reads while the map beside it stays as it is. " * 3


def make_layout_story(root: Path) -> Path:
    """The two-language test story with a title card that keeps the overview (`opening`, full
    width), an interlude on the right (`pause`, keeps `first`), a centred chapter that shows
    `sites` faded and an area layer filled at 0.9 (`second`), an interlude after it (`aside`), and a
    fitted view with its card on the right (`third`)."""
    make_story(root)
    write(root / "story.yml", f"""
        title: {{en: Tiny, de: Winzig}}
        languages: [en, de]
        view: {{center: [51.47, 7.22], zoom: 11}}
        layers: [area, parks, sites, river]
        chapters: [{", ".join(CHAPTERS)}]
    """)
    write(root / "layers/parks.yml", "title: Parks\ndata: data/parks.geojson\nstyle: {fill_opacity: 0.9}\n")
    (root / "data/parks.geojson").write_text(json.dumps(collection(feature("park", SQUARE))))
    write(root / "chapters/en/second.md", f"""
        ---
        title: Second chapter
        view: {{fit: [river]}}
        layers: [parks, river, {{id: sites, opacity: 0.4}}]
        align: center
        ---
        {TEXT}
    """)
    write(root / "chapters/en/third.md", f"---\ntitle: Third\nview: {{fit: [sites]}}\nlayers: [sites]\nalign: right\n"
                                          f"---\n{TEXT}\n")
    write(root / "chapters/de/third.md", "---\ntitle: Drittes\n---\nText.\n")
    for chapter_id, align in (("opening", "full"), ("pause", "right"), ("aside", None)):
        write(root / f"chapters/en/{chapter_id}.md",
              f"---\ntitle: The {chapter_id}\n" + (f"align: {align}\n" if align else "") + f"---\n{TEXT}\n")
        write(root / f"chapters/de/{chapter_id}.md", f"---\ntitle: Das {chapter_id}\n---\nText.\n")
    return root


@pytest.fixture(scope="module")
def layout_site(tmp_path_factory):
    """The layout story, built once: (file:// URL of its page, Story)."""
    root = make_layout_story(tmp_path_factory.mktemp("layout") / "story")
    out = root.parent / "site"
    pipeline.build(root, out)
    story, _ = pipeline.read_story(root)
    return (out / "index.html").as_uri(), story


AT_REST = at_rest("scrollX", "scrollY")

MAP = """() => { const c = storymap.map.getCenter();
                 return {lat: c.lat, lng: c.lng, zoom: storymap.map.getZoom(), layers: storymap.visibleLayers(),
                         active: storymap.active}; }"""


def open_layout(browser, url, viewport=WIDE, hash_=""):
    context = browser.new_context(viewport=viewport, reduced_motion="reduce")
    page = context.new_page()
    traffic = watch(page)
    page.goto(url + hash_)
    wait_until(page, "window.storymap && storymap.map")
    page.evaluate(AT_REST)
    return page, traffic


def card(page, chapter_id):
    return page.evaluate("""(id) => { const b = document.getElementById(id).getBoundingClientRect();
                                      return {left: b.left, right: b.right, width: b.width}; }""", chapter_id)


def layout_width(page):
    return page.evaluate("() => document.querySelector('.sm-layout').getBoundingClientRect().width")


def map_box(page):
    return page.evaluate("() => { const b = document.querySelector('.sm-map-panel').getBoundingClientRect();"
                         " return {left: b.left, right: b.right}; }")


def go(page, chapter_id):
    page.evaluate("(id) => storymap.goTo(id, {instant: true})", chapter_id)
    page.evaluate(AT_REST)
    wait_until(page, f"storymap.active === {json.dumps(chapter_id)}")


def scroll_into(page, chapter_id):
    """Scroll (no goTo) until the chapter's top is just above the reading line."""
    page.evaluate("""(id) => { const top = document.getElementById(id).getBoundingClientRect().top + scrollY;
                               scrollTo({top: top - innerHeight / 2 + 20, behavior: 'instant'}); }""", chapter_id)
    page.evaluate(AT_REST)
    wait_until(page, f"storymap.active === {json.dumps(chapter_id)}")


# ---- align -------------------------------------------------------------------------------


def test_cards_sit_where_align_puts_them_on_a_wide_screen(layout_site, browser):
    url, _ = layout_site
    page, traffic = open_layout(browser, url)
    width, panel = layout_width(page), map_box(page)
    left = card(page, "first")
    assert left["right"] <= panel["left"], "a left card stays in the text column"
    right = card(page, "pause")
    assert right["left"] > panel["left"] and right["right"] == pytest.approx(width - 20, abs=2)
    assert right["width"] == pytest.approx(left["width"], abs=2) or right["width"] == pytest.approx(480, abs=1)
    centred = card(page, "second")
    assert (centred["left"] + centred["right"]) / 2 == pytest.approx(width / 2, abs=2)
    assert centred["left"] < panel["left"] < centred["right"]
    full = card(page, "opening")
    assert full["left"] == pytest.approx(20, abs=2) and full["right"] == pytest.approx(width - 20, abs=2)
    assert card(page, "aside")["left"] == pytest.approx(left["left"]), "no align: the column, as before"
    # a card over the map is drawn above it
    hit = page.evaluate("""() => { const b = document.getElementById('pause').getBoundingClientRect();
        document.getElementById('pause').scrollIntoView({block: 'center', behavior: 'instant'});
        const c = document.getElementById('pause').getBoundingClientRect();
        return document.elementFromPoint((c.left + c.right) / 2, (c.top + c.bottom) / 2).closest('section').id; }""")
    assert hit == "pause"
    ARTIFACTS.mkdir(exist_ok=True)
    for chapter_id in ("pause", "opening"):
        go(page, chapter_id)
        page.screenshot(path=str(ARTIFACTS / f"align-{chapter_id}-desktop.png"))
    assert traffic.errors == []


@pytest.mark.parametrize("viewport", [WIDE, PHONE])
def test_a_fitted_view_keeps_clear_of_a_card_over_the_map(layout_site, browser, viewport):
    url, _ = layout_site
    page, traffic = open_layout(browser, url, viewport)
    go(page, "third")
    found = page.evaluate("""() => {
        const map = storymap.map, box = map.getContainer().getBoundingClientRect();
        const card = document.getElementById('third').getBoundingClientRect();
        const xs = storymap.visibleFeatures('sites').map(id => map.latLngToContainerPoint(storymap.feature(id).getLatLng()).x);
        return {xs, cover: box.right - card.left, width: box.width, pad: storymap.padding().bottomRight[0]}; }""")
    margin = 24
    if viewport is WIDE:
        assert found["pad"] == pytest.approx(found["cover"] + margin, abs=1)
        assert max(found["xs"]) <= found["width"] - found["cover"] - margin + 1, "a dot is under the card"
        assert min(found["xs"]) >= margin - 1
    else:  # the card is below the map
        assert found["pad"] == margin
        assert max(found["xs"]) - min(found["xs"]) > found["width"] / 2, "the fit uses the whole map"
    assert traffic.errors == []


def test_every_card_fills_the_width_on_a_phone(layout_site, browser):
    url, _ = layout_site
    page, traffic = open_layout(browser, url, PHONE)
    boxes = {chapter_id: card(page, chapter_id) for chapter_id in CHAPTERS}
    for chapter_id, found in boxes.items():
        assert found == pytest.approx(boxes["first"], abs=1), chapter_id
        assert found["left"] >= 0 and found["right"] <= PHONE["width"]
    assert boxes["first"]["width"] >= PHONE["width"] - 2 * 12 - 1
    for chapter_id in ("pause", "opening"):
        go(page, chapter_id)
        page.screenshot(path=str(ARTIFACTS / f"align-{chapter_id}-phone.png"))
    assert traffic.errors == []


def test_presentation_mode_keeps_every_card_in_its_column(layout_site, browser):
    url, _ = layout_site
    page, traffic = open_layout(browser, url)
    page.evaluate("() => storymap.present.enter()")
    for chapter_id in ("opening", "pause", "second"):
        page.evaluate("(id) => storymap.goTo(id, {instant: true})", chapter_id)
        found = card(page, chapter_id)
        assert found["left"] == pytest.approx(12, abs=1) and found["right"] <= map_box(page)["left"] + 1, chapter_id
    assert traffic.errors == []


def test_align_is_checked_and_read_from_the_first_language(story_dir):
    chapter = story_dir / "chapters/en/first.md"
    chapter.write_text(chapter.read_text().replace("title: First chapter", "title: First chapter\nalign: top"))
    result = run("check", str(story_dir))
    assert result.exit_code == 1
    assert "first.md (line 3, key align)" in result.output and "'top' is not one of" in result.output
    chapter.write_text(chapter.read_text().replace("align: top", "align: right"))
    german = story_dir / "chapters/de/first.md"
    german.write_text(german.read_text().replace("title: Erstes Kapitel", "title: Erstes Kapitel\nalign: left"))
    result = run("check", str(story_dir))
    assert result.exit_code == 1 and "'align' differs from en/first.md" in result.output


# ---- interludes --------------------------------------------------------------------------


def test_an_interlude_keeps_the_map_the_chapter_before_left(layout_site, browser):
    url, story = layout_site
    page, traffic = open_layout(browser, url)
    scroll_into(page, "first")
    page.evaluate("() => storymap.map.setView([51.49, 7.23], 14, {animate: false})")  # the reader pans and zooms
    before = page.evaluate(MAP)
    highlighted = page.evaluate("() => document.querySelectorAll('.sm-label').length")
    scroll_into(page, "pause")
    after = page.evaluate(MAP)
    assert after["active"] == "pause"
    assert {k: after[k] for k in ("lat", "lng", "zoom", "layers")} == \
           pytest.approx({k: before[k] for k in ("lat", "lng", "zoom", "layers")})
    assert page.evaluate("() => document.querySelectorAll('.sm-label').length") == highlighted == 1
    assert traffic.errors == []


def chapter_state(browser, url, chapter_id):
    """Centre, zoom and layers when the page is opened at `#chapter_id`."""
    page, traffic = open_layout(browser, url, hash_=f"#{chapter_id}")
    wait_until(page, f"storymap.active === {json.dumps(chapter_id)}")
    page.evaluate(AT_REST)
    state = page.evaluate(MAP)
    assert traffic.errors == []
    page.context.close()
    return {k: state[k] for k in ("lat", "lng", "zoom", "layers")}


@pytest.mark.parametrize("interlude, source", [("pause", "first"), ("aside", "second")])
def test_a_link_to_an_interlude_shows_the_map_of_the_chapter_above_it(layout_site, browser, interlude, source):
    url, _ = layout_site
    assert chapter_state(browser, url, interlude) == pytest.approx(chapter_state(browser, url, source))


def test_goto_and_scrolling_back_up_into_an_interlude(layout_site, browser):
    url, story = layout_site
    expected = chapter_state(browser, url, "first")
    page, traffic = open_layout(browser, url)
    go(page, "aside")  # from the overview, straight to an interlude further down
    assert page.evaluate(MAP)["layers"] == chapter_state(browser, url, "second")["layers"]
    go(page, "pause")  # from the second chapter's map, back up: the first chapter's map
    state = page.evaluate(MAP)
    assert {k: state[k] for k in expected} == pytest.approx(expected)
    scroll_into(page, "second")
    scroll_into(page, "pause")  # scrolling back up into it
    state = page.evaluate(MAP)
    assert {k: state[k] for k in expected} == pytest.approx(expected)
    assert traffic.errors == []


def test_a_first_chapter_that_is_an_interlude_keeps_the_overview(layout_site, browser):
    url, story = layout_site
    page, traffic = open_layout(browser, url)
    overview = page.evaluate(MAP)
    scroll_into(page, "opening")
    state = page.evaluate(MAP)
    assert {k: state[k] for k in ("lat", "lng", "zoom", "layers")} == \
           pytest.approx({k: overview[k] for k in ("lat", "lng", "zoom", "layers")})
    assert state["layers"] == [layer.id for layer in story.layers]
    assert traffic.errors == []


def test_the_model_and_the_figures_give_an_interlude_the_map_it_keeps(layout_site):
    _, story = layout_site
    chapters = {chapter.id: chapter for chapter in story.chapters}
    assert [c.id for c in story.chapters if c.keeps_map] == ["opening", "pause", "aside"]
    assert chapters["pause"].map_from == "first" and chapters["opening"].map_from is None
    for interlude, source in (("pause", "first"), ("aside", "second")):
        for key in ("view", "layers", "highlight", "year", "opacity"):
            assert getattr(chapters[interlude], key) == getattr(chapters[source], key), (interlude, key)
    from storymap.figures import Figures
    figures = Figures(story)
    assert figures.chapter(chapters["aside"]) == figures.chapter(chapters["second"])
    assert chapters["opening"].view == story.view


def test_a_chapter_that_sets_layers_but_no_view_is_refused(story_dir):
    chapter = story_dir / "chapters/en/second.md"
    chapter.write_text(chapter.read_text().replace("view: {fit: [river]}\n", ""))
    result = run("check", str(story_dir))
    assert result.exit_code == 1
    assert "second.md (line 1): a chapter that sets 'layers', 'highlight' or 'year' must set 'view' too" in result.output


def test_an_interlude_is_no_chapter_that_changes_nothing(story_dir):
    write(story_dir / "chapters/en/second.md", "---\ntitle: A pause\n---\nText.\n")
    write(story_dir / "story.yml", (story_dir / "story.yml").read_text().replace("[first, second]",
                                                                                  "[first, second, third]"))
    write(story_dir / "chapters/en/third.md", "---\ntitle: Another pause\n---\nText.\n")
    write(story_dir / "chapters/de/third.md", "---\ntitle: Noch eine Pause\n---\nText.\n")
    (story_dir / "layers/river.yml").write_text("title: River\ndata: data/river.geojson\nkind: context\n")
    story, warnings = pipeline.read_story(story_dir)
    assert warnings == []
    # a chapter after an interlude that repeats the map before it does change nothing
    write(story_dir / "chapters/en/third.md", (story_dir / "chapters/en/first.md").read_text())
    _, warnings = pipeline.read_story(story_dir)
    assert [(w.file.name, w.message[:39]) for w in warnings] == \
           [("third.md", "this chapter changes nothing on the map")]


# ---- opacity -----------------------------------------------------------------------------


def test_a_chapter_shows_a_layer_at_its_opacity(layout_site, browser):
    url, story = layout_site
    page, traffic = open_layout(browser, url)
    go(page, "second")
    opacity = """(id) => [...document.querySelectorAll('.leaflet-sm-pane-' + id + '-pane, .leaflet-sm-pane-' + id
                          + '-points-pane')].map(node => getComputedStyle(node).opacity)"""
    wait_until(page, "getComputedStyle(document.querySelector('.leaflet-sm-pane-sites-points-pane')).opacity === '0.4'")
    assert page.evaluate(opacity, "sites") == ["0.4", "0.4"]
    assert page.evaluate(opacity, "river") == ["1", "1"]
    legend = page.evaluate("() => [...document.querySelectorAll('[data-sm-legend]')].filter(li => !li.hidden)"
                           ".map(li => li.dataset.smLegend)")
    assert "sites" in legend
    go(page, "first")  # a chapter that shows it fully brings it back
    wait_until(page, "getComputedStyle(document.querySelector('.leaflet-sm-pane-sites-points-pane')).opacity === '1'")
    # the author's fill_opacity of 0.9 is drawn as set
    go(page, "second")
    fills = page.evaluate("() => [...document.querySelectorAll('.leaflet-sm-pane-parks-pane path')]"
                          ".map(p => p.getAttribute('fill-opacity'))")
    assert fills == ["0.9"]
    assert traffic.errors == []


def test_the_print_figure_shows_the_layer_at_its_opacity(layout_site):
    url, _ = layout_site
    html = Path(url.removeprefix("file://")).read_text("utf-8")
    figure = html.split('data-sm-figure="second"', 1)[1].split("</svg>", 1)[0]
    # each run of a layer's shapes is a group that sets their paint, the fade included
    groups = re.findall(r'<g ([^>]*)data-sm-layer="(\w+)">', figure)
    assert {layer for _, layer in groups} >= {"sites", "river"}
    assert all(' opacity="0.4"' in " " + paint for paint, layer in groups if layer == "sites")
    assert all(' opacity=' not in " " + paint for paint, layer in groups if layer == "river")
    data = page_data(html)
    assert [c["opacity"] for c in data["chapters"]] == [{}, {}, {}, {"sites": 0.4}, {"sites": 0.4}, {}]


@pytest.mark.parametrize("entry, message, place", [
    ("{id: sites, opacity: 1.5}", "1.5 is out of range: use a number from 0 to 1", "line 4, key layers.0.opacity"),
    ("{id: nope, opacity: 0.5}", "unknown layer 'nope'", "line 4, key layers.0.id"),
    ("{id: sites, opacity: 0.5, fade: 1}", "unknown key 'fade'", "line 4, key layers.0.fade"),
    ("sites, {id: sites, opacity: 0.5}", "layer 'sites' is listed more than once", "line 4, key layers.1.id"),
])
def test_a_faded_layer_is_checked(story_dir, entry, message, place):
    chapter = story_dir / "chapters/en/first.md"
    chapter.write_text(chapter.read_text().replace("layers: [sites]", f"layers: [{entry}]"))
    result = run("check", str(story_dir))
    assert result.exit_code == 1
    assert f"first.md ({place}): {message}" in result.output, result.output
