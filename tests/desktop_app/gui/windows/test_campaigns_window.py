"""The campaigns window as an operator uses it, against the simulator over real HTTP, with
the robot's reports coming through the desk's real listener."""

from __future__ import annotations

import asyncio
import codecs
import csv
import tomllib

import pytest
from PySide6.QtWidgets import QFileDialog

from desktop_app.calls.dispatcher import CallDispatcher
from desktop_app.campaigns.follower import ReportFollower
from desktop_app.campaigns.store import CallState, CampaignStore, NewCall
from desktop_app.core.settings import CallbackRule, Settings
from desktop_app.gui.common.window_state import WindowState
from desktop_app.gui.windows.campaign_tables import CallbacksModel, CallsModel
from desktop_app.gui.windows.campaigns_window import CampaignsWindow
from desktop_app.pbx.client import PbxClient
from desktop_app.simulator import Delays, Simulator
from desktop_app.webhooks.listener import Listener

DOMAIN = "test.aicall.ru"
TOKEN = "sim-token"
CRM_TOKEN = "crm-secret"
WAIT_SECONDS = 30
PARKED = Delays(0, 0, 0, queue=3600, robot=0)


@pytest.fixture
def store(profile):
    opened = CampaignStore(profile.db_path)
    yield opened
    opened.close()


@pytest.fixture
def settings():
    s = Settings()
    s.pbx.extension = "701"
    s.campaigns.batch_size = 20
    s.campaigns.callback_rules = [CallbackRule(name="Перенести", var="someAnswer", equals="перенести")]
    return s


@pytest.fixture
async def listener(profile, store, settings):
    follower = ReportFollower(store, settings.campaigns.callback_rules)
    running = Listener(db_path=profile.db_path, crm_token=CRM_TOKEN, port=0,
                       on_webhook=CallDispatcher(None, None, follower))
    await running.start()
    yield running
    await running.close()


@pytest.fixture
async def make_sim(http, listener):
    started = []

    async def make(delays: Delays = Delays.none()) -> Simulator:
        sim = Simulator(domain=DOMAIN, token=TOKEN, crm_url=listener.url, crm_token=CRM_TOKEN, delays=delays, seed=2)
        await sim.start()
        started.append(sim)
        return sim

    yield make
    for sim in started:
        await sim.close()
    # Now, while the loop runs: the listener's connections from the simulator end with it
    # (later, Qt's own event processing would wake them outside the loop).
    await listener.close()


@pytest.fixture
async def make_window(qtbot, profile, store, settings, http, tmp_path):
    made = []

    def make(sim: Simulator, **kwargs):
        pbx = PbxClient(http, api_url=sim.url, domain=DOMAIN, token=TOKEN)
        options = {"window_state": WindowState(profile), "files_dir": tmp_path}
        options.update(kwargs)
        window = CampaignsWindow(store, profile.db_path, lambda: pbx, settings, profile.config_path, **options)
        qtbot.addWidget(window)
        made.append(window)
        return window

    yield make
    for window in made:
        window.close()
        await window.wait_idle()


def write_list(path, rows: int, *, bad: int = 0) -> None:
    lines = ["Телефон;Имя"] + [f"+7 916 {i // 10000:03d}-{i // 100 % 100:02d}-{i % 100:02d};Клиент {i}"
                              for i in range(1, rows + 1)]
    lines += ["не номер;Плохой"] * min(bad, 1) + ["+7 916 000-00-01;Дубль"] * max(bad - 1, 0)
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1251"))


async def until(condition, signal) -> None:
    """Await ``signal`` until ``condition()`` holds (the window reloads on its own timer)."""
    if condition():
        return
    done = asyncio.get_running_loop().create_future()

    def check(*_args) -> None:
        if condition() and not done.done():
            done.set_result(None)

    signal.connect(check)
    try:
        async with asyncio.timeout(WAIT_SECONDS):
            await done
    finally:
        signal.disconnect(check)


def column(window, index):
    model = window.calls_model
    return [model.text(row, index) for row in range(model.rowCount())]


async def load(window, path) -> None:
    asked = []
    window.ask_open_path = lambda caption, start, name_filter, chosen: asked.append(chosen)
    window.load_button.click()
    asked[0](path)
    await window.wait_idle()


async def test_a_list_is_previewed_sent_in_batches_and_followed_live(make_sim, make_window, store, tmp_path):
    sim = await make_sim()
    window = make_window(sim)
    window.show()
    window.campaign.setValue(1)
    source = tmp_path / "list.csv"
    write_list(source, 60, bad=2)
    await load(window, source)

    assert window.list_summary.text() == "list.csv: 62 rows, 60 ready to send, 2 with problems."
    assert window.preview.rowCount() == 50  # the first rows
    headers = [window.preview.horizontalHeaderItem(c).text() for c in range(window.preview.columnCount())]
    assert headers == ["Line", "Id", "Number", "Имя"]
    assert [window.preview.item(0, c).text() for c in (0, 2, 3)] == ["2", "+7 916 000-00-01", "Клиент 1"]
    assert window.problems.isVisibleTo(window)
    assert window.problems.toPlainText().splitlines() == [
        "Line 62: Not a phone number: не номер", "Line 63: The number +7 916 000-00-01 is already on line 2"]
    assert window.send_button.text() == "&Send 60 calls" and store.calls(1) == []  # nothing sent before asked

    window.send_button.click()
    assert not window.send_button.isEnabled()  # a double click sends nothing twice
    await window.wait_idle()
    assert window.result.text() == "Queued 60 calls."
    assert window.preview.rowCount() == 0
    window.tabs.setCurrentIndex(1)
    await until(lambda: column(window, CallsModel.STATE) == ["Done"] * 60, window.calls_model.modelReset)
    assert set(column(window, CallsModel.RESULT)) <= {"Success", "Not connected"}
    assert "Calls: 60" in window.totals.text() and "Success: " in window.totals.text()
    assert len(sim.state.campaign_calls) == 60

    window.result_filter.setCurrentIndex(window.result_filter.findText("Not connected"))
    assert set(column(window, CallsModel.RESULT)) == {"Not connected"}
    assert window.calls_model.rowCount() == store.totals(1)["result:not_connected"] == 6
    window.result_filter.setCurrentIndex(0)
    window.state_filter.setCurrentIndex(window.state_filter.findText("In the queue"))
    assert window.calls_model.rowCount() == 0


async def test_a_failed_batch_is_shown_and_sent_again(make_sim, make_window, store, http, tmp_path):
    sim = await make_sim(PARKED)
    window = make_window(sim)
    window.show()
    source = tmp_path / "list.csv"
    write_list(source, 50)
    await load(window, source)
    await http.post(f"{sim.url}/control/fail", json={"command": "campaign/callArray", "status": 503})
    window.send_button.click()
    await window.wait_idle()
    assert window.result.text().splitlines() == [
        "Queued 0 of 50 calls; 50 are not queued yet: send again to retry them.",
        f"20 calls ({store.calls(1)[0].call_id} … {store.calls(1)[19].call_id}) not queued: "
        "The PBX reported an error (HTTP 503): simulated failure of campaign/callArray"]
    assert "color" in window.result.styleSheet()
    window.tabs.setCurrentIndex(1)
    assert column(window, CallsModel.STATE) == ["Not sent: failed"] * 20 + ["Not sent"] * 30
    assert window.calls_model.text(0, CallsModel.ERROR).startswith("The PBX reported an error (HTTP 503)")
    assert window.resend_button.text() == "Send the 50 unsent calls"
    window.resend_button.click()
    await window.wait_idle()
    assert window.result.text() == "Queued 50 calls."
    assert column(window, CallsModel.STATE) == ["In the queue"] * 50
    assert len(sim.state.campaign_calls) == 50
    assert not window.resend_button.isEnabled()


async def test_a_call_is_deleted_from_the_queue_after_confirming(make_sim, make_window, store):
    sim = await make_sim(PARKED)
    asked = []

    async def confirm(title, question, button):
        asked.append(question)
        return len(asked) > 1  # the first time the operator says no

    window = make_window(sim, confirm=confirm)
    window.show()
    window.campaign.setValue(2)
    window.one_number.setText("8 916 123-45-67")
    window.one_id.setText("by-hand")
    window.one_vars.setText("name=Анна; date=15.03")
    window.one_button.click()
    await window.wait_idle()
    assert window.result.text() == "The call to +7 916 123-45-67 is in the queue of campaign 2 (id by-hand)."
    assert sim.state.campaign_calls[(2, "by-hand")].vars == {"name": "Анна", "date": "15.03"}
    window.one_number.setText("+7 916 123-45-67")
    window.one_button.click()  # the same number again: refused before anything is sent
    assert window.result.text() == ("The number +7 916 123-45-67 is still waiting in campaign 2 (call by-hand)")
    assert not window.pbx_action.busy and len(sim.state.campaign_calls) == 1
    window.tabs.setCurrentIndex(1)
    assert window.select_call("by-hand")
    window.delete_button.click()
    await window.wait_idle()
    assert (2, "by-hand") in sim.state.campaign_calls and store.get("by-hand").state is CallState.QUEUED
    window.delete_button.click()
    await window.wait_idle()
    assert asked[-1] == ("Take the call by-hand to +7 916 123-45-67 out of the queue of campaign 2? "
                         "The robot will not call this number.")
    assert (2, "by-hand") not in sim.state.campaign_calls
    await until(lambda: column(window, CallsModel.RESULT) == ["Canceled"], window.calls_model.modelReset)
    assert column(window, CallsModel.STATE) == ["Deleted"]
    assert not window.delete_button.isEnabled()


async def test_rules_fill_the_call_back_list_with_click_to_call_and_a_done_mark(make_sim, make_window, store,
                                                                               profile, tmp_path):
    sim = await make_sim()
    window = make_window(sim)
    window.show()
    source = tmp_path / "list.csv"
    write_list(source, 40)
    await load(window, source)
    window.send_button.click()
    await window.wait_idle()
    await until(lambda: store.totals(1).get("state:done") == 40, window.calls_model.modelReset)
    wanted = [c for c in store.calls(1) if c.answers.get("someAnswer") == "перенести"]
    assert wanted and len(store.callbacks()) == len(wanted)
    window.tabs.setCurrentIndex(2)
    await until(lambda: window.callbacks_model.rowCount() == len(wanted), window.callbacks_model.modelReset)
    assert window.tabs.tabText(2) == f"Call-&backs ({len(wanted)})"
    assert {window.callbacks_model.text(r, CallbacksModel.RULE) for r in range(len(wanted))} == {"Перенести"}

    calls = []
    window.call_requested.connect(calls.append)
    window.callbacks_table.selectRow(0)
    first = window.selected_callback()
    window.call_button.click()
    assert calls == ["+" + first.number]
    window.done_button.click()
    assert window.callbacks_model.rowCount() == len(wanted) - 1
    window.show_done.setChecked(True)
    row = window.callbacks_model.row_of(first.call_id)
    assert window.callbacks_model.text(row, CallbacksModel.DONE).endswith(", 701")

    # A new rule, saved: written to config.toml and applied to the reports already here.
    saved = []
    window.settings_saved.connect(saved.append)
    window.tabs.setCurrentIndex(3)
    rules = window.rules_tab
    rules.add_button.click()
    table = rules.table
    table.cellWidget(1, 0).setText("Не дозвонились")
    table.cellWidget(1, 2).setCurrentIndex(table.cellWidget(1, 2).findData("NotConnected"))
    table.cellWidget(1, 3).setChecked(True)
    rules.save_button.click()
    assert saved and saved[0].campaigns.callback_rules[1] == CallbackRule(name="Не дозвонились",
                                                                          result="NotConnected", final=True)
    written = tomllib.loads(profile.config_path.read_text(encoding="utf-8"))
    assert written["campaigns"]["callback_rules"][1]["result"] == "NotConnected"
    window.apply_settings(saved[0])  # what the app does with settings_saved: nothing more here
    unreached = [c for c in store.calls(1) if c.result.value == "not_connected"]
    assert len(store.callbacks()) == len(wanted) - 1 + len(unreached)
    assert rules.result.text() == f"Saved. {len(unreached)} reported calls added to the call-back list."


async def test_a_rule_that_cannot_be_saved_is_said_in_words(make_sim, make_window):
    window = make_window(await make_sim())
    rules = window.rules_tab
    rules.add_button.click()
    rules.save_button.click()
    assert "give a result or a variable" in rules.result.text()
    assert "color" in rules.result.styleSheet()


async def test_results_export_in_windows_1251_chosen_in_the_dialog(make_sim, make_window, store, tmp_path):
    window = make_window(await make_sim())
    window.show()
    store.add_calls(3, [NewCall("x1", "79161112233", {"name": "=HYPERLINK(1)"})])
    window.campaign.setValue(3)
    window.tabs.setCurrentIndex(1)
    window.export_button.click()
    dialog = window.file_dialog
    assert dialog is not None and dialog.acceptMode() == QFileDialog.AcceptMode.AcceptSave
    dialog.selectNameFilter("CSV, Windows-1251, for older Excel (*.csv)")
    target = tmp_path / "campaign.csv"
    dialog.selectFile(str(target))
    dialog.accept()
    await window.wait_idle()
    assert window.result.text() == f"1 calls saved to {target}"
    raw = target.read_bytes()
    assert not raw.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(raw.decode("cp1251").splitlines(), delimiter=";"))
    assert rows[1][:4] == ["x1", "'+7 916 111-22-33", "3", "pending"] and rows[1][-1] == "'=HYPERLINK(1)"


async def test_the_window_remembers_its_geometry(make_sim, make_window, profile):
    sim = await make_sim()
    window = make_window(sim)
    window.show()
    window.resize(760, 560)
    window.close()  # no await after this: the last window closed would stop the test's loop
    again = make_window(sim)
    assert (again.width(), again.height()) == (760, 560)


async def test_a_big_campaign_lists_its_first_calls_and_opens_on_the_last_campaign(make_sim, make_window, store,
                                                                                   monkeypatch):
    from desktop_app.gui.windows import campaigns_window

    monkeypatch.setattr(campaigns_window, "SHOWN_CALLS", 10)
    store.add_calls(4, [NewCall(f"a{i}", f"7916555{i:04d}") for i in range(3)])
    store.add_calls(9, [NewCall(f"b{i:02d}", f"7916666{i:04d}") for i in range(25)])
    window = make_window(await make_sim())
    assert window.campaign_id == 9  # where calls were queued last
    window.show()
    assert window.calls_model.rowCount() == 10
    assert window.totals.text().splitlines() == [
        "Calls: 25 · No result yet: 25 · not sent: 25",
        "The first 10 of 25 calls are listed: filter by state or result to see the others."]
    assert window.send_button.text() == "&Send the 25 unsent calls"


@pytest.fixture
async def office_relay(tmp_path, http):
    from campaign_helpers import start_relay

    relay, tokens = await start_relay(tmp_path / "relay", [CallbackRule(name="Перенести", var="someAnswer",
                                                                        equals="перенести")])
    relay.tokens = tokens
    yield relay
    await relay.close()


async def test_with_a_relay_the_call_back_list_is_the_offices(office_relay, make_window, http, profile,
                                                               store, tmp_path, qtbot):
    from campaign_helpers import RELAY_CRM_TOKEN

    from desktop_app.campaigns.relay_client import RelayCallbacks

    sim = Simulator(domain=DOMAIN, token=TOKEN, crm_url=office_relay.url, crm_token=RELAY_CRM_TOKEN,
                    delays=Delays.none(), seed=2)
    await sim.start()
    try:
        mine = make_window(sim, shared=RelayCallbacks(http, office_relay.url, office_relay.tokens["701"]))
        assert not mine.rules_tab.isEnabled()  # the relay's rules decide
        mine.show()
        source = tmp_path / "list.csv"
        write_list(source, 40)
        await load(mine, source)
        mine.send_button.click()
        await mine.wait_idle()
        assert mine.result.text() == "Queued 40 calls."
        await sim.wait_idle()
        wanted = {c.call_id for c in office_relay_calls(sim, store)}
        assert wanted and store.callbacks() == []  # this desk's own store hears no reports: the relay does
        other = CampaignsWindow(store, profile.db_path, lambda: None, Settings(), profile.config_path,
                                shared=RelayCallbacks(http, office_relay.url, office_relay.tokens["702"]))
        qtbot.addWidget(other)
        for window in (mine, other):
            window.tabs.setCurrentIndex(2)
            async with asyncio.timeout(WAIT_SECONDS):  # the reports reach the relay over HTTP
                while {item.call_id for item in window.callbacks_model.items} != wanted:
                    window.refresh_shared()
                    await window.wait_idle()
        assert all(window.callbacks_model.text(0, CallbacksModel.NUMBER).startswith("+7 916")
                   for window in (mine, other))  # numbers: the relay learnt them when the list was sent

        mine.callbacks_table.selectRow(0)
        chosen = mine.selected_callback().call_id
        mine.done_button.click()
        await mine.wait_idle()
        assert chosen not in {item.call_id for item in mine.callbacks_model.items}
        other.refresh_shared()
        await other.wait_idle()
        assert chosen not in {item.call_id for item in other.callbacks_model.items}  # done for every desk
        other.show_done.setChecked(True)
        row = other.callbacks_model.row_of(chosen)
        assert other.callbacks_model.text(row, CallbacksModel.DONE).endswith(", 701")
        other.close()
    finally:
        await sim.close()


def office_relay_calls(sim, store):
    """The calls the simulator's robot heard "перенести" from."""
    from desktop_app.simulator.calls import campaign_outcome

    return [c for c in store.calls(1) if campaign_outcome(sim.state.campaigns[1], c.number)[1] == "перенести"]
