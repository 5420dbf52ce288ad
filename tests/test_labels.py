"""The labels of highlighted features and the room the camera keeps for them, on a story written
here (the bundled story's labels are tested at every window size in test_phone.py)."""

from __future__ import annotations

from browser import wait_until
from conftest import at_rest, make_story, open_page, write
from storymap import pipeline

# The labels a reader sees (a closed one fades out, at opacity 0 at last).
LABELS = ("[...document.querySelectorAll('.leaflet-tooltip.sm-label')]"
          ".filter(n => getComputedStyle(n).opacity !== '0' && n.getClientRects().length).length")
AT_REST = at_rest("storymap.map.getCenter().lat", "storymap.map.getCenter().lng", "storymap.map.getZoom()", LABELS)
VIEW = f"""() => ({{lat: storymap.map.getCenter().lat, lng: storymap.map.getCenter().lng, zoom: storymap.map.getZoom(),
    labels: {LABELS}}})"""


def test_a_feature_the_chapters_year_holds_back_takes_no_room_in_the_view(tmp_path, browser):
    """A chapter's `year` holds back a highlighted feature that did not exist yet: it is not on
    the map, so the camera keeps no room for it either — the view is the one the chapter would
    have without it (b lies well outside the view set for a)."""
    root = make_story(tmp_path / "story")
    write(root / "layers/sites.yml", (root / "layers/sites.yml").read_text() + "time: {start: year}\n")
    chapter = "---\ntitle: {title}\nview: {{center: [51.48, 7.2], zoom: 15}}\nlayers: [sites]\nhighlight: {highlight}\nyear: 1950\n---\nText.\n"
    write(root / "chapters/en/first.md", chapter.format(title="Both", highlight="[a, b]"))
    write(root / "chapters/en/third.md", chapter.format(title="Only a", highlight="[a]"))
    write(root / "chapters/de/third.md", "---\ntitle: Nur a\n---\nText.\n")
    write(root / "story.yml", (root / "story.yml").read_text().replace("[first, second]", "[first, second, third]"))
    out = tmp_path / "site"
    pipeline.build(root, out)
    page, traffic = open_page(browser, (out / "index.html").as_uri(), reduced_motion="reduce")
    views = {}
    for chapter_id in ("third", "first"):
        page.evaluate("(id) => storymap.goTo(id, {instant: true})", chapter_id)
        page.evaluate(AT_REST)
        wait_until(page, "storymap.map.hasLayer(storymap.feature('a'))")
        views[chapter_id] = page.evaluate(VIEW)
    assert not page.evaluate("() => storymap.map.hasLayer(storymap.feature('b'))"), "b is held back by the year"
    assert views["first"] == views["third"], views
    assert views["first"]["labels"] == 1 and views["first"]["zoom"] == 15
    assert traffic.errors == []
    page.close()
