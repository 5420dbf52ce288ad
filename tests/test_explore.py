"""Explore mode as a planner uses it: toggle, inspect, filter, search, read, share, download."""

from __future__ import annotations

import csv
import io
import json

import pytest

from browser import wait_until, watch
from conftest import ARTIFACTS






@pytest.fixture
def explore(built, browser):
    """A page in explore mode, entered from the first chapter that shows the map as in a past year."""
    url, story = built
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    traffic = watch(page)
    page.goto(f"{url}#{dated(story).id}")
    wait_until(page, "window.storymap && storymap.active")
    # Not page.click: Playwright may scroll the page to "reveal" the sticky button, and the story then
    # rightly follows the scroll to another chapter before explore opens.
    page.locator(".sm-explore-button").dispatch_event("click")
    wait_until(page, "storymap.explore.active")
    yield page, story
    assert traffic.other == [] and traffic.errors == []
    context.close()


def dated(story):
    """The first chapter that shows its layers as they were in a given year."""
    return next(chapter for chapter in story.chapters if chapter.year is not None)


def visible(page):
    return page.evaluate("() => storymap.visibleLayers()")


def test_explore_starts_from_the_chapter_and_returns_to_it(explore):
    page, story = explore
    chapter = dated(story)
    assert visible(page) == story.visible_layers(chapter)
    assert page.locator("#sm-explore").is_visible() and not page.locator("#sm-story").is_visible()
    page.click("[data-sm-action=story]")
    wait_until(page, f"storymap.active === '{chapter.id}' && !storymap.explore.active")
    assert visible(page) == story.visible_layers(chapter)
    assert page.locator(f"section#{chapter.id}").is_visible()
    assert page.evaluate("() => location.hash") == f"#{chapter.id}"


def test_every_layer_toggles(explore):
    page, story = explore
    for layer in story.layers:
        box = page.locator(f"[data-sm-toggle={layer.id}]")
        before = layer.id in visible(page)
        box.click()
        page.wait_for_timeout(450)  # the fade
        assert (layer.id in visible(page)) is not before, layer.id
        box.click()
        page.wait_for_timeout(450)
        assert (layer.id in visible(page)) is before, layer.id
    page.uncheck("[data-sm-toggle-basemap]")
    assert page.evaluate("() => storymap.map.hasLayer(storymap.basemap)") is False


def test_a_link_with_the_basemap_off_keeps_it_off(built, browser):
    """The basemap joins the map after the first view's layers (engine/start.js), later than a link
    to explore is opened: it is turned off when it comes."""
    url, _ = built
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    traffic = watch(page)
    page.goto(f"{url}#explore&basemap=0")
    wait_until(page, "window.storymap && storymap.explore.active && storymap.basemap !== null")
    assert page.evaluate("() => storymap.map.hasLayer(storymap.basemap)") is False
    assert page.locator("[data-sm-toggle-basemap]").is_checked() is False
    assert "basemap=0" in page.evaluate("() => location.hash")
    assert traffic.other == [] and traffic.errors == []
    page.close()


@pytest.mark.parametrize("link, basemap", [("#explore", True), ("#explore&basemap=0", False)])
def test_a_link_to_explore_is_rewritten_as_the_view_it_shows(built, browser, link, basemap):
    """The address explore writes is the link a planner shares: opened from a link at load, it must
    name the layers and the basemap as they end up on the map (the first view's layers and the
    basemap arrive after explore has been entered)."""
    url, story = built
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    traffic = watch(page)
    page.goto(url + link)
    wait_until(page, "window.storymap && storymap.explore.active && storymap.basemap !== null")
    page.wait_for_timeout(300)
    shown = page.evaluate("() => storymap.visibleLayers()")
    params = dict(part.split("=", 1) for part in page.evaluate("() => location.hash").split("&")[1:])
    assert shown and params["layers"].split(",") == shown
    assert ("basemap" not in params) is basemap and page.evaluate("() => storymap.map.hasLayer(storymap.basemap)") is basemap
    assert traffic.other == [] and traffic.errors == []
    page.close()


def test_a_popup_shows_the_computed_area_and_the_source(explore):
    page, story = explore
    mark = next(f for f in story.layer("innovation").data["features"] if f["id"] == "mark-51-7")
    page.evaluate("() => storymap.explore.focus('mark-51-7')")
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    text = popup.inner_text()
    assert f"{mark['properties']['area_ha']} ha" in text and "Area" in text
    assert "Source" in text and "schematic" in text
    mine = page.evaluate("""() => { storymap.explore.focus('hannover');
        const a = storymap.feature('hannover').getPopup().getElement().querySelector('a');
        return [a.href, a.textContent]; }""")
    assert mine[0] == "https://de.wikipedia.org/wiki/Zeche_Hannover" and "Wikipedia" in mine[1]
    emscher = page.evaluate("""() => { storymap.explore.focus('hofsteder-bach');
        return storymap.feature('hofsteder-bach').getPopup().getElement().innerText; }""")
    length = next(f for f in story.layer("emscher").data["features"] if f["id"] == "hofsteder-bach")["properties"]["length_km"]
    assert f"{length} km" in emscher


def test_popups_and_tables_say_how_exact_each_place_is(explore):
    page, story = explore
    text = page.evaluate("""() => { storymap.explore.focus('mpi-sp');
        return storymap.feature('mpi-sp').getPopup().getElement().innerText; }""")
    assert "Accuracy" in text and "estimated \u2014 placed from a description; may be off by hundreds of metres" in text
    page.locator("[data-sm-table-layer=innovation] summary").click()
    assert page.locator("tr[data-sm-feature=mpi-sp] td").last.inner_text() == "estimated"
    page.click("button[data-sm-set-lang=de]")
    text = page.evaluate("""() => { storymap.explore.focus('hannover');
        return storymap.feature('hannover').getPopup().getElement().innerText; }""")
    assert "Genauigkeit" in text and "ungefähr" in text
    assert page.locator("tr[data-sm-feature=mpi-sp] td").last.inner_text() == "geschätzt"


def test_the_end_of_the_story_explains_every_accuracy_level_it_uses(built, browser):
    url, story = built
    page = browser.new_page()
    page.goto(url)
    assert set(story.accuracy_levels) == {"approximate", "estimated", "schematic"}
    terms = page.locator(".sm-footer [data-sm-lang=en] .sm-provenance dt").all_inner_texts()
    assert terms == ["approximate", "estimated", "schematic"]
    assert "hundreds of metres" in page.locator(".sm-footer [data-sm-lang=en] .sm-provenance").inner_text()
    page.close()


def test_the_year_slider_keeps_what_existed(explore):
    page, story = explore
    page.check("[data-sm-toggle=mines]")
    page.check("[data-sm-toggle=innovation]")
    page.check("#sm-year-on")
    for year in (1900, 1965, 1980, 2020):
        page.fill("#sm-year", str(year))
        page.dispatch_event("#sm-year", "input")
        for layer_id in ("mines", "innovation"):
            expected = story.layer(layer_id).features_in(year)
            assert page.evaluate(f"() => storymap.visibleFeatures('{layer_id}')") == expected, (layer_id, year)
        rows = page.locator("[data-sm-table=mines] tbody tr:not([hidden])")
        assert rows.count() == len(story.layer("mines").features_in(year))
    assert story.layer("mines").features_in(1980) == [], "no mine worked in 1980"
    page.uncheck("#sm-year-on")
    assert len(page.evaluate("() => storymap.visibleFeatures('mines')")) == len(story.layer("mines").data["features"])


def test_a_timeline_bar_sets_the_year(explore):
    page, _ = explore
    chart = page.locator("[data-sm-chart=mines]")
    box = chart.bounding_box()
    bars = int(chart.get_attribute("data-sm-bars"))  # one per year from 1850
    chart.click(position={"x": box["width"] * (1960 - 1850 + 0.5) / bars, "y": box["height"] / 2})
    assert page.evaluate("() => storymap.year") == 1960
    assert page.input_value("#sm-year") == "1960" and page.is_checked("#sm-year-on")
    assert "year=1960" in page.url
    cursor = page.locator("[data-sm-chart=mines] .sm-chart-cursor")
    assert cursor.get_attribute("visibility") == "visible"  # (a vertical line has no width for is_visible)
    x = float(cursor.get_attribute("x1"))
    assert x == pytest.approx((1960 - 1850 + 0.5) * 300 / bars, abs=0.01)  # on the 1960 bar


@pytest.mark.parametrize("query, feature_id", [("jahrhundert", "jahrhunderthalle"), ("frohliche", "froehliche-morgensonne")])
def test_search_jumps_to_a_place_and_opens_it(explore, query, feature_id):
    page, story = explore
    page.fill("#sm-search", query)
    page.press("#sm-search", "Enter")
    feature = next(f for layer in story.layers for f in layer.data["features"] if f["id"] == feature_id)
    lng, lat = feature["geometry"]["coordinates"]
    centre = page.evaluate("() => storymap.map.getCenter()")
    assert centre["lat"] == pytest.approx(lat, abs=1e-4) and centre["lng"] == pytest.approx(lng, abs=1e-4)
    heading = page.evaluate(f"() => storymap.feature('{feature_id}').getPopup().getElement().querySelector('h3').textContent")
    assert heading == feature["properties"]["name"]


def test_search_says_when_nothing_matches(explore):
    page, _ = explore
    page.fill("#sm-search", "Atlantis")
    assert page.locator("#sm-search-status").inner_text() == "No place of that name."


def test_tables_sort_and_mirror_the_map(explore):
    page, story = explore
    page.check("[data-sm-toggle=mines]")
    page.click("[data-sm-table-layer=mines] summary")
    page.click("[data-sm-table=mines] [data-sm-sort='2']")  # "Closed"
    closed = page.locator("[data-sm-table=mines] tbody tr td:nth-of-type(2)").all_inner_texts()
    assert closed == sorted(closed, key=int)
    assert page.get_attribute("[data-sm-table=mines] th:nth-of-type(3)", "aria-sort") == "ascending"
    page.keyboard.press("Enter")  # the focused sort button again: descending
    assert page.get_attribute("[data-sm-table=mines] th:nth-of-type(3)", "aria-sort") == "descending"
    page.uncheck("[data-sm-toggle=mines]")
    assert page.locator("[data-sm-table=mines] tbody tr:not([hidden])").count() == 0
    page.check("[data-sm-toggle=mines]")
    on_map = page.evaluate("() => storymap.visibleFeatures('mines')")
    year = dated(story).year
    assert on_map == story.layer("mines").features_in(year)  # the chapter's year came along into explore mode
    assert len(on_map) < len(story.layer("mines").feature_ids)
    assert page.locator("[data-sm-table=mines] tbody tr:not([hidden])").count() == len(on_map)
    page.locator("[data-sm-table=mines] [data-sm-show=hannover]").click()
    heading = page.evaluate("() => storymap.feature('hannover').getPopup().getElement().querySelector('h3').textContent")
    assert heading == "Zeche Hannover"


def test_a_shared_url_restores_the_same_state(explore, browser):
    page, _ = explore
    page.uncheck("[data-sm-toggle=districts]")
    page.check("[data-sm-toggle=emscher]")
    page.check("#sm-year-on")
    page.fill("#sm-year", "1961")
    page.dispatch_event("#sm-year", "input")
    page.evaluate("() => storymap.map.setView([51.47, 7.25], 13.5, {animate: false})")
    page.wait_for_timeout(100)
    shared = page.input_value("#sm-share-url")
    assert shared == page.url and "#explore&" in shared
    state = page.evaluate("() => storymap.explore.state()")
    other = browser.new_page(viewport={"width": 1280, "height": 900})
    watch(other)
    other.goto(shared)
    wait_until(other, "window.storymap && storymap.explore && storymap.explore.active")
    restored = other.evaluate("() => storymap.explore.state()")
    assert restored["layers"] == state["layers"] and restored["year"] == 1961
    assert restored["zoom"] == state["zoom"]
    assert restored["lat"] == pytest.approx(state["lat"], abs=1e-4)
    assert restored["lng"] == pytest.approx(state["lng"], abs=1e-4)
    assert other.is_checked("[data-sm-toggle=emscher]") and not other.is_checked("[data-sm-toggle=districts]")
    other.close()


def test_layers_download_as_geojson_and_csv(explore, tmp_path):
    page, story = explore
    with page.expect_download() as info:
        page.click("[data-sm-download=mines][data-sm-format=geojson]")
    path = tmp_path / "mines.geojson"
    info.value.save_as(path)
    assert info.value.suggested_filename == "mines.geojson"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection"
    assert len(data["features"]) == len(story.layer("mines").data["features"])
    assert data["licence"] == story.layer("mines").licence and data["attribution"]
    with page.expect_download() as info:
        page.click("[data-sm-download=mines][data-sm-format=csv]")
    info.value.save_as(tmp_path / "mines.csv")
    rows = list(csv.DictReader(io.StringIO((tmp_path / "mines.csv").read_text(encoding="utf-8"))))
    assert len(rows) == len(story.layer("mines").data["features"])
    assert rows[0]["id"] == "hannover" and float(rows[0]["latitude"]) == pytest.approx(51.504639)
    assert rows[0]["licence"] == story.layer("mines").licence
    assert page.locator("[data-sm-download=emscher][data-sm-format=csv]").count() == 0  # lines: GeoJSON only


def test_explore_screenshot(explore):
    page, _ = explore
    page.check("[data-sm-toggle=mines]")
    page.check("#sm-year-on")
    page.fill("#sm-year", "1955")
    page.dispatch_event("#sm-year", "input")
    page.evaluate("() => storymap.explore.focus('westpark')")
    page.wait_for_timeout(400)  # the popup fades in
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "explore.png"))


@pytest.mark.parametrize("lang", ["en", "de"])
def test_the_tables_show_every_feature_as_the_data_says(explore, lang):
    """The rows are written from the page's data (not shipped as HTML): one per feature, with
    its name, each popup field and its accuracy in the reader's language."""
    from storymap.model import property_text
    from storymap.load import UI_TEXT

    page, story = explore
    if page.evaluate("() => storymap.language") != lang:  # rows written in one language, then switched
        page.click(f"button[data-sm-set-lang={lang}]")
    for layer in story.layers:
        if layer.kind != "story":
            continue
        page.locator(f"[data-sm-table-layer={layer.id}] summary").click()
        # the text a reader sees: every node but those the language switch hid
        rows = page.evaluate(f"""() => {{
            const seen = node => node.nodeType === 3 ? node.data : node.hidden ? "" : [...node.childNodes].map(seen).join("");
            return [...document.querySelectorAll('[data-sm-table={layer.id}] tbody tr')]
              .map(row => [row.dataset.smFeature, ...[...row.cells].map(cell => seen(cell).trim())]); }}""")
        levels = UI_TEXT[lang]["accuracy_levels"]
        expected = []
        for f in layer.data["features"]:
            props = f["properties"]
            cells = [str(property_text(props, "name", lang) or f["id"])]
            cells += [str(property_text(props, field["key"], lang) if property_text(props, field["key"], lang) is not None else "")
                      for field in layer.popup]
            if layer.accuracies:
                level = props.get("accuracy")
                cells.append(levels[level]["label"] if level in levels else level or "")
            expected.append([f["id"], *[c.strip() for c in cells]])
        assert rows == expected, layer.id


def test_the_page_ships_no_table_rows(built):
    """The feature tables' text is in the page's data once; rows are written when they are needed."""
    from pathlib import Path
    from urllib.parse import urlparse

    url, story = built
    html = Path(urlparse(url).path).read_text(encoding="utf-8")
    assert html.count("<tbody></tbody>") == sum(layer.kind == "story" for layer in story.layers)
    assert "data-sm-show=" not in html
