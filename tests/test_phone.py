"""Issue 15, point 5: the phone reader. At phone sizes, in English and German, the header's title
is readable, the legend folds away (folded on a phone, open on a wide screen), every highlighted
feature lies in the part of the map the reader sees (not under the header, the legend, a notice,
Leaflet's controls or a card) after a jump, a scroll and a turn of the phone, and the offline
notice hides none of the map's content.

The tests measure the page as it is drawn: the rects of what covers the map are read here, on
their own, not from the engine's padding()."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import pytest

from browser import wait_until, watch
from conftest import ARTIFACTS, at_rest, make_story, run, write
from storymap import pipeline

PHONES = [{"width": 390, "height": 844}, {"width": 360, "height": 640}, {"width": 412, "height": 915}]
LANDSCAPE = {"width": 844, "height": 390}
DESKTOP = {"width": 1280, "height": 800}

AT_REST = at_rest("scrollX", "scrollY", "storymap.map.getCenter().lat", "storymap.map.getZoom()")

# Every highlighted feature of the active chapter that is on the map, as a rect in the window, and
# the rects of everything drawn over the map: the header, Leaflet's controls, the legend, a shown
# notice, and the active card where it is drawn above the map.
SEEN = """() => {
    const map = storymap.map, box = map.getContainer().getBoundingClientRect();
    const rect = r => ({left: r.left, top: r.top, right: r.right, bottom: r.bottom});
    const covers = {};
    const nodes = [...document.querySelectorAll('.sm-bar, .leaflet-control, .sm-legend, .sm-offline')];
    nodes.filter(n => n.getClientRects().length).forEach((n, i) => { covers[n.className + ' ' + i] = rect(n.getBoundingClientRect()); });
    const active = storymap.data.chapters.find(c => c.id === storymap.active);
    if (!active) return {box: rect(box), covers, features: {}, active: null};
    const card = document.getElementById(active.id).getBoundingClientRect();
    const x = (Math.max(card.left, box.left) + Math.min(card.right, box.right)) / 2;
    const y = (Math.max(card.top, box.top) + Math.min(card.bottom, box.bottom)) / 2;
    const top = document.elementFromPoint(x, y);
    if (top && top.closest('section') && top.closest('section').id === active.id)
        covers.card = {left: card.left, right: card.right, top: box.top, bottom: box.bottom};
    const features = {};
    active.highlight.filter(id => map.hasLayer(storymap.feature(id))).forEach(id => {
        const f = storymap.feature(id);
        const b = f.getBounds ? f.getBounds() : L.latLngBounds([f.getLatLng(), f.getLatLng()]);
        const sw = map.latLngToContainerPoint(b.getSouthWest()), ne = map.latLngToContainerPoint(b.getNorthEast());
        features[id] = {left: box.left + sw.x, right: box.left + ne.x, top: box.top + ne.y, bottom: box.top + sw.y};
    });
    return {box: rect(box), covers, features, active: active.id};
}"""


def overlap(a, b, tolerance=1):
    return (min(a["right"], b["right"]) - max(a["left"], b["left"]) > tolerance
            and min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > tolerance) or (
        # a point (a zero-size rect) strictly inside a cover
        a["left"] == a["right"] and b["left"] < a["left"] < b["right"] and b["top"] < a["top"] < b["bottom"])


def hidden_highlights(page, checked=None):
    """The highlighted features of the active chapter that lie outside the map or under a cover
    (the ids looked at are added to `checked`)."""
    seen = page.evaluate(SEEN)
    if checked is not None:
        checked.update(seen["features"])
    box, problems = seen["box"], []
    for fid, found in seen["features"].items():
        if (found["left"] < box["left"] - 1 or found["right"] > box["right"] + 1
                or found["top"] < box["top"] - 1 or found["bottom"] > box["bottom"] + 1):
            problems.append(f"{seen['active']}: {fid} outside the map {found} {box}")
        problems += [f"{seen['active']}: {fid} under {name}" for name, cover in seen["covers"].items()
                     if overlap(found, cover)]
    return problems


def open_story(browser, url, viewport, lang="en", hash_=""):
    context = browser.new_context(viewport=viewport, reduced_motion="reduce")
    page = context.new_page()
    traffic = watch(page)
    page.goto(url + (f"?lang={lang}" if lang != "en" else "") + hash_)
    wait_until(page, "window.storymap && storymap.map")
    page.evaluate(AT_REST)
    return page, traffic


def go(page, chapter_id):
    page.evaluate("(id) => storymap.goTo(id, {instant: true})", chapter_id)
    page.evaluate(AT_REST)


def title_state(page):
    return page.evaluate("""() => { const t = document.querySelector('.sm-bar-title');
        const span = [...t.querySelectorAll('span')].filter(s => s.getClientRects().length).pop();
        const line = parseFloat(getComputedStyle(t).lineHeight);
        const bar = document.querySelector('.sm-bar').getBoundingClientRect();
        const map = document.querySelector('.sm-map').getBoundingClientRect();
        return {scrollH: t.scrollHeight, clientH: t.clientHeight, scrollW: t.scrollWidth, clientW: t.clientWidth,
                lines: Math.round(span.getBoundingClientRect().height / line), text: span.textContent,
                ellipsis: getComputedStyle(t).textOverflow, barBottom: bar.bottom, mapTop: map.top,
                barBox: bar.height, titleBottom: t.getBoundingClientRect().bottom}; }""")


def legend_state(page):
    return page.evaluate("""() => { const b = document.querySelector('.sm-legend-toggle');
        const list = document.getElementById(b.getAttribute('aria-controls'));
        return {expanded: b.getAttribute('aria-expanded'), shown: list.getClientRects().length > 0,
                tag: b.tagName}; }""")


# ---- the title ---------------------------------------------------------------------------


@pytest.mark.parametrize("viewport", PHONES + [LANDSCAPE, DESKTOP], ids=lambda v: f"{v['width']}x{v['height']}")
@pytest.mark.parametrize("lang", ["en", "de"])
def test_the_title_is_readable_in_the_header(built, browser, viewport, lang):
    url, story = built
    page, traffic = open_story(browser, url, viewport, lang)
    found = title_state(page)
    assert found["text"] == story.title[lang]
    assert found["scrollH"] <= found["clientH"] + 1 and found["scrollW"] <= found["clientW"] + 1, found
    assert found["lines"] <= 2 and found["ellipsis"] != "ellipsis", found
    assert found["titleBottom"] <= found["barBottom"] and found["barBottom"] <= found["mapTop"] + 1, \
        "the header holds its title and covers no map"
    assert traffic.errors == []
    page.context.close()


@pytest.fixture(scope="module")
def long_title_site(tmp_path_factory):
    root = make_story(tmp_path_factory.mktemp("phone") / "story")
    story_yml = (root / "story.yml").read_text().replace(
        "title: {en: Tiny, de: Winzig}",
        "title: {en: The long and winding history of a very small town on a river in the west, "
        "de: Die lange und verschlungene Geschichte einer sehr kleinen Stadt an einem Fluss im Westen}\n"
        "short_title: {en: A small town, de: Eine kleine Stadt}")
    write(root / "story.yml", story_yml)
    out = root.parent / "site"
    pipeline.build(root, out)
    return (out / "index.html").as_uri()


@pytest.mark.parametrize("lang, short", [("en", "A small town"), ("de", "Eine kleine Stadt")])
def test_a_short_title_stands_in_for_a_long_one_on_a_phone(long_title_site, browser, lang, short):
    page, traffic = open_story(browser, long_title_site, PHONES[1], lang)
    found = title_state(page)
    assert found["text"] == short and found["scrollH"] <= found["clientH"] + 1 and found["lines"] == 1
    page.set_viewport_size(DESKTOP)
    page.evaluate(AT_REST)
    assert title_state(page)["text"].startswith(("The long", "Die lange")), "a wide screen has the full title"
    assert traffic.errors == []
    page.context.close()


def test_a_short_title_longer_than_the_title_is_refused(story_dir):
    story_yml = story_dir / "story.yml"
    story_yml.write_text(story_yml.read_text() + "short_title: {en: Tiny indeed, de: Winz}\n")
    result = run("check", str(story_dir))
    assert result.exit_code == 1
    assert "story.yml (line 6, key short_title.en): the short title is not shorter than the title 'Tiny'" \
        in result.output, result.output


# ---- the legend --------------------------------------------------------------------------


@pytest.mark.parametrize("viewport, folded", [(PHONES[0], True), (PHONES[1], True), (DESKTOP, False)],
                         ids=["390x844", "360x640", "desktop"])
def test_the_legend_starts_folded_on_a_phone_and_open_on_a_wide_screen(built, browser, viewport, folded):
    url, _ = built
    page, traffic = open_story(browser, url, viewport)
    start = legend_state(page)
    assert start == {"expanded": str(not folded).lower(), "shown": not folded, "tag": "BUTTON"}
    page.click(".sm-legend-toggle")
    assert legend_state(page)["expanded"] == str(folded).lower() and legend_state(page)["shown"] is folded
    page.focus(".sm-legend-toggle")
    page.keyboard.press("Enter")
    assert legend_state(page) == start
    page.keyboard.press("Space")
    assert legend_state(page)["shown"] is folded
    assert traffic.errors == []
    page.context.close()


@pytest.mark.parametrize("lang", ["en", "de"])
def test_an_open_legend_leaves_the_zoom_buttons_and_the_notice_free_on_the_smallest_phone(built, browser, lang):
    """On a 360 × 640 phone the open legend of a chapter with many layers is taller than the map
    leaves below the zoom buttons: it stops below them, clear of the offline notice beside them,
    and its list scrolls instead."""
    url, story = built
    page, traffic = open_story(browser, url, PHONES[1], lang)
    wait_until(page, "storymap.offline")
    page.click(".sm-legend-toggle")
    rect = "(s => { const r = document.querySelector(s).getBoundingClientRect(); return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; })"
    problems, scrolled = [], 0
    for chapter in story.chapters:
        go(page, chapter.id)
        found = page.evaluate(f"""() => ({{legend: {rect}('.sm-legend'), zoom: {rect}('.leaflet-control-zoom'),
            notice: {rect}('.sm-offline:not([hidden])'), map: {rect}('.sm-map'),
            scrolls: (l => l.scrollHeight > l.clientHeight)(document.getElementById('sm-legend-body'))}})""")
        problems += [f"{chapter.id}: the legend covers {what}" for what in ("zoom", "notice")
                     if overlap(found["legend"], found[what], tolerance=0)]
        if found["legend"]["top"] < found["map"]["top"]:
            problems.append(f"{chapter.id}: the legend reaches above the map")
        scrolled += found["scrolls"]
    assert problems == [], "\n".join(problems)
    assert scrolled, "no chapter's legend is long enough to scroll here: the test checks nothing"
    assert traffic.errors == []
    page.context.close()


def test_the_legend_causes_no_layout_shift_on_a_phone(built, browser):
    url, _ = built
    context = browser.new_context(viewport=PHONES[0], reduced_motion="reduce")
    page = context.new_page()
    watch(page)
    page.add_init_script("""window.__shifts = []; new PerformanceObserver(list => {
        for (const e of list.getEntries()) e.sources.forEach(s => {
            const node = s.node && s.node.closest ? s.node : s.node && s.node.parentElement;
            if (node && node.closest('.sm-legend, .sm-offline')) window.__shifts.push([node.className, e.value]); });
        }).observe({type: 'layout-shift', buffered: true});""")
    page.goto(url)
    wait_until(page, "window.storymap && storymap.map && storymap.offline")  # the notice has come too
    page.evaluate(AT_REST)
    # A legend folded late (by script, not by the stylesheet) shifts by far more than this; what is
    # left (about 1e-4: the folded legend settles by 4 px while the page is parsed) no reader sees.
    shifts = page.evaluate("() => window.__shifts")
    assert sum(value for _, value in shifts) < 1e-3, shifts
    context.close()


# ---- highlighted features in the visible map ----------------------------------------------


@pytest.mark.parametrize("viewport", PHONES + [LANDSCAPE, DESKTOP], ids=lambda v: f"{v['width']}x{v['height']}")
@pytest.mark.parametrize("lang", ["en", "de"])
def test_every_highlighted_feature_is_in_the_visible_map_after_a_jump(built, browser, viewport, lang):
    url, story = built
    page, traffic = open_story(browser, url, viewport, lang)
    wait_until(page, "storymap.offline")  # the notice is shown (tiles are blocked): it covers the map too
    problems, checked = [], set()
    for chapter in story.chapters:
        go(page, chapter.id)
        problems += hidden_highlights(page, checked)
    assert problems == []
    assert checked == {fid for chapter in story.chapters for fid in chapter.highlight}
    assert traffic.errors == []
    page.context.close()


def test_highlighted_features_stay_visible_when_the_phone_turns_and_the_legend_opens(built, browser):
    url, story = built
    page, traffic = open_story(browser, url, PHONES[0], "de")
    problems, checked = [], set()
    for chapter_id in ("melting-pot", "last-shifts", "it-security", "citizens"):
        go(page, chapter_id)
        for viewport in (LANDSCAPE, PHONES[0]):
            page.set_viewport_size(viewport)
            page.evaluate(AT_REST)
            problems += [f"{viewport['width']}: {p}" for p in hidden_highlights(page, checked)]
    assert len(checked) >= 6, checked
    page.click(".sm-legend-toggle")  # the open legend takes more of the map: the view makes room
    page.evaluate(AT_REST)
    assert legend_state(page)["shown"]
    problems += [f"legend open: {p}" for p in hidden_highlights(page)]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "phone-legend-open-de.png"))
    assert problems == []
    assert traffic.errors == []
    page.context.close()


def test_opening_the_legend_makes_room_for_the_highlighted_features(built, browser):
    url, story = built
    page, traffic = open_story(browser, url, PHONES[1], "de")
    problems = []
    for chapter in story.chapters:
        go(page, chapter.id)
        page.click(".sm-legend-toggle")  # open, over the view placed for the folded legend
        page.evaluate(AT_REST)
        assert legend_state(page)["shown"]
        problems += hidden_highlights(page)
        page.click(".sm-legend-toggle")
    assert problems == []
    assert traffic.errors == []
    page.context.close()


def test_the_view_is_placed_again_when_the_map_changes_size(built, browser):
    """The same chapter stays active while the window gets shorter (a toolbar, a split screen) and
    the map with it: the camera places the view again for the smaller map."""
    url, story = built
    page, traffic = open_story(browser, url, PHONES[0])
    problems, checked = [], set()
    for chapter_id in ("melting-pot", "emscher", "citizens"):
        page.set_viewport_size(PHONES[0])
        go(page, chapter_id)
        page.set_viewport_size({"width": PHONES[0]["width"], "height": 640})
        page.evaluate(AT_REST)
        assert page.evaluate("() => storymap.active") == chapter_id
        problems += hidden_highlights(page, checked)
    assert problems == [] and len(checked) >= 5, (problems, checked)
    assert traffic.errors == []
    page.context.close()


def test_highlighted_features_are_visible_when_scrolled_to(built, browser):
    url, story = built
    page, traffic = open_story(browser, url, PHONES[0])
    problems = []
    for chapter in story.chapters[::3]:
        page.evaluate("""(id) => { const top = document.getElementById(id).getBoundingClientRect().top + scrollY;
                                   scrollTo({top: top - innerHeight * 0.6, behavior: 'instant'}); }""", chapter.id)
        page.evaluate(AT_REST)
        wait_until(page, f"storymap.active === {json.dumps(chapter.id)}")
        page.evaluate(AT_REST)
        problems += hidden_highlights(page)
    assert problems == []
    assert traffic.errors == []
    page.context.close()


# ---- the offline notice -------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["en", "de"])
def test_the_offline_notice_hides_no_content_and_can_be_dismissed(built, browser, lang):
    url, story = built
    page, traffic = open_story(browser, url, PHONES[0], lang, hash_="#coal-and-steel")
    wait_until(page, f"!!document.querySelector('[data-sm-offline][lang={lang}]:not([hidden])')")
    page.evaluate(AT_REST)
    notice = page.locator(f"[data-sm-offline][lang={lang}]")
    assert ("Basemap offline" if lang == "en" else "Grundkarte offline") in notice.inner_text()
    # the part of the map a view is placed in (padding kept free) and every highlight stay clear of it
    found = page.evaluate("""() => { const box = storymap.map.getContainer().getBoundingClientRect();
        const pad = storymap.padding(), n = document.querySelector('.sm-offline:not([hidden])').getBoundingClientRect();
        return {notice: {left: n.left, right: n.right, top: n.top, bottom: n.bottom},
                content: {left: box.left + pad.topLeft[0], top: box.top + pad.topLeft[1],
                          right: box.right - pad.bottomRight[0], bottom: box.bottom - pad.bottomRight[1]},
                box: {left: box.left, right: box.right, top: box.top, bottom: box.bottom}}; }""")
    assert not overlap(found["notice"], found["content"]), found
    assert found["notice"]["right"] <= found["box"]["right"] and found["notice"]["bottom"] <= found["box"]["bottom"]
    controls = page.evaluate("() => [...document.querySelectorAll('.leaflet-control, .sm-legend')].map(n => {"
                             " const r = n.getBoundingClientRect();"
                             " return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; })")
    assert not any(overlap(found["notice"], control) for control in controls), "the notice covers a control"
    assert hidden_highlights(page) == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"phone-offline-{lang}.png"))
    page.click(f"[data-sm-offline][lang={lang}] [data-sm-dismiss]")
    assert page.evaluate("() => [...document.querySelectorAll('[data-sm-offline]')].every(n => n.hidden)")
    other = "de" if lang == "en" else "en"
    page.click(f"button[data-sm-set-lang={other}]")
    assert page.evaluate("() => [...document.querySelectorAll('[data-sm-offline]')].every(n => n.hidden)"), \
        "a dismissed notice stays closed"
    assert traffic.errors == []
    page.context.close()


# ---- turning the phone keeps the reader's place ------------------------------------------

# Where the reader is: the active chapter, and how far down its card the reading line lies (the
# middle of the window, or 70% down where the map sits above the text, not beside it).
PLACE = """() => {
    const map = document.querySelector('.sm-map').getBoundingClientRect();
    const story = document.getElementById('sm-story').getBoundingClientRect();
    const above = Math.min(map.right, story.right) - Math.max(map.left, story.left) > 1;
    const line = innerHeight * (above ? 0.7 : 0.5);
    const card = storymap.active && document.getElementById(storymap.active).getBoundingClientRect();
    return {active: storymap.active, line, fraction: card ? (line - card.top) / card.height : null,
            history: history.length, heard: window.heard.length, chapters: window.changes};
}"""


def test_turning_the_phone_keeps_the_chapter_and_the_place_in_it(built, browser):
    url, story = built
    page, traffic = open_story(browser, url, PHONES[0])
    page.evaluate("""() => { window.heard = []; window.changes = 0;
        document.addEventListener('storymap:chapter', () => { window.changes += 1; });
        new MutationObserver(() => heard.push(1)).observe(document.getElementById('sm-announce'),
            {childList: true, characterData: true, subtree: true}); }""")
    tallest = page.evaluate("() => [...document.querySelectorAll('section.sm-chapter')]"
                            ".sort((a, b) => b.offsetHeight - a.offsetHeight)[0].id")
    ids = [c.id for c in story.chapters]
    for chapter_id in dict.fromkeys([ids[1], tallest, ids[len(ids) // 2], ids[-1]]):
        go(page, chapter_id)
        # the reading line 60% down the card: well inside it, where a reflow moves the text most
        page.evaluate("""(id) => { const card = document.getElementById(id).getBoundingClientRect();
            scrollBy({top: card.top + 0.6 * card.height - innerHeight * 0.7, behavior: 'instant'}); }""", chapter_id)
        page.evaluate(AT_REST)
        start = page.evaluate(PLACE)
        assert start["active"] == chapter_id and start["fraction"] == pytest.approx(0.6, abs=0.02), start
        for viewport in (LANDSCAPE, {"width": 740, "height": 360}, PHONES[0]):
            page.set_viewport_size(viewport)
            page.evaluate(AT_REST)
            found = page.evaluate(PLACE)
            where = f"{chapter_id} at {viewport['width']}x{viewport['height']}"
            assert found["active"] == chapter_id, where
            assert 0 <= found["fraction"] <= 1, f"{where}: its card is not at the reading line {found}"
            assert found["fraction"] == pytest.approx(0.6, abs=0.08), f"{where}: the reader's place moved {found}"
            assert (found["history"], found["heard"], found["chapters"]) == \
                (start["history"], start["heard"], start["chapters"]), f"{where}: a chapter change"
    assert traffic.errors == []
    page.context.close()


# ---- the layout a window's shape chooses ---------------------------------------------------

# Where the map is (above the text or beside it) and what of the window it gets; the legend and the
# notice, where shown, lie inside it.
LAYOUT_SEEN = """() => {
    const rect = s => { const r = document.querySelector(s).getBoundingClientRect();
                        return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; };
    const map = rect('.sm-map'), story = rect('#sm-story'), bar = rect('.sm-bar');
    const notice = document.querySelector('.sm-offline:not([hidden])');
    return {map, story, bar, legend: rect('.sm-legend'), notice: notice && rect('.sm-offline:not([hidden])'),
            above: Math.min(map.right, story.right) - Math.max(map.left, story.left) > 1};
}"""


def inside(inner, outer):
    return (inner["left"] >= outer["left"] - 1 and inner["right"] <= outer["right"] + 1
            and inner["top"] >= outer["top"] - 1 and inner["bottom"] <= outer["bottom"] + 1)


@pytest.mark.parametrize("lang", ["en", "de"])
def test_a_phone_on_its_side_shows_the_map_beside_the_text_and_the_reading_line_follows_the_layout(built, browser, lang):
    """A low, wide window keeps the map beside the text (above it, it was a strip of 42% of 390 px);
    on either side of the breakpoint the engine's reading line is the layout's: 70% down where the
    map is above the text, the middle where it is beside it (one setting for both)."""
    url, story = built
    page, traffic = open_story(browser, url, LANDSCAPE, lang)
    wait_until(page, "storymap.offline")
    chapter = story.chapters[3].id
    for viewport, above in ((LANDSCAPE, False), ({"width": 740, "height": 360}, False),
                            ({"width": 899, "height": 700}, True), ({"width": 900, "height": 700}, False)):
        page.set_viewport_size(viewport)
        page.evaluate(AT_REST)
        seen = page.evaluate(LAYOUT_SEEN)
        size = f"{viewport['width']}x{viewport['height']}"
        assert seen["above"] is above, f"{size}: map {'above' if above else 'beside'} the text expected {seen}"
        if not above:
            assert seen["map"]["left"] >= seen["story"]["right"] - 1, size
            assert seen["map"]["right"] - seen["map"]["left"] >= viewport["width"] / 2, f"{size}: map too narrow"
            assert seen["map"]["bottom"] - seen["map"]["top"] >= viewport["height"] - (seen["bar"]["bottom"] + 1), \
                f"{size}: the map is as high as the window below the header"
        assert inside(seen["legend"], seen["map"]), f"{size}: the legend does not fit the map"
        assert seen["notice"] is None or inside(seen["notice"], seen["map"]), f"{size}: the notice does not fit"
        # the reading line: a chapter whose top is 60% down the window is active only where the
        # line is 70% down (the map above the text)
        go(page, chapter)
        page.evaluate("""(id) => { const top = document.getElementById(id).getBoundingClientRect().top;
            scrollBy({top: top - innerHeight * 0.6, behavior: 'instant'}); }""", chapter)
        page.evaluate(AT_REST)
        page.evaluate("() => storymap.sync()")  # the chapter under the line now, not once the page rests
        assert (page.evaluate("() => storymap.active") == chapter) is above, f"{size}: the reading line is not the layout's"
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size(LANDSCAPE)
    go(page, chapter)
    page.screenshot(path=str(ARTIFACTS / f"phone-landscape-{lang}.png"))
    assert traffic.errors == []
    page.context.close()


def test_the_layouts_breakpoints_are_written_once(built):
    """storymap.css names its layouts' queries; the page carries storymap/layout.py's, in its style
    sheet and in its data alike, and a name layout.py does not define is refused."""
    from conftest import page_data
    from storymap.layout import LAYOUT, media_css

    css = resources.files("storymap.templates").joinpath("storymap.css").read_text("utf-8")
    queries = re.findall(r"@media ([^{]+)\{", css)
    assert not [q for q in queries if re.search(r"width|height|aspect", q)], "a size written in storymap.css"
    url, _ = built
    html = Path(url.removeprefix("file://")).read_text("utf-8")
    assert "@media (--sm-" not in html
    for query in LAYOUT["media"].values():
        assert "@media " + query.replace(": ", ":").replace(", ", ",") in html.replace(": ", ":").replace(", ", ",")
    assert page_data(html)["layout"] == LAYOUT
    with pytest.raises(ValueError, match="'tall'"):
        media_css("@media (--sm-tall) { a { b: c } }")


# ---- the labels of highlighted features -----------------------------------------------------

# The labels a reader sees: a closed one fades out (Leaflet leaves it at opacity 0 for a moment),
# one the map has no room for is left out (hidden).
LABELS = """() => [...document.querySelectorAll('.leaflet-tooltip.sm-label')]
    .filter(n => getComputedStyle(n).opacity !== '0' && n.getClientRects().length).map(n => {
    const r = n.getBoundingClientRect();
    return {text: n.textContent, left: r.left, top: r.top, right: r.right, bottom: r.bottom}; })"""


def hidden_labels(page):
    """The labels of the active chapter's highlighted features that are cut by the map's edge or
    run under a cover; and how many labels there are."""
    seen, labels = page.evaluate(SEEN), page.evaluate(LABELS)
    box, problems = seen["box"], []
    for label in labels:
        if (label["left"] < box["left"] - 1 or label["right"] > box["right"] + 1
                or label["top"] < box["top"] - 1 or label["bottom"] > box["bottom"] + 1):
            problems.append(f"{seen['active']}: label {label['text']!r} cut by the map's edge {label} {box}")
        problems += [f"{seen['active']}: label {label['text']!r} under {name}" for name, cover in seen["covers"].items()
                     if overlap(label, cover)]
    return problems, len(labels)


@pytest.mark.parametrize("viewport, legend", [(PHONES[0], "folded"), (DESKTOP, "open")], ids=["390x844", "1280x800"])
def test_every_highlighted_label_is_in_the_visible_map(built, browser, viewport, legend):
    """A label keeps its size in pixels while the map zooms out: the camera counts its box, not
    only its feature's geometry, in fitted and centred views alike; here it finds room for every
    label (none is left out). (The smallest phone: see below.)"""
    url, story = built
    page, traffic = open_story(browser, url, viewport)
    wait_until(page, "storymap.offline")  # the notice is shown (tiles are blocked): it covers the map too
    assert legend_state(page)["shown"] is (legend == "open")
    problems, count = [], 0
    for chapter in story.chapters:
        go(page, chapter.id)
        found, n = hidden_labels(page)
        problems += found
        count += n
    assert problems == []
    assert count == sum(len(chapter.highlight) for chapter in story.chapters), "a label left out"
    assert traffic.errors == []
    page.context.close()


def overlapping_labels(page):
    """The pairs of the active chapter's labels whose boxes intersect (by more than a pixel)."""
    labels, active = page.evaluate(LABELS), page.evaluate("() => storymap.active")
    return [f"{active}: {a['text']!r} over {b['text']!r}"
            for i, a in enumerate(labels) for b in labels[i + 1:] if overlap(a, b)]


@pytest.mark.parametrize("viewport", [PHONES[0], DESKTOP, {"width": 1366, "height": 768}],
                         ids=lambda v: f"{v['width']}x{v['height']}")
@pytest.mark.parametrize("lang", ["en", "de"])
def test_the_labels_of_a_view_do_not_overlap(built, browser, viewport, lang):
    """Nearby highlighted places (Hannibal and Hannover, MPI-SP and MARK 51°7) each get a side of
    their point that keeps their labels apart (camera.js, labelBoxes), and the camera keeps them
    all in the visible map (none is left out). The legend is as the page starts: folded on a phone,
    open otherwise."""
    url, story = built
    page, traffic = open_story(browser, url, viewport, lang)
    wait_until(page, "storymap.offline")
    problems, count = [], 0
    for chapter in story.chapters:
        go(page, chapter.id)
        problems += overlapping_labels(page) + hidden_labels(page)[0]
        count += len(page.evaluate(LABELS))
    if viewport == PHONES[0]:
        go(page, "last-shifts")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"labels-last-shifts-{lang}.png"))
        go(page, "coal-cars-code")
        page.screenshot(path=str(ARTIFACTS / f"labels-coal-cars-code-{lang}.png"))
    assert problems == [], "\n".join(problems)
    assert count == sum(len(chapter.highlight) for chapter in story.chapters), "a label left out"
    assert traffic.errors == []
    page.context.close()


@pytest.mark.parametrize("lang", ["en", "de"])
def test_labels_stay_apart_where_the_map_is_too_small_for_all_of_them(built, browser, lang):
    """A phone with its legend open leaves too little map for some chapters' labels: a label
    over another is as unreadable as one under a cover, so those there is no room for are left out
    (the camera looks for the view that leaves out the fewest), and no two labels drawn overlap."""
    url, story = built
    page, traffic = open_story(browser, url, PHONES[0], lang)
    page.click(".sm-legend-toggle")
    page.evaluate(AT_REST)
    assert legend_state(page)["shown"]
    problems = []
    for chapter in story.chapters:
        go(page, chapter.id)
        problems += overlapping_labels(page)
    assert problems == [], "\n".join(problems)
    assert traffic.errors == []
    page.context.close()


def test_labels_take_their_sides_again_when_the_reader_zooms_out(built, browser):
    """The labels' sides follow the map (decided again at every moveend, from pixels): zoomed out by
    the reader, the places come closer, and their labels still do not overlap."""
    url, story = built
    page, traffic = open_story(browser, url, DESKTOP, "de")
    problems, checked = [], 0
    for chapter in (c for c in story.chapters if len(c.highlight) > 1):
        go(page, chapter.id)
        page.evaluate("() => storymap.map.zoomOut(1, {animate: false})")
        page.evaluate(AT_REST)
        problems += overlapping_labels(page)
        checked += len(page.evaluate(LABELS)) > 1
    assert problems == [], "\n".join(problems)
    assert checked >= 4, checked
    assert traffic.errors == []
    page.context.close()


@pytest.mark.parametrize("legend", ["folded", "open"])
@pytest.mark.parametrize("lang", ["en", "de"])
def test_on_the_smallest_phone_every_label_drawn_is_whole_and_apart(built, browser, lang, legend):
    """360 × 640 with the offline notice shown, the legend folded or open: every label drawn lies
    whole in the visible map — clear of the header, the notice, the legend, the zoom buttons and
    the attribution — and apart from the others. A label under a cover is as unreadable as one
    under another label: where no view the camera allows has room for all of a chapter's labels,
    those there is no room for are left out, and the camera looks for the view that leaves out the
    fewest (folded, only it-security's four wrapped labels do not all fit: one is left out)."""
    url, story = built
    page, traffic = open_story(browser, url, PHONES[1], lang)
    wait_until(page, "storymap.offline")
    if legend == "open":
        page.click(".sm-legend-toggle")
        page.evaluate(AT_REST)
    assert legend_state(page)["shown"] is (legend == "open")
    problems, shown = [], {}
    for chapter in story.chapters:
        go(page, chapter.id)
        problems += overlapping_labels(page) + hidden_labels(page)[0]
        shown[chapter.id] = len(page.evaluate(LABELS))
    if lang == "de":
        go(page, "it-security")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"labels-360x640-{legend}-it-security-de.png"))
    assert problems == [], "\n".join(problems)
    left_out = {chapter.id: len(chapter.highlight) - shown[chapter.id] for chapter in story.chapters}
    if legend == "folded":
        assert sum(left_out.values()) <= 1, left_out
    else:
        assert all(shown[chapter.id] >= min(2, len(chapter.highlight)) for chapter in story.chapters), shown
    assert traffic.errors == []
    page.context.close()


# A flight to chapter `id` (not a jump), watched frame by frame until the map comes to rest: every
# frame's problems with the labels of the chapter's highlight that are drawn — cut by the map's
# edge, under a cover, over a label before them.
FLIGHT = """async (id) => {
    const map = storymap.map, rect = n => n.getBoundingClientRect(), problems = [];
    const apart = (a, b) => !(Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1
                              && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1);
    const highlight = storymap.data.chapters.find(c => c.id === id).highlight;
    let frames = 0, done = false;
    map.once('moveend', () => { done = true; });
    storymap.goTo(id);
    while (!done && frames < 600) {
        await new Promise(resolve => requestAnimationFrame(resolve));
        frames += 1;
        const box = rect(map.getContainer());
        const covers = [...document.querySelectorAll('.sm-bar, .leaflet-control, .sm-legend, .sm-offline')]
            .filter(n => n.getClientRects().length).map(rect);
        const labels = highlight.map(f => storymap.feature(f).getTooltip()).filter(t => t && t.isOpen() && t.options.permanent)
            .map(t => t.getElement()).filter(n => n.getClientRects().length);
        labels.forEach((n, i) => {
            const r = rect(n);
            if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1
                || !covers.every(c => apart(r, c)) || !labels.slice(0, i).every(m => apart(r, rect(m))))
                problems.push(`frame ${frames}: ${n.textContent}`);
        });
    }
    return {frames, problems};
}"""


def test_the_labels_keep_apart_and_in_sight_during_a_flight(built, browser):
    """A chapter's labels open as the map sets off from the chapter before; their sides are decided
    again at every step of the flight (the zoom changes), so no frame shows them over each other or
    under a cover (they kept the sides decided where the flight began until it ended)."""
    url, story = built
    context = browser.new_context(viewport=PHONES[0])  # motion: the map flies
    page = context.new_page()
    traffic = watch(page)
    page.goto(url)
    wait_until(page, "window.storymap && storymap.map && storymap.offline")
    problems, frames = [], 0
    for start, end in (("crisis", "last-shifts"), ("emscher", "opel")):
        go(page, start)
        found = page.evaluate(FLIGHT, end)
        frames += found["frames"]
        problems += [f"{start} -> {end}, {p}" for p in found["problems"]]
    assert frames > 30, "the map flew"
    assert problems == [], "\n".join(problems)
    assert traffic.errors == []
    context.close()
