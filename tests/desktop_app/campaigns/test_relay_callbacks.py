"""The call-back list shared through an office relay: the robot reports to the relay, its
rules fill the list, every desk sees it and the done marks of the others."""

from __future__ import annotations

import asyncio

import pytest
from campaign_helpers import RELAY_CRM_TOKEN as CRM_TOKEN
from campaign_helpers import start_relay

from desktop_app.campaigns.relay_client import RelayCallbacks, RelayCallbacksError
from desktop_app.campaigns.sending import CampaignSender
from desktop_app.campaigns.store import CampaignStore, NewCall
from desktop_app.core.settings import CallbackRule
from desktop_app.simulator import Delays, Simulator
from desktop_app.simulator.calls import campaign_outcome

WAIT_SECONDS = 30
RULE = CallbackRule(name="Перенести", var="someAnswer", equals="перенести")


@pytest.fixture
async def relay(tmp_path, http):
    running, tokens = await start_relay(tmp_path / "relay", [RULE])
    running.tokens = tokens
    yield running
    await running.close()


def desk(relay, http, extension: str) -> RelayCallbacks:
    return RelayCallbacks(http, relay.url, relay.tokens[extension])


async def until(condition, timeout: float = WAIT_SECONDS):
    """Poll ``condition`` (a coroutine function) until it returns something true."""
    async with asyncio.timeout(timeout):
        while not (found := await condition()):
            await asyncio.sleep(0.05)
    return found


async def test_every_desk_sees_the_relays_call_back_list_and_each_others_done_marks(relay, http, tmp_path):
    first, second = desk(relay, http, "701"), desk(relay, http, "702")
    numbers = [f"7916300{i:04d}" for i in range(30)]
    async with Simulator(token="sim", crm_url=relay.url, crm_token=CRM_TOKEN, delays=Delays.none(), seed=9) as sim:
        from desktop_app.pbx.client import PbxClient

        with CampaignStore(tmp_path / "desk.sqlite3") as store:  # desk 701 queues a campaign
            calls = [NewCall(f"r{i}", number, {"name": f"Клиент {i}"}) for i, number in enumerate(numbers)]
            store.add_calls(1, calls)
            assert await first.register(1, calls) == 30  # the relay learns the numbers first
            pbx = PbxClient(http, api_url=sim.url, domain=sim.domain, token="sim")
            report = await CampaignSender(store, pbx).send(1)
            assert report.sent == 30
        wanted = {f"r{i}": number for i, number in enumerate(numbers)
                  if campaign_outcome(sim.state.campaigns[1], number)[1] == "перенести"}
        assert wanted
        listed = await until(lambda: _all(second, len(wanted)))
    assert {item.call_id: item.number for item in listed} == wanted  # numbers from the registration
    assert {item.rule for item in listed} == {"Перенести"} and all(item.campaign == 1 for item in listed)

    chosen = listed[0].call_id
    assert await first.mark(chosen) is True
    assert await second.mark(chosen) is False  # the other desk was first
    assert chosen not in [item.call_id for item in await second.list()]
    done = [item for item in await second.list(include_done=True) if item.call_id == chosen][0]
    assert (done.done, done.done_by) == (True, "701")
    assert await second.mark(chosen, done=False) is True
    assert chosen in [item.call_id for item in await first.list()]


async def _all(client: RelayCallbacks, count: int):
    items = await client.list()
    return items if len(items) >= count else None


async def test_the_relay_refuses_strangers_and_bad_requests_in_words(relay, http):
    stranger = RelayCallbacks(http, relay.url, "gdr_not-a-token")
    with pytest.raises(RelayCallbacksError, match="missing, unknown or revoked desk token"):
        await stranger.list()
    known = desk(relay, http, "701")
    with pytest.raises(RelayCallbacksError, match="The call nope is not on the relay's call-back list."):
        await known.mark("nope")
    with pytest.raises(RelayCallbacksError, match="not a phone number: 701"):
        await known.register(1, [NewCall("x", "701")])
    headers = {"authorization": known._headers["authorization"]}
    answer = await http.post(f"{relay.url}/desk/v1/callbacks/x", headers=headers, content=b"[1]")
    assert answer.status_code == 400 and "done" in answer.json()["error"]
    answer = await http.delete(f"{relay.url}/desk/v1/callbacks", headers=headers)
    assert answer.status_code == 405


async def test_an_unreachable_relay_is_said_in_words(http):
    gone = RelayCallbacks(http, "http://127.0.0.1:9", "gdr_x", timeout=2)
    with pytest.raises(RelayCallbacksError, match="Cannot reach the relay at http://127.0.0.1:9"):
        await gone.list()
