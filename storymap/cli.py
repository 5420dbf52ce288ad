"""The command line: `storymap build` and `storymap check`. Thin: the work is in pipeline.py."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__, pipeline
from .errors import Problem, StoryError

__all__ = ["main"]

story_dir_argument = click.argument(
    "story_dir", default=".", type=click.Path(file_okay=False, path_type=Path), metavar="[STORY_DIR]"
)
debug_option = click.option("--debug", is_flag=True, help="Show Python tracebacks for errors.")


def _warn(problems: list[Problem]) -> None:
    for problem in problems:
        click.echo(f"warning: {problem}", err=True)


def _fail(error: StoryError) -> None:
    for problem in error.problems:
        click.echo(f"error: {problem}", err=True)
    count = len(error.problems)
    click.echo(f"{count} error{'s' if count != 1 else ''}; nothing was written.", err=True)
    sys.exit(1)


def _run(debug: bool, action, *args):
    try:
        return action(*args)
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


def _summary(report: pipeline.Report) -> str:
    features = sum(report.features.values())
    return f"{len(report.features)} layers, {features} features, {report.chapters} chapters"


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
@click.option("--single-file", is_flag=True, hidden=True, help="Accepted for clarity: index.html is always one self-contained file.")
@debug_option
def build(story_dir: Path, out: Path, lang: str | None, handout: bool, single_file: bool, debug: bool) -> None:
    """Build STORY_DIR (default: the current folder) into a static site.

    index.html is one self-contained file: Leaflet, styles, data and chapter maps are inside, so it
    works from a USB stick with no network (only the basemap tiles need one).
    """
    del single_file  # the only kind of build there is
    report = _run(debug, pipeline.build, story_dir, out, lang, handout)
    _warn(report.warnings)
    extra = " and the handouts" if handout else ""
    weight = report.weight
    click.echo(f"Built {report.out / 'index.html'}{extra}: {_summary(report)}.")
    click.echo(f"Page: {report.bytes_written / 1024:.0f} KiB, {weight['page_gz'] / 1024:.0f} KiB gzipped "
               f"(code and styles {weight['shell_gz'] / 1024:.0f} KiB).")


@main.command()
@story_dir_argument
@debug_option
def check(story_dir: Path, debug: bool) -> None:
    """Validate STORY_DIR without writing anything."""
    report = _run(debug, pipeline.check, story_dir)
    _warn(report.warnings)
    click.echo(f"OK: {_summary(report)}.")
