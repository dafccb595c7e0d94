"""The desk's own parts against the simulator: its PBX client, its webhook listener, its recordings."""

from __future__ import annotations

import wave
from datetime import datetime, timedelta, timezone

import pytest

from desktop_app.pbx.client import (
    PbxAuthError,
    PbxBadRequest,
    PbxClient,
    PbxNotFound,
    PbxRateLimited,
    PbxServerError,
    PbxValidationError,
    make_http_client,
)
from desktop_app.pbx.recordings import RecordingFetcher
from desktop_app.pbx.types import CallType, CampaignCall, CampaignResult
from desktop_app.simulator import Delays, Simulator
from desktop_app.webhooks.listener import Listener
from desktop_app.webhooks.types import (
    CallEvent,
    CallHistory,
    CampaignReport,
    ClientRequest,
    Direction,
    HistoryResult,
    Stage,
)

CRM_TOKEN = "e2e-crm-token"
NOW = datetime(2024, 3, 15, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
async def desk(tmp_path):
    """The desk's listener with a one-contact directory, and what it hands on."""
    received = []

    async def lookup(request: ClientRequest) -> dict:
        return {"name": "ООО Ромашка", "manager": "703"} if request.client_number == "79991234567" else {}

    listener = Listener(db_path=tmp_path / "desk.sqlite3", crm_token=CRM_TOKEN, port=0, client_lookup=lookup,
                        on_webhook=received.append)
    await listener.start()
    listener.received = received
    yield listener
    await listener.close()


@pytest.fixture
async def sim(desk):
    simulator = Simulator(crm_url=desk.url, crm_token=CRM_TOKEN, delays=Delays.none(), seed=11, now=lambda: NOW)
    await simulator.start()
    yield simulator
    await simulator.close()


@pytest.fixture
async def pbx(sim):
    async with make_http_client() as http:
        yield PbxClient(http, api_url=sim.url, domain=sim.domain, token=sim.token)


async def test_listener_takes_a_played_incoming_call(sim, desk):
    call_id = sim.player.ring(number="79991234567")
    missed_id = sim.player.ring(number="79995550101", missed=True)
    await sim.wait_idle()
    assert sim.player.failed == 0
    mine = [w for w in desk.received if w.id == call_id]
    assert [type(w) for w in mine] == [ClientRequest, CallEvent, CallEvent, CallEvent, CallHistory]
    assert [w.stage for w in mine[1:4]] == [Stage.ALERTING, Stage.TALKING, Stage.RELEASED]
    assert all(w.direction is Direction.IN and w.extension == "703" for w in mine[1:])  # the manager's phone
    history = mine[-1]
    assert history.result is HistoryResult.SUCCESS and history.record.startswith(sim.url)
    missed = [w for w in desk.received if w.id == missed_id]
    assert [w.stage for w in missed if isinstance(w, CallEvent)] == [Stage.ALERTING, Stage.RELEASED]
    assert missed[-1].result is HistoryResult.MISSED and missed[-1].record is None
    journal = await desk.journal.entries(call_id=call_id)
    assert [entry.kind for entry in journal] == ["event", "event", "event", "history"]


async def test_every_command_through_the_desk_client(sim, desk, pbx, tmp_path):
    employees = await pbx.accounts()
    assert [e.extension for e in employees][:2] == ["701", "702"] and employees[0].name
    assert (await pbx.groups())[0].name == "Отдел продаж"
    assert (await pbx.numbers())[0].number == "74951112233"

    await pbx.set_callerid("701", "74952302344")
    await pbx.makecall("8 (999) 123-45-67", "701")
    await pbx.sms("+7 999 123-45-67", "Ваш заказ готов")
    await sim.wait_idle()
    outgoing = [w for w in desk.received if isinstance(w, CallEvent) and w.direction is Direction.OUT]
    assert {(w.extension, w.client, w.phone) for w in outgoing} == {("701", "79991234567", "74952302344")}
    await pbx.delete_callerid("701")

    today = await pbx.history(period="today", type="out", limit=1)
    assert today[0].type is CallType.OUT and today[0].client == "79991234567"
    week = await pbx.history(start=NOW - timedelta(days=7), end=NOW)
    assert week and all(NOW - timedelta(days=7) <= c.start <= NOW for c in week)
    missed = await pbx.history(period="last_week", type="missed")
    assert missed and {c.type for c in missed} == {CallType.MISSED}

    balance = await pbx.balance()
    assert balance.balance < 1234.56 and balance.credit == 0
    with pytest.raises(PbxRateLimited):
        await pbx.balance()

    await pbx.campaign_call(1, CampaignCall("e2e-1", "79991234567", {"name": "Петров"}))
    await pbx.campaign_call_array(2, [CampaignCall("e2e-2", "79161112233", {}),
                                      CampaignCall("e2e-3", "79031230000", {})])
    await sim.wait_idle()
    status = await pbx.campaign_call_status(1, "e2e-1")
    assert status.final and status.result is CampaignResult.SUCCESS and "someAnswer" in status.vars
    assert (await pbx.campaign_call_status(2, "e2e-3")).result is CampaignResult.NOT_CONNECTED
    reports = {w.id: w for w in desk.received if isinstance(w, CampaignReport)}
    assert set(reports) == {"e2e-1", "e2e-2", "e2e-3"}
    assert reports["e2e-1"].vars["someAnswer"] == status.vars["someAnswer"]
    await pbx.campaign_call_delete(1, "e2e-1")

    recording = today[0].record
    async with make_http_client() as http:
        fetcher = RecordingFetcher(http, sim.token, sim.url, [], tmp_path / "recordings")
        path = await fetcher.fetch(recording)
    with wave.open(str(path)) as wav:
        assert wav.getnframes() > 0


async def test_desk_client_errors(sim, pbx):
    with pytest.raises(PbxNotFound):
        await pbx.makecall("79991234567", "799")
    with pytest.raises(PbxValidationError):
        await pbx.makecall("79991234567", "701", clid="79990000000")
    with pytest.raises(PbxBadRequest):
        await pbx.set_callerid("701", "79991234567")
    with pytest.raises(PbxNotFound):
        await pbx.campaign_call_status(1, "never")
    with pytest.raises(PbxNotFound):
        await pbx.campaign_call(7, CampaignCall("x", "79991234567", {}))
    sim.api.faults.add("sms", 500, 1)
    with pytest.raises(PbxServerError):
        await pbx.sms("79991234567", "Привет")
    async with make_http_client() as http:
        with pytest.raises(PbxAuthError):
            await PbxClient(http, api_url=sim.url, domain=sim.domain, token="wrong").accounts()
        with pytest.raises(PbxNotFound):
            await PbxClient(http, api_url=sim.url, domain="nowhere.aicall.ru", token=sim.token).accounts()
