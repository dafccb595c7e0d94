"""The contact directory as a table: search by name, company or any form of a number;
new, edit, delete; import from CSV/vCard and export to CSV; call or text a contact.

The directory may hold a million contacts, so the window never loads them all: it shows
the first :data:`DEFAULT_LIMIT` matches and says so. Searches, imports and exports run in
worker threads, each with its own :class:`ContactDirectory` on ``db_path`` (one SQLite
connection per thread); the window's own directory (the app's, main thread) makes the
single-contact changes. An import holds the database's write lock until it ends (one
transaction), so meanwhile the window and its editors do not write.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QEvent,
    QLocale,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QHideEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.contacts.directory import Contact, ContactDirectory, display_number
from desktop_app.contacts.import_export import ImportReport, export_csv, import_file
from desktop_app.core.csv_export import CsvEncoding
from desktop_app.core.phone import dial_form
from desktop_app.core.texts import QT_TRANSLATE_NOOP, Text, UserError
from desktop_app.gui.common import csv_formats, msgbox
from desktop_app.gui.common.async_action import AsyncAction, show_result
from desktop_app.gui.common.file_dialogs import FileDialogs, PathAsker, documents_dir
from desktop_app.gui.common.window_state import WindowState
from desktop_app.gui.shell.i18n import error_text, tr_text
from desktop_app.gui.windows.contact_editor import ContactEditor
from desktop_app.gui.windows.employees_window import Confirm
from desktop_app.pbx.client import PbxSource

log = logging.getLogger(__name__)


_CTX = "ContactsWindow"
DEFAULT_LIMIT = 500
SEARCH_DELAY_MS = 250
NAME, COMPANY, PHONES, MANAGER, EMAIL = range(5)
COLUMN_COUNT = 5
_HEADERS = (
    QT_TRANSLATE_NOOP("ContactsWindow", "Name"),
    QT_TRANSLATE_NOOP("ContactsWindow", "Company"),
    QT_TRANSLATE_NOOP("ContactsWindow", "Phones"),
    QT_TRANSLATE_NOOP("ContactsWindow", "Manager"),
    QT_TRANSLATE_NOOP("ContactsWindow", "E-mail"),
)


class ContactsWindowError(UserError):
    def __init__(self, source: str, **args: object) -> None:
        super().__init__(Text(_CTX, source, args))


@dataclass(frozen=True)
class Page:
    """What a search found: at most ``limit`` contacts, whether there are more, and for an
    empty query the directory's size."""

    query: str
    contacts: list[Contact]
    more: bool
    total: int | None


def read_page(db_path: Path, query: str, limit: int) -> Page:
    """One search on a connection of the calling thread (a worker)."""
    try:
        with ContactDirectory(db_path) as directory:
            if query.strip():
                found = directory.search(query, limit + 1)
                total = None
            else:
                rows = iter(directory)
                try:
                    found = list(itertools.islice(rows, limit + 1))
                finally:
                    rows.close()  # ends the read transaction at once
                total = directory.count()
    except sqlite3.Error as exc:
        raise _database_error(exc) from exc
    return Page(query, found[:limit], len(found) > limit, total)


def import_in_thread(db_path: Path, path: Path) -> ImportReport:
    try:
        with ContactDirectory(db_path) as directory:
            return import_file(directory, path)
    except sqlite3.Error as exc:
        raise _database_error(exc) from exc


def export_in_thread(db_path: Path, path: Path, encoding: CsvEncoding = CsvEncoding.UTF8) -> int:
    try:
        with ContactDirectory(db_path) as directory:
            return export_csv(directory, path, encoding)
    except sqlite3.Error as exc:
        raise _database_error(exc) from exc


def _database_error(exc: sqlite3.Error) -> UserError:
    log.warning("contacts database: %s", exc)
    return ContactsWindowError(QT_TRANSLATE_NOOP("ContactsWindow", "The contacts database failed: {reason}"),
                               reason=str(exc))


class ContactsModel(QAbstractTableModel):
    """The contacts shown, with their cells formatted once (a page is small)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._contacts: list[Contact] = []
        self._cells: list[tuple[str, ...]] = []
        self._employees: dict[str, str] = {}

    def set_contacts(self, contacts: list[Contact]) -> None:
        self.beginResetModel()
        self._contacts = list(contacts)
        self._cells = [self._format(c) for c in self._contacts]
        self.endResetModel()

    def set_employees(self, employees: dict[str, str]) -> None:
        self._employees = dict(employees)
        self._cells = [self._format(c) for c in self._contacts]
        if self._contacts:
            self.dataChanged.emit(self.index(0, MANAGER), self.index(len(self._contacts) - 1, MANAGER))

    def manager_text(self, extension: str) -> str:
        name = self._employees.get(extension, "")
        return f"{name} ({extension})" if name and extension else extension

    def _format(self, contact: Contact) -> tuple[str, ...]:
        return (
            contact.name,
            contact.company,
            ", ".join(display_number(n) for n in contact.phones),
            self.manager_text(contact.manager),
            contact.email,
        )

    def contact(self, row: int) -> Contact | None:
        return self._contacts[row] if 0 <= row < len(self._contacts) else None

    def row_of(self, contact_id: int) -> int:
        for row, contact in enumerate(self._contacts):
            if contact.id == contact_id:
                return row
        return -1

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._contacts)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else COLUMN_COUNT

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._cells[row][column]
        if role == Qt.ItemDataRole.ToolTipRole:
            contact = self._contacts[row]
            if column == PHONES and len(contact.phones) > 1:
                return "\n".join(display_number(n) for n in contact.phones)
            if column == NAME and contact.note:
                return contact.note
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 - Qt override
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < COLUMN_COUNT:
            return QCoreApplication.translate(_CTX, _HEADERS[section])
        return None


class ContactsWindow(QWidget):
    """The contact directory: find, add, change, delete, import, export, call, text.

    ``directory`` is the app's (main thread); ``db_path`` is its file, which worker threads
    open for searches, imports and exports. ``pbx`` (optional) supplies the employees'
    names for the manager column and the editors; :meth:`set_employees` does too.
    ``confirm(title, question, button)`` asks before a deletion (default: :meth:`ask`).
    ``ask_open_path`` / ``ask_save_path`` choose files without blocking (tests replace them).

    Signals:
        contacts_changed(): a contact was added, changed or deleted, or a file imported.
        call_requested(str): call this number (``+79991234567``, or an extension).
        sms_requested(str): write an SMS to this number.
    """

    contacts_changed = Signal()
    call_requested = Signal(str)
    sms_requested = Signal(str)

    def __init__(
        self,
        directory: ContactDirectory,
        db_path: Path,
        *,
        pbx: PbxSource | None = None,
        window_state: WindowState | None = None,
        confirm: Confirm | None = None,
        limit: int = DEFAULT_LIMIT,
        files_dir: Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """``files_dir``: where the file dialogs start (default: Documents)."""
        super().__init__(parent)
        self.setObjectName("ContactsWindow")
        self.setWindowTitle(self.tr("Contacts"))
        self._directory = directory
        self._db_path = Path(db_path)
        self._pbx = pbx
        self._window_state = window_state
        self._confirm = confirm or self.ask
        self._limit = max(1, limit)
        self._files_dir = files_dir
        self._employees: dict[str, str] = {}
        self._employees_loaded = False
        self._editors: dict[object, ContactEditor] = {}
        self._pending_query: str | None = None
        self._search_task: asyncio.Task | None = None
        self._select_after: int | None = None
        self._importing = False  # an import holds the database's write lock until it ends
        self.dialogs = FileDialogs(self)
        self.ask_open_path: PathAsker = self.dialogs.ask_open
        self.ask_save_path: PathAsker = self.dialogs.ask_save
        self.confirm_box: QMessageBox | None = None

        self.model = ContactsModel(self)
        self.files = AsyncAction(self)  # import and export: one at a time
        self.files.busy_changed.connect(self._on_files_busy)
        self.files.succeeded.connect(self._on_files_done)
        self.files.failed.connect(lambda text: show_result(self.result, text, False))
        self.deleter = AsyncAction(self)
        self.deleter.busy_changed.connect(lambda _busy: self._update_buttons())
        self.deleter.succeeded.connect(lambda text: show_result(self.result, text, True))
        self.deleter.failed.connect(lambda text: show_result(self.result, text, False))
        self.employees_loader = AsyncAction(self)
        self.employees_loader.succeeded.connect(self.set_employees)
        self.employees_loader.failed.connect(self._on_employees_failed)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.refresh)

        self._build()
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, activated=self.close)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self, activated=self._focus_search)
        QShortcut(QKeySequence(QKeySequence.StandardKey.New), self, activated=lambda: self.create_contact())
        self._update_buttons()
        if window_state is None or not window_state.restore(self):
            self.resize(960, 580)

    # -- layout ----------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)

        search_row = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Name, company or number in any form"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda _text: self._search_timer.start())
        self.search.installEventFilter(self)
        label = QLabel(self.tr("&Search:"))
        label.setBuddy(self.search)
        search_row.addWidget(label)
        search_row.addWidget(self.search, 1)
        layout.addLayout(search_row)
        self.count_label = QLabel()
        self.count_label.setWordWrap(True)
        layout.addWidget(self.count_label)

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(True)
        char = self.fontMetrics().averageCharWidth()
        for column, chars in ((NAME, 34), (COMPANY, 30), (PHONES, 20), (MANAGER, 32)):
            header.resizeSection(column, chars * char)
        self.table.doubleClicked.connect(lambda _index: self.edit_selected())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.model.modelReset.connect(self._update_buttons)
        self.table.installEventFilter(self)
        layout.addWidget(self.table, 1)

        buttons = QHBoxLayout()
        self.new_button = QPushButton(self.tr("&New…"))
        self.new_button.clicked.connect(lambda: self.create_contact())
        self.edit_button = QPushButton(self.tr("&Edit…"))
        self.edit_button.clicked.connect(self.edit_selected)
        self.delete_button = QPushButton(self.tr("&Delete"))
        self.delete_button.clicked.connect(self.delete_selected)
        self.call_button = QPushButton(self.tr("&Call"))
        self.call_button.clicked.connect(self._call_selected)
        self.sms_button = QPushButton(self.tr("S&MS"))
        self.sms_button.clicked.connect(self._sms_selected)
        self.import_button = QPushButton(self.tr("&Import…"))
        self.import_button.clicked.connect(lambda: self.import_contacts())
        self.export_button = QPushButton(self.tr("E&xport CSV…"))
        self.export_button.clicked.connect(lambda: self.export_contacts())
        for button in (self.new_button, self.edit_button, self.delete_button):
            buttons.addWidget(button)
        buttons.addSpacing(self.fontMetrics().averageCharWidth() * 3)
        buttons.addWidget(self.call_button)
        buttons.addWidget(self.sms_button)
        buttons.addStretch(1)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.export_button)
        layout.addLayout(buttons)

        status_row = QHBoxLayout()
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        status_row.addWidget(self.result, 1)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # an import cannot tell how far it is: just "working"
        self.progress.setTextVisible(False)
        self.progress.setMaximumWidth(self.fontMetrics().averageCharWidth() * 24)
        self.progress.hide()
        status_row.addWidget(self.progress)
        layout.addLayout(status_row)

        self.report = QPlainTextEdit()
        self.report.setReadOnly(True)
        self.report.setAccessibleName(self.tr("Import report"))
        self.report.setMaximumHeight(self.fontMetrics().lineSpacing() * 8 + 12)
        self.report.hide()
        layout.addWidget(self.report)

    # -- reading ---------------------------------------------------------------------------

    @Slot()
    def refresh(self) -> None:
        """Search again for what the search field says (in a worker thread)."""
        self._search_timer.stop()
        self._pending_query = self.search.text()
        if self._search_task is None or self._search_task.done():
            self._search_task = asyncio.ensure_future(self._run_searches())

    async def _run_searches(self) -> None:
        # One search at a time; while it runs, only the newest query typed waits its turn.
        while self._pending_query is not None:
            query, self._pending_query = self._pending_query, None
            try:
                page = await asyncio.to_thread(read_page, self._db_path, query, self._limit)
            except UserError as exc:
                show_result(self.count_label, error_text(exc), False)
                continue
            if self._pending_query is None:
                self._show_page(page)

    def _show_page(self, page: Page) -> None:
        chosen = self.selected_contact()
        wanted = self._select_after if self._select_after is not None else chosen.id if chosen else None
        self._select_after = None
        self.model.set_contacts(page.contacts)
        if wanted is not None:
            self.select_contact(wanted)
        locale = QLocale()
        shown = locale.toString(len(page.contacts))
        if page.total is not None:
            text = self.tr("Contacts: {total}.").format(total=locale.toString(page.total))
            if not page.total:
                text += " " + self.tr("Add one with New or import a file.")
            if page.more:
                text += " " + self.tr("Showing the first {count}: type in the search field to find the others.").format(
                    count=shown)
        elif page.more:
            text = self.tr("Showing the first {count} found: refine the search.").format(count=shown)
        elif page.contacts:
            text = self.tr("Found: {count}.").format(count=shown)
        else:
            text = self.tr("Nothing found.")
        show_result(self.count_label, text, True)

    def selected_contact(self) -> Contact | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.contact(rows[0].row()) if rows else None

    def select_contact(self, contact_id: int) -> bool:
        row = self.model.row_of(contact_id)
        if row < 0:
            self.table.clearSelection()
            return False
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))
        return True

    # -- editing ---------------------------------------------------------------------------

    def create_contact(self, number: str = "") -> ContactEditor:
        """Open an editor for a new contact with ``number`` (from a caller card) filled in."""
        key = ("new", number.strip())
        editor = self._editors.get(key)
        if editor is None:
            editor = self._open_editor(key, ContactEditor.new(self._directory, number, **self._editor_args()))
        self._present(editor)
        return editor

    def edit_contact(self, contact_id: int) -> ContactEditor | None:
        """Open (or bring forward) the editor of ``contact_id``; None, said in words, when it is gone."""
        editor = self._editors.get(contact_id)
        if editor is None:
            try:
                editor = ContactEditor.edit(self._directory, contact_id, **self._editor_args())
            except UserError as exc:
                self._tell(error_text(exc), False)
                return None
            except sqlite3.Error as exc:
                self._tell(error_text(_database_error(exc)), False)
                return None
            self._open_editor(contact_id, editor)
        self._present(editor)
        return editor

    @Slot()
    def edit_selected(self) -> ContactEditor | None:
        contact = self.selected_contact()
        if contact is None or contact.id is None:
            return None
        return self.edit_contact(contact.id)

    def _editor_args(self) -> dict[str, Any]:
        return {"employees": self._employees, "window_state": self._window_state, "parent": self}

    def _open_editor(self, key: object, editor: ContactEditor) -> ContactEditor:
        # The window owns its editors (they close with it); each is deleted when closed.
        editor.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        editor.saved.connect(self._on_saved)
        editor.destroyed.connect(lambda _obj=None, key=key: self._editors.pop(key, None))
        if self._importing:
            editor.hold(self._hold_text())
        self._editors[key] = editor
        return editor

    @staticmethod
    def _present(editor: ContactEditor) -> None:
        editor.show()
        editor.raise_()
        editor.activateWindow()

    @property
    def editors(self) -> list[ContactEditor]:
        return list(self._editors.values())

    @Slot(object)
    def _on_saved(self, contact: Contact) -> None:
        show_result(self.result, self.tr("Saved: {name}").format(name=contact.title), True)
        self._select_after = contact.id  # when the search shows it
        self.contacts_changed.emit()
        self.refresh()

    @Slot()
    def delete_selected(self) -> None:
        """Delete the selected contact after asking."""
        contact = self.selected_contact()
        if contact is None or contact.id is None or self.deleter.busy or self._importing:
            return
        self.deleter.start(self._delete(contact))

    async def _delete(self, contact: Contact) -> str:
        numbers = ", ".join(display_number(n) for n in contact.phones)
        who = f"{contact.title} ({numbers})" if numbers else contact.title
        if not await self._confirm(self.tr("Delete contact"),
                                   self.tr("Delete {contact} from the contacts?").format(contact=who),
                                   self.tr("Delete")):
            return self.tr("Nothing was deleted.")
        if self._importing:  # it started while we asked and holds the database
            return self._hold_text()
        try:
            deleted = self._directory.delete(contact.id)
        except sqlite3.Error as exc:
            raise _database_error(exc) from exc
        editor = self._editors.get(contact.id)
        if editor is not None:
            editor.close()
        self.contacts_changed.emit()
        self.refresh()
        if not deleted:
            return self.tr("{contact} was already deleted.").format(contact=contact.title)
        return self.tr("Deleted: {contact}").format(contact=contact.title)

    async def ask(self, title: str, question: str, button: str) -> bool:
        """A window-modal question that does not block the loop: True when confirmed."""
        return await msgbox.ask(self, title, question, button, track=lambda box: setattr(self, "confirm_box", box))

    # -- employees ---------------------------------------------------------------------------

    @Slot(object)
    def set_employees(self, employees: dict[str, str]) -> None:
        """The PBX's employees ``{extension: name}``: manager names here and in the editors."""
        self._employees = dict(employees)
        self._employees_loaded = True
        self.model.set_employees(self._employees)
        for editor in self._editors.values():
            editor.set_employees(self._employees)

    def load_employees(self) -> None:
        """Fetch the employees from the PBX (in the background), when there is a PBX."""
        if self._pbx is not None:
            self.employees_loader.start(self._fetch_employees())

    async def _fetch_employees(self) -> dict[str, str]:
        assert self._pbx is not None
        return {e.extension: e.name for e in await self._pbx().accounts()}

    @Slot(str)
    def _on_employees_failed(self, message: str) -> None:
        show_result(self.result, self.tr("Employees' names are not available: {error}").format(error=message), False)

    # -- files -------------------------------------------------------------------------------

    def import_contacts(self, path: Path | None = None) -> None:
        """Import a CSV or vCard file; without ``path`` ask which (non-blocking)."""
        if self.files.busy:
            return
        if path is None:
            self.ask_open_path(self.tr("Import contacts"), documents_dir(self._files_dir),
                               self.tr("Contacts (*.csv *.vcf *.txt);;All files (*)"), self.import_contacts)
            return
        path = Path(path)
        self.report.clear()
        self.report.hide()
        show_result(self.result, self.tr("Importing {file}…").format(file=path.name), True)
        self._importing = True
        self.files.start(self._import(path))

    async def _import(self, path: Path) -> tuple[str, Path, ImportReport]:
        return "import", path, await asyncio.to_thread(import_in_thread, self._db_path, path)

    @property
    def file_dialog(self) -> QFileDialog | None:
        return self.dialogs.dialog

    @property
    def csv_encoding(self) -> CsvEncoding:
        return self.dialogs.csv_encoding

    def export_contacts(self, path: Path | None = None, encoding: CsvEncoding | None = None) -> None:
        """Write every contact to a CSV file; without ``path`` ask where (non-blocking).
        ``encoding``: by default the one chosen in the last save dialog (UTF-8 at first)."""
        if self.files.busy:
            return
        if path is None:
            name = f"contacts-{datetime.now():%Y-%m-%d}.csv"
            self.ask_save_path(self.tr("Export contacts"), documents_dir(self._files_dir) / name,
                               csv_formats.name_filters(self.csv_encoding), self.export_contacts)
            return
        path = Path(path)
        show_result(self.result, self.tr("Exporting…"), True)
        self.files.start(self._export(path, encoding or self.csv_encoding))

    async def _export(self, path: Path, encoding: CsvEncoding) -> tuple[str, Path, int]:
        return "export", path, await asyncio.to_thread(export_in_thread, self._db_path, path, encoding)

    @Slot(object)
    def _on_files_done(self, outcome: tuple[str, Path, Any]) -> None:
        kind, path, value = outcome
        if kind == "export":
            show_result(self.result, self.tr("{count} contacts saved to {path}").format(
                count=QLocale().toString(value), path=str(path)), True)
            return
        report: ImportReport = value
        summary = tr_text(report.summary())
        show_result(self.result, self.tr("Imported {file}. {summary}").format(file=path.name, summary=summary), True)
        lines = [summary, *(tr_text(problem.text()) for problem in report.skipped)]
        if report.skipped_count > len(report.skipped):
            lines.append(self.tr("… and {count} more skipped rows").format(
                count=report.skipped_count - len(report.skipped)))
        self.report.setPlainText("\n".join(lines))
        self.report.setVisible(report.skipped_count > 0)
        if report.added or report.updated:
            self.contacts_changed.emit()
        self.refresh()

    @Slot(bool)
    def _on_files_busy(self, busy: bool) -> None:
        if not busy:
            self._importing = False
        self.progress.setVisible(busy)
        reason = self._hold_text() if self._importing else ""
        for editor in self._editors.values():
            editor.hold(reason)
        self._update_buttons()

    def _hold_text(self) -> str:
        return self.tr("An import is running: save when it has finished.")

    # -- calls -------------------------------------------------------------------------------

    def _selected_number(self) -> str | None:
        contact = self.selected_contact()
        return dial_form(contact.phones[0]) if contact is not None and contact.phones else None

    @Slot()
    def _call_selected(self) -> None:
        number = self._selected_number()
        if number is not None:
            self.call_requested.emit(number)

    @Slot()
    def _sms_selected(self) -> None:
        number = self._selected_number()
        if number is not None:
            self.sms_requested.emit(number)

    # -- state -------------------------------------------------------------------------------

    @Slot()
    def _update_buttons(self) -> None:
        contact = self.selected_contact()
        self.new_button.setEnabled(True)  # an editor opened during an import waits to save
        self.edit_button.setEnabled(contact is not None)
        self.delete_button.setEnabled(contact is not None and not self._importing and not self.deleter.busy)
        has_number = contact is not None and bool(contact.phones)
        self.call_button.setEnabled(has_number)
        self.sms_button.setEnabled(has_number)
        self.import_button.setEnabled(not self.files.busy)
        self.export_button.setEnabled(not self.files.busy)

    def _tell(self, text: str, ok: bool) -> None:
        """An outcome in the window, or in a box when the window is not open (a caller card asked)."""
        show_result(self.result, text, ok)
        if not self.isVisible():
            msgbox.message(None, self.tr("Contacts"), text,
                           QMessageBox.Icon.Information if ok else QMessageBox.Icon.Warning)

    @Slot()
    def _focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        """Enter in the search field searches now, Down goes to the table; in the table Enter
        edits the contact and Delete deletes it."""
        if event.type() == QEvent.Type.KeyPress:
            key = event.key()
            if watched is self.search:
                if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                    self.refresh()
                    return True
                if key == Qt.Key.Key_Down and self.model.rowCount():
                    self.table.setFocus()
                    if self.selected_contact() is None:
                        self.table.selectRow(0)
                    return True
            elif watched is self.table:
                if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                    self.edit_selected()
                    return True
                if key == Qt.Key.Key_Delete:
                    self.delete_selected()
                    return True
        return super().eventFilter(watched, event)

    async def wait_idle(self) -> None:
        """For shutdown and tests: wait until no search, import, export or deletion runs."""
        while True:
            await self.files.wait()
            await self.deleter.wait()
            await self.employees_loader.wait()
            if self._search_task is not None:
                await asyncio.gather(self._search_task, return_exceptions=True)
            if not (self.files.busy or self.deleter.busy or self.employees_loader.busy
                    or (self._search_task is not None and not self._search_task.done())):
                return

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self.refresh()  # others (the call log, a caller card's editor) may have changed contacts
        if not self._employees_loaded and not self.employees_loader.busy:
            self.load_employees()
        self.search.setFocus()

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt override
        if self._window_state is not None:
            self._window_state.save(self)
        super().hideEvent(event)
