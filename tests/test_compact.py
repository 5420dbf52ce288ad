"""The compact coordinates the page ships (storymap/compact.py) and the engine's decode part
(templates/engine/decode.js): what the engine decodes is the layer's rounded GeoJSON, and the
map draws each feature where the model puts it."""

from __future__ import annotations

from importlib import resources

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from browser import wait_until
from conftest import open_page, page_data
from storymap import compact

lon = st.floats(min_value=-180, max_value=180, allow_nan=False)
lat = st.floats(min_value=-85, max_value=85, allow_nan=False)
position = st.tuples(lon, lat).map(list)
line = st.lists(position, min_size=2, max_size=6)
ring = st.lists(position, min_size=3, max_size=6).map(lambda r: [*r, r[0]])
geometry = st.one_of(
    position.map(lambda c: {"type": "Point", "coordinates": c}),
    st.lists(position, min_size=1, max_size=4).map(lambda c: {"type": "MultiPoint", "coordinates": c}),
    line.map(lambda c: {"type": "LineString", "coordinates": c}),
    st.lists(line, min_size=1, max_size=3).map(lambda c: {"type": "MultiLineString", "coordinates": c}),
    st.lists(ring, min_size=1, max_size=3).map(lambda c: {"type": "Polygon", "coordinates": c}),
    st.lists(st.lists(ring, min_size=1, max_size=2), min_size=1, max_size=2)
    .map(lambda c: {"type": "MultiPolygon", "coordinates": c}),
)


def positions(coordinates):
    if isinstance(coordinates[0], (int, float)):
        yield coordinates
        return
    for part in coordinates:
        yield from positions(part)


@pytest.fixture(scope="module")
def decoder(browser):
    """A blank page with the engine's decode part loaded (and nothing else of the engine)."""
    page = browser.new_page()
    code = resources.files("storymap.templates").joinpath("engine/decode.js").read_text("utf-8")
    page.add_script_tag(content=code + "\nwindow.decodeLayer = decodeLayer;")
    yield page
    page.close()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(geometries=st.lists(geometry, min_size=1, max_size=4), decimals=st.integers(min_value=0, max_value=7))
def test_decoded_coordinates_are_within_the_stated_precision(decoder, geometries, decimals):
    features = [{"type": "Feature", "id": str(i), "properties": {}, "geometry": g} for i, g in enumerate(geometries)]
    layer = {"decimals": decimals,
             "data": {"type": "FeatureCollection", "features": compact.encode_features(features, decimals)}}
    decoded = decoder.evaluate("layer => { decodeLayer(layer); return [layer.data, 'decimals' in layer]; }", layer)
    data, still_compact = decoded
    assert not still_compact
    half_step = 0.5 * 10**-decimals
    for before, after in zip(features, data["features"], strict=True):
        assert after["geometry"]["type"] == before["geometry"]["type"]
        old, new = list(positions(before["geometry"]["coordinates"])), list(positions(after["geometry"]["coordinates"]))
        assert len(old) == len(new)
        for (x0, y0), (x1, y1) in zip(old, new):
            # the rounding, and nothing else (plus the last bit of a double near 180)
            assert abs(x1 - x0) <= half_step + 1e-12 and abs(y1 - y0) <= half_step + 1e-12


def test_rounded_coordinates_come_back_as_the_very_same_numbers(decoder):
    # GeoJSON already rounded to the layer's decimals (as the model's is) decodes exactly
    features = [{"type": "Feature", "id": "a", "properties": {},
                 "geometry": {"type": "Polygon", "coordinates": [[[7.15267, 51.50379], [7.15259, 51.50437],
                                                                  [7.1533, 51.50493], [7.15267, 51.50379]]]}},
                {"type": "Feature", "id": "b", "properties": {}, "geometry": {"type": "Point", "coordinates": [-0.1, 0.3]}}]
    layer = {"decimals": 5, "data": {"type": "FeatureCollection", "features": compact.encode_features(features, 5)}}
    assert decoder.evaluate("layer => { decodeLayer(layer); return layer.data.features; }", layer) == features


def test_the_page_ships_steps_not_places(built):
    url, story = built
    from pathlib import Path
    from urllib.parse import urlparse

    data = page_data(Path(urlparse(url).path).read_text(encoding="utf-8"))
    for layer, shipped in zip(story.layers, data["layers"], strict=True):
        assert shipped["decimals"] == layer.decimals
        numbers = [n for f in shipped["data"]["features"] for n in positions(f["geometry"]["coordinates"])]
        assert all(isinstance(n, int) for pair in numbers for n in pair)


def test_the_decoded_layers_are_where_the_model_puts_them(built, browser):
    url, story = built
    page, traffic = open_page(browser, url)
    wait_until(page, "window.storymap && storymap.map")
    # what the engine holds after decoding is the model's GeoJSON, number for number
    assert page.evaluate("() => storymap.data.layers.map(l => l.data.features.map(f => f.geometry))") == [
        [f["geometry"] for f in layer.data["features"]] for layer in story.layers]
    # and Leaflet draws a known place of each kind there
    mine = next(f for f in story.layer("mines").data["features"] if f["id"] == "hannover")
    assert page.evaluate("() => storymap.feature('hannover').getLatLng()") == {
        "lat": mine["geometry"]["coordinates"][1], "lng": mine["geometry"]["coordinates"][0]}
    district = story.layer("districts").data["features"][0]
    first = district["geometry"]["coordinates"][0][0]
    if district["geometry"]["type"] == "MultiPolygon":
        first = first[0]
    drawn = page.evaluate(f"() => {{ let ll = storymap.feature('{district['id']}').getLatLngs(); "
                          "while (Array.isArray(ll[0])) ll = ll[0]; return ll[0]; }")
    assert drawn == {"lat": first[1], "lng": first[0]}
    assert not traffic.errors
