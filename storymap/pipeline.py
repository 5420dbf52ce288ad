"""The pipeline: load → validate → transform → model → render → write.

`read_story` runs the steps up to the model over the whole story, each step once, and gathers
every problem before failing; `build` renders and writes; `check` stops after the model. Each
step returns its value with its problems (see docs/architecture.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from . import assemble, load, model, render, transform, validate, write
from .errors import Problem, StoryError

__all__ = ["Report", "build", "check", "read_story", "story_model", "write_story"]


@dataclass
class Report:
    """What a build or check did."""

    story_dir: Path
    site: Path | None = None  # the folder written; None for a check
    features_per_layer: dict[str, int] = field(default_factory=dict)
    chapter_count: int = 0
    warnings: list[Problem] = field(default_factory=list)
    files_written: tuple[str, ...] = ()  # paths inside `site`, e.g. index.html, images/<hash>-<name>.png
    page_bytes: int = 0  # index.html, as written
    page_gzip: dict[str, int] = field(default_factory=dict)  # page_gz, shell_gz: see render.page_weight


Progress = Callable[[str], None]


def _quiet(_message: str) -> None:
    pass


def read_story(story_dir: Path, progress: Progress = _quiet) -> tuple[model.Story, list[Problem]]:
    """Load, validate and transform a story folder into a Story; returns it with its warnings.

    Raises StoryError listing every error found in every file (not just the first). `progress`
    hears each step."""
    files, problems = load.read_story_files(Path(story_dir))
    return story_model(files, problems, progress)


def story_model(files: load.StoryFiles, problems: list[Problem] | None = None,
                progress: Progress = _quiet) -> tuple[model.Story, list[Problem]]:
    """Validate, transform and assemble read story files (from a folder, or built in memory by
    `storymap.Story`) into a Story with its warnings; `problems` are those met while reading.
    Raises StoryError listing every error."""
    problems = list(problems or [])
    sound_layers, found = validate.validate_story(files)
    problems += found
    layers, found = transform.prepare_layers(files, sound_layers, progress)
    problems += found
    if any(problem.level == "error" for problem in problems):
        raise StoryError(problems)
    progress("Simplifying, measuring and rounding the layers")
    return assemble.assemble_story(files, layers), problems


def check(story_dir: Path) -> Report:
    """Validate a story without writing anything."""
    story, warnings = read_story(story_dir)
    return Report(Path(story_dir), None, _feature_counts(story), len(story.chapters), warnings)


def _feature_counts(story: model.Story) -> dict[str, int]:
    return {layer.id: len(layer.data["features"]) for layer in story.layers}


def _one_language(story: model.Story, lang: str | None) -> model.Story:
    """The story in one of its languages only (`storymap build --lang`)."""
    if lang is None:
        return story
    if lang not in story.languages:
        raise StoryError.at(f"the story has no language {lang!r} (it has {', '.join(story.languages)})")
    return story.in_language(lang)


def build(story_dir: Path, out: Path, *, lang: str | None = None, handout: bool = False,
          single_file: bool = True, dev_build: int | None = None, progress: Progress = _quiet) -> Report:
    """Build the story in `story_dir` into the folder `out`: index.html, and the handouts if asked.
    `single_file=False` writes chapter images beside the page (images/) instead of into it.
    `dev_build` is `storymap serve`'s build number (the page then reloads itself on newer builds)."""
    story, warnings = read_story(story_dir, progress)
    return write_story(story, out, Path(story_dir), Path(story_dir) / load.STORY_FILE, warnings, lang=lang,
                       handout=handout, single_file=single_file, dev_build=dev_build, progress=progress)


def write_story(story: model.Story, out: Path, story_dir: Path, story_file: Path, warnings: list[Problem], *,
                lang: str | None = None, handout: bool = False, single_file: bool = True,
                dev_build: int | None = None, progress: Progress = _quiet) -> Report:
    """Render a Story and write it into `out` (what `build` does after reading; `storymap.Story.save`
    shares it). `story_file` is where the story's budget is set, for the message when it is exceeded."""
    story = _one_language(story, lang)
    progress("Rendering the page and its chapter maps")
    page = render.render_page(story, dev_build=dev_build, single_file=single_file)
    weight = render.page_weight(page.html)
    warnings = warnings + _check_budget(weight, story.budget, story_file)
    files = {**page.files, "index.html": page.html.encode("utf-8")}
    if handout:  # one printable handout per language: handout.en.html, handout.de.html, ...
        for language in story.languages:
            handout_page = render.render_page(story.in_language(language), handout=True, single_file=single_file)
            files.update(handout_page.files)
            files[f"handout.{language}.html"] = handout_page.html.encode("utf-8")
    progress(f"Writing {', '.join(sorted(files))}")
    written = write.write_site(files, Path(out))
    return Report(Path(story_dir), written, _feature_counts(story), len(story.chapters), warnings,
                  tuple(sorted(files)), len(files["index.html"]), weight)


# A page this heavy after gzip is slow on a phone (a warning), and one past the limit does not
# open on one at all (an error), unless the story sets its own `budget.page_kb`.
PAGE_WARN_KB, PAGE_LIMIT_KB = 2 * 1024, 10 * 1024


def _check_budget(weight: dict[str, int], budget: dict[str, float], story_file: Path) -> list[Problem]:
    """Fail the build when the page is heavier than the story's budget (KiB after gzip), or than the
    default limit when the story sets none; returns the warning for a page that is merely heavy."""
    limits = {"page_kb": budget.get("page_kb", PAGE_LIMIT_KB), "shell_kb": budget.get("shell_kb")}
    problems = [
        Problem(f"{label} is {weight[key] / 1024:.1f} KiB gzipped; the budget is {limits[limit]} KiB"
                + ("" if limit in budget else " (the default: set budget.page_kb in story.yml to raise it)"),
                story_file, f"key budget.{limit}")
        for key, limit, label in (("page_gz", "page_kb", "the page"), ("shell_gz", "shell_kb", "the page's code"))
        if limits[limit] is not None and weight[key] > limits[limit] * 1024
    ]
    if problems:
        raise StoryError(problems)
    if "page_kb" not in budget and weight["page_gz"] > PAGE_WARN_KB * 1024:
        return [Problem(f"the page is {weight['page_gz'] / 2**20:.1f} MB gzipped: slow to open on a phone. Lower the "
                        "layers' max_zoom or precision, or simplify the data (budget.page_kb sets your own limit)",
                        story_file, None, "warning")]
    return []
