"""Issue 15, points 2 and 4: the page starts in its story layout (no jump when the engine starts),
builds what a reader cannot see yet only when it is needed, and still answers at once when the
reader or the API asks for it early. No timings here: those are measured in bench/."""

from __future__ import annotations

import re

import pytest

from browser import served_in_two_parts, wait_until, watch
from conftest import open_page

PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1280, "height": 800}

# Every layout shift the page makes while it loads, recorded from its first frame on, with what
# moved; and how many frames have been painted since the legend arrived.
SHIFTS = """
window.__shifts = [];
new PerformanceObserver(list => list.getEntries().forEach(e => window.__shifts.push({value: e.value,
  moved: e.sources.map(s => s.node ? s.node.id || s.node.className || s.node.nodeName : '?')})))
  .observe({type: 'layout-shift', buffered: true});
window.__legendFrames = 0;
(function frame() {
  if (document.getElementById('sm-legend')) window.__legendFrames += 1;
  if (window.__legendFrames < 2) requestAnimationFrame(frame);
})();
"""

# A browser that never finds an idle moment: what the page leaves for one is never built unasked.
NEVER_IDLE = "window.requestIdleCallback = function () { return 0; };"

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


def _opened_with(browser, url: str, script: str, viewport: dict = WIDE):
    """`url` in a new context that runs `script` before any of the page's own: (context, page, Traffic)."""
    context = browser.new_context(viewport=viewport)
    context.add_init_script(script)
    page = context.new_page()
    traffic = watch(page)
    page.goto(url)
    return context, page, traffic


def test_the_page_does_not_shift_while_it_arrives(site, browser):
    """Over a slow network the browser paints the page before all of it has arrived. Here it arrives
    in two parts, cut inside the legend's list, and the first part is painted before the second is
    sent: the legend, anchored at the map's bottom, must not be seen growing upwards (it shows,
    whole, with the first view), and nothing else may move until the first view is drawn.
    A page read from disk at once rarely paints a part of its legend, so that case did not catch
    the legend's shift."""
    out, _ = site
    html = (out / "index.html").read_bytes()
    legend_item = b"<li data-sm-legend="
    second_item = html.index(legend_item, html.index(legend_item) + 1)
    for viewport in (WIDE, PHONE):
        with served_in_two_parts(html, second_item) as (url, rest):
            context = browser.new_context(viewport=viewport)
            context.add_init_script(SHIFTS)
            page = context.new_page()
            traffic = watch(page)
            page.route(url, lambda route: route.continue_())
            page.goto(url, wait_until="commit")
            wait_until(page, "window.__legendFrames >= 2")  # the first part, with a piece of the legend, painted
            rest()
            wait_until(page, "window.storymap && storymap.map && storymap.visibleLayers().length === storymap.data.layers.length")
            page.wait_for_timeout(300)
            assert page.evaluate("() => window.__shifts") == [], viewport
            assert traffic.other == [url] and traffic.errors == []
            context.close()


def test_the_first_view_is_drawn_before_the_rest_of_the_page_arrives(site, browser):
    """Over a slow network the map and the first view's layers appear with the first screen's text
    (the header, the intro, the first chapter), not once the whole page has arrived: the page is
    served in two parts, cut before the second chapter. The engine answers the API
    (storymap:ready) once the rest has arrived, and the chapters then work."""
    out, story = site
    html = (out / "index.html").read_bytes()
    chapter = b'<section class="sm-chapter"'
    second_chapter = html.index(chapter, html.index(chapter) + 1)
    every = [layer.id for layer in story.layers]
    with served_in_two_parts(html, second_chapter) as (url, rest):
        context = browser.new_context(viewport=WIDE)
        page = context.new_page()
        traffic = watch(page)
        page.route(url, lambda route: route.continue_())
        page.goto(url, wait_until="commit")
        wait_until(page, "document.documentElement.classList.contains('sm-first-view')")
        drawn = page.evaluate("""() => ({visible: storymap.visibleLayers(), map: storymap.map,
          shapes: document.querySelectorAll('.sm-map .leaflet-map-pane path, .sm-map .leaflet-map-pane canvas').length,
          chapters: document.querySelectorAll('.sm-chapter').length})""")
        assert drawn["chapters"] == 1, "the test should see the page before the rest arrived"
        assert drawn["visible"] == every and drawn["shapes"] > 0
        assert drawn["map"] is None, "storymap.map stays null until storymap:ready"
        assert page.locator("#sm-legend").is_visible() and page.locator(".sm-intro h1").first.is_visible()
        rest()
        wait_until(page, "window.storymap.map !== null")
        page.evaluate("(id) => storymap.goTo(id, {instant: true})", story.chapters[-1].id)
        assert page.evaluate("() => storymap.active") == story.chapters[-1].id
        assert traffic.other == [url] and traffic.errors == []
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


def _busy(browser, url: str):
    """`url` opened in a browser with no idle moment, once the engine has its map: (context, page, Traffic)."""
    context, page, traffic = _opened_with(browser, url, NEVER_IDLE)
    wait_until(page, "!!(window.storymap && window.storymap.map)")
    return context, page, traffic


def _smallest_chapter(story):
    """The chapter that shows the fewest layers, and the story layers it does not show."""
    chapter = min((c for c in story.chapters if not c.keeps_map), key=lambda c: len(story.visible_layers(c)))
    return chapter, [l for l in story.layers if l.kind == "story" and l.id not in story.visible_layers(chapter)]


def test_the_first_view_shows_every_layer(built, browser):
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
    first = _smallest_chapter(story)[0]
    last = next(c for c in reversed(story.chapters)
                if c.highlight and not c.keeps_map and set(story.visible_layers(c)) - set(story.visible_layers(first)))
    # Opened at a chapter with few layers, in a browser with no idle moment: the last chapter's
    # other layers have not been built when it is asked for.
    context, page, traffic = _busy(browser, f"{url}#{first.id}")
    assert page.evaluate("() => storymap.visibleLayers()") == story.visible_layers(first)
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
    context.close()


def test_every_layer_and_feature_is_there_for_the_api_before_the_page_needs_it(built, browser):
    url, story = built
    chapter, hidden = _smallest_chapter(story)
    assert len(hidden) >= 3, "the test needs three layers the chapter does not show"
    context, page, traffic = _busy(browser, f"{url}#{chapter.id}")
    assert page.evaluate("() => storymap.active") == chapter.id
    assert page.evaluate("() => storymap.visibleLayers()") == story.visible_layers(chapter)
    # each asked for first from a layer not built yet
    feature = hidden[0].data["features"][0]["id"]
    assert page.evaluate("(id) => storymap.feature(id).feature.id", feature) == feature
    page.evaluate("(id) => storymap.highlight([id])", hidden[1].data["features"][0]["id"])
    assert page.evaluate("(id) => storymap.visibleFeatures(id).length", hidden[2].id) == len(hidden[2].data["features"])
    assert page.evaluate("() => Object.keys(storymap.layers)") == [layer.id for layer in story.layers]
    assert page.evaluate("() => Object.isFrozen(storymap.layers)")
    assert traffic.other == [] and traffic.errors == []
    context.close()


def test_explore_opened_at_once_finds_and_shows_places(built, browser):
    url, story = built
    chapter, hidden = _smallest_chapter(story)
    feature = hidden[0].data["features"][0]
    name = feature["properties"]["name"]
    context, page, traffic = _busy(browser, f"{url}#{chapter.id}")
    found = page.evaluate("""([name, id]) => { storymap.explore.enter();
      const hits = storymap.explore.search(name).map(hit => hit.id);
      storymap.explore.focus(id);
      return {hits, mode: storymap.mode, onMap: storymap.map.hasLayer(storymap.feature(id))}; }""", [name, feature["id"]])
    assert feature["id"] in found["hits"]
    assert found["mode"] == "explore" and found["onMap"]
    assert page.locator("#sm-explore").is_visible()
    assert traffic.other == [] and traffic.errors == []
    context.close()


def test_print_right_after_opening_has_every_chapter_figure(built, browser):
    url, story = built
    page, traffic = open_page(browser, url)
    page.emulate_media(media="print")
    figures = page.locator(".sm-print-map")
    assert figures.count() == len(story.chapters)
    assert all(figures.nth(i).is_visible() for i in range(figures.count()))
    assert traffic.other == [] and traffic.errors == []
    page.close()


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800}, {"width": 390, "height": 844}],
                         ids=lambda v: f"{v['width']}x{v['height']}")
def test_labels_sit_beside_their_places(built, browser, viewport):
    """Labels are placed by their CSS, not by measuring themselves: each is centred on its place
    across the side it takes (vertically beside it, horizontally above or below it), and on the side
    its arrow points from. (A phone's small map puts some labels above or below their places.)"""
    url, story = built
    page, traffic = open_page(browser, url, viewport=viewport)
    checked, sides = 0, set()
    for chapter in (c for c in story.chapters if c.highlight and not c.keeps_map):
        page.evaluate("(id) => storymap.goTo(id, {instant: true})", chapter.id)
        page.wait_for_timeout(50)
        boxes = page.evaluate("""(ids) => ids.map(id => storymap.feature(id)).filter(f => f.isTooltipOpen())
          .map(f => { const map = storymap.map, tip = f.getTooltip();
            const at = map.latLngToContainerPoint(tip.getLatLng()), box = map.getContainer().getBoundingClientRect();
            const r = tip.getElement().getBoundingClientRect();
            return {x: at.x, y: at.y, left: r.left - box.left, right: r.right - box.left,
                    top: r.top - box.top, bottom: r.bottom - box.top,
                    side: tip.getElement().className.match(/leaflet-tooltip-(right|left|top|bottom)/)[1]}; })""",
                              list(chapter.highlight))
        for b in boxes:
            across = b["side"] in ("right", "left")
            middle = (b["top"] + b["bottom"]) / 2 if across else (b["left"] + b["right"]) / 2
            assert abs(middle - (b["y"] if across else b["x"])) <= 2, (chapter.id, b)
            assert {"right": b["left"] >= b["x"], "left": b["right"] <= b["x"],
                    "bottom": b["top"] >= b["y"], "top": b["bottom"] <= b["y"]}[b["side"]], (chapter.id, b)
            checked += 1
            sides.add(b["side"])
    assert checked > 0 and {"right", "left"} <= sides, sides
    assert viewport["width"] > 400 or sides & {"top", "bottom"}, sides
    assert traffic.errors == []
    page.close()


# What a reader sees painted, and what the page's first listener finds, recorded from the first frame.
FIRST_SIGHT = """
window.__sight = {text: [], ready: null};
new PerformanceObserver(list => list.getEntries().forEach(e => {
  if (e.element && e.element.closest('#sm-story')) window.__sight.text.push(e.startTime);
})).observe({type: 'largest-contentful-paint', buffered: true});
document.addEventListener('storymap:ready', () => {
  const api = window.storymap, data = api.data;
  const last = data.chapters[data.chapters.length - 1];
  const feature = data.layers[data.layers.length - 1].data.features[0].id;
  api.goTo(last.id, {instant: true});
  window.__sight.ready = {at: performance.getEntriesByName('storymap:ready')[0].startTime,
    map: api.map !== null, layers: Object.keys(api.layers), chapters: api.chapters.length,
    feature: api.feature(feature).feature.id === feature, active: api.active === last.id,
    visible: api.visibleLayers().join() === last.layers.join()};
});
"""


def test_the_story_text_is_painted_before_the_engine_and_the_api_is_whole_when_it_is_ready(built, browser):
    """The reader sees the story's text before the map engine has begun; the engine begins after the
    page's last script, and the first listener of `storymap:ready` finds the whole API at once."""
    url, story = built
    context, page, traffic = _opened_with(browser, url, FIRST_SIGHT, PHONE)
    # (a paint is reported to the observer once the frame is presented, which may come after ready)
    wait_until(page, "window.__sight.ready !== null && window.__sight.text.length > 0")
    sight = page.evaluate("() => window.__sight")
    assert sight["text"] and min(sight["text"]) < sight["ready"]["at"], ("the text waited for the engine", sight)
    ready = sight["ready"]
    assert ready["map"] and ready["feature"] and ready["active"] and ready["visible"]
    assert ready["layers"] == [layer.id for layer in story.layers]
    assert ready["chapters"] == len(story.chapters)
    assert traffic.other == [] and traffic.errors == []
    context.close()


# A page opened in a background tab: hidden, and the browser paints no frame for it.
BACKGROUND_TAB = """
Object.defineProperty(document, 'hidden', {get: () => true});
window.requestAnimationFrame = function () { return 0; };
"""


def test_a_page_opened_in_a_background_tab_starts_without_a_painted_frame(built, browser):
    url, story = built
    context, page, traffic = _opened_with(browser, url, BACKGROUND_TAB)
    wait_until(page, f"window.storymap && storymap.map && storymap.visibleLayers().length === {len(story.layers)}")
    assert traffic.errors == []
    context.close()


# When the basemap's first tile joins the map: how many of the story's layers were on it by then.
FIRST_TILE = """
window.__atFirstTile = null;
new MutationObserver(function (changes, observer) {
  if (!document.querySelector('.leaflet-tile')) return;
  // (the first view, and so the basemap, may come before storymap:ready, when storymap.map is set)
  window.__atFirstTile = window.storymap && storymap.data ? storymap.visibleLayers().length : 0;
  observer.disconnect();
}).observe(document, {childList: true, subtree: true});
"""


def test_the_first_views_layers_are_on_the_map_before_the_basemaps_tiles(built, browser):
    """The story's layers are what the first view shows: the basemap (its tiles, and handling them)
    waits until they are drawn."""
    url, story = built
    context, page, traffic = _opened_with(browser, url, FIRST_TILE)
    wait_until(page, "window.__atFirstTile !== null")
    assert page.evaluate("() => window.__atFirstTile") == len(story.layers)
    wait_until(page, "storymap.offline")  # the tiles were asked for (and blocked): the notice says so
    assert traffic.tiles and traffic.errors == []
    context.close()


# A reader (or the page's own script) choosing a chapter as soon as the engine is ready, before
# the overview's layers have all been drawn.
EARLY_CHOICE = """
document.addEventListener('storymap:ready', () => {
  const chapters = storymap.data.chapters;
  storymap.goTo(chapters[chapters.length - 1].id, {instant: true});
});
"""


def test_a_chapter_chosen_before_the_first_view_is_drawn_has_the_legend_and_the_basemap(built, browser):
    url, story = built
    context, page, traffic = _opened_with(browser, url, EARLY_CHOICE)
    wait_until(page, f"window.storymap && storymap.active === '{story.chapters[-1].id}'")
    page.wait_for_selector("#sm-legend", state="visible", timeout=3000)
    wait_until(page, "storymap.offline")  # the basemap was added: its tiles were asked for (and blocked)
    assert traffic.tiles and traffic.errors == []
    context.close()
