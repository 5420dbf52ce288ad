"""The floor of the startup benchmark: the least any one-file Leaflet page showing the first
view can do — Leaflet's JS and CSS inline, the first view's layers as GeoJSON, a map at the
first view; no text, no story, no basemap. Its time until the layers are painted bounds from
below what our page (or any page built on Leaflet in one file) can reach against folium's."""

from __future__ import annotations

from pathlib import Path

import jinja2
from markupsafe import Markup

from storymap import render
from storymap.model import Story

TEMPLATES = Path(__file__).resolve().parent / "templates"


def build_floor_page(story: Story, out: Path) -> Path:
    """Write the floor page of the story's first view (the overview, every layer) to out/index.html."""
    js, css = render._leaflet()  # the Leaflet our page inlines (as html_check reads it)
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True)
    layers = [{"data": layer.data, "style": {"color": layer.style["color"], "weight": layer.style["weight"],
                                             "fillColor": layer.style["fill_color"],
                                             "fillOpacity": layer.style["fill_opacity"],
                                             "radius": layer.style["radius"]}}
              for layer in story.layers]
    html = env.get_template("floor.html").render(
        leaflet_js=Markup(js), leaflet_css=Markup(css), layers=layers,
        center=list(story.view.center), zoom=story.view.zoom)
    out.mkdir(parents=True, exist_ok=True)
    page = out / "index.html"
    page.write_text(html, encoding="utf-8")
    return page
