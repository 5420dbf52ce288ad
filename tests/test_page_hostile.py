"""A story whose data and Markdown are full of script payloads: the page shows them as text,
opens every chapter and popup, and no injected code ever runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from browser import wait_until, watch
from conftest import POINT_A, POINT_B, SQUARE, collection, feature, open_page, write
from storymap import pipeline

# Each payload, if it ever ran, would set window.__pwned or open a dialog.
PAYLOADS = [
    "<img src=x onerror=\"window.__pwned=1;alert(1)\">",
    "</script><script>window.__pwned=2;alert(2)</script>",
    "<svg onload=\"window.__pwned=3\">",
    "javascript:window.__pwned=4",
    "\" onmouseover=\"window.__pwned=5\" x=\"",
    "{{ 7*7 }}{% raw %}",
    "<!--",
    "\u2028\u2029",
]
EVIL = " ".join(PAYLOADS)


def hostile_story(root: Path) -> Path:
    write(root / "story.yml", f"""
        title: {json.dumps(EVIL)}
        subtitle: {json.dumps(EVIL)}
        languages: [en, de]
        view: {{center: [51.47, 7.22], zoom: 11}}
        basemap:
          url: "https://tile.openstreetmap.org/{{z}}/{{x}}/{{y}}.png"
          attribution: {json.dumps('<a href="javascript:window.__pwned=6">x</a><img src=x onerror="window.__pwned=7">')}
        layers: [area, sites]
        chapters: [one, two]
        glossary: glossary.yml
    """)
    write(root / "glossary.yml", f"terms:\n  - term: {json.dumps(EVIL)}\n    definition: {json.dumps(EVIL)}\n")
    write(root / "layers/area.yml", f"title: {json.dumps(EVIL)}\ndata: data/area.geojson\nkind: context\n"
                                    f"attribution: {json.dumps(EVIL)}\nlicence: {json.dumps(EVIL)}\n")
    write(root / "layers/sites.yml", f"""
        title: {json.dumps(EVIL)}
        data: data/sites.geojson
        popup:
          - key: {json.dumps(EVIL)}
          - key: year
            label: {json.dumps(EVIL)}
    """)
    props = {"name": EVIL, "description": EVIL, "description_de": EVIL, "year": EVIL, EVIL: EVIL}
    (root / "data").mkdir(exist_ok=True)
    (root / "data/sites.geojson").write_text(json.dumps(collection(
        {"type": "Feature", "id": "a", "properties": props, "geometry": POINT_A},
        {"type": "Feature", "id": "b", "properties": {"name": "</script><script>window.__pwned=8</script>"}, "geometry": POINT_B},
    )))
    (root / "data/area.geojson").write_text(json.dumps(collection(feature("area", SQUARE, name=EVIL))))
    body = "\n\n".join([
        EVIL,
        "<script>window.__pwned=9</script>",
        "[click](javascript:window.__pwned=10) [data](data:text/html,<script>alert(1)</script>)",
        "<a href=\"#\" onclick=\"window.__pwned=11\">raw link</a>",
        "![img](x\" onerror=\"window.__pwned=12)",
    ])
    for lang in ("en", "de"):
        for cid, extra in (("one", "view: {center: [51.48, 7.2], zoom: 13}\nlayers: [sites]\nhighlight: [a, b]\n"),
                           ("two", "view: {fit: [sites]}\nlayers: [sites]\n")):
            front = f"title: {json.dumps(EVIL)}\n" + (extra if lang == "en" else "")
            front += f"questions: [{json.dumps(EVIL)}]\nsources:\n  - title: {json.dumps(EVIL)}\n    url: \"https://example.org/?q=<script>\"\n"
            write(root / f"chapters/{lang}/{cid}.md", f"---\n{front}---\n{body}\n")
    return root


@pytest.fixture(scope="module")
def page_url(tmp_path_factory):
    root = hostile_story(tmp_path_factory.mktemp("hostile") / "story")
    out = root.parent / "site"
    pipeline.build(root, out)
    return (out / "index.html").as_uri()


def test_no_payload_runs_anywhere(page_url, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    traffic = watch(page)
    page.goto(page_url)
    wait_until(page, "window.storymap && storymap.map")
    for lang in ("en", "de"):
        page.evaluate(f"() => storymap.setLanguage('{lang}')")
        for chapter in ("one", "two"):
            page.evaluate(f"() => storymap.goTo('{chapter}', {{instant: true}})")
            page.wait_for_timeout(450)
            # open every popup and every tooltip, and hover every feature
            page.evaluate("""() => Object.values(storymap.layers).forEach(group => group.eachLayer(layer => {
                if (layer.getPopup()) { layer.openPopup(); }
                if (layer.getTooltip()) { layer.openTooltip(); }
                layer.fire('mouseover');
            }))""")
            page.wait_for_timeout(100)
    page.mouse.move(300, 300)
    for link in page.locator("main a").all():
        if link.is_visible():
            link.hover()
    assert page.evaluate("() => window.__pwned") is None
    assert dialogs == []
    assert traffic.other == []  # no image or script was fetched for a payload
    text = page.locator("body").inner_text()
    assert "{{ 7*7 }}{% raw %}" in text  # template syntax stays literal text
    assert page.locator(".sm-popup").count() >= 1, "popups were opened"
    links = page.evaluate("() => [...document.querySelectorAll('a')].map(a => a.getAttribute('href'))")
    assert not [href for href in links if href and href.strip().lower().startswith(("javascript:", "data:"))]
    assert page.evaluate("() => document.querySelectorAll('[onerror],[onload],[onclick],[onmouseover]').length") == 0


def test_popups_show_payloads_as_text(page_url, browser):
    page, _ = open_page(browser, page_url)
    page.evaluate("() => storymap.goTo('one', {instant: true})")
    heading = page.evaluate("""() => {
        let node = null;
        storymap.layers.sites.eachLayer(layer => { if (layer.feature.id === 'a') { layer.openPopup(); node = layer.getPopup().getElement(); } });
        return node.querySelector('h3').textContent;
    }""")
    assert heading == EVIL
