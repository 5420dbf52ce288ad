"""The built Bochum page in headless Chromium, as a visitor uses it: scroll, link, read."""

from __future__ import annotations

import re

import pytest

from browser import wait_until, watch
from conftest import ARTIFACTS, keeps_authors_zoom, open_page


def camera(page):
    return page.evaluate("() => { const c = storymap.map.getCenter(); return [c.lat, c.lng, storymap.map.getZoom()]; }")


def settle(page, timeout_ms=6000):
    """Wait until the camera has stood still for two looks in a row and fades are over."""
    last = None
    for _ in range(timeout_ms // 150):
        now = camera(page)
        if now == last:
            page.wait_for_timeout(450)  # the layer fade is 400 ms
            return
        last = now
        page.wait_for_timeout(150)
    raise AssertionError("the camera did not come to rest")


def expected_layers(story, chapter):
    return story.visible_layers(chapter)


def assert_view(page, chapter):
    view = chapter.view.to_json()
    if "center" in view:
        centre = page.evaluate("() => storymap.map.getCenter()")
        assert centre["lat"] == pytest.approx(view["center"][0], abs=2e-3), chapter.id
        assert centre["lng"] == pytest.approx(view["center"][1], abs=2e-3), chapter.id
        zoom = page.evaluate("() => storymap.map.getZoom()")
        assert keeps_authors_zoom(zoom, view, chapter.highlight), chapter.id
    else:
        fits = page.evaluate(
            """(view) => {
                const b = L.latLngBounds(view.bounds);
                const pad = storymap.padding();
                const room = L.point(pad.topLeft).add(pad.bottomRight);
                const zoom = Math.min(storymap.map.getBoundsZoom(b, false, room), view.max_zoom || 16);
                return {contains: storymap.map.getBounds().pad(0.001).contains(b),
                        zoom: storymap.map.getZoom(), expected: zoom};
            }""",
            view,
        )
        assert fits["contains"], chapter.id
        assert fits["zoom"] == pytest.approx(fits["expected"]), chapter.id


def test_wheel_scrolling_walks_through_every_chapter(built, browser):
    # In the second language (the English titles are held by the other tests): the walk is the
    # slowest test in the suite, and the scroller does not depend on the language.
    url, story = built
    lang = story.languages[1]
    page, traffic = open_page(browser, f"{url}?lang={lang}", reduced_motion="reduce")
    page.mouse.move(250, 500)  # over the narrative column
    assert page.evaluate("() => storymap.chapters") == [{"id": c.id, "title": c.title[lang]} for c in story.chapters]
    for chapter in story.chapters:
        for _ in range(60):
            if page.evaluate("() => storymap.active") == chapter.id:
                break
            page.mouse.wheel(0, 250)
            page.wait_for_timeout(60)
        assert page.evaluate("() => storymap.active") == chapter.id
        settle(page)
        assert page.evaluate("() => storymap.visibleLayers()") == expected_layers(story, chapter)
        assert_view(page, chapter)
        for layer in story.layers:
            if chapter.year is not None and layer.time:
                assert page.evaluate(f"() => storymap.visibleFeatures('{layer.id}')") == layer.features_in(chapter.year)
        assert page.evaluate("() => location.hash") == f"#{chapter.id}"
        assert f"lang={lang}" in page.url or lang == story.language
        active = page.locator(f"section#{chapter.id}")
        assert "is-active" in active.get_attribute("class")
        assert active.locator("h2:visible").inner_text() == chapter.title[lang]
    assert traffic.other == [] and traffic.errors == []
    assert traffic.tiles, "tiles are requested (and blocked in tests)"


def test_a_deep_link_opens_its_chapter(built, browser):
    url, story = built
    chapter = story.chapters[4]
    page, traffic = open_page(browser, f"{url}#{chapter.id}")
    settle(page)
    assert page.evaluate("() => storymap.active") == chapter.id
    assert page.evaluate("() => storymap.visibleLayers()") == expected_layers(story, chapter)
    assert_view(page, chapter)
    assert page.locator(f"section#{chapter.id} h2:visible").is_visible()
    assert traffic.other == [] and traffic.errors == []


def test_entering_a_chapter_flies_the_camera_and_fires_an_event(built, browser):
    url, story = built
    page, _ = open_page(browser, url)
    target = story.chapters[5]
    page.evaluate("() => { window.seen = []; document.addEventListener('storymap:chapter', e => seen.push(e.detail.id)); }")
    settle(page)
    start = camera(page)
    page.evaluate(f"() => storymap.goTo('{target.id}')")
    page.wait_for_timeout(300)
    during = camera(page)
    settle(page)
    end = camera(page)
    assert during != start and during != end, "the camera flies rather than jumps"
    assert_view(page, target)
    assert target.id in page.evaluate("() => seen")


def test_offline_basemap_is_announced_and_layers_still_show(built, browser):
    url, story = built
    page, traffic = open_page(browser, url)
    page.wait_for_selector("[data-sm-offline][lang=en]:not([hidden])", timeout=5000)
    assert "Basemap offline" in page.locator("[data-sm-offline][lang=en]").inner_text()
    assert page.locator(".leaflet-overlay-pane path, .sm-pane path").count() > 10


def test_the_story_reads_in_german(built, browser):
    url, story = built
    page, traffic = open_page(browser, url)
    page.click("button[data-sm-set-lang=de]")
    assert page.evaluate("() => document.documentElement.lang") == "de"
    first = story.chapters[0]
    assert page.locator(f"section#{first.id} h2:visible").inner_text() == first.title["de"]
    assert page.evaluate("() => storymap.chapters[0].title") == first.title["de"]
    assert "lang=de" in page.url
    page2, _ = open_page(browser, page.url)
    assert page2.evaluate("() => document.documentElement.lang") == "de"


def test_the_map_stays_visible_on_a_phone(built, browser):
    url, story = built
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    watch(page)
    page.goto(f"{url}#{story.chapters[2].id}")
    wait_until(page, "window.storymap && storymap.active")
    box = page.locator(".sm-map").bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= 844 and box["height"] > 250
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "phone-chapter-3.png"))


def test_screenshot_of_the_first_chapter(built, browser):
    url, story = built
    page, _ = open_page(browser, f"{url}#{story.chapters[0].id}")
    settle(page)
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "first-chapter.png"
    page.screenshot(path=str(path))
    assert path.stat().st_size > 20_000


def test_the_text_is_complete_without_javascript(built, browser):
    url, story = built
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    watch(page)
    page.goto(url)
    for chapter in story.chapters:
        assert page.locator(f"section#{chapter.id} h2", has_text=re.compile(re.escape(chapter.title["en"]))).is_visible()


def test_dots_keep_their_layer_style_and_sit_above_areas(built, browser):
    url, story = built
    page, _ = open_page(browser, f"{url}#coal-and-steel")
    settle(page)
    mines = story.layer("mines").style
    options = page.evaluate("() => { const o = storymap.feature('hannover').options; return [o.fillOpacity, o.pane]; }")
    assert options == [mines["fill_opacity"], "sm-pane-mines-points"]
    z = page.evaluate("""() => [document.querySelector('.leaflet-sm-pane-mines-points-pane').style.zIndex,
                                document.querySelector('.leaflet-sm-pane-innovation-pane').style.zIndex].map(Number)""")
    assert z[0] > z[1], "every layer's dots are drawn above every layer's areas"
