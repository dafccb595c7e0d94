"""Click-to-call (seed §3.2.1): a number, the caller ID to show, Call; the result in words.

The same :meth:`DialWindow.call` serves the Call button, ``tel:``/``callto:`` links and
``gravitel-desk call`` forwarded from a second start, so every path checks the number the
same way and says what happened the same way.

:class:`PbxRequests` and :class:`NumberSuggestions` are shared with the SMS window.
"""

from __future__ import annotations

import logging

import phonenumbers
from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import (
    QGuiApplication,
    QKeySequence,
    QShortcut,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.calls.call_log import CallLog
from desktop_app.contacts.directory import (
    ContactDirectory,
    display_number,
    normal_form,
    try_normal_form,
)
from desktop_app.core.phone import DEFAULT_REGION, dial_form, is_extension
from desktop_app.core.settings import Settings
from desktop_app.gui.common.async_action import (
    AsyncAction,
    PbxRequests,
    Refused,
    add_action_row,
    show_result,
)
from desktop_app.gui.common.number_suggestions import (
    NUMBER_ROLE,
    NumberSuggestions,
    recent_numbers,
)
from desktop_app.gui.common.window_state import WindowState, remember
from desktop_app.pbx.client import PbxSource
from desktop_app.pbx.types import PbxNumber

log = logging.getLogger(__name__)


RECENT_ROWS = 8
CLIPBOARD_MAX_CHARS = 500  # longer clipboard text is not a number someone copied to call


def number_in_text(text: str, region: str = DEFAULT_REGION) -> str | None:
    """The phone number in ``text`` (the clipboard), in normal form; None when it holds none.

    Short extensions are not offered: any clipboard digit run like "12" would look like one.
    """
    text = text.strip()
    if not text or len(text) > CLIPBOARD_MAX_CHARS:
        return None
    whole = try_normal_form(text)
    if whole is not None:
        return None if is_extension(whole) else whole
    for match in phonenumbers.PhoneNumberMatcher(text, region):
        return phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164).lstrip("+")
    return None


class DialWindow(QWidget):
    """Call a number from the operator's own phone.

    Signals:
        call_finished(bool, str): a call request ended: success, and the words shown.
    """

    call_finished = Signal(bool, str)

    def __init__(
        self,
        pbx: PbxSource,
        settings: Settings,
        *,
        contacts: ContactDirectory | None = None,
        call_log: CallLog | None = None,
        window_state: WindowState | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("DialWindow")
        self.setWindowTitle(self.tr("Call", "window title"))
        self._pbx = pbx
        self._settings = settings
        self._contacts = contacts
        self._call_log = call_log
        self._numbers_loaded = False
        self._dialed: list[str] = []  # this session's numbers, before the call log hears of them
        self.requests = PbxRequests(self)
        self.requests.busy_changed.connect(self._on_busy)
        self._launch = AsyncAction(self)
        self.numbers_loader = AsyncAction(self)
        self.numbers_loader.succeeded.connect(self._on_numbers)
        self.numbers_loader.failed.connect(self._on_numbers_failed)
        self._build()
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, activated=self.escape)
        remember(self, window_state, (460, 380))

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.number = QLineEdit()
        self.number.setPlaceholderText(self.tr("Number or name, e.g. 8 999 123-45-67"))
        self.number.setClearButtonEnabled(True)
        self.number.returnPressed.connect(self.start_call)
        self.number.textChanged.connect(self._on_number_changed)
        self.suggestions = NumberSuggestions(self.number, self._contacts, self._call_log, self)
        form.addRow(self.tr("&Number"), self.number)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        form.addRow("", self.hint)
        self.callerid = QComboBox()
        self.callerid.addItem(self.tr("Default"), None)
        form.addRow(self.tr("Caller &ID"), self.callerid)
        self.callerid_note = QLabel()
        self.callerid_note.setWordWrap(True)
        self.callerid_note.hide()
        form.addRow("", self.callerid_note)
        layout.addLayout(form)

        recent_label = QLabel(self.tr("&Recent numbers"))
        self.recent = QListWidget()
        self.recent.currentItemChanged.connect(self._on_recent_current)
        self.recent.itemActivated.connect(self._on_recent_activated)
        recent_label.setBuddy(self.recent)
        layout.addWidget(recent_label)
        layout.addWidget(self.recent, 1)

        self.call_button = QPushButton(self.tr("Call"))
        self.call_button.setDefault(True)
        self.call_button.clicked.connect(self.start_call)
        self.cancel_button, self.result = add_action_row(layout, self.call_button, self.requests.cancel)

    # -- what the app calls --------------------------------------------------------------

    def apply_settings(self, settings: Settings) -> None:
        self._settings = settings

    async def call(self, number: str, clid: str | None = None) -> tuple[bool, str]:
        """Ask the PBX to ring the operator's phone, then ``number``: ``(ok, message in words)``.

        The message is also shown in the window (and emitted as :attr:`call_finished`),
        whether or not the window is visible.
        """
        show_result(self.result, self.tr("Asking the PBX to call {number}…").format(number=number.strip()), True)
        ok, message = await self.requests.run(
            self._makecall(number, clid),
            self.tr("Cancelled. If the request reached the PBX, your phone may still ring."),
        )
        show_result(self.result, message, ok)
        self.call_finished.emit(ok, message)
        return ok, message

    @Slot()
    def start_call(self) -> None:
        """The Call button and Enter: call what the field says with the chosen caller ID."""
        if self.requests.busy:
            return
        self._launch.start(self.call(self.number.text(), self.callerid.currentData()))

    def reload_numbers(self) -> None:
        """Fetch the company's numbers for the caller ID choice (in the background)."""
        show_result(self.callerid_note, self.tr("Loading the company's numbers…"), True)
        self.callerid_note.show()
        self.numbers_loader.start(self._fetch_numbers())

    def refresh_recent(self) -> None:
        self.recent.clear()
        numbers = dict.fromkeys(self._dialed, "")
        for number, name in recent_numbers(self._call_log, self._contacts, RECENT_ROWS):
            numbers[number] = numbers.get(number) or name
        for number, name in list(numbers.items())[:RECENT_ROWS]:
            name = name or self._contact_name(number)
            shown = display_number(number)
            item = QListWidgetItem(f"{shown}    {name}" if name else shown)
            item.setData(NUMBER_ROLE, shown)
            self.recent.addItem(item)

    async def wait_idle(self) -> None:
        """For shutdown and tests: wait until no request and no loading runs."""
        await self._launch.wait()
        await self.requests.wait()
        await self.numbers_loader.wait()

    # -- the request ------------------------------------------------------------------

    async def _makecall(self, raw: str, clid: str | None) -> str:
        text = raw.strip()
        if not text:
            raise Refused(self.tr("Enter a number to call."))
        normal = normal_form(text)  # InvalidNumber says "Not a phone number: ..."
        extension = self._settings.pbx.extension.strip()
        if not extension:
            raise Refused(self.tr("Your extension is not set: enter it in the settings."))
        client = self._pbx()
        await client.makecall(dial_form(normal), extension, clid or None)
        if normal in self._dialed:
            self._dialed.remove(normal)
        self._dialed.insert(0, normal)
        if self.isVisible():
            self.refresh_recent()
        name = self._contact_name(normal)
        shown = f"{name} ({display_number(normal)})" if name else display_number(normal)
        return self.tr("Your phone {extension} is ringing: pick it up to call {number}").format(
            extension=extension, number=shown)

    async def _fetch_numbers(self) -> list[PbxNumber]:
        return await self._pbx().numbers()

    def _contact_name(self, number: str) -> str:
        return self._contacts.name_for(number) if self._contacts is not None else ""

    # -- slots ---------------------------------------------------------------------------

    @Slot(bool)
    def _on_busy(self, busy: bool) -> None:
        self.call_button.setEnabled(not busy)
        self.cancel_button.setVisible(busy)

    @Slot(object)
    def _on_numbers(self, numbers: list[PbxNumber]) -> None:
        chosen = self.callerid.currentData()
        while self.callerid.count() > 1:
            self.callerid.removeItem(1)
        for item in numbers:
            shown = display_number(item.number)
            self.callerid.addItem(f"{item.name} · {shown}" if item.name else shown, item.number)
        index = self.callerid.findData(chosen)
        self.callerid.setCurrentIndex(max(index, 0))
        self._numbers_loaded = True
        self.callerid_note.hide()

    @Slot(str)
    def _on_numbers_failed(self, message: str) -> None:
        show_result(self.callerid_note, self.tr("Could not load the company's numbers: {error}").format(
            error=message), False)
        self.callerid_note.show()

    @Slot(str)
    def _on_number_changed(self, text: str) -> None:
        normal = try_normal_form(text)
        name = self._contact_name(normal) if normal else ""
        self.hint.setText(name)

    @Slot(QListWidgetItem, QListWidgetItem)
    def _on_recent_current(self, current: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        if current is not None:
            self.number.setText(current.data(NUMBER_ROLE))

    @Slot(QListWidgetItem)
    def _on_recent_activated(self, item: QListWidgetItem) -> None:
        self.number.setText(item.data(NUMBER_ROLE))
        self.start_call()

    @Slot()
    def escape(self) -> None:
        """Esc cancels a request in progress; otherwise it closes the window."""
        if self.requests.busy:
            self.requests.cancel()
        else:
            self.close()

    def forget_numbers(self) -> None:
        """The PBX account changed: its caller IDs load again when the window shows."""
        self._numbers_loaded = False
        if self.isVisible():
            self.reload_numbers()

    # -- showing -------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self.refresh_recent()
        self._offer_clipboard()
        if not self._numbers_loaded and not self.numbers_loader.busy:
            self.reload_numbers()
        self.number.setFocus()

    def _offer_clipboard(self) -> None:
        if self.number.text().strip() or self.requests.busy:
            return
        clipboard = QGuiApplication.clipboard()
        found = number_in_text(clipboard.text()) if clipboard is not None else None
        if found is None:
            return
        self.number.setText(display_number(found))
        self.number.selectAll()  # typing replaces it
        name = self._contact_name(found)
        self.hint.setText(self.tr("From the clipboard: {name}").format(name=name) if name
                          else self.tr("From the clipboard"))
