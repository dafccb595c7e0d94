"""Fixtures the operator-window tests share: the simulator over real HTTP, a client for it,
and the profile's contact directory and call log."""

import asyncio

import pytest

from desktop_app.calls.call_log import CallLog
from desktop_app.contacts.directory import ContactDirectory
from desktop_app.core.http_server import HttpServer, Request, Response
from desktop_app.pbx.client import PbxClient, make_http_client
from desktop_app.simulator import Delays, Simulator

DOMAIN = "test.aicall.ru"
TOKEN = "sim-token"


@pytest.fixture
async def http():
    client = make_http_client()
    yield client
    await client.aclose()


@pytest.fixture
async def sim(http):
    # Depends on http so the simulator closes first: its connections end while the loop runs.
    simulator = Simulator(domain=DOMAIN, token=TOKEN, delays=Delays.none(), seed=5)
    await simulator.start()
    yield simulator
    await simulator.close()


@pytest.fixture
def pbx(sim, http):
    return PbxClient(http, api_url=sim.url, domain=DOMAIN, token=TOKEN)


@pytest.fixture
def contacts(profile):
    directory = ContactDirectory(profile.db_path)
    yield directory
    directory.close()


@pytest.fixture
def call_log(profile):
    log = CallLog(profile.db_path)
    yield log
    log.close()


class SlowPbx:
    """A PBX that holds every request until released, then answers ``answer``."""

    def __init__(self, answer) -> None:
        self.answer = answer
        self.arrived = asyncio.Event()
        self.release = asyncio.Event()
        self.server = HttpServer(self.handle)

    async def handle(self, request: Request) -> Response:
        self.arrived.set()
        await self.release.wait()
        return Response.json(200, self.answer)


@pytest.fixture
async def slow_pbx_answering(http):
    """``await slow_pbx_answering(answer)`` -> a started SlowPbx, released and closed at the end."""
    made: list[SlowPbx] = []

    async def make(answer) -> SlowPbx:
        pbx = SlowPbx(answer)
        await pbx.server.start()
        made.append(pbx)
        return pbx

    yield make
    for pbx in made:
        pbx.release.set()
        await pbx.server.close()
