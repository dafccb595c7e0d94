"""The SMS window against the simulator over real HTTP."""

import pytest
from gui_helpers import shown_active, type_text
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from desktop_app.contacts.directory import Contact
from desktop_app.core.settings import Settings
from desktop_app.gui.common.window_state import WindowState
from desktop_app.gui.windows.sms_window import SmsWindow, template_label
from desktop_app.pbx.client import PbxClient

DOMAIN = "test.aicall.ru"  # as in conftest.py
TOKEN = "sim-token"


@pytest.fixture
def settings():
    current = Settings()
    current.ui.sms_templates = ["Здравствуйте! Ваш заказ готов.\nЖдём вас.", "Please call us back", "  "]
    return current


@pytest.fixture
def make_window(qtbot, profile, settings, contacts):
    def make(source):
        window = SmsWindow(source, settings, contacts=contacts, window_state=WindowState(profile))
        qtbot.addWidget(window)
        return window

    return make


async def test_send_button_sends_and_clears_the_text(sim, pbx, make_window, contacts):
    contacts.add(Contact(name="Петров Иван", phones=("+79991234567",)))
    window = make_window(lambda: pbx)
    window.show()
    window.number.setText("8 999 123 45 67")
    assert window.hint.text() == "Петров Иван"
    window.text.setPlainText("Ваш заказ готов")
    window.send_button.click()
    await window.wait_idle()
    assert window.result.text() == "SMS sent to Петров Иван (+7 999 123-45-67)."
    assert [(s["number"], s["text"]) for s in sim.state.sms] == [("79991234567", "Ваш заказ готов")]
    assert window.text.toPlainText() == ""  # a second Send would send it twice


async def test_counter_on_cyrillic_and_latin_text(pbx, make_window):
    window = make_window(lambda: pbx)
    window.show()
    assert window.counter.text() == "0 characters · 0 SMS · 160 left"
    window.text.setFocus()
    type_text(window.text, "Привет")
    assert window.counter.text() == "6 characters · 1 SMS · 64 left"
    assert window.encoding.text().startswith("Cyrillic or other Unicode: 70 characters per SMS")
    window.text.setPlainText("Hello")
    assert window.counter.text() == "5 characters · 1 SMS · 155 left"
    assert window.encoding.text().startswith("Latin alphabet: 160 characters per SMS")
    window.text.setPlainText("a" * 161)
    assert window.counter.text() == "161 characters · 2 SMS · 145 left"
    window.text.setPlainText("я" * 71)
    assert window.counter.text() == "71 characters · 2 SMS · 63 left"
    window.text.setPlainText("Price: 5€")
    assert window.counter.text() == "10 characters · 1 SMS · 150 left"


async def test_templates_insert_their_text(pbx, make_window, settings):
    window = make_window(lambda: pbx)
    labels = [window.templates.itemText(i) for i in range(window.templates.count())]
    assert labels == ["Insert a template…", "Здравствуйте! Ваш заказ готов.", "Please call us back"]
    window.text.setPlainText("Иван, ")
    window.text.moveCursor(window.text.textCursor().MoveOperation.End)
    window.templates.activated.emit(1)
    assert window.text.toPlainText() == "Иван, Здравствуйте! Ваш заказ готов.\nЖдём вас."
    assert window.templates.currentIndex() == 0
    settings.ui.sms_templates = []
    window.apply_settings(settings)
    assert window.templates.count() == 1 and not window.templates.isEnabled()


def test_template_label():
    assert template_label("  Hello\nworld") == "Hello"
    assert template_label("x" * 100) == "x" * 59 + "…"


async def test_forwarded_sms_answers_in_words(sim, pbx, make_window):
    window = make_window(lambda: pbx)
    finished = []
    window.sms_finished.connect(lambda ok, text: finished.append((ok, text)))
    ok, message = await window.send("+7 916 111-22-33", "Hello")
    assert (ok, message) == (True, "SMS sent to +7 916 111-22-33.")
    assert finished == [(True, message)] and not window.isVisible()
    assert sim.state.sms[-1]["number"] == "79161112233"


async def test_gateway_failure_is_explained(sim, pbx, make_window):
    sim.api.faults.add("sms", 500, 1)
    window = make_window(lambda: pbx)
    ok, message = await window.send("+7 916 111-22-33", "Hello")
    assert not ok and message == "The SMS gateway could not send the message: simulated failure of sms"
    assert window.result.text() == message


async def test_wrong_token_is_explained(sim, http, make_window):
    wrong = PbxClient(http, api_url=sim.url, domain=DOMAIN, token="nope")
    window = make_window(lambda: wrong)
    window.number.setText("+7 916 111-22-33")
    window.text.setPlainText("Hello")
    window.send_button.click()
    await window.wait_idle()
    assert window.result.text() == "The PBX refused the API token. Check the token in the settings."
    assert window.text.toPlainText() == "Hello"  # kept to try again
    assert sim.state.sms == []


@pytest.mark.parametrize(
    ("number", "text", "expected"),
    [
        ("", "Hello", "Enter the number to send the SMS to."),
        ("hello", "Hello", "Not a phone number: hello"),
        ("701", "Hello", "Not a phone number: 701"),
        ("+7 999 123-45-67", "  \n ", "Enter the text of the SMS."),
    ],
)
async def test_bad_input_is_refused_before_sending(make_window, number, text, expected):
    def no_pbx():
        raise AssertionError("nothing may be sent")

    window = make_window(no_pbx)
    assert await window.send(number, text) == (False, expected)


async def test_keyboard_enter_moves_on_ctrl_enter_sends_esc_closes(sim, pbx, make_window):
    window = make_window(lambda: pbx)
    await shown_active(window)
    window.number.setText("+7 916 111-22-33")
    QTest.keyClick(window.number, Qt.Key.Key_Return)  # no text yet: on to the text
    assert window.focusWidget() is window.text
    QTest.keyClicks(window.text, "Hi")
    QTest.keyClick(window.text, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    await window.wait_idle()
    assert window.result.text() == "SMS sent to +7 916 111-22-33."
    assert sim.state.sms[-1]["text"] == "Hi"
    QTest.keyClick(window.text, Qt.Key.Key_Escape)
    assert not window.isVisible()


@pytest.fixture
async def slow_pbx(slow_pbx_answering):
    return await slow_pbx_answering({})


async def test_slow_pbx_can_be_cancelled(slow_pbx, http, make_window):
    slow = PbxClient(http, api_url=slow_pbx.server.url, domain=DOMAIN, token=TOKEN)
    window = make_window(lambda: slow)
    window.show()
    window.number.setText("+7 916 111-22-33")
    window.text.setPlainText("Hello")
    window.send_button.click()
    await slow_pbx.arrived.wait()
    assert not window.send_button.isEnabled() and window.cancel_button.isVisible()
    assert window.result.text() == "Sending…"
    window.cancel_button.click()
    await window.wait_idle()
    assert window.result.text() == "Cancelled. If the request reached the PBX, the SMS may still be sent."
    assert window.send_button.isEnabled() and window.text.toPlainText() == "Hello"


async def test_geometry_is_remembered(pbx, make_window):
    window = make_window(lambda: pbx)
    window.show()
    window.setGeometry(50, 70, 520, 470)
    shown = window.geometry()
    window.close()
    again = make_window(lambda: pbx)
    again.show()
    assert again.geometry() == shown
