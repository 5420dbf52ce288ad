"""The Nu Html Checker on every page a build writes: the story page and each language's handout,
their markup and every style sheet in them (inline, as the pages carry them), plus our style
sheets as files (`--also-check-css`), so that a CSS message points at a line of the source.

    cd bench && npm install               # vnu-jar (the checker); it needs Java:
    python bench/html_check.py            # installs default-jre-headless with apt-get if java is missing

Leaflet's style sheet is shipped byte for byte as Leaflet publishes it, and we do not change it:
messages about it are counted apart from ours. Our target is zero errors in ours.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
VNU = HERE / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
OUR_STYLE_SHEETS = ("storymap.css", "print.css")  # in templates/, checked as files too
LEAFLET = "Leaflet"
OURS = "ours"


def command(paths: list[Path]) -> list[str]:
    """The checker's command line: JSON out, every CSS file and inline sheet checked as well."""
    return ["java", "-jar", str(VNU), "--format", "json", "--also-check-css", *map(str, paths)]


def ensure_java() -> None:
    """The checker is a Java program: Debian's headless runtime, installed when java is missing."""
    if shutil.which("java"):
        return
    if not shutil.which("apt-get"):
        raise SystemExit("the Nu Html Checker needs Java: install a Java runtime (Debian: default-jre-headless)")
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "default-jre-headless"], check=True,
                   env={"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})


def ensure_checker() -> None:
    if not VNU.exists():
        subprocess.run(["npm", "install", "--no-audit", "--no-fund"], cwd=HERE, check=True)


class _StyleLines(HTMLParser):
    """The lines each <style> element of a page spans, with its text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.sheets: list[tuple[int, int, str]] = []
        self._start: int | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "style":
            self._start, self._text = self.getpos()[0], []

    def handle_data(self, data):
        if self._start is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "style" and self._start is not None:
            self.sheets.append((self._start, self.getpos()[0], "".join(self._text)))
            self._start = None


def leaflet_lines(html: str, leaflet_css: str) -> set[int]:
    """The page's lines that hold Leaflet's own style sheet (the <style> whose text is leaflet.css)."""
    parser = _StyleLines()
    parser.feed(html)
    lines: set[int] = set()
    for first, last, text in parser.sheets:
        if text.strip() == leaflet_css.strip():
            lines.update(range(first, last + 1))
    return lines


@dataclass
class Report:
    """The checker's messages by file and by whose they are (ours or Leaflet's)."""

    command: list[str]
    files: list[str]  # the checked files' names, in order
    counts: Counter = field(default_factory=Counter)  # (file, owner, "error" | "warning") -> n
    ours: list[str] = field(default_factory=list)  # our errors, as "file:line: message"
    leaflet: Counter = field(default_factory=Counter)  # Leaflet's messages -> times reported

    def errors(self, owner: str = OURS) -> int:
        return sum(n for (_, who, kind), n in self.counts.items() if who == owner and kind == "error")


def owner_of(message: dict, leaflet_in: dict[str, set[int]]) -> str:
    name = message.get("url", "").rsplit("/", 1)[-1]
    line = message.get("lastLine", message.get("firstLine", 0))
    return LEAFLET if name == "leaflet.css" or line in leaflet_in.get(name, set()) else OURS


def check(pages: list[Path], style_sheets: list[Path], leaflet_css: str) -> Report:
    """Run the checker once over the pages and style sheets and sort its messages."""
    paths = [*pages, *style_sheets]
    report = Report(command(paths), [path.name for path in paths])
    run = subprocess.run(report.command, capture_output=True, text=True)
    if run.returncode not in (0, 1) or not run.stderr.lstrip().startswith("{"):
        raise RuntimeError(f"the checker did not run: {run.stderr[:500]}")
    leaflet_in = {page.name: leaflet_lines(page.read_text("utf-8"), leaflet_css) for page in pages}
    for message in json.loads(run.stderr)["messages"]:
        kind = "error" if message["type"] in ("error", "non-document-error") else "warning"
        if message["type"] == "info" and message.get("subType") != "warning":
            continue  # plain information, not a finding
        name = message.get("url", "").rsplit("/", 1)[-1]
        owner = owner_of(message, leaflet_in)
        report.counts[(name, owner, kind)] += 1
        text = f"{kind}: {message['message']}"
        if owner == LEAFLET:
            report.leaflet[text] += 1
        elif kind == "error":
            report.ours.append(f"{name}:{message.get('lastLine', '?')}: {message['message']}")
    return report


def build_and_check(out: Path) -> Report:
    """Build the bundled story with its handouts into `out` and check every page the build wrote."""
    from storymap import pipeline, render

    pipeline.build(REPO, out, handout=True)
    pages = sorted(out.glob("*.html"))
    leaflet_css = render._leaflet()[1]
    (out / "leaflet.css").write_text(leaflet_css, encoding="utf-8")  # as shipped, checked as a file too
    return check(pages, our_style_sheets(out) + [out / "leaflet.css"], leaflet_css)


def our_style_sheets(out: Path) -> list[Path]:
    """Our style sheets written into `out` as the page carries them: with the layouts' media
    queries written out (storymap/layout.py), not minified, so that line numbers are the source's."""
    from storymap.layout import media_css

    sheets = []
    for name in OUR_STYLE_SHEETS:
        sheet = out / name
        sheet.write_text(media_css((REPO / "templates" / name).read_text(encoding="utf-8")), encoding="utf-8")
        sheets.append(sheet)
    return sheets


def section(report: Report) -> list[str]:
    """The report as a section of docs/benchmarks.md."""
    shown = [part if part.startswith("--") or part == "java" else Path(part).name for part in report.command]
    lines = ["## 6. Valid HTML and CSS (the Nu Html Checker)", "",
             f"`{' '.join(shown)}`, on the pages a `--handout` build of the Bochum story writes and on our "
             "style sheets as files (`vnu.jar` from npm `vnu-jar`, see bench/package.json; Java from Debian's "
             "`default-jre-headless`). Inline style sheets are checked inside their pages.", "",
             "| file | our errors | our warnings | Leaflet's errors | Leaflet's warnings |", "|---|---:|---:|---:|---:|"]
    for name in report.files:
        row = [report.counts[(name, owner, kind)] for owner in (OURS, LEAFLET) for kind in ("error", "warning")]
        lines.append(f"| {name} | " + " | ".join(map(str, row)) + " |")
    target = report.errors(OURS)
    lines += ["", f"- Errors in our markup and CSS: **{target}** — target 0: {'met' if target == 0 else '**not met**'}."]
    lines += [f"  - {text}" for text in report.ours[:20]]
    lines += ["- Leaflet's own style sheet (inline in the page, and as a file), shipped unchanged:"]
    lines += [f"  - {text} (×{n})" for text, n in sorted(report.leaflet.items())]
    lines += ["- Warnings are the checker's advice (such as \"section lacks heading\" for a chapter whose heading "
              "is in its language's article), not errors.", ""]
    return lines


def run() -> list[str]:
    ensure_java()
    ensure_checker()
    with tempfile.TemporaryDirectory() as tmp:
        return section(build_and_check(Path(tmp) / "site"))


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    print("\n".join(run()))
