"""The PBX balance, asked at most once per window (seed §3.2.9: once in 10 minutes).

Every request that may have reached the PBX starts the window, failed ones included (a
429 too): the PBX counts what it receives, not what succeeded. Inside the window the
last balance is served from memory with its age. Concurrent callers share one request.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from desktop_app.pbx_client import PbxRateLimited
from desktop_app.pbx_types import Balance
from desktop_app.texts import QT_TRANSLATE_NOOP, Text, UserError

DEFAULT_WINDOW = 600.0


@dataclass(frozen=True)
class BalanceReading:
    balance: Balance
    fetched_at: datetime  # wall time (UTC) of the answer
    age_seconds: float
    from_cache: bool
    next_request_in: float  # seconds until the PBX allows another request (0: now)


class BalanceTooSoon(UserError):
    """The PBX's limit forbids a request now. ``reading``: the last balance, if any."""

    def __init__(self, retry_in: float, window: float, *, reading: BalanceReading | None = None,
                 rate_limited: bool = False) -> None:
        args = {"window": _minutes(window), "minutes": _minutes(retry_in)}
        if rate_limited:
            source = QT_TRANSLATE_NOOP(
                "balance",
                "The PBX allows one balance request every {window} min and refused this one. Try again in {minutes} min.",
            )
        else:
            source = QT_TRANSLATE_NOOP(
                "balance", "The PBX allows one balance request every {window} min. Try again in {minutes} min.")
        super().__init__(Text("balance", source, args))
        self.retry_in = retry_in
        self.reading = reading
        self.rate_limited = rate_limited


def _minutes(seconds: float) -> int:
    return max(1, math.ceil(seconds / 60 - 1e-9))


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class BalanceGate:
    """``await gate.get()`` -> :class:`BalanceReading`.

    ``get(force=True)`` is for an explicit "refresh" by the operator: when the window
    forbids a request it raises :class:`BalanceTooSoon` (carrying the cached reading) so
    the operator learns why the value did not change; ``get()`` then quietly serves the cache.
    """

    def __init__(self, client_fetch: Callable[[], Awaitable[Balance]], window: float = DEFAULT_WINDOW,
                 clock: Callable[[], float] = time.monotonic,
                 wall_clock: Callable[[], datetime] = _utc_now) -> None:
        if window <= 0:
            raise ValueError("window must be positive")
        self._fetch = client_fetch
        self._window = window
        self._clock = clock
        self._wall_clock = wall_clock
        self._balance: Balance | None = None
        self._fetched_mono = 0.0
        self._fetched_at: datetime | None = None
        self._next_allowed: float | None = None  # monotonic time of the next permitted request
        self._last_rate_limited = False
        self._inflight: asyncio.Future[BalanceReading] | None = None

    @property
    def window(self) -> float:
        return self._window

    def next_request_in(self) -> float:
        if self._next_allowed is None:
            return 0.0
        return max(0.0, self._next_allowed - self._clock())

    def cached(self) -> BalanceReading | None:
        """The last balance with its age, without asking the PBX."""
        if self._balance is None or self._fetched_at is None:
            return None
        return BalanceReading(self._balance, self._fetched_at, max(0.0, self._clock() - self._fetched_mono),
                              True, self.next_request_in())

    async def get(self, force: bool = False) -> BalanceReading:
        if self._inflight is not None:
            return await asyncio.shield(self._inflight)
        retry_in = self.next_request_in()
        if retry_in > 0:
            reading = self.cached()
            if reading is not None and not force:
                return reading
            raise BalanceTooSoon(retry_in, self._window, reading=reading, rate_limited=self._last_rate_limited)
        task = asyncio.ensure_future(self._request())
        self._inflight = task
        task.add_done_callback(self._finished)
        return await asyncio.shield(task)

    def _finished(self, task: asyncio.Future[BalanceReading]) -> None:
        self._inflight = None
        if not task.cancelled():
            task.exception()  # every caller may have gone: mark the exception as seen

    async def _request(self) -> BalanceReading:
        try:
            balance = await self._fetch()
        except PbxRateLimited as exc:
            wait = max(self._window, exc.retry_after or 0.0)
            self._close_window(wait, rate_limited=True)
            raise BalanceTooSoon(wait, self._window, reading=self.cached(), rate_limited=True) from exc
        except BaseException as exc:
            # A request that never left (connection refused) does not count against the limit.
            if getattr(exc, "reached_pbx", True):
                self._close_window(self._window, rate_limited=False)
            raise
        self._close_window(self._window, rate_limited=False)
        self._balance = balance
        self._fetched_mono = self._clock()
        self._fetched_at = self._wall_clock()
        return BalanceReading(balance, self._fetched_at, 0.0, False, self.next_request_in())

    def _close_window(self, seconds: float, *, rate_limited: bool) -> None:
        # Counted from the answer, not the sending: the PBX saw the request no later than that.
        self._next_allowed = self._clock() + seconds
        self._last_rate_limited = rate_limited
