"""Where the drawn icons and compiled translations live."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QIcon

RESOURCES_DIR = Path(__file__).resolve().parents[2] / "resources"
ICONS_DIR = RESOURCES_DIR / "icons"
I18N_DIR = RESOURCES_DIR / "i18n"


def is_dark_theme() -> bool:
    hints = QGuiApplication.styleHints()
    return hints is not None and hints.colorScheme() == Qt.ColorScheme.Dark


def app_icon(dark: bool | None = None) -> QIcon:
    """The badge drawn for the panel's colour scheme (light or dark)."""
    dark = is_dark_theme() if dark is None else dark
    return QIcon(str(ICONS_DIR / ("tray-dark.svg" if dark else "tray-light.svg")))
