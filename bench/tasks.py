"""The renderer's main-thread tasks from a Chromium trace: how long each ran (wall clock and the
thread's CPU time) and what it did, so that a long task can be named instead of only counted.

A trace is the JSON that `Browser.stop_tracing()` returns for the categories in CATEGORIES. Its
clock is microseconds; the page's own clock (`performance.now()`) starts at the main frame's
`navigationStart`, which the trace carries with the document's URL.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

CATEGORIES = ["toplevel", "devtools.timeline", "disabled-by-default-devtools.timeline", "blink.user_timing",
              "v8.execute"]
TASK = "ThreadControllerImpl::RunTask"  # one task of the thread's scheduler (category toplevel)
# What a task spends its time on, as the DevTools performance panel names it.
WORK = {"ParseHTML", "EvaluateScript", "FunctionCall", "TimerFire", "FireAnimationFrame", "FireIdleCallback",
        "EventDispatch", "Layout", "UpdateLayoutTree", "PrePaint", "Paint", "Layerize", "v8.compile",
        "MinorGC", "MajorGC", "ParseAuthorStyleSheet", "IntersectionObserverController::computeIntersections",
        "RunMicrotasks", "v8.run", "HitTest", "Decode Image"}


@dataclass
class Task:
    start_ms: float  # on the page's clock (performance.now())
    wall_ms: float
    cpu_ms: float  # the main thread's CPU time in the task: what the page can cut
    work: list[tuple[str, float]] = field(default_factory=list)  # what it did, largest first: (what, CPU ms)

    def describe(self, top: int = 4) -> str:
        parts = ", ".join(f"{what} {ms:.0f}" for what, ms in self.work[:top])
        return f"at {self.start_ms:.0f} ms: {self.wall_ms:.0f} ms ({self.cpu_ms:.0f} ms CPU) — {parts}"


def _events(trace: bytes) -> list[dict]:
    data = json.loads(trace)
    return data["traceEvents"] if isinstance(data, dict) else data


def _navigation(events: list[dict], url: str) -> dict:
    starts = [e for e in events if e.get("name") == "navigationStart"
              and e.get("args", {}).get("data", {}).get("documentLoaderURL") == url]
    if not starts:
        raise ValueError(f"the trace has no navigation to {url}")
    return starts[-1]


def _what(event: dict, lines: list[str]) -> str:
    """A short name for a piece of work: the function or the page's line a script began at."""
    name, data = event["name"], event.get("args", {}).get("data", {}) or {}
    if name in ("FunctionCall", "EvaluateScript", "v8.compile"):
        where = data.get("functionName") or ""
        line = data.get("lineNumber")
        if not where and line is not None and 0 < line <= len(lines):
            where = lines[line - 1].strip()[:40]
        return f"{name}({where})" if where else name
    if name in ("TimerFire", "FireAnimationFrame", "FireIdleCallback", "EventDispatch"):
        kind = data.get("type") or ""
        return f"{name}({kind})" if kind else name
    return name


def _cpu(event: dict) -> float:
    """The thread's CPU time in `event`, in ms: on a busy machine the wall clock also counts the
    time the thread waited for a core."""
    return event.get("tdur", event.get("dur", 0)) / 1000


def _outermost(events: list[dict]) -> list[dict]:
    """The events of `events` (sorted by start) that no other of them contains."""
    outer, end = [], -1.0
    for event in events:
        if event["ts"] >= end:
            outer.append(event)
            end = event["ts"] + event.get("dur", 0)
    return outer


def _work(inside: list[dict], lines: list[str]) -> list[tuple[str, float]]:
    """The task's outermost pieces of work, summed by what they were (CPU ms), largest first; a piece that
    holds others is named with the largest of them (`FunctionCall(f) [Layout 12, UpdateLayoutTree 3]`)."""
    totals: dict[str, float] = {}
    ordered = sorted(inside, key=lambda e: (e["ts"], -e.get("dur", 0)))
    outer = _outermost(ordered)
    for event in outer:
        stop = event["ts"] + event.get("dur", 0)
        held = _outermost([e for e in ordered if e is not event and event["ts"] <= e["ts"] < stop])
        parts: dict[str, float] = {}
        for part in held:
            name = _what(part, lines)
            parts[name] = parts.get(name, 0.0) + _cpu(part)
        what = _what(event, lines)
        big = [f"{name} {ms:.0f}" for name, ms in sorted(parts.items(), key=lambda item: -item[1]) if ms >= 2]
        if big:
            what += " [" + ", ".join(big[:3]) + "]"
        totals[what] = totals.get(what, 0.0) + _cpu(event)
    return sorted(totals.items(), key=lambda item: -item[1])


def main_thread_tasks(trace: bytes, url: str, until_ms: float, html: str = "") -> list[Task]:
    """Every task of the page's main thread from its navigation until `until_ms` on the page's clock.
    `html`, the page's source, names the line an inline script began at."""
    events = _events(trace)
    navigation = _navigation(events, url)
    pid, tid, zero = navigation["pid"], navigation["tid"], navigation["ts"]
    end = zero + until_ms * 1000
    mine = [e for e in events if e.get("pid") == pid and e.get("tid") == tid and e.get("ph") == "X"]
    runs = [e for e in mine if e["name"] == TASK and zero <= e["ts"] <= end]
    work = sorted((e for e in mine if e["name"] in WORK), key=lambda e: e["ts"])
    lines = html.splitlines()
    tasks = []
    for run in runs:
        stop = run["ts"] + run.get("dur", 0)
        inside = [e for e in work if run["ts"] <= e["ts"] < stop]
        tasks.append(Task((run["ts"] - zero) / 1000, run.get("dur", 0) / 1000, run.get("tdur", 0) / 1000,
                          _work(inside, lines)))
    return tasks
