"""The sdist holds the whole project; the wheel holds the whole app with its resources."""

from __future__ import annotations

import email.parser
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "desktop_app"
# Files of the repository that only matter to git itself.
NOT_IN_SDIST = {".gitignore"}


def _wheel_names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


def _metadata(wheel: Path):
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        return email.parser.Parser().parsestr(archive.read(name).decode())


def _lrelease() -> str:
    found = Path(sys.executable).parent / "pyside6-lrelease"
    return str(found) if found.exists() else shutil.which("pyside6-lrelease") or pytest.skip("pyside6-lrelease missing")


def test_the_wheel_holds_every_module_and_resource(dists):
    names = _wheel_names(dists.wheel)
    modules = {p.relative_to(ROOT).as_posix() for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts}
    assert modules - names == set()
    resources = {p.relative_to(ROOT).as_posix() for p in (PACKAGE / "resources").rglob("*")
                 if p.is_file() and p.suffix not in (".ts", ".qm")}
    assert {"desktop_app/resources/icons/tray-light.svg", "desktop_app/resources/sounds/ring.wav"} <= resources
    assert resources - names == set()
    catalogs = {p.relative_to(ROOT).with_suffix(".qm").as_posix() for p in (PACKAGE / "resources").rglob("*.ts")}
    assert catalogs and catalogs <= names
    assert not [n for n in names if n.endswith((".ts", ".pyc")) or "__pycache__" in n]


def test_the_wheels_catalogs_are_compiled_from_their_ts(dists, tmp_path):
    with zipfile.ZipFile(dists.wheel) as archive:
        for ts in (PACKAGE / "resources" / "i18n").glob("*.ts"):
            fresh = tmp_path / ts.with_suffix(".qm").name
            subprocess.run([_lrelease(), "-silent", str(ts), "-qm", str(fresh)], check=True, timeout=60)
            shipped = archive.read(ts.relative_to(ROOT).with_suffix(".qm").as_posix())
            assert shipped == fresh.read_bytes(), f"{ts.name}: the wheel's catalog is not compiled from it"


def test_the_wheel_has_what_a_package_index_shows(dists):
    meta = _metadata(dists.wheel)
    assert meta["Name"] == "gravitel-desk"
    assert meta["License-Expression"] == "MIT"
    assert meta.get_all("License-File") == ["LICENSE"]
    assert f"gravitel_desk-{meta['Version']}.dist-info/licenses/LICENSE" in _wheel_names(dists.wheel)
    classifiers = meta.get_all("Classifier")
    for expected in ("Operating System :: Microsoft :: Windows", "Operating System :: MacOS",
                     "Operating System :: POSIX :: Linux", "Topic :: Communications :: Telephony",
                     "Natural Language :: Russian"):
        assert expected in classifiers
    urls = dict(url.split(", ", 1) for url in meta.get_all("Project-URL"))
    assert {"Homepage", "Source", "Issues"} <= set(urls)
    assert meta["Description-Content-Type"] == "text/markdown"
    assert meta.get_payload().strip() == (ROOT / "README.md").read_text(encoding="utf-8").strip()
    with zipfile.ZipFile(dists.wheel) as archive:
        entry_points = archive.read(next(n for n in archive.namelist() if n.endswith("entry_points.txt"))).decode()
    assert "gravitel-desk = desktop_app.cli:main" in entry_points


def test_the_sdist_holds_every_file_of_the_project(dists):
    with tarfile.open(dists.sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for needed in ("Makefile", "LICENSE", "README.md", "pyproject.toml", "setup.py", ".ci/run",
                   "tests/conftest.py", "docs/benchmarks.md", "packaging/smoke.py",
                   "desktop_app/resources/i18n/gravitel_desk_ru.ts"):
        assert needed in names
    assert not [n for n in names if n.endswith((".qm", ".pyc"))], "generated files in the sdist"
    if not (ROOT / ".git").exists():
        return  # running from an unpacked sdist: nothing to compare with
    tracked = subprocess.run(["git", "-C", str(ROOT), "ls-files"], capture_output=True, text=True,
                             check=True).stdout.split()
    missing = sorted(set(tracked) - names - NOT_IN_SDIST)
    assert not missing, "tracked files missing from the sdist (MANIFEST.in):\n" + "\n".join(missing)
