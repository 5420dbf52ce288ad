"""Style decided by the data (issue 14, point 2): classes of a number computed at build time
(quantile, equal-interval), the outline colour classed like the fill, dots sized by a number, marker
symbols and icons; each shown alike by the live map, the legend, the explore list, the popup, the
print figures and the handout."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from browser import wait_until
from conftest import POINT_A, POINT_B, collection, feature, open_page, run, write
from storymap import pipeline, render
from storymap.figures import Figures
from storymap.load import UI_TEXT
from storymap.styles import (SYMBOLS, class_breaks, feature_classes, feature_sizes, layer_classes, layer_styles,
                             sized_radius)

WORDS = {lang: UI_TEXT[lang] for lang in ("en", "de")}
STYLE = {"color": "#123456", "weight": 2, "opacity": 1, "fill_color": "#abcdef", "fill_opacity": 0.8,
         "radius": 6, "dash": "", "symbol": "circle"}
SCHEMA = Path(__file__).resolve().parent.parent / "storymap/schemas/storymap.schema.json"

# ---- classes computed from the numbers -----------------------------------------------------


def test_equal_interval_classes_have_equal_widths_and_whole_numbers_stay_whole():
    assert class_breaks("equal-interval", 4, [1900, 2000, 1950, 1930]) == [1925, 1950, 1975]
    assert class_breaks("equal-interval", 3, [0, 1, 2, 3]) == [1, 2]  # ceil(1/3 ...): the same classes of whole numbers
    assert class_breaks("equal-interval", 2, [0.1, 0.35, 0.6]) == [0.35]


def test_quantile_breaks_never_split_equal_values():
    assert class_breaks("quantile", 2, [1, 1, 1, 2, 3, 4]) == [2]
    assert class_breaks("quantile", 3, [1, 1, 1, 1, 2, 3]) == [2, 3]


@pytest.mark.parametrize("method", ["quantile", "equal-interval"])
def test_too_few_different_numbers_for_the_classes_are_refused_in_words(method):
    with pytest.raises(ValueError, match="has 2 different numbers, too few for 3 classes: ask for 2 classes or fewer"):
        class_breaks(method, 3, [5, 5, 7, None, "n/a"])


numbers = st.lists(st.integers(-5000, 5000) | st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False).map(
    lambda x: round(x, 3)), min_size=1, max_size=80)


@given(numbers, st.integers(2, 7), st.sampled_from(["quantile", "equal-interval"]), st.randoms())
def test_every_value_falls_in_exactly_one_class_and_every_class_has_a_feature(values, count, method, random):
    if len(set(values)) < count:
        with pytest.raises(ValueError):
            class_breaks(method, count, values)
        return
    try:
        breaks = class_breaks(method, count, values)
    except ValueError as error:  # only quantiles of values too often equal may fail, and say so
        assert method == "quantile" and "of one value" in str(error)
        return
    shuffled = list(values)
    random.shuffle(shuffled)
    assert class_breaks(method, count, shuffled) == breaks  # the order of the features does not matter
    colours = [f"#{i}{i}{i}" for i in range(count)]
    classes, index = feature_classes({"by": "x", "method": method, "colours": colours}, values, "#999", WORDS)
    assert len(classes) == count  # every value is a number: no "no value" class
    assert all(0 <= i < count for i in index)
    if method == "quantile":  # equal widths may leave a class empty; quantiles never do
        assert set(index) == set(range(count))
    for value, i in zip(values, index, strict=True):  # each value in the one class whose range holds it
        assert (i == 0 or breaks[i - 1] <= value) and (i == count - 1 or value < breaks[i])


@given(st.lists(st.integers(0, 10**6), min_size=6, max_size=200, unique=True), st.integers(2, 6))
def test_quantile_classes_of_different_values_have_near_equal_counts(values, count):
    if len(values) < count:
        return
    _, index = feature_classes({"by": "x", "method": "quantile", "colours": ["#000"] * count}, values, "#999", WORDS)
    counts = [index.count(i) for i in range(count)]
    assert max(counts) - min(counts) <= 1, counts


def test_computed_classes_are_labelled_like_explicit_breaks_and_a_value_on_a_break_starts_the_next():
    spec = {"by": "closed", "method": "equal-interval", "colours": ["#111", "#222", "#333", "#444"]}
    classes, index = feature_classes(spec, [1900, 1925, 1949, 1950, 2000, None], "#999", WORDS)
    assert [c["label"]["en"] for c in classes] == ["before 1925", "1925–1949", "1950–1974", "1975 and later", "no value"]
    assert [c["label"]["de"] for c in classes] == ["vor 1925", "1925–1949", "1950–1974", "ab 1975", "ohne Angabe"]
    assert index == [0, 1, 1, 2, 3, 4]


# ---- one classing for every key ------------------------------------------------------------


def test_the_outline_colour_is_classed_by_the_same_code_as_the_fill():
    spec = {"by": "opened", "breaks": [1900], "colours": ["#0072B2", "#D55E00"], "title": {"en": "Opened"}}
    rows = [{"opened": 1850}, {"opened": 1950}]
    as_outline = layer_classes(STYLE, {"color": spec}, ("line",), rows, {"en": WORDS["en"]})
    as_fill = layer_classes(STYLE, {"fill_color": spec}, ("point",), rows, {"en": WORDS["en"]})
    assert [look["line"]["base"]["stroke"] for look in as_outline["looks"]] == ["#0072B2", "#D55E00"]
    assert [look["point"]["base"]["fill"] for look in as_fill["looks"]] == ["#0072B2", "#D55E00"]
    assert as_outline["key_of"] == as_fill["key_of"] == ((0, 1),)
    # classed alike, outline and fill make one key of the legend, its signs in both colours
    both = layer_classes(STYLE, {"color": spec, "fill_color": spec}, ("point",), rows, {"en": WORDS["en"]})
    assert len(both["keys"]) == 1
    sign = both["keys"][0]["classes"][1]["styles"]["point"]["legend"]
    assert sign["stroke"] == sign["fill"] == "#D55E00"


def test_keys_by_different_properties_combine_into_looks():
    colour = {"by": "year", "breaks": [1950], "colours": ["#111111", "#222222"], "title": {"en": "Year"}}
    symbol = {"by": "kind", "categories": {"mine": "square", "plant": "triangle"}, "title": {"en": "Kind"}}
    rows = [{"year": 1900, "kind": "mine"}, {"year": 2000, "kind": "mine"}, {"year": 1900, "kind": "plant"},
            {"year": 1900, "kind": "mine"}]
    out = layer_classes(STYLE, {"fill_color": colour, "symbol": symbol}, ("point",), rows, {"en": WORDS["en"]})
    assert [key["title"]["en"] for key in out["keys"]] == ["Year", "Kind"]
    assert out["look_of"] == (0, 1, 2, 0)
    looks = [(look["point"]["base"]["fill"], look["point"]["base"]["symbol"]) for look in out["looks"]]
    assert looks == [("#111111", "square"), ("#222222", "square"), ("#111111", "triangle")]
    assert layer_styles(STYLE, ("point",))["point"]["base"]["symbol"] == "circle"


# ---- sizes and symbols ---------------------------------------------------------------------


def test_sized_dots_scale_their_area_with_the_value_between_min_and_max():
    spec = {"by": "jobs", "min": 3, "max": 20, "title": {"en": "Jobs"}}
    values = [4000, 1000, 250, 1, None]
    out = feature_sizes(spec, values, {"en": {}})
    radii = [20 * factor for factor in out["size_of"]]
    assert radii[0] == 20 and radii[1] == pytest.approx(10, abs=0.01) and radii[2] == pytest.approx(5, abs=0.01)
    assert radii[3] == radii[4] == 3  # never smaller than min, nor when the value is missing
    assert (radii[1] / radii[0]) ** 2 == pytest.approx(1000 / 4000, rel=1e-3)  # area, not radius, follows the value
    samples = out["sizes"]["samples"]
    assert [s["label"]["en"] for s in samples] == ["4000", "1000", "200"]
    assert [s["radius"] for s in samples] == [sized_radius(spec, v, 4000) for v in (4000, 1000, 200)]


def test_every_symbol_has_the_area_of_the_dot_of_its_radius_and_the_schema_names_them_all():
    for name, corners in SYMBOLS.items():
        if not corners:
            continue
        area = abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(corners, corners[1:] + corners[:1]))) / 2
        assert area == pytest.approx(math.pi, rel=0.01), name
    schema = json.loads(SCHEMA.read_text("utf-8"))
    assert schema["$defs"]["symbol_name"]["enum"] == list(SYMBOLS)


# ---- a story that uses them all ------------------------------------------------------------

SHAFT = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 20 20"><path d="M3 18 L10 2 L17 18 Z" fill="#333"/>'
         '</svg>')


def styled_story(root: Path) -> Path:
    """The tiny story (conftest.make_story) with sites classed by a computed number, sized and with
    symbols by kind, a river coloured by a property, and a layer of icons."""
    sites = [feature(f"s{i}", {"type": "Point", "coordinates": [7.15 + 0.03 * (i % 3), 51.45 + 0.03 * (i // 3)]},
                     closed=1900 + 10 * i, jobs=[100, 400, 1600, 900, 25, 3600][i], kind=["mine", "plant"][i % 2])
             for i in range(6)]
    (root / "data/sites.geojson").write_text(json.dumps(collection(*sites)))
    write(root / "layers/sites.yml", """
        title: {en: Sites, de: Orte}
        data: data/sites.geojson
        style:
          color: "#112233"
          fill_color: {by: closed, method: quantile, colours: ["#fee391", "#fe9929", "#662506"]}
          radius: {by: jobs, min: 3, max: 18, title: {en: Jobs, de: Beschäftigte}}
          symbol: {by: kind, categories: {mine: square, plant: triangle}}
        popup:
          - key: closed
            label: {en: Closed, de: Stillgelegt}
    """)
    (root / "data/river.geojson").write_text(json.dumps(collection(
        feature("r", {"type": "LineString", "coordinates": [[7.1, 51.5], [7.3, 51.45]]}, opened=1850),
        feature("r2", {"type": "LineString", "coordinates": [[7.1, 51.42], [7.3, 51.5]]}, opened=1900))))
    write(root / "layers/river.yml", """
        title: River
        data: data/river.geojson
        style:
          color: {by: opened, breaks: [1875], colours: ["#56B4E9", "#0072B2"], title: {en: Opened, de: Eröffnet}}
    """)
    (root / "icons").mkdir()
    (root / "icons/shaft.svg").write_text(SHAFT)
    write(root / "layers/heads.yml", """
        title: {en: Headframes, de: Fördergerüste}
        data: data/heads.geojson
        style: {icon: icons/shaft.svg, icon_size: 22}
    """)
    (root / "data/heads.geojson").write_text(json.dumps(collection(feature("h1", POINT_A), feature("h2", POINT_B))))
    story = root / "story.yml"
    story.write_text(story.read_text("utf-8").replace("layers: [area, sites, river]", "layers: [area, river, sites, heads]"))
    second = root / "chapters/en/second.md"
    second.write_text(second.read_text("utf-8").replace("layers: [river, sites]", "layers: [river, sites, heads]"))
    first = root / "chapters/en/first.md"
    first.write_text(first.read_text("utf-8").replace("highlight: [a]", "highlight: [s2]"))
    return root


@pytest.fixture
def styled(story_dir: Path) -> Path:
    return styled_story(story_dir)


def test_the_model_carries_classes_sizes_symbols_and_the_icon(styled):
    story, warnings = pipeline.read_story(styled)
    sites = story.layer("sites")
    assert [k["title"]["de"] for k in sites.keys] == ["Stillgelegt", "kind"]  # the popup's label, else the name
    assert [c["label"]["en"] for c in sites.keys[0]["classes"]] == ["before 1920", "1920–1939", "1940 and later"]
    assert sites.key_of[0] == (0, 0, 1, 1, 2, 2)
    s2 = sites.styles_of(2)["point"]
    assert s2["base"]["symbol"] == "square" and s2["base"]["radius"] == pytest.approx(12, abs=0.01)  # 18 * sqrt(1600/3600)
    assert s2["highlight"]["radius"] == pytest.approx(18, abs=0.01)  # the highlight grows it as it grows any dot
    assert story.layer("river").styles_of(1)["line"]["base"]["stroke"] == "#0072B2"
    heads = story.layer("heads")
    assert heads.icon.startswith("data:image/svg+xml;base64,") and heads.styles["point"]["base"]["radius"] == 11
    data = {layer["id"]: layer for layer in render.page_data(story)["layers"]}
    assert data["sites"]["key_of"] == [list(k) for k in sites.key_of] and len(data["sites"]["size_of"]) == 6
    assert data["heads"]["icon"] == heads.icon


def test_print_figures_draw_symbols_sizes_and_icons_as_the_model_says(styled):
    story, _ = pipeline.read_story(styled)
    figure = Figures(story).chapter(story.chapters[1])
    sites = story.layer("sites")
    for shape in figure.shapes:
        if shape["layer"] == "sites":
            style = sites.styles_of(sites.feature_ids.index(shape["feature"]))["point"]["base"]
            assert shape["kind"] == "polygon" and shape["r"] == style["radius"]
            corners = [tuple(map(float, pair.split(","))) for pair in shape["points"].split()]
            assert len(corners) == len(SYMBOLS[style["symbol"]])
    kinds = {shape["layer"]: shape["kind"] for shape in figure.shapes}
    assert kinds["heads"] == "icon" and kinds["river"] == "use"
    html = render.render_page(story, handout=True).html
    assert html.count('<symbol id="sm-icon-heads"') == 1  # the icon is in the page once, drawn by <use>
    assert '<use href="#sm-icon-heads"' in html


def test_the_page_draws_sizes_symbols_icons_and_classes_and_the_popup_names_the_class(styled, browser, tmp_path):
    out = tmp_path / "site"
    assert run("build", str(styled), "-o", str(out)).exit_code == 0
    story, _ = pipeline.read_story(styled)
    page, traffic = open_page(browser, (out / "index.html").as_uri() + "#second", viewport={"width": 1366, "height": 768})
    wait_until(page, "storymap.active === 'second'")
    sites = story.layer("sites")
    for fid in ("s0", "s2", "s5"):
        want = sites.styles_of(sites.feature_ids.index(fid))["point"]["base"]
        # on the map: the symbol's corners, at the sized radius, in the class's colour
        drawn = page.evaluate("id => { const m = storymap.feature(id); const b = m._path.getBBox();"
                              " return [m.options.radius, m.options.fillColor, m._parts[0].length, b.width]; }", fid)
        width = 2 * max(abs(x) for x, _ in SYMBOLS[want["symbol"]]) * want["radius"]
        assert drawn[:3] == [want["radius"], want["fill"], len(SYMBOLS[want["symbol"]])], fid
        assert drawn[3] == pytest.approx(width, abs=1.5), fid
    assert page.evaluate("storymap.feature('r2').options.color") == "#0072B2"  # a line coloured by a property
    icon = page.locator(".leaflet-marker-icon.sm-icon").first
    assert icon.get_attribute("src").startswith("data:image/svg+xml") and icon.bounding_box()["width"] == 22
    legend = page.locator("[data-sm-legend=sites]")
    assert legend.locator(".sm-key-title:visible").all_inner_texts() == ["Closed", "kind", "Jobs"]
    assert legend.locator(".sm-classes li span:visible").all_inner_texts() == \
        ["before 1920", "1920–1939", "1940 and later", "mine", "plant", "3000", "900", "200"]
    assert legend.locator(".sm-sizes svg").count() == 3
    assert page.locator("[data-sm-legend=heads] use[href='#sm-icon-heads']").count() == 1
    assert page.locator("#sm-explore .sm-sizes li").count() == 3  # the explore panel's layer list

    def popup(fid):  # the text of the feature's own popup (the one before may still be fading out)
        return page.evaluate("id => { const m = storymap.feature(id); m.openPopup();"
                             " return m.getPopup().getElement().querySelector('.sm-popup').innerText; }", fid)

    assert re.search(r"Closed\s+1900\s+Closed\s+before 1920\s+kind\s+mine", popup("s0"))
    page.evaluate("storymap.setLanguage('de')")
    assert re.search(r"Stillgelegt\s+1940\s+Stillgelegt\s+ab 1940\s+kind\s+mine", popup("s4"))
    assert "Eröffnet" in popup("r2") and "ab 1875" in popup("r2")
    assert traffic.errors == []
    page.close()


def test_highlight_and_dimming_keep_a_symbol_and_its_size(styled, browser, tmp_path):
    out = tmp_path / "site"
    assert run("build", str(styled), "-o", str(out)).exit_code == 0
    story, _ = pipeline.read_story(styled)
    sites = story.layer("sites")
    page, traffic = open_page(browser, (out / "index.html").as_uri() + "#first", viewport={"width": 1366, "height": 768})
    wait_until(page, "storymap.active === 'first'")
    for fid, look in (("s2", "highlight"), ("s3", "dimmed")):
        want = sites.styles_of(sites.feature_ids.index(fid))["point"][look]
        got = page.evaluate("id => { const o = storymap.feature(id).options; return [o.radius, o.color, o.opacity]; }", fid)
        assert got == [want["radius"], want["stroke"], want["stroke_opacity"]], fid
    assert traffic.errors == []
    page.close()


# ---- what the author is told ---------------------------------------------------------------


def _sites_style(root: Path, style: str) -> None:
    layer = root / "layers/sites.yml"
    layer.write_text(layer.read_text("utf-8").replace('style: {color: "#112233", radius: 5}', "style:\n" + style))


def test_a_value_that_is_not_a_number_is_named_with_its_feature_and_file(story_dir):
    (story_dir / "data/sites.geojson").write_text(json.dumps(collection(
        feature("a", POINT_A, year=1900), feature("b", POINT_B, year="around 1950"))))
    _sites_style(story_dir, '  fill_color: {by: year, method: quantile, colours: ["#111111", "#222222"]}\n')
    result = run("check", str(story_dir))
    assert result.exit_code == 1
    assert ("sites.yml (line 4, key style.fill_color.by): feature 2 ('b') of sites.geojson has year = 'around 1950', "
            "not a number") in result.output


def test_too_few_different_values_for_the_classes_are_refused_on_their_line(story_dir):
    _sites_style(story_dir, '  color: {by: year, method: equal-interval, colours: ["#111111", "#222222", "#333333"]}\n')
    result = run("check", str(story_dir))
    assert result.exit_code == 1
    assert ("sites.yml (line 4, key style.color.colours): 'year' has 2 different numbers, too few for 3 classes: "
            "ask for 2 classes or fewer, or give 'breaks'") in result.output


@pytest.mark.parametrize("style, message", [
    ('  fill_color: {by: year, method: quantile}\n', "key style.fill_color.method): 'method: quantile' needs 'colours'"),
    ('  fill_color: {by: year, method: quantile, classes: 3, colours: ["#111111", "#222222"]}\n',
     "key style.fill_color.colours): 'classes: 3' needs 3 colours, not 2"),
    ('  symbol: {by: year, categories: {"1900": hexagon}}\n', "key style.symbol.categories.1900): 'hexagon' is not one of"),
    ('  radius: {by: year, min: 9, max: 4}\n', "key style.radius.min): 'min' (9) must be smaller than 'max' (4)"),
    ('  radius: {by: year}\n', "key style.radius): a radius by a number needs 'by' (the property) and 'max'"),
    ('  icon: icons/x.svg\n  symbol: square\n', "key style.symbol): a layer's dots are drawn either as its 'icon' or"),
])
def test_a_styling_mistake_is_named_on_its_line(story_dir, style, message):
    _sites_style(story_dir, style)
    result = run("check", str(story_dir))
    assert result.exit_code == 1
    assert message in result.output, result.output
    assert "internal error" not in result.output


def test_negative_sizes_are_refused_with_their_feature(story_dir):
    (story_dir / "data/sites.geojson").write_text(json.dumps(collection(
        feature("a", POINT_A, jobs=10), feature("b", POINT_B, jobs=-3))))
    _sites_style(story_dir, "  radius: {by: jobs, max: 12}\n")
    result = run("check", str(story_dir))
    assert result.exit_code == 1
    assert "key style.radius.by): feature 2 ('b') of sites.geojson has jobs = -3: sizes show amounts of zero or more" \
        in result.output


@pytest.mark.parametrize("content, message", [
    ('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
     "icon 'icons/bad.svg' is an SVG with script or outside references"),
    ('<svg xmlns="http://www.w3.org/2000/svg"><image href="https://tracker.example/x.png"/></svg>',
     "icon 'icons/bad.svg' is an SVG with script or outside references"),
    ("not an image at all", "icon 'icons/bad.svg' is not an SVG image (it has no <svg> element)"),
])
def test_a_hostile_or_broken_icon_is_refused_with_its_file_and_key(story_dir, content, message):
    (story_dir / "icons").mkdir()
    (story_dir / "icons/bad.svg").write_text(content)
    _sites_style(story_dir, "  icon: icons/bad.svg\n")
    result = run("build", str(story_dir), "-o", str(story_dir.parent / "out"))
    assert result.exit_code == 1
    assert "sites.yml (line 4, key style.icon): icon 'icons/bad.svg'" in result.output, result.output
    assert message in result.output
    assert "internal error" not in result.output and not (story_dir.parent / "out").exists()


def test_an_icon_outside_the_story_folder_is_refused(story_dir, tmp_path):
    outside = tmp_path / "outside.svg"
    outside.write_text(SHAFT)
    (story_dir / "icons").mkdir()
    (story_dir / "icons/link.svg").symlink_to(outside)
    _sites_style(story_dir, "  icon: icons/link.svg\n")
    result = run("check", str(story_dir))
    assert result.exit_code == 1
    assert "key style.icon): icon 'icons/link.svg' points outside the story folder" in result.output, result.output


def test_a_python_story_with_an_icon_and_sizes_builds_the_same_bytes_as_its_folder(tmp_path):
    import warnings

    import storymap

    (tmp_path / "icons").mkdir()
    (tmp_path / "icons/shaft.svg").write_text(SHAFT)
    story = storymap.Story("Icons", view={"center": [51.47, 7.22], "zoom": 11}, root=tmp_path)
    story.add_layer("heads", collection(feature("h1", POINT_A, jobs=10), feature("h2", POINT_B, jobs=40)),
                    title="Headframes", style={"icon": "icons/shaft.svg", "icon_size": 20})
    story.add_layer("sites", collection(feature("a", POINT_A, jobs=10), feature("b", POINT_B, jobs=40)),
                    title="Sites", style={"radius": {"by": "jobs", "max": 12}, "symbol": "star"})
    story.add_chapter("one", title="One", text="Text.", view={"center": [51.47, 7.22], "zoom": 12},
                      layers=["heads", "sites"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        story.save(tmp_path / "api")
    story.to_folder(tmp_path / "folder")
    assert (tmp_path / "folder/icons/shaft.svg").read_text() == SHAFT  # the icon goes along
    result = run("build", str(tmp_path / "folder"), "-o", str(tmp_path / "cli"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "api/index.html").read_bytes() == (tmp_path / "cli/index.html").read_bytes()


def test_a_misnamed_icon_is_shown_as_what_it_is_with_a_warning(story_dir, tmp_path):
    import io

    from PIL import Image

    png = io.BytesIO()
    Image.new("RGBA", (16, 16), (200, 80, 0, 255)).save(png, "PNG")
    (story_dir / "icons").mkdir()
    (story_dir / "icons/mine.jpg").write_bytes(png.getvalue())
    _sites_style(story_dir, "  icon: icons/mine.jpg\n")
    result = run("build", str(story_dir), "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert "key style.icon): icon 'icons/mine.jpg' is a PNG file, not what its name says" in result.output
    assert "data:image/png;base64," in (tmp_path / "out/index.html").read_text("utf-8")
