"""A campaign from a spreadsheet to a call-back list, against the simulator: a 1,000-row CSV
queued in batches (one batch fails and is sent again), the robot's reports arriving through
the desk's real listener and dispatcher, a rule filling the call-back list, the results
exported and opened back."""

from __future__ import annotations

import asyncio
import csv

import pytest

from desktop_app.calls.dispatcher import CallDispatcher
from desktop_app.campaigns.call_list import read_call_list
from desktop_app.campaigns.follower import ReportFollower
from desktop_app.campaigns.results_export import export_results
from desktop_app.campaigns.sending import CampaignSender
from desktop_app.campaigns.store import CallState, CampaignStore
from desktop_app.core.phone import display
from desktop_app.core.settings import CallbackRule
from desktop_app.simulator import Delays, Simulator
from desktop_app.simulator.calls import campaign_outcome
from desktop_app.webhooks.listener import Listener
from desktop_app.webhooks.types import CampaignResult

DOMAIN = "test.aicall.ru"
TOKEN = "sim-token"
CRM_TOKEN = "crm-secret"
ROWS = 1000
WAIT_SECONDS = 60
RULES = [CallbackRule(name="Перенести", var="someAnswer", equals="перенести"),
         CallbackRule(name="Не дозвонились", result="NotConnected", final=True)]


@pytest.fixture
async def desk(tmp_path):
    """The desk's side: store, follower, dispatcher, and the real listener on loopback."""
    db = tmp_path / "desk.sqlite3"
    store = CampaignStore(db)
    follower = ReportFollower(store, RULES)
    listener = Listener(db_path=db, crm_token=CRM_TOKEN, port=0, on_webhook=CallDispatcher(None, None, follower))
    await listener.start()
    yield store, listener
    await listener.close()
    store.close()


def done(store: CampaignStore) -> int:
    return store.totals(1).get(f"state:{CallState.DONE.value}", 0)


async def reports(store: CampaignStore, count: int) -> None:
    """Return once ``count`` calls have their final report."""
    arrived = asyncio.Event()
    changes = 0
    missing = count - done(store)

    def check() -> None:
        nonlocal changes
        changes += 1  # each new report is one change: count before asking the database
        if changes >= missing and done(store) >= count:
            arrived.set()

    store.on_change.append(check)
    try:
        if missing <= 0:
            return
        async with asyncio.timeout(WAIT_SECONDS):
            await arrived.wait()
    finally:
        store.on_change.remove(check)


async def test_a_thousand_calls_from_a_spreadsheet_to_the_call_back_list(desk, tmp_path, http, spy_pbx):
    store, listener = desk
    numbers = [f"7916{index:07d}" for index in range(ROWS)]
    source = tmp_path / "обзвон.csv"
    lines = ["Телефон;Имя;Дата визита"] + [f"8 {n[1:4]} {n[4:7]}-{n[7:9]}-{n[9:]};Клиент {i};{i % 28 + 1:02d}.03"
                                           for i, n in enumerate(numbers)]
    source.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1251"))

    async with Simulator(domain=DOMAIN, token=TOKEN, crm_url=listener.url, crm_token=CRM_TOKEN,
                         delays=Delays.none(), seed=1) as sim:
        call_list = read_call_list(source, 1, known_ids=store.known_ids, waiting_numbers=store.waiting_numbers(1))
        assert (len(call_list.calls), call_list.problem_count) == (ROWS, 0)
        store.add_calls(1, [listed.call for listed in call_list.calls])
        ids = {listed.call.number: listed.call.id for listed in call_list.calls}

        pbx = spy_pbx(sim)

        async def fail_fourth_batch() -> None:
            await http.post(f"{sim.url}/control/fail", json={"command": "campaign/callArray", "status": 503})

        pbx.before[4] = fail_fourth_batch
        first = await CampaignSender(store, pbx, batch_size=100).send(1)
        assert pbx.batches == [100, 100, 100, 100] and (first.sent, first.left) == (300, 700)
        await reports(store, 300)  # the robot called the first three batches; the desk heard it

        second = await CampaignSender(store, pbx, batch_size=100).send(1)
        assert (second.sent, second.failures) == (700, [])
        await reports(store, ROWS)
        await sim.wait_idle()
        assert sim.player.failed == 0  # the listener took every report

    calls = store.calls(1)
    assert len(calls) == ROWS
    assert all(call.state is CallState.DONE and call.attempts == 1 for call in calls)  # each called once
    campaign = sim.state.campaigns[1]
    expected: dict[str, tuple[str, str | None]] = {ids[n]: campaign_outcome(campaign, n) for n in numbers}
    for call in calls:
        result, answer = expected[call.call_id]
        assert call.result is (CampaignResult.SUCCESS if result == "Success" else CampaignResult.NOT_CONNECTED)
        assert call.all_vars.get("someAnswer") == answer
    totals = store.totals(1)
    assert totals["result:not_connected"] == sum(1 for r, _ in expected.values() if r == "NotConnected") == 100
    assert totals["result:success"] == ROWS - 100

    listed = {item.call_id: item.rule for item in store.callbacks()}
    assert listed == {call_id: "Перенести" if answer == "перенести" else "Не дозвонились"
                      for call_id, (result, answer) in expected.items()
                      if answer == "перенести" or result == "NotConnected"}

    target = tmp_path / "results.csv"
    assert export_results(store, 1, target, "cp1251") == ROWS
    with open(target, encoding="cp1251", newline="") as stream:
        rows = list(csv.reader(stream, delimiter=";"))
    assert rows[0] == ["id", "number", "campaign", "state", "result", "final", "attempts", "duration", "when",
                       "Имя", "Дата визита", "someAnswer"]
    by_id = {row[0]: row for row in rows[1:]}
    assert len(by_id) == ROWS
    for call in calls:
        row = by_id[call.call_id]
        result, answer = expected[call.call_id]
        assert row[1] == "'" + display(call.number)  # "+7 916 ..." would be a formula: guarded
        assert row[3:7] == ["done", result, "true", "1"]
        assert row[7] == str(call.duration)
        assert row[9:] == [call.vars["Имя"], call.vars["Дата визита"], answer or ""]
