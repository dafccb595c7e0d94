"""The wheel installed by pip into a fresh venv, run from a folder outside the source tree,
finds every icon, translation and sound, starts, serves /health and quits cleanly."""

from __future__ import annotations

import subprocess
import textwrap

import pytest

pytestmark = pytest.mark.slow

PROBE = textwrap.dedent(
    """
    import sys, wave
    from pathlib import Path
    import desktop_app
    assert Path(desktop_app.__file__).is_relative_to(Path(sys.prefix)), desktop_app.__file__
    from PySide6.QtCore import QCoreApplication, QTranslator
    from PySide6.QtGui import QGuiApplication, QIcon
    from desktop_app.core import package_data
    from desktop_app.gui.shell import i18n
    app = QGuiApplication([])
    for icon in sorted(package_data.ICONS_DIR.glob("*.svg")):
        assert not QIcon(str(icon)).pixmap(32, 32).isNull(), icon
    assert i18n.install(app, "ru") == "ru" and i18n._installed, "no Russian catalog"
    assert QCoreApplication.translate("HistoryWindow", "Call history") != "Call history"
    with wave.open(str(package_data.RING_SOUND)) as sound:
        assert sound.getnframes() > 0
    print(sorted(p.name for p in package_data.ICONS_DIR.iterdir()), package_data.RING_SOUND.name)
    """
)


def test_the_installed_wheel_finds_its_icons_translations_and_sounds(installed_wheel, tmp_path):
    result = subprocess.run([str(installed_wheel / "python"), "-c", PROBE], capture_output=True, text=True,
                            cwd=tmp_path, env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"}, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # Qt says here when a file cannot be opened
    assert "tray-light.svg" in result.stdout and "ring.wav" in result.stdout


def test_the_installed_wheel_starts_in_the_tray_and_quits_cleanly(installed_wheel, smoke):
    report = smoke.smoke([str(installed_wheel / "gravitel-desk")], language="ru")
    assert report.version.startswith("Gravitel Desk ")
    assert report.health == {"status": "ok"}
    assert "desk started" in report.log
