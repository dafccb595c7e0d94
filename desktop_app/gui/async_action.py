"""Run a coroutine for a window without freezing it: busy state, cancel, error in words.

Windows never await the network in a slot directly. They start an :class:`AsyncAction`,
which disables what must not be pressed twice, shows a busy text, can be cancelled,
and reports the outcome through signals, with errors already translated for the
operator (:func:`desktop_app.gui.i18n.error_text`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from PySide6.QtCore import QObject, Signal

from desktop_app.gui.i18n import error_text
from desktop_app.texts import UserError

log = logging.getLogger(__name__)


class AsyncAction(QObject):
    """One coroutine at a time for one window action.

    Signals:
        busy_changed(bool): the action started (True) or ended (False).
        succeeded(object): the coroutine's result.
        failed(str): a message for the operator (a UserError's text, or a short generic one).
        cancelled(): the operator cancelled it.
    """

    busy_changed = Signal(bool)
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._task: asyncio.Task | None = None

    @property
    def busy(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task | None:
        """Start ``coro`` unless one is running (then ``coro`` is closed, not run)."""
        if self.busy:
            coro.close()
            return None
        self._task = asyncio.ensure_future(coro)
        self._task.add_done_callback(self._finished)
        self.busy_changed.emit(True)
        return self._task

    def cancel(self) -> None:
        if self.busy:
            assert self._task is not None
            self._task.cancel()

    async def wait(self) -> None:
        """For shutdown and tests: wait until the running coroutine, if any, has ended."""
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)

    def _finished(self, task: asyncio.Task) -> None:
        self.busy_changed.emit(False)
        if task.cancelled():
            self.cancelled.emit()
            return
        exc = task.exception()
        if exc is None:
            self.succeeded.emit(task.result())
        elif isinstance(exc, UserError):
            self.failed.emit(error_text(exc))
        else:
            log.error("window action failed", exc_info=exc)
            self.failed.emit(self.tr("Unexpected error: {error}. Details are in the log.").format(
                error=type(exc).__name__))
