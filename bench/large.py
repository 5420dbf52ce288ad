"""Benchmark: build time and peak memory for one layer of about 10, 50 and 100 MB of GeoJSON
(detailed polygons), each build in a fresh process; and how fast a file over the default
`budget.data_mb` is refused (before it is read).

    python bench/large.py            # prints a Markdown section; bench/run.py includes it too
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import scale
import synthetic


def detailed_polygons(megabytes: float) -> dict:
    """Polygons of 64 vertices each, as many as make about `megabytes` of GeoJSON."""
    features, size, i = [], 0, 0
    grid = synthetic._grid(int(megabytes * 2**20 / 1200) + 1)  # more cells than needed: the loop stops at the size
    for x, y, w, h in grid:
        ring = [[round(x + w * 0.4 * math.cos(2 * math.pi * k / 64), 6),
                 round(y + h * 0.4 * math.sin(2 * math.pi * k / 64), 6)] for k in range(64)]
        ring.append(ring[0])
        feature = {"type": "Feature", "id": f"a{i}", "properties": {"name": f"Area {i}"},
                   "geometry": {"type": "Polygon", "coordinates": [ring]}}
        features.append(feature)
        size += len(json.dumps(feature))
        i += 1
        if size >= megabytes * 2**20:
            break
    return {"type": "FeatureCollection", "features": features}


def run(sizes=(10, 50, 100)) -> dict:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for megabytes in sizes:
            root = synthetic.write_story(Path(tmp) / f"s{megabytes}", {"areas": detailed_polygons(megabytes)}, 2)
            data = root / "data" / "areas.geojson"
            result = scale._measure("storymap", root, Path(tmp) / f"site{megabytes}")  # a fresh process
            page = (Path(tmp) / f"site{megabytes}" / "index.html").stat().st_size
            rows.append({"input_mb": data.stat().st_size / 2**20, "seconds": result["seconds"],
                         "peak_mib": result["peak_mib"], "page_mb": page / 2**20})
        # The same 100 MB file with the default limits: refused before it is read.
        root = Path(tmp) / f"s{sizes[-1]}"
        story = root / "story.yml"
        story.write_text("\n".join(line for line in story.read_text().splitlines() if not line.startswith("budget")))
        started = time.perf_counter()
        refused = subprocess.run([sys.executable, "-m", "storymap", "check", str(root)], capture_output=True, text=True)
        refusal = {"seconds": time.perf_counter() - started, "exit": refused.returncode,
                   "message": refused.stdout.strip().splitlines()[0] if refused.stdout.strip() else ""}
    return {"rows": rows, "refusal": refusal}


def section(result: dict) -> list[str]:
    lines = ["## Large inputs: time and memory by size", "",
             "One layer of detailed polygons (64 vertices each), built with its limits lifted "
             "(`budget: {data_mb: 1000, page_kb: 1000000}`), each build in a fresh process on this machine "
             "(2 cores). Goal: peak memory ≤ 2.5 GB at 100 MB.", "",
             "| input MB | build s | peak MiB | page MB |", "|---|---|---|---|"]
    for row in result["rows"]:
        lines.append(f"| {row['input_mb']:.0f} | {row['seconds']:.1f} | {row['peak_mib']:.0f} | {row['page_mb']:.1f} |")
    refusal = result["refusal"]
    lines += ["", f"With the default limits the {result['rows'][-1]['input_mb']:.0f} MB file is refused before it is read: "
              f"`storymap check` exits {refusal['exit']} after {refusal['seconds']:.1f} s (the interpreter's start included).", ""]
    return lines


if __name__ == "__main__":
    print("\n".join(section(run())))
