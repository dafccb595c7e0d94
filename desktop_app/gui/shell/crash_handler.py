"""One ``sys.excepthook`` for the GUI: log the traceback to the profile, tell the operator.

It resets itself first (an error while handling an error must not recurse), stops the
single-instance socket only when the app cannot go on, and shows a dialog unless
headless or under test. The operator's calls go on: an exception in one slot does
not take the whole desk down.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QCoreApplication, QObject
from PySide6.QtWidgets import QMessageBox

from desktop_app.core.log_setup import redact
from desktop_app.gui.common import msgbox

log = logging.getLogger(__name__)


class CrashHandler(QObject):
    def __init__(self, log_file: Path, on_fatal: Callable[[], None] | None = None) -> None:
        super().__init__()
        self._log_file = log_file
        self._on_fatal = on_fatal
        self._previous = sys.excepthook
        self.handled = 0

    def install(self) -> None:
        self._previous = sys.excepthook
        sys.excepthook = self.excepthook

    def uninstall(self) -> None:
        if sys.excepthook == self.excepthook:
            sys.excepthook = self._previous

    def excepthook(self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        sys.excepthook = sys.__excepthook__
        try:
            if issubclass(exc_type, KeyboardInterrupt):
                if self._on_fatal:
                    self._on_fatal()
                return
            self.handled += 1
            log.critical("unhandled exception", exc_info=(exc_type, exc, tb))
            details = redact("".join(traceback.format_exception(exc_type, exc, tb)))
            msgbox.message(
                None,
                QCoreApplication.translate("CrashHandler", "Gravitel Desk: unexpected error"),
                QCoreApplication.translate(
                    "CrashHandler", "Something went wrong. Gravitel Desk keeps running; details are in {log}."
                ).format(log=self._log_file),
                QMessageBox.Icon.Critical,
                details=details,
            )
        finally:
            sys.excepthook = self.excepthook
