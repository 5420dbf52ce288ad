"""docs/js-api.md stays true to the page: every public member of window.storymap (read from the
built page in Chromium) and every event the page's scripts dispatch is documented, and nothing is
documented that the page does not have."""

from __future__ import annotations

import re
from pathlib import Path

from browser import wait_until, watch

REPO = Path(__file__).resolve().parent.parent
DOC = REPO / "docs/js-api.md"
SCRIPTS = [*sorted((REPO / "templates/engine").glob("*.js")), REPO / "templates/explore.js", REPO / "templates/present.js"]
NESTED = ("explore", "present")


def documented_members() -> set[str]:
    """The names in the first column of the members table: `goTo(id, {instant})` -> goTo,
    `year`, `setYear(year)` -> year and setYear, `explore.enter(state?)` -> explore.enter."""
    names = set()
    for line in DOC.read_text("utf-8").splitlines():
        if line.startswith("| `"):
            first_column = line.split("|")[1]
            names.update(re.findall(r"`([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)?)", first_column))
    return names | {name.split(".")[0] for name in names}  # `explore.enter` documents `explore` too


def page_members(built, browser) -> set[str]:
    url, _ = built
    page = browser.new_page()
    traffic = watch(page)
    page.goto(url)
    wait_until(page, "window.storymap && storymap.map")
    keys = page.evaluate("""(nested) => Object.keys(storymap).concat(
        ...nested.map(name => Object.keys(storymap[name]).map(key => name + '.' + key)))""", list(NESTED))
    assert traffic.errors == []
    page.close()
    return set(keys)


def dispatched_events() -> set[str]:
    return {name for path in SCRIPTS for name in re.findall(r"[\"'](storymap:[a-z]+)[\"']", path.read_text("utf-8"))}


def test_every_public_member_is_documented(built, browser):
    members = page_members(built, browser)
    assert {"goTo", "active", "explore.enter", "present.show"} <= members  # the reading works
    assert members - documented_members() == set(), "public members missing from docs/js-api.md"


def test_every_documented_member_exists(built, browser):
    assert documented_members() - page_members(built, browser) == set(), "docs/js-api.md names members the page lacks"


def test_every_event_is_documented():
    events = dispatched_events()
    assert {"storymap:chapter", "storymap:mode"} <= events
    text = DOC.read_text("utf-8")
    assert {event for event in events if f"`{event}`" not in text} == set(), "events missing from docs/js-api.md"
