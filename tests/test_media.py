"""Media: images that are not what their name says, SVG with script or outside references and
formats the page cannot show are refused or made harmless — always with a message."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from conftest import run


def picture(fmt: str, size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(out, fmt)
    return out.getvalue()


@pytest.fixture
def story(tmp_path: Path) -> Path:
    assert run("new", str(tmp_path / "town")).exit_code == 0
    return tmp_path / "town"


def show(story: Path, name: str, data: bytes) -> Path:
    (story / name).write_bytes(data)
    chapter = story / "chapters/en/welcome.md"
    chapter.write_text(chapter.read_text() + f"\n![A picture of the town]({name})\n")
    return chapter


SVG_RISKS = {
    "script": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "handler": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="5" height="5"/></svg>',
    "outside image": b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
                     b'<image xlink:href="https://tracker.example/pixel.png"/></svg>',
    "outside style": b'<svg xmlns="http://www.w3.org/2000/svg"><rect style="fill:url(https://x.example/a)"/></svg>',
    "embedded html": b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>hi</p></foreignObject></svg>',
}


@pytest.mark.parametrize("risk", SVG_RISKS)
def test_an_svg_with_script_or_outside_references_is_refused(story: Path, risk: str):
    show(story, "map.svg", SVG_RISKS[risk])
    result = run("check", str(story))
    assert result.exit_code == 1
    assert "welcome.md (line" in result.output
    assert "image 'map.svg' is an SVG with script or outside references" in result.output


def test_a_plain_svg_is_shown(story: Path):
    show(story, "map.svg", b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="5" height="5"/></svg>')
    assert run("check", str(story)).exit_code == 0


def test_an_image_that_is_not_what_its_name_says_is_shown_as_what_it_is(story: Path, tmp_path: Path):
    show(story, "photo.png", picture("JPEG"))
    result = run("build", str(story), "-o", str(tmp_path / "site"))
    assert result.exit_code == 0, result.output
    assert "warning: " in result.output and "image 'photo.png' is a JPEG file, not what its name says" in result.output
    html = (tmp_path / "site/index.html").read_text()
    assert 'src="data:image/jpeg;base64,' in html and 'src="data:image/png;base64' not in html


def test_a_format_the_page_cannot_show_is_refused_even_with_a_good_name(story: Path):
    show(story, "scan.png", picture("TIFF"))
    result = run("check", str(story))
    assert result.exit_code == 1
    assert "image 'scan.png' is a TIFF image; use PNG, JPEG, GIF, WebP or SVG" in result.output
