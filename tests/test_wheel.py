"""The wheel is complete: built from the sources, installed into a fresh virtualenv (its
dependencies from the site packages, no network), it scaffolds and builds a story."""

from __future__ import annotations

import shutil
import site
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from conftest import REPO

SOURCES = ("pyproject.toml", "README.md", "storymap", "templates")  # what the wheel is built from


def _sh(*args, cwd: Path) -> str:
    result = subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{' '.join(map(str, args))} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built from a copy of the sources (an in-tree build would leave build/ and
    egg-info folders in the checkout, and race other test runs)."""
    pytest.importorskip("wheel", reason="pip install wheel (the test extra has it)")
    pytest.importorskip("setuptools")
    source = tmp_path_factory.mktemp("source")
    for name in SOURCES:
        copy = shutil.copytree if (REPO / name).is_dir() else shutil.copy2
        copy(REPO / name, source / name, **({"ignore": shutil.ignore_patterns("__pycache__")}
                                            if (REPO / name).is_dir() else {}))
    out = tmp_path_factory.mktemp("dist")
    _sh(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", out, ".", cwd=source)
    (built,) = out.glob("*.whl")
    return built


def test_the_distribution_is_storymap_leaflet(wheel):
    assert wheel.name.startswith("storymap_leaflet-")


def test_the_wheel_ships_templates_schemas_and_the_scaffold(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {
        REPO / "templates": "storymap/templates",
        REPO / "storymap/schemas": "storymap/schemas",
        REPO / "storymap/scaffold": "storymap/scaffold",
    }
    for folder, inside in shipped.items():
        for path in folder.rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                assert f"{inside}/{path.relative_to(folder).as_posix()}" in names, f"{path} is not in the wheel"


def _venv(root: Path) -> Path:
    """A fresh virtualenv that sees the site packages (the dependencies, without network): the
    system's, and this interpreter's in case the tests run from a virtualenv of their own."""
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", root], check=True, timeout=120)
    purelib = Path(sysconfig.get_paths(vars={"base": str(root), "platbase": str(root)})["purelib"])
    # .pth directories come after the venv's own site-packages, so the wheel's storymap is found first
    (purelib / "_storymap_test_deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    return root / "bin"


def test_the_installed_wheel_scaffolds_and_builds_a_story(wheel, tmp_path):
    bin_dir = _venv(tmp_path / "venv")
    _sh(bin_dir / "python", "-m", "pip", "install", "-q", "--no-deps", "--no-index", wheel, cwd=tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    where = _sh(bin_dir / "python", "-c", "import storymap, importlib.metadata as m; "
                "print(storymap.__file__); print(m.version('storymap-leaflet'))", cwd=work).split()
    assert Path(where[0]).is_relative_to(tmp_path / "venv"), f"storymap imported from {where[0]}, not the wheel"
    _sh(bin_dir / "storymap", "new", "x", cwd=work)
    _sh(bin_dir / "storymap", "build", "x", "-o", "x/site", cwd=work)
    assert (work / "x/site/index.html").stat().st_size > 10_000
