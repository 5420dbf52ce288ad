"""Issue 15, points 2 and 4: the page starts in its story layout (no jump when the engine starts),
builds what a reader cannot see yet only when it is needed, and still answers at once when the
reader or the API asks for it early. No timings here: those are measured in bench/."""

from __future__ import annotations

import re

from browser import wait_until, watch
from conftest import open_page

PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1280, "height": 800}

# Every layout shift the page makes while it loads, recorded from its first frame on.
SHIFTS = """
window.__shifts = [];
new PerformanceObserver(list => list.getEntries().forEach(e => window.__shifts.push(e.value)))
  .observe({type: 'layout-shift', buffered: true});
"""

TEXT_COLUMN = """() => { const r = document.getElementById('sm-story').getBoundingClientRect();
  return [Math.round(r.left), Math.round(r.top), Math.round(r.width)]; }"""


def _before_the_engine(html: str) -> str:
    """The page as it is before the engine runs: every script of the body left out (the head's stays)."""
    head, body = html.split("</head>", 1)
    return head + "</head>" + re.sub(r"<script>.*?</script>", "", body, flags=re.S)


def test_the_first_paint_has_the_story_layout(site, browser, tmp_path):
    out, _ = site
    frozen = tmp_path / "index.html"
    frozen.write_text(_before_the_engine((out / "index.html").read_text("utf-8")), encoding="utf-8")
    for viewport in (WIDE, PHONE):
        before = browser.new_page(viewport=viewport)
        watch(before)
        before.goto(frozen.as_uri())
        assert before.evaluate("() => document.documentElement.className") == "js"
        assert before.evaluate("() => getComputedStyle(document.querySelector('.sm-map-panel')).display") != "none"
        column_before = before.evaluate(TEXT_COLUMN)
        before.close()
        page, traffic = open_page(browser, (out / "index.html").as_uri(), viewport=viewport)
        assert page.evaluate(TEXT_COLUMN) == column_before, "the text column moved when the engine started"
        assert traffic.errors == []
        page.close()


def test_the_page_does_not_shift_while_it_loads(built, browser):
    url, _ = built
    for viewport in (WIDE, PHONE):
        context = browser.new_context(viewport=viewport)
        context.add_init_script(SHIFTS)
        page = context.new_page()
        traffic = watch(page)
        page.goto(url)
        wait_until(page, "window.storymap && storymap.map && storymap.visibleLayers().length === storymap.data.layers.length")
        page.wait_for_timeout(300)
        assert [v for v in page.evaluate("() => window.__shifts") if v > 0.01] == []
        assert traffic.errors == []
        context.close()


def test_without_javascript_the_readable_page_stays(built, browser):
    url, _ = built
    context = browser.new_context(java_script_enabled=False, viewport=WIDE)
    page = context.new_page()
    watch(page)
    page.goto(url)
    assert "no-js" in page.get_attribute("html", "class")
    assert page.locator(".sm-map-panel").is_hidden()
    assert page.locator(".sm-print-map").first.is_visible()  # each chapter's map as a figure instead
    context.close()


def test_the_first_view_shows_every_layer_and_the_rest_is_built_when_idle(built, browser):
    url, story = built
    page, traffic = open_page(browser, url)
    every = [layer.id for layer in story.layers]
    wait_until(page, f"storymap.visibleLayers().length === {len(every)}")
    assert page.evaluate("() => storymap.visibleLayers()") == every
    assert page.locator("[data-sm-legend]:not([hidden])").count() == len(every)
    assert traffic.other == [] and traffic.errors == []
    page.close()


def test_a_later_chapter_asked_for_at_once_has_its_layers_and_highlight(built, browser):
    url, story = built
    last = next(c for c in reversed(story.chapters) if c.highlight and not c.keeps_map)
    page, traffic = open_page(browser, url)
    # In the same task as the page's start: nothing built later has had a chance to run.
    shown = page.evaluate("""(id) => { storymap.goTo(id, {instant: true});
      const chapter = storymap.data.chapters.find(c => c.id === id);
      return {active: storymap.active, visible: storymap.visibleLayers(),
              labelled: chapter.highlight.filter(f => storymap.feature(f).getTooltip()
                && storymap.feature(f).isTooltipOpen()).length,
              highlight: chapter.highlight.length, layers: chapter.layers}; }""", last.id)
    assert shown["active"] == last.id
    assert shown["visible"] == shown["layers"]
    assert shown["labelled"] == shown["highlight"] > 0
    assert traffic.other == [] and traffic.errors == []
    page.close()


def test_a_chapter_linked_by_its_address_opens_with_its_map(built, browser):
    url, story = built
    chapter = story.chapters[-1]
    page, traffic = open_page(browser, f"{url}#{chapter.id}")
    wait_until(page, f"storymap.active === {chapter.id!r}")
    assert page.evaluate("() => storymap.visibleLayers()") == page.evaluate(
        "(id) => storymap.data.chapters.find(c => c.id === id).layers", chapter.id)
    # every layer is there for the API, built now if the idle moment has not come yet
    assert page.evaluate("() => Object.keys(storymap.layers).length") == len(story.layers)
    assert traffic.other == [] and traffic.errors == []
    page.close()


def test_explore_opened_at_once_finds_and_shows_places(built, browser):
    url, story = built
    layer = next(l for l in story.layers if l.kind == "story")
    feature = layer.data["features"][0]
    name = feature["properties"]["name"]
    page, traffic = open_page(browser, url)
    found = page.evaluate("""([name, id]) => { storymap.explore.enter();
      const hits = storymap.explore.search(name).map(hit => hit.id);
      storymap.explore.focus(id);
      return {hits, mode: storymap.mode, onMap: storymap.map.hasLayer(storymap.feature(id))}; }""", [name, feature["id"]])
    assert feature["id"] in found["hits"]
    assert found["mode"] == "explore" and found["onMap"]
    assert page.locator("#sm-explore").is_visible()
    assert traffic.other == [] and traffic.errors == []
    page.close()


def test_print_right_after_opening_has_every_chapter_figure(built, browser):
    url, story = built
    page, traffic = open_page(browser, url)
    page.emulate_media(media="print")
    figures = page.locator(".sm-print-map")
    assert figures.count() == len(story.chapters)
    assert all(figures.nth(i).is_visible() for i in range(figures.count()))
    assert traffic.other == [] and traffic.errors == []
    page.close()
