"""Issue 15, point 7: the pages a build writes are valid HTML with valid CSS. The Nu Html Checker
runs in bench/ (bench/html_check.py; it needs Java); here, without it, the constructs it found are
checked in the built pages, and the checker itself runs when this machine has it."""

from __future__ import annotations

import re
import shutil
import sys
from html.parser import HTMLParser

import pytest
from conftest import REPO

LABELABLE = {"button", "input", "meter", "output", "progress", "select", "textarea"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# CSS the checker's grammar does not know (though browsers do): each has a plain equivalent.
UNKNOWN_CSS = re.compile(r"paint-order\s*:|(?<![\w-])container(-type|-name)?\s*:|@container|\d(cq[whib]|cqmin|cqmax)\b")


class Outline(HTMLParser):
    """What the checker objected to: HTML's `hidden` on an SVG element, a label around more than
    one control, a figcaption in the middle of its figure."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[dict] = []  # the elements open at this point, outermost first
        self.svg_hidden: list[str] = []
        self.crowded_labels = 0
        self.misplaced_captions = 0

    def handle_starttag(self, tag, attrs):
        names = {name for name, _ in attrs}
        if tag in LABELABLE:
            for element in self.open:
                if element["tag"] == "label":
                    element["controls"] += 1
        if any(element["tag"] == "svg" for element in self.open) and "hidden" in names:
            self.svg_hidden.append(tag)
        if self.open and self.open[-1]["tag"] == "figure":
            self.open[-1]["children"].append(tag)
        if tag not in VOID:
            self.open.append({"tag": tag, "controls": 0, "children": []})

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag):
        while self.open:
            element = self.open.pop()
            if element["tag"] == "label" and element["controls"] > 1:
                self.crowded_labels += 1
            children = element["children"]
            if element["tag"] == "figure" and "figcaption" in children[1:-1]:
                self.misplaced_captions += 1
            if element["tag"] == tag:
                return


def built_pages(site):
    out, _ = site
    return {path.name: path.read_text("utf-8") for path in sorted(out.glob("*.html"))}


def test_the_pages_markup_has_none_of_the_constructs_the_checker_rejects(site):
    pages = built_pages(site)
    assert {"index.html", "handout.en.html", "handout.de.html"} <= set(pages)
    for name, html in pages.items():
        outline = Outline()
        outline.feed(html)
        assert outline.svg_hidden == [], f"{name}: HTML's hidden on SVG elements (use visibility)"
        assert outline.crowded_labels == 0, f"{name}: a label names one control"
        assert outline.misplaced_captions == 0, f"{name}: a figcaption is a figure's first or last child"


def test_our_style_sheets_use_only_css_the_checker_knows(site):
    sheets = {name: (REPO / "templates" / name).read_text("utf-8") for name in ("storymap.css", "print.css")}
    out, _ = site
    for name, html in built_pages(site).items():
        sheets[f"{name} (inline)"] = html  # the theme's sheet and the minified ones, as shipped
    for name, css in sheets.items():
        found = [m.group(0) for m in UNKNOWN_CSS.finditer(css)]
        assert found == [], f"{name}: {found}"


def test_the_nu_html_checker_finds_no_error_in_our_markup_or_css(site, tmp_path):
    sys.path.insert(0, str(REPO / "bench"))
    import html_check

    if not shutil.which("java") or not html_check.VNU.exists():
        pytest.skip("the Nu Html Checker needs java and bench/node_modules (cd bench && npm install)")
    from storymap import render

    out, _ = site
    leaflet_css = render._leaflet()[1]
    sheets = html_check.our_style_sheets(tmp_path)  # not into the shared site
    report = html_check.check(sorted(out.glob("*.html")), sheets, leaflet_css)
    assert report.ours == []
    assert report.counts[("index.html", html_check.LEAFLET, "error")] >= 1  # Leaflet's are told apart, not lost
