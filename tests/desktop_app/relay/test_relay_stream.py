"""The relay process end to end: the PBX posts, raw SSE desks receive what concerns them."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

import httpx
import pytest
from relay_helpers import (
    CRM_TOKEN,
    IO_TIMEOUT,
    Desk,
    Pbx,
    add_desk,
    event,
    history,
    relay_env,
    running_relay,
)

from desktop_app.contacts.directory import Contact, ContactDirectory

pytestmark = pytest.mark.slow


def relay_command(profile, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "desktop_app", "--profile", str(profile.root), "relay", *args],
                          capture_output=True, text=True, env=relay_env(), timeout=60)


async def test_each_desk_gets_its_extension_and_a_supervisor_everything(relay_profile):
    with ContactDirectory(relay_profile.db_path) as directory:
        known = directory.add(Contact(name="Ольга Петрова", company="ООО Ромашка", phones=("8 999 123-45-67",),
                                      manager="701"))
    tokens = {ext: add_desk(relay_profile, ext) for ext in ("701", "702")}
    supervisor = add_desk(relay_profile, "700", all_calls=True, name="Старший")
    async with running_relay(relay_profile, heartbeat=0.2) as relay:
        desks = {ext: Desk(relay.url, token).start() for ext, token in tokens.items()}
        desks["all"] = Desk(relay.url, supervisor).start()
        pbx = Pbx(relay.url)
        try:
            for desk in desks.values():
                await desk.wait_open()
            bodies = [
                ("/event", event("c1", "701")),
                ("/event", event("c2", "702", client="+7 (495) 000-00-01")),
                ("/event", event("c3", "703")),
                ("/history", history("c1", "701")),
                ("/campaign/report", {"id": "r1", "final": True, "result": "Success", "vars": {"a": "б"}}),
            ]
            for route, body in bodies:
                assert (await pbx.post(route, body)).status_code == 200
            everything = await desks["all"].wait_for(5)
            mine = await desks["701"].wait_for(2)
            theirs = await desks["702"].wait_for(1)
            await desks["all"].wait_for(5)
            for desk in desks.values():  # heartbeats go on while nothing happens
                count = desk.comments
                while desk.comments < count + 2:
                    await desks["all"].wait_for(5)
                    await asyncio.sleep(0.05)
        finally:
            for desk in desks.values():
                await desk.close()
            await pbx.close()
    assert [m.event for m in everything] == ["event", "event", "event", "history", "campaign_report"]
    ids = [int(m.id) for m in everything]
    assert ids == sorted(ids) and len(set(ids)) == 5
    assert [m.event for m in mine] == ["event", "history"]
    assert [json.loads(m.data)["id"] for m in mine] == ["c1", "c1"]
    assert [json.loads(m.data)["id"] for m in theirs] == ["c2"]
    first = json.loads(mine[0].data)
    assert first["contact"]["id"] == known.id
    assert first["contact"]["name"] == "Ольга Петрова"
    assert first["contact"]["phones"] == ["79991234567"]
    assert {k: v for k, v in first.items() if k != "contact"} == event("c1", "701")  # as received
    assert "contact" not in json.loads(theirs[0].data)  # nobody has that number
    assert json.loads(everything[4].data) == {"id": "r1", "final": True, "result": "Success", "vars": {"a": "б"}}
    assert mine[0].id == everything[0].id  # one id per message, whoever receives it


async def test_resume_replays_what_was_missed_then_goes_live_without_gap_or_duplicate(relay_profile):
    token = add_desk(relay_profile, "701")
    async with running_relay(relay_profile) as relay:
        pbx = Pbx(relay.url)
        desk = Desk(relay.url, token).start()
        try:
            await desk.wait_open()
            for i in range(3):
                await pbx.post("/event", event(f"a{i}", "701"))
            seen = await desk.wait_for(3)
            await desk.close()
            last = int(seen[-1].id)
            for i in range(4):  # while the desk is away; one for someone else
                await pbx.post("/event", event(f"b{i}", "701" if i != 2 else "702"))
            again = Desk(relay.url, token, last_id=last).start()
            await again.wait_for(3)
            await pbx.post("/event", event("c0", "701"))
            await again.wait_for(4)
            await again.close()
            # The query parameter works as the header does (for clients that cannot set it).
            async with httpx.AsyncClient(timeout=IO_TIMEOUT) as http:
                async with http.stream("GET", f"{relay.url}/desk/v1/events?last_event_id={last}",
                                       headers={"authorization": f"Bearer {token}"}) as response:
                    text = ""
                    async for chunk in response.aiter_text():
                        text += chunk
                        if text.count("event: event") == 4:
                            break
        finally:
            await pbx.close()
    assert [d["id"] for d in again.data()] == ["b0", "b1", "b3", "c0"]
    assert again.ids() == sorted(set(again.ids())) and again.ids()[0] > last
    assert '"id":"b0"' in text and '"id":"a2"' not in text


async def test_tokens_that_do_not_open_the_stream(relay_profile):
    token = add_desk(relay_profile, "701")
    removed = add_desk(relay_profile, "702")
    relay_command(relay_profile, "remove-desk", "702")
    async with running_relay(relay_profile) as relay, httpx.AsyncClient(timeout=IO_TIMEOUT) as http:
        url = relay.url + "/desk/v1/events"
        for headers in ({}, {"authorization": "Bearer gdr_wrong"}, {"authorization": f"Bearer {removed}"},
                        {"authorization": f"Basic {token}"}, {"x-api-key": CRM_TOKEN}):
            response = await http.get(url, headers=headers)
            assert response.status_code == 401, headers
            assert response.headers["www-authenticate"].startswith("Bearer")
        assert (await http.get(relay.url + "/desk/v1/contacts?q=a")).status_code == 401
        # A desk token is not the PBX's key, nor the other way round.
        assert (await http.post(relay.url + "/event", json=event("x", "701"),
                                headers={"x-api-key": token})).status_code == 401
        bad_id = await http.get(url, headers={"authorization": f"Bearer {token}", "last-event-id": "abc"})
        assert bad_id.status_code == 400
        assert (await http.get(relay.url + "/health")).json() == {"status": "ok"}
        await relay.stop()
    assert token not in relay.output() and removed not in relay.output()


async def test_remove_desk_closes_its_open_stream_at_once(relay_profile):
    added = relay_command(relay_profile, "add-desk", "705", "--name", "Анна Смирнова")
    assert added.returncode == 0, added.stderr
    token = added.stdout.strip().splitlines()[-1]  # alone on the last line
    assert token.startswith("gdr_") and " " not in token
    async with running_relay(relay_profile) as relay:
        desk = Desk(relay.url, token).start()
        try:
            await desk.wait_open()
            listing = relay_command(relay_profile, "desks")
            assert "705" in listing.stdout and "Анна Смирнова" in listing.stdout and " yes " in listing.stdout
            removed = relay_command(relay_profile, "remove-desk", "1")
            assert removed.returncode == 0 and "removed desk 1" in removed.stdout
            async with asyncio.timeout(IO_TIMEOUT):
                await desk.ended.wait()
            again = Desk(relay.url, token).start()
            await again.opened.wait()
            assert again.status == 401
            await again.close()
        finally:
            await desk.close()
        await relay.stop()
    assert "disconnected (revoked)" in relay.output()
    assert token not in relay.output()
    assert relay_command(relay_profile, "remove-desk", "705").returncode == 1  # nothing left to remove


async def test_the_relay_is_headless_and_stops_cleanly_on_sigterm(relay_profile):
    token = add_desk(relay_profile, "701")
    async with running_relay(relay_profile) as relay:
        desk = Desk(relay.url, token).start()
        pbx = Pbx(relay.url)
        await desk.wait_open()
        await pbx.post("/event", event("c1", "701"))
        await pbx.post("/event", {"id": "broken"})  # no direction: 400
        await pbx.post("/event", event("c2", "701"), token="wrong")
        await desk.wait_for(1)
        code = await relay.stop()
        async with asyncio.timeout(IO_TIMEOUT):
            await desk.ended.wait()  # the stream ended with the relay
        await desk.close()
        await pbx.close()
    output = relay.output()
    assert code == 0, output
    assert output.splitlines()[-1] == "qt-modules: none"
    assert "desk 1 (701) connected from 127.0.0.1" in output
    assert "webhook event 200 from 127.0.0.1" in output and "id='c1' extension='701'" in output
    assert "webhook event 400" in output and "webhook event 401" in output
    assert "relay stopped" in output
    assert token not in output and CRM_TOKEN not in output


async def test_metrics_need_an_allowed_address_or_the_metrics_token(relay_profile):
    add_desk(relay_profile, "701")
    async with running_relay(relay_profile) as relay, httpx.AsyncClient(timeout=IO_TIMEOUT) as http:
        await http.post(relay.url + "/event", json=event("c1", "701"), headers={"x-api-key": CRM_TOKEN})
        response = await http.get(relay.url + "/metrics")  # 127.0.0.1 is allowed by default
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
        assert 'gravitel_relay_webhooks_total{kind="event",status="200"} 1' in response.text
        assert "gravitel_relay_desks_connected 0" in response.text
        assert "gravitel_relay_fanout_latency_seconds_bucket" in response.text
        assert "gravitel_relay_quarantine_size" in response.text
    relay_profile.config_path.write_text('[listener]\nport = 0\n[relay]\nmetrics_from = ["10.0.0.0/8"]\n')
    env = {"GRAVITEL_DESK_METRICS_TOKEN": "metrics-secret"}
    async with running_relay(relay_profile, env=env) as relay, httpx.AsyncClient(timeout=IO_TIMEOUT) as http:
        assert (await http.get(relay.url + "/metrics")).status_code == 403
        wrong = await http.get(relay.url + "/metrics", headers={"authorization": "Bearer nope"})
        assert wrong.status_code == 403
        right = await http.get(relay.url + "/metrics", headers={"authorization": "Bearer metrics-secret"})
        assert right.status_code == 200


async def test_desks_share_the_relay_directory(relay_profile):
    token = add_desk(relay_profile, "701")
    auth = {"authorization": f"Bearer {token}"}
    async with running_relay(relay_profile) as relay, httpx.AsyncClient(timeout=IO_TIMEOUT) as http:
        base = relay.url + "/desk/v1/contacts"
        created = await http.post(base, headers=auth, json={"name": "Иван", "phones": ["8 (999) 000-11-22"]})
        assert created.status_code == 201
        contact = created.json()
        assert contact["phones"] == ["79990001122"] and contact["id"] > 0
        updated = await http.put(f"{base}/{contact['id']}", headers=auth,
                                 json={**contact, "company": "ООО Луч", "manager": "702"})
        assert updated.json()["company"] == "ООО Луч"
        assert (await http.get(f"{base}/{contact['id']}", headers=auth)).json()["manager"] == "702"
        search = (await http.get(base, headers=auth, params={"q": "луч"})).json()
        assert [c["name"] for c in search["contacts"]] == ["Иван"] and search["more"] is False
        by_number = (await http.get(base, headers=auth, params={"number": "+79990001122"})).json()
        assert [c["id"] for c in by_number["contacts"]] == [contact["id"]]
        page = (await http.get(base, headers=auth, params={"limit": "10"})).json()
        assert page["total"] == 1
        bad = await http.post(base, headers=auth, json={"name": "", "company": ""})
        assert bad.status_code == 400 and "name" in bad.json()["error"].lower()
        assert (await http.post(base, headers=auth, content=b"[1")).status_code == 400
        assert (await http.put(f"{base}/999", headers=auth, json={"name": "x"})).status_code == 404
        # The PBX's /client is answered from the same directory.
        client = await http.post(relay.url + "/client", json={"id": "q1", "client": "89990001122"},
                                 headers={"x-api-key": CRM_TOKEN})
        assert client.json() == {"name": "Иван", "manager": "702"}
        assert (await http.delete(f"{base}/{contact['id']}", headers=auth)).json() == {"deleted": True}
        assert (await http.get(f"{base}/{contact['id']}", headers=auth)).status_code == 404
