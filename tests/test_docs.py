"""The story format's reference documents every key the shipped JSON Schemas allow (as datasette
fails a test when a setting is undocumented): each key of story.yml, a layer file, a chapter's
front matter and the glossary, at every level (`view.max_zoom`, `budget.page_kb`, `theme.accent`,
`style.fill_opacity`, `time.label`, ...), must appear in docs/story-format.md in the section for
its file.

A key counts as documented when
- a top-level key starts a row of the section's table (`` | `key` | ... ``), or is a top-level
  key of one of the section's YAML examples;
- a nested key `a.b` is named, in code, on one line together with its parent (a table row such
  as `` | `budget` | no | `{page_kb, shell_kb, layer_kb}`: ... ``, or a line of an example such
  as `view: {fit: [...], max_zoom: 14}`), or is that path in one of the section's YAML examples.
"""

from __future__ import annotations

import json
import re

import pytest
import yaml

from conftest import REPO

SCHEMAS = REPO / "storymap" / "schemas"
DOCS = REPO / "docs" / "story-format.md"
# The sections of story-format.md that document each kind of file (Views serves two kinds).
SECTIONS = {
    "story": ["`story.yml`", "Views"],
    "layer": ["`layers/<id>.yml`"],
    "chapter": ["`chapters/<lang>/<id>.md`", "Views"],
    "glossary": ["Glossary"],
}
WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _resolve(schema: dict, defs: dict) -> dict:
    while "$ref" in schema:
        schema = defs[schema["$ref"].rsplit("/", 1)[1]]
    return schema


def schema_keys(schema: dict, defs: dict, prefix: tuple[str, ...] = ()) -> set[str]:
    """Every property path a schema allows, dotted: 'view', 'view.center', 'budget.page_kb', ...
    (list items add no step: a popup entry's key is 'popup.key')."""
    schema = _resolve(schema, defs)
    keys = set()
    for name, sub in schema.get("properties", {}).items():
        keys.add(".".join((*prefix, name)))
        keys |= schema_keys(sub, defs, (*prefix, name))
    for combined in ("oneOf", "anyOf", "allOf"):
        for sub in schema.get(combined, []):
            keys |= schema_keys(sub, defs, prefix)
    for items in ("items", "additionalProperties"):
        if isinstance(schema.get(items), dict):
            keys |= schema_keys(schema[items], defs, prefix)
    return keys


def allowed_keys(kind: str) -> set[str]:
    root = json.loads((SCHEMAS / f"{kind}.schema.json").read_text(encoding="utf-8"))
    defs = json.loads((SCHEMAS / "storymap.schema.json").read_text(encoding="utf-8"))["$defs"]
    return schema_keys(root, defs)


def section(text: str, heading: str) -> str:
    """The text under a `## heading` (its `###` subsections included), up to the next `## `."""
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"docs/story-format.md has no section '## {heading}'"
    return match.group(1)


def _example_paths(value, prefix: tuple[str, ...] = ()) -> set[str]:
    paths = set()
    if isinstance(value, dict):
        for key, sub in value.items():
            paths.add(".".join((*prefix, str(key))))
            paths |= _example_paths(sub, (*prefix, str(key)))
    elif isinstance(value, list):
        for sub in value:
            paths |= _example_paths(sub, prefix)
    return paths


def documented_keys(text: str) -> set[str]:
    """The key paths a section documents (see the module's docstring)."""
    found = set()
    code_lines = []  # the code words of each line: inside backticks, or every word in a code block
    in_block, key_table = False, False
    for line in text.splitlines():
        if line.startswith("```"):
            in_block = not in_block
            continue
        words = WORD.findall(line) if in_block else WORD.findall(" ".join(re.findall(r"`([^`]*)`", line)))
        code_lines.append(words)
        first_cell = re.match(r"^\|([^|]*)\|", line)
        if first_cell and not in_block:
            if first_cell.group(1).strip() == "key":  # the header of a table of keys (not of properties)
                key_table = True
            elif key_table:
                found |= set(re.findall(r"`([a-z_]+)`", first_cell.group(1)))
        elif not in_block:
            key_table = False
    for block in re.findall(r"^```ya?ml\n(.*?)^```", text, re.M | re.S):
        found |= _example_paths(yaml.safe_load(block))
    return found | {f"{parent}.{child}" for words in code_lines for parent in words for child in words
                    if parent != child}


@pytest.mark.parametrize("kind", list(SECTIONS))
def test_every_key_the_schema_allows_is_documented(kind: str):
    text = DOCS.read_text(encoding="utf-8")
    documented = set().union(*(documented_keys(section(text, heading)) for heading in SECTIONS[kind]))
    keys = allowed_keys(kind)
    assert keys, "the schema walk found no keys"
    nested = {key for key in keys if "." in key}
    # A nested key needs its own name next to its parent's; for a.b.c, every step does.
    missing = sorted(key for key in keys - nested if key not in documented)
    missing += sorted(key for key in nested
                      if not all(".".join(key.split(".")[i:i + 2]) in documented or key in documented
                                 for i in range(key.count("."))))
    assert missing == [], f"docs/story-format.md does not document these {kind} keys: {missing}"


def test_the_schema_walk_sees_nested_and_combined_keys():
    keys = allowed_keys("story") | allowed_keys("layer") | allowed_keys("chapter") | allowed_keys("glossary")
    for key in ("view.max_zoom", "view.fit", "budget.page_kb", "theme.accent", "style.fill_opacity", "time.label",
                "popup.label", "sources.url", "terms.definition", "basemap.max_zoom", "timeline.from"):
        assert key in keys, key


def test_a_missing_key_is_caught():
    rows = section(DOCS.read_text(encoding="utf-8"), "`layers/<id>.yml`")
    assert "style.fill_opacity" in documented_keys(rows)
    assert "style.fill_opacity" not in documented_keys(rows.replace("`fill_opacity` ", ""))
    assert "precision" not in documented_keys(rows.replace("| `precision` |", "| precision |"))
