"""Every message box goes through here: non-modal, and a no-op without a screen."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox, QWidget

HEADLESS_PLATFORMS = ("offscreen", "minimal")


def is_headless() -> bool:
    return QGuiApplication.platformName() in HEADLESS_PLATFORMS or "PYTEST_CURRENT_TEST" in os.environ


def message(
    parent: QWidget | None,
    title: str,
    text: str,
    icon: QMessageBox.Icon = QMessageBox.Icon.Information,
    *,
    details: str = "",
    force: bool = False,
) -> QMessageBox | None:
    """Show a non-modal box and return it; None when headless (unless ``force``, for tests)."""
    if is_headless() and not force:
        return None
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setWindowModality(Qt.WindowModality.NonModal)
    if details:
        box.setDetailedText(details)
    box.show()
    return box
