"""The PBX balance for the tray tooltip and the status window (seed §3.2.9).

:class:`BalanceMonitor` asks through the :class:`~desktop_app.pbx.balance_gate.BalanceGate`
(never more than once in 10 minutes) and keeps the text up to date, age included;
:class:`BalanceLabel` shows it, in the warning colour when the balance is low.
"""

from __future__ import annotations

import asyncio
import logging

from PySide6.QtCore import QLocale, QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QLabel, QWidget

from desktop_app.core.texts import UserError
from desktop_app.gui.shell.i18n import error_text
from desktop_app.pbx.balance_gate import BalanceGate, BalanceReading, BalanceTooSoon

log = logging.getLogger(__name__)

TICK_MS = 60_000  # the age in the text changes by the minute
CURRENCY = "₽"
WARNING_COLOR = "#c62828"


def money(amount: float, locale: QLocale | None = None) -> str:
    """``1 234,56 ₽`` in Russian, ``₽1,234.56`` in English: the locale's own way."""
    return (locale or QLocale()).toCurrencyString(amount, CURRENCY, 2)


class BalanceMonitor(QObject):
    """The balance, refreshed through the gate by a timer.

    Signals:
        changed(): the text, the warning state or the error changed (or the age moved on).
    """

    changed = Signal()

    def __init__(self, gate: BalanceGate, warn_below: float, *, tick_ms: int = TICK_MS,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._gate = gate
        self._warn_below = warn_below
        self._reading: BalanceReading | None = None
        self._error = ""
        self._task: asyncio.Task[None] | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(tick_ms)
        self._timer.timeout.connect(self.tick)

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> None:
        """Ask now (when the gate allows) and keep the text fresh."""
        self._timer.start()
        self.refresh()

    async def close(self) -> None:
        """Stop the timer and a request in progress."""
        self._timer.stop()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    # -- what others read ----------------------------------------------------------------

    @property
    def reading(self) -> BalanceReading | None:
        """The last balance with its age now."""
        return self._gate.cached() or self._reading

    @property
    def error(self) -> str:
        """Why the last attempt gave no fresh balance, in words ("" when it did)."""
        return self._error

    @property
    def is_low(self) -> bool:
        reading = self.reading
        return reading is not None and reading.balance.balance < self._warn_below

    @property
    def warn_below(self) -> float:
        return self._warn_below

    @warn_below.setter
    def warn_below(self, value: float) -> None:
        self._warn_below = value
        self.changed.emit()

    @property
    def text(self) -> str:
        """One short line: ``1 234,56 ₽, 3 min ago``; the error when no balance is known yet."""
        reading = self.reading
        if reading is None:
            return self._error or self.tr("asking the PBX…")
        return self.tr("{money}, {age}").format(money=money(reading.balance.balance), age=self._age(reading))

    @property
    def tooltip(self) -> str:
        """The text with the credit and the last error, for a tooltip or a status window."""
        lines = [self.text]
        reading = self.reading
        if reading is not None and reading.balance.credit:
            lines.append(self.tr("Credit: {money}").format(money=money(reading.balance.credit)))
        if reading is not None and self.is_low:
            lines.append(self.tr("Below {money}: top up the PBX account.").format(money=money(self._warn_below)))
        if reading is not None and self._error:
            lines.append(self._error)
        return "\n".join(lines)

    def _age(self, reading: BalanceReading) -> str:
        minutes = int(reading.age_seconds // 60)
        if minutes < 1:
            return self.tr("just now")
        if minutes < 60:
            return self.tr("{minutes} min ago").format(minutes=minutes)
        return self.tr("{hours} h {minutes} min ago").format(hours=minutes // 60, minutes=minutes % 60)

    # -- asking --------------------------------------------------------------------------

    @Slot()
    def tick(self) -> None:
        """The timer: ask when the gate allows it; otherwise only the age moves on."""
        if self._gate.next_request_in() <= 0:
            self.refresh()
        else:
            self.changed.emit()

    def refresh(self, force: bool = False) -> None:
        """Ask in the background. ``force``: the operator asked, so a refusal by the gate is
        shown (with when to try again) instead of the cached value in silence."""
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self.update(force))

    async def update(self, force: bool = False) -> None:
        """Ask through the gate and take the answer (for :meth:`refresh` and tests)."""
        try:
            self._reading = await self._gate.get(force)
            self._error = ""
        except BalanceTooSoon as exc:  # a 429 too: shown as such, with the time to wait
            if exc.reading is not None:
                self._reading = exc.reading
            self._error = error_text(exc)
        except UserError as exc:
            self._error = error_text(exc)
        except Exception as exc:  # noqa: BLE001 - the operator gets words, the log the trace
            log.error("balance request failed", exc_info=exc)
            self._error = self.tr("Unexpected error: {error}. Details are in the log.").format(
                error=type(exc).__name__)
        self.changed.emit()

    async def wait_idle(self) -> None:
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)


class BalanceLabel(QLabel):
    """The balance line for the status window; warning colour when low, details in the tooltip."""

    def __init__(self, monitor: BalanceMonitor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("BalanceLabel")
        self.setWordWrap(True)
        self._monitor = monitor
        monitor.changed.connect(self._refresh)
        self._refresh()

    @Slot()
    def _refresh(self) -> None:
        monitor = self._monitor
        self.setText(self.tr("Balance: {balance}").format(balance=monitor.text))
        self.setToolTip(monitor.tooltip)
        self.setStyleSheet(f"color: {WARNING_COLOR}; font-weight: bold" if monitor.is_low else "")
