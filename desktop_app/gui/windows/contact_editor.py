"""Create or edit one contact: name, company, numbers, the responsible manager, e-mail,
note and CRM link.

The directory validates (:func:`desktop_app.contacts.directory.checked`); the editor shows its
verdict in words beside Save. A number may belong to several contacts, so one already on
another contact is not an error: a note under the numbers names who else has it.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from dataclasses import replace

from PySide6.QtCore import QEvent, QObject, QSignalBlocker, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QHideEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.contacts.directory import (
    Contact,
    ContactDirectory,
    ContactNotFound,
    display_number,
    fold,
    try_normal_form,
)
from desktop_app.core.phone import is_extension
from desktop_app.core.texts import UserError
from desktop_app.gui.common.async_action import show_result
from desktop_app.gui.common.window_state import WindowState
from desktop_app.gui.shell.i18n import error_text

log = logging.getLogger(__name__)

# Numbers in the phones field: one a line; commas and semicolons also separate them
# (pasted from a spreadsheet cell), as the importer reads them.
_PHONE_SPLIT = re.compile(r"[\n,;]+")
MAX_NAMES_IN_NOTE = 3


def split_phones(text: str) -> list[str]:
    return [part.strip() for part in _PHONE_SPLIT.split(text) if part.strip()]


def employee_label(extension: str, name: str) -> str:
    return f"{extension} — {name}" if name else extension


class ContactEditor(QWidget):
    """A window for one contact, new or stored.

    ``employees`` maps the PBX's extensions to names (the manager choice); the stored
    manager is the extension. Save (Enter in a one-line field, Ctrl+Enter anywhere) stores
    the contact and closes the window; Esc closes it without saving.

    Signals:
        saved(object): the stored :class:`~desktop_app.contacts.directory.Contact`.
    """

    saved = Signal(object)

    def __init__(
        self,
        directory: ContactDirectory,
        contact: Contact | None = None,
        *,
        number: str = "",
        employees: dict[str, str] | None = None,
        window_state: WindowState | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """``contact``: the stored contact to edit (None: a new one, with ``number`` filled in)."""
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("ContactEditor")
        self._directory = directory
        self._contact = contact
        self._window_state = window_state
        self._employees: dict[str, str] = {}
        self._hold_reason = ""
        self._build()
        self.set_employees(employees or {})
        self._fill(contact, number)
        self._update_title()
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, activated=self.close)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, activated=self.save)
        if window_state is None or not window_state.restore(self):
            self.resize(480, 540)

    @classmethod
    def new(cls, directory: ContactDirectory, number: str = "", **kwargs: object) -> ContactEditor:
        """An editor for a new contact, ``number`` (e.g. the caller's) already filled in."""
        return cls(directory, None, number=number, **kwargs)  # type: ignore[arg-type]

    @classmethod
    def edit(cls, directory: ContactDirectory, contact_id: int, **kwargs: object) -> ContactEditor:
        """An editor for the stored contact ``contact_id``; :class:`ContactNotFound` if it is gone."""
        contact = directory.get(contact_id)
        if contact is None:
            raise ContactNotFound(contact_id)
        return cls(directory, contact, **kwargs)  # type: ignore[arg-type]

    # -- layout ----------------------------------------------------------------------------

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        # A grid rather than a QFormLayout: the form gives a wrapped note far more height than it needs.
        form = QGridLayout()
        form.setColumnStretch(1, 1)
        self.name = QLineEdit()
        self._add_row(form, self.tr("&Name"), self.name)
        self.company = QLineEdit()
        self._add_row(form, self.tr("C&ompany"), self.company)
        self.phones = QPlainTextEdit()
        self.phones.setTabChangesFocus(True)
        self.phones.setPlaceholderText(self.tr("One number a line, e.g. 8 999 123-45-67"))
        self.phones.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 12)
        self.phones.textChanged.connect(self.update_shared_note)
        self._add_row(form, self.tr("&Phones"), self.phones, top=True)
        self.shared_note = QLabel()
        self.shared_note.setWordWrap(True)
        self.shared_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.shared_note.hide()
        form.addWidget(self.shared_note, form.rowCount(), 1)
        self.manager = QComboBox()
        self.manager.setEditable(True)
        self.manager.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.manager.lineEdit().setPlaceholderText(self.tr("Extension or name of an employee"))
        completer = QCompleter(self.manager.model(), self.manager)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)  # a surname finds "702 — Смирнова Анна"
        self.manager.setCompleter(completer)
        # Enter that picks from the completer's list picks; it does not also save.
        self._choosing = False
        self._choosing_reset = QTimer(self)
        self._choosing_reset.setSingleShot(True)
        self._choosing_reset.setInterval(0)
        self._choosing_reset.timeout.connect(self._end_choosing)
        completer.popup().installEventFilter(self)
        self._add_row(form, self.tr("&Manager"), self.manager)
        self.email = QLineEdit()
        self._add_row(form, self.tr("&E-mail"), self.email)
        self.crm_url = QLineEdit()
        self.crm_url.setPlaceholderText("https://")
        self._add_row(form, self.tr("&CRM link"), self.crm_url)
        self.note = QPlainTextEdit()
        self.note.setTabChangesFocus(True)
        self._add_row(form, self.tr("No&te"), self.note, top=True)
        form.setRowStretch(form.rowCount() - 1, 1)
        layout.addLayout(form, 1)

        for field in (self.name, self.company, self.email, self.crm_url):
            field.returnPressed.connect(self.save)
        self.manager.lineEdit().returnPressed.connect(self._on_manager_return)

        buttons = QHBoxLayout()
        self.save_button = QPushButton(self.tr("&Save"))
        self.save_button.setDefault(True)
        self.save_button.setToolTip(QKeySequence("Ctrl+Return").toString(QKeySequence.SequenceFormat.NativeText))
        self.save_button.clicked.connect(self.save)
        buttons.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignTop)
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons.addWidget(self.result, 1)
        self.close_button = QPushButton(self.tr("Close"))
        self.close_button.clicked.connect(self.close)
        buttons.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(buttons)

    @staticmethod
    def _add_row(grid: QGridLayout, text: str, field: QWidget, *, top: bool = False) -> None:
        label = QLabel(text)
        label.setBuddy(field)
        row = grid.rowCount()
        vertical = Qt.AlignmentFlag.AlignTop if top else Qt.AlignmentFlag.AlignVCenter
        grid.addWidget(label, row, 0, Qt.AlignmentFlag.AlignLeft | vertical)
        grid.addWidget(field, row, 1)

    def _fill(self, contact: Contact | None, number: str) -> None:
        if contact is None:
            normal = try_normal_form(number)
            self.phones.setPlainText(display_number(normal) if normal else number.strip())
            return
        self.name.setText(contact.name)
        self.company.setText(contact.company)
        self.phones.setPlainText("\n".join(display_number(n) for n in contact.phones))
        self.set_manager(contact.manager)
        self.email.setText(contact.email)
        self.crm_url.setText(contact.crm_url)
        self.note.setPlainText(contact.note)

    def _update_title(self) -> None:
        if self._contact is None:
            self.setWindowTitle(self.tr("New contact"))
        else:
            self.setWindowTitle(self.tr("Contact: {name}").format(name=self._contact.title))

    # -- what others call ------------------------------------------------------------------

    @property
    def contact_id(self) -> int | None:
        """The stored contact's id; None until a new contact is saved."""
        return self._contact.id if self._contact is not None else None

    def set_employees(self, employees: dict[str, str]) -> None:
        """The PBX's employees ``{extension: name}`` for the manager choice (keeps the choice)."""
        current = self.manager_value() if self.manager.count() or self.manager.currentText() else ""
        self._employees = dict(employees)
        with QSignalBlocker(self.manager):
            self.manager.clear()
            self.manager.addItem("", "")
            for extension in sorted(self._employees, key=lambda e: (len(e), e)):
                self.manager.addItem(employee_label(extension, self._employees[extension]), extension)
        self.set_manager(current)

    def set_manager(self, extension: str) -> None:
        index = self.manager.findData(extension) if extension else 0
        if index >= 0:
            self.manager.setCurrentIndex(index)
        else:
            self.manager.setCurrentIndex(0)
            self.manager.setEditText(extension)

    def manager_value(self) -> str:
        """The manager as stored: an extension; whatever else was typed goes to validation."""
        text = self.manager.currentText().strip()
        if not text:
            return ""
        index = self.manager.findText(text, Qt.MatchFlag.MatchFixedString)
        if index > 0:
            return self.manager.itemData(index)
        if is_extension(text):
            return text
        wanted = fold(text)
        for extension, name in self._employees.items():
            if fold(name) == wanted:
                return extension
        head = text.split("—", 1)[0].strip()  # "702 — ..." with the name edited
        if is_extension(head):
            return head
        # Part of one employee's name ("смирн"), as the completer offered it: that employee.
        found = [extension for extension, name in self._employees.items() if wanted in fold(name)]
        return found[0] if len(found) == 1 else text

    def hold(self, reason: str) -> None:
        """Refuse to save while ``reason`` holds (an import owns the database); "" lets go."""
        self._hold_reason = reason
        self.save_button.setEnabled(not reason)
        show_result(self.result, reason, True)

    def contact_from_fields(self) -> Contact:
        base = self._contact or Contact()
        return replace(
            base,
            name=self.name.text(),
            company=self.company.text(),
            phones=tuple(split_phones(self.phones.toPlainText())),
            manager=self.manager_value(),
            email=self.email.text(),
            note=self.note.toPlainText(),
            crm_url=self.crm_url.text(),
        )

    @Slot()
    def save(self) -> Contact | None:
        """Store the fields; on success emit :attr:`saved` and close. The stored contact, or None."""
        if self._hold_reason:
            show_result(self.result, self._hold_reason, False)
            return None
        contact = self.contact_from_fields()
        try:
            if contact.id is None:
                stored = self._directory.add(contact)
            else:
                stored = self._directory.update(contact)
        except UserError as exc:  # ContactError, InvalidNumber (names the number), ContactNotFound
            show_result(self.result, error_text(exc), False)
            return None
        except sqlite3.Error as exc:
            log.warning("contact not saved: %s", exc)
            show_result(self.result, self.tr("Not saved: {reason}").format(reason=str(exc)), False)
            return None
        self._contact = stored
        self._update_title()
        show_result(self.result, self.tr("Saved."), True)
        self.saved.emit(stored)
        self.close()
        return stored

    @Slot()
    def update_shared_note(self) -> None:
        """Name the other contacts that already have one of the numbers typed."""
        lines = []
        seen = set()
        for raw in split_phones(self.phones.toPlainText()):
            number = try_normal_form(raw)
            if number is None or number in seen:
                continue
            seen.add(number)
            others = [c for c in self._directory.find_by_number(number) if c.id != self.contact_id]
            if not others:
                continue
            names = ", ".join(c.title for c in others[:MAX_NAMES_IN_NOTE])
            if len(others) > MAX_NAMES_IN_NOTE:
                names += " " + self.tr("and {count} more").format(count=len(others) - MAX_NAMES_IN_NOTE)
            lines.append(self.tr("{number} is also on: {contacts}").format(
                number=display_number(number), contacts=names))
        self.shared_note.setText("\n".join(lines))
        self.shared_note.setVisible(bool(lines))

    @Slot()
    def _on_manager_return(self) -> None:
        if self._choosing:
            self._end_choosing()
            return
        self.save()

    @Slot()
    def _end_choosing(self) -> None:
        self._choosing = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt override
        if (event.type() == QEvent.Type.KeyPress and watched is self.manager.completer().popup()
                and watched.isVisible() and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)):
            self._choosing = True
            self._choosing_reset.start()
        return super().eventFilter(watched, event)

    # -- lifetime --------------------------------------------------------------------------

    def hideEvent(self, event: QHideEvent) -> None:  # noqa: N802 - Qt override
        if self._window_state is not None:
            self._window_state.save(self)
        super().hideEvent(event)
