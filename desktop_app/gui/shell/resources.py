"""The drawn icons as Qt sees them (the files are found by core.package_data)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QIcon

from desktop_app.core.package_data import ICONS_DIR


def is_dark_theme() -> bool:
    hints = QGuiApplication.styleHints()
    return hints is not None and hints.colorScheme() == Qt.ColorScheme.Dark


def app_icon(dark: bool | None = None) -> QIcon:
    """The badge drawn for the panel's colour scheme (light or dark)."""
    dark = is_dark_theme() if dark is None else dark
    return QIcon(str(ICONS_DIR / ("tray-dark.svg" if dark else "tray-light.svg")))
