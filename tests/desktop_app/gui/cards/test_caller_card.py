"""The caller card: what it shows, what its buttons do, how it fades, and that it never takes focus."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest
import xvfb
from PySide6.QtCore import QEvent, QObject, QPointF, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QEnterEvent, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

from desktop_app.calls.call_log import LoggedCall
from desktop_app.calls.tracker import CallState, EndReason, TrackedCall
from desktop_app.contacts.directory import Contact
from desktop_app.gui.cards.caller_card import CallerCard, crm_url, format_duration
from desktop_app.webhooks.types import Direction

ROOT = Path(__file__).resolve().parents[4]
T0 = 1_700_000_000.0
EMPLOYEES = {"701": "Ivanov Petr", "702": "Smirnova Anna"}
IVANOV = Contact(id=7, name="Petr Ivanov", company="Romashka LLC", phones=("79991234567",), manager="702",
                 crm_url="")


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


def call(state: CallState = CallState.RINGING, **changes) -> TrackedCall:
    base = TrackedCall(id="call-1", direction=Direction.IN, state=state, client="79991234567",
                       number="79991234567", extension="701", phone="74951112233", when=None,
                       seen_at=T0, updated_at=T0)
    if state is CallState.TALKING:
        base = dataclasses.replace(base, talking_since=T0)
    return dataclasses.replace(base, **changes)


def logged(call_id: str, direction: str, result: str | None, duration: int | None, day: int) -> LoggedCall:
    return LoggedCall(call_id=call_id, direction=direction, client="79991234567", extension="701",
                      phone="74951112233", stage="released", result=result, duration=duration, provision=3,
                      record_url="", started=datetime(2024, 3, day, 10, 0, tzinfo=UTC), completed=True)


@pytest.fixture
def make_card(qtbot):
    def make(tracked: TrackedCall | None = None, **kwargs) -> CallerCard:
        kwargs.setdefault("employees", EMPLOYEES)
        card = CallerCard(tracked or call(), **kwargs)
        card.move(300, 300)  # away from the (offscreen) mouse pointer, which would hold it
        qtbot.addWidget(card)
        return card

    return make


class UrlCatcher(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url.toString(QUrl.ComponentFormattingOption.FullyEncoded))


@pytest.fixture
def opened_urls():
    """QDesktopServices' own hook: URLs the card opens land here instead of a browser."""
    catcher = UrlCatcher()
    for scheme in ("http", "https"):
        QDesktopServices.setUrlHandler(scheme, catcher, "open")
    yield catcher.urls
    for scheme in ("http", "https"):
        QDesktopServices.unsetUrlHandler(scheme)


# --- what it shows ---------------------------------------------------------------------------


def test_known_caller_shows_contact_company_manager_and_line(make_card):
    card = make_card(contacts=[IVANOV])
    card.show()
    assert card.number_text == "+7 999 123-45-67"
    assert card._direction.text() == "Incoming call"
    assert card.stage_text == "Ringing"
    assert card._name.text() == "Petr Ivanov" and card._name.isVisible()
    assert card._company.text() == "Romashka LLC"
    assert card._manager.text() == "Manager: Smirnova Anna (702)"
    assert card._line.text() == "Line: +7 495 111-22-33"
    assert not card._choice.isVisible()
    assert card._contact_button.text() == "Edit contact"


def test_manager_falls_back_to_the_extension(make_card):
    card = make_card(contacts=[dataclasses.replace(IVANOV, manager="799")], employees={})
    assert card._manager.text() == "Manager: 799"
    card.set_employees({"799": "Kozlov Ivan"})
    assert card._manager.text() == "Manager: Kozlov Ivan (799)"


def test_unknown_number(make_card):
    card = make_card(call(direction=Direction.OUT))
    card.show()
    assert card._direction.text() == "Outgoing call"
    assert card._name.text() == "Unknown number"
    assert not card._manager.isVisible() and not card._company.isVisible()
    assert card._contact_button.text() == "Create contact"


def test_hidden_number_offers_no_call_back(make_card):
    card = make_card(call(client=None, number=None, phone=None))
    card.show()
    assert card.number_text == "Hidden number"
    assert not card._name.isVisible() and not card._line.isVisible()
    for button in (card._call_back, card._sms, card._copy, card._contact_button):
        assert not button.isVisible()


def test_several_contacts_offer_a_choice(make_card, qtbot):
    other = Contact(id=9, name="Olga Ivanova", company="Vector", phones=("79991234567",), manager="701")
    card = make_card(contacts=[IVANOV, other])
    card.show()
    assert card._choice.isVisible() and not card._name.isVisible()
    assert [card._choice.itemText(i) for i in range(2)] == ["Petr Ivanov \u2014 Romashka LLC",
                                                            "Olga Ivanova \u2014 Vector"]
    assert card._manager.text() == "Manager: Smirnova Anna (702)"
    card._choice.setCurrentIndex(1)
    assert card.contact.id == 9
    assert card._manager.text() == "Manager: Ivanov Petr (701)"
    with qtbot.waitSignal(card.edit_contact_requested) as edit:
        card._contact_button.click()
    assert edit.args == [9]
    card.set_contacts([IVANOV, other])  # a refresh keeps the choice
    assert card.contact.id == 9


def test_company_only_contact_is_named_by_its_company(make_card):
    card = make_card(contacts=[Contact(id=3, company="Globex", phones=("79991234567",))])
    assert card._name.text() == "Globex" and not card._company.isVisible()


def test_foreign_and_internal_numbers(make_card):
    card = make_card(call(client="4915112345678", number="4915112345678"))
    assert card.number_text == "+49 1511 2345678"
    internal = make_card(call(id="i", client="703", number="703"))
    assert internal.number_text == "703"
    assert not internal._sms.isVisible()


def test_last_three_calls_without_the_current_one(make_card):
    history = [
        logged("call-1", "in", None, None, 15),  # this very call, already in the log
        logged("a", "in", "success", 69, 14),
        logged("b", "out", "busy", 0, 13),
        logged("c", "in", "missed", 0, 12),
        logged("d", "in", "success", 5, 11),
    ]
    card = make_card(last_calls=history)
    card.show()
    rows = [card._history.itemAt(i).widget().text() for i in range(card._history.count())]
    assert len(rows) == 3 and card._history_title.isVisible()
    assert rows[0].endswith("incoming \u00b7 1:09")
    assert rows[1].endswith("outgoing \u00b7 no answer")
    assert rows[2].endswith("incoming \u00b7 missed")
    card.set_last_calls([])
    assert card._history.count() == 0 and not card._history_title.isVisible()


def test_stage_ringing_talking_with_timer_and_ended(make_card, qtbot):
    clock = Clock()
    card = make_card(clock=clock)
    card.show()
    def header() -> str:
        return card._header.palette().color(QPalette.ColorRole.Window).name()

    assert header() == "#2e7d32"
    card.update_call(call(CallState.TALKING))
    assert card.stage_text == "Talking 0:00" and header() == "#1565c0"
    clock.now = T0 + 65
    qtbot.waitUntil(lambda: card.stage_text == "Talking 1:05")  # the card's own ticking
    card.update_call(call(CallState.ENDED, talking_since=T0, ended_at=T0 + 70, end_reason=EndReason.RELEASED))
    assert card.stage_text == "Ended" and header() == "#616161"
    assert not card._tick.isActive()
    card.update_call(call(CallState.ENDED, missed=True, end_reason=EndReason.RELEASED))
    assert card.stage_text == "Missed" and header() == "#c62828"
    assert not card._employee.isVisible()
    card.update_call(call(CallState.ENDED, extension="702", end_reason=EndReason.ANSWERED_ELSEWHERE))
    assert card.stage_text == "Ended"
    assert card._employee.text() == "Answered by Smirnova Anna (702)" and card._employee.isVisible()
    with pytest.raises(ValueError):
        card.update_call(call(id="another"))


def test_employee_line_in_all_mode(make_card):
    mine = make_card()
    mine.show()
    assert not mine._employee.isVisible()
    card = make_card(show_employee=True)
    card.show()
    assert card._employee.text() == "Employee: Ivanov Petr (701)" and card._employee.isVisible()


def test_format_duration():
    assert [format_duration(s) for s in (0, 9, 69, 605, 3725, -3)] == ["0:00", "0:09", "1:09", "10:05", "1:02:05",
                                                                      "0:00"]


# --- buttons -------------------------------------------------------------------------------


def test_call_back_sms_and_create_contact_signals(make_card, qtbot):
    card = make_card()
    card.show()
    with qtbot.waitSignal(card.call_back_requested) as back:
        card._call_back.click()
    with qtbot.waitSignal(card.sms_requested) as sms:
        card._sms.click()
    with qtbot.waitSignal(card.create_contact_requested) as create:
        card._contact_button.click()
    assert back.args == sms.args == create.args == ["79991234567"]


def test_copy_number_puts_the_international_form_on_the_clipboard(make_card):
    card = make_card()
    card._copy.click()
    assert QGuiApplication.clipboard().text() == "+79991234567"
    internal = make_card(call(id="i", client="703", number="703"))
    internal.copy_number()
    assert QGuiApplication.clipboard().text() == "703"


def test_crm_url_template_fills_and_encodes(make_card, opened_urls):
    card = make_card(call(id="a b/1", extension="701"),
                     crm_url_template="https://crm.example.ru/find?phone={number}&call={id}&ext={extension}")
    card.show()
    assert card._open_crm.isVisible()
    card._open_crm.click()
    assert opened_urls == ["https://crm.example.ru/find?phone=79991234567&call=a%20b%2F1&ext=701"]


def test_no_template_no_crm_button_but_a_contact_link_wins(make_card, opened_urls):
    card = make_card()
    card.show()
    assert not card._open_crm.isVisible() and card.crm_url() is None
    linked = make_card(contacts=[dataclasses.replace(IVANOV, crm_url="https://crm.example.ru/contact/7")],
                       crm_url_template="https://crm.example.ru/find?phone={number}")
    linked.show()
    linked.open_crm()
    assert opened_urls == ["https://crm.example.ru/contact/7"]


@pytest.mark.parametrize("template", ["https://crm/{phone}", "https://crm/{0}", "https://crm/{", "ftp://crm/{number}",
                                      "crm/{number}"])
def test_bad_templates_hide_the_button(template, caplog):
    assert crm_url(template, number="7999", call_id="c", extension="701") is None
    assert "url_template" in caplog.text


def test_pin_and_close(make_card, qtbot):
    card = make_card()
    card.show()
    with qtbot.waitSignal(card.pinned_changed) as pinned:
        card._pin.click()
    assert pinned.args == [True] and card.pinned
    with qtbot.waitSignal(card.closed) as closed:
        card._close.click()
    assert closed.args == ["call-1"] and not card.isVisible()


# --- fading ----------------------------------------------------------------------------------


def ended(**changes) -> TrackedCall:
    return call(CallState.ENDED, ended_at=T0, end_reason=EndReason.RELEASED, **changes)


def test_an_ended_card_fades_out_by_itself(make_card, qtbot):
    card = make_card(fade_delay_ms=30)
    card.show()
    assert not card.fading
    with qtbot.waitSignal(card.closed):
        card.update_call(ended())
    assert not card.isVisible()


def test_a_pinned_card_stays_until_unpinned(make_card, qtbot):
    card = make_card(fade_delay_ms=30)
    card.show()
    card.set_pinned(True)
    card.update_call(ended())
    assert not card.fading and card.isVisible()
    with qtbot.waitSignal(card.closed):
        card.set_pinned(False)


def test_hovering_holds_the_card(make_card, qtbot):
    card = make_card(fade_delay_ms=30)
    card.show()
    card.update_call(ended())
    assert card.fading
    inside = QPointF(10, 10)
    QApplication.sendEvent(card, QEnterEvent(inside, inside, card.mapToGlobal(inside)))
    assert not card.fading
    with qtbot.waitSignal(card.closed):
        QApplication.sendEvent(card, QEvent(QEvent.Type.Leave))


def test_a_new_stage_cancels_the_fade(make_card):
    card = make_card(fade_delay_ms=60_000)
    card.update_call(ended())
    assert card.fading
    card.set_pinned(True)
    card.set_pinned(False)
    assert card.fading


# --- focus -------------------------------------------------------------------------------------


def test_card_is_a_tool_window_that_does_not_take_focus(make_card):
    card = make_card(contacts=[IVANOV, dataclasses.replace(IVANOV, id=8)])
    flags = card.windowFlags()
    for flag in (Qt.WindowType.Tool, Qt.WindowType.FramelessWindowHint, Qt.WindowType.WindowStaysOnTopHint,
                 Qt.WindowType.WindowDoesNotAcceptFocus):
        assert flags & flag == flag
    assert card.testAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
    # Even a click on one of its buttons leaves the keyboard where the operator was typing.
    takers = [w for w in card.findChildren(QWidget)
              if w.isVisibleTo(card) and w.focusPolicy() != Qt.FocusPolicy.NoFocus]
    assert takers == []


FOCUS_CHILD = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, sys.argv[1])
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication, QLineEdit
    from desktop_app.calls.tracker import CallTracker
    from desktop_app.gui.cards.card_stack import CardStack
    from desktop_app.core.settings import Settings
    from desktop_app.webhooks.types import event_from_dict

    app = QApplication([])

    def spin(ms):
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    editor = QLineEdit()
    editor.setObjectName("editor")
    editor.show()
    editor.activateWindow()
    editor.setFocus()
    for _ in range(50):
        if app.focusWindow() is not None:
            break
        spin(20)
    before = (app.focusWindow().objectName() if app.focusWindow() else None, editor.isActiveWindow())
    settings = Settings()
    tracker = CallTracker(show_for="all")
    stack = CardStack(tracker, settings)
    tracker.handle(event_from_dict({"id": "c1", "direction": "In", "stage": "Alerting", "client": "79991234567"}))
    card = stack.card_for("c1")
    spin(300)  # let the window system act on the new window
    tracker.handle(event_from_dict({"id": "c1", "direction": "In", "stage": "Talking"}))
    spin(300)
    after = (app.focusWindow().objectName() if app.focusWindow() else None, editor.isActiveWindow())
    print(repr((before, after, card.isVisible(), card.isActiveWindow(), app.focusWidget() is editor)))
    """
)


@pytest.mark.slow
@pytest.mark.skipif(not xvfb.available, reason="needs Xvfb: the offscreen platform activates every window")
def test_card_never_takes_focus_on_a_real_x_server(tmp_path):
    """Offscreen Qt makes every shown window active whatever it asks, so this runs a real
    X server (Xvfb) in a child: the operator's editor keeps the focus while a card shows."""
    script = tmp_path / "focus_child.py"
    script.write_text(FOCUS_CHILD)
    with xvfb.virtual_display() as display:
        env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb")
        result = subprocess.run([sys.executable, "-P", str(script), str(ROOT)], env=env, capture_output=True,
                                text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    before, after, card_visible, card_active, editor_focused = eval(result.stdout.strip().splitlines()[-1])
    assert before == ("editorWindow", True)
    assert card_visible and not card_active
    assert after == before and editor_focused
