"""Fixtures of the simulator tests: a started simulator, an HTTP client, a recording CRM."""

from __future__ import annotations

import asyncio
import json
import ssl
from datetime import datetime, timezone

import httpx
import pytest

from desktop_app.core.http_server import HttpServer, Request, Response
from desktop_app.simulator import Delays, Simulator

# Friday 15 March 2024, 15:00 in Moscow: weeks and months have both past and future days.
NOW = datetime(2024, 3, 15, 12, 0, tzinfo=timezone.utc)
DOMAIN = "test.aicall.ru"
TOKEN = "sim-token"
CRM_TOKEN = "crm-secret"


class FakeClock:
    def __init__(self) -> None:
        self.value = 1000.0

    def __call__(self) -> float:
        return self.value


class RecordingCrm:
    """A CRM that records every webhook and answers ``/client`` with ``client_answer``."""

    def __init__(self, ssl_context: ssl.SSLContext | None = None) -> None:
        self.received: list[tuple[str, dict]] = []
        self.tokens: list[str | None] = []
        self.client_answer: dict = {}
        self.status = 200
        self.arrivals: asyncio.Queue[str] = asyncio.Queue()
        self.server = HttpServer(self.handle, ssl_context=ssl_context)

    async def handle(self, request: Request) -> Response:
        self.tokens.append(request.headers.get("x-api-key"))
        self.received.append((request.path, json.loads(request.body)))
        self.arrivals.put_nowait(request.path)
        if request.path in ("/client", "/contact"):
            return Response.json(200, self.client_answer)
        return Response.json(self.status, {})

    async def wait_for(self, path: str) -> None:
        """Return once a request to ``path`` has arrived (since the last wait)."""
        while await self.arrivals.get() != path:
            pass

    def paths(self) -> list[str]:
        return [path for path, _ in self.received]

    def of(self, call_id: str) -> list[tuple[str, dict]]:
        return [(path, body) for path, body in self.received if body.get("id") == call_id]


@pytest.fixture
async def make_crm():
    """Start more recording CRMs (``await make_crm(ssl_context=...)``); all are closed after the test."""
    started: list[RecordingCrm] = []

    async def make(ssl_context: ssl.SSLContext | None = None) -> RecordingCrm:
        recorder = RecordingCrm(ssl_context)
        await recorder.server.start()
        started.append(recorder)
        return recorder

    yield make
    for recorder in started:
        await recorder.server.close()


@pytest.fixture
async def crm(make_crm):
    return await make_crm()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def sim(crm, clock):
    simulator = Simulator(
        domain=DOMAIN, token=TOKEN, crm_url=crm.server.url, crm_token=CRM_TOKEN, delays=Delays.none(),
        seed=7, now=lambda: NOW, clock=clock,
    )
    await simulator.start()
    yield simulator
    await simulator.close()


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
async def client(sim):
    """Relative paths are PBX commands (``client.get("accounts")``); absolute URLs work too."""
    async with httpx.AsyncClient(base_url=f"{sim.url}/v1/{sim.domain}/", headers={"X-API-KEY": TOKEN}) as http:
        yield http
