"""The chapter figures (storymap/figures.py) keep their docstrings' promises: each shows what the
chapter's live map shows — the same view in Web Mercator, the same layers, the highlighted features
labelled — with a round scale bar, and lines and areas written once as shared geometry."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
import shapely
from pyproj import Geod, Transformer

from browser import watch
from conftest import collection, feature, write
from storymap import pipeline, render
from storymap.figures import FIGURE_HEIGHT, FIGURE_WIDTH, LABEL_FONT_PX, LABEL_MAX_EM, Figures

MERCATOR = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)  # an independent projection
PADDING = 24  # the live map's fit padding, in pixels


def metres_per_pixel(zoom: float) -> float:
    """Web Mercator's resolution at the equator: the world's circumference over 256 · 2^zoom pixels."""
    return 2 * math.pi * 6378137 / 256 / 2**zoom


def figures(story_dir: Path):
    story, _ = pipeline.read_story(story_dir)
    return story, Figures(story)


def by_feature(figure) -> dict[str, dict]:
    return {shape["feature"]: shape for shape in figure.shapes}


def pixels(figure, d: str) -> list[tuple[float, float]]:
    """The figure's pixel positions of a shared path's points: `d` through the figure's transform."""
    k, _, _, k2, tx, ty = map(float, re.fullmatch(r"matrix\((.*)\)", figure.transform).group(1).split())
    assert k == k2, "one scale for both axes: no distortion"
    return [(k * u + tx, k * v + ty) for u, v in path_points(d)]


def path_points(d: str) -> list[tuple[int, int]]:
    """The positions an SVG reader takes from our path data: "m" then steps, "z" back to the start."""
    points, pen, start = [], (0, 0), (0, 0)
    for command, numbers in re.findall(r"([mz])([^mz]*)", d):
        if command == "z":
            pen = start
            continue
        values = [int(n) for n in re.findall(r"-?\d+", numbers)]
        for i in range(0, len(values), 2):
            pen = (pen[0] + values[i], pen[1] + values[i + 1])
            points.append(pen)
            if i == 0:
                start = pen
    return points


def test_a_centre_view_is_web_mercator_at_the_live_maps_scale(story_dir: Path):
    story, figs = figures(story_dir)
    first = story.chapters[0]  # centre [51.48, 7.2] (POINT_A), zoom 13
    figure = figs.chapter(first)
    assert (figure.width, figure.height) == (FIGURE_WIDTH, FIGURE_HEIGHT)
    drawn = by_feature(figure)
    a, b = drawn["a"], drawn["b"]
    assert (a["cx"], a["cy"]) == (FIGURE_WIDTH / 2, FIGURE_HEIGHT / 2)  # the view's centre, in the middle
    (xa, ya), (xb, yb) = MERCATOR.transform(7.2, 51.48), MERCATOR.transform(7.25, 51.46)
    res = metres_per_pixel(13)
    assert b["cx"] == pytest.approx(FIGURE_WIDTH / 2 + (xb - xa) / res, abs=0.1)
    assert b["cy"] == pytest.approx(FIGURE_HEIGHT / 2 - (yb - ya) / res, abs=0.1)  # y grows downwards


def test_a_fitted_view_shows_its_features_within_the_padding(story_dir: Path):
    story, figs = figures(story_dir)
    second = story.chapters[1]  # view: {fit: [river]}
    figure = figs.chapter(second)
    [river] = [path for path in figs.shared if path["feature"] == "r"]
    assert by_feature(figure)["r"] == {**by_feature(figure)["r"], "kind": "use", "href": river["id"]}
    points = pixels(figure, river["d"])
    xs, ys = [x for x, _ in points], [y for _, y in points]
    tolerance = 1  # shared units are whole metres-steps, a fraction of a pixel here
    assert min(xs) >= PADDING - tolerance and max(xs) <= FIGURE_WIDTH - PADDING + tolerance
    assert min(ys) >= PADDING - tolerance and max(ys) <= FIGURE_HEIGHT - PADDING + tolerance
    # tight: the river spans the padded width (it is wider than tall)
    assert max(xs) - min(xs) == pytest.approx(FIGURE_WIDTH - 2 * PADDING, abs=tolerance)
    # and it runs from the north-west down to the south-east, as on the map
    assert points[0][0] < points[-1][0] and points[0][1] < points[-1][1]


def test_a_fit_on_one_point_stops_at_max_zoom(story_dir: Path):
    write(story_dir / "chapters/en/second.md", "---\ntitle: Second\nview: {fit: [b], max_zoom: 15}\nlayers: [sites]\n---\n")
    story, figs = figures(story_dir)
    figure = figs.chapter(story.chapters[1])
    assert (by_feature(figure)["b"]["cx"], by_feature(figure)["b"]["cy"]) == (FIGURE_WIDTH / 2, FIGURE_HEIGHT / 2)
    # at zoom 15, a 1 km scale bar would be far wider than the figure's fifth: a smaller round one
    assert figure.scale["label"] in ("100 m", "200 m")


@pytest.mark.parametrize("chapter", [0, 1])
def test_the_scale_bar_is_a_round_distance_about_a_fifth_of_the_width(story_dir: Path, chapter: int):
    story, figs = figures(story_dir)
    figure = figs.chapter(story.chapters[chapter])
    number, unit = figure.scale["label"].split()
    metres = float(number) * (1000 if unit == "km" else 1)
    assert unit in ("m", "km") and re.fullmatch(r"[125]0*", number)
    assert FIGURE_WIDTH / 12.5 <= figure.scale["pixels"] <= FIGURE_WIDTH / 5
    # the bar's length on the ground, measured independently along the parallel through the view's centre
    view = story.chapters[chapter].view.to_json()
    if "center" in view:
        lat, zoom = view["center"][0], view["zoom"]
        lon_per_pixel = 360 / 256 / 2**zoom
    else:
        (south, west), (north, east) = view["bounds"]
        x0, y0 = MERCATOR.transform(west, south)
        x1, y1 = MERCATOR.transform(east, north)
        res = max((x1 - x0) / (FIGURE_WIDTH - 2 * PADDING), (y1 - y0) / (FIGURE_HEIGHT - 2 * PADDING))
        lon_per_pixel = math.degrees(res / 6378137)
        lat = math.degrees(2 * math.atan(math.exp((y0 + y1) / 2 / 6378137)) - math.pi / 2)
    _, _, ground = Geod(ellps="sphere").inv(7.0, lat, 7.0 + lon_per_pixel * figure.scale["pixels"], lat)
    assert ground == pytest.approx(metres, rel=0.01)


def test_the_highlighted_feature_is_emphasised_and_labelled_the_others_dimmed(story_dir: Path):
    story, figs = figures(story_dir)
    first = story.chapters[0]  # highlight: [a]
    figure = figs.chapter(first)
    drawn = by_feature(figure)
    style = story.layer("sites").style
    assert drawn["a"]["r"] == style["radius"] * 1.5 and drawn["b"]["r"] == style["radius"]
    assert drawn["a"]["style"]["stroke"] == "#111111"
    assert drawn["b"]["style"]["stroke-opacity"] == pytest.approx(style["opacity"] * 0.7)
    assert [label["text"] for label in figure.labels["en"]] == ["A"]
    label = figure.labels["en"][0]
    assert label["x"] > drawn["a"]["cx"] and abs(label["y"] - drawn["a"]["cy"]) < 10  # beside its dot
    # a layer with nothing highlighted is not dimmed
    area = story.layer("area").style
    assert drawn["area"]["style"]["stroke-opacity"] == area["opacity"]


def test_a_highlighted_line_is_labelled_beside_it(story_dir: Path):
    write(story_dir / "chapters/en/second.md", "---\ntitle: Second\nview: {fit: [river]}\nlayers: [river]\nhighlight: [r]\n---\n")
    story, figs = figures(story_dir)
    figure = figs.chapter(story.chapters[1])
    river = by_feature(figure)["r"]
    assert river["style"]["fill"] == "none"
    assert river["style"]["stroke-width"] == pytest.approx(story.layer("river").style["weight"] * 1.8)
    [label] = figure.labels["en"]
    assert label["text"] == "R" and 0 <= label["x"] <= FIGURE_WIDTH and 0 <= label["y"] <= FIGURE_HEIGHT


def test_only_the_chapters_layers_and_features_in_view_and_in_its_year(story_dir: Path):
    (story_dir / "data/sites.geojson").write_text(json.dumps(collection(
        feature("a", {"type": "Point", "coordinates": [7.2, 51.48]}, year=1900),
        feature("b", {"type": "Point", "coordinates": [7.25, 51.46]}, year=2000),
        feature("far", {"type": "Point", "coordinates": [7.6, 51.48]}, year=1900),  # east of a zoom-13 view
    )))
    layer = (story_dir / "layers/sites.yml").read_text()
    (story_dir / "layers/sites.yml").write_text(layer + "time: {start: year}\n")
    chapter = (story_dir / "chapters/en/first.md").read_text()
    (story_dir / "chapters/en/first.md").write_text(chapter.replace("highlight: [a]", "highlight: [a]\nyear: 1950"))
    story, figs = figures(story_dir)
    first = story.chapters[0]
    drawn = by_feature(figs.chapter(first))
    assert set(drawn) == {"a", "area"}  # b opens in 2000; far is out of view; the river's layer is not shown
    assert {shape["layer"] for shape in drawn.values()} <= set(story.visible_layers(first))


def test_lines_and_areas_are_shared_once_and_points_never(story_dir: Path):
    story, figs = figures(story_dir)
    assert sorted(path["feature"] for path in figs.shared) == ["area", "r"]  # the sites are points
    assert len({path["id"] for path in figs.shared}) == len(figs.shared)
    # counted from the story's start view, the numbers stay short (not millions of metres)
    assert all(abs(int(n)) < 10_000 for path in figs.shared for n in re.findall(r"-?\d+", path["d"]))
    # the area (a context layer) is in both chapters' figures: written into the page once, used twice
    page = render.render_page(story).html
    [area] = [path for path in figs.shared if path["feature"] == "area"]
    assert page.count(f'd="{area["d"]}"') == 1
    assert page.count(f'href="#{area["id"]}"') == len(story.chapters)


def test_a_layer_no_chapter_shows_is_not_in_the_shared_geometry(story_dir: Path):
    write(story_dir / "chapters/en/second.md", "---\ntitle: Second\nview: {fit: [river]}\nlayers: [sites]\n---\n")
    story, figs = figures(story_dir)
    assert [path["feature"] for path in figs.shared] == ["area"]


def test_without_javascript_each_figure_draws_its_shapes_where_the_model_puts_them(built, browser):
    """The shared geometry is written as steps (relative path data): a browser reading it must
    draw every line and area at its place in the chapter's view, within a pixel or so."""
    from storymap.figures import _extent

    url, story = built
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    watch(page)
    page.goto(url)
    checked, figs = 0, Figures(story)
    for chapter in story.chapters:
        minx, _, _, maxy, res = _extent(chapter.view.to_json())
        svg = page.locator(f"svg[data-sm-figure='{chapter.id}']")
        assert svg.is_visible(), chapter.id
        # each shape's box as the browser read its path data, through the figure's own transform
        k, _, _, _, tx, ty = map(float, re.fullmatch(r"matrix\((.*)\)", figs.chapter(chapter).transform)
                                 .group(1).split())
        boxes = svg.evaluate("""svg => [...svg.querySelectorAll('use')].map(u => { const b = u.getBBox();
            return [u.closest('[data-sm-layer]').dataset.smLayer, u.dataset.smFeature, b.x, b.y, b.x + b.width, b.y + b.height]; })""")
        for layer_id, fid, *box in boxes:
            left, top, right, bottom = (k * box[0] + tx, k * box[1] + ty, k * box[2] + tx, k * box[3] + ty)
            layer = story.layer(layer_id)
            x0, y0, x1, y1 = layer.projected[layer.feature_ids.index(fid)].bounds
            expected = ((x0 - minx) / res, (maxy - y1) / res, (x1 - minx) / res, (maxy - y0) / res)
            assert (left, top, right, bottom) == pytest.approx(expected, abs=1.5), (chapter.id, fid)
            checked += 1
    assert checked >= len(story.chapters)
    context.close()


PAINT = """svg => [...svg.querySelectorAll('[data-sm-feature]')].map(e => { const s = getComputedStyle(e);
    return [e.dataset.smFeature, s.fill, s.fillOpacity, s.stroke, s.strokeOpacity, s.strokeWidth]; })"""


def css_rgb(colour: str) -> str:
    """A #rrggbb colour as the browser's computed style writes it; 'none' stays."""
    if colour == "none":
        return colour
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def test_without_javascript_each_shape_is_painted_as_the_model_says_and_highlights_lie_on_top(built, browser):
    """The figures write a run of shapes' paint once, on a group (Figure.runs): every shape still
    shows its own feature's look, and a highlighted one is drawn after the rest of its layer."""
    url, story = built
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    watch(page)
    page.goto(url)
    figs, checked = Figures(story), 0
    for chapter in story.chapters:
        shapes = {shape["feature"]: shape for shape in figs.chapter(chapter).shapes}
        drawn = page.locator(f"svg[data-sm-figure='{chapter.id}']").evaluate(PAINT)
        assert sorted(fid for fid, *_ in drawn) == sorted(shapes), chapter.id
        for fid, fill, fill_opacity, stroke, stroke_opacity, stroke_width in drawn:
            style = shapes[fid]["style"]
            assert (fill, stroke) == (css_rgb(style["fill"]), css_rgb(style["stroke"])), (chapter.id, fid)
            assert float(fill_opacity) == pytest.approx(style["fill-opacity"]), (chapter.id, fid)
            assert float(stroke_opacity) == pytest.approx(style["stroke-opacity"]), (chapter.id, fid)
            assert float(stroke_width.removesuffix("px")) == pytest.approx(style["stroke-width"]), (chapter.id, fid)
            checked += 1
        # (a figure draws its dots over all lines and areas, so a highlighted area lies under dots)
        order = [fid for fid, *_ in drawn]
        kind = {fid: (shape["layer"], shape["kind"] == "use") for fid, shape in shapes.items()}
        for lit in chapter.highlight:
            later = [fid for fid in order[order.index(lit) + 1:] if kind[fid] == kind[lit]]
            assert all(shapes[fid]["lit"] for fid in later), (chapter.id, lit, later)
    assert checked > 100
    context.close()


def test_without_javascript_every_label_is_whole_inside_its_figure_and_clear_of_the_others(built, browser):
    """Labels are placed by an estimate of their text's width (the build has no font): read by the
    browser, each is inside the figure, whole, and overlaps no other label."""
    url, story = built
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    watch(page)
    page.goto(url)
    labelled = {}
    for chapter in story.chapters:
        for lang in story.languages:  # each language's labels, shown as the engine shows them
            boxes = page.locator(f"svg[data-sm-figure='{chapter.id}']").evaluate("""(svg, lang) => {
                svg.querySelectorAll('g[data-sm-lang]').forEach(g => g.setAttribute('display', g.getAttribute('lang') === lang ? 'inline' : 'none'));
                return [...svg.querySelectorAll(`g[data-sm-lang=${lang}] .sm-fig-label`)].map(t => {
                    const b = t.getBBox(), text = [...t.querySelectorAll('tspan')].map(s => s.textContent).join(' ');
                    return [text, b.x, b.y, b.x + b.width, b.y + b.height]; }); }""", lang)
            for text, left, top, right, bottom in boxes:
                assert left >= 0 and top >= 0 and right <= FIGURE_WIDTH and bottom <= FIGURE_HEIGHT, (chapter.id, lang, text)
            for i, (text, *a) in enumerate(boxes):
                for other, *b in boxes[i + 1:]:
                    assert min(a[2], b[2]) <= max(a[0], b[0]) or min(a[3], b[3]) <= max(a[1], b[1]), (chapter.id, lang, text, other)
            labelled.setdefault(lang, []).extend(text for text, *_ in boxes)
    assert all(len(texts) >= len(story.chapters) for texts in labelled.values())
    # each language's labels name the features in that language, as the live map's labels do
    assert "Max Planck Institute for Security and Privacy (new building)" in labelled["en"]
    assert "Max-Planck-Institut für Sicherheit und Privatsphäre (Neubau)" in labelled["de"]
    context.close()


def test_the_figures_label_sizes_are_the_style_sheets():
    """figures.py places labels by the type and the wrapping width storymap.css gives them."""
    css = (Path(render.__file__).resolve().parent.parent / "templates" / "storymap.css").read_text("utf-8")
    assert re.search(r"\.sm-fig-label, \.sm-fig-halo \{ font: 700 (\d+)px", css).group(1) == str(LABEL_FONT_PX)
    assert re.search(r"\.sm-label \{[^}]*max-width: min\((\d+)em", css).group(1) == str(LABEL_MAX_EM)


@pytest.mark.parametrize("geometry, inside", [
    # two squares, the first with a hole: after "z" the next ring's steps start from its ring's start
    (shapely.MultiPolygon([(((0, 0), (40, 0), (40, 40), (0, 40)), [((10, 10), (20, 10), (20, 20), (10, 20))]),
                           (((100, -50), (130, -50), (130, -20), (100, -20)), [])]), [(115, -35), (35, 35)]),
    # two lines: the second starts from where the first ended
    (shapely.MultiLineString([[(0, 0), (50, 10)], [(-30, 80), (10, 90)]]), []),
], ids=["multipolygon with a hole", "multilinestring"])
def test_relative_path_data_is_read_back_at_its_places(browser, geometry, inside):
    from storymap.figures import _path

    d = _path(geometry, 0, 0, 1)  # y grows downwards in SVG: the y of each point flips sign
    page = browser.new_page()
    page.set_content(f'<svg width="400" height="400"><path id="p" d="{d}"/></svg>')
    box = page.evaluate("() => { const b = document.getElementById('p').getBBox(); return [b.x, b.y, b.width, b.height]; }")
    x0, y0, x1, y1 = geometry.bounds
    assert box == pytest.approx([x0, -y1, x1 - x0, y1 - y0])
    for x, y in inside:
        assert page.evaluate(f"() => document.getElementById('p').isPointInFill(new DOMPoint({x}, {-y}))"), (x, y)
    page.close()
