"""The tables of the campaigns window: the calls of a campaign and the call-back list, with
the words for call states and robot results."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QCoreApplication, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QHeaderView, QTableView

from desktop_app.campaigns.store import Callback, CallState, StoredCall
from desktop_app.contacts.directory import display_number
from desktop_app.core.texts import QT_TRANSLATE_NOOP
from desktop_app.gui.shell.i18n import tr_text
from desktop_app.webhooks.types import CampaignResult

_CTX = "CampaignTables"

STATE_NAMES = {
    CallState.PENDING: QT_TRANSLATE_NOOP("CampaignTables", "Not sent"),
    CallState.FAILED: QT_TRANSLATE_NOOP("CampaignTables", "Not sent: failed"),
    CallState.QUEUED: QT_TRANSLATE_NOOP("CampaignTables", "In the queue"),
    CallState.RETRYING: QT_TRANSLATE_NOOP("CampaignTables", "Will try again"),
    CallState.DONE: QT_TRANSLATE_NOOP("CampaignTables", "Done"),
    CallState.DELETED: QT_TRANSLATE_NOOP("CampaignTables", "Deleted"),
}
RESULT_NAMES = {
    CampaignResult.SUCCESS: QT_TRANSLATE_NOOP("CampaignTables", "Success"),
    CampaignResult.NOT_CONNECTED: QT_TRANSLATE_NOOP("CampaignTables", "Not connected"),
    CampaignResult.CANCELED: QT_TRANSLATE_NOOP("CampaignTables", "Canceled"),
    CampaignResult.INTERNAL_ERROR: QT_TRANSLATE_NOOP("CampaignTables", "PBX error"),
    CampaignResult.UNKNOWN: QT_TRANSLATE_NOOP("CampaignTables", "Unknown"),
}
NO_RESULT = QT_TRANSLATE_NOOP("CampaignTables", "No result yet")


def state_name(state: CallState) -> str:
    return QCoreApplication.translate(_CTX, STATE_NAMES[state])


def result_name(result: CampaignResult | None) -> str:
    return QCoreApplication.translate(_CTX, RESULT_NAMES[result] if result is not None else NO_RESULT)


def answers_text(sent: dict[str, Any], answers: dict[str, Any]) -> str:
    """``name: value; name: value`` on one line (the cell; the tooltip has one per line): what
    the robot heard first, then the variables that were sent."""
    return "; ".join(f"{key}: {_value(value)}" for key, value in _ordered(sent, answers))


def answers_tip(sent: dict[str, Any], answers: dict[str, Any]) -> str:
    return "\n".join(f"{key}: {_value(value)}" for key, value in _ordered(sent, answers))


def _ordered(sent: dict[str, Any], answers: dict[str, Any]) -> list[tuple[str, Any]]:
    heard = [(key, value) for key, value in answers.items() if key not in sent or sent[key] != value]
    merged = {**sent, **answers}
    return heard + [(key, merged[key]) for key in merged if key not in dict(heard)]


def _value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return " ".join(str(value).split())


def when_text(epoch: float | None) -> str:
    return datetime.fromtimestamp(epoch).strftime("%d.%m.%Y %H:%M") if epoch is not None else ""


def duration_text(seconds: int | None) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}" if seconds is not None else ""


class _Table(QAbstractTableModel):
    HEADERS: tuple[str, ...] = ()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._cells: list[tuple[str, ...]] = []
        self._tips: list[tuple[str, ...]] = []

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._cells)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._cells[index.row()][index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tips[index.row()][index.column()] or None
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 - Qt override
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(self.HEADERS):
            return QCoreApplication.translate(_CTX, self.HEADERS[section])
        return None

    def text(self, row: int, column: int) -> str:
        return self._cells[row][column]


class CallsModel(_Table):
    """The calls of a campaign, as stored."""

    ID, NUMBER, STATE, RESULT, ATTEMPTS, DURATION, WHEN, ERROR, ANSWERS = range(9)
    HEADERS = (
        QT_TRANSLATE_NOOP("CampaignTables", "Id"),
        QT_TRANSLATE_NOOP("CampaignTables", "Number"),
        QT_TRANSLATE_NOOP("CampaignTables", "State"),
        QT_TRANSLATE_NOOP("CampaignTables", "Result"),
        QT_TRANSLATE_NOOP("CampaignTables", "Attempts"),
        QT_TRANSLATE_NOOP("CampaignTables", "Talk"),
        QT_TRANSLATE_NOOP("CampaignTables", "Called at"),
        QT_TRANSLATE_NOOP("CampaignTables", "Why not sent"),
        QT_TRANSLATE_NOOP("CampaignTables", "Answers and variables"),
    )

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.calls: list[StoredCall] = []

    def set_calls(self, calls: list[StoredCall]) -> None:
        self.beginResetModel()
        self.calls = calls
        self._cells = [self._format(call) for call in calls]
        self._tips = [self._tip(call, cells) for call, cells in zip(calls, self._cells)]
        self.endResetModel()

    @staticmethod
    def _format(call: StoredCall) -> tuple[str, ...]:
        error = tr_text(call.error_text) if call.error_text is not None else ""
        return (call.call_id, display_number(call.number) if call.number else "", state_name(call.state),
                result_name(call.result) if call.attempts else "", str(call.attempts or ""),
                duration_text(call.duration), when_text(call.started), error, answers_text(call.vars, call.answers))

    @staticmethod
    def _tip(call: StoredCall, cells: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(answers_tip(call.vars, call.answers) if column == CallsModel.ANSWERS
                     else text if column == CallsModel.ERROR else "" for column, text in enumerate(cells))

    def call(self, row: int) -> StoredCall | None:
        return self.calls[row] if 0 <= row < len(self.calls) else None

    def row_of(self, call_id: str) -> int:
        for row, call in enumerate(self.calls):
            if call.call_id == call_id:
                return row
        return -1


class CallbacksModel(_Table):
    """The call-back work list."""

    NUMBER, RULE, RESULT, WHEN, CAMPAIGN, DONE, ANSWERS = range(7)
    HEADERS = (
        QT_TRANSLATE_NOOP("CampaignTables", "Number"),
        QT_TRANSLATE_NOOP("CampaignTables", "Why"),
        QT_TRANSLATE_NOOP("CampaignTables", "Result"),
        QT_TRANSLATE_NOOP("CampaignTables", "Called at"),
        QT_TRANSLATE_NOOP("CampaignTables", "Campaign"),
        QT_TRANSLATE_NOOP("CampaignTables", "Called back"),
        QT_TRANSLATE_NOOP("CampaignTables", "Answers and variables"),
    )

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.items: list[Callback] = []

    def set_items(self, items: list[Callback]) -> None:
        self.beginResetModel()
        self.items = items
        self._cells = [self._format(item) for item in items]
        self._tips = [tuple(answers_tip(item.vars, item.answers) if column == self.ANSWERS else ""
                            for column in range(len(self.HEADERS))) for item in items]
        self.endResetModel()

    @staticmethod
    def _format(item: Callback) -> tuple[str, ...]:
        if item.done:
            done = QCoreApplication.translate("CampaignTables", "{when}, {who}").format(
                when=when_text(item.done_at), who=item.done_by) if item.done_by else when_text(item.done_at)
        else:
            done = ""
        return (display_number(item.number) if item.number else item.call_id, item.rule, result_name(item.result),
                when_text(item.started), str(item.campaign or ""), done, answers_text(item.vars, item.answers))

    def item(self, row: int) -> Callback | None:
        return self.items[row] if 0 <= row < len(self.items) else None

    def row_of(self, call_id: str) -> int:
        for row, item in enumerate(self.items):
            if item.call_id == call_id:
                return row
        return -1


def size_columns(table: QTableView, samples: dict[int, list[str]]) -> None:
    """Each listed column as wide as its widest sample or its title; rows one line high."""
    metrics = table.fontMetrics()
    padding = metrics.averageCharWidth() * 3
    header = table.horizontalHeader()
    model = table.model()
    for column, texts in samples.items():
        title = str(model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole) or "")
        header.resizeSection(column, max(metrics.horizontalAdvance(text) for text in [*texts, title]) + padding)
    table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    table.verticalHeader().setDefaultSectionSize(metrics.height() + 8)


def state_samples() -> list[str]:
    return [state_name(state) for state in CallState]


def result_samples() -> list[str]:
    return [result_name(result) for result in RESULT_NAMES]


NUMBER_SAMPLE = "+7 999 123-45-67"
WHEN_SAMPLE = "00.00.0000 00:00"
ID_SAMPLE = "1-0123456789ab"
