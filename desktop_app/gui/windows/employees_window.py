"""The PBX's employees, departments and numbers; an employee's personal caller ID
(seed §3.2.4-3.2.8): set to one of the company's numbers, or removed. Both are confirmed
first, naming the employee and the number, since they change how that person's calls look.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop_app.contacts.directory import display_number, fold, normal_form
from desktop_app.core.phone import dial_form
from desktop_app.core.texts import UserError
from desktop_app.gui.common import msgbox
from desktop_app.gui.common.async_action import AsyncAction, Refused, show_result
from desktop_app.gui.common.window_state import WindowState, remember
from desktop_app.pbx.client import PbxSource
from desktop_app.pbx.types import Employee, PbxNumber

# (title, question, confirming button's text) -> the operator's answer
Confirm = Callable[[str, str, str], Awaitable[bool]]
KEY_ROLE = Qt.ItemDataRole.UserRole + 1


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setTabKeyNavigation(False)  # Tab leaves the table, as everywhere else
    table.verticalHeader().hide()
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    table.setSortingEnabled(True)
    table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    return table


def _fill(table: QTableWidget, rows: list[tuple[str, list[str]]]) -> None:
    """Replace the rows; ``(key, cells)``, the key kept on the first cell. Keeps the selection."""
    current = _selected_key(table)
    table.setSortingEnabled(False)
    table.setRowCount(len(rows))
    for row, (key, cells) in enumerate(rows):
        for column, text in enumerate(cells):
            item = QTableWidgetItem(text)
            if column == 0:
                item.setData(KEY_ROLE, key)
            table.setItem(row, column, item)
    table.setSortingEnabled(True)
    if current is not None:
        _select_key(table, current)


def _selected_key(table: QTableWidget) -> str | None:
    rows = table.selectionModel().selectedRows()
    if not rows:
        return None
    item = table.item(rows[0].row(), 0)
    return item.data(KEY_ROLE) if item is not None else None


def _select_key(table: QTableWidget, key: str) -> bool:
    for row in range(table.rowCount()):
        item = table.item(row, 0)
        if item is not None and item.data(KEY_ROLE) == key:
            table.selectRow(row)
            table.scrollToItem(item)
            return True
    table.clearSelection()
    return False


class EmployeesWindow(QWidget):
    """Employees (with departments and the company's numbers) and their caller IDs.

    ``confirm(title, question, button)`` asks the operator before a change; by default a
    window-modal, non-blocking message box (:meth:`ask`).
    """

    def __init__(
        self,
        pbx: PbxSource,
        *,
        window_state: WindowState | None = None,
        confirm: Confirm | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("EmployeesWindow")
        self.setWindowTitle(self.tr("Employees and caller IDs"))
        self._pbx = pbx
        self._confirm = confirm or self.ask
        self._loaded = False
        self.employees_data: dict[str, Employee] = {}
        self.numbers_data: dict[str, PbxNumber] = {}
        self.confirm_box: QMessageBox | None = None
        self.action = AsyncAction(self)
        self.action.busy_changed.connect(self._on_busy)
        self.action.succeeded.connect(lambda text: show_result(self.result, text, True))
        self.action.failed.connect(lambda text: show_result(self.result, text, False))
        self.action.cancelled.connect(lambda: show_result(self.result, self._cancelled_text, False))
        self._cancelled_text = ""
        self._build()
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, activated=self.escape)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Refresh), self, activated=self.refresh)
        self._update_buttons()
        remember(self, window_state, (760, 520))

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.filter = QLineEdit()
        self.filter.setPlaceholderText(self.tr("Find an employee by name or extension"))
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._apply_filter)
        top.addWidget(self.filter, 1)
        self.refresh_button = QPushButton(self.tr("Refresh"))
        self.refresh_button.setToolTip(
            QKeySequence(QKeySequence.StandardKey.Refresh).toString(QKeySequence.SequenceFormat.NativeText))
        self.refresh_button.clicked.connect(self.refresh)
        top.addWidget(self.refresh_button)
        layout.addLayout(top)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        self.employees = _table([self.tr("Extension"), self.tr("Name")])
        self.employees.itemSelectionChanged.connect(self._update_buttons)
        left_layout.addWidget(self._buddy(self.tr("&Employees"), self.employees))
        left_layout.addWidget(self.employees, 3)
        self.groups = _table([self.tr("Extension"), self.tr("Department")])
        left_layout.addWidget(self._buddy(self.tr("&Departments"), self.groups))
        left_layout.addWidget(self.groups, 1)
        splitter.addWidget(left)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        self.numbers = _table([self.tr("Number"), self.tr("Name", "of a company number")])
        self.numbers.itemSelectionChanged.connect(self._update_buttons)
        self.numbers.activated.connect(lambda _index: self.set_callerid())  # Enter or double click
        right_layout.addWidget(self._buddy(self.tr("Company &numbers"), self.numbers))
        right_layout.addWidget(self.numbers, 1)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout.addWidget(splitter, 1)

        buttons = QHBoxLayout()
        self.set_button = QPushButton(self.tr("&Set caller ID"))
        self.set_button.clicked.connect(self.set_callerid)
        self.remove_button = QPushButton(self.tr("&Remove caller ID"))
        self.remove_button.clicked.connect(self.remove_callerid)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.clicked.connect(self.action.cancel)
        self.cancel_button.hide()
        for button in (self.set_button, self.remove_button, self.cancel_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.result)

    @staticmethod
    def _buddy(text: str, widget: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(widget)
        return label

    # -- what the app and the operator do -----------------------------------------------

    @Slot()
    def refresh(self) -> None:
        """Reload employees, departments and numbers from the PBX."""
        self._start(self._load(), self.tr("Cancelled."))

    @Slot()
    def set_callerid(self) -> None:
        """Give the selected employee the selected company number as caller ID (after confirming)."""
        self._start(self._set(), self.tr("Cancelled. If the request reached the PBX, the change may still be made."))

    @Slot()
    def remove_callerid(self) -> None:
        """Remove the selected employee's personal caller ID (after confirming)."""
        self._start(self._remove(), self.tr("Cancelled. If the request reached the PBX, the change may still be made."))

    def select_employee(self, extension: str) -> bool:
        return _select_key(self.employees, extension)

    def select_number(self, number: str) -> bool:
        return _select_key(self.numbers, number)

    async def ask(self, title: str, question: str, button: str) -> bool:
        """A window-modal question that does not block the loop: True when confirmed."""
        return await msgbox.ask(self, title, question, button, track=lambda box: setattr(self, "confirm_box", box))

    async def wait_idle(self) -> None:
        await self.action.wait()

    # -- the work ------------------------------------------------------------------------

    def _start(self, coro: Any, cancelled_text: str) -> None:
        if self.action.busy:
            coro.close()
            return
        self._cancelled_text = cancelled_text
        show_result(self.result, "", True)
        self.action.start(coro)

    async def _load(self) -> str:
        client = self._pbx()
        answers = await asyncio.gather(client.accounts(), client.groups(), client.numbers(), return_exceptions=True)
        for answer in answers:
            if isinstance(answer, BaseException) and not isinstance(answer, UserError):
                raise answer
        employees, groups, numbers = answers
        if isinstance(employees, list):
            self.employees_data = {e.extension: e for e in employees}
            _fill(self.employees, [(e.extension, [e.extension, e.name]) for e in employees])
            self._apply_filter(self.filter.text())
        if isinstance(groups, list):
            _fill(self.groups, [(g.id, [g.extension or "", g.name]) for g in groups])
        if isinstance(numbers, list):
            self.numbers_data = {n.number: n for n in numbers}
            _fill(self.numbers, [(n.number, [display_number(_normal(n.number)), n.name]) for n in numbers])
        self._loaded = True
        self._update_buttons()
        for answer in answers:
            if isinstance(answer, UserError):
                raise answer
        return self.tr("Employees: {employees}. Departments: {groups}. Numbers: {numbers}.").format(
            employees=len(employees), groups=len(groups), numbers=len(numbers))

    async def _set(self) -> str:
        employee, number = self._selected_employee(), self._selected_number()
        if employee is None:
            raise Refused(self.tr("Choose an employee first."))
        if number is None:
            raise Refused(self.tr("Choose one of the company's numbers first."))
        who, shown = self._who(employee), self._number_text(number)
        if not await self._confirm(
                self.tr("Set caller ID"),
                self.tr("Set the caller ID of {employee} to {number}? The people {employee} calls will see this number.").format(
                    number=shown, employee=who),
                self.tr("Set caller ID")):
            return self.tr("Nothing was changed.")
        await self._pbx().set_callerid(employee.extension, dial_form(_normal(number.number)))
        return self.tr("{employee} now calls from {number}.").format(employee=who, number=shown)

    async def _remove(self) -> str:
        employee = self._selected_employee()
        if employee is None:
            raise Refused(self.tr("Choose an employee first."))
        who = self._who(employee)
        if not await self._confirm(
                self.tr("Remove caller ID"),
                self.tr("Remove the personal caller ID of {employee}? The PBX's default number will be shown.").format(
                    employee=who),
                self.tr("Remove caller ID")):
            return self.tr("Nothing was changed.")
        await self._pbx().delete_callerid(employee.extension)
        return self.tr("The personal caller ID of {employee} was removed.").format(employee=who)

    def _selected_employee(self) -> Employee | None:
        key = _selected_key(self.employees)
        return self.employees_data.get(key) if key is not None else None

    def _selected_number(self) -> PbxNumber | None:
        key = _selected_key(self.numbers)
        return self.numbers_data.get(key) if key is not None else None

    @staticmethod
    def _who(employee: Employee) -> str:
        return f"{employee.extension} {employee.name}".strip()

    @staticmethod
    def _number_text(number: PbxNumber) -> str:
        shown = display_number(_normal(number.number))
        return f"{shown} ({number.name})" if number.name else shown

    # -- slots ---------------------------------------------------------------------------

    @Slot(str)
    def _apply_filter(self, text: str) -> None:
        query = fold(text)
        for row in range(self.employees.rowCount()):
            cells = [self.employees.item(row, column) for column in range(self.employees.columnCount())]
            haystack = fold(" ".join(cell.text() for cell in cells if cell is not None))
            self.employees.setRowHidden(row, bool(query) and query not in haystack)

    @Slot(bool)
    def _on_busy(self, busy: bool) -> None:
        self.cancel_button.setVisible(busy)
        self._update_buttons()

    @Slot()
    def _update_buttons(self) -> None:
        idle = not self.action.busy
        has_employee = self._selected_employee() is not None
        self.refresh_button.setEnabled(idle)
        self.set_button.setEnabled(idle and has_employee and self._selected_number() is not None)
        self.remove_button.setEnabled(idle and has_employee)

    @Slot()
    def escape(self) -> None:
        """Esc cancels the work in progress; otherwise it closes the window."""
        if self.action.busy:
            self.action.cancel()
        else:
            self.close()

    # -- showing -------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if not self._loaded and not self.action.busy:
            self.refresh()


def _normal(number: str) -> str:
    """A company number as the PBX lists it (``74951112233``) in normal form."""
    try:
        return normal_form(number)
    except UserError:
        return number
