"""One source of truth for style: storymap.styles decides, the model carries it, and the live map,
the print figures and the legend draw what it says."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from browser import wait_until, watch
from conftest import LINE, POINT_A, SQUARE, collection, feature
from storymap import pipeline, render
from storymap.figures import Figures
from storymap.load import UI_TEXT
from storymap.styles import AREA_FILL_DEFAULT, CAMERA, HIGHLIGHT_INK, STATES, feature_classes, layer_styles

REPO = Path(__file__).resolve().parent.parent
STYLE = {"color": "#123456", "weight": 2, "opacity": 0.9, "fill_color": "#abcdef", "fill_opacity": 0.8,
         "radius": 6, "dash": ""}
ALL_KINDS = ("polygon", "line", "point")


def test_only_the_kinds_a_layer_has_get_styles():
    assert set(layer_styles(STYLE, ("point",))) == {"point"}
    styles = layer_styles(STYLE, ALL_KINDS)
    assert set(styles) == {"area", "line", "point"}
    assert all(set(by_state) == set(STATES) for by_state in styles.values())


def test_fill_opacities_are_drawn_as_set():
    """Issue 14: a fill_opacity of 0.8 was drawn at 0.45 for areas, silently."""
    styles = layer_styles(STYLE, ALL_KINDS)
    assert styles["area"]["base"]["fill_opacity"] == 0.8
    assert styles["point"]["base"]["fill_opacity"] == 0.8
    assert styles["point"]["base"]["radius"] == 6
    assert styles["line"]["base"]["fill"] is None
    assert layer_styles({**STYLE, "fill_opacity": 0.1}, ("polygon",))["area"]["base"]["fill_opacity"] == 0.1


def test_dimmed_features_step_back_from_their_base():
    for kind, by_state in layer_styles(STYLE, ALL_KINDS).items():
        base, dimmed = by_state["base"], by_state["dimmed"]
        assert dimmed["stroke_opacity"] == pytest.approx(base["stroke_opacity"] * 0.7), kind
        assert dimmed["fill_opacity"] == pytest.approx(base["fill_opacity"] * 0.5), kind
        assert {k: v for k, v in dimmed.items() if "opacity" not in k} == \
               {k: v for k, v in base.items() if "opacity" not in k}, kind


def test_highlights_stand_out():
    styles = layer_styles(STYLE, ALL_KINDS)
    line = styles["line"]["highlight"]
    assert line["stroke"] == STYLE["color"] and line["stroke_width"] == pytest.approx(2 * 1.8)
    point = styles["point"]["highlight"]
    assert point["stroke"] == HIGHLIGHT_INK and point["radius"] == 9 and point["fill_opacity"] >= 0.85
    area = styles["area"]["highlight"]
    assert area["stroke"] == HIGHLIGHT_INK and area["stroke_width"] == 4
    assert area["fill_opacity"] == 0.8  # never fainter than the base
    assert layer_styles({**STYLE, "fill_opacity": 0.1}, ("polygon",))["area"]["highlight"]["fill_opacity"] == 0.3
    assert all(by_state["highlight"]["stroke_opacity"] == 1 for by_state in styles.values())


@pytest.mark.parametrize("fill_opacity, expected", [(0.0, 0.25), (0.3, 0.3), (0.9, 0.9)])
def test_legend_signs_stay_legible(fill_opacity, expected):
    styles = layer_styles({**STYLE, "weight": 9, "fill_opacity": fill_opacity}, ALL_KINDS)
    assert styles["area"]["legend"]["fill_opacity"] == expected
    assert styles["line"]["legend"]["stroke_width"] == 5


def test_areas_of_a_layer_that_sets_no_fill_opacity_are_filled_less_than_its_dots(story_dir):
    """The default keeps the basemap beneath an area readable; a value the author writes is drawn as written."""
    (story_dir / "data/river.geojson").write_text(json.dumps(collection(feature("r", LINE), feature("sq", SQUARE),
                                                                        feature("p", POINT_A))))
    story, _ = pipeline.read_story(story_dir)
    styles = story.layer("river").styles
    assert styles["area"]["base"]["fill_opacity"] == AREA_FILL_DEFAULT
    assert styles["point"]["base"]["fill_opacity"] == 0.6
    (story_dir / "layers/river.yml").write_text("title: River\ndata: data/river.geojson\nstyle: {fill_opacity: 0.9}\n")
    story, warnings = pipeline.read_story(story_dir)
    styles = story.layer("river").styles
    assert styles["area"]["base"]["fill_opacity"] == styles["point"]["base"]["fill_opacity"] == 0.9
    assert styles["area"]["legend"]["fill_opacity"] == 0.9


def test_products_are_rounded_for_a_stable_page():
    dimmed = layer_styles({**STYLE, "opacity": 0.8}, ("line",))["line"]["dimmed"]
    assert dimmed["stroke_opacity"] == 0.56  # not 0.5599999999999999


def test_the_model_and_the_page_data_carry_the_styles_and_the_camera(story_dir):
    story, _ = pipeline.read_story(story_dir)
    for layer in story.layers:
        assert layer.styles == layer_styles(layer.style, layer.geometry)
    data = render.page_data(story)
    assert data["camera"] == CAMERA
    assert [layer["styles"] for layer in data["layers"]] == [layer.styles for layer in story.layers]


def kind_of(layer, fid):
    geometry = next(f["geometry"]["type"] for f in layer.data["features"] if f["id"] == fid)
    return "point" if "Point" in geometry else "line" if "Line" in geometry else "area"


def test_print_figures_draw_the_model_styles():
    story, _ = pipeline.read_story(REPO)
    figures = Figures(story)
    seen = set()
    for chapter in story.chapters:
        for shape in figures.chapter(chapter).shapes:
            layer = story.layer(shape["layer"])
            lit = shape["feature"] in chapter.highlight
            dimmed = not lit and bool(set(chapter.highlight) & set(layer.feature_ids))
            look = "highlight" if lit else "dimmed" if dimmed else "base"
            styles = layer.styles_of(layer.feature_ids.index(shape["feature"]))  # its class's, if classed
            model = styles[kind_of(layer, shape["feature"])][look]
            expected = {k.replace("_", "-"): v for k, v in model.items() if k not in ("radius", "symbol")}
            expected["fill"] = model["fill"] or "none"
            if layer.id in chapter.opacity:  # the chapter shows the layer faded
                expected["opacity"] = chapter.opacity[layer.id]
            assert shape["style"] == expected, (chapter.id, shape["feature"])
            if shape["kind"] == "circle":
                assert shape["r"] == model["radius"]
            seen.add(look)
    assert seen == {"base", "highlight", "dimmed"}


def test_no_reader_keeps_a_copy_of_a_style_rule():
    """The numbers of the rules live in storymap/styles.py only."""
    readers = [*(REPO / "templates/engine").glob("*.js"), REPO / "templates/symbol.svg.j2",
               REPO / "templates/figure.svg.j2", REPO / "storymap/figures.py"]
    for path in readers:
        text = path.read_text("utf-8")
        for copy in ("0.45", HIGHLIGHT_INK, "1.8", "* 0.7", "* 0.5", "maxZoom: 16", "= 24"):
            assert copy not in text, f"{path.name} keeps its own copy of {copy!r}"


def leaflet(style):
    """The model's neutral keys under Leaflet's names, as the engine must translate them."""
    out = {"color": style["stroke"], "weight": style["stroke_width"], "opacity": style["stroke_opacity"],
           "fillColor": style["fill"], "fillOpacity": style["fill_opacity"], "dashArray": style["stroke_dasharray"]}
    if "radius" in style:
        out["radius"] = style["radius"]
        out["symbol"] = style["symbol"]
    return out


def test_the_live_map_draws_the_model_highlight_dimmed_and_base_styles(built, browser):
    url, story = built
    chapter = next(c for c in story.chapters if c.highlight and c.year is None)
    lit = chapter.highlight[0]
    layer = next(layer for layer in story.layers if lit in layer.feature_ids)
    other = next(fid for fid in layer.feature_ids if fid not in chapter.highlight)
    plain_layer = next(story.layer(lid) for lid in story.visible_layers(chapter)
                       if not set(chapter.highlight) & set(story.layer(lid).feature_ids))
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    traffic = watch(page)
    page.goto(f"{url}#{chapter.id}")
    wait_until(page, f"window.storymap && storymap.active === '{chapter.id}'")
    keys = ["color", "weight", "opacity", "fillColor", "fillOpacity", "dashArray", "radius", "symbol"]

    def options(fid):
        return page.evaluate("([id, keys]) => { const o = storymap.feature(id).options;"
                             " return Object.fromEntries(keys.filter(k => k in o).map(k => [k, o[k]])); }", [fid, keys])

    def expected(lay, fid, look):
        want = leaflet(lay.styles_of(lay.feature_ids.index(fid))[kind_of(lay, fid)][look])
        return {k: v for k, v in want.items() if k in options(fid)}

    assert options(lit) == expected(layer, lit, "highlight")
    assert options(other) == expected(layer, other, "dimmed")
    plain = plain_layer.feature_ids[0]
    assert options(plain) == expected(plain_layer, plain, "base")
    assert re.fullmatch(r"#[0-9a-fA-F]{6}", options(lit)["color"])
    assert traffic.errors == []
    page.close()


# ---- colour by a property ------------------------------------------------------------------

WORDS = {lang: UI_TEXT[lang] for lang in ("en", "de")}


def test_categories_give_each_listed_value_its_colour_and_the_rest_the_plain_one():
    spec = {"by": "kind", "categories": {"mine": "#111111", "coking": "#D55E00"},
            "labels": {"mine": {"en": "Mine", "de": "Zeche"}}}
    classes, index = feature_classes(spec, ["coking", "mine", "brewery", None, "mine"], "#999999", WORDS)
    assert [c["value"] for c in classes] == ["#111111", "#D55E00", "#999999"]
    assert [c["label"] for c in classes] == [{"en": "Mine", "de": "Zeche"}, {"en": "coking", "de": "coking"},
                                             {"en": "other", "de": "sonstige"}]
    assert index == [1, 0, 2, 2, 0]
    # no feature outside the listed values: no "other" entry in the legend
    assert len(feature_classes(spec, ["mine", "coking"], "#999999", WORDS)[0]) == 2


def test_a_named_palette_colours_the_values_in_their_order():
    classes, index = feature_classes({"by": "n", "palette": "okabe-ito"}, [10, 2, "2", None], "#999999", WORDS)
    assert [c["label"]["en"] for c in classes] == ["2", "10", "other"]
    assert [c["value"] for c in classes] == ["#E69F00", "#56B4E9", "#999999"]
    assert index == [1, 0, 0, 2]


def test_breaks_make_classes_in_words_and_a_value_at_a_break_starts_the_next():
    spec = {"by": "closed", "breaks": [1900, 1960, 1970], "colours": ["#111", "#222", "#333", "#444"]}
    values = [1899, 1900, 1959, 1960, 1969.5, 1970, 2000, None, "n/a", "1965"]
    classes, index = feature_classes(spec, values, "#999999", WORDS)
    assert [c["label"]["en"] for c in classes] == ["before 1900", "1900–1959", "1960–1969", "1970 and later", "no value"]
    assert [c["label"]["de"] for c in classes] == ["vor 1900", "1900–1959", "1960–1969", "ab 1970", "ohne Angabe"]
    assert [c["value"] for c in classes] == ["#111", "#222", "#333", "#444", "#999999"]
    assert index == [0, 1, 1, 2, 2, 3, 3, 4, 4, 2]


def test_breaks_that_are_not_whole_numbers_are_labelled_as_open_ranges():
    classes, _ = feature_classes({"by": "x", "breaks": [0.5, 2], "colours": ["#111", "#222", "#333"]}, [1], "#999", WORDS)
    assert [c["label"]["en"] for c in classes] == ["before 0.5", "0.5 to under 2", "2 and later"]


def _classed_story(story_dir: Path, fill_color: str) -> Path:
    layer = story_dir / "layers/sites.yml"
    layer.write_text(layer.read_text("utf-8").replace('style: {color: "#112233", radius: 5}',
                                                      f'style:\n  color: "#112233"\n  fill_color: {fill_color}'))
    return story_dir


def test_the_model_and_the_page_carry_the_classes_and_one_index_per_feature(story_dir):
    _classed_story(story_dir, '{by: year, breaks: [1950], colours: ["#0072B2", "#D55E00"]}')
    story, _ = pipeline.read_story(story_dir)
    sites = story.layer("sites")
    assert sites.key_of == ((0, 1),)  # a: 1900, b: 2000
    assert sites.styles_of(1)["point"]["base"]["fill"] == "#D55E00"
    assert sites.styles_of(1)["point"]["highlight"]["fill"] == "#D55E00"
    data = next(layer for layer in render.page_data(story)["layers"] if layer["id"] == "sites")
    assert data["look_of"] == [0, 1] and data["key_of"] == [[0, 1]]
    assert [label["de"] for label in data["keys"][0]["labels"]] == ["vor 1950", "ab 1950"]


def test_the_live_map_and_the_legend_show_the_classes(story_dir, browser, tmp_path):
    from conftest import open_page, run

    _classed_story(story_dir, '{by: year, breaks: [1950], colours: ["#0072B2", "#D55E00"]}')
    out = tmp_path / "site"
    assert run("build", str(story_dir), "-o", str(out)).exit_code == 0
    page, traffic = open_page(browser, (out / "index.html").as_uri() + "#second", viewport={"width": 1366, "height": 768})
    wait_until(page, "storymap.active === 'second'")
    fill = "id => storymap.feature(id).options.fillColor"
    assert (page.evaluate(fill, "a"), page.evaluate(fill, "b")) == ("#0072B2", "#D55E00")
    assert page.locator("[data-sm-legend=sites] .sm-classes li span:visible").all_inner_texts() == \
        ["before 1950", "1950 and later"]
    assert page.locator("#sm-explore .sm-classes li").count() == 2  # the explore panel's layer list
    assert traffic.errors == []
    page.close()


def test_breaks_that_do_not_increase_or_match_the_colours_are_refused_on_their_line(story_dir):
    from conftest import run

    _classed_story(story_dir, '{by: year, breaks: [1950, 1900], colours: ["#0072B2", "#D55E00"]}')
    result = run("check", str(story_dir))
    assert result.exit_code == 1
    assert "sites.yml (line 5, key style.fill_color.breaks): breaks must increase" in result.output
    assert ("sites.yml (line 5, key style.fill_color.colours): 2 breaks make 3 classes, so 'colours' needs 3 colours, "
            "not 2") in result.output


def test_a_class_colour_that_is_not_a_colour_is_refused_in_words(story_dir):
    from conftest import run

    _classed_story(story_dir, '{by: year, categories: {"1900": red}}')
    result = run("check", str(story_dir))
    assert result.exit_code == 1
    assert "key style.fill_color.categories.1900): 'red' is not allowed here; write a colour as #rrggbb" in result.output


def test_a_property_no_feature_has_is_a_warning_on_its_line(story_dir):
    from conftest import run

    _classed_story(story_dir, '{by: kind, palette: okabe-ito}')
    result = run("check", str(story_dir))
    assert result.exit_code == 0, result.output
    assert "sites.yml (line 5, key style.fill_color.by): no feature has the property 'kind'" in result.output


def test_the_print_figure_has_a_key_to_the_classes(story_dir, tmp_path):
    from conftest import run

    _classed_story(story_dir, '{by: year, breaks: [1950], colours: ["#0072B2", "#D55E00"]}')
    out = tmp_path / "site"
    assert run("build", str(story_dir), "-o", str(out), "--handout").exit_code == 0
    html = (out / "handout.de.html").read_text("utf-8")
    key = html.split('<div class="sm-fig-key">', 1)[1].split("</div>", 1)[0]
    assert "vor 1950" in key and "ab 1950" in key and 'fill="#D55E00"' in key
