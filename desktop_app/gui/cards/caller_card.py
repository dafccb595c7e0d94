"""The caller card: who is on the line, shown while the phone rings (seed §1, §3.1.2).

A small frameless window that stays on top and never takes focus: the operator may be
typing elsewhere when a call comes. It shows the number as people read it, the
direction and stage (ringing, talking with a running timer, ended), the contact (a
choice when several have the number, "Unknown number" when none), the company, the
responsible manager, the PBX line and the last calls with this number. Its buttons ask
the app to act (signals); only "Open in CRM" and "Copy" act by themselves.

An ended card fades out after a few seconds unless pinned or under the mouse.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from urllib.parse import quote

from PySide6.QtCore import (
    QDateTime,
    QEasingCurve,
    QLocale,
    QPointF,
    QPropertyAnimation,
    QRectF,
    Qt,
    QTimer,
    QUrl,
    Signal,
    Slot,
)
from PySide6.QtGui import (
    QCloseEvent,
    QColor,
    QDesktopServices,
    QEnterEvent,
    QGuiApplication,
    QIcon,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPixmap,
    QPolygonF,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.calls.call_log import LoggedCall
from desktop_app.calls.tracker import CallState, EndReason, TrackedCall
from desktop_app.contacts.directory import Contact, display_number, try_normal_form
from desktop_app.core.phone import is_extension

log = logging.getLogger(__name__)

CARD_MIN_WIDTH = 360
CARD_WIDTH_EM = 27  # wide enough for Russian labels at any font size
FADE_DELAY_MS = 6000
FADE_MS = 600
TICK_MS = 1000
# Window opacity works where the window system composes windows; elsewhere Qt warns
# on every change, so the card just closes without fading there.
OPACITY_PLATFORMS = ("xcb", "windows", "cocoa")

# Header colours by state; each keeps white text above 4.5:1 contrast. Colours come from
# palettes, not style sheets: a style sheet costs a third of the time to build a card.
_HEADER_COLORS = {
    "ringing": "#2e7d32",
    "talking": "#1565c0",
    "ended": "#616161",
    "missed": "#c62828",
}


def format_duration(seconds: float) -> str:
    """``75`` -> ``1:15``; ``3725`` -> ``1:02:05``."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def format_when(epoch: float) -> str:
    """A moment as the operator's locale writes it; today's by its time alone."""
    stamp = QDateTime.fromSecsSinceEpoch(int(epoch)).toLocalTime()
    locale = QLocale()
    if stamp.date() == QDateTime.currentDateTime().date():
        return locale.toString(stamp.time(), QLocale.FormatType.ShortFormat)
    return locale.toString(stamp, QLocale.FormatType.ShortFormat)


def crm_url(template: str, *, number: str, call_id: str, extension: str) -> QUrl | None:
    """The template with ``{number}``, ``{id}`` (the call's), ``{extension}`` filled in
    (URL-encoded); None when there is no template or it is not a usable http(s) URL."""
    template = template.strip()
    if not template:
        return None
    values = {key: quote(value, safe="") for key, value in
              (("number", number), ("id", call_id), ("extension", extension))}
    try:
        text = template.format(**values)
    except (KeyError, IndexError, ValueError):
        log.warning("crm.url_template %r: use only {number}, {id} and {extension}", template)
        return None
    url = QUrl(text, QUrl.ParsingMode.StrictMode)
    if not url.isValid() or url.scheme().lower() not in ("http", "https") or not url.host():
        log.warning("crm.url_template %r does not give an http(s) address", template)
        return None
    return url


class CallerCard(QWidget):
    """One call's card.

    Signals:
        closed(str): the card closed (the operator, or the fade-out); the call id.
        create_contact_requested(str): no contact has the number (normal form): make one.
        edit_contact_requested(int): edit this contact (its id).
        call_back_requested(str): call this number (normal form).
        sms_requested(str): write to this number (normal form).
        pinned_changed(bool): pinned cards stay until closed.
        size_changed(): the card grew or shrank (its stack re-places the cards).
    """

    closed = Signal(str)
    create_contact_requested = Signal(str)
    edit_contact_requested = Signal(int)
    call_back_requested = Signal(str)
    sms_requested = Signal(str)
    pinned_changed = Signal(bool)
    size_changed = Signal()

    def __init__(
        self,
        call: TrackedCall,
        *,
        contacts: Sequence[Contact] = (),
        last_calls: Sequence[LoggedCall] = (),
        employees: dict[str, str] | None = None,
        crm_url_template: str = "",
        show_employee: bool = False,
        clock: Callable[[], float] = time.time,
        fade_delay_ms: int = FADE_DELAY_MS,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            parent,
            Qt.WindowType.Tool
            | Qt.WindowType.FramelessWindowHint
            | Qt.WindowType.WindowStaysOnTopHint
            | Qt.WindowType.WindowDoesNotAcceptFocus,
        )
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        self.setAutoFillBackground(True)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setObjectName("CallerCard")
        self._call = call
        self._contacts: list[Contact] = list(contacts)
        self._last_calls: list[LoggedCall] = []
        self._employees = dict(employees or {})
        self._template = crm_url_template
        self._show_employee = show_employee
        self._clock = clock
        self._closed_sent = False
        self._header_color = ""
        self._built = False  # no fitting while the constructor fills the card in

        self._build()
        self.setFixedWidth(max(CARD_MIN_WIDTH, self.fontMetrics().horizontalAdvance("M") * CARD_WIDTH_EM))

        self._tick = QTimer(self)
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self._refresh_stage)
        self._fade_timer = QTimer(self)
        self._fade_timer.setSingleShot(True)
        self._fade_timer.setInterval(fade_delay_ms)
        self._fade_timer.timeout.connect(self._fade_out)
        self._fade = QPropertyAnimation(self, b"windowOpacity", self)
        self._fade.setDuration(FADE_MS)
        self._fade.setEasingCurve(QEasingCurve.Type.InQuad)
        self._fade.finished.connect(self.close)

        self.set_last_calls(last_calls)
        self._fill_contacts()
        self.update_call(call)
        self._built = True
        self._fit()

    # -- building --------------------------------------------------------------------

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(1, 1, 1, 1)
        outer.setSpacing(0)

        self._header = QFrame(self)
        self._header.setObjectName("header")
        self._header.setAutoFillBackground(True)
        top = QHBoxLayout(self._header)
        top.setContentsMargins(10, 5, 6, 5)
        self._direction = QLabel()
        bold = self._direction.font()
        bold.setBold(True)
        self._direction.setFont(bold)
        self._stage = QLabel()
        self._stage.setObjectName("stage")
        top.addWidget(self._direction)
        top.addStretch(1)
        top.addWidget(self._stage)
        self._pin = QToolButton()
        self._pin.setIcon(_pin_icon(self.devicePixelRatioF()))
        self._pin.setAccessibleName(self.tr("Pin"))
        self._pin.setToolTip(self.tr("Keep this card open"))
        self._pin.setCheckable(True)
        self._pin.toggled.connect(self._on_pin)
        self._close = QToolButton()
        self._close.setText("\u2715")
        self._close.setAccessibleName(self.tr("Close"))
        self._close.setToolTip(self.tr("Close"))
        self._close.clicked.connect(self.close)
        for button in (self._pin, self._close):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setAutoRaise(True)
            top.addWidget(button)
        outer.addWidget(self._header)

        body = QVBoxLayout()
        body.setContentsMargins(12, 8, 12, 10)
        body.setSpacing(3)
        self._number = QLabel()
        self._number.setObjectName("number")
        big = self._number.font()
        big.setPointSizeF(big.pointSizeF() * 1.5)
        big.setBold(True)
        self._number.setFont(big)
        body.addWidget(self._number)

        self._name = QLabel()
        self._name.setObjectName("name")
        self._name.setWordWrap(True)
        name_font = self._name.font()
        name_font.setPointSizeF(name_font.pointSizeF() * 1.15)
        self._name.setFont(name_font)
        self._choice = QComboBox()
        self._choice.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self._choice.setToolTip(self.tr("Several contacts have this number"))
        self._choice.currentIndexChanged.connect(self._show_contact)
        self._company = QLabel()
        self._company.setWordWrap(True)
        self._manager = QLabel()
        self._manager.setWordWrap(True)
        self._employee = QLabel()
        self._employee.setWordWrap(True)
        self._employee.hide()
        self._line = QLabel()
        self._line.setWordWrap(True)
        for widget in (self._name, self._choice, self._company, self._manager, self._employee, self._line):
            body.addWidget(widget)

        self._history_title = QLabel(self.tr("Last calls"))
        self._history_title.setFont(bold)
        self._history_title.setContentsMargins(0, 6, 0, 0)
        body.addWidget(self._history_title)
        self._history = QVBoxLayout()
        self._history.setSpacing(1)
        body.addLayout(self._history)

        buttons = QGridLayout()
        buttons.setContentsMargins(0, 8, 0, 0)
        buttons.setHorizontalSpacing(6)
        buttons.setVerticalSpacing(6)
        self._call_back = self._button(self.tr("Call back"), self._on_call_back)
        self._sms = self._button(self.tr("SMS"), self._on_sms)
        self._copy = self._button(self.tr("Copy number"), self.copy_number)
        self._open_crm = self._button(self.tr("Open in CRM"), self.open_crm)
        self._contact_button = self._button("", self._on_contact)
        buttons.addWidget(self._call_back, 0, 0)
        buttons.addWidget(self._sms, 0, 1)
        buttons.addWidget(self._copy, 0, 2)
        buttons.addWidget(self._open_crm, 1, 0, 1, 1)
        buttons.addWidget(self._contact_button, 1, 1, 1, 2)
        body.addLayout(buttons)
        outer.addLayout(body)

    def _button(self, text: str, slot: Callable[[], None]) -> QPushButton:
        button = QPushButton(text)
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.setAutoDefault(False)
        button.clicked.connect(slot)
        return button

    # -- state -------------------------------------------------------------------------

    @property
    def call(self) -> TrackedCall:
        return self._call

    @property
    def call_id(self) -> str:
        return self._call.id

    @property
    def contacts(self) -> list[Contact]:
        return list(self._contacts)

    @property
    def contact(self) -> Contact | None:
        """The contact shown (the one chosen when several have the number)."""
        if not self._contacts:
            return None
        index = self._choice.currentIndex() if len(self._contacts) > 1 else 0
        return self._contacts[max(index, 0)]

    @property
    def pinned(self) -> bool:
        return self._pin.isChecked()

    def set_pinned(self, pinned: bool) -> None:
        self._pin.setChecked(pinned)

    @property
    def number_text(self) -> str:
        return self._number.text()

    @property
    def stage_text(self) -> str:
        return self._stage.text()

    @property
    def ended(self) -> bool:
        return self._call.state is CallState.ENDED

    def update_call(self, call: TrackedCall) -> None:
        """Show the call's new state (same id)."""
        if call.id != self._call.id:
            raise ValueError(f"card of call {self._call.id!r} cannot show call {call.id!r}")
        number_changed = call.number != self._call.number
        self._call = call
        self._direction.setText(self.tr("Incoming call") if call.incoming else self.tr("Outgoing call"))
        self._number.setText(self._display_number())
        self._line.setText(self.tr("Line: {number}").format(number=_display(call.phone)) if call.phone else "")
        self._line.setVisible(bool(call.phone))
        has_number = call.number is not None
        self._call_back.setVisible(has_number)
        self._sms.setVisible(has_number and not is_extension(call.number or ""))
        self._copy.setVisible(bool(call.number or call.client))
        if call.state is CallState.TALKING:
            self._tick.start()
        else:
            self._tick.stop()
        self._refresh_stage()
        if number_changed:
            self._fill_contacts()
        else:
            self._show_contact()
        if self.ended:
            self._schedule_fade()
        else:
            self._cancel_fade()

    def set_contacts(self, contacts: Sequence[Contact]) -> None:
        """The contacts having the number (after the directory changed)."""
        chosen = self.contact.id if self.contact is not None else None
        self._contacts = list(contacts)
        self._fill_contacts(chosen)

    def set_last_calls(self, calls: Sequence[LoggedCall]) -> None:
        """The latest calls with this number; the card's own call is left out."""
        self._last_calls = [c for c in calls if c.call_id != self._call.id][:3]
        while self._history.count():
            item = self._history.takeAt(0)
            if item.widget() is not None:
                item.widget().hide()
                item.widget().deleteLater()
        for logged in self._last_calls:
            row = QLabel(self._describe(logged))
            row.setObjectName("last_call")
            row.setWordWrap(True)
            self._history.addWidget(row)
        self._history_title.setVisible(bool(self._last_calls))
        self._fit()

    def set_employees(self, employees: dict[str, str]) -> None:
        self._employees = dict(employees)
        self._refresh_stage()
        self._show_contact()

    def set_crm_url_template(self, template: str) -> None:
        self._template = template
        self._show_contact()

    # -- actions -----------------------------------------------------------------------

    def crm_url(self) -> QUrl | None:
        """The contact's own CRM link when it has one, else the settings' template."""
        contact = self.contact
        if contact is not None and contact.crm_url:
            url = QUrl(contact.crm_url)
            if url.isValid():
                return url
        return crm_url(
            self._template,
            number=self._call.number or self._call.client or "",
            call_id=self._call.id,
            extension=self._call.extension or "",
        )

    @Slot()
    def open_crm(self) -> None:
        url = self.crm_url()
        if url is not None and not QDesktopServices.openUrl(url):
            log.warning("could not open %s", url.toString())

    @Slot()
    def copy_number(self) -> None:
        """Copy the number in the form every program reads (``+79991234567``)."""
        number = self._call.number
        if number and not is_extension(number):
            text = "+" + number
        else:
            text = number or (self._call.client or "")
        if text:
            QGuiApplication.clipboard().setText(text)

    @Slot()
    def _on_call_back(self) -> None:
        if self._call.number:
            self.call_back_requested.emit(self._call.number)

    @Slot()
    def _on_sms(self) -> None:
        if self._call.number:
            self.sms_requested.emit(self._call.number)

    @Slot()
    def _on_contact(self) -> None:
        contact = self.contact
        if contact is not None and contact.id is not None:
            self.edit_contact_requested.emit(contact.id)
        elif self._call.number:
            self.create_contact_requested.emit(self._call.number)

    @Slot(bool)
    def _on_pin(self, pinned: bool) -> None:
        if pinned:
            self._cancel_fade()
        elif self.ended:
            self._schedule_fade()
        self.pinned_changed.emit(pinned)

    # -- showing -----------------------------------------------------------------------

    def _display_number(self) -> str:
        call = self._call
        if call.number:
            return display_number(call.number)
        return call.client or self.tr("Hidden number")

    def _employee_name(self, extension: str) -> str:
        name = self._employees.get(extension, "").strip()
        return f"{name} ({extension})" if name else extension

    @Slot()
    def _refresh_stage(self) -> None:
        call = self._call
        if call.state is CallState.RINGING:
            text, color = self.tr("Ringing"), _HEADER_COLORS["ringing"]
        elif call.state is CallState.TALKING:
            elapsed = self._clock() - (call.talking_since or self._clock())
            text = self.tr("Talking {time}").format(time=format_duration(elapsed))
            color = _HEADER_COLORS["talking"]
        elif call.missed:
            text, color = self.tr("Missed"), _HEADER_COLORS["missed"]
        else:
            text, color = self.tr("Ended"), _HEADER_COLORS["ended"]
        self._stage.setText(text)
        if color != self._header_color:  # restyling is slow enough to skip on every tick
            self._header_color = color
            palette = self._header.palette()
            for role in (QPalette.ColorRole.Window, QPalette.ColorRole.Button):
                palette.setColor(role, QColor(color))
            for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
                palette.setColor(role, QColor("white"))
            self._header.setPalette(palette)
        # Who has the call: in "all" mode always, in "mine" mode once a colleague took it.
        elsewhere = call.end_reason is EndReason.ANSWERED_ELSEWHERE and bool(call.extension)
        if elsewhere:
            employee = self.tr("Answered by {name}").format(name=self._employee_name(call.extension or ""))
        elif self._show_employee and call.extension:
            employee = self.tr("Employee: {name}").format(name=self._employee_name(call.extension))
        else:
            employee = ""
        if employee != self._employee.text():
            self._employee.setText(employee)
            self._employee.setVisible(bool(employee))
            self._fit()

    def _fill_contacts(self, chosen: int | None = None) -> None:
        self._choice.blockSignals(True)
        self._choice.clear()
        if len(self._contacts) > 1:
            for contact in self._contacts:
                label = contact.title
                if contact.name and contact.company:
                    label = f"{contact.name} \u2014 {contact.company}"
                self._choice.addItem(label, contact.id)
            index = self._choice.findData(chosen) if chosen is not None else -1
            self._choice.setCurrentIndex(max(index, 0))
        self._choice.blockSignals(False)
        self._show_contact()

    @Slot()
    def _show_contact(self) -> None:
        contact = self.contact
        several = len(self._contacts) > 1
        self._choice.setVisible(several)
        if contact is None:
            unknown = self._call.number is not None or bool(self._call.client)
            self._name.setText(self.tr("Unknown number") if unknown else "")
            self._name.setVisible(unknown)
        else:
            self._name.setText(contact.title)
            self._name.setVisible(not several)
        # The choice already names the company of each contact.
        company = contact.company if contact is not None and contact.name and not several else ""
        self._company.setText(company)
        self._company.setVisible(bool(company))
        manager = contact.manager if contact is not None else ""
        self._manager.setText(self.tr("Manager: {name}").format(name=self._employee_name(manager)) if manager else "")
        self._manager.setVisible(bool(manager))
        self._open_crm.setVisible(self.crm_url() is not None)
        if contact is not None:
            self._contact_button.setText(self.tr("Edit contact"))
            self._contact_button.setVisible(contact.id is not None)
        else:
            self._contact_button.setText(self.tr("Create contact"))
            self._contact_button.setVisible(self._call.number is not None)
        self._fit()

    def _describe(self, logged: LoggedCall) -> str:
        stamp = format_when(logged.started.timestamp())
        direction = self.tr("incoming") if logged.direction == "in" else self.tr("outgoing")
        if logged.answered:
            outcome = format_duration(logged.duration) if logged.duration else self.tr("answered")
        elif logged.result is None and logged.stage != "released":
            outcome = self.tr("in progress")
        elif logged.direction == "in":
            outcome = self.tr("missed")
        else:
            outcome = self.tr("no answer")
        return f"{stamp} \u00b7 {direction} \u00b7 {outcome}"

    def _fit(self) -> None:
        """Take the height the content needs at the card's width."""
        layout = self.layout()
        if layout is None or not self._built:
            return
        self.ensurePolished()
        layout.activate()
        width = self.width() if self.minimumWidth() == self.maximumWidth() else self.sizeHint().width()
        height = layout.totalHeightForWidth(width) if layout.hasHeightForWidth() else layout.sizeHint().height()
        height = max(height, layout.totalMinimumSize().height())
        if height != self.height() or self.minimumHeight() != height:
            self.setFixedHeight(height)

    # -- fading ------------------------------------------------------------------------

    def _schedule_fade(self, *, mouse_left: bool = False) -> None:
        hovered = self.underMouse() and not mouse_left
        if not self.pinned and not hovered and not self.fading:
            self._fade_timer.start()

    def _cancel_fade(self) -> None:
        self._fade_timer.stop()
        if self._fade.state() == QPropertyAnimation.State.Running:
            self._fade.stop()
        if self.windowOpacity() < 1.0:
            self.setWindowOpacity(1.0)

    @property
    def fading(self) -> bool:
        """An ended card counting down (or fading) to closing."""
        return self._fade_timer.isActive() or self._fade.state() == QPropertyAnimation.State.Running

    @Slot()
    def _fade_out(self) -> None:
        if self.pinned or self.underMouse() or not self.ended:
            return
        if QGuiApplication.platformName() in OPACITY_PLATFORMS and self.isVisible():
            self._fade.setStartValue(self.windowOpacity())
            self._fade.setEndValue(0.0)
            self._fade.start()
        else:
            self.close()

    def enterEvent(self, event: QEnterEvent) -> None:  # noqa: N802 - Qt override
        self._cancel_fade()
        super().enterEvent(event)

    def leaveEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().leaveEvent(event)
        if self.ended:
            self._schedule_fade(mouse_left=True)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        # A frameless window needs its own edge to stand out from what lies beneath.
        painter = QPainter(self)
        painter.setPen(self.palette().color(QPalette.ColorRole.Dark))
        painter.drawRect(self.rect().adjusted(0, 0, -1, -1))

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        self.size_changed.emit()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        self._tick.stop()
        self._fade_timer.stop()
        super().closeEvent(event)
        if not self._closed_sent:
            self._closed_sent = True
            self.closed.emit(self._call.id)


def _pin_icon(ratio: float) -> QIcon:
    """A white push-pin, drawn so no icon file or font glyph is needed."""
    size = 16
    pixmap = QPixmap(int(size * ratio), int(size * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor("white"), 1.4))
    painter.setBrush(QColor("white"))
    painter.drawRoundedRect(QRectF(4.5, 1, 7, 2.2), 1, 1)  # the cap
    painter.drawPolygon(QPolygonF([QPointF(6, 3), QPointF(10, 3), QPointF(11, 8), QPointF(5, 8)]))
    painter.drawRoundedRect(QRectF(3, 8, 10, 1.8), 0.8, 0.8)  # the base
    painter.drawLine(QPointF(8, 10), QPointF(8, 15))  # the needle
    painter.end()
    return QIcon(pixmap)


def _display(number: str | None) -> str:
    normal = try_normal_form(number)
    return display_number(normal) if normal else (number or "")
