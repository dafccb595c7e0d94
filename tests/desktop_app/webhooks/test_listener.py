"""The webhook listener end to end on 127.0.0.1: routes, auth, journal, lookup, state, crash safety."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sqlite3
import ssl
import sys
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest
import trustme
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop_app.core import database
from desktop_app.core.http_server import Limits
from desktop_app.core.settings import Settings
from desktop_app.webhooks.journal import WebhookJournal
from desktop_app.webhooks.listener import Listener, ListenerError, ListenerState
from desktop_app.webhooks.types import (
    CallEvent,
    CallHistory,
    CampaignReport,
    CampaignResult,
    ClientRequest,
    Direction,
    Stage,
    parse,
)

TOKEN = "crm-secret-token"
AUTH = {"X-API-KEY": TOKEN}
PREFIX = "/gravitel"
ROOT = Path(__file__).resolve().parents[3]
IO_TIMEOUT = 10.0  # safety net against hangs, never an assertion

EVENT = {"id": "call-1", "direction": "In", "stage": "Alerting", "client": "79991234567", "extension": "700"}
HISTORY = {"id": "call-1", "direction": "in", "result": "Success", "duration": 69, "provision": 13}
REPORT = {"id": "robot-1", "final": True, "result": "InternalServerError", "vars": {"answer": "да"}}


class Recorder:
    def __init__(self) -> None:
        self.webhooks: list[Any] = []
        self.states: list[ListenerState] = []


@contextlib.asynccontextmanager
async def running_listener(profile, recorder: Recorder | None = None, **kwargs: Any):
    recorder = recorder or Recorder()
    options: dict[str, Any] = dict(
        db_path=profile.db_path, crm_token=TOKEN, host="127.0.0.1", port=0, path_prefix=PREFIX,
        on_webhook=recorder.webhooks.append, on_state=recorder.states.append,
    )
    options.update(kwargs)
    listener = Listener(**options)
    await listener.start()
    try:
        async with httpx.AsyncClient(base_url=listener.url, timeout=IO_TIMEOUT) as http:
            yield listener, http, recorder
    finally:
        await listener.close()


@pytest.fixture
async def setup(profile):
    async with running_listener(profile) as running:
        yield running


def stored(profile) -> list[tuple[str, str, dict]]:
    journal = WebhookJournal(profile.db_path)
    try:
        return [(e.kind, e.call_id, e.data()) for e in journal.entries()]
    finally:
        journal.close()


async def settle() -> None:
    """Let call_soon deliveries run."""
    for _ in range(3):
        await asyncio.sleep(0)


# --- routes ----------------------------------------------------------------------------


async def test_health_needs_no_auth(setup):
    _listener, http, _rec = setup
    answer = await http.get("/health")
    assert (answer.status_code, answer.json()) == (200, {"status": "ok"})
    assert (await http.head("/health")).status_code == 200
    wrong = await http.post("/health")
    assert wrong.status_code == 405
    assert wrong.headers["allow"] == "GET, HEAD"


@pytest.mark.parametrize("path", ["/event", "/gravitel", "/gravitel/nope", "/gravitelx/event", "/gravitel/campaign"])
async def test_unknown_paths_are_404(setup, path):
    listener, http, _rec = setup
    answer = await http.post(listener.server.url + path, headers=AUTH, json=EVENT)
    assert answer.status_code == 404
    assert "error" in answer.json()


@pytest.mark.parametrize("route", ["/event", "/client", "/contact", "/history", "/campaign/report"])
async def test_wrong_method_is_405_with_allow(setup, route):
    _listener, http, _rec = setup
    answer = await http.get(route, headers=AUTH)
    assert answer.status_code == 405
    assert answer.headers["allow"] == "POST"


@pytest.mark.parametrize("headers", [{}, {"X-API-KEY": "wrong"}, {"X-API-KEY": TOKEN + "x"}, {"X-API-KEY": ""}])
@pytest.mark.parametrize("route", ["/event", "/client", "/history", "/campaign/report"])
async def test_auth_is_required(setup, profile, headers, route):
    _listener, http, rec = setup
    answer = await http.post(route, headers=headers, json=EVENT)
    assert answer.status_code == 401
    assert answer.json() == {"error": "missing or wrong X-API-KEY"}
    await settle()
    assert rec.webhooks == [] and stored(profile) == []


async def test_api_key_header_name_is_case_insensitive(setup):
    _listener, http, _rec = setup
    assert (await http.post("/event", headers={"x-api-key": TOKEN}, json=EVENT)).status_code == 200


async def test_slashes_are_forgiven(setup):
    listener, http, _rec = setup
    assert (await http.post("/event/", headers=AUTH, json=EVENT)).status_code == 200
    base = listener.server.url
    assert (await http.post(base + "//gravitel//history", headers=AUTH, json=HISTORY)).status_code == 200


# --- journaled webhooks ----------------------------------------------------------------


async def test_event_is_stored_and_handed_on(setup, profile):
    _listener, http, rec = setup
    answer = await http.post("/event", headers=AUTH, json={**EVENT, "trunk": "sip-1"})
    assert (answer.status_code, answer.json()) == (200, {"status": "ok"})
    assert stored(profile) == [("event", "call-1", {**EVENT, "trunk": "sip-1"})]  # raw JSON, extras kept
    await settle()
    (event,) = rec.webhooks
    assert isinstance(event, CallEvent)
    assert (event.direction, event.stage, event.extra) == (Direction.IN, Stage.ALERTING, {"trunk": "sip-1"})


async def test_repeated_delivery_is_stored_and_handed_on_once(setup, profile):
    _listener, http, rec = setup
    for _ in range(3):
        answer = await http.post("/event", headers=AUTH, json=EVENT)
        assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "duplicate": True}
    assert (await http.post("/event", headers=AUTH, json={**EVENT, "stage": "TALKING"})).status_code == 200
    for _ in range(2):
        assert (await http.post("/history", headers=AUTH, json=HISTORY)).status_code == 200
    for _ in range(2):
        assert (await http.post("/campaign/report", headers=AUTH, json=REPORT)).status_code == 200
    assert [(kind, call) for kind, call, _data in stored(profile)] == [
        ("event", "call-1"), ("event", "call-1"), ("history", "call-1"), ("campaign_report", "robot-1"),
    ]
    await settle()
    assert [type(w) for w in rec.webhooks] == [CallEvent, CallEvent, CallHistory, CampaignReport]
    assert rec.webhooks[1].stage is Stage.TALKING
    assert rec.webhooks[3].result is CampaignResult.INTERNAL_ERROR


async def test_a_group_call_ringing_the_next_extension_is_news_not_a_repeat(setup, profile):
    """The PBX rings a group one extension after another under one call id: the second
    operator's card depends on that alerting being handed on."""
    from desktop_app.calls.tracker import CallTracker

    _listener, http, rec = setup
    tracker = CallTracker(extension="701", show_for="mine")
    for extension in ("700", "701", "701"):
        answer = await http.post("/event", headers=AUTH, json={**EVENT, "extension": extension})
        assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "duplicate": True}  # the true repeat still is one
    await settle()
    assert [w.extension for w in rec.webhooks] == ["700", "701"]
    for webhook in rec.webhooks:
        tracker.handle(webhook)
    assert [call.extension for call in tracker.calls] == ["701"]  # operator 701 gets a card


async def test_delivery_follows_arrival_order(setup, profile):
    _listener, http, rec = setup
    posts = [http.post("/event", headers=AUTH, json={**EVENT, "id": f"c{i}"}) for i in range(30)]
    answers = await asyncio.gather(*posts)
    assert {a.status_code for a in answers} == {200}
    await settle()
    assert [w.id for w in rec.webhooks] == [call for _kind, call, _data in stored(profile)]
    assert len(rec.webhooks) == 30


@pytest.mark.parametrize(
    "route, payload, field",
    [
        ("/event", {k: v for k, v in EVENT.items() if k != "stage"}, "stage"),
        ("/event", {k: v for k, v in EVENT.items() if k != "id"}, "id"),
        ("/history", {**HISTORY, "duration": "abc"}, "duration"),
        ("/event", {**EVENT, "when": 1577836800000}, "when"),  # milliseconds, not seconds
        ("/history", {k: v for k, v in HISTORY.items() if k != "provision"}, "provision"),
        ("/client", {"client": "79991234567"}, "id"),
        ("/campaign/report", {k: v for k, v in REPORT.items() if k != "vars"}, "vars"),
        ("/campaign/report", {**REPORT, "final": "perhaps"}, "final"),
    ],
)
async def test_invalid_webhooks_are_400_naming_the_field(setup, profile, route, payload, field):
    _listener, http, rec = setup
    answer = await http.post(route, headers=AUTH, json=payload)
    assert answer.status_code == 400
    assert field in answer.json()["error"]
    await settle()
    assert rec.webhooks == [] and stored(profile) == []


@pytest.mark.parametrize(
    "body, needle",
    [(b"{not json", "not valid JSON"), (b"\xff\xfe", "UTF-8"), (b"[]", "JSON object"), (b"", "empty")],
)
async def test_bad_bodies_are_400(setup, body, needle):
    _listener, http, _rec = setup
    answer = await http.post("/event", headers=AUTH, content=body)
    assert answer.status_code == 400
    assert needle in answer.json()["error"]


async def test_body_over_64k_is_413(setup, profile):
    _listener, http, _rec = setup
    answer = await http.post("/event", headers=AUTH, json={**EVENT, "pad": "x" * (64 * 1024)})
    assert answer.status_code == 413
    assert stored(profile) == []


async def test_store_failure_answers_500_then_a_retry_succeeds(setup, profile):
    listener, http, rec = setup
    other = database.connect(profile.db_path)
    try:
        other.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON webhook_journal BEGIN SELECT RAISE(ABORT, 'disk full'); END"
        )
        failed = await http.post("/event", headers=AUTH, json=EVENT)
        assert failed.status_code == 500
        assert "retry" in failed.json()["error"]
        await settle()
        assert rec.webhooks == []
        other.execute("DROP TRIGGER refuse")
    finally:
        other.close()
    assert (await http.post("/event", headers=AUTH, json=EVENT)).status_code == 200  # the PBX's retry
    await settle()
    assert len(rec.webhooks) == 1 and len(stored(profile)) == 1
    assert listener.state.errors == 1


# --- /client ---------------------------------------------------------------------------


async def test_client_lookup_answers_name_and_manager(profile):
    asked: list[ClientRequest] = []

    async def lookup(request: ClientRequest) -> dict:
        asked.append(request)
        return {"name": "ООО Ромашка", "manager": 700, "internal_note": "not for the PBX", "empty": None}

    async with running_listener(profile, client_lookup=lookup) as (_listener, http, rec):
        for route in ("/client", "/contact"):
            answer = await http.post(route, headers=AUTH, json={"id": "c9", "client": "8 999 123-45-67"})
            assert (answer.status_code, answer.json()) == (200, {"name": "ООО Ромашка", "manager": "700"})
        assert asked[0].client_number == "79991234567"
        await settle()
        assert [type(w) for w in rec.webhooks] == [ClientRequest, ClientRequest]
        assert stored(profile) == []  # /client is answered, not journaled


@pytest.mark.parametrize(
    "behaviour",
    ["slow", "raises", "not-a-dict", "unknown", "partial"],
)
async def test_client_lookup_failures_answer_empty_object(profile, behaviour):
    async def lookup(request: ClientRequest) -> Any:
        if behaviour == "slow":
            await asyncio.sleep(IO_TIMEOUT)
        if behaviour == "raises":
            raise RuntimeError("directory unavailable")
        if behaviour == "not-a-dict":
            return ["Ivan"]
        if behaviour == "partial":
            return {"name": "  ", "manager": "701"}
        return {}

    async with running_listener(profile, client_lookup=lookup, lookup_timeout=0.1) as (_listener, http, _rec):
        answer = await http.post("/client", headers=AUTH, json={"id": "c1", "client": "79990000000"})
        expected = {"manager": "701"} if behaviour == "partial" else {}
        assert (answer.status_code, answer.json()) == (200, expected)


async def test_no_lookup_answers_empty_object(setup):
    _listener, http, _rec = setup
    answer = await http.post("/contact", headers=AUTH, json={"id": "c1"})
    assert (answer.status_code, answer.json()) == (200, {})


# --- state and lifecycle ---------------------------------------------------------------


async def test_state_follows_what_happens(profile):
    rec = Recorder()
    async with running_listener(profile, rec) as (listener, http, _rec):
        assert listener.state.running and listener.state.url == listener.url
        assert listener.url.startswith("http://127.0.0.1:") and listener.url.endswith(PREFIX)
        await http.post("/event", headers=AUTH, json=EVENT)
        await http.post("/event", headers=AUTH, json=EVENT)  # repeated: still received
        await http.post("/event", json=EVENT)  # 401
        await http.get("/nowhere")  # 404
        state = listener.state
        assert (state.webhooks_received, state.errors) == (2, 2)
        assert state.last_webhook_at is not None
    assert not listener.state.running and listener.state.url is None
    assert rec.states[0].running and not rec.states[-1].running
    assert [s.webhooks_received for s in rec.states].count(2) >= 1


async def test_core_errors_are_counted(profile):
    async with running_listener(profile) as (listener, http, _rec):
        await http.post("/event", headers=AUTH, content=b"x" * (65 * 1024))
        assert listener.state.errors == 1


async def test_public_url_is_what_the_pbx_should_use(profile):
    async with running_listener(profile, public_url="https://desk.example.com/gravitel/") as (listener, _http, _r):
        assert listener.public_url == "https://desk.example.com/gravitel"
        assert listener.state.url == "https://desk.example.com/gravitel"


async def test_from_settings(profile, tmp_path):
    settings = Settings()
    settings.listener.port = 0
    settings.listener.path_prefix = "/crm"
    listener = Listener.from_settings(settings, profile, TOKEN)
    await listener.start()
    try:
        assert listener.url.endswith("/crm")
        async with httpx.AsyncClient() as http:
            assert (await http.post(listener.url + "/event", headers=AUTH, json=EVENT)).status_code == 200
        assert len(await listener.journal.entries()) == 1
    finally:
        await listener.close()
    assert profile.db_path.exists()


@pytest.mark.parametrize("token", [None, ""])
async def test_no_crm_token_refuses_to_start(profile, token):
    rec = Recorder()
    listener = Listener(db_path=profile.db_path, crm_token=token, port=0, on_state=rec.states.append)
    with pytest.raises(ListenerError) as caught:
        await listener.start()
    assert "gravitel-desk token set crm" in str(caught.value)
    assert caught.value.text.context == "listener"
    assert listener.state.error == caught.value.text and not listener.state.running
    assert rec.states[-1].error is not None


async def test_port_in_use_is_explained(profile):
    async with running_listener(profile) as (first, _http, _rec):
        second = Listener(db_path=profile.db_path, crm_token=TOKEN, port=first.server.port)
        with pytest.raises(ListenerError, match="already in use"):
            await second.start()
        await second.close()


async def test_bad_host_is_explained(profile):
    listener = Listener(db_path=profile.db_path, crm_token=TOKEN, host="192.0.2.254", port=0)
    with pytest.raises(ListenerError, match="Cannot listen on 192.0.2.254"):
        await listener.start()


async def test_bad_tls_files_are_explained(profile, tmp_path):
    missing = Listener(db_path=profile.db_path, crm_token=TOKEN, port=0, tls_cert=str(tmp_path / "c.pem"),
                       tls_key=str(tmp_path / "k.pem"))
    with pytest.raises(ListenerError, match="Cannot load the TLS certificate"):
        await missing.start()
    half = Listener(db_path=profile.db_path, crm_token=TOKEN, port=0, tls_cert=str(tmp_path / "c.pem"))
    with pytest.raises(ListenerError, match="both the TLS certificate and key"):
        await half.start()


async def test_bad_prefix_is_explained(profile):
    listener = Listener(db_path=profile.db_path, crm_token=TOKEN, port=0, path_prefix="gravitel/")
    with pytest.raises(ListenerError, match="path prefix"):
        await listener.start()


async def test_unopenable_database_is_explained(tmp_path):
    folder = tmp_path / "desk.sqlite3"
    folder.mkdir()
    listener = Listener(db_path=folder, crm_token=TOKEN, port=0)
    with pytest.raises(ListenerError, match="Cannot open the database"):
        await listener.start()


async def test_https_listener(profile, tmp_path):
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    cert.private_key_and_cert_chain_pem.write_to_path(str(tmp_path / "cert.pem"))
    cert.private_key_pem.write_to_path(str(tmp_path / "key.pem"))
    client_context = ssl.create_default_context()
    ca.configure_trust(client_context)
    listener = Listener(db_path=profile.db_path, crm_token=TOKEN, port=0, path_prefix=PREFIX,
                        tls_cert=str(tmp_path / "cert.pem"), tls_key=str(tmp_path / "key.pem"))
    await listener.start()
    try:
        assert listener.url.startswith("https://")
        async with httpx.AsyncClient(verify=client_context) as http:
            assert (await http.post(listener.url + "/event", headers=AUTH, json=EVENT)).status_code == 200
    finally:
        await listener.close()


async def test_old_journal_entries_are_pruned_at_start(profile):
    journal = WebhookJournal(profile.db_path)
    try:
        old = json.dumps({**EVENT, "id": "old"})
        recent = json.dumps({**EVENT, "id": "recent"})
        journal.record(parse("event", old.encode()), old, received_at=1.0)  # 1970
        journal.record(parse("event", recent.encode()), recent)
    finally:
        journal.close()
    async with running_listener(profile, journal_retention_days=90):
        pass
    assert [call for _kind, call, _data in stored(profile)] == ["recent"]


async def test_close_leaves_no_task_or_thread(profile):
    threads, tasks = threading.active_count(), asyncio.all_tasks()
    async with running_listener(profile) as (_listener, http, _rec):
        await http.post("/event", headers=AUTH, json=EVENT)
    assert threading.active_count() == threads
    assert asyncio.all_tasks() == tasks


# --- crash safety ----------------------------------------------------------------------


@pytest.mark.slow
async def test_every_acknowledged_event_survives_sigkill(tmp_path):
    db_path = tmp_path / "desk.sqlite3"
    env = {**os.environ, "GRAVITEL_DESK_CRM_TOKEN": TOKEN, "PYTHONPATH": str(ROOT)}
    child = await asyncio.create_subprocess_exec(
        sys.executable, str(Path(__file__).with_name("listener_child.py")), str(db_path),
        stdout=asyncio.subprocess.PIPE, env=env, cwd=ROOT,
    )
    acknowledged: list[str] = []
    enough = asyncio.Event()
    try:
        async with asyncio.timeout(60):
            port = int(await child.stdout.readline())

        async def poster(worker: int) -> None:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=IO_TIMEOUT) as http:
                for n in range(100_000):
                    call_id = f"w{worker}-{n}"
                    try:
                        answer = await http.post("/event", headers=AUTH, json={**EVENT, "id": call_id})
                    except httpx.TransportError:
                        return  # the child is gone
                    assert answer.status_code == 200
                    acknowledged.append(call_id)
                    if len(acknowledged) >= 300:
                        enough.set()

        posters = [asyncio.create_task(poster(w)) for w in range(4)]
        async with asyncio.timeout(120):
            await enough.wait()
            # Mid-stream: the posters are still sending. os.kill, not Process.kill: the latter
            # polls (waitpid) first and may reap the child before asyncio's watcher sees it.
            os.kill(child.pid, signal.SIGKILL)
            await asyncio.gather(*posters)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child.pid, signal.SIGKILL)
        await child.communicate()
    assert child.returncode == -signal.SIGKILL
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        ids = {row[0] for row in conn.execute("SELECT call_id FROM webhook_journal WHERE kind = 'event'")}
    finally:
        conn.close()
    assert len(acknowledged) >= 300
    missing = set(acknowledged) - ids
    assert not missing, f"{len(missing)} acknowledged events lost, e.g. {sorted(missing)[:5]}"


# --- fuzz ------------------------------------------------------------------------------


class ThreadedListener:
    """A Listener on its own loop in a thread, so hypothesis can drive plain functions."""

    def __init__(self, db_path: Path) -> None:
        self.listener = Listener(db_path=db_path, crm_token=TOKEN, host="127.0.0.1", port=0,
                                 limits=Limits(header_timeout=2.0, body_timeout=2.0))
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fuzz-listener", daemon=True)

    def __enter__(self) -> ThreadedListener:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.listener.start(), self._loop).result(IO_TIMEOUT)
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            asyncio.run_coroutine_threadsafe(self.listener.close(), self._loop).result(IO_TIMEOUT)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(IO_TIMEOUT)
            self._loop.close()


@pytest.fixture(scope="module")
def fuzz_listener(tmp_path_factory):
    with (
        ThreadedListener(tmp_path_factory.mktemp("fuzz") / "desk.sqlite3") as running,
        httpx.Client(base_url=running.listener.url, timeout=IO_TIMEOUT, headers=AUTH) as http,
    ):
        yield http


ROUTES = st.sampled_from(["/event", "/history", "/client", "/contact", "/campaign/report"])
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=6), kids, max_size=3),
    max_leaves=12,
)
objects = st.dictionaries(
    st.sampled_from(["id", "direction", "stage", "result", "duration", "provision", "final", "vars", "when", "client"])
    | st.text(max_size=6),
    json_values | st.sampled_from(["in", "OUT", "alerting", "Success", "InternalError"]),
    max_size=9,
)
bodies = st.one_of(
    st.binary(max_size=200),  # arbitrary bytes, invalid UTF-8 included
    objects.map(lambda o: json.dumps(o).encode()),
    objects.map(lambda o: json.dumps(o).encode()[:-1]),  # truncated JSON
    st.text(max_size=50).map(lambda t: t.encode("utf-8", "surrogatepass")),
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(route=ROUTES, body=bodies)
def test_fuzz_bodies_get_200_or_400(fuzz_listener, route, body):
    answer = fuzz_listener.post(route, content=body)
    assert answer.status_code in (200, 400), answer.text
    if answer.status_code == 400:
        assert answer.json()["error"]
    valid = fuzz_listener.post("/event", json={**EVENT, "id": "after-fuzz"})
    assert valid.status_code == 200
