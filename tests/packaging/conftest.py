"""Fixtures for the tests of what gets installed: the sdist, the wheel, a venv outside the tree."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def smoke():
    """packaging/smoke.py (a script, not part of the package) as a module."""
    spec = importlib.util.spec_from_file_location("gravitel_desk_smoke", ROOT / "packaging" / "smoke.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class Dists:
    sdist: Path
    wheel: Path


@pytest.fixture(scope="session")
def dists(tmp_path_factory) -> Dists:
    """The sdist, and the wheel built from that sdist (as `python -m build` does), with
    this environment's setuptools and PySide6 (no download)."""
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    (sdist,) = out.glob("*.tar.gz")
    (wheel,) = out.glob("*.whl")
    return Dists(sdist, wheel)


@pytest.fixture(scope="session")
def installed_wheel(dists, tmp_path_factory) -> Path:
    """A fresh venv outside the source tree with the wheel installed by pip; returns its bin folder.

    The wheel goes in with --no-deps and the dependencies come from this environment's
    site-packages through a .pth file (no network in tests): desktop_app itself can only
    come from the wheel, since the editable install's path hook is not read from there.
    CI installs the same wheel with its dependencies from the index (.ci/run)."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / ("Scripts" if sys.platform == "win32" else "bin") / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index",
                    str(dists.wheel)], check=True, timeout=300)
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          capture_output=True, text=True, check=True).stdout.strip()
    ours = next(p for p in sys.path if p.endswith("site-packages") and (Path(p) / "PySide6").is_dir())
    (Path(site) / "gravitel_desk_test_dependencies.pth").write_text(ours + "\n")
    return python.parent
