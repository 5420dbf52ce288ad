"""A plain folium page of the same layers, the baseline every benchmark compares against.

folium's default page pulls Leaflet, jQuery, Bootstrap, Awesome Markers and Font Awesome from
CDNs. Here those files come from the npm registry (`npm pack`, cached in bench/.cache), never
from a CDN, so that the page can be weighed and opened from disk with the network blocked.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tarfile
from pathlib import Path

import folium

from storymap.model import Story

CACHE = Path(__file__).resolve().parent / ".cache"

# folium's default asset URL -> (npm package@version, file inside the package)
NPM_ASSETS = {
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js": ("leaflet@1.9.3", "dist/leaflet.js"),
    "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css": ("leaflet@1.9.3", "dist/leaflet.css"),
    "https://code.jquery.com/jquery-3.7.1.min.js": ("jquery@3.7.1", "dist/jquery.min.js"),
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js":
        ("bootstrap@5.2.2", "dist/js/bootstrap.bundle.min.js"),
    "https://cdn.jsdelivr.net/npm/bootstrap@5.2.2/dist/css/bootstrap.min.css":
        ("bootstrap@5.2.2", "dist/css/bootstrap.min.css"),
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.js":
        ("drmonty-leaflet-awesome-markers@2.0.2", "js/leaflet.awesome-markers.js"),
    "https://cdnjs.cloudflare.com/ajax/libs/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.css":
        ("drmonty-leaflet-awesome-markers@2.0.2", "css/leaflet.awesome-markers.css"),
    "https://cdn.jsdelivr.net/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css":
        ("@fortawesome/fontawesome-free@6.2.0", "css/all.min.css"),
}
# Not in any registry this machine reaches; left out, so the folium page is if anything counted light.
NOT_COUNTED = [
    "https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css",
    "https://cdn.jsdelivr.net/gh/python-visualization/folium/folium/templates/leaflet.awesome.rotate.min.css",
]


def _package(spec: str) -> Path:
    """Unpack an npm package into the cache (once)."""
    target = CACHE / spec.replace("/", "_")
    if target.exists():
        return target
    CACHE.mkdir(exist_ok=True)
    packed = subprocess.run(["npm", "pack", spec, "--silent", "--pack-destination", str(CACHE)],
                            check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1]
    with tarfile.open(CACHE / packed) as archive:
        archive.extractall(target, filter="data")
    return target


def asset_files() -> dict[str, Path]:
    """folium's default asset URL -> the same file from the npm registry."""
    return {url: _package(spec) / "package" / inner for url, (spec, inner) in NPM_ASSETS.items()}


def build_folium_page(story: Story, out: Path, tiles: str | None = None) -> tuple[Path, dict[str, Path]]:
    """Write folium's page of the story's layers to out/index.html, with its assets beside it;
    `tiles`: a tile URL template instead of folium's default OpenStreetMap tiles.

    Returns the page and the assets it loads (URL -> local file)."""
    view = story.view
    m = folium.Map(location=list(view.center or (51.47, 7.22)), zoom_start=view.zoom or 12,
                   tiles=tiles or "OpenStreetMap", attr=story.basemap["attribution"] if tiles else None)
    for layer in story.layers:
        style = layer.style
        fields = [f["key"] for f in layer.popup]
        names = {k for f in layer.data["features"] for k in f["properties"]}
        present = [f for f in fields if f in names]
        geojson = folium.GeoJson(
            layer.data,
            name=layer.title[story.language],
            style_function=lambda _f, s=style: {"color": s["color"], "weight": s["weight"],
                                                "fillColor": s["fill_color"], "fillOpacity": s["fill_opacity"]},
            marker=folium.CircleMarker(radius=style["radius"]),
            tooltip=folium.GeoJsonTooltip(fields=["name"]) if "name" in names else None,
            popup=folium.GeoJsonPopup(fields=present) if present else None,
        )
        geojson._id = layer.id.replace("-", "_")  # a findable variable name: geo_json_<id>
        geojson.add_to(m)
    folium.LayerControl().add_to(m)
    out.mkdir(parents=True, exist_ok=True)
    html = m.get_root().render()
    assets = asset_files()
    local = html
    for url, path in assets.items():
        shutil.copy(path, out / path.name)
        local = local.replace(url, path.name)
    for url in NOT_COUNTED:
        local = re.sub(rf'<link[^>]+href="{re.escape(url)}"[^>]*>', "", local)
    page = out / "index.html"
    page.write_text(local, encoding="utf-8")
    (out / "cdn.html").write_text(html, encoding="utf-8")  # as folium writes it, for weighing
    return page, assets
