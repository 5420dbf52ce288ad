"""Areas and lengths are right anywhere on Earth: checked against an independent measure (a local
equal-area or equidistant projection centred on the shape) in six kinds of place."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
from click.testing import CliRunner
from pyproj import CRS, Geod
from shapely.geometry import LineString, MultiPolygon, Polygon

from storymap import transform
from storymap.cli import main

GEOD = Geod(ellps="WGS84")
PLACES = {  # (lat, lon): one of each kind the tool must handle
    "Bochum (UTM 32N)": (51.48, 7.22),
    "Detroit (UTM 17N)": (42.33, -83.05),
    "Sydney (southern hemisphere)": (-33.87, 151.21),
    "Quito (on the equator)": (-0.18, -78.47),
    "Tromsø (69.6° N)": (69.65, 18.96),
    "Fiji (at the antimeridian)": (-17.8, 179.99),
}


def square(lat: float, lon: float, side_m: float) -> list[tuple[float, float]]:
    """The corners of a side_m × side_m square walked on the ellipsoid from its south-west corner."""
    corners = [(lon, lat)]
    for azimuth in (90, 0, 270):
        lon, lat, _ = GEOD.fwd(lon, lat, azimuth, side_m)
        corners.append((lon, lat))
    return corners


def local_truth(geometry, lat: float, lon: float, kind: str) -> float:
    """Area (Lambert azimuthal equal-area) or length (azimuthal equidistant), centred on the place."""
    proj = "laea" if kind == "area" else "aeqd"
    local = CRS.from_proj4(f"+proj={proj} +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m")
    shape = gpd.GeoSeries([geometry], crs="EPSG:4326").to_crs(local)[0]
    return shape.area if kind == "area" else shape.length


def measured(geometry) -> tuple[float, float]:
    frame = gpd.GeoDataFrame({"id": ["x"], "properties": [{}]}, geometry=[geometry], crs="EPSG:4326")
    row = transform.measure(frame).iloc[0]
    return row["area_ha"], row["length_km"]


@pytest.mark.parametrize("place", PLACES)
def test_a_square_kilometre_is_100_hectares_everywhere(place):
    lat, lon = PLACES[place]
    corners = square(lat, lon, 1000)
    # Past 180° the corners wrap to -180°; GeoJSON then splits the square at the antimeridian.
    if any(x < 0 for x, _ in corners) and any(x > 0 for x, _ in corners) and abs(lon) > 170:
        east = [(x + 360 if x < 0 else x, y) for x, y in corners]
        polygon = Polygon(east)
        west_half = polygon.intersection(Polygon([(170, -90), (180, -90), (180, 90), (170, 90)]))
        east_half = polygon.intersection(Polygon([(180, -90), (190, -90), (190, 90), (180, 90)]))
        shifted = Polygon([(x - 360, y) for x, y in east_half.exterior.coords])
        geometry = MultiPolygon([west_half, shifted])
        truth = local_truth(polygon, lat, lon, "area")
    else:
        geometry = Polygon(corners)
        truth = local_truth(geometry, lat, lon, "area")
    area_ha, _ = measured(geometry)
    assert area_ha == pytest.approx(truth / 10_000, rel=0.005)
    assert area_ha == pytest.approx(100, rel=0.005)


@pytest.mark.parametrize("place", PLACES)
def test_a_five_kilometre_line_is_five_kilometres_everywhere(place):
    lat, lon = PLACES[place]
    end_lon, end_lat, _ = GEOD.fwd(lon, lat, 60, 5000)
    line = LineString([(lon, lat), (end_lon if abs(end_lon - lon) < 180 else end_lon + 360, end_lat)])
    _, length_km = measured(line)
    assert length_km == pytest.approx(local_truth(line, lat, lon, "length") / 1000, rel=0.005)
    assert length_km == pytest.approx(5, rel=0.005)


def test_a_story_at_the_equator_builds(tmp_path):
    """Near Quito a projection chosen for Germany gave infinite bounds and an internal error."""
    story = tmp_path / "quito"
    assert CliRunner().invoke(main, ["new", str(story)]).exit_code == 0
    data = story / "data" / "places.geojson"
    collection = json.loads(data.read_text())
    for number, feature in enumerate(collection["features"]):
        feature["geometry"] = {"type": "Point", "coordinates": [-78.47 + number * 0.01, -0.18]}
    collection["features"].append({"type": "Feature", "id": "square-km", "properties": {
        "name": "Square kilometre", "source": "test", "accuracy": "schematic"},
        "geometry": {"type": "Polygon", "coordinates": [square(-0.2, -78.5, 1000) + [square(-0.2, -78.5, 1000)[0]]]}})
    data.write_text(json.dumps(collection))
    story_yml = story / "story.yml"
    story_yml.write_text(story_yml.read_text().replace("center: [51.4818, 7.2162]", "center: [-0.18, -78.47]"))
    result = CliRunner().invoke(main, ["build", str(story), "-o", str(tmp_path / "site")])
    assert result.exit_code == 0, result.output
    assert '"area_ha":100.0' in (tmp_path / "site" / "index.html").read_text()
