"""The PBX balance, asked at most once per window (seed §3.2.9: once in 10 minutes).

Every request that may have reached the PBX starts the window, failed ones included (a
429 too): the PBX counts what it receives, not what succeeded. Inside the window the
last balance is served from memory with its age. Concurrent callers share one request.
With a ``state_file`` the window and the last balance survive a restart of the app, so
starting it twice within the window does not ask twice.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from desktop_app.core.texts import QT_TRANSLATE_NOOP, Text, UserError
from desktop_app.pbx.client import PbxRateLimited
from desktop_app.pbx.types import Balance

log = logging.getLogger(__name__)

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
                 wall_clock: Callable[[], datetime] = _utc_now, state_file: Path | None = None) -> None:
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
        self._state_file = state_file
        if state_file is not None:
            self._load()

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
        self._balance = balance
        self._fetched_mono = self._clock()
        self._fetched_at = self._wall_clock()
        self._close_window(self._window, rate_limited=False)
        return BalanceReading(balance, self._fetched_at, 0.0, False, self.next_request_in())

    def _close_window(self, seconds: float, *, rate_limited: bool) -> None:
        # Counted from the answer, not the sending: the PBX saw the request no later than that.
        self._next_allowed = self._clock() + seconds
        self._last_rate_limited = rate_limited
        self._save()

    # -- across restarts -------------------------------------------------------------------

    def _save(self) -> None:
        if self._state_file is None:
            return
        now = self._wall_clock().timestamp()
        state = {
            "next_allowed": now + self.next_request_in(),
            "rate_limited": self._last_rate_limited,
            "balance": None if self._balance is None else {"balance": self._balance.balance,
                                                          "credit": self._balance.credit},
            "fetched_at": None if self._fetched_at is None else self._fetched_at.timestamp(),
        }
        temporary = self._state_file.with_suffix(".tmp")
        try:
            temporary.write_text(json.dumps(state), encoding="utf-8")
            os.replace(temporary, self._state_file)
        except OSError as exc:  # the limit still holds for this run
            log.warning("cannot keep the balance window in %s: %s", self._state_file, exc)

    def _load(self) -> None:
        assert self._state_file is not None
        try:
            state = json.loads(self._state_file.read_text(encoding="utf-8"))
            now = self._wall_clock().timestamp()
            remaining = float(state["next_allowed"]) - now
            if remaining > 0:
                self._next_allowed = self._clock() + min(remaining, self._window * 2)
                self._last_rate_limited = bool(state.get("rate_limited"))
            if state.get("balance") is not None and state.get("fetched_at") is not None:
                self._balance = Balance(float(state["balance"]["balance"]), float(state["balance"]["credit"]))
                self._fetched_at = datetime.fromtimestamp(float(state["fetched_at"]), timezone.utc)
                self._fetched_mono = self._clock() - max(0.0, now - float(state["fetched_at"]))
        except FileNotFoundError:
            return
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("ignoring unreadable %s: %s", self._state_file, exc)
