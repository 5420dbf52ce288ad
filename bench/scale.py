"""Benchmark 3: build time and peak memory for synthetic layers of 1k, 10k and 100k features,
against geopandas' own read_file + to_json of the same data."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path

import synthetic

MEASURE = Path(__file__).resolve().parent / "measure.py"


def _measure(kind: str, path: Path, out: Path) -> dict:
    done = subprocess.run([sys.executable, str(MEASURE), kind, str(path), str(out)],
                          check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(sizes=(1_000, 10_000, 100_000)) -> dict:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            root = synthetic.write_story(Path(tmp) / f"s{size}", {"areas": synthetic.polygons(size)}, chapters=2)
            ours = _measure("storymap", root, Path(tmp) / f"site{size}")
            baseline = _measure("geopandas", root / "data" / "areas.geojson", Path(tmp) / f"gp{size}.json")
            rows.append({"features": size, "storymap_s": ours["seconds"], "storymap_mib": ours["peak_mib"],
                         "geopandas_s": baseline["seconds"], "geopandas_mib": baseline["peak_mib"]})
    first, last = rows[0], rows[-1]
    slope = math.log(last["storymap_s"] / first["storymap_s"]) / math.log(last["features"] / first["features"])
    return {"rows": rows, "slope": slope}
