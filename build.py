"""Build the bundled Bochum story: `python build.py [-o OUT]` is `storymap build . -o OUT`.

Without -o the site goes to site/ beside this file, wherever it is run from.
"""

import sys
from pathlib import Path

from storymap.cli import main

if __name__ == "__main__":
    here = Path(__file__).resolve().parent
    args = sys.argv[1:]
    if not any(a in ("-o", "--out") or a.startswith("--out=") for a in args):
        args += ["-o", str(here / "site")]
    main(["build", str(here), *args], prog_name="build.py")
