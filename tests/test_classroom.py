"""In class: the single file offline, presentation with a clicker, the printed handout, two
languages, and an accessibility audit."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from browser import wait_until, watch
from conftest import ARTIFACTS, REPO, open_page, run






def test_the_single_file_shows_every_chapter_and_layer_with_no_network(site, browser):
    out, story = site
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == ["handout.de.html", "handout.en.html", "index.html"]
    page, traffic = open_page(browser, (out / "index.html").as_uri())
    counts = page.evaluate("() => Object.fromEntries(Object.entries(storymap.layers).map(([id, g]) => [id, g.getLayers().length]))")
    assert counts == {layer.id: len(layer.data["features"]) for layer in story.layers}
    for chapter in story.chapters:
        page.evaluate(f"() => storymap.goTo('{chapter.id}', {{instant: true}})")
        page.wait_for_timeout(450)
        assert page.evaluate("() => storymap.visibleLayers()") == story.visible_layers(chapter)
    page.wait_for_selector("[data-sm-offline][lang=en]:not([hidden])")  # says calmly that tiles are missing
    assert traffic.other == [] and traffic.errors == []


def test_presentation_mode_follows_the_clicker(site, browser):
    out, story = site
    ids = [c.id for c in story.chapters]
    page, traffic = open_page(browser, (out / "index.html").as_uri(), viewport={"width": 1920, "height": 1080})
    page.keyboard.press("p")
    wait_until(page, "storymap.present.active")
    assert page.evaluate("() => storymap.active") == ids[0]

    def press(key, expected):
        # A chapter longer than its card first turns its pages (see the test below), then moves on.
        for _ in range(10):
            if click(page, key)["id"] == expected:
                return
        raise AssertionError(f"{key} never reached {expected}")

    press("ArrowRight", ids[1])
    press("PageDown", ids[2])
    press("Space", ids[3])
    press("ArrowLeft", ids[2])
    press("PageUp", ids[1])
    press("End", ids[-1])
    press("Home", ids[0])
    press("5", ids[4])
    press("0", ids[9])
    active = page.locator(f"section#{ids[9]}")
    assert active.is_visible() and page.locator("section.sm-chapter:visible").count() == 1
    size = page.evaluate(f"() => parseFloat(getComputedStyle(document.querySelector('#{ids[9]} p')).fontSize)")
    assert size >= 24, "projector-sized type"
    ARTIFACTS.mkdir(exist_ok=True)
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / "presentation.png"))
    page.keyboard.press("Escape")
    wait_until(page, "!storymap.present.active")
    assert page.locator("section.sm-chapter:visible").count() == len(ids)
    assert traffic.errors == []


PROJECTOR = {"width": 1366, "height": 768}

# The active chapter's card in presentation mode, as the presenter sees it: where it is scrolled to,
# how much of it shows, and whether its last discussion question lies whole inside what shows and
# is what a reader sees there (not covered by anything fixed over the card).
CARD = """() => {
  const card = document.getElementById(storymap.active);
  const box = card.getBoundingClientRect();
  const top = box.top + card.clientTop, bottom = top + card.clientHeight;
  const last = card.querySelector("article[lang='" + storymap.language + "'] .sm-questions li:last-child");
  const line = last.getBoundingClientRect();
  const seen = document.elementFromPoint(line.left + line.width / 2, line.bottom - 4);
  return {id: storymap.active, scrollTop: card.scrollTop, height: card.clientHeight,
          scrollHeight: card.scrollHeight, lineHeight: parseFloat(getComputedStyle(card).lineHeight),
          lastShown: line.top >= top && line.bottom <= bottom && last.contains(seen)};
}"""
# The lines of the active card's text as the presenter sees them: how many the card's top edge cuts
# in half, and which lie whole inside the card (each line keyed by its text node and its place in it).
LINES = """() => {
  const card = document.getElementById(storymap.active);
  const box = card.getBoundingClientRect();
  const top = box.top + card.clientTop, bottom = top + card.clientHeight;
  const walker = document.createTreeWalker(card, NodeFilter.SHOW_TEXT), range = document.createRange();
  const lines = [];
  for (let node = walker.nextNode(), i = 0; node; node = walker.nextNode(), i += 1) {
    if (!node.data.trim() || !node.parentElement.checkVisibility()) continue;  // (a closed <details>)
    range.selectNodeContents(node);
    [...range.getClientRects()].forEach((r, j) => { if (r.height > 0) lines.push({key: i + ':' + j, top: r.top, bottom: r.bottom}); });
  }
  return {cut: lines.filter(l => l.top < top - 0.5 && l.bottom > top + 0.5).map(l => l.key),
          shown: lines.filter(l => l.top >= top - 0.5 && l.bottom <= bottom + 0.5).map(l => l.key),
          all: lines.map(l => l.key)};
}"""
MAP = "() => [storymap.map.getCenter().lat, storymap.map.getCenter().lng, storymap.map.getZoom(), storymap.visibleLayers()]"


def present_at_projector_size(browser, url, lang):
    page, traffic = open_page(browser, f"{url}?lang={lang}", viewport=PROJECTOR)
    # The tiles are refused here: the offline notice shows, and the camera places the view again to
    # keep clear of it. Presenting once it shows, the view a test reads is the one the class sees.
    wait_until(page, "storymap.offline")
    page.keyboard.press("p")
    wait_until(page, "storymap.present.active")
    return page, traffic


def click(page, key):
    """One press of the clicker; waits until it has turned a page or shown another chapter."""
    before = page.evaluate(CARD)
    page.keyboard.press(key)
    wait_until(page, f"""() => storymap.active !== {before['id']!r}
        || document.getElementById(storymap.active).scrollTop !== {before['scrollTop']}""", timeout_ms=3000)
    return page.evaluate(CARD)


@pytest.mark.parametrize("lang", ["en", "de"])
def test_the_clicker_pages_through_every_chapter_before_moving_on(site, browser, lang):
    out, story = site
    ids = [c.id for c in story.chapters]
    page, traffic = present_at_projector_size(browser, (out / "index.html").as_uri(), lang)
    pages_turned = 0
    for this, following in zip(ids, ids[1:]):
        card = page.evaluate(CARD)
        assert card["id"] == this and card["scrollTop"] == 0, "a chapter opens at its start"
        shown_map = page.evaluate(MAP)
        lines = page.evaluate(LINES)
        shown = set(lines["shown"])
        while True:
            turned = click(page, "PageDown")
            if turned["id"] != this:
                break
            # Each page overlaps the one before by at least a line: no line is skipped.
            assert card["scrollTop"] < turned["scrollTop"] <= card["scrollTop"] + card["height"] - turned["lineHeight"]
            assert page.evaluate(MAP) == shown_map, "turning a page leaves the map alone"
            # ... and it begins with a whole line, never half of one.
            lines = page.evaluate(LINES)
            assert lines["cut"] == [], f"{this}: page {pages_turned + 1} begins with a line cut in half"
            shown |= set(lines["shown"])
            card, pages_turned = turned, pages_turned + 1
        assert shown == set(lines["all"]), f"{this}: lines never shown whole: {sorted(set(lines['all']) - shown)}"
        assert card["lastShown"], f"{this}: the last discussion question was never shown whole"
        assert turned["id"] == following and turned["scrollTop"] == 0
        back = click(page, "PageUp")
        assert back["id"] == this and back["lastShown"], f"{this}: 'previous' must land at its end"
        assert click(page, "PageDown")["id"] == following
    assert pages_turned >= len(ids), "at projector size the chapters are longer than a card"
    assert traffic.errors == []


def test_turning_pages_announces_nothing_and_each_chapter_once(site, browser):
    out, story = site
    first, second = story.chapters[0].id, story.chapters[1].id
    page, _ = open_page(browser, (out / "index.html").as_uri() + f"#{first}", viewport=PROJECTOR)
    page.evaluate("""() => { window.heard = [];
        new MutationObserver(() => heard.push(document.getElementById('sm-announce').textContent))
          .observe(document.getElementById('sm-announce'), {childList: true, characterData: true, subtree: true}); }""")
    page.keyboard.press("p")
    wait_until(page, "storymap.present.active")
    while click(page, "PageDown")["id"] == first:
        pass
    click(page, "PageUp")
    heard = page.evaluate("() => heard")
    titles = [c.title["en"] for c in story.chapters[:2]]
    assert [text.split(".")[0] for text in heard] == [titles[1], titles[0]], heard


def test_presentation_moves_are_gentle(site, browser):
    out, story = site
    page, _ = open_page(browser, (out / "index.html").as_uri())
    page.keyboard.press("p")
    wait_until(page, "storymap.present.active")
    first, second = story.chapters[0], story.chapters[1]
    assert page.evaluate("() => storymap.active") == first.id
    page.evaluate("() => { window.zooms = []; storymap.map.on('zoom', () => zooms.push(storymap.map.getZoom())); }")
    while click(page, "ArrowRight")["id"] == first.id:
        pass  # the first chapter's pages
    page.wait_for_timeout(800)
    # A cross-fade jumps straight to the new view: no flight that zooms out and back in.
    assert len(page.evaluate("() => zooms")) <= 1
    assert page.evaluate("() => storymap.visibleLayers()") == story.visible_layers(second)


def test_the_cross_fade_lasts_as_long_as_the_style_sheet_says(site, browser):
    """The map fades out, then the next chapter arrives: after the style sheet's --sm-map-fade, as
    a theme or a page's own style sets it, not after a duration the script keeps."""
    out, story = site
    page, _ = present_at_projector_size(browser, (out / "index.html").as_uri(), "en")
    page.evaluate("() => document.documentElement.style.setProperty('--sm-map-fade', '0.6s')")
    elapsed = page.evaluate("""(id) => new Promise((resolve) => {
        const start = performance.now();
        storymap.present.show(1);
        const fading = document.querySelector('.sm-map.sm-fading') !== null;
        (function check() {
            if (storymap.active === id) resolve([fading, performance.now() - start]);
            else requestAnimationFrame(check);
        })();
    })""", story.chapters[1].id)
    assert elapsed[0], "the map did not fade"
    assert 600 <= elapsed[1] < 600 + 400, f"the next chapter arrived after {elapsed[1]:.0f} ms, not after the 600 ms fade"


def test_the_print_view_has_a_page_and_a_map_per_chapter(site, browser, tmp_path):
    out, story = site
    page, _ = open_page(browser, (out / "index.html").as_uri())
    page.emulate_media(media="print")
    for chapter in story.chapters:
        section = page.locator(f"section#{chapter.id}")
        figure = section.locator("svg[data-sm-figure]")
        assert figure.is_visible(), chapter.id
        drawn = set(figure.evaluate("svg => [...svg.querySelectorAll('[data-sm-feature]')].map(e => e.dataset.smFeature)"))
        assert set(chapter.highlight) <= drawn, chapter.id
        layers = set(figure.evaluate("svg => [...svg.querySelectorAll('[data-sm-layer]')].map(e => e.dataset.smLayer)"))
        assert layers <= set(story.visible_layers(chapter)) and set(chapter.layers) & layers, chapter.id
        assert section.locator(".sm-questions:visible").count() == 1
    pdf = page.pdf(format="A4", print_background=True)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages >= len(story.chapters) + 2  # a title page, a page per chapter, the glossary
    (tmp_path / "story.pdf").write_bytes(pdf)


@pytest.mark.parametrize("lang", ["en", "de"])
def test_the_handout_is_static_and_complete(site, browser, lang):
    out, story = site
    html = (out / f"handout.{lang}.html").read_text(encoding="utf-8")
    assert f'<html lang="{lang}"' in html
    assert "<script" not in html and "script-src 'none'" in html.replace("&#39;", "'")
    assert html.count('class="sm-print-map"') == len(story.chapters)
    page = browser.new_page()
    watch(page)
    page.goto((out / f"handout.{lang}.html").as_uri())
    assert page.locator("details.sm-sources[open]").count() == len(story.chapters)
    assert page.locator("h2", has_text=story.chapters[0].title[lang]).is_visible()
    assert page.locator(".sm-glossary dt:visible").count() == len(story.glossary)
    pdf = page.pdf(format="A4")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"handout.{lang}.pdf").write_bytes(pdf)


def test_switching_language_changes_text_legend_and_popups(site, browser):
    out, story = site
    page, _ = open_page(browser, (out / "index.html").as_uri())
    page.click("button[data-sm-set-lang=de]")
    assert page.evaluate("() => document.documentElement.lang") == "de"
    assert page.locator("[data-sm-legend=mines] > span:visible").inner_text() == "Ehemalige Zechen"
    text = page.evaluate("""() => { const l = storymap.feature('hannover'); l.openPopup();
        return l.getPopup().getElement().innerText; }""")
    assert "In Betrieb bis" in text and "Schächte ab 1857" in text
    assert page.locator("#sm-announce").count() == 1
    # the print figures' labels too (SVG groups, which have no `hidden`: the engine sets `display`)
    shown = page.evaluate("""() => [...document.querySelectorAll('svg[data-sm-figure] g[data-sm-lang]')]
        .filter(g => getComputedStyle(g).display !== 'none').map(g => g.getAttribute('lang'))""")
    assert shown and set(shown) == {"de"}


def test_the_chapter_change_is_announced(site, browser):
    out, story = site
    page, _ = open_page(browser, (out / "index.html").as_uri())
    chapter = story.chapters[2]
    page.evaluate(f"() => storymap.goTo('{chapter.id}', {{instant: true}})")
    announced = page.locator("#sm-announce").inner_text()
    assert announced.startswith(chapter.title["en"]) and "On the map:" in announced
    assert page.get_attribute("#sm-announce", "aria-live") == "polite"


def test_keyboard_users_can_skip_to_the_story(site, browser):
    out, _ = site
    page, _ = open_page(browser, (out / "index.html").as_uri())
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "sm-skip"
    assert page.locator(".sm-skip").bounding_box()["y"] >= 0  # visible when focused
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "sm-story"


@pytest.mark.parametrize("where", ["story", "explore", "phone with the legend open"])
def test_axe_finds_no_serious_or_critical_problems(site, browser, where):
    out, story = site
    phone = where.startswith("phone")
    # axe-core is injected as a script, which the page's CSP would rightly refuse.
    context = browser.new_context(bypass_csp=True, viewport={"width": 360, "height": 640} if phone
                                  else {"width": 1280, "height": 800})
    page = context.new_page()
    watch(page)
    # on the phone, the chapter with the longest legend
    chapter = max(story.chapters, key=lambda c: len(story.visible_layers(c))) if phone else story.chapters[1]
    page.goto((out / "index.html").as_uri() + f"#{chapter.id}")
    wait_until(page, "window.storymap && storymap.active")
    if where == "explore":
        page.click(".sm-explore-button")
        wait_until(page, "storymap.explore.active")
    if phone:  # the legend's list scrolls on so small a map: a region the keys must reach too
        page.click(".sm-legend-toggle")
        wait_until(page, "(l => l.scrollHeight > l.clientHeight)(document.getElementById('sm-legend-body'))")
    results = Axe().run(page)
    bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"][:3]]) for v in results.response["violations"]
           if v["impact"] in ("serious", "critical")]
    assert bad == []
    context.close()


def test_build_one_language_only(tmp_path):
    result = run("build", str(REPO), "-o", str(tmp_path / "de"), "--lang", "de")
    assert result.exit_code == 0, result.output
    html = (tmp_path / "de/index.html").read_text(encoding="utf-8")
    assert '<html lang="de"' in html and "Die letzten Schichten" in html
    assert "The last shifts" not in html and 'class="sm-langs"' not in html  # no language switch
    bad = run("build", str(REPO), "-o", str(tmp_path / "fr"), "--lang", "fr")
    assert bad.exit_code == 1 and "no language 'fr'" in bad.output


def plain_text_shown(page, chapter_id):
    """The centre of the first paragraph or question of the chapter's card that the card shows now
    (text without a link: a click there is meant for the page, not for something on it)."""
    return page.evaluate("""(id) => {
        const card = document.getElementById(id).getBoundingClientRect();
        for (const node of document.querySelectorAll(`#${id} article[lang=en] :is(p, .sm-questions li)`)) {
            const r = node.getBoundingClientRect();
            const y = r.top + r.height / 2;
            if (!node.querySelector('a') && r.height && y > card.top && y < card.bottom) return [r.left + r.width / 2, y];
        }
        throw new Error('no plain text shown');
    }""", chapter_id)


def test_a_click_on_the_card_turns_it_like_the_clicker_but_not_a_click_meant_for_something_else(site, browser):
    out, story = site
    first, second = story.chapters[0].id, story.chapters[1].id
    page, traffic = present_at_projector_size(browser, (out / "index.html").as_uri(), "en")
    page.evaluate("""() => document.addEventListener('click', e => {  // links stay on this page
        if (e.target.closest('a')) e.preventDefault(); }, true)""")

    def centre(selector):
        box = page.evaluate("""(s) => { const r = document.querySelector(s).getBoundingClientRect();
            return [r.left + r.width / 2, r.top + r.height / 2]; }""", selector)
        return box[0], box[1]

    def where():
        """The chapter, how far its card is scrolled, and whether the map is fading to another chapter."""
        return page.evaluate("() => [storymap.active, document.getElementById(storymap.active).scrollTop,"
                             " !!document.querySelector('.sm-map.sm-fading')]")

    def shown_in_card(selector):
        """The card scrolled (by hand, as a wheel would) to show `selector`; its place then."""
        page.evaluate("""(s) => { const card = document.getElementById(storymap.active);
            const target = document.querySelector(s).getBoundingClientRect().top - card.getBoundingClientRect().top;
            card.scrollTop += target - 40; }""", selector)
        return where()

    # what a click is meant for: the sources' summary (it opens them), a link, the map (it pans)
    sources = f"#{first} article[lang=en] .sm-sources"
    start = shown_in_card(sources + " summary")
    page.mouse.click(*centre(sources + " summary"))
    assert page.evaluate(f"() => document.querySelector('{sources}').open")
    assert where() == start, "a click on the sources' summary turned the page"
    link = sources + " a[href]"
    start = shown_in_card(link)
    page.mouse.click(*centre(link))
    assert where() == start, "a click on a link turned the page"
    centre_before = page.evaluate("() => storymap.map.getCenter()")
    x, y = centre(".sm-map")
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 80, y + 40, steps=5)
    page.mouse.up()
    assert page.evaluate("() => storymap.map.getCenter()") != centre_before, "the map pans"
    assert where() == start, "a drag on the map turned the page"
    # the click that ends a selection made by dragging over the text (the selection made here, the
    # click as the drag's mouseup gives it)
    page.evaluate(f"() => {{ document.getElementById('{first}').scrollTop = 0; }}")
    start = where()
    x, y = centre(f"#{first} article[lang=en] p")
    page.evaluate("""([x, y, s]) => { const p = document.querySelector(s); getSelection().selectAllChildren(p);
        p.dispatchEvent(new MouseEvent('click', {bubbles: true, button: 0, clientX: x, clientY: y})); }""",
                  [x, y, f"#{first} article[lang=en] p"])
    assert where() == start, "selecting text turned the page"
    page.evaluate("() => getSelection().removeAllRanges()")
    # a double-click turns one page, as one click does, not two (its second click selects a word)
    x, y = centre(f"#{first} article[lang=en] p")
    start = where()

    def turned_by(press):
        """Where the card is after `press`, from the start, once the turn has settled."""
        page.evaluate(f"() => {{ getSelection().removeAllRanges(); document.getElementById({first!r}).scrollTop = {start[1]}; }}")
        wait_until(page, f"() => document.getElementById({first!r}).scrollTop === {start[1]}")
        press(x, y)
        wait_until(page, f"() => document.getElementById({first!r}).scrollTop !== {start[1]}", timeout_ms=3000)
        page.wait_for_timeout(400)
        return where()

    assert turned_by(page.mouse.dblclick) == turned_by(page.mouse.click) != start
    page.evaluate(f"() => {{ getSelection().removeAllRanges(); document.getElementById({first!r}).scrollTop = {start[1]}; }}")
    # a plain click on the card's text: "next", page after page, then the next chapter (on each page a
    # point on text the page shows, since a fixed point may come to lie on a source's link, which a
    # click follows instead)
    turned = 0
    while where()[0] == first:
        before = where()
        page.mouse.click(*plain_text_shown(page, first))
        wait_until(page, f"() => storymap.active !== {first!r} || "
                         f"document.getElementById({first!r}).scrollTop !== {before[1]}", timeout_ms=3000)
        turned += 1
        assert turned < 20
    assert where()[:2] == [second, 0] and turned >= 2, (where(), turned)
    assert traffic.errors == []


def test_a_resize_keeps_the_presenters_place_in_the_card(site, browser):
    out, story = site
    page, traffic = present_at_projector_size(browser, (out / "index.html").as_uri(), "de")
    chapter = page.evaluate("() => storymap.active")
    click(page, "PageDown")
    # the text at the start of the first whole line on the card's page, kept as a DOM range
    page.evaluate("""() => { const card = document.getElementById(storymap.active), box = card.getBoundingClientRect();
        const top = box.top + card.clientTop, walker = document.createTreeWalker(card, NodeFilter.SHOW_TEXT);
        const range = document.createRange(); let first = null;
        for (let node = walker.nextNode(); node && !first; node = walker.nextNode()) {
            if (!node.data.trim() || !node.parentElement.checkVisibility()) continue;
            range.selectNodeContents(node);
            first = [...range.getClientRects()].find(r => r.height > 0 && r.top >= top - 0.5) || null;
        }
        window.anchor = document.caretRangeFromPoint(first.left + 2, (first.top + first.bottom) / 2); }""")
    where = """() => { const card = document.getElementById(storymap.active), box = card.getBoundingClientRect();
        return {id: storymap.active, line: parseFloat(getComputedStyle(card).lineHeight),
                offset: anchor.getBoundingClientRect().top - box.top - card.clientTop,
                left: card.scrollHeight - card.clientHeight - card.scrollTop}; }"""
    assert 0 <= page.evaluate(where)["offset"] < page.evaluate(where)["line"]
    for viewport in ({"width": 1024, "height": 768}, {"width": 1920, "height": 1080}, PROJECTOR):
        page.set_viewport_size(viewport)
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        found = page.evaluate(where)
        assert found["id"] == chapter
        assert page.evaluate(LINES)["cut"] == [], f"{viewport}: the card begins with half a line"
        # the same text opens the card's page, in its first line (or its second: the leading above it),
        # unless the card, taller now, ends before that text could reach its top (less than a line of
        # scrolling left: a page begins at a whole line)
        assert found["offset"] >= -0.5, f"{viewport}: the presenter's place was scrolled away {found}"
        assert found["offset"] < 2 * found["line"] or found["left"] < found["line"] + 1, \
            f"{viewport}: the presenter's place moved {found}"
    assert traffic.errors == []
