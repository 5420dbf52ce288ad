"""Themes that stay readable: the colour math, a palette derived from the theme's few keys, style
sheets without a colour of their own, the build refusing a theme nobody can read, and a dark
theme audited in the browser."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import ARTIFACTS, REPO, run

from storymap import render, theme

STYLE_SHEETS = [REPO / "templates/storymap.css", REPO / "templates/print.css"]
SCREEN_TEMPLATES = [REPO / "templates/figure.svg.j2", REPO / "templates/explore.html.j2", REPO / "templates/page.html.j2"]

# ---- the colour math (WCAG 2.x) ---------------------------------------------------------------


@pytest.mark.parametrize("a, b, ratio", [
    ("#000000", "#ffffff", 21.0),   # the largest contrast there is
    ("#777777", "#ffffff", 4.48),   # the classic grey that just fails AA for body text
    ("#ffffff", "#777777", 4.48),   # order does not matter
    ("#767676", "#ffffff", 4.54),   # the lightest grey that passes on white
    ("#0000ff", "#ffffff", 8.59),
    ("#ff0000", "#ffffff", 4.0),
    ("#123456", "#123456", 1.0),
])
def test_contrast_ratio_matches_known_wcag_values(a, b, ratio):
    assert round(theme.contrast(a, b), 2) == ratio


def test_the_examples_in_the_docstrings_hold():
    import doctest

    assert doctest.testmod(theme).failed == 0


def test_relative_luminance_and_hex_parsing():
    assert theme.relative_luminance("#ffffff") == 1.0 and theme.relative_luminance("#000") == 0.0
    assert round(theme.relative_luminance("#808080"), 4) == 0.2159
    assert theme.parse_hex("#AbC") == (170, 187, 204) == theme.parse_hex("#aabbcc")
    assert theme.to_hex((255, 0, 127.5)) == "#ff0080" and theme.to_hex((300, -5, 0)) == "#ff0000"
    assert theme.mix("#000000", "#ffffff", 0.5) == "#808080" and theme.mix("#102030", "#ffffff", 0) == "#102030"
    for bad in ("red", "#12345", "#ggg", "fff", "#ffffff;}", None):
        with pytest.raises(ValueError):
            theme.parse_hex(bad)


# ---- the palette ------------------------------------------------------------------------------


@pytest.mark.parametrize("preset", sorted(theme.PRESETS))
def test_every_preset_is_readable(preset):
    failing = [(p.label, round(p.ratio, 2)) for p in theme.readability({"preset": preset}) if p.ratio < p.need]
    assert failing == []


def test_a_preset_key_can_be_overridden():
    dark = theme.resolve({"preset": "dark", "accent": "#FFCC00"})
    assert dark["accent"] == "#ffcc00" and dark["paper"] == theme.PRESETS["dark"]["paper"]
    assert theme.resolve(None) == theme.resolve({}) == theme.PRESETS["light"]


def test_derived_text_stays_readable_where_the_theme_is():
    # Ink that only just passes: the muted text derived from it must not fall below the line.
    palette = theme.palette({"ink": "#6a6a6a", "paper": "#ffffff"})
    assert theme.contrast(palette["muted"], "#ffffff") >= 4.5
    assert all(p.ratio >= p.need for p in theme.readability({"ink": "#6a6a6a", "paper": "#ffffff"}))


def _variables_used() -> set[str]:
    """Variables the style sheets use but do not define themselves (those are layout sizes such
    as the bar's height or the card's width): the palette must define every one."""
    text = "".join(path.read_text(encoding="utf-8") for path in STYLE_SHEETS)
    return set(re.findall(r"var\(--sm-([a-z-]+)\)", text)) - set(re.findall(r"--sm-([a-z-]+)\s*:", text))


@pytest.mark.parametrize("handout", [False, True])
def test_every_variable_the_style_sheets_use_is_defined_by_the_palette(handout):
    css = theme.page_css({"preset": "dark"}, handout=handout)
    defined = set(re.findall(r"--sm-([a-z-]+):", css.split("@media")[0]))
    assert _variables_used() and _variables_used() <= defined


def test_print_and_the_handout_are_dark_on_white():
    css = theme.page_css({"preset": "dark"})
    screen, printed = css.split("@media print")
    assert "--sm-paper:#171614" in screen and "color-scheme:dark" in screen
    assert "--sm-paper:#ffffff" in printed and "--sm-ink:#1d1d1b" in printed and "color-scheme:light" in printed
    handout = theme.page_css({"preset": "dark"}, handout=True)
    assert "@media" not in handout and "--sm-paper:#ffffff" in handout


def test_nothing_but_checked_values_reaches_the_css():
    with pytest.raises(ValueError):
        theme.page_css({"font": "Arial;} body {display: none"})
    with pytest.raises(ValueError):
        theme.page_css({"ink": "#fff;} body {display: none"})


# ---- the style sheets hold no colour of their own -------------------------------------------

# A colour literal: #rgb/#rrggbb(aa), a colour function, or a named colour (the common ones).
COLOUR_LITERAL = re.compile(
    r"#[0-9a-fA-F]{3,8}\b|\b(?:rgba?|hsla?|hwb|lab|lch|oklab|oklch|color)\(|"
    r"\b(?:white|black|red|green|blue|gr[ae]y|silver|yellow|orange|purple|navy|maroon|teal|olive|lime|aqua|"
    r"fuchsia|brown|pink|gold|beige|ivory|whitesmoke|gainsboro|(?:light|dark)gr[ae]y)\b", re.I)
# Kept on purpose, each with its reason.
ALLOWED = {
    "transparent": "no colour at all: an element that lets its parent's (themed) background show",
}


def colour_literals(css: str) -> list[str]:
    """Every colour written out in a style sheet, outside its comments and custom-property definitions."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    css = re.sub(r"--[\w-]+\s*:[^;}]*", "", css)
    values = re.findall(r":\s*([^;{}]*)", re.sub(r"[^{}]*\{", "{", css))  # declarations' values only
    return [m.group(0) for value in values for m in COLOUR_LITERAL.finditer(value)]


@pytest.mark.parametrize("path", STYLE_SHEETS, ids=lambda p: p.name)
def test_the_style_sheets_hold_no_colour_literal(path: Path):
    css = path.read_text(encoding="utf-8")
    assert colour_literals(css) == []
    used = set(re.findall(r"\b(" + "|".join(ALLOWED) + r")\b", css))
    assert used <= set(ALLOWED)


def test_the_literal_check_sees_each_form():
    sample = ".a { color: #fff; background: rgba(0, 0, 0, 0.1); border: 1px solid Grey; --sm-x: #000; fill: var(--sm-ink); }"
    assert colour_literals(sample) == ["#fff", "rgba(", "Grey"]
    assert colour_literals(".b { white-space: nowrap; font: 700 1rem var(--sm-font); }") == []


@pytest.mark.parametrize("path", SCREEN_TEMPLATES, ids=lambda p: p.name)
def test_the_page_templates_paint_no_colour_of_their_own(path: Path):
    # A layer's own colour reaches the page as data (fill="{{ ... }}"); a written-out one would be ours.
    text = path.read_text(encoding="utf-8")
    assert re.findall(r'(?:fill|stroke|color|background)="#[0-9a-fA-F]{3,6}"', text) == []


# ---- the build refuses an unreadable theme ----------------------------------------------------


def _with_theme(story_dir: Path, line: str) -> Path:
    story = story_dir / "story.yml"
    story.write_text(story.read_text(encoding="utf-8") + line + "\n", encoding="utf-8")
    return story_dir


def test_light_text_on_a_light_page_is_refused(story_dir: Path, tmp_path: Path):
    _with_theme(story_dir, 'theme:\n  paper: "#fafafa"\n  ink: "#dddddd"')
    result = run("build", str(story_dir), "-o", str(tmp_path / "site"))
    assert result.exit_code == 1, result.output
    assert re.search(r"story\.yml \(line \d+, key theme\.ink\): body text on the page \('#dddddd' on '#fafafa'\) "
                     r"has a contrast of 1\.\d\d:1; body text needs at least 4\.5:1 \(WCAG AA\) — darken ink or "
                     r"lighten paper", result.output), result.output
    assert "text on cards ('#dddddd' on '#ffffff')" in result.output
    assert not (tmp_path / "site").exists()


def test_the_message_names_the_pair_and_its_ratio(story_dir: Path):
    _with_theme(story_dir, 'theme: {ink: "#777777"}')
    result = run("check", str(story_dir))
    assert result.exit_code == 1
    assert ("key theme.ink): text on cards ('#777777' on '#ffffff') has a contrast of 4.48:1; body text needs "
            "at least 4.5:1 (WCAG AA) — darken ink or lighten card") in result.output, result.output


def test_a_ratio_just_under_the_line_is_not_rounded_up_to_it():
    assert theme._shown(4.496, 4.5) == "4.49" and theme._shown(4.478, 4.5) == "4.48" and theme._shown(3.0, 3.0) == "3.00"


@pytest.mark.parametrize("line, words", [
    # a mid-grey bar: neither the ink nor the card colour reads on it
    ('theme: {bar: "#808080"}', "key theme.bar): the top bar's text ('#1d1d1b' on '#808080') has a contrast of 4.27:1"),
    ('theme: {bar: "#777777"}', "the top bar's text ('#ffffff' on '#777777') has a contrast of 4.48:1; body text "
                                "needs at least 4.5:1 (WCAG AA) — darken bar"),
    ('theme: {accent: "#f0c000"}', "key theme.accent): links on the page"),
    ('theme: {preset: dark, accent: "#a63d14"}', "links on the page ('#a63d14' on '#171614')"),
    ('theme: {preset: dark, accent: "#a63d14"}', "— lighten accent or darken paper"),
])
def test_unreadable_pairs_name_the_key_to_change(story_dir: Path, line: str, words: str):
    result = run("check", str(_with_theme(story_dir, line)))
    assert result.exit_code == 1 and words in result.output, result.output


def test_the_presets_build_and_an_unknown_one_is_refused(story_dir: Path, tmp_path: Path):
    assert run("check", str(_with_theme(story_dir, "theme: {preset: dark}"))).exit_code == 0
    story = story_dir / "story.yml"
    story.write_text(story.read_text(encoding="utf-8").replace("preset: dark", "preset: midnight"), encoding="utf-8")
    result = run("check", str(story_dir))
    assert result.exit_code == 1 and "key theme.preset" in result.output, result.output


def test_the_default_page_carries_the_light_palette(story_dir: Path, tmp_path: Path):
    assert run("build", str(story_dir), "-o", str(tmp_path / "site")).exit_code == 0
    html = (tmp_path / "site/index.html").read_text(encoding="utf-8")
    assert theme.page_css(None) in html and "color-scheme:light" in html
    assert "#1d1d1b" in render.ERROR_STYLE  # the error page wears the light theme too


# ---- a dark theme in the browser --------------------------------------------------------------


@pytest.fixture(scope="module")
def dark_site(tmp_path_factory):
    """The bundled story with `theme: {preset: dark}`, built once: the index.html's file:// URL."""
    from storymap import pipeline

    root = tmp_path_factory.mktemp("dark")
    story = root / "story"
    story.mkdir()
    for name in ("story.yml", "glossary.yml"):
        shutil.copy(REPO / name, story / name)
    for folder in ("layers", "geojson", "chapters"):
        shutil.copytree(REPO / folder, story / folder)
    _with_theme(story, "theme: {preset: dark}")
    pipeline.build(story, root / "site")
    return (root / "site/index.html").as_uri()


def _contrast_violations(page) -> list:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [(v["id"], [(n["target"], n.get("any", [{}])[0].get("message", "")) for n in v["nodes"][:5]])
            for v in results.response["violations"] if v["id"] == "color-contrast" or v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("where", ["story", "explore"])
def test_axe_finds_no_contrast_problem_in_a_dark_theme(dark_site, browser, where):
    from browser import wait_until, watch

    # axe-core is injected as a script, which the page's CSP would rightly refuse.
    context = browser.new_context(bypass_csp=True, viewport={"width": 1366, "height": 768})
    page = context.new_page()
    watch(page)
    page.goto(dark_site + "#crisis")
    wait_until(page, "window.storymap && storymap.active === 'crisis'")
    page.wait_for_selector("[data-sm-offline][lang=en]:not([hidden])")  # the notice is audited too
    if where == "explore":
        page.click(".sm-explore-button")
        wait_until(page, "storymap.explore.active")
        page.evaluate("() => document.querySelectorAll('.sm-table-wrap').forEach(d => { d.open = true; })")
    # a popup, with its link, and the chapter's permanent label are on the map
    page.evaluate("() => storymap.layers.mines.getLayers().find(l => l.feature.properties.source_url).openPopup()")
    page.wait_for_selector(".leaflet-popup-content .sm-popup a")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"dark-theme-{where}.png"))
    assert _contrast_violations(page) == []
    context.close()
