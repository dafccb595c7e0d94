"""Sending campaign calls to the simulator over real HTTP: batches, failures, resending
without duplicates, one call, status, delete."""

from __future__ import annotations

import httpx
import pytest

from desktop_app.campaigns.sending import CampaignSender
from desktop_app.campaigns.store import CallState, CampaignStore, NewCall
from desktop_app.pbx.client import PbxAuthError
from desktop_app.simulator import Delays, Simulator
from desktop_app.webhooks.types import CampaignResult

DOMAIN = "test.aicall.ru"
TOKEN = "sim-token"
PARKED = Delays(0, 0, 0, queue=3600, robot=0)  # campaign calls wait in the queue: they can be deleted


@pytest.fixture
async def make_sim(http):
    started = []

    async def make(delays: Delays = PARKED) -> Simulator:
        sim = Simulator(domain=DOMAIN, token=TOKEN, delays=delays, seed=3)
        await sim.start()
        started.append(sim)
        return sim

    yield make
    for sim in started:
        await sim.close()


@pytest.fixture
def store(tmp_path):
    with CampaignStore(tmp_path / "desk.sqlite3") as opened:
        yield opened


def many(count: int, campaign: int = 1) -> list[NewCall]:
    return [NewCall(f"{campaign}-{index:04d}", f"7999{index:07d}", {"n": str(index)}) for index in range(count)]


async def fail(sim: Simulator, command: str, status: int, *, times: int = 1, after: bool = False) -> None:
    async with httpx.AsyncClient() as control:
        response = await control.post(f"{sim.url}/control/fail",
                                      json={"command": command, "status": status, "times": times, "after": after})
        response.raise_for_status()


def queued_ids(sim: Simulator, campaign: int = 1) -> list[str]:
    return sorted(call_id for cid, call_id in sim.state.campaign_calls if cid == campaign)


async def test_calls_go_in_batches_of_the_chosen_size(make_sim, store, spy_pbx):
    sim = await make_sim()
    store.add_calls(1, many(250))
    pbx = spy_pbx(sim)
    seen = []
    report = await CampaignSender(store, pbx, batch_size=100).send(1, progress=lambda d, t: seen.append((d, t)))
    assert pbx.batches == [100, 100, 50]
    assert seen == [(0, 250), (100, 250), (200, 250), (250, 250)]
    assert (report.sent, report.left, report.failures) == (250, 0, [])
    assert queued_ids(sim) == [call.id for call in many(250)]
    assert {call.state for call in store.calls(1)} == {CallState.QUEUED}
    assert sim.state.campaign_calls[(1, "1-0007")].vars == {"n": "7"}
    again = await CampaignSender(store, pbx, batch_size=100).send(1)
    assert (again.total, str(again.summary())) == (0, "Nothing to send: every call of the campaign is queued.")


@pytest.mark.parametrize("after", [False, True], ids=["refused", "carried-out-then-failed"])
async def test_a_failed_batch_is_reported_and_resent_without_duplicates(make_sim, store, after, spy_pbx):
    """The second of three batches fails with a 500: before the PBX did anything, or after it
    queued the calls (the answer was lost). Sending again queues every call exactly once."""
    sim = await make_sim()
    store.add_calls(1, many(300))
    pbx = spy_pbx(sim)
    pbx.before[2] = lambda: fail(sim, "campaign/callArray", 500, after=after)
    report = await CampaignSender(store, pbx, batch_size=100).send(1)
    assert pbx.batches == [100, 100]  # a 5xx stops the send: the next batch would fail the same way
    assert (report.sent, report.failed, report.left, report.stopped) == (100, 100, 200, True)
    failure = report.failures[0]
    assert failure.call_ids == tuple(call.id for call in many(300)[100:200]) and failure.uncertain
    assert str(failure.text()) == ("100 calls (1-0100 … 1-0199) not queued: "
                                   "The PBX reported an error (HTTP 500): simulated failure of campaign/callArray")
    assert str(report.summary()) == "Queued 100 of 300 calls; 200 are not queued yet: send again to retry them."
    failed = store.get("1-0150")
    assert (failed.state, failed.uncertain) == (CallState.FAILED, True)
    assert str(failed.error_text).startswith("The PBX reported an error (HTTP 500)")
    assert len(store.unsent(1)) == 200

    pbx.batches.clear()
    again = await CampaignSender(store, pbx, batch_size=100).send(1)
    # The uncertain batch was looked up first: only what the PBX does not have goes out again.
    assert pbx.batches == ([100] if after else [100, 100])
    assert (again.total, again.found, again.sent, again.failures) == (200, 100 if after else 0,
                                                                      100 if after else 200, [])
    assert queued_ids(sim) == [call.id for call in many(300)]  # each exactly once (a repeat would be a 405)
    assert {call.state for call in store.calls(1)} == {CallState.QUEUED}


async def test_a_refused_batch_does_not_stop_the_others(make_sim, store, spy_pbx):
    sim = await make_sim()
    store.add_calls(1, many(30))
    pbx = spy_pbx(sim)
    pbx.before[1] = lambda: fail(sim, "campaign/callArray", 405)
    report = await CampaignSender(store, pbx, batch_size=10).send(1)
    assert pbx.batches == [10, 10, 10]
    assert (report.sent, report.failed, report.stopped, report.failures[0].uncertain) == (20, 10, False, False)
    assert store.get("1-0000").state is CallState.FAILED and not store.get("1-0000").uncertain
    again = await CampaignSender(store, pbx, batch_size=10).send(1)
    assert (again.sent, again.found) == (10, 0)
    assert len(queued_ids(sim)) == 30


async def test_a_wrong_token_stops_at_the_first_batch_and_nothing_is_lost(make_sim, store, spy_pbx):
    sim = await make_sim()
    store.add_calls(1, many(30))
    pbx = spy_pbx(sim, token="wrong")
    report = await CampaignSender(store, pbx, batch_size=10).send(1)
    assert pbx.batches == [10] and report.stopped and not report.failures[0].uncertain
    assert "refused the API token" in str(report.failures[0].text())
    assert len(store.unsent(1)) == 30 and queued_ids(sim) == []


async def test_one_call_goes_with_campaign_call(make_sim, store, spy_pbx):
    sim = await make_sim()
    sender = CampaignSender(store, spy_pbx(sim))
    await sender.send_one(2, NewCall("one", "79161234567", {"name": "Анна"}))
    assert sim.state.campaign_calls[(2, "one")].vars == {"name": "Анна"}
    assert store.get("one").state is CallState.QUEUED
    with pytest.raises(PbxAuthError):
        await CampaignSender(store, spy_pbx(sim, token="wrong")).send_one(2, NewCall("two", "79161234568"))
    assert store.get("two").state is CallState.FAILED


async def test_status_requests_bring_the_outcome_when_no_report_came(make_sim, store, spy_pbx):
    sim = await make_sim(Delays.none())  # no CRM: the robot's reports go nowhere
    store.add_calls(2, [NewCall("s1", "79161234561"), NewCall("s0", "79161234560")])
    sender = CampaignSender(store, spy_pbx(sim))
    await sender.send(2)
    await sim.wait_idle()
    assert await sender.refresh(2) == 2
    answered, unreached = store.get("s1"), store.get("s0")
    assert (answered.state, answered.result, answered.final) == (CallState.DONE, CampaignResult.SUCCESS, True)
    assert answered.answers["someAnswer"] in ("отлично", "хорошо", "плохо")
    assert (unreached.state, unreached.result) == (CallState.DONE, CampaignResult.NOT_CONNECTED)
    assert await sender.refresh(2) == 0  # nothing is waiting any more


async def test_a_queued_call_is_deleted_and_an_unsent_one_only_dropped(make_sim, store, spy_pbx):
    sim = await make_sim()
    store.add_calls(1, many(3))
    sender = CampaignSender(store, spy_pbx(sim))
    await sender.send(1)
    assert await sender.refresh(1) == 3 and store.get("1-0001").state is CallState.QUEUED  # still waiting
    await sender.delete(1, "1-0001")
    assert store.get("1-0001").state is CallState.DELETED
    assert queued_ids(sim) == ["1-0000", "1-0002"]
    store.add_calls(1, [NewCall("never-sent", "79160000009")])
    await sender.delete(1, "never-sent")
    assert store.get("never-sent") is None
