"""Cards on screen: placing, stacking, do-not-disturb, sound, and end to end over HTTP."""

from __future__ import annotations

import asyncio
import io
import math
import sys
import wave
from array import array
from typing import Any

import httpx
import pytest
from PySide6.QtCore import QEvent, QRect, QSize, QUrl
from PySide6.QtWidgets import QApplication

from desktop_app.calls.call_log import CallLog
from desktop_app.calls.dispatcher import CallDispatcher
from desktop_app.calls.tracker import CallState, CallTracker, TrackedCall
from desktop_app.contacts.directory import Contact, ContactDirectory
from desktop_app.core.settings import Settings
from desktop_app.gui.cards.card_stack import GAP, MARGIN, RING_SOUND, CardStack, RingSound, place_cards
from desktop_app.simulator import Delays, Simulator
from desktop_app.webhooks.listener import Listener
from desktop_app.webhooks.types import CallEvent, CallHistory, event_from_dict

TOKEN = "crm-token-for-cards"
IO_TIMEOUT = 10.0  # a safety net against hangs, never an assertion
EMPLOYEES = {"701": "Ivanov Petr", "702": "Smirnova Anna"}
CORNERS = ("top-left", "top-right", "bottom-left", "bottom-right")


class FakeRing:
    def __init__(self) -> None:
        self.plays = 0

    def play(self) -> None:
        self.plays += 1


def event(call_id: str, stage: str, client: str | None = "79991234567", extension: str = "701", **extra: Any):
    return event_from_dict({"id": call_id, "direction": "In", "stage": stage, "client": client,
                            "extension": extension, "phone": "74951112233", **extra})


def make_settings(**popup: Any) -> Settings:
    settings = Settings()
    settings.pbx.extension = "701"
    for key, value in popup.items():
        setattr(settings.popup, key, value)
    return settings


@pytest.fixture
def stores(profile):
    contacts = ContactDirectory(profile.db_path)
    log = CallLog(profile.db_path)
    yield contacts, log
    log.close()
    contacts.close()


@pytest.fixture
def make_stack(qapp, stores):
    made: list[CardStack] = []

    def make(settings: Settings | None = None, **kwargs: Any) -> tuple[CallTracker, CardStack]:
        settings = settings or make_settings()
        tracker = CallTracker.from_settings(settings)
        contacts, log = stores
        kwargs.setdefault("ring", FakeRing())
        kwargs.setdefault("employees", EMPLOYEES)
        stack = CardStack(tracker, settings, contacts=contacts, call_log=log, **kwargs)
        made.append(stack)
        return tracker, stack

    yield make
    for stack in made:
        stack.close()
        stack.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def geometries(stack: CardStack) -> list[QRect]:
    return [card.frameGeometry() for card in stack.visible_cards]


def assert_no_overlap_and_inside(stack: CardStack) -> None:
    area = stack.area()
    rects = geometries(stack)
    for i, rect in enumerate(rects):
        assert area.contains(rect), (rect, area)
        for other in rects[i + 1:]:
            assert not rect.intersects(other), (rect, other)


# --- placing ---------------------------------------------------------------------------------


@pytest.mark.parametrize("corner", CORNERS)
def test_place_cards_stacks_from_the_corner_without_overlap(corner):
    area = QRect(0, 0, 1000, 700)
    sizes = [QSize(300, 200), QSize(300, 150), QSize(320, 250), QSize(300, 300), QSize(300, 200)]
    rects = place_cards(sizes, area, corner)
    placed = [r for r in rects if r is not None]
    assert len(placed) == 5
    first = rects[0]
    if corner == "bottom-right":
        assert (first.right(), first.bottom()) == (area.right(), area.bottom())
    if corner == "top-left":
        assert first.topLeft() == area.topLeft()
    if corner == "top-right":
        assert (first.right(), first.top()) == (area.right(), area.top())
    if corner == "bottom-left":
        assert (first.left(), first.bottom()) == (area.left(), area.bottom())
    for i, rect in enumerate(placed):
        assert area.contains(rect) and rect.size() == sizes[i]
        for other in placed[i + 1:]:
            assert not rect.intersects(other)
    # The second card is stacked right next to the first, away from the corner.
    gap = rects[1].bottom() < first.top() if corner.startswith("bottom") else rects[1].top() > first.bottom()
    assert gap and abs((first.top() - rects[1].bottom() - 1) if corner.startswith("bottom")
                       else (rects[1].top() - first.bottom() - 1)) == GAP


def test_place_cards_leaves_waiting_what_does_not_fit():
    area = QRect(0, 0, 700, 500)
    rects = place_cards([QSize(300, 200)] * 10, area, "bottom-right")
    shown = [r for r in rects if r is not None]
    assert len(shown) == 4  # two columns of two
    assert rects[4:] == [None] * 6
    assert place_cards([QSize(800, 100)], area, "top-left") == [None]
    assert place_cards([QSize(100, 100)], QRect(), "top-left") == [None]


# --- cards for calls ---------------------------------------------------------------------------


def test_a_card_shows_at_once_with_the_contact_and_follows_the_call(make_stack, stores):
    contacts, log = stores
    contacts.add(Contact(name="Petr Ivanov", company="Romashka", phones=("8 (999) 123-45-67",), manager="702"))
    log.record_history("old", "in", "success", 69, 3, client="79991234567", extension="701", when=1_700_000_000)
    tracker, stack = make_stack(fade_delay_ms=20)
    shown = []
    stack.card_shown.connect(shown.append)
    tracker.handle(event("c1", "Alerting"))
    card = stack.card_for("c1")
    assert card is not None and card.isVisible()  # no event loop turn needed
    assert shown == [card]
    assert card.number_text == "+7 999 123-45-67" and card._name.text() == "Petr Ivanov"
    assert card._manager.text() == "Manager: Smirnova Anna (702)"
    assert card._history.count() == 1
    tracker.handle(event("c1", "Talking"))
    assert stack.card_for("c1") is card and card.stage_text.startswith("Talking")
    tracker.handle(event("c1", "Released"))
    assert card.stage_text == "Ended" and card.fading
    assert shown == [card]


def test_ended_cards_go_and_the_rest_close_up(make_stack, qtbot):
    tracker, stack = make_stack(fade_delay_ms=20)
    for i in range(3):
        tracker.handle(event(f"c{i}", "Alerting", client=f"7999111000{i}"))
    first, second, third = stack.cards
    old_third = third.pos()
    with qtbot.waitSignal(first.closed):
        tracker.handle(event("c0", "Released"))
    qtbot.waitUntil(lambda: stack.card_for("c0") is None)
    assert stack.cards == [second, third]
    assert third.pos() != old_third  # moved toward the corner
    assert_no_overlap_and_inside(stack)


def test_a_repeated_or_late_event_makes_no_second_card(make_stack):
    tracker, stack = make_stack()
    tracker.handle(event("d1", "Released"))
    tracker.handle(event("d1", "Alerting"))
    assert stack.cards == []
    tracker.handle(event("d2", "Alerting"))
    tracker.handle(event("d2", "Alerting"))
    assert len(stack.cards) == 1


def test_twenty_calls_at_once_never_overlap(make_stack, qtbot):
    tracker, stack = make_stack(make_settings(show_for="all"), fade_delay_ms=10)
    shown = []
    stack.card_shown.connect(lambda card: shown.append(card.call_id))
    ids = [f"many{i}" for i in range(20)]
    for i, call_id in enumerate(ids):
        tracker.handle(event(call_id, "Alerting", client=f"7999222{i:04d}", extension=str(700 + i)))
        assert_no_overlap_and_inside(stack)
    visible = stack.visible_cards
    assert 2 <= len(visible) < 20 and len(stack.cards) == 20
    assert [c.call_id for c in visible] == ids[: len(visible)]  # the oldest first; the rest wait in order
    for call_id in ids:  # as calls end, the waiting cards take their places
        card = stack.card_for(call_id)
        assert card is not None and card.isVisible()
        with qtbot.waitSignal(card.closed):
            tracker.handle(event(call_id, "Released"))
        assert_no_overlap_and_inside(stack)
    assert sorted(shown) == sorted(ids) and len(shown) == 20
    qtbot.waitUntil(lambda: stack.cards == [])


def test_a_call_that_ends_while_its_card_waits_for_room_never_shows(make_stack):
    tracker, stack = make_stack(make_settings(show_for="all"))
    shown = []
    stack.card_shown.connect(lambda card: shown.append(card.call_id))
    i = 0
    while len(stack.visible_cards) == len(stack.cards):
        tracker.handle(event(f"w{i}", "Alerting", client=f"7999333{i:04d}"))
        i += 1
    waiting = stack.cards[-1]
    assert not waiting.isVisible()
    tracker.handle(event(waiting.call_id, "Released"))
    assert stack.card_for(waiting.call_id) is None and waiting.call_id not in shown
    stack.card_for("w0").close()  # room again: nothing left waiting to appear
    assert len(stack.visible_cards) == len(stack.cards) == i - 2


def test_a_closed_stack_stops_following_the_tracker(make_stack):
    tracker, stack = make_stack()
    tracker.handle(event("a", "Alerting"))
    stack.close()
    assert stack.cards == [] and tracker.on_update == []
    tracker.handle(event("b", "Alerting"))
    assert stack.cards == []


def test_changed_settings_reach_the_tracker(make_stack):
    tracker, stack = make_stack()
    new = make_settings(show_for="all")
    new.pbx.extension = "705"
    stack.apply_settings(new)
    assert (tracker.extension, tracker.show_for) == ("705", "all")


@pytest.mark.parametrize("corner", CORNERS)
def test_cards_go_to_the_chosen_corner_of_the_available_area(make_stack, corner):
    tracker, stack = make_stack(make_settings(corner=corner))
    tracker.handle(event("c", "Alerting"))
    rect = stack.card_for("c").frameGeometry()
    available = stack.screen().availableGeometry()
    x_edge = rect.left() - available.left() if corner.endswith("left") else available.right() - rect.right()
    y_edge = rect.top() - available.top() if corner.startswith("top") else available.bottom() - rect.bottom()
    assert (x_edge, y_edge) == (MARGIN, MARGIN)


def test_changed_settings_move_the_cards(make_stack):
    tracker, stack = make_stack()
    tracker.handle(event("c", "Alerting"))
    card = stack.card_for("c")
    new = make_settings(corner="top-left")
    new.crm.url_template = "https://crm.example.ru/?n={number}"
    stack.apply_settings(new)
    assert card.pos() == stack.area().topLeft()
    assert card._open_crm.isVisibleTo(card)


def test_closing_a_card_keeps_it_closed_for_that_call(make_stack):
    tracker, stack = make_stack()
    tracker.handle(event("c", "Alerting"))
    stack.card_for("c").close()
    assert stack.card_for("c") is None
    tracker.handle(event("c", "Talking"))
    assert stack.cards == []
    tracker.handle(event("c", "Released"))
    assert stack.cards == [] and stack._dismissed == set()


def test_do_not_disturb_suppresses_cards_and_sound(make_stack):
    ring = FakeRing()
    tracker, stack = make_stack(make_settings(sound=True), ring=ring)
    changes = []
    stack.do_not_disturb_changed.connect(changes.append)
    stack.setProperty("do_not_disturb", True)  # as the tray's checkable action does
    assert stack.do_not_disturb is True and changes == [True]
    tracker.handle(event("q", "Alerting"))
    assert stack.cards == [] and ring.plays == 0
    tracker.handle(event("q", "Released"))
    stack.set_do_not_disturb(False)
    assert changes == [True, False]
    tracker.handle(event("r", "Alerting"))
    assert len(stack.visible_cards) == 1 and ring.plays == 1


def test_ring_sound_only_when_enabled_and_ringing(make_stack):
    ring = FakeRing()
    tracker, stack = make_stack(make_settings(sound=False), ring=ring)
    tracker.handle(event("a", "Alerting"))
    assert ring.plays == 0
    stack.apply_settings(make_settings(sound=True))
    tracker.handle(event("b", "Talking"))  # already answered: no ring
    tracker.handle(event("c", "Alerting"))
    tracker.handle(event("c", "Alerting"))
    assert ring.plays == 1


def test_refresh_contacts_after_an_edit(make_stack, stores):
    contacts, _ = stores
    tracker, stack = make_stack()
    tracker.handle(event("c", "Alerting"))
    card = stack.card_for("c")
    assert card._name.text() == "Unknown number"
    contacts.add(Contact(name="New Person", phones=("+79991234567",)))
    stack.refresh_contacts()
    assert card._name.text() == "New Person" and card._contact_button.text() == "Edit contact"


def test_card_requests_reach_the_stack_signals(make_stack, qtbot):
    tracker, stack = make_stack()
    tracker.handle(event("c", "Alerting"))
    card = stack.card_for("c")
    with qtbot.waitSignal(stack.call_back_requested) as back:
        card._call_back.click()
    with qtbot.waitSignal(stack.sms_requested):
        card._sms.click()
    with qtbot.waitSignal(stack.create_contact_requested) as create:
        card._contact_button.click()
    assert back.args == create.args == ["79991234567"]


def test_employees_arrive_later(make_stack):
    tracker, stack = make_stack(make_settings(show_for="all"), employees={})
    tracker.handle(event("c", "Alerting", extension="705"))
    card = stack.card_for("c")
    assert card._employee.text() == "Employee: 705"
    stack.set_employees({"705": "Vasiliev Dmitry"})
    assert card._employee.text() == "Employee: Vasiliev Dmitry (705)"


def test_silent_calls_close_their_cards(make_stack, qtbot):
    tracker, stack = make_stack(fade_delay_ms=10)
    clock = [1_700_000_000.0]
    tracker.clock = lambda: clock[0]
    tracker.handle(event("s", "Alerting"))
    card = stack.card_for("s")
    clock[0] += tracker.ringing_timeout
    with qtbot.waitSignal(card.closed):
        stack._expire.timeout.emit()  # what the periodic timer does
    assert tracker.calls == []


# --- the ring sound ---------------------------------------------------------------------------


def ring_wav() -> bytes:
    """How desktop_app/resources/sounds/ring.wav was made: a soft two-note chime, 16 kHz mono 16-bit."""
    rate = 16000
    samples = array("h")
    for freq, seconds in ((880.0, 0.18), (0.0, 0.04), (1174.66, 0.32)):
        for i in range(int(rate * seconds)):
            if not freq:
                samples.append(0)
                continue
            t = i / rate
            envelope = min(1.0, t / 0.005) * math.exp(-4.0 * t / seconds)
            samples.append(round(0.35 * 32767 * envelope * math.sin(2 * math.pi * freq * t)))
    if sys.byteorder == "big":
        samples.byteswap()  # WAV is little-endian
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(samples.tobytes())
    return out.getvalue()


def test_the_committed_ring_sound_is_a_short_wav_made_by_ring_wav():
    data = RING_SOUND.read_bytes()
    assert data == ring_wav()
    with wave.open(io.BytesIO(data)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 16000)
        assert 0.3 < wav.getnframes() / wav.getframerate() < 1.0


# QtMultimedia probes optional libraries and the audio server when it starts; a test
# machine has neither. Those notes are about the machine, not the code.
@pytest.mark.qt_log_ignore(
    r"Couldn't (load|resolve) .*", r"PulseAudioService: .*", r"QSoundEffect\(qaudio\): .*",
    r"QSoundEffect: playback of this format is not supported.*", r"Using Qt multimedia with FFmpeg.*",
)
def test_ring_sound_loads_the_committed_wav(qtbot):
    from PySide6.QtMultimedia import QSoundEffect

    ring = RingSound()
    assert ring.effect is None  # nothing loads until the first ring
    ring.play()
    effect = ring.effect
    assert effect.source() == QUrl.fromLocalFile(str(RING_SOUND))
    qtbot.waitUntil(lambda: effect.status() in (QSoundEffect.Status.Ready, QSoundEffect.Status.Error))
    # Without an audio device (a test machine) it gives up quietly, once, instead of warning per call.
    assert ring.available == (effect.status() == QSoundEffect.Status.Ready)
    ring.play()
    assert ring.effect is effect
    ring.deleteLater()


# --- end to end over HTTP ---------------------------------------------------------------------


def next_emission(signal) -> asyncio.Future:
    future = asyncio.get_running_loop().create_future()

    def resolve(*args):
        signal.disconnect(resolve)
        if not future.done():
            future.set_result(args[0] if len(args) == 1 else args)

    signal.connect(resolve)
    return future


class Updates:
    """Tracker updates as they come, with what the stack showed at that very moment."""

    def __init__(self, tracker: CallTracker, stack: CardStack) -> None:
        self.stack = stack
        self.seen: list[tuple[str, str, bool]] = []
        self._waiters: list[tuple[str, CallState, asyncio.Future]] = []
        tracker.on_update.append(self._on_update)  # after the stack's own observer

    def _on_update(self, call: TrackedCall) -> None:
        card = self.stack.card_for(call.id)
        self.seen.append((call.id, call.state.value, card is not None and card.isVisible()))
        for waiter in list(self._waiters):
            if waiter[0] == call.id and waiter[1] is call.state and not waiter[2].done():
                waiter[2].set_result(call)
                self._waiters.remove(waiter)

    def wait(self, call_id: str, state: CallState) -> asyncio.Future:
        future = asyncio.get_running_loop().create_future()
        self._waiters.append((call_id, state, future))
        return future


async def start_listener(profile, contacts: ContactDirectory, on_webhook) -> Listener:
    listener = Listener(db_path=profile.db_path, crm_token=TOKEN, host="127.0.0.1", port=0,
                        client_lookup=lambda request: contacts.lookup_client(request.client), on_webhook=on_webhook)
    await listener.start()
    return listener


async def test_end_to_end_webhooks_over_http_open_update_and_close_cards(profile, stores):
    contacts, log = stores
    contacts.add(Contact(name="Petr Ivanov", company="Romashka", phones=("+7 (999) 123 45 67",), manager="702"))
    settings = make_settings()
    tracker = CallTracker.from_settings(settings)
    stack = CardStack(tracker, settings, contacts=contacts, call_log=log, employees=EMPLOYEES, ring=FakeRing(),
                      fade_delay_ms=20)
    updates = Updates(tracker, stack)
    listener = await start_listener(profile, contacts, CallDispatcher(log, tracker))
    try:
        async with httpx.AsyncClient(base_url=listener.url, headers={"X-API-KEY": TOKEN}, timeout=IO_TIMEOUT) as http:
            # The PBX asks who is calling: the directory answers by the number in any form.
            answer = await http.post("/client", json={"id": "e2e", "client": "89991234567", "phone": "74951112233"})
            assert answer.json() == {"name": "Petr Ivanov", "manager": "702"}
            shown = next_emission(stack.card_shown)
            body = {"id": "e2e", "direction": "In", "client": "79991234567", "extension": "701",
                    "phone": "74951112233"}
            assert (await http.post("/event", json={**body, "stage": "Alerting"})).status_code == 200
            card = await asyncio.wait_for(shown, IO_TIMEOUT)
            assert card.call_id == "e2e" and card._name.text() == "Petr Ivanov"
            assert card._manager.text() == "Manager: Smirnova Anna (702)"
            assert card.number_text == "+7 999 123-45-67"
            # A repeated delivery: answered 200, no second card.
            again = await http.post("/event", json={**body, "stage": "alerting"})
            assert again.json().get("duplicate") is True
            talking = updates.wait("e2e", CallState.TALKING)
            await http.post("/event", json={**body, "stage": "Talking"})
            await asyncio.wait_for(talking, IO_TIMEOUT)
            assert card.stage_text.startswith("Talking") and stack.cards == [card]
            closed = next_emission(card.closed)
            await http.post("/event", json={**body, "stage": "Released"})
            assert await asyncio.wait_for(closed, IO_TIMEOUT) == "e2e"
            # A late alerting after the end opens nothing.
            late = await http.post("/event", json={"id": "late", "direction": "In", "stage": "Released",
                                                   "client": "79990000000", "extension": "701"})
            assert late.status_code == 200
            await http.post("/event", json={"id": "late", "direction": "In", "stage": "Alerting",
                                            "client": "79990000000", "extension": "701"})
            await http.get("/health")
            for _ in range(5):
                await asyncio.sleep(0)
        # The card was on screen when the ringing update went out: no wait before showing.
        assert updates.seen[:2] == [("e2e", "ringing", True), ("e2e", "talking", True)]
        assert ("late", "ringing", True) not in updates.seen
        assert stack.card_for("late") is None
        assert log.get("e2e").stage == "released"
    finally:
        await listener.close()
        stack.close()
        stack.deleteLater()


async def test_end_to_end_with_the_simulator_playing_a_call(profile, stores):
    """The built-in PBX simulator plays /client, Alerting, Talking, Released, /history to the listener."""
    contacts, log = stores
    contacts.add(Contact(name="Anna Client", company="Vector", phones=("+7 912 555-01-02",), manager="701"))
    settings = make_settings()
    tracker = CallTracker.from_settings(settings)
    stack = CardStack(tracker, settings, contacts=contacts, call_log=log, employees=EMPLOYEES, ring=FakeRing(),
                      fade_delay_ms=20)
    updates = Updates(tracker, stack)
    shown: list[Any] = []
    stack.card_shown.connect(lambda card: shown.append((card.call_id, card._name.text(), card.number_text)))
    listener = await start_listener(profile, contacts, CallDispatcher(log, tracker))
    sim = Simulator(crm_url=listener.url, crm_token=TOKEN, delays=Delays.none(), seed=3)
    await sim.start()
    try:
        ended = None
        call_id = sim.player.ring(number="79125550102", extension="701")
        ended = updates.wait(call_id, CallState.ENDED)
        await asyncio.wait_for(sim.wait_idle(), IO_TIMEOUT)
        await asyncio.wait_for(ended, IO_TIMEOUT)
        assert [s for s in updates.seen if s[0] == call_id] == [
            (call_id, "ringing", True), (call_id, "talking", True), (call_id, "ended", True)
        ]
        assert shown == [(call_id, "Anna Client", "+7 912 555-01-02")]
        assert sim.player.failed == 0
        assert log.get(call_id).completed  # the history came too
    finally:
        await sim.close()
        await listener.close()
        stack.close()
        stack.deleteLater()
