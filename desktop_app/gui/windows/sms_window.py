"""Send an SMS (seed §3.2.2): a number, the text with a live count of characters and parts,
templates from the settings, Send; the result in words.

:meth:`SmsWindow.send` serves the Send button and ``gravitel-desk sms`` forwarded from a
second start alike.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtGui import QKeySequence, QPalette, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
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
from desktop_app.core.phone import InvalidNumber, dial_form, is_extension
from desktop_app.core.settings import Settings
from desktop_app.gui.common.async_action import (
    AsyncAction,
    PbxRequests,
    Refused,
    add_action_row,
    show_result,
)
from desktop_app.gui.common.number_suggestions import NumberSuggestions
from desktop_app.gui.common.window_state import WindowState, remember
from desktop_app.pbx.client import PbxSource
from desktop_app.pbx.sms_counter import Encoding, measure

TEMPLATE_LABEL_CHARS = 60


def template_label(text: str) -> str:
    """A template as the combo lists it: its first line, shortened."""
    first = " ".join(text.strip().splitlines()[0].split()) if text.strip() else ""
    return first if len(first) <= TEMPLATE_LABEL_CHARS else first[: TEMPLATE_LABEL_CHARS - 1].rstrip() + "…"


class SmsWindow(QWidget):
    """Send one SMS through the PBX.

    Signals:
        sms_finished(bool, str): a send ended: success, and the words shown.
    """

    sms_finished = Signal(bool, str)

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
        self.setObjectName("SmsWindow")
        self.setWindowTitle(self.tr("Send SMS"))
        self._pbx = pbx
        self._settings = settings
        self._contacts = contacts
        self._call_log = call_log
        self.requests = PbxRequests(self)
        self.requests.busy_changed.connect(self._on_busy)
        self._launch = AsyncAction(self)
        self._build()
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, activated=self.escape)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, activated=self.start_send)
        self.apply_settings(settings)
        self._update_counter()
        remember(self, window_state, (480, 420))

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.number = QLineEdit()
        self.number.setPlaceholderText(self.tr("Number or name, e.g. 8 999 123-45-67"))
        self.number.setClearButtonEnabled(True)
        self.number.returnPressed.connect(self._on_number_entered)
        self.number.textChanged.connect(self._on_number_changed)
        self.suggestions = NumberSuggestions(self.number, self._contacts, self._call_log, self)
        form.addRow(self.tr("&Number"), self.number)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        form.addRow("", self.hint)
        self.templates = QComboBox()
        self.templates.activated.connect(self._on_template)
        form.addRow(self.tr("&Template"), self.templates)
        layout.addLayout(form)

        text_label = QLabel(self.tr("T&ext"))
        self.text = QPlainTextEdit()
        self.text.setTabChangesFocus(True)  # Tab moves on, as everywhere else in the window
        self.text.textChanged.connect(self._update_counter)
        text_label.setBuddy(self.text)
        layout.addWidget(text_label)
        layout.addWidget(self.text, 1)
        self.counter = QLabel()
        self.counter.setWordWrap(True)
        layout.addWidget(self.counter)
        self.encoding = QLabel()
        self.encoding.setWordWrap(True)
        self.encoding.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        layout.addWidget(self.encoding)

        self.send_button = QPushButton(self.tr("Send"))
        self.send_button.setToolTip(QKeySequence("Ctrl+Return").toString(QKeySequence.SequenceFormat.NativeText))
        self.send_button.clicked.connect(self.start_send)
        self.cancel_button, self.result = add_action_row(layout, self.send_button, self.requests.cancel)

    # -- what the app calls --------------------------------------------------------------

    def apply_settings(self, settings: Settings) -> None:
        """Take new settings (the templates may have changed)."""
        self._settings = settings
        self.templates.clear()
        templates = [t for t in settings.ui.sms_templates if t.strip()]
        self.templates.addItem(self.tr("Insert a template…") if templates else self.tr("No templates in the settings"),
                               None)
        for template in templates:
            self.templates.addItem(template_label(template), template)
        self.templates.setEnabled(bool(templates))

    def prepare(self, number: str = "", text: str = "") -> None:
        """Fill the window (e.g. from a caller card) before showing it."""
        if number:
            normal = try_normal_form(number)
            self.number.setText(display_number(normal) if normal else number)
        if text:
            self.text.setPlainText(text)

    async def send(self, number: str, text: str) -> tuple[bool, str]:
        """Send ``text`` to ``number``: ``(ok, message in words)``, also shown in the window."""
        show_result(self.result, self.tr("Sending…"), True)
        ok, message = await self.requests.run(
            self._send(number, text),
            self.tr("Cancelled. If the request reached the PBX, the SMS may still be sent."),
        )
        show_result(self.result, message, ok)
        self.sms_finished.emit(ok, message)
        return ok, message

    @Slot()
    def start_send(self) -> None:
        """The Send button and Ctrl+Enter."""
        if self.requests.busy:
            return
        self._launch.start(self._send_from_fields())

    async def wait_idle(self) -> None:
        """For shutdown and tests: wait until no send runs."""
        await self._launch.wait()
        await self.requests.wait()

    # -- the request ------------------------------------------------------------------

    async def _send_from_fields(self) -> None:
        text = self.text.toPlainText()
        ok, _message = await self.send(self.number.text(), text)
        if ok and self.text.toPlainText() == text:
            self.text.clear()  # a second Send would send it again; a text typed meanwhile stays

    async def _send(self, raw: str, text: str) -> str:
        if not raw.strip():
            raise Refused(self.tr("Enter the number to send the SMS to."))
        normal = normal_form(raw.strip())
        if is_extension(normal):  # an employee's extension has no SMS
            raise InvalidNumber(raw.strip())
        if not text.strip():
            raise Refused(self.tr("Enter the text of the SMS."))
        await self._pbx().sms(dial_form(normal), text)
        name = self._contact_name(normal)
        shown = f"{name} ({display_number(normal)})" if name else display_number(normal)
        return self.tr("SMS sent to {number}.").format(number=shown)

    def _contact_name(self, number: str) -> str:
        return self._contacts.name_for(number) if self._contacts is not None else ""

    # -- slots ---------------------------------------------------------------------------

    @Slot()
    def _update_counter(self) -> None:
        length = measure(self.text.toPlainText())
        counts = self.tr("{used} characters · {parts} SMS · {left} left").format(
            used=length.used, parts=length.parts, left=length.left)
        if length.encoding is Encoding.GSM7:
            kind = self.tr("Latin alphabet: 160 characters per SMS, 153 per part when longer")
        else:
            kind = self.tr("Cyrillic or other Unicode: 70 characters per SMS, 67 per part when longer")
        self.counter.setText(counts)
        self.encoding.setText(kind)

    @Slot(int)
    def _on_template(self, index: int) -> None:
        template = self.templates.itemData(index)
        self.templates.setCurrentIndex(0)
        if template:
            self.text.insertPlainText(template)
            self.text.setFocus()

    @Slot(bool)
    def _on_busy(self, busy: bool) -> None:
        self.send_button.setEnabled(not busy)
        self.cancel_button.setVisible(busy)

    @Slot(str)
    def _on_number_changed(self, text: str) -> None:
        normal = try_normal_form(text)
        self.hint.setText(self._contact_name(normal) if normal else "")

    @Slot()
    def _on_number_entered(self) -> None:
        """Enter in the number field: on to the text, or send when the text is written."""
        if self.text.toPlainText().strip():
            self.start_send()
        else:
            self.text.setFocus()

    @Slot()
    def escape(self) -> None:
        """Esc cancels a send in progress; otherwise it closes the window."""
        if self.requests.busy:
            self.requests.cancel()
        else:
            self.close()

    # -- showing -------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        (self.text if self.number.text().strip() else self.number).setFocus()
