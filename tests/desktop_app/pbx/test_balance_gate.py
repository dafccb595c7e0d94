from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from desktop_app.core.http_server import HttpServer, Request, Response
from desktop_app.core.texts import Text
from desktop_app.pbx.balance_gate import BalanceGate, BalanceTooSoon
from desktop_app.pbx.client import (
    PbxClient,
    PbxConnectionError,
    PbxRateLimited,
    PbxServerError,
    make_http_client,
)
from desktop_app.pbx.types import Balance

T0 = datetime(2024, 3, 15, 12, 0, tzinfo=timezone.utc)


class Clocks:
    """A monotonic clock and a wall clock that move together, by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now

    def wall(self) -> datetime:
        return T0 + timedelta(seconds=self.now - 1000.0)

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FakeFetch:
    def __init__(self) -> None:
        self.calls = 0
        self.results: list[object] = []
        self.gate: asyncio.Event | None = None

    async def __call__(self) -> Balance:
        self.calls += 1
        if self.gate is not None:
            await self.gate.wait()
        result = self.results.pop(0) if self.results else Balance(100.0 + self.calls, 0.0)
        if isinstance(result, BaseException):
            raise result
        return result


def rate_limited(retry_after: float | None = None) -> PbxRateLimited:
    return PbxRateLimited(Text("pbx", "Too many requests"), retry_after=retry_after, command="balance", status=429)


def server_error() -> PbxServerError:
    return PbxServerError(Text("pbx", "boom"), command="balance", status=500)


def refused() -> PbxConnectionError:
    error = PbxConnectionError(Text("pbx", "refused"), command="balance")
    error.reached_pbx = False
    return error


@pytest.fixture
def clocks() -> Clocks:
    return Clocks()


@pytest.fixture
def fetch() -> FakeFetch:
    return FakeFetch()


@pytest.fixture
def gate(fetch, clocks) -> BalanceGate:
    return BalanceGate(fetch, window=600.0, clock=clocks.monotonic, wall_clock=clocks.wall)


async def test_one_request_per_window_and_the_cache_has_an_age(gate, fetch, clocks):
    first = await gate.get()
    assert first.balance == Balance(101.0, 0.0)
    assert first.from_cache is False and first.age_seconds == 0.0
    assert first.fetched_at == T0 and first.next_request_in == 600.0

    clocks.advance(120)
    cached = await gate.get()
    assert cached.balance == first.balance and cached.from_cache is True
    assert cached.age_seconds == 120.0 and cached.fetched_at == T0 and cached.next_request_in == 480.0

    clocks.advance(479.5)
    assert (await gate.get()).from_cache is True
    assert fetch.calls == 1

    clocks.advance(0.5)
    fresh = await gate.get()
    assert fresh.from_cache is False and fresh.balance == Balance(102.0, 0.0)
    assert fresh.fetched_at == T0 + timedelta(seconds=600)
    assert fetch.calls == 2


async def test_forced_refresh_inside_the_window_says_when(gate, fetch, clocks):
    await gate.get(force=True)
    clocks.advance(61)
    with pytest.raises(BalanceTooSoon) as info:
        await gate.get(force=True)
    error = info.value
    assert error.retry_in == 539.0 and error.rate_limited is False
    assert error.reading is not None and error.reading.age_seconds == 61.0 and error.reading.from_cache
    assert str(error) == "The PBX allows one balance request every 10 min. Try again in 9 min."
    assert isinstance(error.text, Text)
    assert fetch.calls == 1


async def test_429_is_explained_and_starts_the_window(gate, fetch, clocks):
    fetch.results = [rate_limited()]
    with pytest.raises(BalanceTooSoon) as info:
        await gate.get()
    assert info.value.rate_limited is True and info.value.retry_in == 600.0 and info.value.reading is None
    assert isinstance(info.value.__cause__, PbxRateLimited)
    assert "refused this one" in str(info.value) and "Try again in 10 min" in str(info.value)

    clocks.advance(300)
    with pytest.raises(BalanceTooSoon, match="Try again in 5 min"):
        await gate.get()
    assert fetch.calls == 1  # never retried in a loop

    clocks.advance(300)
    assert (await gate.get()).from_cache is False
    assert fetch.calls == 2


async def test_429_respects_a_longer_retry_after(gate, fetch, clocks):
    fetch.results = [rate_limited(retry_after=900)]
    with pytest.raises(BalanceTooSoon, match="Try again in 15 min"):
        await gate.get()
    clocks.advance(600)
    with pytest.raises(BalanceTooSoon):
        await gate.get()
    clocks.advance(300)
    await gate.get()
    assert fetch.calls == 2


async def test_429_after_a_success_keeps_the_last_reading(gate, fetch, clocks):
    await gate.get()
    clocks.advance(600)
    fetch.results = [rate_limited()]  # another desk with the same token asked meanwhile
    with pytest.raises(BalanceTooSoon) as info:
        await gate.get()
    assert info.value.reading is not None and info.value.reading.age_seconds == 600.0
    clocks.advance(10)
    stale = await gate.get()
    assert stale.from_cache and stale.age_seconds == 610.0 and stale.balance == Balance(101.0, 0.0)
    assert fetch.calls == 2


async def test_a_failure_that_reached_the_pbx_counts(gate, fetch, clocks):
    fetch.results = [server_error()]
    with pytest.raises(PbxServerError):
        await gate.get()
    clocks.advance(30)
    with pytest.raises(BalanceTooSoon, match="Try again in 10 min"):
        await gate.get()
    assert fetch.calls == 1


async def test_a_request_that_never_left_does_not_count(gate, fetch, clocks):
    fetch.results = [refused()]
    with pytest.raises(PbxConnectionError):
        await gate.get()
    assert gate.next_request_in() == 0.0
    assert (await gate.get()).from_cache is False
    assert fetch.calls == 2


async def test_concurrent_callers_share_one_request(gate, fetch):
    fetch.gate = asyncio.Event()
    callers = [asyncio.create_task(gate.get()) for _ in range(5)]
    forced = asyncio.create_task(gate.get(force=True))
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert fetch.calls == 1
    fetch.gate.set()
    readings = await asyncio.gather(*callers, forced)
    assert fetch.calls == 1
    assert {r.balance for r in readings} == {Balance(101.0, 0.0)}


async def test_concurrent_callers_share_one_failure(gate, fetch):
    fetch.gate = asyncio.Event()
    fetch.results = [rate_limited()]
    callers = [asyncio.create_task(gate.get()) for _ in range(3)]
    await asyncio.sleep(0)
    fetch.gate.set()
    results = await asyncio.gather(*callers, return_exceptions=True)
    assert all(isinstance(r, BalanceTooSoon) and r.rate_limited for r in results)
    assert fetch.calls == 1


async def test_a_cancelled_caller_does_not_cancel_the_shared_request(gate, fetch):
    fetch.gate = asyncio.Event()
    first = asyncio.create_task(gate.get())
    second = asyncio.create_task(gate.get())
    await asyncio.sleep(0)
    first.cancel()
    fetch.gate.set()
    reading = await second
    assert reading.from_cache is False and fetch.calls == 1
    with pytest.raises(asyncio.CancelledError):
        await first
    assert gate.cached() is not None


def test_window_must_be_positive(fetch):
    with pytest.raises(ValueError):
        BalanceGate(fetch, window=0)


async def test_with_the_real_client_a_429_is_one_request(clocks):
    requests: list[Request] = []

    async def handler(request: Request) -> Response:
        requests.append(request)
        if len(requests) == 1:
            return Response.json(429, {"error": "too many requests"})
        return Response.json(200, {"balance": 1234.56, "credit": 0})

    server = HttpServer(handler, host="127.0.0.1", port=0)
    await server.start()
    try:
        async with make_http_client(timeout=httpx.Timeout(5.0)) as http:
            client = PbxClient(http, api_url=server.url, domain="example.aicall.ru", token="tok-1234")
            gate = BalanceGate(client.balance, clock=clocks.monotonic, wall_clock=clocks.wall)
            with pytest.raises(BalanceTooSoon, match="refused this one"):
                await gate.get()
            for _ in range(3):
                with pytest.raises(BalanceTooSoon):
                    await gate.get(force=True)
            assert len(requests) == 1
            clocks.advance(600)
            reading = await gate.get()
            assert reading.balance == Balance(1234.56, 0.0) and len(requests) == 2
    finally:
        await server.close()


async def test_the_window_and_the_balance_survive_a_restart(tmp_path):
    from desktop_app.pbx.balance_gate import BalanceGate
    from desktop_app.pbx.types import Balance

    asked = []

    async def fetch():
        asked.append(1)
        return Balance(1234.56, 0.0)

    state = tmp_path / "balance.json"
    first = BalanceGate(fetch, window=600, state_file=state)
    reading = await first.get()
    assert not reading.from_cache and len(asked) == 1
    second = BalanceGate(fetch, window=600, state_file=state)  # the app started again
    again = await second.get()
    assert again.from_cache and again.balance == Balance(1234.56, 0.0) and len(asked) == 1
    assert 0 < second.next_request_in() <= 600


async def test_an_unreadable_state_file_is_ignored(tmp_path):
    from desktop_app.pbx.balance_gate import BalanceGate
    from desktop_app.pbx.types import Balance

    state = tmp_path / "balance.json"
    state.write_text("{not json")

    async def fetch():
        return Balance(1.0, 0.0)

    gate = BalanceGate(fetch, state_file=state)
    assert not (await gate.get()).from_cache
