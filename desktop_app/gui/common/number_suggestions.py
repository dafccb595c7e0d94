"""Suggestions for a number field: contacts and recent calls matching what is typed."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QCompleter, QLineEdit

from desktop_app.calls.call_log import CallLog
from desktop_app.contacts.directory import ContactDirectory, display_number, try_normal_form

MAX_SUGGESTIONS = 10
RECENT_SCAN = 200  # calls of the log looked at to find the last distinct numbers
NUMBER_ROLE = Qt.ItemDataRole.UserRole + 1


class NumberSuggestions(QObject):
    """Contacts and recent numbers matching what is typed in a number field (a completer).

    The popup shows "name — number"; choosing a row puts the number in the field.
    """

    def __init__(self, field: QLineEdit, contacts: ContactDirectory | None, call_log: CallLog | None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._contacts = contacts
        self._call_log = call_log
        self.model = QStandardItemModel(self)
        self.completer = QCompleter(self.model, self)
        # We filter ourselves (names, any way of writing a number); the completer only shows.
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer.setCompletionRole(NUMBER_ROLE)
        self.completer.setMaxVisibleItems(MAX_SUGGESTIONS)
        field.setCompleter(self.completer)
        field.textEdited.connect(self.suggest)

    def suggestions(self, text: str) -> list[tuple[str, str]]:
        """``(label, number as shown)`` for ``text``, contacts first, at most MAX_SUGGESTIONS."""
        query = text.strip()
        if not query:
            return []
        found: dict[str, str] = {}
        digits = "".join(ch for ch in query if ch.isdigit())
        if self._contacts is not None:
            for contact in self._contacts.search(query, MAX_SUGGESTIONS):
                for number in contact.phones:
                    if len(digits) >= 2 and not _digits_match(number, digits):
                        continue
                    found.setdefault(number, f"{contact.title} — {display_number(number)}")
        if len(digits) >= 2:
            def wanted(number: str) -> bool:
                return number not in found and _digits_match(number, digits)

            for number, name in recent_numbers(self._call_log, self._contacts, MAX_SUGGESTIONS, wanted):
                found[number] = f"{name} — {display_number(number)}" if name else display_number(number)
        return [(label, display_number(number)) for number, label in list(found.items())[:MAX_SUGGESTIONS]]

    @Slot(str)
    def suggest(self, text: str) -> None:
        """Offer the suggestions for ``text`` (as the operator types)."""
        self.model.clear()
        for label, number in self.suggestions(text):
            item = QStandardItem(label)
            item.setData(number, NUMBER_ROLE)
            item.setEditable(False)
            self.model.appendRow(item)
        if self.model.rowCount():
            self.completer.complete()


def _digits_match(number: str, digits: str) -> bool:
    """``digits`` typed appear in ``number``; a leading 8 reads as 7, as people dial in Russia."""
    if digits in number:
        return True
    return digits.startswith("8") and ("7" + digits[1:]) in number


def recent_numbers(call_log: CallLog | None, contacts: ContactDirectory | None, limit: int,
                   wanted: Callable[[str], bool] | None = None) -> list[tuple[str, str]]:
    """The last distinct client numbers of the call log (those ``wanted``), with their
    contact's name ("" if none)."""
    if call_log is None:
        return []
    seen: dict[str, str] = {}
    for call in call_log.recent(RECENT_SCAN):
        number = call.client
        if not number or number in seen or try_normal_form(number) is None:
            continue
        if wanted is not None and not wanted(number):
            continue
        seen[number] = contacts.name_for(number) if contacts is not None else ""
        if len(seen) >= limit:
            break
    return list(seen.items())
