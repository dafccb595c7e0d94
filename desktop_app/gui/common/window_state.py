"""Windows remember their size and position, per profile, in ``windows.ini``."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSettings
from PySide6.QtWidgets import QWidget

from desktop_app.core.profile import Profile


class WindowState:
    def __init__(self, profile: Profile) -> None:
        self._settings = QSettings(str(profile.root / "windows.ini"), QSettings.Format.IniFormat)

    def restore(self, window: QWidget) -> bool:
        """Restore ``window``'s geometry saved under its objectName; False when none was saved."""
        saved = self._settings.value(f"{window.objectName()}/geometry")
        return bool(saved) and window.restoreGeometry(saved)

    def save(self, window: QWidget) -> None:
        self._settings.setValue(f"{window.objectName()}/geometry", window.saveGeometry())
        self._settings.sync()


def remember(window: QWidget, state: WindowState | None, default_size: tuple[int, int]) -> None:
    """Give ``window`` its saved geometry (or ``default_size``) and save it whenever it hides."""
    if state is None or not state.restore(window):
        window.resize(*default_size)
    if state is not None:
        window.installEventFilter(_SaveOnHide(state, window))


class _SaveOnHide(QObject):
    def __init__(self, state: WindowState, window: QWidget) -> None:
        super().__init__(window)
        self._state = state

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if event.type() in (QEvent.Type.Hide, QEvent.Type.Close) and isinstance(watched, QWidget):
            self._state.save(watched)
        return False
