"""Compile the Qt translations (.ts -> .qm) whenever the package is built.

git keeps only the .ts sources: several people add strings at the same time, and a binary
catalog in git would conflict on every merge and could silently fall behind its source. So
each wheel compiles its catalogs here, with the lrelease of the PySide6 that pyproject.toml
lists among the build requirements, and an editable install compiles them next to their
sources. Everything else about the package is in pyproject.toml.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from importlib.util import find_spec
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

I18N = Path("desktop_app", "resources", "i18n")


def find_lrelease() -> str:
    spec = find_spec("PySide6")
    if spec is not None and spec.origin:
        bundled = Path(spec.origin).parent / ("lrelease.exe" if os.name == "nt" else "lrelease")
        if bundled.is_file():
            return str(bundled)
    for name in ("pyside6-lrelease", "lrelease-qt6", "lrelease"):
        found = shutil.which(name)
        if found:
            return found
    raise SystemExit("cannot compile the translations: no lrelease found "
                     "(install PySide6-Essentials into the build environment, or Qt's linguist tools)")


class BuildPyWithTranslations(build_py):
    def run(self) -> None:
        super().run()
        # An editable install runs the sources in place: its catalogs go beside them.
        root = Path() if self.editable_mode else Path(self.build_lib)
        tool = find_lrelease()
        for ts in sorted(I18N.glob("*.ts")):
            qm = root / ts.with_suffix(".qm")
            qm.parent.mkdir(parents=True, exist_ok=True)
            self.announce(f"compiling {ts} -> {qm}", level=logging.INFO)
            subprocess.run([tool, "-silent", str(ts), "-qm", str(qm)], check=True)


setup(cmdclass={"build_py": BuildPyWithTranslations})
