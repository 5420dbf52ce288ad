import json
import re
from pathlib import Path

from conftest import open_page, page_data
from storymap import pipeline, render


def test_script_json_cannot_close_the_script_element():
    text = render.script_json({"name": "</script><script>alert(1)</script>", "x": "<!--", "y": "a & b\u2028"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text)["name"] == "</script><script>alert(1)</script>"


def test_markdown_passes_no_html_or_script_links():
    html = render.markdown_html(
        'Hi <img src=x onerror=alert(1)> [a](javascript:alert(1)) [b](https://example.org) **bold**'
    )
    html = str(html)
    assert "<img" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html  # shown as text, not markup
    assert 'href="javascript' not in html
    assert '<a href="https://example.org" rel="noopener noreferrer">b</a>' in html
    assert "<strong>bold</strong>" in html


def test_page_is_lean_offline_and_reproducible(story_dir: Path):
    story, _ = pipeline.read_story(story_dir)
    first, second = render.render_page(story).html, render.render_page(story).html
    assert first == second, "two renders of the same story must be identical"
    # Only Leaflet and our own code: nothing from a CDN, no jQuery/Bootstrap/Font Awesome.
    assert not re.search(r'<(script|link)[^>]+(src|href)="https?:', first)
    for unwanted in ("jquery", "bootstrap", "fontawesome", "font-awesome"):
        assert unwanted not in first.lower()
    assert "map_story" in first and not re.search(r"map_[0-9a-f]{32}", first)
    assert "Leaflet 1.9.4" in first


def test_chapter_text_is_in_the_html_for_readers_without_javascript(story_dir: Path):
    story, _ = pipeline.read_story(story_dir)
    page = render.render_page(story).html
    assert '<section class="sm-chapter" id="first" data-sm-number="1 / 2" data-sm-chapter="first"' in page
    assert '<h2 id="first-title">First chapter</h2>' in page and "<h2>Erstes Kapitel</h2>" in page
    assert "Text of the <strong>first</strong> chapter." in page


def test_fit_views_become_bounds(story_dir: Path):
    story, _ = pipeline.read_story(story_dir)
    second = story.chapters[1]
    assert second.view.to_json() == {"bounds": [[51.45, 7.1], [51.5, 7.3]]}
    assert story.visible_layers(second) == ["area", "sites", "river"]


def test_the_handout_links_to_the_online_story_with_a_qr_code(story_dir: Path):
    text = (story_dir / "story.yml").read_text() + 'url: "https://example.org/tiny/"\n'
    (story_dir / "story.yml").write_text(text)
    story, _ = pipeline.read_story(story_dir)
    handout = render.render_page(story.in_language("de"), handout=True).html
    assert '<a href="https://example.org/tiny/">https://example.org/tiny/</a>' in handout
    assert 'class="segno"' in handout and "<script" not in handout
    assert "Online-Fassung" in handout and "Online version" not in handout


def test_a_language_without_interface_text_falls_back_to_english(story_dir: Path):
    text = (story_dir / "story.yml").read_text().replace("languages: [en, de]", "languages: [en, tr]")
    (story_dir / "story.yml").write_text(text)
    (story_dir / "chapters/de").rename(story_dir / "chapters/tr")
    story, _ = pipeline.read_story(story_dir)
    page = render.render_page(story).html
    assert '<article data-sm-lang="tr" lang="tr" hidden>' in page
    data = page_data(page)
    assert data["ui"]["tr"]["skip"] == "Skip to the story"


PROPERTY_CASES = [  # (properties, key): own translation, none, a null translation, an empty one
    ({"name": "Town hall", "name_de": "Rathaus"}, "name"),
    ({"name": "Park"}, "name"),
    ({"description": "Text", "description_de": None}, "description"),
    ({"description": "Text", "description_de": ""}, "description"),
    ({}, "name"),
]


def test_python_and_the_page_read_localised_properties_by_one_rule(story_dir: Path, browser):
    """`<key>_<lang>` before `<key>`: the model's property_text and the engine's property() agree."""
    from storymap import model

    out = story_dir.parent / "site"
    pipeline.build(story_dir, out)
    page = open_page(browser, (out / "index.html").as_uri())[0]
    for lang in ("en", "de"):
        page.evaluate(f"() => storymap.setLanguage('{lang}')")
        for props, key in PROPERTY_CASES:
            in_page = page.evaluate("([p, k]) => storymap.property(p, k)", [props, key])
            assert in_page == model.property_text(props, key, lang), (lang, props, key)
    page.close()


def test_a_basemap_with_subdomains_starts(story_dir: Path, browser):
    """`{s}` in a tile URL needs Leaflet's subdomains; without them the page never started."""
    story = story_dir / "story.yml"
    story.write_text(story.read_text() + 'basemap: {url: "https://{s}.tile.example.org/{z}/{x}/{y}.png", '
                                         'attribution: "Example"}\n')
    out = story_dir.parent / "site"
    pipeline.build(story_dir, out)
    page, traffic = open_page(browser, (out / "index.html").as_uri())
    assert page.evaluate("() => storymap.map.getZoom()") is not None
    tiles = page.evaluate("() => storymap.basemap.getTileUrl({x: 1, y: 2, z: 3})")
    assert re.fullmatch(r"https://[abc]\.tile\.example\.org/\d+/1/2\.png", tiles), tiles
    page.close()
