"""The dial window against the simulator over real HTTP."""

import asyncio

import pytest
from gui_helpers import shown_active, type_text
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest

from desktop_app.contacts.directory import Contact
from desktop_app.core.http_server import HttpServer, Request, Response
from desktop_app.core.settings import Settings
from desktop_app.gui.common.window_state import WindowState
from desktop_app.gui.windows.dial_window import DialWindow, number_in_text
from desktop_app.pbx.client import PbxClient

DOMAIN = "test.aicall.ru"  # as in conftest.py
TOKEN = "sim-token"


@pytest.fixture
def settings():
    current = Settings()
    current.pbx.extension = "701"
    return current


@pytest.fixture
def make_window(qtbot, profile, settings, contacts, call_log):
    def make(source, **kwargs):
        options = {"contacts": contacts, "call_log": call_log, "window_state": WindowState(profile)}
        options.update(kwargs)
        window = DialWindow(source, settings, **options)
        qtbot.addWidget(window)
        return window

    return make


def calls_to(sim, number):
    return [call for call in sim.state.calls if call.client == number]


async def test_call_button_rings_with_the_chosen_caller_id(sim, pbx, make_window):
    window = make_window(lambda: pbx)
    window.show()
    await window.wait_idle()  # the company's numbers load when the window opens
    assert window.callerid.itemText(0) == "Default" and window.callerid.itemData(0) is None
    assert window.callerid.count() == 1 + len(sim.state.numbers)
    window.callerid.setCurrentIndex(window.callerid.findData("74952302344"))
    window.number.setText("8 (999) 765-43-21")
    window.call_button.click()
    await window.wait_idle()
    assert window.result.text() == "Your phone 701 is ringing: pick it up to call +7 999 765-43-21"
    await sim.wait_idle()
    [call] = calls_to(sim, "79997654321")
    assert (call.account, call.via) == ("701", "74952302344")
    assert window.recent.item(0).text().startswith("+7 999 765-43-21")  # remembered at once


async def test_enter_calls_and_names_a_known_contact(sim, pbx, make_window, contacts):
    contacts.add(Contact(name="Петров Иван", phones=("+79991234567",)))
    window = make_window(lambda: pbx)
    window.show()
    await window.wait_idle()
    before = len(sim.state.calls)
    window.number.setText("tel:+7-999-123-45-67")
    assert window.hint.text() == "Петров Иван"
    QTest.keyClick(window.number, Qt.Key.Key_Return)
    await window.wait_idle()
    assert window.result.text() == "Your phone 701 is ringing: pick it up to call Петров Иван (+7 999 123-45-67)"
    await sim.wait_idle()
    [call] = sim.state.calls[before:]
    assert (call.client, call.via) == ("79991234567", sim.state.numbers[0].number)  # "Default": the PBX's choice


async def test_forwarded_call_answers_in_words_without_a_window(sim, pbx, make_window):
    window = make_window(lambda: pbx)
    finished = []
    window.call_finished.connect(lambda ok, text: finished.append((ok, text)))
    ok, message = await window.call("+7 916 111-22-33", clid="74951112233")
    assert ok and message == "Your phone 701 is ringing: pick it up to call +7 916 111-22-33"
    assert finished == [(True, message)] and window.result.text() == message
    assert not window.isVisible()
    ok, message = await window.call("+7 916 111-22-33", clid="74990000000")
    assert not ok and message.startswith("The PBX did not accept the request (validation error): clid")


async def test_wrong_token_is_explained(sim, http, make_window):
    wrong = PbxClient(http, api_url=sim.url, domain=DOMAIN, token="not-the-token")
    window = make_window(lambda: wrong)
    window.show()
    await window.wait_idle()
    assert window.callerid_note.isVisible()
    assert window.callerid_note.text() == (
        "Could not load the company's numbers: The PBX refused the API token. Check the token in the settings.")
    ok, message = await window.call("89991234567")
    assert not ok and message == "The PBX refused the API token. Check the token in the settings."
    assert window.result.text() == message


async def test_unknown_employee_is_explained(pbx, make_window, settings):
    settings.pbx.extension = "799"
    window = make_window(lambda: pbx)
    ok, message = await window.call("89991234567")
    assert not ok and message == "Employee 799 was not found on the PBX: employee not found: 799"


@pytest.mark.parametrize(
    ("number", "extension", "expected"),
    [
        ("", "701", "Enter a number to call."),
        ("call me maybe", "701", "Not a phone number: call me maybe"),
        ("+7 999 12", "701", "Not a phone number: +7 999 12"),
        ("89991234567", "", "Your extension is not set: enter it in the settings."),
    ],
)
async def test_bad_input_is_refused_before_sending(make_window, settings, number, extension, expected):
    settings.pbx.extension = extension

    def no_pbx():
        raise AssertionError("nothing may be sent")

    window = make_window(no_pbx)
    assert await window.call(number) == (False, expected)
    assert window.result.text() == expected


async def test_missing_configuration_is_explained(make_window):
    from desktop_app.core.texts import Text
    from desktop_app.pbx.client import PbxNotConfigured

    def not_configured():
        raise PbxNotConfigured(Text("pbx", "The PBX API token is not set."))

    window = make_window(not_configured)
    assert await window.call("89991234567") == (False, "The PBX API token is not set.")


class SlowPbx:
    """A PBX that answers reads at once with [] and holds every other request until released."""

    def __init__(self) -> None:
        self.arrivals: asyncio.Queue[str] = asyncio.Queue()
        self.release = asyncio.Event()
        self.server = HttpServer(self.handle)

    async def handle(self, request: Request) -> Response:
        if request.method == "GET":
            return Response.json(200, [])
        self.arrivals.put_nowait(request.path.rsplit("/", 1)[-1])
        await self.release.wait()
        return Response.json(201, {})

    async def held(self) -> str:
        """The command of the next request held."""
        return await self.arrivals.get()


@pytest.fixture
async def slow_pbx(http):
    pbx = SlowPbx()
    await pbx.server.start()
    yield pbx
    pbx.release.set()
    await pbx.server.close()


async def test_slow_pbx_keeps_the_window_alive_and_can_be_cancelled(slow_pbx, http, make_window):
    slow = PbxClient(http, api_url=slow_pbx.server.url, domain=DOMAIN, token=TOKEN)
    window = make_window(lambda: slow)
    await shown_active(window)
    window.number.setText("89991234567")
    window.call_button.click()
    assert await slow_pbx.held() == "makecall"
    assert window.requests.busy
    assert not window.call_button.isEnabled() and window.cancel_button.isVisible()
    assert window.result.text() == "Asking the PBX to call 89991234567…"
    QTest.keyClick(window.number, Qt.Key.Key_Escape)  # Esc cancels first...
    await window.wait_idle()
    assert window.result.text() == "Cancelled. If the request reached the PBX, your phone may still ring."
    assert window.call_button.isEnabled() and not window.cancel_button.isVisible()
    assert window.isVisible()
    QTest.keyClick(window.number, Qt.Key.Key_Escape)  # ...then closes
    assert not window.isVisible()


async def test_cancelling_a_forwarded_call_answers_it(slow_pbx, http, make_window):
    slow = PbxClient(http, api_url=slow_pbx.server.url, domain=DOMAIN, token=TOKEN)
    window = make_window(lambda: slow)
    forwarded = asyncio.ensure_future(window.call("89991234567"))
    assert await slow_pbx.held() == "makecall"
    window.cancel_button.click()
    ok, message = await forwarded
    assert not ok and message.startswith("Cancelled.")


async def test_shutdown_cancels_the_caller_too(slow_pbx, http, make_window):
    slow = PbxClient(http, api_url=slow_pbx.server.url, domain=DOMAIN, token=TOKEN)
    window = make_window(lambda: slow)
    forwarded = asyncio.ensure_future(window.call("89991234567"))
    assert await slow_pbx.held() == "makecall"
    forwarded.cancel()
    with pytest.raises(asyncio.CancelledError):
        await forwarded
    assert not window.requests.busy


async def test_clipboard_number_is_offered(pbx, make_window, contacts):
    contacts.add(Contact(name="Сидорова Елена", phones=("89161112233",)))
    QGuiApplication.clipboard().setText("Перезвоните: +7 (916) 111-22-33, спасибо")
    window = make_window(lambda: pbx)
    window.show()
    await window.wait_idle()
    assert window.number.text() == "+7 916 111-22-33"
    assert window.number.selectedText() == window.number.text()  # typing replaces it
    assert window.hint.text() == "From the clipboard: Сидорова Елена"
    QGuiApplication.clipboard().setText("")


def test_number_in_text():
    assert number_in_text("8 999 123-45-67") == "79991234567"
    assert number_in_text("Call +49 1511 2345678 today") == "4915112345678"
    assert number_in_text("701") is None  # an extension is not offered
    assert number_in_text("order 12345 shipped") is None
    assert number_in_text("x" * 600 + " 89991234567") is None


# The suggestions popup grabs the keyboard; the offscreen platform cannot, and says so.
@pytest.mark.qt_log_ignore("This plugin does not support grabbing the keyboard")
async def test_suggestions_from_contacts_and_recent_calls(pbx, make_window, contacts, call_log):
    contacts.add(Contact(name="Петров Иван", phones=("+79991234567",)))
    contacts.add(Contact(company="ООО «Ромашка»", phones=("+74950001122", "+79035556677")))
    call_log.record_event("c1", "in", "released", client="79260001234", extension="701", when=1_700_000_000)
    call_log.record_event("c2", "out", "released", client="79991234567", extension="701", when=1_700_000_100)
    window = make_window(lambda: pbx)
    window.show()
    await window.wait_idle()
    assert [window.recent.item(i).text() for i in range(window.recent.count())] == [
        "+7 999 123-45-67    Петров Иван", "+7 926 000-12-34"]
    type_text(window.number, "ром")
    model = window.suggestions.model
    labels = [model.item(row).text() for row in range(model.rowCount())]
    assert labels == ["ООО «Ромашка» — +7 495 000-11-22", "ООО «Ромашка» — +7 903 555-66-77"]
    window.number.clear()
    type_text(window.number, "8926")
    labels = [model.item(row).text() for row in range(model.rowCount())]
    assert labels == ["+7 926 000-12-34"]
    completer = window.suggestions.completer
    completer.popup().hide()
    # Choosing a suggestion puts its number in the field.
    completer.activated[str].emit(model.item(0).data(completer.completionRole()))
    assert window.number.text() == "+7 926 000-12-34"


async def test_recent_row_fills_the_number_and_activating_it_calls(sim, pbx, make_window, call_log):
    call_log.record_event("c1", "in", "released", client="79260001234", extension="701", when=1_700_000_000)
    window = make_window(lambda: pbx)
    window.show()
    await window.wait_idle()
    window.recent.setCurrentRow(0)
    assert window.number.text() == "+7 926 000-12-34"
    window.recent.itemActivated.emit(window.recent.item(0))
    await window.wait_idle()
    assert window.result.text().startswith("Your phone 701 is ringing")
    await sim.wait_idle()
    assert calls_to(sim, "79260001234")


async def test_geometry_is_remembered(pbx, make_window):
    window = make_window(lambda: pbx)
    window.show()
    window.setGeometry(40, 60, 530, 410)
    await window.wait_idle()
    shown = window.geometry()
    window.close()
    again = make_window(lambda: pbx)
    again.show()
    await again.wait_idle()
    assert again.geometry() == shown
