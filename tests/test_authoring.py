"""The authoring workflow: new → build → look, serve with live reload, check that finds everything,
the shipped JSON Schema, themes, template overrides, images and progress."""

from __future__ import annotations

import base64
import io
import json
import random
import re
import subprocess
import sys
import zlib
from pathlib import Path

import jsonschema
import pytest
import yaml
from PIL import Image
from referencing import Registry, Resource

from browser import wait_until
from conftest import REPO, open_page, run, write

SCHEMAS = REPO / "storymap" / "schemas"
PNG = bytes.fromhex(  # a 1×1 PNG
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d763f8cfc0000003010100c9fe92ef0000000049454e44ae426082"
)



@pytest.fixture
def scaffold(tmp_path: Path) -> Path:
    result = run("new", str(tmp_path / "my-town"))
    assert result.exit_code == 0 and "Created" in result.output
    return tmp_path / "my-town"


def test_new_scaffolds_a_story_that_builds_and_scrolls(scaffold: Path, tmp_path: Path, browser):
    assert (scaffold / "README.md").is_file() and (scaffold / "schemas" / "story.schema.json").is_file()
    assert (scaffold / "story.yml").read_text().startswith("# yaml-language-server: $schema=schemas/story.schema.json")
    assert 'title: "My Town"' in (scaffold / "story.yml").read_text()
    result = run("build", str(scaffold), "-o", str(tmp_path / "site"))
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output
    page, traffic = open_page(browser, (tmp_path / "site" / "index.html").as_uri())
    page.mouse.move(250, 500)
    seen = []
    for _ in range(80):
        active = page.evaluate("() => storymap.active")
        if active and active not in seen:
            seen.append(active)
        if seen == ["welcome", "places"]:
            break
        page.mouse.wheel(0, 250)
        page.wait_for_timeout(60)
    assert seen == ["welcome", "places"]
    assert page.evaluate("() => storymap.visibleLayers()") == ["area", "places"]  # the context layer too
    assert traffic.other == [] and traffic.errors == []


def test_new_refuses_a_folder_with_files(tmp_path: Path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "notes.txt").write_text("mine")
    result = run("new", str(tmp_path / "x"))
    assert result.exit_code == 1 and "not empty" in result.output


def _serve(story: Path):
    process = subprocess.Popen([sys.executable, "-m", "storymap", "serve", str(story), "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for _ in range(200):
        line = process.stdout.readline()
        match = re.search(r"at (http://127\.0\.0\.1:\d+/)", line)
        if match:
            return process, match.group(1)
    process.kill()
    raise AssertionError("storymap serve did not start")


def test_serve_rebuilds_and_reloads_and_shows_errors(scaffold: Path, browser):
    process, url = _serve(scaffold)
    try:
        page = browser.new_page()
        outside = []
        page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(url)
                   else (outside.append(route.request.url), route.abort()))
        page.goto(url)
        wait_until(page, "window.storymap && storymap.map")
        chapter = scaffold / "chapters" / "en" / "welcome.md"
        chapter.write_text(chapter.read_text().replace("title: Welcome", "title: Glück auf"))
        wait_until(page, "document.querySelector('#welcome h2') && "
                         "document.querySelector('#welcome h2').textContent === 'Glück auf'", timeout_ms=15000)
        (scaffold / "story.yml").write_text((scaffold / "story.yml").read_text() + "layers: [oops\n")
        wait_until(page, "document.title.startsWith('Build failed')", timeout_ms=15000)
        assert "invalid YAML" in page.locator("main").inner_text()
        story = (scaffold / "story.yml").read_text()
        (scaffold / "story.yml").write_text(story.replace("layers: [oops\n", ""))
        wait_until(page, "window.storymap !== undefined && !!document.querySelector('#welcome')", timeout_ms=15000)
        assert not [u for u in outside if not u.startswith("https://tile.openstreetmap.org/")]
        page.close()
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0]
    assert "Build failed (1 error)" in output and "invalid YAML" in output


def _wait_for_line(process, text: str) -> str:
    for _ in range(200):
        line = process.stdout.readline()
        if text in line:
            return line
    raise AssertionError(f"storymap serve never printed {text!r}")


def test_serve_reloads_a_page_whose_rebuild_landed_before_it_listened(scaffold: Path, browser):
    """The page knows which build it is: a rebuild that finishes before the page's event stream
    connects still reloads it (comparing with the first number heard would miss it)."""
    process, url = _serve(scaffold)
    try:
        page = browser.new_page()
        held = []
        # The first page's event stream is held back: it cannot hear the server yet.
        page.route("**/__storymap/events", lambda route: route.continue_() if held else held.append(route))
        page.goto(url)
        wait_until(page, "window.storymap && storymap.map")
        chapter = scaffold / "chapters" / "en" / "welcome.md"
        chapter.write_text(chapter.read_text().replace("title: Welcome", "title: Glück auf"))
        _wait_for_line(process, "Built in")
        held[0].continue_()  # now it connects, after the rebuild
        wait_until(page, "document.querySelector('#welcome h2') && "
                         "document.querySelector('#welcome h2').textContent === 'Glück auf'", timeout_ms=15000)
        page.close()
    finally:
        process.terminate()
        process.communicate(timeout=10)


def test_check_reports_five_planted_mistakes_at_once(scaffold: Path):
    story = (scaffold / "story.yml").read_text()
    story = story.replace("languages: [en]", "languages: [en, de]").replace("layers: [area, places]", "layers: [area, places, extra]")
    (scaffold / "story.yml").write_text(story)
    write(scaffold / "layers/extra.yml", "title: Extra\ndata: data/extra.geojson\n")
    (scaffold / "data/extra.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": "x", "properties": {"name": "X", "accuracy": "approximate"},
         "geometry": {"type": "Point", "coordinates": [7.2, 51.48]}}]}))
    chapter = (scaffold / "chapters/en/places.md").read_text()
    # the second chapter repeats the first one's map, and names a layer that does not exist
    chapter = chapter.replace("view: {fit: [places], max_zoom: 14}", "view: {center: [51.4818, 7.2162], zoom: 13}")
    chapter = chapter.replace("highlight: [town-hall]\n", "")
    (scaffold / "chapters/en/places.md").write_text(chapter)
    write(scaffold / "chapters/de/welcome.md", "---\ntitle: Willkommen\nlayers: [places, ghost]\n---\n")
    result = run("check", str(scaffold))
    assert result.exit_code == 1
    out = result.output
    assert "chapter 'places' has no de file chapters/de/places.md" in out and "story.yml (line 12, key chapters.1)" in out
    assert re.search(r"de/welcome.md \(line 3, key layers\): 'layers' differs", out)
    assert "warning: " in out and "story.yml (line 10, key layers.2): layer 'extra' is shown by no chapter" in out
    assert "en/places.md (line 1): this chapter changes nothing on the map" in out
    assert "extra.geojson: 1 of 1 features have no 'source' (first: feature 1)" in out
    assert "2 errors, 3 warnings; nothing was written." in out


def test_an_accuracy_the_page_cannot_explain_is_a_warning(scaffold: Path):
    data = scaffold / "data/places.geojson"
    data.write_text(data.read_text().replace('"accuracy": "approximate"', '"accuracy": "aproximate"', 1))
    result = run("check", str(scaffold))
    assert result.exit_code == 0, result.output
    assert ("places.geojson: 1 of 3 features have an 'accuracy' that is none of surveyed, approximate, "
            "estimated, schematic (first: feature 1, 'aproximate')") in result.output


def _registry() -> Registry:
    resources = [(p.name, Resource.from_contents(json.loads(p.read_text()))) for p in SCHEMAS.glob("*.json")]
    return Registry().with_resources(resources)


def _validate(kind: str, data) -> list[str]:
    schema = json.loads((SCHEMAS / f"{kind}.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema, registry=_registry())
    return [e.message for e in validator.iter_errors(data)]


def test_the_shipped_schema_accepts_the_bundled_story_and_rejects_a_broken_one():
    assert _validate("story", yaml.safe_load((REPO / "story.yml").read_text())) == []
    for path in (REPO / "layers").glob("*.yml"):
        assert _validate("layer", yaml.safe_load(path.read_text())) == [], path.name
    for path in (REPO / "chapters").glob("*/*.md"):
        front = path.read_text(encoding="utf-8").split("---")[1]
        assert _validate("chapter", yaml.safe_load(front)) == [], path.name
    assert _validate("glossary", yaml.safe_load((REPO / "glossary.yml").read_text())) == []
    assert _validate("story", {"title": "T", "languages": ["en"], "view": {"center": [51, 7]}, "layers": [],
                               "chapters": ["explore"]})
    assert _validate("layer", {"title": "L", "data": "x.geojson", "style": {"color": "red"}})


def test_theme_template_override_and_images(scaffold: Path, tmp_path: Path):
    (scaffold / "logo.png").write_bytes(PNG)
    (scaffold / "images").mkdir()
    (scaffold / "images" / "pit.png").write_bytes(PNG)
    story = (scaffold / "story.yml").read_text()
    (scaffold / "story.yml").write_text(story + 'theme: {accent: "#005a9c", font: "Georgia, serif", logo: logo.png}\n')
    write(scaffold / "templates/footer_extra.html.j2", '<p class="imprint">Imprint: {{ story.title[lang] }}</p>\n')
    chapter = scaffold / "chapters/en/welcome.md"
    chapter.write_text(chapter.read_text() + "\n![The pit head in 1960](images/pit.png)\n")
    result = run("build", str(scaffold), "-o", str(tmp_path / "site"))
    assert result.exit_code == 0, result.output
    html = (tmp_path / "site/index.html").read_text()
    assert "--sm-accent:#005a9c;" in html and "--sm-font:Georgia, serif;" in html
    assert '<img class="sm-logo" src="data:image/png;base64,' in html
    assert '<p class="imprint">Imprint: My Town</p>' in html
    assert '<img loading="lazy" width="1" height="1" src="data:image/png;base64,' in html
    assert 'alt="The pit head in 1960"' in html


def test_a_template_jinja2_cannot_read_is_named_with_its_line(scaffold: Path):
    write(scaffold / "templates/footer_extra.html.j2", "<p>Imprint</p>\n<p>{{ story.title[lang] </p>\n")
    result = run("check", str(scaffold))
    assert result.exit_code == 1
    assert "templates/footer_extra.html.j2:2: not a template jinja2 can read: unexpected '/'" in result.output
    assert "internal error" not in result.output


def test_an_own_page_template_that_leaves_out_the_page_s_scripts_is_refused(scaffold: Path, tmp_path: Path):
    """A story's page.html.j2 copied from an older storymap, or edited, that does not write the
    scripts the page starts with: the page would show and never start. `check` finds a template that
    never writes them; the build, one that has them but does not call first_view(); the site
    written before stays as it was."""
    out = tmp_path / "site"
    assert run("build", str(scaffold), "-o", str(out)).exit_code == 0
    before = (out / "index.html").read_bytes()
    own = (REPO / "templates/page.html.j2").read_text()
    write(scaffold / "templates/page.html.j2", own.replace("first_scripts", "scripts_of_old"))
    result = run("check", str(scaffold))
    assert result.exit_code == 1 and "templates/page.html.j2: never writes `first_scripts`" in result.output
    uncalled = re.sub(r"\{\{ first_view\(\) \}\}", "", own)
    assert uncalled != own
    write(scaffold / "templates/page.html.j2", uncalled)
    result = run("build", str(scaffold), "-o", str(out))
    assert result.exit_code == 1 and "templates/page.html.j2: leaves out scripts the page needs" in result.output
    assert (out / "index.html").read_bytes() == before
    write(scaffold / "templates/page.html.j2", own)  # storymap's own, as a story's: builds, handouts too
    assert run("build", str(scaffold), "-o", str(out), "--handout").exit_code == 0


def _png_claiming(width: int, height: int) -> bytes:
    """The 1×1 PNG with a header that claims another size (a decompression bomb's calling card)."""
    header = b"IHDR" + width.to_bytes(4, "big") + height.to_bytes(4, "big") + PNG[24:29]
    return PNG[:12] + header + zlib.crc32(header).to_bytes(4, "big") + PNG[33:]


@pytest.mark.parametrize(
    "markdown, words",
    [
        ("![](images/pit.png)", ["line 9", "has no alt text"]),
        ("![a pit](https://example.org/pit.png)", ["must be a file in the story folder"]),
        ("![a pit](../../secret.png)", ["outside the story folder"]),
        ("![a pit](%2e%2e/%2e%2e/secret.png)", ["outside the story folder"]),
        ("![a pit](images/none.png)", ["not found"]),
        ("![a pit](images/broken.png)", ["line 9", "'images/broken.png' cannot be read as an image"]),
        ("![a pit](images/bomb.png)", ["line 9", "'images/bomb.png' claims too many pixels"]),
    ],
)
def test_bad_images_are_refused_with_their_line(scaffold: Path, markdown: str, words: list[str]):
    (scaffold / "images").mkdir()
    (scaffold / "images" / "pit.png").write_bytes(PNG)
    (scaffold / "images" / "broken.png").write_bytes(PNG[:40])  # cut off after the header
    (scaffold / "images" / "bomb.png").write_bytes(_png_claiming(100_000, 100_000))
    chapter = scaffold / "chapters/en/welcome.md"
    chapter.write_text(chapter.read_text() + "\n" + markdown + "\n")
    result = run("check", str(scaffold))
    assert result.exit_code == 1
    for word in words:
        assert word in result.output, result.output
    assert "welcome.md" in result.output


def _photo(path: Path, width: int, height: int) -> None:
    """A JPEG as a phone takes it: large, lying on its side (EXIF orientation 6), with a GPS position."""
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to view
    exif[0x8825] = {1: "N", 2: (51.0, 28.0, 50.0)}  # GPS latitude: where the author stood
    image.save(path, "JPEG", exif=exif, quality=90)


def _embedded_images(html: str) -> list[tuple[int, int, bytes]]:
    found = re.findall(r'<img loading="lazy" width="(\d+)" height="(\d+)" src="data:image/jpeg;base64,([^"]+)"', html)
    return [(int(w), int(h), base64.b64decode(data)) for w, h, data in found]


def test_a_phone_photo_is_sized_turned_and_stripped_of_its_metadata(scaffold: Path, tmp_path: Path):
    (scaffold / "images").mkdir()
    _photo(scaffold / "images" / "shaft.jpg", 3000, 2000)
    chapter = scaffold / "chapters/en/welcome.md"
    chapter.write_text(chapter.read_text() + "\n![The shaft tower](images/shaft.jpg)\n")
    assert run("build", str(scaffold), "-o", str(tmp_path / "a")).exit_code == 0
    assert run("build", str(scaffold), "-o", str(tmp_path / "b")).exit_code == 0
    first = (tmp_path / "a/index.html").read_bytes()
    assert first == (tmp_path / "b/index.html").read_bytes()  # same photo, same bytes
    [(width, height, data)] = _embedded_images(first.decode())
    with Image.open(io.BytesIO(data)) as shown:
        # Upright (2000 × 3000 as seen) and no wider than a phone needs.
        assert (shown.width, shown.height) == (width, height) == (1280, 1920)
        assert not shown.getexif(), "the GPS position must not reach the page"
    assert len(data) < (scaffold / "images" / "shaft.jpg").stat().st_size


def test_images_beside_the_page_load_lazily_from_disk(scaffold: Path, tmp_path: Path, browser):
    (scaffold / "images").mkdir()
    _photo(scaffold / "images" / "Shaft Tower.jpg", 3000, 2000)
    chapter = scaffold / "chapters/en/places.md"
    chapter.write_text(chapter.read_text() + "\n![The shaft tower](images/Shaft%20Tower.jpg)\n")
    result = run("build", str(scaffold), "-o", str(tmp_path / "site"), "--no-single-file")
    assert result.exit_code == 0, result.output
    assert "(and 1 image in images/)" in result.output
    [image] = (tmp_path / "site" / "images").iterdir()
    assert re.fullmatch(r"[0-9a-f]{12}-shaft-tower\.jpg", image.name)
    html = (tmp_path / "site" / "index.html").read_text()
    assert f'width="1280" height="1920" src="images/{image.name}"' in html and "data:image/jpeg" not in html
    again = run("build", str(scaffold), "-o", str(tmp_path / "again"), "--no-single-file")
    assert again.exit_code == 0 and (tmp_path / "again" / "images" / image.name).read_bytes() == image.read_bytes()

    page, traffic = open_page(browser, (tmp_path / "site" / "index.html").as_uri())
    shown = "document.querySelector('#places img').complete && document.querySelector('#places img').naturalWidth"
    page.evaluate("() => { storymap.goTo('places', {instant: true}); }")
    wait_until(page, shown)
    assert page.evaluate(f"() => {shown}") == 1280  # the page's own folder is allowed by its policy
    assert traffic.other == [] and traffic.errors == []


def test_an_image_too_heavy_even_when_scaled_is_a_warning(scaffold: Path):
    (scaffold / "images").mkdir()
    noise = Image.frombytes("RGB", (1400, 400), random.Random(7).randbytes(1400 * 400 * 3))
    noise.save(scaffold / "images" / "noise.png")
    chapter = scaffold / "chapters/en/welcome.md"
    chapter.write_text(chapter.read_text() + "\n![Static on an old screen](images/noise.png)\n")
    result = run("check", str(scaffold))
    assert result.exit_code == 0, result.output
    assert re.search(r"warning: .*welcome\.md \(line 9\): image 'images/noise\.png' is \d+ KiB even at 1280 px wide",
                     result.output), result.output


def test_a_theme_cannot_smuggle_css(scaffold: Path):
    story = (scaffold / "story.yml").read_text()
    (scaffold / "story.yml").write_text(story + 'theme: {font: "Arial;} body {display: none"}\n')
    result = run("check", str(scaffold))
    assert result.exit_code == 1 and "key theme.font" in result.output


def test_a_broken_logo_is_refused_with_its_key(scaffold: Path):
    (scaffold / "logo.png").write_bytes(PNG[:40])
    story = (scaffold / "story.yml").read_text()
    (scaffold / "story.yml").write_text(story + "theme: {logo: logo.png}\n")
    result = run("check", str(scaffold))
    assert result.exit_code == 1
    assert re.search(r"story\.yml \(line \d+, key theme\.logo\): logo 'logo\.png' cannot be read as an image "
                     r"\(damaged, or not the format its name says\)", result.output), result.output


def test_progress_is_shown_on_request(scaffold: Path, tmp_path: Path):
    result = run("build", str(scaffold), "-o", str(tmp_path / "site"), "--progress")
    assert "… Reading layer 2/2: places" in result.output and "… Writing index.html" in result.output


def test_serve_says_when_the_port_is_taken(scaffold: Path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        result = run("serve", str(scaffold), "--port", str(taken.getsockname()[1]))
    assert result.exit_code == 1 and "cannot serve on 127.0.0.1" in result.output and "Traceback" not in result.output
