"""Step 5 — render: the Story model becomes one HTML page (a string).

folium builds the Leaflet map and its basemap; jinja2 (autoescape on) builds every piece
of HTML; the page's own engine script reads the story from one embedded JSON block.
Nothing here touches the output folder.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import folium
import jinja2
import nh3
import rcssmin
import rjsmin
import segno
from folium.template import Template
from markdown_it import MarkdownIt
from markupsafe import Markup

from . import __version__, compact, images
from .errors import StoryError
from .load import TEMPLATES_DIR, UI_TEXT
from .figures import Figures
from .layout import LAYOUT, media_css
from .model import Chapter, Layer, Story, property_text
from .styles import CAMERA, SYMBOLS, symbol_extent, symbol_points
from .theme import page_css, palette

__all__ = [
    "Page",
    "UI_TEXT",
    "content_security_policy",
    "markdown_html",
    "page_weight",
    "render_error",
    "render_page",
    "script_json",
    "timeline_chart",
]

CANVAS_THRESHOLD = 1000  # features; a larger layer is drawn on a canvas instead of as SVG elements
MAP_NAME = "map_story"  # fixed element name: folium's default is a random id, which breaks byte-identical builds


_ALLOWED_TAGS = {
    "a", "abbr", "img", "blockquote", "br", "code", "em", "h3", "h4", "hr", "li", "ol", "p", "pre",
    "strong", "sub", "sup", "table", "tbody", "td", "th", "thead", "tr", "ul",
}


@cache
def _markdown() -> MarkdownIt:
    # html=False: raw HTML in a chapter is shown as text, never passed through.
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def markdown_html(text: str, prepared: dict[str, images.Prepared] | None = None,
                  image_files: dict[str, bytes] | None = None) -> Markup:
    """Chapter Markdown to sanitised HTML (nh3 is the second fence after markdown-it's escaping);
    its images, `prepared` when the model was assembled, are then embedded, or linked as files
    added to `image_files`."""
    html = _markdown().render(text)
    clean = nh3.clean(
        html,
        tags=_ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "abbr": {"title"}, "td": {"align"}, "th": {"align"},
                    "img": {"src", "alt", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    clean = clean.replace("<img ", '<img loading="lazy" ')
    return Markup(images.embed(clean, prepared or {}, image_files))


def script_json(value: Any) -> Markup:
    """JSON that is safe inside a <script> element: it cannot close the tag or open a comment."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escape)
    return Markup(text)


class _StoryMap(folium.Map):
    """folium's Map without its default CDN assets and page-wide CSS: the page brings Leaflet inline."""

    default_js: list = []
    default_css: list = []
    _template = Template(
        """
        {% macro html(this, kwargs) %}<div class="sm-map" id="{{ this.get_name() }}"></div>{% endmacro %}
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.map({{ this.get_name()|tojson }}, {
            center: {{ this.location|tojson }},
            crs: L.CRS.{{ this.crs }},
            ...{{ this.options|tojavascript }}
        });
        {% endmacro %}
        """
    )


def _map_parts(story: Story) -> tuple[Markup, Markup, Markup]:
    """The map's container div, the script that creates the map, and the one that adds its basemap
    (the engine runs them in tasks of their own, engine/start.js)."""
    start = story.view
    center = start.midpoint
    leaflet_map = _StoryMap(
        location=list(center),
        zoom_start=start.zoom if start.zoom is not None else 12,
        tiles=None,
        scroll_wheel_zoom=False,  # the wheel scrolls the story, not the map
        zoom_snap=0.25,
    )
    leaflet_map._id = "story"
    basemap = story.basemap
    tiles = folium.TileLayer(
        tiles=basemap["url"],
        attr=_sanitised_attribution(basemap["attribution"]),
        max_zoom=basemap.get("max_zoom", 19),
        name="basemap",
        # Leaflet fills {s} from this list; with none, a {s} in the URL stops the page from starting
        subdomains=["a", "b", "c"] if "{s}" in basemap["url"] else [],
    )
    tiles._id = "basemap"
    # folium writes out options Leaflet would take anyway; the page's code is within a byte budget
    _drop_leaflet_defaults(leaflet_map.options)
    _drop_leaflet_defaults(tiles.options)
    figure = leaflet_map.get_root()
    figure.render()
    map_script = figure.script.render()
    leaflet_map.add_child(tiles, name="basemap")
    figure.render()
    both = figure.script.render()
    # folium writes the scripts of a map's elements in the order they were added: the basemap's
    # (the tile layer and the line adding it to the map) follow the map's
    if not both.startswith(map_script):
        raise RuntimeError(f"folium {folium.__version__} no longer writes the map's script before its layers'")
    basemap_script = both[len(map_script):]
    return (Markup(figure.html.render().strip()), Markup(map_script.strip()),
            Markup(basemap_script.strip()))


# Leaflet 1.9's own defaults for options folium sets (snake_case, as folium keeps them).
_LEAFLET_DEFAULTS = {"zoom_control": True, "prefer_canvas": False, "min_zoom": 0, "no_wrap": False,
                     "detect_retina": False, "tms": False, "opacity": 1}


def _drop_leaflet_defaults(options: dict[str, Any]) -> None:
    for key, value in _LEAFLET_DEFAULTS.items():
        if key in options and options[key] == value:
            del options[key]
    if "max_zoom" in options and options.get("max_native_zoom") == options["max_zoom"]:
        del options["max_native_zoom"]  # Leaflet's default: the layer's max zoom


def _sanitised_attribution(html: str) -> str:
    """Attribution HTML is the author's: keep links and emphasis, drop everything else."""
    return nh3.clean(html, tags={"a", "b", "i", "em", "strong", "span"}, attributes={"a": {"href"}},
                     url_schemes={"http", "https"}, link_rel="noopener noreferrer")


def _layer_json(layer: Layer) -> dict[str, Any]:
    out = {
        "id": layer.id,
        "kind": layer.kind,
        "title": layer.title,
        "styles": layer.styles,
        "popup": [dict(field) for field in layer.popup],
        "data": _shipped_data(layer),
        "decimals": layer.decimals,  # the step of the compact coordinates (null: plain GeoJSON)
        "points": layer.geometry == ("point",),
        # Thousands of SVG elements make a page sluggish; one canvas per pane stays smooth.
        "canvas": len(layer.data["features"]) > CANVAS_THRESHOLD,
        "attribution": layer.attribution,
        "licence": layer.licence,
    }
    if layer.time:
        out["years"] = [list(pair) for pair in layer.years]
    out.update(_classes_json(layer))
    return out


def _classes_json(layer: Layer) -> dict[str, Any]:
    """Style decided per feature: the looks and each feature's look; the keys' titles and class
    labels and each feature's class (for its popup); the sized dots' factors; the icon."""
    out: dict[str, Any] = {}
    if layer.looks:
        out["looks"], out["look_of"] = list(layer.looks), list(layer.look_of)
    if layer.keys:
        out["keys"] = [{"title": key["title"], "labels": [c["label"] for c in key["classes"]]} for key in layer.keys]
        out["key_of"] = [list(index) for index in layer.key_of]
    if layer.size_of:
        out["size_of"] = list(layer.size_of)
    if layer.icon:
        out["icon"] = layer.icon
    return out


def _shipped_data(layer: Layer) -> dict[str, Any]:
    """The layer's GeoJSON with its coordinates in the compact form (compact.py); the engine's
    decode part restores them. Unrounded data has no step size and ships as it is."""
    if layer.decimals is None:
        return layer.data
    return {**layer.data, "features": compact.encode_features(layer.data["features"], layer.decimals)}


def _chapter_json(story: Story, chapter: Chapter) -> dict[str, Any]:
    return {
        "id": chapter.id,
        "title": chapter.title,
        "view": chapter.view.to_json(),
        "layers": story.visible_layers(chapter),
        "highlight": list(chapter.highlight),
        "year": chapter.year,
        "opacity": chapter.opacity,
        # an interlude keeps the map of `map_from` (null: the overview); its view, layers, ... are that map's
        "keeps_map": chapter.keeps_map,
        "map_from": chapter.map_from,
    }


def page_data(story: Story) -> dict[str, Any]:
    """Everything the engine script needs, embedded once as JSON."""
    return {
        "languages": list(story.languages),
        "view": story.view.to_json(),
        "camera": CAMERA,
        "layout": LAYOUT,
        "symbols": SYMBOLS,
        "layers": [_layer_json(layer) for layer in story.layers],
        "chapters": [_chapter_json(story, chapter) for chapter in story.chapters],
        "timeline": list(story.timeline) if story.timeline else None,
        "ui": {lang: UI_TEXT.get(lang, UI_TEXT["en"]) for lang in story.languages},
    }


def _inline(code: str, name: str) -> Markup:
    """Code placed inside a <script> or <style> element must not be able to end it early."""
    if "</script" in code.lower() or "</style" in code.lower():
        raise ValueError(f"{name} contains a closing tag and cannot be inlined")
    return Markup(code)


def _asset(name: str) -> Markup:
    """One of the page's own scripts or style sheets, minified (comments and spaces only: the
    code is not rewritten) to keep the page within its size budget."""
    code = resources.files("storymap.templates").joinpath(name).read_text("utf-8")
    if name.endswith(".js"):
        code = rjsmin.jsmin(code)
    elif name.endswith(".css"):
        code = rcssmin.cssmin(media_css(code))
    return _inline(code, name)


# The page engine's parts, one concern each, in the order they are concatenated (templates/engine).
ENGINE_PARTS = (
    "engine/core.js", "engine/decode.js", "engine/text.js", "engine/sliced-layer.js", "engine/layers.js", "engine/highlight.js",
    "engine/camera.js", "engine/chapters.js", "engine/scroller.js", "engine/modes.js", "engine/page.js",
    "engine/overlays.js", "engine/api.js", "engine/start.js",
)


def _engine() -> Markup:
    """The engine as one inline script (one CSP hash): its parts share one function scope, as the
    files of one module share their top-level names."""
    parts = [resources.files("storymap.templates").joinpath(part).read_text("utf-8") for part in ENGINE_PARTS]
    code = '(function () {\n"use strict";\n' + "\n".join(parts) + "})();\n"
    return _inline(rjsmin.jsmin(code), "engine")


@cache
def _leaflet() -> tuple[str, str]:
    """Leaflet 1.9.4 from the installed django-js-lib-leaflet package, without its source-map comment."""
    root = resources.files("js_lib_leaflet").joinpath("static", "js_lib_leaflet")
    js = root.joinpath("leaflet.js").read_text("utf-8")
    js = "\n".join(line for line in js.splitlines() if not line.startswith("//# sourceMappingURL"))
    return js, root.joinpath("leaflet.css").read_text("utf-8")


def page_environment(overrides: dict[str, str]) -> jinja2.Environment:
    """The templates a story's page is rendered with: its own `overrides` (name -> source) first."""
    return _environment(overrides)


def _environment(overrides: dict[str, str] | None = None, prepared: dict[str, images.Prepared] | None = None,
                 image_files: dict[str, bytes] | None = None) -> jinja2.Environment:
    """Templates: the story's own (`overrides`, name -> source, read when the story was loaded)
    first, to override any template by name, then storymap's. Chapter images come from `prepared`;
    they go into `image_files` when it is given (see markdown_html)."""
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader([jinja2.DictLoader(overrides or {}),
                                    jinja2.FileSystemLoader(str(resources.files("storymap.templates")))]),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["markdown"] = lambda text: markdown_html(text, prepared, image_files)
    env.globals["chart"] = timeline_chart
    env.globals["map_description"] = map_description
    env.globals["property_text"] = property_text
    env.globals["symbols"] = SYMBOLS
    env.globals["symbol_points"] = symbol_points
    env.globals["symbol_extent"] = symbol_extent
    return env


CHART_WIDTH, CHART_HEIGHT = 300, 60


def timeline_chart(layer: Layer) -> dict[str, Any]:
    """A layer's timeline laid out at build time: all bars as one SVG path (the template draws it);
    the page maps a click's position back to a year, so no element is needed per bar."""
    chart = layer.timeline
    counts = chart["counts"]
    top = max(counts) or 1
    width = CHART_WIDTH / len(counts)
    gap = 1 if width > 3 else 0
    bars = "".join(
        f"M{i * width:.1f},{CHART_HEIGHT}v{-CHART_HEIGHT * count / top:.1f}h{width - gap:.1f}v{CHART_HEIGHT * count / top:.1f}z"
        for i, count in enumerate(counts) if count
    )
    last = chart["from"] + (len(counts) - 1) * chart["step"]
    return {"path": bars, "max": top, "kind": chart["kind"], "step": chart["step"], "from": chart["from"],
            "last": last, "bars": len(counts), "width": CHART_WIDTH, "height": CHART_HEIGHT}


def map_description(story: Story, chapter: Chapter, lang: str) -> str:
    """In words, what the map shows in a chapter: for screen readers, print and anyone without the map."""
    text = UI_TEXT.get(lang, UI_TEXT["en"])
    names = []
    for layer_id in reversed(story.visible_layers(chapter)):  # top layer first, as in the legend
        layer = story.layer(layer_id)
        title = layer.title[lang]
        names.append(text["map_context"].format(layer=title) if layer.kind == "context" else title)
    parts = [text["map_shows"].format(layers=", ".join(names))]
    if chapter.highlight:
        features = {f["id"]: f["properties"] for layer in story.layers for f in layer.data["features"]}
        labels = [str(property_text(features[fid], "name", lang) or fid) for fid in chapter.highlight]
        parts.append(text["map_highlight"].format(features=", ".join(labels)))
    if chapter.year is not None:
        parts.append(text["map_year"].format(year=chapter.year))
    return " ".join(parts)


def page_weight(html: str) -> dict[str, int]:
    """Bytes after gzip of the whole page and of its shell (every inline script and style sheet),
    the numbers the size budget is about."""
    code = re.findall(r"<(script|style)(?![^>]*application/json)[^>]*>(.*?)</\1>", html, re.S)
    shell = "".join(body for _, body in code)
    return {"page_gz": len(gzip.compress(html.encode("utf-8"), 9, mtime=0)),
            "shell_gz": len(gzip.compress(shell.encode("utf-8"), 9, mtime=0))}


def _csp_hash(code: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(code.encode("utf-8")).digest()).decode("ascii") + "'"


def _tile_origin(url: str) -> str:
    """The origin the basemap's tiles come from, e.g. https://tile.openstreetmap.org or https://*.example.org
    (a story's basemap is https; the benchmarks serve theirs from http://127.0.0.1)."""
    parts = urlsplit(url.replace("{s}", "subdomain"))
    host = parts.netloc
    if "{s}" in url:
        host = "*." + host.split(".", 1)[1]
    return f"{parts.scheme}://{host}"


def content_security_policy(scripts: list[str], styles: list[str], basemap_url: str, dev: bool = False,
                            own_images: bool = False) -> str:
    """Only the page's own inline code (by hash), its embedded data and the tile server; while
    `storymap serve` runs, also the connection that tells the page to reload; with `own_images`,
    image files from the page's own folder."""
    return "; ".join([
        "default-src 'none'",
        "script-src " + (" ".join(_csp_hash(code) for code in scripts) or "'none'"),
        "style-src " + " ".join(_csp_hash(code) for code in styles),
        f"img-src {_tile_origin(basemap_url)} data:" + (" 'self'" if own_images else ""),
        "base-uri 'none'",
        "form-action 'none'",
        *(["connect-src 'self'"] if dev else []),
    ])


def _qr_svg(url: str | None) -> Markup | None:
    """A QR code of the story's online address, as inline SVG (segno writes only path data)."""
    if not url:
        return None
    return Markup(segno.make(url, error="m").svg_inline(scale=4, border=2, dark="#1d1d1b"))


_ERROR_COLOURS = palette(None)  # the light theme's: the page of a story that does not build has no theme yet
ERROR_STYLE = (
    f"body{{font:1rem/1.5 system-ui,sans-serif;margin:2rem;color:{_ERROR_COLOURS['ink']};"
    f"background:{_ERROR_COLOURS['paper']}}}main{{max-width:60rem}}li{{margin:.5rem 0;padding:.5rem .75rem;"
    f"background:{_ERROR_COLOURS['card']};border-left:4px solid {_ERROR_COLOURS['accent']}}}"
    f"li.warning{{border-color:{_ERROR_COLOURS['notice-rule']}}}"
)


def _reload_script(build: int) -> Markup:
    """The script that reloads a `storymap serve` page once the server has a build newer than `build`."""
    code = _asset("reload.js")
    assert "STORYMAP_BUILD" in code, "reload.js lost its build placeholder"
    return Markup(code.replace("STORYMAP_BUILD", str(int(build))))


def render_error(problems: list, build: int = 0, basemap_url: str = "https://tile.openstreetmap.org/") -> str:
    """The page `storymap serve` shows while the story does not build (serve's build number `build`);
    it reloads when a newer build exists."""
    scripts = [_reload_script(build)]
    csp = content_security_policy(scripts, [ERROR_STYLE], basemap_url, dev=True)
    return _environment().get_template("error.html.j2").render(
        problems=problems, scripts=scripts, style=Markup(ERROR_STYLE), csp=csp)


@dataclass(frozen=True)
class Page:
    """A rendered page: its HTML, and the files it links beside it (path -> bytes; chapter images
    when they are not embedded)."""

    html: str
    files: dict[str, bytes] = field(default_factory=dict)


def render_page(story: Story, handout: bool = False, dev_build: int | None = None,
                single_file: bool = True) -> Page:
    """The whole page; `handout=True` gives the static, printable handout instead; with `dev_build`
    (serve's build number) the page `storymap serve` shows, which reloads itself when the server
    has a newer build. With `single_file=False`, chapter images are not embedded but linked as
    files beside the page. Pure: everything comes from the model, nothing is read or written."""
    image_files: dict[str, bytes] | None = None if single_file else {}
    leaflet_js, leaflet_css = _leaflet()
    print_css = _asset("print.css")
    if handout:
        # Static: no script at all; the print style sheet is the screen style too.
        map_html, first_scripts, scripts, styles = Markup(""), [], [], [_asset("storymap.css"), print_css]
        head_script = None
    else:
        map_html, map_script, basemap_script = _map_parts(story)
        head_script = _asset("head.js")
        # Inline code is rendered here, not in the template, so that the CSP can name its exact hashes.
        # After the first chapter (page.html.j2): what the first view needs — Leaflet, the engine
        # and folium's map script, its template's indentation and blank lines minified away; the
        # engine runs it at once, and the basemap's part once the first view's layers are drawn
        # (engine/start.js). The mode scripts, which wire the whole page, come last.
        first_scripts = [
            _inline(leaflet_js, "leaflet.js"),
            _engine(),
            _inline(rjsmin.jsmin(f"window.storymap.start(function () {{\n{map_script}\nreturn {MAP_NAME};\n}}, "
                                 f"function ({MAP_NAME}) {{\n{basemap_script}\n}});\n"), "map"),
        ]
        scripts = [_asset("explore.js"), _asset("present.js")]
        if dev_build is not None:
            scripts.append(_reload_script(dev_build))
        styles = [_inline(leaflet_css, "leaflet.css"), _asset("storymap.css")]
    # The palette: every colour the style sheets use, derived from the theme (storymap/theme.py).
    styles.append(_inline(page_css(story.theme, handout=handout), "theme"))
    template = _environment(story.templates, story.images, image_files).get_template("page.html.j2")
    html = template.render(
        story=story,
        version=__version__,
        lang=story.language,
        ui={language: UI_TEXT.get(language, UI_TEXT["en"]) for language in story.languages},
        handout=handout,
        map_html=map_html,
        figures=Figures(story),
        qr=_qr_svg(story.url),
        data=script_json(page_data(story)),
        head_script=head_script,
        first_scripts=first_scripts,
        scripts=scripts,
        styles=styles,
        print_css=None if handout else print_css,
        csp=content_security_policy(([head_script] if head_script else []) + first_scripts + scripts, styles + ([] if handout else [print_css]), story.basemap["url"],
                                    dev=dev_build is not None, own_images=image_files is not None),
    )
    if "page.html.j2" in story.templates and not handout:
        _check_own_page(html, first_scripts + scripts)
    return Page(html, image_files or {})


def _check_own_page(html: str, scripts: list[str]) -> None:
    """A story's own page.html.j2 must write every script of the page, or the page does not start."""
    if 'id="sm-data"' in html and all(f"<script>{script}</script>" in html for script in scripts):
        return
    raise StoryError.at("leaves out scripts the page needs (first_view() after the first chapter, and the "
                        "scripts at the end of <body>): without them the page does not start; start from "
                        "storymap's own page.html.j2 and keep what it writes there",
                        Path(TEMPLATES_DIR) / "page.html.j2")
