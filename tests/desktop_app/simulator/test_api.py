"""The simulator's PBX API over real HTTP: every command, its answers and its documented errors."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx
import pytest

from desktop_app.simulator.data import MOSCOW
from desktop_app.simulator.state import period_bounds

HISTORY_KEYS = {"id", "type", "account", "client", "via", "start", "wait", "duration"}


def parse_start(item: dict) -> datetime:
    assert item["start"].endswith("Z")
    return datetime.fromisoformat(item["start"])


# -- auth and routing ---------------------------------------------------------------------


async def test_missing_or_wrong_token_is_401(sim):
    async with httpx.AsyncClient(base_url=f"{sim.url}/v1/{sim.domain}/") as http:
        missing = await http.get("accounts")
        wrong = await http.get("accounts", headers={"X-API-KEY": "nope"})
        wrong_domain = await http.get(f"{sim.url}/v1/other.aicall.ru/accounts", headers={"X-API-KEY": "nope"})
    for response in (missing, wrong, wrong_domain):
        assert response.status_code == 401
        assert "error" in response.json()


async def test_wrong_domain_is_404_and_domain_is_case_insensitive(sim, client):
    response = await client.get(f"{sim.url}/v1/other.aicall.ru/accounts")
    assert response.status_code == 404
    assert "other.aicall.ru" in response.json()["error"]
    assert (await client.get(f"{sim.url}/v1/{sim.domain.upper()}/accounts")).status_code == 200


async def test_unknown_command_and_wrong_method(client):
    unknown = await client.get("calls")
    assert unknown.status_code == 404 and "calls" in unknown.json()["error"]
    wrong = await client.get("makecall")
    assert wrong.status_code == 405
    assert wrong.headers["allow"] == "POST"
    both = await client.put("callerid", json={})
    assert both.status_code == 405 and both.headers["allow"] == "POST, DELETE"


async def test_trailing_slash_is_accepted(client):
    assert (await client.get("numbers/")).status_code == 200


# -- directory --------------------------------------------------------------------------


async def test_accounts_groups_numbers(client):
    accounts = (await client.get("accounts")).json()
    assert [a["extension"] for a in accounts] == [str(n) for n in range(701, 713)]
    assert all(set(a) == {"extension", "name"} and a["name"] for a in accounts)
    groups = (await client.get("groups")).json()
    assert groups[0] == {"id": 111, "extension": "700", "name": "Отдел продаж"}
    assert all(isinstance(g["id"], int) for g in groups)
    numbers = (await client.get("numbers")).json()
    assert {"number": "74951112233", "name": "Основной номер"} in numbers


# -- makecall ---------------------------------------------------------------------------


async def test_makecall_plays_an_outgoing_call_into_history(sim, client, crm):
    response = await client.post("makecall", json={"extension": "701", "from": "701", "number": "79991234567"})
    assert response.status_code == 201
    await sim.wait_idle()
    events = [body for path, body in crm.received if path == "/event"]
    assert [e["stage"] for e in events] == ["Alerting", "Talking", "Released"]
    assert {e["direction"] for e in events} == {"Out"} and {e["extension"] for e in events} == {"701"}
    assert "/client" not in crm.paths()  # asked only for incoming calls
    history = (await client.post("history", json={"type": "out", "limit": 1})).json()
    assert history[0]["id"] == events[0]["id"]
    assert history[0]["account"] == "701" and history[0]["client"] == "79991234567"
    assert history[0]["via"] == "74951112233"


@pytest.mark.parametrize("body", [{"from": "702", "number": "79991234567"}, {"extension": "702", "number": "703"}])
async def test_makecall_accepts_from_or_extension_and_colleagues(client, body):
    assert (await client.post("makecall", json=body)).status_code == 201


async def test_makecall_with_clid_uses_it(sim, client, crm):
    body = {"from": "703", "extension": "703", "number": "79991234567", "clid": "74952302344"}
    assert (await client.post("makecall", json=body)).status_code == 201
    await sim.wait_idle()
    assert {b["phone"] for p, b in crm.received if p == "/event"} == {"74952302344"}


@pytest.mark.parametrize(
    ("body", "status", "word"),
    [
        ({"number": "79991234567"}, 400, "from"),
        ({"from": "701"}, 400, "number"),
        ({"from": "701", "extension": "702", "number": "79991234567"}, 400, "different"),
        ({"from": 701, "number": "79991234567"}, 400, "string"),
        ({"from": "799", "number": "79991234567"}, 404, "799"),
        ({"from": "701", "number": "12345"}, 405, "number"),
        ({"from": "701", "number": "+79991234567"}, 405, "number"),
        ({"from": "701", "number": "89991234567"}, 405, "number"),
        ({"from": "701", "number": "79991234567", "clid": "79990000000"}, 405, "clid"),
    ],
)
async def test_makecall_errors(sim, client, body, status, word):
    response = await client.post("makecall", json=body)
    assert response.status_code == status
    assert word in response.json()["error"]
    assert not sim.player.active and not sim.player._tasks  # nothing was started


@pytest.mark.parametrize("raw", [b"{not json", b"\xff\xfe", b"[1, 2]", b'"text"'])
async def test_malformed_or_non_object_body_is_400(client, raw):
    response = await client.post("makecall", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"]


# -- sms --------------------------------------------------------------------------------


async def test_sms_is_stored(sim, client):
    response = await client.post("sms", json={"number": "79991234567", "text": "Ваш заказ готов"})
    assert response.status_code == 200
    assert sim.state.sms[-1]["number"] == "79991234567"
    assert sim.state.sms[-1]["text"] == "Ваш заказ готов"


@pytest.mark.parametrize(
    "body",
    [
        {"number": "79991234567"},
        {"number": "79991234567", "text": ""},
        {"number": "79991234567", "text": "   "},
        {"number": "79991234567", "text": 5},
        {"number": "79991234567", "text": "я" * 801},
        {"text": "hi"},
        {"number": "not a number", "text": "hi"},
    ],
)
async def test_sms_errors_are_400(sim, client, body):
    response = await client.post("sms", json=body)
    assert response.status_code == 400
    assert response.json()["error"]
    assert sim.state.sms == []


# -- history ----------------------------------------------------------------------------


async def test_history_shape_and_order(sim, client, now):
    items = (await client.post("history", json={"period": "this_month"})).json()
    assert len(items) > 100
    starts = [parse_start(item) for item in items]
    assert starts == sorted(starts, reverse=True)  # newest first
    for item in items:
        assert set(item) - {"record"} == HISTORY_KEYS
        assert item["type"] in ("in", "out", "missed")
        if item["type"] == "missed":
            assert item["duration"] == 0 and "record" not in item
        if "record" in item:
            assert item["record"] == f"{sim.url}/records/{sim.domain}/{item['id']}.wav"


@pytest.mark.parametrize("period", ["today", "yesterday", "this_week", "last_week", "this_month", "last_month"])
async def test_history_period(sim, client, now, period):
    start, end = period_bounds(period, now)
    expected = {r.id for r in sim.state.calls if start <= r.start < end}
    items = (await client.post("history", json={"period": period.upper()})).json()
    assert {item["id"] for item in items} == expected
    assert expected or period == "today"  # the sample month has calls in every past period


async def test_history_get_with_query_equals_post(client):
    post = (await client.post("history", json={"period": "last_week", "type": "in", "limit": 7})).json()
    get = (await client.get("history", params={"period": "last_week", "type": "IN", "limit": "7"})).json()
    assert post == get and len(post) == 7
    assert {item["type"] for item in post} == {"in"}


async def test_history_period_wins_over_start_and_end(client):
    both = {"period": "yesterday", "start": "2020-01-01T00:00:00Z", "end": "2020-01-02T00:00:00Z"}
    assert (await client.post("history", json=both)).json() == (
        await client.post("history", json={"period": "yesterday"})
    ).json()


@pytest.mark.parametrize("kind", ["in", "out", "missed"])
async def test_history_type_filter(client, kind):
    everything = (await client.post("history", json={"period": "this_month", "type": "all"})).json()
    only = (await client.post("history", json={"period": "this_month", "type": kind})).json()
    assert only == [item for item in everything if item["type"] == kind]
    assert only


async def test_history_start_end_bounds_are_inclusive(sim, client):
    record = sim.state.calls[len(sim.state.calls) // 2]
    moment = record.start.strftime("%Y-%m-%dT%H:%M:%SZ")
    exact = (await client.post("history", json={"start": moment, "end": moment})).json()
    assert record.id in {item["id"] for item in exact}
    week_start = record.start - timedelta(days=3)
    items = (await client.post("history", json={
        "start": week_start.isoformat(), "end": record.start.astimezone(MOSCOW).isoformat()
    })).json()
    assert items and all(week_start <= parse_start(i) <= record.start for i in items)


async def test_history_query_survives_an_unencoded_plus(client):
    target = "history?start=2024-03-11T00:00:00+03:00&end=2024-03-13T23:59:59+03:00"  # "+" reads as a space
    items = (await client.get(target)).json()
    expected = (await client.post("history", json={"start": "2024-03-10T21:00:00Z", "end": "2024-03-13T20:59:59Z"})).json()
    assert items == expected and items


async def test_history_default_is_today(client):
    assert (await client.post("history", json={})).json() == (
        await client.post("history", json={"period": "today"})
    ).json()
    assert (await client.get("history")).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"period": "tomorrow"},
        {"period": 1},
        {"type": "lost"},
        {"limit": 0},
        {"limit": -3},
        {"limit": "ten"},
        {"limit": True},
        {"start": "yesterday"},
        {"start": 1577836800},
        {"start": "2024-03-10T00:00:00Z", "end": "2024-03-01T00:00:00Z"},
    ],
)
async def test_history_bad_parameters_are_400(client, body):
    response = await client.post("history", json=body)
    assert response.status_code == 400
    assert response.json()["error"]


async def test_history_includes_played_calls(sim, client):
    answer = await client.post(f"{sim.url}/control/missed", json={"number": "79990001122", "extension": "704"})
    await sim.wait_idle()
    missed = (await client.post("history", json={"type": "missed", "limit": 1})).json()[0]
    assert missed["id"] == answer.json()["id"]
    assert missed["client"] == "79990001122" and missed["account"] == "704"


# -- callerid ---------------------------------------------------------------------------


async def test_callerid_set_then_delete(sim, client, crm):
    response = await client.post("callerid", json={"extension": "705", "number": "78123334455"})
    assert response.status_code == 200
    assert sim.state.callerids == {"705": "78123334455"}
    await client.post("makecall", json={"from": "705", "number": "79991234567"})
    await sim.wait_idle()
    assert crm.received[-1][1]["phone"] == "78123334455"
    response = await client.request("DELETE", "callerid", json={"extension": "705"})
    assert response.status_code == 200
    assert sim.state.callerids == {}


@pytest.mark.parametrize(
    ("method", "body", "status"),
    [
        ("POST", {"extension": "705"}, 400),
        ("POST", {"number": "78123334455"}, 400),
        ("POST", {"extension": "705", "number": "7812"}, 400),
        ("POST", {"extension": "705", "number": "79991234567"}, 400),  # not a number of this PBX
        ("POST", {"extension": "799", "number": "78123334455"}, 404),
        ("DELETE", {}, 400),
        ("DELETE", {"extension": "799"}, 404),
    ],
)
async def test_callerid_errors(client, method, body, status):
    response = await client.request(method, "callerid", json=body)
    assert response.status_code == status
    assert response.json()["error"]


# -- balance ----------------------------------------------------------------------------


async def test_balance_once_per_window(sim, client, clock):
    first = await client.get("balance")
    assert first.status_code == 200
    assert first.json() == {"balance": 1234.56, "credit": 0}
    second = await client.get("balance")
    assert second.status_code == 429
    assert second.headers["retry-after"] == "600"
    assert "error" in second.json()
    clock.value += 599.5
    assert (await client.get("balance")).status_code == 429
    clock.value += 0.5
    assert (await client.get("balance")).status_code == 200
    assert (await client.get("balance")).status_code == 429


async def test_balance_goes_down_with_outgoing_calls_and_sms(sim, client, clock):
    await client.post("makecall", json={"from": "701", "number": "79991234567"})
    await client.post("sms", json={"number": "79991234567", "text": "Добрый день"})
    await sim.wait_idle()
    assert (await client.get("balance")).json()["balance"] < 1234.56


# -- campaigns ----------------------------------------------------------------------------


def campaign_call(call_id: str, number: str = "79991234567") -> dict:
    return {"id": call_id, "number": number, "vars": {"name": "Иванов Иван Иванович", "address": "Москва"}}


async def test_campaign_call_runs_to_a_report(sim, client, crm):
    response = await client.post("campaign/1/call", json=campaign_call("c-1"))
    assert response.status_code == 201
    await sim.wait_idle()
    status = (await client.get("campaign/1/call/c-1")).json()
    assert status["id"] == "c-1" and status["final"] is True and status["status"] == "done"
    assert status["result"] == "Success" and status["duration"] > 0 and isinstance(status["when"], int)
    assert status["vars"]["name"] == "Иванов Иван Иванович"
    assert status["vars"]["someAnswer"] in ("согласен", "перенести", "отказ")
    [(path, report)] = crm.of("c-1")
    assert path == "/campaign/report"
    assert {k: report[k] for k in ("id", "final", "result", "duration", "vars", "when")} == {
        k: status[k] for k in ("id", "final", "result", "duration", "vars", "when")
    }


async def test_campaign_number_ending_in_zero_does_not_connect(sim, client, crm):
    await client.post("campaign/2/call", json=campaign_call("c-0", "79991234560"))
    await sim.wait_idle()
    status = (await client.get("campaign/2/call/c-0")).json()
    assert status["result"] == "NotConnected" and status["duration"] == 0
    assert "someAnswer" not in status["vars"]


async def test_campaign_call_array(sim, client, crm):
    calls = [campaign_call("a-1"), campaign_call("a-2", "79161112233")]
    assert (await client.post("campaign/2/callArray", json=calls)).status_code == 201
    await sim.wait_idle()
    assert sorted(body["id"] for path, body in crm.received if path == "/campaign/report") == ["a-1", "a-2"]
    assert (await client.get("campaign/2/call/a-2")).json()["result"] == "Success"
    assert (await client.get("campaign/1/call/a-2")).status_code == 404  # ids live in their campaign


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("campaign/9/call", campaign_call("x"), 404),
        ("campaign/abc/call", campaign_call("x"), 400),
        ("campaign/9/callArray", [campaign_call("x")], 404),
        ("campaign/1/call", {"number": "79991234567", "vars": {}}, 400),
        ("campaign/1/call", {"id": "x", "vars": {}}, 400),
        ("campaign/1/call", {"id": "x", "number": "79991234567"}, 400),
        ("campaign/1/call", {"id": "x", "number": "79991234567", "vars": ["a"]}, 400),
        ("campaign/1/call", [campaign_call("x")], 400),
        ("campaign/1/call", campaign_call("x", "8999"), 405),
        ("campaign/1/callArray", [], 400),
        ("campaign/1/callArray", campaign_call("x"), 400),
        ("campaign/1/callArray", [campaign_call("x"), "y"], 400),
        ("campaign/1/callArray", [campaign_call("x"), campaign_call("y", "123")], 405),
        ("campaign/1/callArray", [campaign_call("x"), campaign_call("x")], 405),
    ],
)
async def test_campaign_errors_queue_nothing(sim, client, crm, path, body, status):
    response = await client.post(path, json=body)
    assert response.status_code == status
    assert response.json()["error"]
    await sim.wait_idle()
    assert sim.state.campaign_calls == {} and crm.received == []


async def test_campaign_call_id_must_be_new(client):
    assert (await client.post("campaign/1/call", json=campaign_call("dup"))).status_code == 201
    again = await client.post("campaign/1/callArray", json=[campaign_call("new"), campaign_call("dup")])
    assert again.status_code == 405 and "dup" in again.json()["error"]
    assert (await client.get("campaign/1/call/new")).status_code == 404


async def test_campaign_status_and_delete_errors(client):
    assert (await client.get("campaign/1/call/nothing")).status_code == 404
    assert (await client.get("campaign/5/call/nothing")).status_code == 404
    assert (await client.delete("campaign/1/call/nothing")).status_code == 404
    assert (await client.delete("campaign/x/call/nothing")).status_code == 400


async def test_delete_finished_campaign_call(sim, client, crm):
    await client.post("campaign/1/call", json=campaign_call("gone"))
    await sim.wait_idle()
    assert (await client.delete("campaign/1/call/gone")).status_code == 200
    assert (await client.get("campaign/1/call/gone")).status_code == 404
    await sim.wait_idle()
    assert [body["result"] for _, body in crm.of("gone")] == ["Success"]  # no second report
