"""The scroller's rule, tested with jumps as well as wheel steps: whatever moved the page, once it
comes to rest the active chapter is the one whose top has reached the reading line (the one under
it, or the one above a gap), or none above the first — and the header and the map follow.

The expected chapter is computed here from the page's geometry, never asked of the engine."""

from __future__ import annotations

import pytest

from browser import wait_until, watch
from conftest import at_rest, keeps_authors_zoom
from storymap.load import UI_TEXT

WIDE = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}

# Resolves once the page has not moved for three frames: the rule must hold by then.
AT_REST = at_rest("scrollX", "scrollY", "innerWidth", "innerHeight")

# The reading line (docs/js-api.md): the middle of the window, 70% down where the map is stacked
# above the text (the layout's query is the page's, storymap/layout.py).
GEOMETRY = """() => {
    const line = innerHeight * (matchMedia(storymap.data.layout.media.stacked).matches ? 0.7 : 0.5);
    const boxes = [...document.querySelectorAll('section.sm-chapter')].map(section => {
        const box = section.getBoundingClientRect();
        return {id: section.id, top: box.top, bottom: box.bottom};
    });
    const reached = boxes.filter(box => box.top <= line);
    return {reached: reached.length ? reached[reached.length - 1] : null, next: boxes[reached.length] || null,
            height: innerHeight};
}"""


def open_story(browser, url, viewport=WIDE):
    context = browser.new_context(viewport=viewport, reduced_motion="reduce")
    page = context.new_page()
    traffic = watch(page)
    page.goto(url)
    wait_until(page, "window.storymap && storymap.map")
    page.evaluate(AT_REST)
    return page, traffic


def rest(page):
    page.evaluate(AT_REST)


def under_the_line(page):
    """The chapter the reader is at by the page's geometry (the last whose top reached the line, if
    it is still on screen), or None."""
    geometry = page.evaluate(GEOMETRY)
    reached, following = geometry["reached"], geometry["next"]
    if reached is None:
        return None
    if reached["bottom"] > 0:
        return reached["id"]
    # It has scrolled away: the next one if in view (end of a gap), else none (below the last).
    return following["id"] if following and following["top"] < geometry["height"] else None


def scroll_line_to(page, y_in_page):
    """Jump (no smooth scrolling) so that the reading line is at `y_in_page` of the document."""
    page.evaluate("""(y) => {
        const line = innerHeight * (matchMedia('(max-width: 899px)').matches ? 0.7 : 0.5);
        window.scrollTo({top: y - line, behavior: 'instant'});
    }""", y_in_page)
    rest(page)


def box(page, chapter_id):
    """The chapter's top and bottom in document coordinates."""
    return page.evaluate("""(id) => { const b = document.getElementById(id).getBoundingClientRect();
                                      return {top: b.top + scrollY, bottom: b.bottom + scrollY}; }""", chapter_id)


def assert_shows(page, story, chapter_id):
    """The engine, the header and the map agree on `chapter_id` (None: the overview above the first)."""
    assert page.evaluate("() => storymap.active") == chapter_id
    total = len(story.chapters)
    n = 0 if chapter_id is None else [c.id for c in story.chapters].index(chapter_id) + 1
    text = UI_TEXT["en"]["progress"].replace("{n}", str(n)).replace("{total}", str(total)) if n else ""
    assert page.locator("#sm-progress-text").text_content() == text
    width = page.evaluate("() => parseFloat(document.getElementById('sm-progress-bar').style.width)")
    assert width == pytest.approx(100 * n / total)
    assert page.evaluate("() => location.hash") == ("" if chapter_id is None else f"#{chapter_id}")
    active = [s for s in page.evaluate("() => [...document.querySelectorAll('section.is-active')].map(s => s.id)")]
    assert active == ([] if chapter_id is None else [chapter_id])
    if chapter_id is None:
        layers, view, highlight = [layer.id for layer in story.layers], story.view.to_json(), ()
    else:
        chapter = next(c for c in story.chapters if c.id == chapter_id)
        layers, view, highlight = story.visible_layers(chapter), chapter.view.to_json(), chapter.highlight
    assert page.evaluate("() => storymap.visibleLayers()") == layers
    centre = page.evaluate("() => { const c = storymap.map.getCenter(); return [c.lat, c.lng, storymap.map.getZoom()]; }")
    if "center" in view:
        assert centre[:2] == pytest.approx(view["center"], abs=2e-3)
        assert keeps_authors_zoom(centre[2], view, highlight)
    else:
        (south, west), (north, east) = view["bounds"]
        assert south <= centre[0] <= north and west <= centre[1] <= east
        assert centre[2] <= view.get("max_zoom", 16)


def test_back_to_the_top_after_the_last_chapter_shows_the_overview(built, browser):
    url, story = built
    page, traffic = open_story(browser, url)
    last = story.chapters[-1].id
    page.evaluate("() => { window.changes = []; document.addEventListener('storymap:chapter', e => changes.push(e.detail)); }")
    page.evaluate(f"() => storymap.goTo('{last}')")
    rest(page)
    assert under_the_line(page) == last
    assert_shows(page, story, last)
    page.evaluate("() => window.scrollTo(0, 0)")
    rest(page)
    assert under_the_line(page) is None
    assert_shows(page, story, None)
    assert page.evaluate("() => changes[changes.length - 1]") == {"id": None, "index": -1, "previous": last}
    assert traffic.other == [] and traffic.errors == []


def test_a_jump_into_the_middle_of_a_far_chapter(built, browser):
    url, story = built
    page, traffic = open_story(browser, url)
    target = story.chapters[9].id
    where = box(page, target)
    scroll_line_to(page, (where["top"] + where["bottom"]) / 2)
    assert under_the_line(page) == target
    assert_shows(page, story, target)
    assert traffic.errors == []


def test_a_jump_from_one_gap_between_chapters_into_another(built, browser):
    """Nothing crosses the reading line in this jump: only the sync at rest can see it."""
    url, story = built
    page, traffic = open_story(browser, url)
    ids = [c.id for c in story.chapters]
    for before in (1, 8, 3):
        gap = (box(page, ids[before])["bottom"] + box(page, ids[before + 1])["top"]) / 2
        scroll_line_to(page, gap)
        assert under_the_line(page) == ids[before]
        assert_shows(page, story, ids[before])
    # At the end of a gap longer than the space above the line, the chapter above has left the
    # screen: the one coming up takes over.
    scroll_line_to(page, box(page, ids[6])["top"] - 2)
    assert under_the_line(page) == ids[6]
    assert_shows(page, story, ids[6])
    assert traffic.errors == []


def test_end_and_home_keys(built, browser):
    url, story = built
    page, traffic = open_story(browser, url)
    page.evaluate(f"() => storymap.goTo('{story.chapters[2].id}', {{instant: true}})")
    rest(page)
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.keyboard.press("End")
    rest(page)
    assert under_the_line(page) is None, "the end of the page is below the last chapter"
    assert_shows(page, story, None)
    page.keyboard.press("PageUp")  # back into the last chapter
    for _ in range(8):
        rest(page)
        if under_the_line(page) == story.chapters[-1].id:
            break
        page.keyboard.press("PageUp")
    assert under_the_line(page) == story.chapters[-1].id
    assert_shows(page, story, story.chapters[-1].id)
    page.keyboard.press("Home")
    rest(page)
    assert under_the_line(page) is None
    assert_shows(page, story, None)
    assert traffic.errors == []


@pytest.mark.parametrize("start", [3, 10])
def test_a_resize_to_a_phone_and_back(built, browser, start):
    url, story = built
    page, traffic = open_story(browser, url)
    where = box(page, story.chapters[start].id)
    scroll_line_to(page, where["top"] + 0.9 * (where["bottom"] - where["top"]))
    for viewport in (PHONE, WIDE):
        page.set_viewport_size(viewport)
        rest(page)
        expected = under_the_line(page)
        assert expected is not None
        assert_shows(page, story, expected)
    assert traffic.errors == []
