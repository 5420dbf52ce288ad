"""`storymap serve` in process: a rebuild that fails in any way shows why and keeps the watcher alive."""

from __future__ import annotations

import http.client
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from click.testing import CliRunner

from storymap import serve
from storymap.cli import main


def test_an_unexpected_error_in_a_rebuild_is_shown_and_the_next_rebuild_works(tmp_path: Path, monkeypatch):
    story = tmp_path / "story"
    assert CliRunner().invoke(main, ["new", str(story)]).exit_code == 0
    said: list[str] = []
    server = serve.Server(story, port=0, say=said.append)
    try:
        def broken_build(*_args, **_options):
            raise RuntimeError("the disk is on fire")

        monkeypatch.setattr(serve.pipeline, "build", broken_build)
        assert server.rebuild() is False  # returns, so the watcher loop goes on
        page = (server.out / "index.html").read_text(encoding="utf-8")
        assert "internal error (RuntimeError: the disk is on fire)" in page
        assert any("internal error" in line for line in said)
        monkeypatch.undo()
        assert server.rebuild() is True
        assert said[-1].startswith("Built in")
        assert "internal error" not in (server.out / "index.html").read_text(encoding="utf-8")
    finally:
        server.httpd.server_close()


def _serving(tmp_path: Path):
    story = tmp_path / "story"
    assert CliRunner().invoke(main, ["new", str(story)]).exit_code == 0
    server = serve.Server(story, port=0, say=lambda _line: None)
    assert server.rebuild()
    thread = threading.Thread(target=server.httpd.serve_forever, daemon=True)
    thread.start()
    return server


def _get(server, path: str) -> tuple[int, bytes]:
    host, port = server.httpd.server_address[:2]
    connection = http.client.HTTPConnection(host, port, timeout=5)
    connection.request("GET", path)  # sent as written: http.client does not tidy '..' away
    response = connection.getresponse()
    return response.status, response.read()


def test_serve_listens_on_loopback_and_refuses_paths_outside_the_site(tmp_path: Path):
    server = _serving(tmp_path)
    try:
        assert server.httpd.server_address[0] == "127.0.0.1"
        assert _get(server, "/")[0] == 200
        (tmp_path / "secret.txt").write_text("not part of the site")
        for path in ("/../secret.txt", "/../../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt", "//etc/passwd"):
            status, body = _get(server, path)
            assert status == 404 and b"not part of the site" not in body and b"root:" not in body, path
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()


def test_a_slow_or_vanished_browser_does_not_stall_rebuilds(tmp_path: Path):
    server = _serving(tmp_path)
    host, port = server.httpd.server_address[:2]
    try:
        silent = socket.create_connection((host, port))  # listens to the events, never reads them
        silent.sendall(f"GET {serve.EVENTS} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        gone = socket.create_connection((host, port))  # asks, then vanishes
        gone.sendall(f"GET {serve.EVENTS} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        gone.close()
        started = time.perf_counter()
        for _ in range(3):
            assert server.rebuild()
        assert time.perf_counter() - started < 30  # three ordinary builds, not a wait on the browsers
        assert _get(server, "/")[0] == 200
        silent.close()
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()


def test_serve_stops_cleanly_on_ctrl_c(tmp_path: Path):
    story = tmp_path / "story"
    assert CliRunner().invoke(main, ["new", str(story)]).exit_code == 0
    process = subprocess.Popen([sys.executable, "-m", "storymap", "serve", str(story), "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        for line in process.stdout:
            if "Serving" in line or time.monotonic() > deadline:
                break
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0 and "Stopped." in err and "Traceback" not in err
