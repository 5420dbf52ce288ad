"""The bundled story tells the truth: complete, sourced data in the right place, and both languages."""

from __future__ import annotations

import json

import pytest
from pyproj import Geod
from shapely.geometry import box, shape

from conftest import REPO
from storymap import load, pipeline, transform

BOCHUM = box(7.09, 51.40, 7.36, 51.54)  # the city with a margin (lon/lat)
EMSCHER_REGION = box(6.6, 51.40, 7.7, 51.66)  # Holzwickede to the Rhine at Dinslaken
ACCURACY = set(load.ACCURACY_LEVELS)
# Placed from a description or an address, not from a coordinate: off by up to hundreds of metres.
ESTIMATED = {"mpi-sp", "tzr", "hgi", "gesundheitscampus"}


@pytest.fixture(scope="module")
def story():
    built, warnings = pipeline.read_story(REPO)
    assert warnings == []
    return built


def features(story, layer_id):
    return story.layer(layer_id).data["features"]


def test_four_story_layers_and_context(story):
    kinds = {layer.id: layer.kind for layer in story.layers}
    assert {k for k, v in kinds.items() if v == "story"} == {"mines", "repurposed", "emscher", "innovation"}
    assert {k for k, v in kinds.items() if v == "context"} == {"outline", "districts"}
    assert len(features(story, "mines")) >= 40
    assert len(features(story, "repurposed")) >= 10
    assert len(features(story, "innovation")) >= 8
    assert len(features(story, "districts")) == 6


def test_every_feature_is_named_sourced_and_honest_about_accuracy(story):
    for layer in story.layers:
        assert layer.attribution and layer.licence, layer.id
        for feature in layer.data["features"]:
            props = feature["properties"]
            where = f"{layer.id}/{feature['id']}"
            assert feature["id"] and props.get("name"), where
            assert props.get("source"), where
            assert props.get("accuracy") in ACCURACY, where
            if layer.kind == "story":
                assert props.get("description") and props.get("description_de"), where


def test_points_placed_from_descriptions_say_they_are_estimated(story):
    accuracy = {f["id"]: f["properties"]["accuracy"] for layer in story.layers for f in layer.data["features"]}
    assert {fid for fid, level in accuracy.items() if level == "estimated"} >= ESTIMATED


def test_drawn_lines_and_outlines_are_schematic(story):
    for layer in story.layers:
        if layer.kind != "story":
            continue
        for feature in layer.data["features"]:
            if feature["geometry"]["type"] != "Point":
                assert feature["properties"]["accuracy"] == "schematic", feature["id"]


def test_every_coordinate_lies_where_it_should(story):
    for layer in story.layers:
        area = EMSCHER_REGION if layer.id == "emscher" else BOCHUM
        for feature in layer.data["features"]:
            assert area.contains(shape(feature["geometry"])), f"{layer.id}/{feature['id']} is outside its area"


def test_the_emscher_itself_does_not_cross_bochum(story):
    emscher = next(f for f in features(story, "emscher") if f["id"] == "emscher")
    city = shape(features(story, "outline")[0]["geometry"])
    assert not shape(emscher["geometry"]).intersects(city)


def test_mines_have_years_and_polygons_have_areas(story):
    for feature in features(story, "mines"):
        props = feature["properties"]
        assert 1600 < props["opened"] <= props["closed"] <= 1990, feature["id"]
    mark = next(f for f in features(story, "innovation") if f["id"] == "mark-51-7")
    assert mark["properties"]["area_ha"] == pytest.approx(70, abs=10)  # "about 70 ha"


def test_both_languages_have_the_same_chapters_on_disk():
    en = sorted(p.name for p in (REPO / "chapters/en").glob("*.md"))
    de = sorted(p.name for p in (REPO / "chapters/de").glob("*.md"))
    assert en == de and len(en) >= 10


def test_chapters_name_only_what_exists_and_all_have_questions_and_sources(story):
    layer_ids = {layer.id for layer in story.layers}
    feature_ids = {f["id"] for layer in story.layers for f in layer.data["features"]}
    for chapter in story.chapters:
        assert set(chapter.layers) <= layer_ids and set(chapter.highlight) <= feature_ids
        assert chapter.layers, f"{chapter.id} shows no story layer"
        for lang in story.languages:
            assert 2 <= len(chapter.questions[lang]) <= 3, (chapter.id, lang)
            assert chapter.sources[lang], (chapter.id, lang)
    assert len(story.glossary) >= 8


# Where the seed texts or an earlier version of this story were wrong, the story states the accurate
# fact (see shared/DATA.md and docs/fact-check.md).
CORRECTIONS = [
    ("halls-of-culture", "en", ["gas power station", "not"]),
    ("halls-of-culture", "de", ["Gaskraftzentrale", "nie"]),
    ("university", "en", ["founded in 1962", "opened in 1965"]),
    ("university", "de", ["1962 gegründet", "1965 eröffnet"]),
    ("opel", "en", ["October 2013", "December 2014", "parts warehouse", "Nokia", "2,300"]),
    ("opel", "de", ["Oktober 2013", "Dezember 2014", "Ersatzteillager", "Nokia", "2.300"]),
    ("coal-and-steel", "en", ["rails, sleepers and switches, wheels and axles", "gun barrels", "tiny"]),
    ("coal-and-steel", "de", ["Schienen, Schwellen und Weichen", "Geschützrohre", "winziger Teil"]),
    ("coal-and-steel", "en", ["seventeenth and eighteenth centuries"]),  # Dickebaeckerbank 1677
    ("coal-and-steel", "de", ["17. und 18. Jahrhunderts"]),
    ("forced-labour", "en", ["Buchenwald", "shells", "At least 108", "434 Hungarian Jews", "twelve non-Jewish",
                             "camps in Bochum and Wattenscheid"]),
    ("forced-labour", "de", ["Buchenwald", "Granaten", "Mindestens 108", "434 ungarische Juden", "zwölf nichtjüdische",
                             "Lagern in Bochum und Wattenscheid"]),
    ("coal-cars-code", "en", ["51°28′ N", "cut to whole degrees", "do not cross", "Leverkusen",
                              "our own calculation", "south-south-west"]),
    ("coal-cars-code", "de", ["51°28′ N", "gekürzt auf ganze Grad", "kreuzen sich nicht hier", "eigenen Rechnung",
                              "süd-südwestlich"]),
    ("last-shifts", "en", ["since 1964", "combined Hannover-Hannibal mine"]),
    ("last-shifts", "de", ["seit 1964", "Verbundzeche Hannover-Hannibal"]),
    ("melting-pot", "en", ["2020 and 2021"]),
    ("melting-pot", "de", ["2020 und 2021"]),
    ("open-questions", "en", ["still builds cars", "not been melted here since 2015"]),
    ("open-questions", "de", ["baut Detroit noch Autos", "seit 2015 kein Stahl mehr"]),
    ("citizens", "en", ["we could not find it under that name"]),
    ("citizens", "de", ["unter diesem Namen haben wir sie\nnicht gefunden"]),
    ("emscher", "en", ["never flows through Bochum", "end of 2021", "still under way"]),
    ("emscher", "de", ["fließt die Emscher nicht", "Ende 2021"]),
]

# Claims the fact-check found wrong: none may come back, in any chapter or language.
WRONG = [
    "not borne out", "do not bear that out", "belegen das nicht",  # the Bochumer Verein's rails and shells
    "meridian that cross near here", "die sich hier in der Nähe kreuzen",  # MARK 51°7
    "lost its car factory", "verlor es sein Autowerk",  # Detroit still builds cars
    "every summer since 1986", "seit 1986 jeden Sommer",  # Bochum Total paused in 2020 and 2021
    "an industry that is gone", "Industrie, die es nicht mehr gibt",  # steel is still rolled and forged
    "moved into", "zog in die",  # G DATA rented for two decades before it bought the site
    "fließt nie durch Bochum", "lief als Gaskraftzentrale", "ganz in Betrieb",  # German that read translated
    "kleines Bild eines größeren", "endeten Hannover und Hannibal",
    "55 km further south", "55 km weiter südlich",  # 51° N 7° E lies south-south-west (our calculation)
    "Holland closed in 1974", "Holland schloss 1974",  # it stopped mining in 1974; shafts given up in 1988
    "eighteenth-century adits",  # the oldest mines on the map are of the 1670s and 1690s
    "it cast gun barrels", "goss er Geschützrohre",  # the source says produced
    "erste Neugründung",
]


def chapter_text(chapter_id: str, lang: str) -> str:
    return " ".join((REPO / "chapters" / lang / f"{chapter_id}.md").read_text(encoding="utf-8").split())


@pytest.mark.parametrize("chapter_id, lang, phrases", CORRECTIONS)
def test_the_story_corrects_the_common_mistakes(chapter_id, lang, phrases):
    text = chapter_text(chapter_id, lang)
    for phrase in phrases:
        assert " ".join(phrase.split()) in text, (chapter_id, lang, phrase)
    assert "gasometer" not in text.lower() or "not" in text or "nie" in text


def test_no_corrected_claim_comes_back():
    for path in sorted((REPO / "chapters").glob("*/*.md")):
        text = " ".join(path.read_text(encoding="utf-8").split())
        for claim in WRONG:
            assert claim not in text, (path.name, claim)


def test_bochum_digital_is_never_stated_as_fact():
    for lang, doubt in (("en", "could not find"), ("de", "nicht gefunden")):
        for path in sorted((REPO / "chapters" / lang).glob("*.md")):
            text = " ".join(path.read_text(encoding="utf-8").split())
            if "Bochum Digital" in text:
                sentence_end = text.index(".", text.index("Bochum Digital"))
                assert doubt in text[text.index("Bochum Digital"):sentence_end + 60], path


def test_corrected_feature_facts(story):
    mines = {f["id"]: f["properties"] for f in features(story, "mines")}
    assert mines["julius-philipp"]["closed"] == 1905
    assert "1873–75" in mines["julius-philipp"]["description"]
    assert "118" in mines["lothringen"]["description"] and "114" in mines["lothringen"]["description"]
    assert "Jacob shaft from 1859" in mines["robert-mueser"]["description"]
    assert "Arnold shaft from 1862" in mines["robert-mueser"]["description"]
    assert "1964" in mines["hannibal"]["description"] and "1964" in mines["hannibal"]["description_de"]


def test_every_mine_has_a_sourced_position_and_its_years(story):
    for feature in features(story, "mines"):
        props = feature["properties"]
        assert props["source"] and props["district"] and props["accuracy"] in ACCURACY, feature["id"]
        assert str(props.get("source_url", "")).startswith("https://"), feature["id"]


def test_no_licence_is_left_unknown(story):
    for layer in story.layers:
        assert "unknown" not in layer.licence.lower(), layer.id
    for layer_id in ("outline", "districts"):
        layer = story.layer(layer_id)
        assert layer.licence == "ODbL 1.0" and "OpenStreetMap" in layer.attribution["en"]


def test_geojson_files_are_plain_wgs84():
    for path in (REPO / "geojson").glob("*.geojson"):
        data = json.loads(path.read_text(encoding="utf-8"))
        assert data["type"] == "FeatureCollection" and "crs" not in data, path.name


# The coordinates re-checked in shared/DATA.md (lon, lat), and the features that stand on them.
RECHECKED_POINTS = {
    ("repurposed", "jahrhunderthalle"): (7.19878, 51.48150),
    ("repurposed", "g-data-campus"): (7.22339, 51.45831),
    ("innovation", "g-data"): (7.22339, 51.45831),
    ("repurposed", "o-werk"): (7.25983, 51.46539),
    ("innovation", "worldfactory"): (7.25983, 51.46539),
    ("mines", "bruchstrasse"): (7.31669, 51.48244),
    ("mines", "dannenbaum"): (7.26667, 51.46778),
}
# Source, confluence and mouth points of the Emscher system in shared/DATA.md: the schematic lines
# must pass through every one of them.
RECHECKED_LINE_POINTS = {
    "emscher": [(7.61278, 51.49028), (7.42194, 51.53194), (7.28622, 51.58981), (7.20472, 51.56000),
                (7.12444, 51.55028), (7.02222, 51.51917), (6.98972, 51.51306), (6.89889, 51.49556),
                (6.81417, 51.51222), (6.68944, 51.56333)],
    "hofsteder-bach": [(7.25417, 51.50417), (7.20472, 51.50194), (7.18000, 51.50250)],
    "dorneburger-bach": [(7.24472, 51.50917), (7.13278, 51.53167)],
    "hueller-bach": [(7.18000, 51.50250), (7.1156, 51.5486)],
}
ON_THE_SPOT_M = 25  # an infobox or OpenStreetMap coordinate, copied: anything further was moved


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    return Geod(ellps="WGS84").inv(a[0], a[1], b[0], b[1])[2]


def feature_by_id(story, layer_id: str, feature_id: str) -> dict:
    return next(f for f in features(story, layer_id) if f["id"] == feature_id)


@pytest.mark.parametrize("layer_id, feature_id", sorted(RECHECKED_POINTS))
def test_rechecked_points_stand_where_the_facts_file_puts_them(story, layer_id, feature_id):
    point = tuple(feature_by_id(story, layer_id, feature_id)["geometry"]["coordinates"])
    assert metres(point, RECHECKED_POINTS[layer_id, feature_id]) < ON_THE_SPOT_M


@pytest.mark.parametrize("feature_id", sorted(RECHECKED_LINE_POINTS))
def test_schematic_streams_pass_through_the_rechecked_points(story, feature_id):
    vertices = feature_by_id(story, "emscher", feature_id)["geometry"]["coordinates"]
    for point in RECHECKED_LINE_POINTS[feature_id]:
        assert min(metres(point, tuple(v)) for v in vertices) < ON_THE_SPOT_M, (feature_id, point)


def test_mark_51_7_holds_what_the_facts_file_puts_on_it(story):
    mark = shape(feature_by_id(story, "innovation", "mark-51-7")["geometry"])
    inside = {fid: mark.contains(shape(feature_by_id(story, "innovation", fid)["geometry"]))
              for fid in ("worldfactory", "mpi-sp", "tzr")}
    # The O-Werk and the MPI-SP are on the site; the new Technologiezentrum is not (Querenburg).
    assert inside == {"worldfactory": True, "mpi-sp": True, "tzr": False}
    # WAZ: the MPI-SP at the roundabout on the site's east side, near Wittener Straße.
    west, _, east, _ = mark.bounds
    assert shape(feature_by_id(story, "innovation", "mpi-sp")["geometry"]).x > west + 0.75 * (east - west)


def test_the_westpark_outline_says_how_much_of_the_park_it_covers(story):
    westpark = feature_by_id(story, "repurposed", "westpark")
    hall = feature_by_id(story, "repurposed", "jahrhunderthalle")
    assert shape(westpark["geometry"]).contains(shape(hall["geometry"]))
    props = westpark["properties"]
    assert "about 38 ha" in props["description"]  # the park, as its sources give it
    assert f"about {round(props['area_ha'])} ha" in props["source"]  # the drawing, which the popup measures


def test_features_follow_the_corrected_facts_file(story):
    innovation = {f["id"]: f["properties"] for f in features(story, "innovation")}
    campus = innovation["gesundheitscampus"]
    assert "26 October 2015" in campus["description"] and "1 January 2025" in campus["description"]
    assert "26. Oktober 2015" in campus["description_de"] and "1. Januar 2025" in campus["description_de"]
    assert "Hochschule Bochum" in campus["description"] and "Hochschule Bochum" in campus["description_de"]
    assert "article232861633" in innovation["mpi-sp"]["source"]  # the WAZ description it is placed from
    mines = {f["id"]: f["properties"] for f in features(story, "mines")}
    assert "land the city bought" in mines["bruchstrasse"]["description"]
    assert "Land, das die Stadt" in mines["bruchstrasse"]["description_de"]
    emscher = {f["id"]: f["properties"] for f in features(story, "emscher")}
    assert "170" in emscher["emscher"]["status"] and "170" in emscher["emscher"]["status_de"]


# Feature texts the check against shared/DATA.md found wrong or unsourced: none may come back.
WRONG_IN_FEATURES = [
    "Opel built its second plant here", "Opel baute hier sein zweites Werk",  # Werk II: mostly new ground
    "target about 2027", "Ziel etwa 2027",  # no page gives a target year for the renaturation
    "Bergwerke Bochum",  # Hannover was part of the combined Hannover-Hannibal mine
    "the last Bochum mine", "der letzten Bochumer Zeche",  # Holland (Wattenscheid) mined until 1974
    "on MARK 51°7 since October 2024", "auf MARK 51°7 seit Oktober 2024",  # ground broken; built by 2027
    "some sources say 1908", "manche Quellen nennen 1908", "Sources date the tower",  # 1905; 1873–75
    "the Bergbau-Museum 112", "research museum for mining",
]


def test_no_corrected_feature_claim_comes_back(story):
    for layer in story.layers:
        for feature in layer.data["features"]:
            text = " ".join(str(value) for value in feature["properties"].values())
            for claim in WRONG_IN_FEATURES:
                assert claim not in text, (feature["id"], claim)


def test_the_innovation_popup_says_what_each_year_marks(story):
    # For several places no founding year is sourced (the TZR's 2024 is its new building, the
    # Gesundheitscampus's 2009 the choice of the site): each value names its event, in both languages,
    # and the year filter still reads its year.
    layer = story.layer("innovation")
    assert [field["label"] for field in layer.popup if field["key"] == "founded"] == [{"en": "Since", "de": "Seit"}]
    for feature in layer.data["features"]:
        props = feature["properties"]
        year = str(transform.parse_year(props["founded"]))
        for key in ("founded", "founded_de"):
            assert str(props[key]).startswith(year + " (") and str(props[key]).endswith(")"), (feature["id"], key)
    by_id = {f["id"]: f["properties"] for f in layer.data["features"]}
    assert by_id["tzr"]["founded"] == "2024 (new building opened)"
    assert by_id["gesundheitscampus"]["founded"] == "2009 (site chosen)"


def test_both_languages_cite_the_same_pages(story):
    for chapter in story.chapters:
        en, de = ([source.get("url") for source in chapter.sources[lang]] for lang in ("en", "de"))
        assert en == de, chapter.id


def test_the_largest_sub_catchment_is_sourced_in_both_languages(story):
    chapter = next(c for c in story.chapters if c.id == "emscher")
    for lang in story.languages:
        urls = [source.get("url", "") for source in chapter.sources[lang]]
        assert "https://eglv.de/medien/hueller-bach-bodenfilter-fuer-bessere-wasserqualitaet" in urls, lang


def test_the_glossary_keeps_the_renaturation_under_way(story):
    # Sewage-free since the end of 2021, but the streams are still being renaturalised (shared/DATA.md).
    term = next(t for t in story.glossary if t["term"]["de"] == "Emscher-Umbau")
    assert "end of 2021" in term["definition"]["en"] and "goes on" in term["definition"]["en"]
    assert "Ende 2021" in term["definition"]["de"] and "weiter" in term["definition"]["de"]


# Names written in English words get their German form, or the German page labels them in English.
ENGLISH_NAMED = {"innovation": ("mpi-sp", "hgi"), "repurposed": ("carolinenglueck",), "emscher": ("goldhammer",)}


def test_names_in_english_words_have_a_german_form(story):
    for layer_id, wanted in ENGLISH_NAMED.items():
        by_id = {f["properties"]["id"]: f["properties"] for f in features(story, layer_id)}
        for fid in wanted:
            match = [props for key, props in by_id.items() if key.startswith(fid)]
            assert match, (layer_id, fid)
            assert all(props.get("name_de") and props["name_de"] != props["name"] for props in match), (layer_id, fid)
