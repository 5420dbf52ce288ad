"""images.prepare keeps its promises (what test_authoring.py does not already cover through the
CLI): an image is no wider than MAX_WIDTH and carries no metadata, is turned the way its EXIF says,
keeps its format, colours and transparency, is left byte for byte when there is nothing to do,
and a file that is not an image is refused with a ValueError."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PIL import Image, ImageCms

from storymap import images
from storymap.images import MAX_WIDTH, prepare

ORIENTATION, GPS = 0x0112, 0x8825


def opened(prepared: images.Prepared) -> Image.Image:
    image = Image.open(io.BytesIO(prepared.data))
    image.load()
    return image


def halves(width: int, height: int) -> Image.Image:
    """Left half red, right half blue: which way up it is shows after turning."""
    image = Image.new("RGB", (width, height), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, width // 2, height))
    return image


def near(colour, expected, tolerance=40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(colour[:3], expected))


def test_a_small_plain_image_is_kept_byte_for_byte(tmp_path: Path):
    path = tmp_path / "small.png"
    halves(40, 20).save(path)
    prepared = prepare(path)
    assert prepared.data == path.read_bytes()
    assert (prepared.mime, prepared.width, prepared.height, prepared.scaled) == ("image/png", 40, 20, False)


def test_a_small_photo_with_exif_is_turned_and_stripped_but_not_scaled(tmp_path: Path):
    path = tmp_path / "photo.jpg"
    exif = Image.Exif()
    exif[ORIENTATION] = 6  # rotate 90° clockwise to view
    exif[GPS] = {1: "N", 2: (51.0, 28.0, 50.0)}
    halves(400, 200).save(path, "JPEG", exif=exif, quality=95)
    prepared = prepare(path)
    shown = opened(prepared)
    assert (prepared.mime, shown.format) == ("image/jpeg", "JPEG")
    assert (prepared.width, prepared.height) == shown.size == (200, 400) and not prepared.scaled
    assert not shown.getexif() and "exif" not in shown.info
    # turned clockwise: the left (red) half is now on top
    assert near(shown.getpixel((100, 50)), (255, 0, 0)) and near(shown.getpixel((100, 350)), (0, 0, 255))


def test_a_wide_png_is_scaled_keeping_its_shape_format_and_transparency(tmp_path: Path):
    path = tmp_path / "wide.png"
    image = Image.new("RGBA", (MAX_WIDTH * 2, 100), (0, 128, 0, 255))
    image.paste((0, 0, 0, 0), (0, 0, MAX_WIDTH * 2, 50))  # the top half transparent
    image.save(path)
    prepared = prepare(path)
    shown = opened(prepared)
    assert prepared.scaled and (prepared.width, prepared.height) == shown.size == (MAX_WIDTH, 50)
    assert prepared.mime == "image/png" and shown.format == "PNG"
    assert shown.mode == "RGBA" and shown.getpixel((10, 5))[3] == 0 and shown.getpixel((10, 45))[3] == 255


def test_a_colour_profile_survives_re_encoding(tmp_path: Path):
    path = tmp_path / "profiled.jpg"
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    halves(MAX_WIDTH + 100, 50).save(path, "JPEG", icc_profile=profile)
    shown = opened(prepare(path))
    assert shown.width == MAX_WIDTH and shown.info.get("icc_profile") == profile


@pytest.mark.parametrize("name", ["moving.gif", "moving.png", "moving.webp"])
def test_an_animation_is_kept_as_it_is(tmp_path: Path, name: str):
    animation = tmp_path / name  # wider than MAX_WIDTH: re-encoding would keep one frame
    frames = [Image.new("RGB", (MAX_WIDTH + 10, 10), colour) for colour in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    frames[0].save(animation, save_all=True, append_images=frames[1:], duration=100, loop=0)
    prepared = prepare(animation)
    assert prepared.data == animation.read_bytes() and not prepared.scaled
    assert opened(prepared).n_frames == 3


def test_an_svg_is_kept_as_it_is_and_scales_by_itself(tmp_path: Path):
    svg = tmp_path / "plan.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="5" height="5"/></svg>')
    prepared = prepare(svg)
    assert (prepared.mime, prepared.data, prepared.width, prepared.height) == ("image/svg+xml", svg.read_bytes(), None, None)


@pytest.mark.parametrize("name, content", [
    ("notes.png", b"these are my notes, not a picture"),
    ("empty.jpg", b""),
    ("page.webp", b"<html><body>hello</body></html>"),
])
def test_a_file_that_is_not_an_image_is_refused(tmp_path: Path, name: str, content: bytes):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ValueError, match=r"^cannot be read as an image"):
        prepare(path)


def test_a_changed_file_is_read_again(tmp_path: Path):
    """Prepared images are cached (`storymap serve` rebuilds often), keyed by the file's state."""
    path = tmp_path / "pit.png"
    halves(40, 20).save(path)
    assert prepare(path).width == 40
    halves(60, 20).save(path)
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    assert prepare(path).width == 60


def test_a_decompression_bomb_is_refused_before_it_is_decoded(tmp_path: Path, monkeypatch):
    """Pillow refuses images over twice its pixel limit; the limit is lowered so that the test
    image is small (test_authoring.py sends a real bomb's header through `storymap check`)."""
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    path = tmp_path / "bomb.png"
    halves(100, 100).save(path)  # 10,000 pixels: over twice the (lowered) limit
    with pytest.raises(ValueError, match="claims too many pixels to be read safely"):
        prepare(path)
