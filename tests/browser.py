"""Playwright helpers for the browser tests: Debian's Chromium, and a network that only lets
the page itself load. Tile requests are blocked and counted; anything else is a failure."""

from __future__ import annotations

import http.server
import shutil
import threading
from contextlib import contextmanager
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


@contextmanager
def served_in_two_parts(body: bytes, cut: int):
    """`body` served as one page on 127.0.0.1, in two parts: the bytes before `cut` at once, the rest
    when the test calls `rest()` — a page arriving over a slow network, which the browser paints
    before it has all of it. Yields (url, rest); a page opened on the url must be let through
    the route `watch` sets (`page.route(url, lambda r: r.continue_())`)."""
    arrived = threading.Event()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the name http.server asks for
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[:cut])
            self.wfile.flush()
            arrived.wait(30)
            self.wfile.write(body[cut:])

        def log_message(self, *args):  # quiet: the test reports what matters
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", arrived.set
    finally:
        arrived.set()
        server.shutdown()
        server.server_close()
