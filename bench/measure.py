"""Run one build (or geopandas' own read + to_json) in this process and print its wall time and
peak memory as JSON. Used by scale.py in a fresh process per measurement, so that peaks do not mix."""

import json
import resource
import sys
import time
from pathlib import Path


def main(kind: str, path: str, out: str) -> None:
    start = time.perf_counter()
    if kind == "storymap":
        from storymap import pipeline

        imported = time.perf_counter()
        pipeline.build(Path(path), Path(out))
    else:
        import geopandas

        imported = time.perf_counter()
        Path(out).write_text(geopandas.read_file(path, engine="pyogrio").to_json())
    done = time.perf_counter()
    print(json.dumps({
        "seconds": done - imported,
        "seconds_with_imports": done - start,
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == "__main__":
    main(*sys.argv[1:4])
