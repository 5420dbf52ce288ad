"""`storymap serve`: build, serve on 127.0.0.1, rebuild when a file changes, reload the browser.

The site is built into a temporary folder (never into the story, which is being watched). While
the story does not build, the page shows the problems instead, and the terminal prints them.
"""

from __future__ import annotations

import tempfile
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable

import watchfiles

from . import pipeline, render, write
from .errors import Problem, StoryError

__all__ = ["Server"]

EVENTS = "/__storymap/events"


class _State:
    """The build counter the browser watches, shared between threads. Each page carries the
    number of the build it came from and reloads when the counter passes it."""

    def __init__(self):
        self.version = 0
        self.changed = threading.Condition()

    def bump(self) -> None:
        with self.changed:
            self.version += 1
            self.changed.notify_all()


class _Handler(SimpleHTTPRequestHandler):
    state: _State

    def log_message(self, *args) -> None:  # quiet: the terminal shows builds, not requests
        pass

    def do_GET(self) -> None:  # noqa: N802 - the name http.server asks for
        if self.path != EVENTS:
            super().do_GET()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        seen = None
        try:
            while True:
                with self.state.changed:
                    if seen == self.state.version:
                        self.state.changed.wait(timeout=15)
                    version = self.state.version
                # A message every few seconds even without a change keeps the connection honest.
                self.wfile.write(f"data: {version}\n\n".encode())
                self.wfile.flush()
                seen = version
        except (BrokenPipeError, ConnectionResetError):
            return


class Server:
    """Serve a story folder with rebuilds; `say` receives each line for the terminal."""

    def __init__(self, story_dir: Path, host: str = "127.0.0.1", port: int = 8000,
                 say: Callable[[str], None] = print):
        self.story_dir = Path(story_dir).resolve()
        self.say = say
        self.state = _State()
        self.out = Path(tempfile.mkdtemp(prefix="storymap-serve-")) / "site"
        handler = type("Handler", (_Handler,), {"state": self.state})
        self.httpd = ThreadingHTTPServer((host, port), partial(handler, directory=str(self.out)))
        self.httpd.daemon_threads = True
        self.stop = threading.Event()

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/"

    def rebuild(self) -> bool:
        """Build once; whatever goes wrong, the page says so and the watcher keeps watching."""
        started = time.perf_counter()
        build = self.state.version + 1  # only the watcher thread builds, so this is the next number
        try:
            report = pipeline.build(self.story_dir, self.out, dev_build=build)
        except StoryError as error:
            ok = self._show_problems(error.problems, build)
        except Exception as error:  # a bug of ours, or the system saying no: the author still sees it
            problem = Problem(f"internal error ({type(error).__name__}: {error}); the watcher goes on. "
                              "Run `storymap build --debug` to see the traceback, and report it")
            ok = self._show_problems([problem], build)
        else:
            for problem in report.warnings:
                self.say(f"warning: {problem}")
            self.say(f"Built in {time.perf_counter() - started:.1f} s: {len(report.features_per_layer)} layers, "
                     f"{report.chapter_count} chapters.")
            ok = True
        self.state.bump()  # only now: a page that loads build N must never hear N - 1 as "newer"
        return ok

    def _show_problems(self, problems: list[Problem], build: int) -> bool:
        """Print the problems and serve a page that lists them (and reloads on the next build)."""
        for problem in problems:
            self.say(f"{problem.level}: {problem}")
        try:
            write.write_site({"index.html": render.render_error(problems, build).encode("utf-8")}, self.out)
        except OSError as error:  # nowhere to write even the error page: the terminal must do
            self.say(f"error: cannot write the error page: {error}")
        count = sum(problem.level == "error" for problem in problems)
        self.say(f"Build failed ({count} error{'' if count == 1 else 's'}); the page shows why.")
        return False

    def _watch(self) -> None:
        for _changes in watchfiles.watch(self.story_dir, stop_event=self.stop, debounce=200, step=50,
                                         watch_filter=watchfiles.DefaultFilter()):
            self.rebuild()

    def serve_forever(self) -> None:
        self.rebuild()
        watcher = threading.Thread(target=self._watch, daemon=True)
        watcher.start()
        self.say(f"Serving {self.story_dir} at {self.url} (Ctrl+C stops).")
        try:
            self.httpd.serve_forever()
        finally:
            self.stop.set()
            self.httpd.server_close()
