"""Images in chapters: checked at load (alt text, a readable image file in the story folder),
sized for phones, and embedded into the page as data: URIs, so that the page stays one file (or,
on request, written as files beside it)."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import io
import posixpath
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

from markdown_it import MarkdownIt
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import Problem
from .load import Document, inside

__all__ = ["IMAGE_FOLDER", "MAX_IMAGE_BYTES", "MAX_WIDTH", "Prepared", "data_uri", "embed", "icon_problems",
           "image_problems",
           "local", "logo_problems", "prepare", "source_key", "sources"]

IMAGE_FOLDER = "images"  # beside index.html, when the images are not embedded

TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
         ".webp": "image/webp", ".svg": "image/svg+xml"}
MAX_IMAGE_BYTES = 400 * 1024  # larger images make the page slow on a phone: warn
# The text column is at most ~640 CSS pixels wide; twice that stays sharp on a phone's dense screen.
MAX_WIDTH = 1280
# Pillow's names for the formats it re-encodes (GIF may be animated, SVG is text: both kept as they are).
_ENCODERS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP"}


@dataclass(frozen=True)
class Prepared:
    """An image as the page embeds it."""

    mime: str
    data: bytes
    width: int | None  # pixels; None for SVG, which scales by itself
    height: int | None
    scaled: bool  # made smaller than the file
    named: str = ""  # the type its file name says, when that is not what the file is


def prepare(path: Path) -> Prepared:
    """The image at `path`, no wider than MAX_WIDTH and without its metadata (a phone photo's EXIF
    can carry where it was taken). Raises ValueError when the file is not a readable image."""
    stat = path.stat()
    return _prepare(path.resolve(), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=64)
def _prepare(path: Path, _mtime_ns: int, _size: int) -> Prepared:  # the file's state is part of the key
    named = TYPES[path.suffix.lower()]
    raw = path.read_bytes()
    if named == "image/svg+xml":
        _check_svg(raw)
        return Prepared(named, raw, None, None, False)
    try:
        with Image.open(io.BytesIO(raw)) as image:
            image.load()
            # What the file is, not what its name says: the page embeds it as that.
            mime = _FORMATS.get(image.format or "")
            if mime is None:
                raise _Unshowable(f"is a {image.format or 'an unknown'} image; use PNG, JPEG, GIF, WebP or SVG")
            misnamed = named if mime != named else ""
            animated = getattr(image, "is_animated", False)  # re-encoding would keep one frame
            if mime not in _ENCODERS or animated or (image.width <= MAX_WIDTH and not image.getexif()):
                return Prepared(mime, raw, image.width, image.height, False, misnamed)
            upright = ImageOps.exif_transpose(image)  # the photo as seen, before its EXIF goes
            return dataclasses.replace(_reencode(upright, mime, image.info.get("icc_profile")), named=misnamed)
    except Image.DecompressionBombError:  # its header claims more pixels than any photo has
        raise ValueError("claims too many pixels to be read safely (over "
                         f"{2 * Image.MAX_IMAGE_PIXELS // 1_000_000} megapixels)") from None
    except UnidentifiedImageError:
        raise ValueError("cannot be read as an image (damaged, or not the format its name says)") from None
    except _Unshowable:
        raise
    except (OSError, SyntaxError, ValueError) as error:
        raise ValueError(f"cannot be read as an image ({error})") from None


class _Unshowable(ValueError):
    """A readable image in a format browsers do not all show."""


_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
# Script, event handlers, embedded HTML and anything fetched from elsewhere: an <img> would not run
# or load them, but a file that carries them is not what an author meant to show.
_SVG_RISKS = re.compile(rb"<script|\son[a-z]+\s*=|<foreignobject|(?:href|src)\s*=\s*[\"']\s*(?:https?:|//|javascript:)"
                        rb"|url\(\s*[\"']?\s*(?:https?:|//)|<!entity", re.I)


def _check_svg(raw: bytes) -> None:
    if not re.search(rb"<svg[\s>]", raw, re.I):
        raise ValueError("is not an SVG image (it has no <svg> element); save it as SVG, or as PNG")
    found = _SVG_RISKS.search(raw)
    if found:
        what = found.group(0)[:24].decode("utf-8", "replace").strip()
        raise ValueError(f"is an SVG with script or outside references ({what!r}); save it without them, or as PNG")


def _reencode(image: Image.Image, mime: str, icc_profile: bytes | None) -> Prepared:
    scaled = image.width > MAX_WIDTH
    if scaled:
        height = max(1, round(image.height * MAX_WIDTH / image.width))
        image = image.resize((MAX_WIDTH, height), Image.Resampling.LANCZOS)
    if mime == "image/jpeg" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    out = io.BytesIO()
    options = {"JPEG": {"quality": 85, "optimize": True}, "PNG": {"optimize": True},
               "WEBP": {"quality": 85}}[_ENCODERS[mime]]
    if icc_profile:  # keep the colours as the author saw them
        options["icc_profile"] = icc_profile
    image.save(out, _ENCODERS[mime], **options)
    return Prepared(mime, out.getvalue(), image.width, image.height, scaled)


def data_uri(image: Prepared) -> str:
    return f"data:{image.mime};base64,{base64.b64encode(image.data).decode('ascii')}"


def _images(text: str):
    """(line within the text, src, alt) of every Markdown image."""
    for token in MarkdownIt("commonmark").parse(text):
        for child in token.children or []:
            if child.type == "image":
                yield (token.map[0] + 1 if token.map else 1), child.attrs.get("src", ""), child.content


def local(story_dir: Path, src: str) -> Path:
    """The file an image source names: Markdown writes a space in a file name as %20."""
    return inside(story_dir, unquote(src))


def source_key(src: str) -> str:
    """An image source as the model keys its prepared image: unquoted and normalised, so that the
    Markdown's `a%20b.png` and the rendered HTML's `a%20b.png` or `./a b.png` meet."""
    return posixpath.normpath(unquote(src))


def _is_url(src: str) -> bool:
    return bool(re.match(r"^[a-z][a-z0-9+.-]*:", src, re.I))


def sources(text: str) -> list[str]:
    """The sources of the images a chapter's Markdown shows from the story folder."""
    return [src for _line, src, _alt in _images(text) if not _is_url(src)]


def image_problems(doc: Document, story_dir: Path) -> list[Problem]:
    """Every image needs alt text and must be an image file inside the story folder."""
    # a chapter made in Python (storymap.Story) has no file: its lines count from its text's start
    body_start = (doc.path.read_text("utf-8-sig").replace("\r\n", "\n").count("\n") - doc.body.count("\n")
                  if doc.path.is_file() else 0)
    problems = []
    for line, src, alt in _images(doc.body):
        place = f"line {body_start + line}"
        if not alt.strip():
            problems.append(Problem(f"image {src!r} has no alt text: write ![what it shows]({src})", doc.path, place))
        if _is_url(src):
            problems.append(Problem(f"image {src!r} must be a file in the story folder (the page works offline)",
                                    doc.path, place))
            continue
        try:
            path = local(story_dir, src)
        except ValueError as exc:
            problems.append(Problem(f"image: {exc}", doc.path, place))
            continue
        if path.suffix.lower() not in TYPES:
            problems.append(Problem(f"image {src!r} is not PNG, JPEG, GIF, WebP or SVG", doc.path, place))
        elif not path.is_file():
            problems.append(Problem(f"image file {src!r} not found", doc.path, place))
        else:
            problems.extend(_file_problems(path, src, doc.path, place))
    return problems


def logo_problems(story: Document, story_dir: Path) -> list[Problem]:
    """The theme's logo must be an image file in the story folder that can be read."""
    return _named_image_problems(story, ("theme", "logo"), story_dir, "logo")


def icon_problems(layer: Document, story_dir: Path) -> list[Problem]:
    """A layer's icon (style.icon) must be an image file in the story folder that can be read,
    checked as chapter images are: an SVG with script or outside references is refused."""
    return _named_image_problems(layer, ("style", "icon"), story_dir, "icon")


def _named_image_problems(doc: Document, keys: tuple[str, ...], story_dir: Path, what: str) -> list[Problem]:
    """The image file a story file names under `keys`: inside the story folder (a link out of it is
    refused), of a known type, readable."""
    parent = doc.data if isinstance(doc.data, dict) else {}
    for key in keys[:-1]:
        parent = parent.get(key) or {}
        if not isinstance(parent, dict):
            return []
    name = parent.get(keys[-1])
    if not isinstance(name, str):
        return []
    place = doc.place(keys)
    try:
        path = inside(story_dir, name)
    except ValueError as exc:
        return [Problem(f"{what} {exc}", doc.path, place)]
    if path.suffix.lower() not in TYPES or not path.is_file():
        return [Problem(f"{what} {name!r} is not an image file in the story folder (PNG, JPEG, GIF, WebP or SVG)",
                        doc.path, place)]
    try:
        prepared = prepare(path)
    except ValueError as exc:
        return [Problem(f"{what} {name!r} {exc}", doc.path, place)]
    if prepared.named:
        return [Problem(f"{what} {name!r} is a {prepared.mime.split('/')[1].upper()} file, not what its name says; it "
                        "is shown as what it is (rename it to match)", doc.path, place, "warning")]
    return []


def _file_problems(path: Path, src: str, where: Path, place: str) -> list[Problem]:
    try:
        prepared = prepare(path)
    except ValueError as error:
        return [Problem(f"image {src!r} {error}", where, place)]
    misnamed = ([Problem(f"image {src!r} is a {prepared.mime.split('/')[1].upper()} file, not what its name says; "
                         "it is shown as what it is (rename it to match)", where, place, "warning")]
                if prepared.named else [])
    if len(prepared.data) <= MAX_IMAGE_BYTES:
        return misnamed
    after = f" even at {MAX_WIDTH} px wide" if prepared.scaled else ""
    return misnamed + [Problem(f"image {src!r} is {len(prepared.data) // 1024} KiB{after}; a phone loads it slowly "
                               f"(under {MAX_IMAGE_BYTES // 1024} KiB is kind)", where, place, "warning")]


_SRC = re.compile(r'<img ([^>]*?)src="([^"]+)"')


def _file_name(image: Prepared, key: str) -> str:
    """images/<content hash>-<name>: the same image gets the same name, a changed one a new name
    (so that a browser's cache never shows an old picture)."""
    name = PurePosixPath(key)
    stem = re.sub(r"[^a-z0-9]+", "-", name.stem.lower()).strip("-") or "image"
    # the name's own extension, unless the file is something else (a JPEG called .png)
    real = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp"}
    extension = real[image.mime] if image.named else name.suffix.lower()
    return f"{IMAGE_FOLDER}/{hashlib.sha256(image.data).hexdigest()[:12]}-{stem}{extension}"


def embed(html: str, prepared: dict[str, Prepared], files: dict[str, bytes] | None = None) -> str:
    """Point the relative image sources in sanitised chapter HTML at their prepared images (see
    `source_key`), with their size (so that the text does not jump while they load): as data: URIs
    inside the page, or, when `files` is given, as files beside it (added to `files`, path -> bytes).
    Reads no file: the images were prepared when the model was assembled."""

    def replace(match: re.Match) -> str:
        key = source_key(match.group(2).replace("&amp;", "&"))
        image = prepared[key]
        if files is None:
            src = data_uri(image)
        else:
            src = _file_name(image, key)
            files[src] = image.data
        size = f'width="{image.width}" height="{image.height}" ' if image.width else ""
        return f'<img {match.group(1)}{size}src="{src}"'

    return _SRC.sub(replace, html)
