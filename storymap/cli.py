"""The command line: `storymap build` and `storymap check`. Thin: the work is in pipeline.py."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import click

from . import __version__, images, pipeline
from .new import new_story
from .errors import Problem, StoryError

__all__ = ["main"]

story_dir_argument = click.argument(
    "story_dir", default=".", type=click.Path(file_okay=False, path_type=Path), metavar="[STORY_DIR]"
)
debug_option = click.option("--debug", is_flag=True, help="Show Python tracebacks for errors.")


def _count(problems: list[Problem], level: str) -> str:
    count = sum(1 for p in problems if p.level == level)
    return f"{count} {level}{'s' if count != 1 else ''}"


def _report(problems: list[Problem]) -> None:
    for problem in problems:
        click.echo(f"{problem.level}: {problem}", err=True)


def _fail(error: StoryError) -> None:
    _report(error.problems)
    summary = _count(error.problems, "error")
    if error.warnings:
        summary += ", " + _count(error.problems, "warning")
    click.echo(f"{summary}; nothing was written.", err=True)
    sys.exit(1)


def _run(debug: bool, action, *args, **options):
    try:
        return action(*args, **options)
    except StoryError as error:
        if debug:
            raise
        _fail(error)
    except Exception as error:  # a bug of ours, not the author's: still no traceback without --debug
        if debug:
            raise
        click.echo(f"error: internal error ({type(error).__name__}: {error}); "
                   "nothing was written. Run again with --debug and report the traceback.", err=True)
        sys.exit(1)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _summary(report: pipeline.Report) -> str:
    return ", ".join([_plural(len(report.features_per_layer), "layer"),
                      _plural(sum(report.features_per_layer.values()), "feature"),
                      _plural(report.chapter_count, "chapter")])


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="storymap")
def main() -> None:
    """Turn GeoJSON layers and Markdown chapters into a scroll-driven Leaflet story map.

    A story folder holds story.yml, layers/<id>.yml, the data files they name and
    chapters/<lang>/<id>.md. See docs/story-format.md.
    """


@main.command()
@story_dir_argument
@click.option("-o", "--out", type=click.Path(path_type=Path), default=Path("site"), show_default=True,
              help="Output folder; index.html is written inside. Replaced only if storymap wrote it.")
@click.option("--lang", metavar="CODE", help="Build one of the story's languages only (default: all, with a switch).")
@click.option("--handout", is_flag=True, help="Also write handout.<lang>.html: the printable handout per language (static, no script).")
@click.option("--single-file/--no-single-file", default=True,
              help="One self-contained index.html (default), or chapter images as files in images/ beside it "
                   "(a lighter page whose images load as the reader reaches them).")
@click.option("--progress/--no-progress", default=None, help="Say each step as it happens (default: on a terminal).")
@debug_option
def build(story_dir: Path, out: Path, lang: str | None, handout: bool, single_file: bool, progress: bool | None,
          debug: bool) -> None:
    """Build STORY_DIR (default: the current folder) into a static site.

    index.html is one self-contained file: Leaflet, styles, data, chapter maps and images are
    inside, so it works from a USB stick with no network (only the basemap tiles need one).
    """
    show = sys.stderr.isatty() if progress is None else progress
    say = (lambda message: click.echo(f"… {message}", err=True)) if show else (lambda _message: None)
    report = _run(debug, pipeline.build, story_dir, out, lang=lang, handout=handout,
                  single_file=single_file, progress=say)
    _report(report.warnings)
    extra = " and the handouts" if handout else ""
    if not single_file:
        count = sum(name.startswith(f"{images.IMAGE_FOLDER}/") for name in report.files_written)
        extra += f" (and {_plural(count, 'image')} in {images.IMAGE_FOLDER}/)"
    weight = report.page_gzip
    click.echo(f"Built {report.site / 'index.html'}{extra}: {_summary(report)}.")
    click.echo(f"Page: {report.page_bytes / 1024:.0f} KiB, {weight['page_gz'] / 1024:.0f} KiB gzipped "
               f"(code and styles {weight['shell_gz'] / 1024:.0f} KiB).")


@main.command()
@story_dir_argument
@debug_option
def check(story_dir: Path, debug: bool) -> None:
    """Validate STORY_DIR without writing anything."""
    report = _run(debug, pipeline.check, story_dir)
    _report(report.warnings)
    warnings = f" ({_count(report.warnings, 'warning')})" if report.warnings else ""
    click.echo(f"OK: {_summary(report)}{warnings}.")


@main.command()
@click.argument("story_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--title", help="The story's title (default: from the folder's name).")
@debug_option
def new(story_dir: Path, title: str | None, debug: bool) -> None:
    """Create a small working story in STORY_DIR to start from."""
    written = _run(debug, new_story, story_dir, title)
    click.echo(f"Created {len(written)} files in {story_dir}. Next:")
    click.echo(f"  storymap serve {story_dir}     # build, open in a browser, rebuild while you edit")
    click.echo(f"  storymap build {story_dir} -o {story_dir}/site")


@main.command()
@story_dir_argument
@click.option("--port", type=int, default=8000, show_default=True, help="Port on 127.0.0.1 (0: any free port).")
@click.option("--open", "open_browser", is_flag=True, help="Open the page in the default browser.")
def serve(story_dir: Path, port: int, open_browser: bool) -> None:
    """Serve STORY_DIR on 127.0.0.1; rebuild and reload the browser when a file changes."""
    from .serve import Server  # imported here: only this command needs the watcher

    try:
        server = Server(story_dir, port=port, say=click.echo)
    except OSError as error:  # most often: the port is taken
        click.echo(f"error: cannot serve on 127.0.0.1:{port}: {error.strerror}; try --port 0 for any free port", err=True)
        sys.exit(1)
    if open_browser:
        import webbrowser

        threading.Timer(1.0, webbrowser.open, [server.url]).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("Stopped.", err=True)
