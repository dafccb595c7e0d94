"""Calls the simulator plays toward a CRM: the webhook sequence the PBX sends, over real HTTP."""

from __future__ import annotations

import asyncio
import io
import ssl
import wave

import httpx
import pytest
import trustme

from desktop_app.core.http_server import HttpServer
from desktop_app.simulator import Delays, Simulator
from desktop_app.simulator.calls import campaign_outcome
from desktop_app.simulator.data import CAMPAIGNS, EMPLOYEES

CRM_TOKEN = "crm-secret"


async def ring(sim: Simulator, **body) -> str:
    async with httpx.AsyncClient() as http:
        response = await http.post(f"{sim.url}/control/ring", json=body)
    assert response.status_code == 202
    return response.json()["id"]


async def test_incoming_call_sequence(sim, crm):
    crm.client_answer = {"name": "ООО Ромашка", "manager": "705"}
    call_id = await ring(sim, number="+7 (999) 123-45-67", phone="74952302344")
    await sim.wait_idle()
    sequence = crm.of(call_id)
    assert [(path, body.get("stage")) for path, body in sequence] == [
        ("/client", None),
        ("/event", "Alerting"),
        ("/event", "Talking"),
        ("/event", "Released"),
        ("/history", None),
    ]
    assert set(crm.tokens) == {CRM_TOKEN}
    client_request = sequence[0][1]
    assert client_request == {"id": call_id, "client": "79991234567", "phone": "74952302344"}
    for _, event in sequence[1:4]:
        assert set(event) == {"id", "when", "direction", "stage", "client", "extension", "phone"}
        assert event["direction"] == "In" and event["client"] == "79991234567"
        assert event["extension"] == "705"  # routed to the manager the CRM named
        assert event["phone"] == "74952302344"
        assert isinstance(event["when"], int)
    history = sequence[4][1]
    assert history["direction"] == "In" and history["result"] == "Success"
    assert history["extension"] == "705" and history["client"] == "79991234567"
    assert history["duration"] > 0 and history["provision"] > 0
    assert history["record"] == f"{sim.url}/records/{sim.domain}/{call_id}.wav"


async def test_recording_of_a_played_call_is_a_wav(sim, crm):
    call_id = await ring(sim)
    await sim.wait_idle()
    url = crm.of(call_id)[-1][1]["record"]
    async with httpx.AsyncClient() as http:
        response = await http.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "audio/wav"
    with wave.open(io.BytesIO(response.content)) as wav:
        assert wav.getnchannels() == 1 and wav.getsampwidth() == 2
        assert 1 < wav.getnframes() / wav.getframerate() < 10


async def test_missed_call_has_no_talking_and_no_record(sim, crm):
    async with httpx.AsyncClient() as http:
        response = await http.post(f"{sim.url}/control/missed", json={"extension": "702"})
    call_id = response.json()["id"]
    await sim.wait_idle()
    sequence = crm.of(call_id)
    assert [body.get("stage") for path, body in sequence if path == "/event"] == ["Alerting", "Released"]
    history = sequence[-1][1]
    assert history["result"] == "Missed" and history["duration"] == 0 and "record" not in history
    assert history["extension"] == "702"
    async with httpx.AsyncClient() as http:
        recording = await http.get(f"{sim.url}/records/{sim.domain}/{call_id}.wav")
    assert recording.status_code == 404


async def test_explicit_extension_beats_the_manager(sim, crm):
    crm.client_answer = {"name": "ООО Ромашка", "manager": "705"}
    call_id = await ring(sim, extension="709")
    await sim.wait_idle()
    assert {body["extension"] for path, body in crm.of(call_id) if path != "/client"} == {"709"}


async def test_unknown_manager_is_ignored(sim, crm):
    crm.client_answer = {"manager": "999"}
    call_id = await ring(sim)
    await sim.wait_idle()
    extension = crm.of(call_id)[1][1]["extension"]
    assert extension in {e.extension for e in EMPLOYEES}


async def test_ring_extension_takes_calls_nobody_claims(crm):
    async with Simulator(crm_url=crm.server.url, crm_token=CRM_TOKEN, delays=Delays.none(), seed=3,
                         ring_extension="712") as sim:
        ids = [await ring(sim) for _ in range(3)]
        await sim.wait_idle()
    for call_id in ids:
        assert crm.of(call_id)[1][1]["extension"] == "712"


async def test_burst_plays_calls_side_by_side(sim, crm):
    async with httpx.AsyncClient() as http:
        response = await http.post(f"{sim.url}/control/burst", json={"count": 4})
    ids = response.json()["ids"]
    assert response.status_code == 202 and len(set(ids)) == 4
    await sim.wait_idle()
    for call_id in ids:
        assert [path for path, _ in crm.of(call_id)] == ["/client", "/event", "/event", "/event", "/history"]


async def test_calls_are_in_flight_until_released(crm):
    """With real delays, a call is active (and in /control/state) while it rings."""
    async with Simulator(crm_url=crm.server.url, crm_token=CRM_TOKEN, seed=1,
                         delays=Delays(ring=3600, talk=0, wrap=0, queue=0, robot=0)) as sim:
        call_id = await ring(sim)
        await crm.wait_for("/event")
        async with httpx.AsyncClient() as http:
            state = (await http.get(f"{sim.url}/control/state")).json()
        assert [call["id"] for call in state["active_calls"]] == [call_id]
        assert state["active_calls"][0]["stage"] == "Alerting"
    # close() cancelled the ringing call: nothing is left running, nothing more was sent
    assert [path for path, _ in crm.of(call_id)] == ["/client", "/event"]


async def test_unreachable_crm_is_logged_and_calls_go_on(caplog):
    probe = HttpServer(lambda request: None)  # bind a port, then free it: nobody listens there
    await probe.start()
    dead_url = probe.url
    await probe.close()
    async with Simulator(crm_url=dead_url, crm_token=CRM_TOKEN, delays=Delays.none(), seed=5) as sim:
        call_id = await ring(sim)
        await sim.wait_idle()
        assert sim.state.find_call(call_id) is not None
        assert sim.player.failed == 5 and sim.player.delivered == 0
    assert "unreachable" in caplog.text
    assert CRM_TOKEN not in caplog.text


async def test_crm_errors_are_logged_and_calls_go_on(sim, crm, caplog):
    crm.status = 500
    call_id = await ring(sim)
    await sim.wait_idle()
    assert [path for path, _ in crm.of(call_id)] == ["/client", "/event", "/event", "/event", "/history"]
    assert "answered 500" in caplog.text


async def test_without_crm_calls_still_reach_history():
    async with Simulator(delays=Delays.none(), seed=2) as sim:
        call_id = await ring(sim)
        await sim.wait_idle()
        assert sim.state.find_call(call_id).kind == "in"


async def test_set_crm_redirects_later_calls(sim, crm, make_crm):
    other = await make_crm()
    sim.set_crm(other.server.url + "/", "other-token")
    call_id = await ring(sim)
    await sim.wait_idle()
    assert len(other.of(call_id)) == 5 and crm.of(call_id) == []
    assert set(other.tokens) == {"other-token"}


async def test_https_crm_trusted_through_its_ca(make_crm, caplog):
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    secure = await make_crm(ssl_context=server_context)
    trusted = ssl.create_default_context()
    ca.configure_trust(trusted)
    assert secure.server.url.startswith("https://")
    async with Simulator(crm_url=secure.server.url, crm_token=CRM_TOKEN, crm_verify=trusted,
                         delays=Delays.none(), seed=1) as sim:
        call_id = await ring(sim)
        await sim.wait_idle()
        assert len(secure.of(call_id)) == 5
    # without the CA the certificate is refused: logged, nothing delivered, nothing crashes
    async with Simulator(crm_url=secure.server.url, crm_token=CRM_TOKEN, delays=Delays.none(), seed=2) as sim:
        call_id = await ring(sim)
        await sim.wait_idle()
        assert secure.of(call_id) == [] and sim.player.failed == 5


async def test_ring_every_rings_on_its_own(crm):
    async with Simulator(crm_url=crm.server.url, crm_token=CRM_TOKEN, delays=Delays.none(), seed=9,
                         ring_every=0.01):
        for _ in range(2):
            await crm.wait_for("/history")
    assert crm.paths().count("/client") >= 2


# -- campaigns ------------------------------------------------------------------------------


def test_campaign_outcome_is_stable_and_documented():
    campaign = CAMPAIGNS[0]
    assert campaign_outcome(campaign, "79991234560") == ("NotConnected", None)
    result, answer = campaign_outcome(campaign, "79991234567")
    assert result == "Success" and answer in campaign.answers
    assert campaign_outcome(campaign, "79991234567") == (result, answer)


async def test_deleting_a_queued_campaign_call_reports_canceled(crm):
    async with Simulator(crm_url=crm.server.url, crm_token=CRM_TOKEN, seed=1,
                         delays=Delays(ring=0, talk=0, wrap=0, queue=3600, robot=0)) as sim:
        async with httpx.AsyncClient(base_url=f"{sim.url}/v1/{sim.domain}/", headers={"X-API-KEY": sim.token}) as http:
            body = {"id": "q-1", "number": "79991234567", "vars": {"name": "Иванов"}}
            assert (await http.post("campaign/1/call", json=body)).status_code == 201
            status = (await http.get("campaign/1/call/q-1")).json()
            assert status == {"id": "q-1", "final": False, "vars": {"name": "Иванов"}, "status": "queued"}
            assert (await http.delete("campaign/1/call/q-1")).status_code == 200
            await sim.wait_idle()
            assert (await http.get("campaign/1/call/q-1")).status_code == 404
    [(path, report)] = crm.of("q-1")
    assert path == "/campaign/report"
    assert report == {"id": "q-1", "final": True, "result": "Canceled", "duration": 0, "vars": {"name": "Иванов"}}


@pytest.mark.parametrize("stage", ["queued", "calling"])
async def test_campaign_status_while_in_progress(crm, stage):
    delays = Delays(ring=0, talk=0, wrap=0, queue=3600 if stage == "queued" else 0, robot=3600)
    async with Simulator(crm_url=crm.server.url, crm_token=CRM_TOKEN, seed=1, delays=delays) as sim:
        async with httpx.AsyncClient(base_url=f"{sim.url}/v1/{sim.domain}/", headers={"X-API-KEY": sim.token}) as http:
            await http.post("campaign/2/call", json={"id": "p", "number": "79991234567", "vars": {}})
            for _ in range(3):  # let the queued task take its first step
                await asyncio.sleep(0)
            status = (await http.get("campaign/2/call/p")).json()
    assert status["status"] == stage and status["final"] is False and "result" not in status
    assert ("when" in status) == (stage == "calling")
    assert crm.received == []
