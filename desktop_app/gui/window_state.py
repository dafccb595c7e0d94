"""Windows remember their size and position, per profile, in ``windows.ini``."""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QWidget

from desktop_app.profile import Profile


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
