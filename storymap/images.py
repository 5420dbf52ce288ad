"""Images in chapters: checked at load (alt text, a file in the story folder) and embedded into the
page as data: URIs, so that the page stays one self-contained file."""

from __future__ import annotations

import base64
import re
from pathlib import Path

from markdown_it import MarkdownIt

from .errors import Problem
from .load import Document, inside

__all__ = ["MAX_IMAGE_BYTES", "data_uri", "embed", "image_problems"]

TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
         ".webp": "image/webp", ".svg": "image/svg+xml"}
MAX_IMAGE_BYTES = 400 * 1024  # larger images make the page slow on a phone: warn


def data_uri(path: Path) -> str:
    return f"data:{TYPES[path.suffix.lower()]};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _images(text: str):
    """(line within the text, src, alt) of every Markdown image."""
    for token in MarkdownIt("commonmark").parse(text):
        for child in token.children or []:
            if child.type == "image":
                yield (token.map[0] + 1 if token.map else 1), child.attrs.get("src", ""), child.content


def image_problems(doc: Document, story_dir: Path) -> list[Problem]:
    """Every image needs alt text and must be an image file inside the story folder."""
    body_start = doc.path.read_text("utf-8-sig").replace("\r\n", "\n").count("\n") - doc.body.count("\n")
    problems = []
    for line, src, alt in _images(doc.body):
        place = f"line {body_start + line}"
        if not alt.strip():
            problems.append(Problem(f"image {src!r} has no alt text: write ![what it shows]({src})", doc.path, place))
        if re.match(r"^[a-z][a-z0-9+.-]*:", src, re.I):
            problems.append(Problem(f"image {src!r} must be a file in the story folder (the page works offline)",
                                    doc.path, place))
            continue
        try:
            path = inside(story_dir, src)
        except ValueError as exc:
            problems.append(Problem(f"image: {exc}", doc.path, place))
            continue
        if path.suffix.lower() not in TYPES:
            problems.append(Problem(f"image {src!r} is not PNG, JPEG, GIF, WebP or SVG", doc.path, place))
        elif not path.is_file():
            problems.append(Problem(f"image file {src!r} not found", doc.path, place))
        elif path.stat().st_size > MAX_IMAGE_BYTES:
            problems.append(Problem(f"image {src!r} is {path.stat().st_size // 1024} KiB; a phone loads it slowly "
                                    f"(under {MAX_IMAGE_BYTES // 1024} KiB is kind)", doc.path, place, "warning"))
    return problems


_SRC = re.compile(r'(<img [^>]*?src=")([^"]+)(")')


def embed(html: str, story_dir: Path | None) -> str:
    """Replace the relative image sources in sanitised chapter HTML by data: URIs."""
    if story_dir is None:
        return html

    def replace(match: re.Match) -> str:
        path = inside(story_dir, match.group(2).replace("&amp;", "&"))
        return match.group(1) + data_uri(path) + match.group(3)

    return _SRC.sub(replace, html)
