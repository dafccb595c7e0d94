"""Missed calls: the counted list the tray badge shows, its window, and the path from the webhooks."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from desktop_app.calls.tracker import CallTracker, MissedCall
from desktop_app.contacts.directory import Contact, ContactDirectory
from desktop_app.gui.common.window_state import WindowState
from desktop_app.gui.windows.missed_calls_window import MissedCalls, MissedCallsWindow
from desktop_app.webhooks.listener import Listener
from desktop_app.webhooks.types import event_from_dict, history_from_dict

TOKEN = "crm-token-for-missed"
IO_TIMEOUT = 10.0  # a safety net against hangs, never an assertion
T0 = 1_700_000_000.0


def missed(call_id: str, number: str | None = "79991234567", at: float = T0) -> MissedCall:
    return MissedCall(id=call_id, client=number, number=number, extension="701", phone="74951112233", at=at)


def event(call_id: str, stage: str, client: str = "79991234567", direction: str = "In"):
    return event_from_dict({"id": call_id, "direction": direction, "stage": stage, "client": client,
                            "extension": "701"})


@pytest.fixture
def model(qapp):
    names = {"79991234567": "Petr Ivanov"}
    model = MissedCalls(lambda number: names.get(number, ""))
    yield model
    model.deleteLater()


@pytest.fixture
def window(qtbot, model, profile):
    win = MissedCallsWindow(model, WindowState(profile))
    qtbot.addWidget(win)
    return win


def rows(model: MissedCalls) -> list[str]:
    return [model.index(i, 0).data() for i in range(model.rowCount())]


# --- the model ------------------------------------------------------------------------------


def test_missed_calls_are_listed_newest_first_and_counted(model, qtbot):
    changes = []
    model.changed.connect(lambda: changes.append(model.unseen))
    model.add(missed("a", at=T0))
    model.add(missed("b", "79125550102", at=T0 + 60))
    model.add(missed("a"))  # the same call again: once
    assert model.unseen == 2 and len(model) == 2 and changes == [1, 2]
    assert [m.id for m in model.calls] == ["b", "a"]
    first, second = rows(model)
    assert "+7 912 555-01-02" in first and "Petr" not in first
    assert "+7 999 123-45-67" in second and second.endswith("Petr Ivanov")
    index = model.index(1, 0)
    assert index.data(MissedCalls.NumberRole) == "79991234567"
    assert index.data(MissedCalls.CallIdRole) == "a"
    assert index.data(Qt.ItemDataRole.ToolTipRole) == "Line: +7 495 111-22-33"
    model.mark_seen()
    assert model.unseen == 0 and len(model) == 2 and changes[-1] == 0


def test_hidden_number_and_removal(model):
    model.add(missed("h", None))
    assert "Hidden number" in rows(model)[0]
    assert model.index(0, 0).data(MissedCalls.NumberRole) == ""
    model.remove("h")
    model.remove("unknown")
    assert len(model) == 0 and model.unseen == 0


def test_the_list_is_bounded(qapp):
    model = MissedCalls(limit=3)
    for i in range(5):
        model.add(missed(f"m{i}", f"7999000000{i}"))
    assert [m.id for m in model.calls] == ["m4", "m3", "m2"] and model.unseen == 3
    model.clear()
    assert len(model) == 0 and model.unseen == 0
    model.deleteLater()


def test_tracker_feeds_takes_back_and_settles(model):
    tracker = CallTracker(extension="701")
    model.track(tracker)
    tracker.handle(event("x", "Alerting"))
    tracker.handle(event("x", "Released"))
    tracker.handle(history_from_dict({"id": "y", "direction": "in", "result": "Missed", "duration": 0,
                                      "provision": 9, "client": "79125550102", "extension": "701"}))
    assert [m.id for m in model.calls] == ["y", "x"] and model.unseen == 2
    tracker.handle(event("x", "Talking"))  # it was answered after all (a late delivery)
    assert [m.id for m in model.calls] == ["y"] and model.unseen == 1
    # Talking with that caller later settles the missed call.
    tracker.handle(event("z", "Alerting", client="+7 912 555-01-02", direction="Out"))
    tracker.handle(event("z", "Talking", client="+7 912 555-01-02", direction="Out"))
    assert model.calls == [] and model.unseen == 0


# --- the window -----------------------------------------------------------------------------


def test_opening_the_window_marks_the_calls_seen(window, model, qtbot):
    model.add(missed("a"))
    assert model.unseen == 1
    window.show()
    assert model.unseen == 0
    assert window.list_view.currentIndex().row() == 0
    window.hide()
    model.add(missed("b", "79125550102"))
    assert model.unseen == 1
    window.show()
    qtbot.waitUntil(window.isActiveWindow)
    model.add(missed("c", "79125550103"))  # the operator is looking at the list
    assert model.unseen == 0


def test_enter_calls_back_the_selected_caller(window, model, qtbot):
    model.add(missed("a", at=T0))
    model.add(missed("b", "79125550102", at=T0 + 1))
    window.show()
    window.list_view.setCurrentIndex(model.index(1, 0))
    with qtbot.waitSignal(window.call_back_requested) as back:
        QTest.keyClick(window.list_view, Qt.Key.Key_Return)
    assert back.args == ["79991234567"]
    assert len(model) == 2  # settled by the app only once the call is placed (test_app.py)
    window.list_view.setCurrentIndex(model.index(0, 0))
    with qtbot.waitSignal(window.call_back_requested) as again:
        window._call_back.click()
    assert again.args == ["79125550102"]
    model.resolve_number("79125550102")
    model.resolve_number("79991234567")
    assert len(model) == 0
    assert window._empty.isVisible() and not window._call_back.isEnabled()


def test_double_click_calls_back_and_hidden_numbers_cannot_be(window, model, qtbot):
    model.add(missed("h", None))
    window.show()
    assert not window._call_back.isEnabled()
    with qtbot.assertNotEmitted(window.call_back_requested):
        window.call_back_selected()
    model.add(missed("a"))
    with qtbot.waitSignal(window.call_back_requested):
        window.list_view.doubleClicked.emit(model.index(0, 0))


def test_escape_closes_and_the_geometry_is_remembered(window, model, profile, qtbot):
    window.show()
    window.resize(520, 410)
    QTest.keyClick(window, Qt.Key.Key_Escape)
    assert not window.isVisible()
    again = MissedCallsWindow(model, WindowState(profile))
    qtbot.addWidget(again)
    again.show()
    assert again.size().width() == 520 and again.size().height() == 410


def test_clear_list(window, model):
    model.add(missed("a"))
    window.show()
    window._clear.click()
    assert len(model) == 0 and window._empty.isVisible() and not window._clear.isEnabled()


# --- from the webhooks ----------------------------------------------------------------------


async def test_end_to_end_a_missed_call_over_http_reaches_the_list(profile):
    contacts = ContactDirectory(profile.db_path)
    contacts.add(Contact(name="Petr Ivanov", phones=("8 999 123-45-67",)))
    tracker = CallTracker(extension="701")

    def name_for(number: str) -> str:
        found = contacts.find_by_number(number)
        return found[0].title if found else ""

    model = MissedCalls(name_for)
    model.track(tracker)
    changed = asyncio.get_running_loop().create_future()
    model.changed.connect(lambda: changed.done() or changed.set_result(model.unseen))
    listener = Listener(db_path=profile.db_path, crm_token=TOKEN, host="127.0.0.1", port=0,
                        on_webhook=tracker.handle)
    await listener.start()
    try:
        async with httpx.AsyncClient(base_url=listener.url, headers={"X-API-KEY": TOKEN}, timeout=IO_TIMEOUT) as http:
            body = {"id": "miss-1", "direction": "In", "client": "79991234567", "extension": "701"}
            await http.post("/event", json={**body, "stage": "Alerting"})
            await http.post("/event", json={**body, "stage": "Released"})
            assert await asyncio.wait_for(changed, IO_TIMEOUT) == 1
            await http.post("/history", json={**body, "result": "Missed", "duration": 0, "provision": 20})
            await http.get("/health")
            await asyncio.sleep(0)
        assert [m.id for m in model.calls] == ["miss-1"] and model.unseen == 1
        assert rows(model)[0].endswith("+7 999 123-45-67 \u00b7 Petr Ivanov")
    finally:
        await listener.close()
        contacts.close()
        model.deleteLater()
