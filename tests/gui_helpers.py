"""Helpers for tests that drive windows the way an operator does."""

import asyncio

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QGuiApplication, QKeyEvent
from PySide6.QtWidgets import QApplication


async def shown_active(window):
    """Show ``window`` and wait until it is the active window (shortcuts work only there)."""
    window.show()
    window.activateWindow()
    if QApplication.activeWindow() is window:
        return
    active = asyncio.get_running_loop().create_future()

    def changed(_focus_window):
        if QApplication.activeWindow() is window and not active.done():
            active.set_result(None)

    QGuiApplication.instance().focusWindowChanged.connect(changed)
    try:
        await active
    finally:
        QGuiApplication.instance().focusWindowChanged.disconnect(changed)


def type_text(widget, text):
    """Type like a keyboard does, any alphabet (QTest.keyClicks takes ASCII only)."""
    for ch in text:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.KeyboardModifier.NoModifier, ch))
