"""`storymap serve` in process: a rebuild that fails in any way shows why and keeps the watcher alive."""

from __future__ import annotations

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
