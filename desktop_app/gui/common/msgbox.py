"""Every message box goes through here: never blocking the loop, and a no-op without a screen."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable

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


async def ask(
    parent: QWidget,
    title: str,
    question: str,
    button: str,
    track: Callable[[QMessageBox | None], None] | None = None,
) -> bool:
    """A question modal to ``parent`` only, awaited without blocking the loop: True when the
    operator presses ``button``. ``track`` sees the box while it is open (tests click it)."""
    box = QMessageBox(QMessageBox.Icon.Question, title, question, QMessageBox.StandardButton.NoButton, parent)
    yes = box.addButton(button, QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(yes)
    answered: asyncio.Future[bool] = asyncio.get_running_loop().create_future()

    def finished(_result: int) -> None:
        if not answered.done():
            answered.set_result(box.clickedButton() is yes)

    box.finished.connect(finished)
    if track is not None:
        track(box)
    box.open()
    try:
        return await answered
    finally:
        if track is not None:
            track(None)
        if box.isVisible():  # cancelled while asking
            box.finished.disconnect(finished)
            box.close()
        box.deleteLater()
