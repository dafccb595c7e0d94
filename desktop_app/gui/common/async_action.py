"""Run a coroutine for a window without freezing it: busy state, cancel, error in words.

Windows never await the network in a slot directly. They start an :class:`AsyncAction`,
which disables what must not be pressed twice, shows a busy text, can be cancelled,
and reports the outcome through signals, with errors already translated for the
operator (:func:`desktop_app.gui.shell.i18n.error_text`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal
from PySide6.QtWidgets import QBoxLayout, QHBoxLayout, QLabel, QPushButton

from desktop_app.core.texts import Text, UserError
from desktop_app.gui.shell.i18n import error_text

log = logging.getLogger(__name__)

ERROR_COLOR = "#c62828"


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


class Refused(UserError):
    """A request refused before anything was sent; ``message`` is already translated."""

    def __init__(self, message: str) -> None:
        super().__init__(Text("", "{message}", {"message": message}))


def add_action_row(layout: QBoxLayout, primary: QPushButton, cancel: Callable[[], None]) -> tuple[QPushButton, QLabel]:
    """Under ``layout``: the primary button with a Cancel beside it (shown while busy), then
    the label where the outcome is shown in words. Returns (cancel button, result label)."""
    row = QHBoxLayout()
    cancel_button = QPushButton(QCoreApplication.translate("AsyncAction", "Cancel"))
    cancel_button.clicked.connect(cancel)
    cancel_button.hide()
    row.addWidget(primary)
    row.addWidget(cancel_button)
    row.addStretch(1)
    layout.addLayout(row)
    result = QLabel()
    result.setWordWrap(True)
    result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    layout.addWidget(result)
    return cancel_button, result


def show_result(label: QLabel, text: str, ok: bool) -> None:
    """Put an outcome next to what produced it; failures in the warning colour."""
    label.setText(text)
    label.setStyleSheet("" if ok else f"color: {ERROR_COLOR}")


class PbxRequests(QObject):
    """The PBX requests of one window, each its own task, so the operator can cancel them and
    whoever asked (a button, a forwarded command) still gets an answer.

    Signals:
        busy_changed(bool): the first request started (True) or the last one ended (False).
    """

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._tasks: set[asyncio.Task[str]] = set()

    @property
    def busy(self) -> bool:
        return bool(self._tasks)

    async def run(self, coro: Coroutine[Any, Any, str], cancelled_message: str) -> tuple[bool, str]:
        """Run ``coro`` (which returns the success message): ``(ok, message in words)``.

        Cancelled by :meth:`cancel`, it answers ``(False, cancelled_message)``; only the
        cancellation of the caller itself (shutdown) propagates.
        """
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        if len(self._tasks) == 1:
            self.busy_changed.emit(True)
        try:
            return True, await task
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if current is not None and current.cancelling():
                raise
            return False, cancelled_message
        except UserError as exc:
            return False, error_text(exc)
        except Exception as exc:  # noqa: BLE001 - the operator gets words, the log the trace
            log.error("PBX request failed", exc_info=exc)
            return False, self.tr("Unexpected error: {error}. Details are in the log.").format(
                error=type(exc).__name__)
        finally:
            self._tasks.discard(task)
            if not self._tasks:
                self.busy_changed.emit(False)

    def cancel(self) -> None:
        for task in list(self._tasks):
            task.cancel()

    async def wait(self) -> None:
        """For shutdown and tests: return when no request runs."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
