"""Missed calls: the list the tray badge counts, and the window that shows it.

:class:`MissedCalls` is a list model fed by the call tracker (:meth:`MissedCalls.track`):
a missed call is added (newest first) and counted as unseen until the operator opens
the list; it leaves the list when the call turns out to have been answered, when the
operator talks with that number again, or when called back from here.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import (
    QAbstractListModel,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
    Slot,
)
from PySide6.QtGui import QCloseEvent, QKeyEvent, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QListView, QPushButton, QVBoxLayout, QWidget

from desktop_app.calls.tracker import CallState, CallTracker, MissedCall, TrackedCall
from desktop_app.contacts.directory import display_number, try_normal_form
from desktop_app.gui.cards.caller_card import format_when
from desktop_app.gui.common.window_state import WindowState, remember

MAX_MISSED = 200  # the oldest beyond this drop off the list

NameLookup = Callable[[str], str]
_Index = QModelIndex | QPersistentModelIndex


class MissedCalls(QAbstractListModel):
    """Missed calls, newest first, and how many the operator has not seen yet.

    ``name_for(number)`` names a caller (the contact directory); "" when unknown.

    Signals:
        changed(): the list or the unseen count changed (update the tray badge).
    """

    changed = Signal()

    NumberRole = Qt.ItemDataRole.UserRole + 1  # the caller's number (normal form), "" when hidden
    CallIdRole = Qt.ItemDataRole.UserRole + 2

    def __init__(self, name_for: NameLookup | None = None, *, limit: int = MAX_MISSED, parent=None) -> None:
        super().__init__(parent)
        self._name_for = name_for
        self._limit = limit
        self._items: list[tuple[MissedCall, str]] = []  # (call, caller's name when it was missed)
        self._unseen = 0

    # -- feeding -----------------------------------------------------------------------

    def track(self, tracker: CallTracker) -> None:
        """Follow ``tracker``: its missed calls, the ones it takes back, and talks that
        settle a number (once the operator talked with a caller, the missed call is dealt with)."""
        tracker.on_missed.append(self.add)
        tracker.on_missed_cleared.append(self.remove)
        tracker.on_update.append(self._on_call)

    def _on_call(self, call: TrackedCall) -> None:
        if call.state is CallState.TALKING and call.number:
            self.resolve_number(call.number)

    def add(self, missed: MissedCall) -> None:
        if any(item.id == missed.id for item, _ in self._items):
            return
        name = ""
        if self._name_for is not None and missed.number:
            name = self._name_for(missed.number)
        self.beginInsertRows(QModelIndex(), 0, 0)
        self._items.insert(0, (missed, name))
        self.endInsertRows()
        if len(self._items) > self._limit:
            self.beginRemoveRows(QModelIndex(), self._limit, len(self._items) - 1)
            del self._items[self._limit:]
            self.endRemoveRows()
        self._unseen = min(self._unseen + 1, len(self._items))
        self.changed.emit()

    def remove(self, call_id: str) -> None:
        self._remove_where(lambda item: item.id == call_id)

    def resolve_number(self, number: str) -> None:
        """Remove every missed call from ``number`` (normal form)."""
        self._remove_where(lambda item: item.number == number)

    def clear(self) -> None:
        if not self._items and not self._unseen:
            return
        self.beginResetModel()
        self._items.clear()
        self.endResetModel()
        self._unseen = 0
        self.changed.emit()

    def mark_seen(self) -> None:
        if self._unseen:
            self._unseen = 0
            self.changed.emit()

    def _remove_where(self, matches: Callable[[MissedCall], bool]) -> None:
        rows = [row for row, (item, _) in enumerate(self._items) if matches(item)]
        if not rows:
            return
        for row in reversed(rows):
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._items[row]
            self.endRemoveRows()
        self._unseen = min(self._unseen, len(self._items))
        self.changed.emit()

    # -- reading -----------------------------------------------------------------------

    @property
    def unseen(self) -> int:
        """Missed calls the operator has not looked at (the tray badge)."""
        return self._unseen

    @property
    def calls(self) -> list[MissedCall]:
        return [item for item, _ in self._items]

    def __len__(self) -> int:
        return len(self._items)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802 - Qt override
        return 0 if parent.isValid() else len(self._items)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._items):
            return None
        missed, name = self._items[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            parts = [format_when(missed.at), self._number_text(missed)]
            if name:
                parts.append(name)
            return " \u00b7 ".join(parts)
        if role == Qt.ItemDataRole.ToolTipRole and missed.phone:
            return self.tr("Line: {number}").format(number=_number(missed.phone))
        if role == self.NumberRole:
            return missed.number or ""
        if role == self.CallIdRole:
            return missed.id
        return None

    def _number_text(self, missed: MissedCall) -> str:
        if missed.number:
            return display_number(missed.number)
        return missed.client or self.tr("Hidden number")


def _number(raw: str) -> str:
    normal = try_normal_form(raw)
    return display_number(normal) if normal else raw


class MissedCallsWindow(QWidget):
    """The list of missed calls with "Call back". Enter calls back the selected one,
    Esc closes; opening the window marks the calls seen.

    Signals:
        call_back_requested(str): call this number (normal form).
    """

    call_back_requested = Signal(str)

    def __init__(self, missed: MissedCalls, window_state: WindowState | None = None, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("MissedCallsWindow")
        self.setWindowTitle(self.tr("Missed calls"))
        self._missed = missed

        layout = QVBoxLayout(self)
        self._list = QListView()
        self._list.setModel(missed)
        self._list.setSelectionMode(QListView.SelectionMode.SingleSelection)
        self._list.setEditTriggers(QListView.EditTrigger.NoEditTriggers)
        self._list.setUniformItemSizes(True)
        self._list.setSpacing(3)
        self._list.doubleClicked.connect(self._call_back_index)
        self._empty = QLabel(self.tr("No missed calls"))
        self._empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self._list)
        layout.addWidget(self._empty)

        buttons = QHBoxLayout()
        self._call_back = QPushButton(self.tr("Call back"))
        self._call_back.setDefault(True)
        self._call_back.clicked.connect(self.call_back_selected)
        self._clear = QPushButton(self.tr("Clear list"))
        self._clear.clicked.connect(missed.clear)
        close = QPushButton(self.tr("Close"))
        close.clicked.connect(self.close)
        buttons.addWidget(self._call_back)
        buttons.addWidget(self._clear)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout.addLayout(buttons)

        missed.changed.connect(self._refresh)
        self._list.selectionModel().selectionChanged.connect(self._refresh)
        remember(self, window_state, (460, 360))
        self._refresh()

    @property
    def list_view(self) -> QListView:
        return self._list

    @Slot()
    def call_back_selected(self) -> None:
        index = self._list.currentIndex()
        if not index.isValid() and self._missed.rowCount() == 1:
            index = self._missed.index(0, 0)
        self._call_back_index(index)

    @Slot(QModelIndex)
    def _call_back_index(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        number = index.data(MissedCalls.NumberRole)
        if number:
            self.call_back_requested.emit(number)  # the app resolves it once the call is placed

    @Slot()
    def _refresh(self) -> None:
        has_calls = self._missed.rowCount() > 0
        self._list.setVisible(has_calls)
        self._empty.setVisible(not has_calls)
        self._clear.setEnabled(has_calls)
        index = self._list.currentIndex()
        if not index.isValid() and has_calls:
            index = self._missed.index(0, 0)
        self._call_back.setEnabled(index.isValid() and bool(index.data(MissedCalls.NumberRole)))
        if self.isVisible() and self.isActiveWindow():
            self._missed.mark_seen()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self._missed.mark_seen()
        if not self._list.currentIndex().isValid() and self._missed.rowCount():
            self._list.setCurrentIndex(self._missed.index(0, 0))
        self._list.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        # The list passes Enter and Esc on to its window (unless it is editing, which it never is).
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.call_back_selected()
        elif event.key() == Qt.Key.Key_Escape:
            self.close()
        else:
            super().keyPressEvent(event)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
        super().changeEvent(event)
        if event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            self._missed.mark_seen()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        super().closeEvent(event)

