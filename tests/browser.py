"""Playwright helpers for the browser tests: Debian's Chromium, and a network that only lets
the page itself load. Tile requests are blocked and counted; anything else is a failure."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import Error as PlaywrightError

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TILE_PREFIX = "https://tile.openstreetmap.org/"


@dataclass
class Traffic:
    """What a page asked for, sorted into tiles (blocked), local files, and everything else."""

    tiles: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def watch(page) -> Traffic:
    traffic = Traffic()

    def route(request_route):
        url = request_route.request.url
        if url.startswith(("file:", "data:", "blob:")):
            request_route.continue_()
            return
        (traffic.tiles if url.startswith(TILE_PREFIX) else traffic.other).append(url)
        request_route.abort()

    def console(message):
        # A blocked tile shows as a failed resource load; that is the offline case, not a page error.
        if message.type == "error" and not message.location.get("url", "").startswith(TILE_PREFIX):
            traffic.errors.append(message.text)

    page.route("**/*", route)
    page.on("request", lambda r: None if r.url.startswith(("file:", "data:", "blob:", TILE_PREFIX))
            else traffic.other.append(r.url))
    page.on("console", console)
    page.on("pageerror", lambda error: traffic.errors.append(f"page error: {error}"))
    return traffic


def launch(playwright):
    if not shutil.which("chromium") and not shutil.os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


def wait_until(page, predicate: str, timeout_ms: int = 10_000, step_ms: int = 50) -> None:
    """Poll a JavaScript predicate through page.evaluate.

    Playwright's own wait_for_function evaluates its predicate with eval inside the page,
    which the page's Content-Security-Policy (rightly) forbids.
    """
    expression = predicate if predicate.lstrip().startswith(("(", "function")) else f"() => ({predicate})"
    for _ in range(max(timeout_ms // step_ms, 1)):
        try:
            if page.evaluate(expression):
                return
        except PlaywrightError as error:  # the page is reloading: look again in a moment
            if "context was destroyed" not in str(error) and "navigat" not in str(error):
                raise
        page.wait_for_timeout(step_ms)
    raise AssertionError(f"timed out waiting for: {predicate}")
