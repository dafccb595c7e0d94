"""``/control/...``: ringing on demand, forced failures, balance, state; loopback only, no token."""

from __future__ import annotations

import httpx
import pytest

from desktop_app.core.http_server import Request


@pytest.fixture
async def control(sim):
    async with httpx.AsyncClient(base_url=f"{sim.url}/control/") as http:  # no X-API-KEY
        yield http


async def test_state_describes_the_simulator(sim, control):
    state = (await control.get("state")).json()
    assert state["url"] == sim.url and state["domain"] == sim.domain
    assert state["crm_url"] == sim.player.crm_url
    assert state["active_calls"] == [] and state["calls_total"] == len(sim.state.calls)
    assert state["balance"] == 1234.56 and state["sms"] == [] and state["campaign_calls"] == []
    assert len(state["recent_calls"]) == 20


async def test_ring_answers_the_call_id(sim, control):
    response = await control.post("ring", json={"number": "8 (916) 111-22-33", "missed": True})
    assert response.status_code == 202
    await sim.wait_idle()
    record = sim.state.find_call(response.json()["id"])
    assert record.client == "79161112233" and record.kind == "missed"


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("ring", {"number": "not a number"}, 400),
        ("ring", {"number": 79991234567}, 400),
        ("ring", {"extension": "799"}, 404),
        ("ring", {"phone": "79991234567"}, 400),
        ("ring", {"missed": "yes"}, 400),
        ("ring", [], 400),
        ("missed", {"extension": "000"}, 404),
        ("burst", {"count": 0}, 400),
        ("burst", {"count": 51}, 400),
        ("burst", {"count": "3"}, 400),
        ("fail", {"command": "dance"}, 400),
        ("fail", {"command": "sms", "status": 200}, 400),
        ("fail", {"command": "sms", "times": 0}, 400),
        ("balance", {"balance": "many"}, 400),
        ("nothing", {}, 404),
    ],
)
async def test_bad_control_requests(sim, control, path, body, status):
    response = await control.post(path, json=body)
    assert response.status_code == status
    assert response.json()["error"]
    assert not sim.player._tasks


async def test_wrong_method(control):
    response = await control.post("state")
    assert response.status_code == 405 and response.headers["allow"] == "GET"
    assert (await control.get("ring")).status_code == 405


async def test_malformed_json(control):
    assert (await control.post("ring", content=b"{")).status_code == 400


async def test_fail_forces_answers_then_recovers(sim, client, control):
    response = await control.post("fail", json={"command": "makecall", "status": 503, "times": 2})
    assert response.json() == {"command": "makecall", "status": 503, "times": 2, "after": False}
    body = {"from": "701", "number": "79991234567"}
    first, second, third = [await client.post("makecall", json=body) for _ in range(3)]
    assert (first.status_code, second.status_code, third.status_code) == (503, 503, 201)
    assert "makecall" in first.json()["error"]


async def test_forced_sms_gateway_error(sim, client, control):
    await control.post("fail", json={"command": "sms"})
    response = await client.post("sms", json={"number": "79991234567", "text": "Привет"})
    assert response.status_code == 500
    assert sim.state.sms == []


async def test_a_failure_after_the_work_is_done_loses_only_the_answer(sim, client, control):
    await control.post("fail", json={"command": "campaign/callArray", "status": 502, "after": True})
    body = [{"id": "lost-answer", "number": "79991234567", "vars": {}}]
    response = await client.post("campaign/1/callArray", json=body)
    assert response.status_code == 502
    assert (1, "lost-answer") in sim.state.campaign_calls  # queued all the same
    again = await client.post("campaign/1/callArray", json=body)
    assert again.status_code == 405  # the PBX knows the id now


async def test_forced_failure_still_needs_the_token(sim, control):
    await control.post("fail", json={"command": "accounts", "status": 500})
    async with httpx.AsyncClient() as http:
        response = await http.get(f"{sim.url}/v1/{sim.domain}/accounts")
    assert response.status_code == 401


async def test_balance_can_be_set_and_its_window_reset(client, control):
    assert (await client.get("balance")).status_code == 200
    assert (await client.get("balance")).status_code == 429
    response = await control.post("balance", json={"balance": -12.5, "credit": 500, "reset_window": True})
    assert response.json() == {"balance": -12.5, "credit": 500.0}
    assert (await client.get("balance")).json() == {"balance": -12.5, "credit": 500}


async def test_control_is_loopback_only(sim):
    request = Request("GET", "/control/state", "/control/state", {}, {}, b"", ("192.168.1.20", 50000))
    response = await sim.handle(request)
    assert response.status == 403
    request.client = ("::1", 50000)
    assert (await sim.handle(request)).status == 200
    request.client = None
    assert (await sim.handle(request)).status == 403
