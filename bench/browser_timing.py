"""Benchmark 2: startup (long tasks until the first view's layers are painted), time to ready,
chapter switches and long tasks while scrolling, in headless Chromium (file:// pages, every
network request blocked)."""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))
import tasks  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
# The startup's paint time spreads by 100 ms and more from load to load on this machine: a median
# of 5 could not tell a change of that size from chance.
STARTUP_RUNS = 15
SWITCH_PAIRS = 5  # chapter-switch measurements of each page, taken in turn
LONG_TASKS = """
window.__longTasks = [];
new PerformanceObserver(list => list.getEntries().forEach(e => window.__longTasks.push([e.startTime, e.duration])))
  .observe({type: 'longtask', buffered: true});
"""


# Each animation frame: how many map shapes (SVG paths, canvases) the page has. Measured alike on
# both pages: the layers are painted at the first frame that has all the shapes the settled page has.
SHAPES_PER_FRAME = """
window.__frames = [];
(function count(time) {
  __frames.push([time, document.querySelectorAll('.leaflet-map-pane path, .leaflet-map-pane canvas').length]);
  if (time < 15000) requestAnimationFrame(count);
})(0);
"""


def _page(browser, url: str, traced: bool = False):
    """`url` opened and loaded in a new context; with `traced`, a Chromium trace of the page is
    recording (stop it with `browser.stop_tracing()`)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.add_init_script(LONG_TASKS)
    context.add_init_script(SHAPES_PER_FRAME)
    page = context.new_page()
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
    if traced:
        browser.start_tracing(page=page, categories=tasks.CATEGORIES)
    page.goto(url, wait_until="load")
    return context, page


def _ready_ms(page, ours: bool) -> float:
    if ours:
        page.wait_for_timeout(50)
        return page.evaluate("() => performance.getEntriesByName('storymap:ready')[0].startTime")
    return page.evaluate("() => performance.getEntriesByType('navigation')[0].loadEventEnd")


def time_to_ready(browser, url: str, ours: bool, runs: int) -> float:
    """Median milliseconds from navigation to a usable map."""
    samples = []
    for _ in range(runs):
        context, page = _page(browser, url)
        samples.append(_ready_ms(page, ours))
        context.close()
    return statistics.median(samples)


def spread(samples: list[float]) -> dict:
    """The median of `samples` and how far they spread: the lowest, the quartiles and the highest."""
    quartiles = statistics.quantiles(samples, n=4) if len(samples) > 1 else samples * 3
    return {"median": statistics.median(samples), "min": min(samples), "q1": quartiles[0],
            "q3": quartiles[2], "max": max(samples), "n": len(samples)}


def _startup_load(browser, url: str, html: str) -> dict:
    """One traced load: when the first view's layers were painted, the main thread's tasks until
    then, and the long ones (> 50 ms) among them."""
    context, page = _page(browser, url, traced=True)
    page.wait_for_timeout(2000)  # settled: every layer of the first view is on the map
    frames = page.evaluate("() => window.__frames")
    trace = browser.stop_tracing()
    context.close()
    final = frames[-1][1]
    at = next(time for time, shapes in frames if shapes >= final and time > 0)
    until = tasks.main_thread_tasks(trace, url, at, html)
    return {"painted": at, "tasks": until, "long": [t for t in until if t.wall_ms > 50]}


def startup(browser, urls: dict[str, str], runs: int) -> dict:
    """For each named page, over `runs` traced loads taken in turn with the other pages' (so that
    whatever else the machine does falls on all of them alike): milliseconds from navigation until
    the first view's layers are painted, and the main thread's tasks until then — the long ones
    (> 50 ms) counted, the longest, the CPU time of all of them and of the one that took most —
    each as a median with its spread; and the long tasks of the load whose paint time was the
    median, each named by what it did."""
    html = {name: Path(url.removeprefix("file://")).read_text(encoding="utf-8") for name, url in urls.items()}
    loads = {name: [] for name in urls}
    for _ in range(runs):
        for name, url in urls.items():
            loads[name].append(_startup_load(browser, url, html[name]))
    return {name: _startup_summary(each) for name, each in loads.items()}


def _startup_summary(loads: list[dict]) -> dict:
    middle = sorted(loads, key=lambda load: load["painted"])[len(loads) // 2]
    return {"painted_ms": spread([load["painted"] for load in loads]),
            "long_tasks": spread([len(load["long"]) for load in loads]),
            "longest_ms": spread([max((t.wall_ms for t in load["long"]), default=0.0) for load in loads]),
            "cpu_ms": spread([sum(t.cpu_ms for t in load["tasks"]) for load in loads]),
            "longest_cpu_ms": spread([max((t.cpu_ms for t in load["tasks"]), default=0.0) for load in loads]),
            "loads_with_long": sum(1 for load in loads if load["long"]),
            "median_load": [t.describe() for t in middle["long"]]}


def startup_lines(name: str, result: dict) -> list[str]:
    """`startup`'s result as lines for a terminal."""
    def line(label, s):
        return (f"  {label}: median {s['median']:.0f} (quartiles {s['q1']:.0f}–{s['q3']:.0f}, "
                f"range {s['min']:.0f}–{s['max']:.0f}, n={s['n']})")
    return ([f"{name}:", line("first view painted, ms", result["painted_ms"]),
             line("long tasks until then", result["long_tasks"]), line("longest task, ms", result["longest_ms"]),
             line("main-thread CPU until then, ms", result["cpu_ms"]),
             line("the most CPU one task took, ms", result["longest_cpu_ms"]), "  long tasks of the median load:"]
            + [f"    {t}" for t in result["median_load"]])


OUR_SWITCH = """async (ids) => {
  const times = [];
  for (const id of ids) {
    const t0 = performance.now();
    storymap.goTo(id, {instant: true});
    await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
    times.push(performance.now() - t0);
  }
  return times;
}"""

# folium's page has no chapters; the same work by hand: change the view, swap the layers shown.
FOLIUM_SWITCH = """async (chapters) => {
  const map = Object.values(window).find(v => v instanceof L.Map);
  const layers = {};
  for (const [name, value] of Object.entries(window)) if (name.startsWith('geo_json_')) layers[name.slice(9)] = value;
  const times = [];
  for (const chapter of chapters) {
    const t0 = performance.now();
    for (const [id, layer] of Object.entries(layers)) {
      const want = chapter.layers.includes(id);
      if (want && !map.hasLayer(layer)) layer.addTo(map);
      if (!want && map.hasLayer(layer)) map.removeLayer(layer);
    }
    map.setView(chapter.center, chapter.zoom, {animate: false});
    await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
    times.push(performance.now() - t0);
  }
  return times;
}"""


def chapter_switch_ms(browser, url: str, chapters: list[dict], ours: bool) -> float:
    """Mean milliseconds per chapter change (two passes over all chapters)."""
    context, page = _page(browser, url)
    if ours:
        ids = [c["id"] for c in chapters] * 2
        times = page.evaluate(OUR_SWITCH, ids)
    else:
        times = page.evaluate(FOLIUM_SWITCH, chapters * 2)
    context.close()
    return statistics.mean(times)


def long_tasks_while_scrolling(browser, url: str) -> dict:
    """Wheel-scroll through every chapter; count main-thread tasks over 50 ms during the scroll."""
    context, page = _page(browser, url)
    page.wait_for_timeout(300)
    start = page.evaluate("() => performance.now()")
    page.mouse.move(250, 500)
    last = page.evaluate("() => storymap.chapters[storymap.chapters.length - 1].id")
    for _ in range(400):
        if page.evaluate("() => storymap.active") == last:
            break
        page.mouse.wheel(0, 200)
        page.wait_for_timeout(40)
    page.wait_for_timeout(1500)  # let the last flight and fade finish
    tasks = [d for t, d in page.evaluate("() => window.__longTasks") if t >= start]
    context.close()
    return {"count": len(tasks), "longest_ms": round(max(tasks), 1) if tasks else 0.0}


def launch(playwright):
    return playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)


def run_startup(pages: dict[str, str], runs: int = STARTUP_RUNS) -> dict:
    """`startup` of the named pages (name -> URL)."""
    with sync_playwright() as playwright:
        browser = launch(playwright)
        result = startup(browser, pages, runs)
        browser.close()
    return result


def run(our_url: str, folium_url: str, floor_url: str, chapters: list[dict], stress_url: str, runs: int = 5,
        startup_runs: int = STARTUP_RUNS) -> dict:
    with sync_playwright() as playwright:
        browser = launch(playwright)
        started = startup(browser, {"storymap": our_url, "folium": folium_url, "floor": floor_url}, startup_runs)
        ours_ready = time_to_ready(browser, our_url, True, runs)
        folium_ready = time_to_ready(browser, folium_url, False, runs)
        # in turn, a few times: one measurement of each, minutes apart, told chance from change badly
        switches = [(chapter_switch_ms(browser, our_url, chapters, True),
                     chapter_switch_ms(browser, folium_url, chapters, False)) for _ in range(SWITCH_PAIRS)]
        ours_switch = statistics.median(ours for ours, _ in switches)
        folium_switch = statistics.median(theirs for _, theirs in switches)
        scroll = long_tasks_while_scrolling(browser, our_url)
        stress_ready = time_to_ready(browser, stress_url, True, max(2, runs // 2))
        stress_scroll = long_tasks_while_scrolling(browser, stress_url)
        browser.close()
    return {
        "startup": started,
        "ready_ms": {"storymap": ours_ready, "folium": folium_ready},
        "switch_ms": {"storymap": ours_switch, "folium": folium_switch},
        "long_tasks": {"Bochum story": scroll, "10,000-feature stress story": stress_scroll},
        "stress_ready_ms": stress_ready,
    }
