"""A layer too big for SVG: drawn on a canvas, and joining and leaving the map a slice at a time
(so that no single step blocks a scroll). What a visitor sees must not change: every feature the
chapter and the year filter want ends up on the map, and none that they do not."""

from __future__ import annotations

import json

import pytest

from browser import wait_until
from conftest import collection, feature, open_page, write
from storymap import pipeline

COUNT = 4_500  # above the canvas threshold, and more than two slices


def _grid_points(count: int) -> dict:
    return collection(*(
        feature(f"p{i}", {"type": "Point", "coordinates": [7.10 + (i % 75) * 0.003, 51.42 + (i // 75) * 0.0015]},
                year=1900 if i % 3 else 2000)
        for i in range(count)))


@pytest.fixture(scope="module")
def large_page(tmp_path_factory):
    root = tmp_path_factory.mktemp("large")
    write(root / "story.yml", """
        title: Large
        languages: [en]
        view: {center: [51.465, 7.21], zoom: 12}
        layers: [many, few]
        chapters: [all, none]
    """)
    write(root / "layers/many.yml", "title: Many\ndata: data/many.geojson\ntime: {start: year}\n")
    write(root / "layers/few.yml", "title: Few\ndata: data/few.geojson\n")
    (root / "data").mkdir()
    (root / "data/many.geojson").write_text(json.dumps(_grid_points(COUNT)))
    (root / "data/few.geojson").write_text(json.dumps(collection(
        feature("f", {"type": "Point", "coordinates": [7.2, 51.48]}))))
    write(root / "chapters/en/all.md", "---\ntitle: All\nview: {center: [51.465, 7.21], zoom: 12}\nlayers: [many]\nhighlight: [p4499]\n---\nMany dots.\n")
    write(root / "chapters/en/none.md", "---\ntitle: None\nview: {center: [51.465, 7.21], zoom: 13}\nlayers: [few]\n---\nOne dot.\n")
    pipeline.build(root, root / "site")
    return (root / "site" / "index.html").as_uri()


# Every feature of the layer that is on the map, whether or not the layer's group still holds it.
ON_MAP = f"() => Array.from({{length: {COUNT}}}, (_, i) => storymap.feature('p' + i))" \
         ".filter(l => storymap.map.hasLayer(l)).length"


def test_a_large_layer_is_on_a_canvas_and_comes_and_goes_whole(large_page, browser):
    page, traffic = open_page(browser, large_page)
    page.evaluate("() => { storymap.goTo('all', {instant: true}); }")
    wait_until(page, f"({ON_MAP})() === {COUNT}")
    assert page.evaluate("() => document.querySelectorAll('.leaflet-sm-pane-many-points-pane canvas').length") == 1
    # The chapter's highlight is labelled, though its feature came with the last slice.
    assert page.locator(".leaflet-tooltip").all_inner_texts() == ["P4499"]
    assert page.evaluate("() => storymap.visibleLayers()") == ["many"]
    page.evaluate("() => { storymap.goTo('none', {instant: true}); }")
    wait_until(page, f"({ON_MAP})() === 0")
    assert page.evaluate("() => storymap.visibleLayers()") == ["few"]
    assert traffic.other == [] and traffic.errors == []


def test_a_highlight_that_comes_with_a_later_slice_is_labelled(large_page, browser):
    # Opened at a chapter without the large layer: the highlighted feature joins the map with the
    # layer's last slice, after the chapter has set its highlight.
    page, traffic = open_page(browser, large_page + "#none")
    page.evaluate("() => { storymap.goTo('all', {instant: true}); }")
    wait_until(page, f"({ON_MAP})() === {COUNT}")
    wait_until(page, "document.querySelectorAll('.leaflet-tooltip').length > 0")
    assert page.locator(".leaflet-tooltip").all_inner_texts() == ["P4499"]
    assert traffic.other == [] and traffic.errors == []


def test_coming_back_while_still_leaving_ends_with_every_feature(large_page, browser):
    page, _ = open_page(browser, large_page)
    page.evaluate("() => { storymap.goTo('all', {instant: true}); }")
    wait_until(page, f"({ON_MAP})() === {COUNT}")
    # Leave and come back within one task: the removal has started but not finished.
    page.evaluate("() => { const g = storymap.layers.many; storymap.map.removeLayer(g); storymap.map.addLayer(g); }")
    page.wait_for_timeout(300)
    assert page.evaluate(ON_MAP) == COUNT


def test_the_year_filter_holds_while_a_large_layer_joins(large_page, browser):
    page, _ = open_page(browser, large_page)
    page.evaluate("() => { storymap.goTo('none', {instant: true}); }")
    wait_until(page, f"({ON_MAP})() === 0")
    # Join and filter in one task: the first slice is on the map, the rest still to come; features
    # the year takes out must not come back with a late slice.
    page.evaluate("() => { storymap.map.addLayer(storymap.layers.many); storymap.setYear(1950); }")
    existing = sum(1 for i in range(COUNT) if i % 3)
    wait_until(page, f"({ON_MAP})() === {existing}")
    page.wait_for_timeout(300)
    assert page.evaluate(ON_MAP) == existing
    assert page.evaluate("() => !storymap.map.hasLayer(storymap.feature('p0'))")  # p0 appears in 2000


def test_search_opens_a_feature_of_a_large_layer_before_its_slice_arrives(large_page, browser):
    page, traffic = open_page(browser, large_page)
    page.evaluate("() => { storymap.goTo('none', {instant: true}); }")
    wait_until(page, f"({ON_MAP})() === 0")
    page.evaluate("() => { storymap.explore.enter(); storymap.explore.focus('p4499'); }")  # in the last slice
    wait_until(page, "!!document.querySelector('.leaflet-popup-content h3')")
    assert page.locator(".leaflet-popup-content h3").inner_text() == "P4499"
    wait_until(page, f"({ON_MAP})() === {COUNT}")
    assert traffic.errors == []
