"""Caller cards on screen: one per call, stacked in a corner, never overlapping.

:class:`CardStack` follows a :class:`~desktop_app.calls.tracker.CallTracker`. A new call
gets its card at once, in the same turn of the event loop as the webhook: the number
shows immediately, the contact and the last calls come from SQLite synchronously
(well under a millisecond: bench/bench_contacts.py). Nothing is awaited before showing.

Cards stack from ``popup.corner`` of the screen's available area (the panel excluded):
away from the corner, then in a new column beside the first. A card that finds no room
waits hidden until one closes. Do-not-disturb shows no new cards (calls are still
tracked and missed calls still counted). ``popup.sound`` plays a short chime when a
card for a ringing call appears.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import Property, QObject, QRect, QTimer, QUrl, Signal, Slot
from PySide6.QtGui import QGuiApplication, QScreen

from desktop_app.calls.call_log import CallLog
from desktop_app.calls.tracker import CallState, CallTracker, TrackedCall
from desktop_app.contacts.directory import ContactDirectory
from desktop_app.gui.cards.caller_card import CallerCard
from desktop_app.core.package_data import RING_SOUND

log = logging.getLogger(__name__)

MARGIN = 12  # from the edges of the available area
GAP = 8  # between cards
EXPIRE_MS = 15_000  # how often silent calls are looked for
LAST_CALLS = 3
_CORNERS = ("top-left", "top-right", "bottom-left", "bottom-right")


class RingSound(QObject):
    """The chime, loaded on first use (QtMultimedia starts its audio backend then)."""

    def __init__(self, path: Path = RING_SOUND, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._path = path
        self._effect: Any = None
        self._failed = False

    @property
    def available(self) -> bool:
        """False once the sound proved unplayable (no QtMultimedia, no audio device)."""
        return not self._failed

    @property
    def effect(self) -> Any:
        """The QSoundEffect once loaded (None before the first play)."""
        return self._effect

    def play(self) -> None:
        if self._failed:
            return
        if self._effect is None:
            try:
                from PySide6.QtMultimedia import QSoundEffect
            except ImportError:  # QtMultimedia is in PySide6-Addons; a trimmed install may lack it
                log.warning("QtMultimedia is not available: no ring sound")
                self._failed = True
                return
            self._effect = QSoundEffect(self)
            self._effect.setSource(QUrl.fromLocalFile(str(self._path)))
            self._effect.statusChanged.connect(self._on_status)
        self._effect.play()  # a sound still loading starts once loaded

    @Slot()
    def _on_status(self) -> None:
        from PySide6.QtMultimedia import QSoundEffect

        if self._effect is not None and self._effect.status() == QSoundEffect.Status.Error:
            log.warning("cannot play %s (no audio device?)", self._path)
            self._failed = True


class CardStack(QObject):
    """The caller cards of the running desk.

    ``contacts`` and ``call_log`` are the app's open stores (their connection lives on
    the GUI thread); ``employees`` maps extensions to names (from the PBX's accounts,
    :meth:`set_employees` when they arrive). ``screen`` is the primary screen unless given.

    Signals:
        card_shown(object): a card became visible (the CallerCard).
        create_contact_requested(str): a card asks to create a contact for this number.
        edit_contact_requested(int): a card asks to edit this contact.
        call_back_requested(str): call this number.
        sms_requested(str): write to this number.
        do_not_disturb_changed(bool)
    """

    card_shown = Signal(object)
    create_contact_requested = Signal(str)
    edit_contact_requested = Signal(int)
    call_back_requested = Signal(str)
    sms_requested = Signal(str)
    do_not_disturb_changed = Signal(bool)

    def __init__(
        self,
        tracker: CallTracker,
        settings: Any,
        *,
        contacts: ContactDirectory | None = None,
        call_log: CallLog | None = None,
        employees: dict[str, str] | None = None,
        screen: QScreen | None = None,
        ring: RingSound | None = None,
        fade_delay_ms: int | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._tracker = tracker
        self._settings = settings
        self._contacts = contacts
        self._call_log = call_log
        self._employees = dict(employees or {})
        self._screen = screen
        self._ring = ring if ring is not None else RingSound(parent=self)
        self._fade_delay_ms = fade_delay_ms
        self._cards: dict[str, CallerCard] = {}  # in arrival order
        self._dismissed: set[str] = set()  # closed by the operator while the call goes on
        self._dnd = False
        self._placing = False
        self._place_again = False
        tracker.on_update.append(self._on_call)
        self._expire = QTimer(self)
        self._expire.setInterval(EXPIRE_MS)
        self._expire.timeout.connect(tracker.expire)
        self._expire.start()
        self._watched_screen: QScreen | None = None
        self._watch_screen()
        app = QGuiApplication.instance()
        if screen is None and app is not None:
            app.primaryScreenChanged.connect(self.relayout)

    def close(self) -> None:
        """Close every card and stop following the tracker (the app is quitting)."""
        self._expire.stop()
        if self._on_call in self._tracker.on_update:
            self._tracker.on_update.remove(self._on_call)
        self.close_all()

    # -- settings ----------------------------------------------------------------------

    def apply_settings(self, settings: Any) -> None:
        """Follow changed settings: the corner, the sound, the CRM template, and the
        tracker's extension and ``show_for``."""
        self._settings = settings
        self._tracker.apply_settings(settings)
        for card in self._cards.values():
            card.set_crm_url_template(settings.crm.url_template)
        self.relayout()

    def set_employees(self, employees: dict[str, str]) -> None:
        self._employees = dict(employees)
        for card in self._cards.values():
            card.set_employees(self._employees)

    def _get_dnd(self) -> bool:
        return self._dnd

    def _set_dnd(self, value: bool) -> None:
        value = bool(value)
        if value != self._dnd:
            self._dnd = value
            self.do_not_disturb_changed.emit(value)

    do_not_disturb = Property(bool, _get_dnd, _set_dnd, notify=do_not_disturb_changed)

    @Slot(bool)
    def set_do_not_disturb(self, value: bool) -> None:
        self._set_dnd(value)

    # -- cards -------------------------------------------------------------------------

    @property
    def cards(self) -> list[CallerCard]:
        """Every card, oldest first (visible or waiting for room)."""
        return list(self._cards.values())

    @property
    def visible_cards(self) -> list[CallerCard]:
        return [card for card in self._cards.values() if card.isVisible()]

    def card_for(self, call_id: str) -> CallerCard | None:
        return self._cards.get(call_id)

    def refresh_contacts(self) -> None:
        """Look the contacts up again (after the operator created or edited one)."""
        for card in self._cards.values():
            card.set_contacts(self._find_contacts(card.call))

    def close_all(self) -> None:
        for card in list(self._cards.values()):
            card.close()

    def _on_call(self, call: TrackedCall) -> None:
        card = self._cards.get(call.id)
        if card is not None:
            card.update_call(call)
            if call.state is CallState.ENDED and not card.isVisible():
                card.close()  # it was waiting for room: no point showing it now
            return
        if call.state is CallState.ENDED:
            self._dismissed.discard(call.id)
            return  # never shown (do-not-disturb, or closed by the operator): nothing to end
        if self._dnd or call.id in self._dismissed:
            return
        self._open(call)

    def _open(self, call: TrackedCall) -> None:
        kwargs: dict[str, Any] = {}
        if self._fade_delay_ms is not None:
            kwargs["fade_delay_ms"] = self._fade_delay_ms
        card = CallerCard(
            call,
            contacts=self._find_contacts(call),
            last_calls=self._find_last_calls(call),
            employees=self._employees,
            crm_url_template=self._settings.crm.url_template,
            show_employee=self._tracker.show_for == "all" or not self._tracker.extension,
            clock=self._tracker.clock,
            **kwargs,
        )
        card.closed.connect(self._on_card_closed)
        card.size_changed.connect(self.relayout)
        card.create_contact_requested.connect(self.create_contact_requested)
        card.edit_contact_requested.connect(self.edit_contact_requested)
        card.call_back_requested.connect(self.call_back_requested)
        card.sms_requested.connect(self.sms_requested)
        self._cards[call.id] = card
        self.relayout()
        if card.isVisible() and call.state is CallState.RINGING and self._settings.popup.sound:
            self._ring.play()

    def _find_contacts(self, call: TrackedCall) -> list:
        if self._contacts is None or not call.number:
            return []
        try:
            return self._contacts.find_by_number(call.number)
        except Exception:  # a broken database must not cost the operator the card
            log.exception("contact lookup for call %r failed", call.id)
            return []

    def _find_last_calls(self, call: TrackedCall) -> list:
        if self._call_log is None or not call.number:
            return []
        try:
            # One more than shown: the log may already hold this very call.
            return self._call_log.last_calls(call.number, limit=LAST_CALLS + 1)
        except Exception:
            log.exception("call log lookup for call %r failed", call.id)
            return []

    @Slot(str)
    def _on_card_closed(self, call_id: str) -> None:
        card = self._cards.pop(call_id, None)
        if card is None:
            return
        if not card.ended and self._tracker.get(call_id) is not None:
            self._dismissed.add(call_id)
        card.deleteLater()
        self.relayout()

    # -- placing -----------------------------------------------------------------------

    def screen(self) -> QScreen | None:
        return self._screen or QGuiApplication.primaryScreen()

    def _watch_screen(self) -> None:
        screen = self.screen()
        if screen is not None and screen is not self._watched_screen:
            screen.availableGeometryChanged.connect(self.relayout)
            self._watched_screen = screen

    def area(self) -> QRect:
        """Where cards may go: the available geometry less the margin."""
        screen = self.screen()
        if screen is None:
            return QRect()
        return screen.availableGeometry().adjusted(MARGIN, MARGIN, -MARGIN, -MARGIN)

    @Slot()
    def relayout(self) -> None:
        """Place every card; show those that fit, hide those that wait for room."""
        if self._placing:
            self._place_again = True  # a card resized while being shown: one more pass
            return
        self._placing = True
        try:
            self._place_again = True
            while self._place_again:
                self._place_again = False
                self._place()
        finally:
            self._placing = False

    def _place(self) -> None:
        self._watch_screen()
        corner = self._settings.popup.corner if self._settings.popup.corner in _CORNERS else "bottom-right"
        placed = place_cards([card.size() for card in self._cards.values()], self.area(), corner)
        for card, rect in zip(list(self._cards.values()), placed):
            if rect is None:
                card.hide()
                continue
            if card.pos() != rect.topLeft():
                card.move(rect.topLeft())
            if not card.isVisible():
                card.show()
                self.card_shown.emit(card)


def place_cards(sizes: list, area: QRect, corner: str) -> list[QRect | None]:
    """Rectangles for cards of ``sizes`` stacked from ``corner`` of ``area``, in columns
    away from it; None for a card with no room left. Rectangles never overlap."""
    right = corner.endswith("right")
    bottom = corner.startswith("bottom")
    result: list[QRect | None] = []
    column_edge = area.right() + 1 if right else area.left()  # the column's outer x edge
    column_width = 0
    y = area.bottom() + 1 if bottom else area.top()
    full = area.isEmpty()
    for size in sizes:
        width, height = size.width(), size.height()
        if full or width > area.width():
            result.append(None)
            continue
        fits = (y - height >= area.top()) if bottom else (y + height <= area.bottom() + 1)
        if not fits and column_width:
            # the next column beside this one
            column_edge = column_edge - column_width - GAP if right else column_edge + column_width + GAP
            column_width = 0
            y = area.bottom() + 1 if bottom else area.top()
            fits = height <= area.height()
        x = column_edge - width if right else column_edge
        if not fits or x < area.left() or x + width > area.right() + 1:
            full = True  # no room further out either: later cards wait too, in order
            result.append(None)
            continue
        top = y - height if bottom else y
        result.append(QRect(x, top, width, height))
        column_width = max(column_width, width)
        y = top - GAP if bottom else top + height + GAP
    return result

