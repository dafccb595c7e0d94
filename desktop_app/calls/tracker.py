"""Call states for the caller cards, from the PBX's webhook stream (seed §3.1.1-3.1.2).

:class:`CallTracker` reads every accepted webhook (``handle`` is the listener's
``on_webhook``, or part of it) and tells its observers about calls the operator should
see (``popup.show_for``: ``"mine"`` = calls of ``pbx.extension``, ``"all"`` = every call;
incoming and outgoing)::

    tracker = CallTracker.from_settings(settings)
    tracker.on_update.append(show_card)        # (TrackedCall) -> None: ringing, talking, ended
    tracker.on_missed.append(count_missed)     # (MissedCall) -> None
    tracker.on_missed_cleared.append(uncount)  # (call id) -> None: it was answered after all
    tracker.handle(webhook)
    tracker.expire()                           # now and then: closes calls gone silent

The PBX delivers over the network, so events come out of order, twice, or never end:

* a stage never goes back (alerting < talking < released); a repeated or stale delivery
  changes nothing and notifies no one;
* a call that ended is remembered for ``remember_ended`` seconds, so a late ``alerting``
  (after its ``released``) opens no card, and a ``released`` that comes first leaves none;
* a call with no event for ``ringing_timeout`` (ringing) or ``talking_timeout`` (talking;
  long, since nothing is sent while people talk) is closed as :attr:`EndReason.SILENT`.

A missed call is an incoming call the operator saw ringing that ended without talking,
or an incoming history with result ``missed``. Each is reported once; a late delivery
proving it was answered (``talking``, or a history with another result) takes it back
through ``on_missed_cleared``.

No Qt here: the same tracker serves the GUI and tests on plain asyncio.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from desktop_app.contacts.directory import try_normal_form
from desktop_app.webhooks.types import CallEvent, CallHistory, Direction, HistoryResult, Stage

log = logging.getLogger(__name__)

SHOW_FOR = ("mine", "all")
RINGING_TIMEOUT = 5 * 60.0  # a phone rarely rings this long: the end was lost
TALKING_TIMEOUT = 4 * 3600.0  # the PBX is silent while people talk: be patient
REMEMBER_ENDED = 3600.0  # seconds a finished call's id is kept for late deliveries
MAX_REMEMBERED = 10_000  # bound on those ids whatever the traffic

Clock = Callable[[], float]

_STAGE_ORDER = {Stage.ALERTING: 0, Stage.TALKING: 1, Stage.RELEASED: 2}


class CallState(StrEnum):
    RINGING = "ringing"
    TALKING = "talking"
    ENDED = "ended"


class EndReason(StrEnum):
    RELEASED = "released"  # the PBX said so (a released event or the history)
    ANSWERED_ELSEWHERE = "answered_elsewhere"  # "mine": a colleague picked it up
    SILENT = "silent"  # no event for too long


@dataclass(frozen=True)
class TrackedCall:
    """What a caller card shows. Times are ``clock()`` values (UTC epoch seconds)."""

    id: str
    direction: Direction
    state: CallState
    client: str | None  # the client's number as the PBX sent it
    number: str | None  # its normal form; None when hidden or not a number
    extension: str | None  # the employee's extension (the latest one told)
    phone: str | None  # the PBX number called (incoming) or the caller id used (outgoing)
    when: int | None  # the PBX's start time
    seen_at: float  # when the desk first heard of the call
    updated_at: float  # the last event about it
    talking_since: float | None = None
    ended_at: float | None = None
    end_reason: EndReason | None = None
    missed: bool = False

    @property
    def incoming(self) -> bool:
        return self.direction is Direction.IN

    @property
    def answered(self) -> bool:
        return self.talking_since is not None


@dataclass(frozen=True)
class MissedCall:
    id: str
    client: str | None
    number: str | None  # normal form; None when hidden
    extension: str | None
    phone: str | None
    at: float  # UTC epoch seconds: the PBX's start time, else when the desk heard of it
    recovered: bool = False  # learnt from the PBX's history after the desk was down


@dataclass
class _Gone:
    """A call that ended (or was only ever heard of as ended)."""

    at: float
    seen: bool  # it was shown (a card existed): it was the operator's
    answered: bool
    missed: bool  # reported through on_missed


class CallTracker:
    """Turns webhooks into call states; see the module docstring.

    ``extension`` and ``show_for`` may be changed at any time (settings window). With
    ``show_for="mine"`` and no extension set yet, every call is shown: a new operator
    sees cards instead of wondering why nothing happens.
    """

    def __init__(
        self,
        *,
        extension: str = "",
        show_for: str = "mine",
        ringing_timeout: float = RINGING_TIMEOUT,
        talking_timeout: float = TALKING_TIMEOUT,
        remember_ended: float = REMEMBER_ENDED,
        clock: Clock = time.time,
    ) -> None:
        if ringing_timeout <= 0 or talking_timeout <= 0 or remember_ended <= 0:
            raise ValueError("timeouts must be positive")
        self.extension = extension
        self.show_for = show_for
        self.ringing_timeout = ringing_timeout
        self.talking_timeout = talking_timeout
        self.remember_ended = remember_ended
        self.clock = clock
        self.on_update: list[Callable[[TrackedCall], None]] = []
        self.on_missed: list[Callable[[MissedCall], None]] = []
        self.on_missed_cleared: list[Callable[[str], None]] = []
        self._active: dict[str, TrackedCall] = {}
        self._gone: OrderedDict[str, _Gone] = OrderedDict()

    @classmethod
    def from_settings(cls, settings: Any, **kwargs: Any) -> CallTracker:
        """From :class:`~desktop_app.core.settings.Settings` (``pbx.extension``, ``popup.show_for``)."""
        return cls(extension=settings.pbx.extension, show_for=settings.popup.show_for, **kwargs)

    def apply_settings(self, settings: Any) -> None:
        """Follow changed settings (``pbx.extension``, ``popup.show_for``) from the next webhook on."""
        self.extension = settings.pbx.extension
        self.show_for = settings.popup.show_for

    @property
    def extension(self) -> str:
        return self._extension

    @extension.setter
    def extension(self, value: str) -> None:
        self._extension = (value or "").strip()

    @property
    def show_for(self) -> str:
        return self._show_for

    @show_for.setter
    def show_for(self, value: str) -> None:
        value = (value or "").strip().lower()
        if value not in SHOW_FOR:
            raise ValueError(f"show_for must be one of {', '.join(SHOW_FOR)} (got {value!r})")
        self._show_for = value

    @property
    def calls(self) -> list[TrackedCall]:
        """Calls in progress, oldest first."""
        return list(self._active.values())

    def get(self, call_id: str) -> TrackedCall | None:
        return self._active.get(call_id)

    def is_mine(self, extension: str | None) -> bool:
        if self._show_for == "all" or not self._extension:
            return True
        return (extension or "").strip() == self._extension

    # -- input -------------------------------------------------------------------------

    def handle(self, webhook: Any, *, recovered: bool = False) -> TrackedCall | None:
        """Take one webhook (any kind; only events and histories matter here).

        ``recovered``: it comes from the PBX's history, fetched after the desk was down; a
        missed call it reports says so (:attr:`MissedCall.recovered`).
        Returns the call's new state when it changed, else None.
        """
        self.expire()
        if isinstance(webhook, CallEvent):
            return self._event(webhook)
        if isinstance(webhook, CallHistory):
            return self._history(webhook, recovered)
        return None

    def expire(self) -> list[TrackedCall]:
        """Close the calls gone silent and forget old finished ones; returns those closed."""
        now = self.clock()
        closed = []
        for call in list(self._active.values()):
            limit = self.ringing_timeout if call.state is CallState.RINGING else self.talking_timeout
            if now - call.updated_at >= limit:
                log.info("call %r silent for %.0f s: closing its card", call.id, now - call.updated_at)
                closed.append(self._end(call, now, EndReason.SILENT, missed=False))
        while self._gone:
            call_id, gone = next(iter(self._gone.items()))
            if now - gone.at < self.remember_ended and len(self._gone) <= MAX_REMEMBERED:
                break
            del self._gone[call_id]
        return closed

    def _event(self, event: CallEvent) -> TrackedCall | None:
        now = self.clock()
        gone = self._gone.get(event.id)
        if gone is not None:
            if event.stage is Stage.TALKING and not gone.answered:
                gone.answered = True  # a late delivery: it was answered after all
                self._clear_missed(event.id, gone)
            return None
        call = self._active.get(event.id)
        if call is None:
            if event.stage is Stage.RELEASED:
                # Its beginning is late or lost: remember it so the beginning opens no card.
                self._remember(event.id, _Gone(now, seen=False, answered=False, missed=False))
                return None
            if not self.is_mine(event.extension):
                return None  # a group call may still ring here later: nothing to remember
            call = TrackedCall(
                id=event.id,
                direction=event.direction,
                state=CallState.RINGING,
                client=event.client,
                number=try_normal_form(event.client),
                extension=event.extension,
                phone=event.phone,
                when=event.when,
                seen_at=now,
                updated_at=now,
            )
            if event.stage is Stage.TALKING:
                call = dataclasses.replace(call, state=CallState.TALKING, talking_since=now)
            self._active[call.id] = call
            self._notify(call)
            return call

        merged = self._merge(call, event, now)
        stage = _STAGE_ORDER[event.stage]
        current = _STAGE_ORDER[Stage.TALKING if call.state is CallState.TALKING else Stage.ALERTING]
        if event.stage is Stage.RELEASED:
            foreign = event.extension is not None and not self.is_mine(event.extension)
            return self._end(merged, now, EndReason.RELEASED, missed=merged.incoming and not merged.answered
                             and not foreign)
        if stage <= current:
            # A repeat or stale delivery: it proves the call is alive, shows nothing new.
            self._active[call.id] = merged
            if merged.extension != call.extension or merged.client != call.client or merged.phone != call.phone:
                self._notify(merged)
                return merged
            return None
        # alerting -> talking
        if event.extension is not None and not self.is_mine(event.extension):
            return self._end(merged, now, EndReason.ANSWERED_ELSEWHERE, missed=False, extension=event.extension)
        talking = dataclasses.replace(merged, state=CallState.TALKING, talking_since=now)
        self._active[call.id] = talking
        self._notify(talking)
        return talking

    def _merge(self, call: TrackedCall, event: CallEvent, now: float) -> TrackedCall:
        """``call`` with what ``event`` adds; in "mine" mode another extension is not taken."""
        extension = call.extension
        if event.extension is not None and self.is_mine(event.extension):
            extension = event.extension
        client = call.client or event.client
        return dataclasses.replace(
            call,
            client=client,
            number=call.number or try_normal_form(client),
            extension=extension,
            phone=call.phone or event.phone,
            when=call.when if call.when is not None else event.when,
            updated_at=now,
        )

    def _history(self, history: CallHistory, recovered: bool) -> TrackedCall | None:
        now = self.clock()
        answered = history.result is HistoryResult.SUCCESS or history.duration > 0
        missed_result = history.result is HistoryResult.MISSED and not answered
        call = self._active.get(history.id)
        if call is not None:
            # The released event was lost (or is late): the history ends the call too.
            if answered and not call.answered:
                call = dataclasses.replace(call, talking_since=now)
            missed = call.incoming and (missed_result or not call.answered)
            return self._end(call, now, EndReason.RELEASED, missed=missed, recovered=recovered)
        gone = self._gone.get(history.id)
        if gone is None:
            gone = _Gone(now, seen=False, answered=False, missed=False)
            self._remember(history.id, gone)
        if answered:
            gone.answered = True
            self._clear_missed(history.id, gone)
        elif (
            missed_result
            and history.direction is Direction.IN
            and not gone.missed
            and not gone.answered
            and (gone.seen or self.is_mine(history.extension))
        ):
            gone.missed = True
            self._report_missed(MissedCall(
                id=history.id,
                client=history.client,
                number=try_normal_form(history.client),
                extension=history.extension,
                phone=history.phone,
                at=float(history.when) if history.when is not None else now,
                recovered=recovered,
            ))
        return None

    # -- output ------------------------------------------------------------------------

    def _end(
        self,
        call: TrackedCall,
        now: float,
        reason: EndReason,
        *,
        missed: bool,
        extension: str | None = None,
        recovered: bool = False,
    ) -> TrackedCall:
        ended = dataclasses.replace(
            call,
            state=CallState.ENDED,
            ended_at=now,
            end_reason=reason,
            missed=missed,
            extension=extension or call.extension,
            updated_at=now,
        )
        self._active.pop(call.id, None)
        self._remember(call.id, _Gone(now, seen=True, answered=ended.answered, missed=missed))
        self._notify(ended)
        if missed:
            self._report_missed(MissedCall(
                id=call.id,
                client=call.client,
                number=call.number,
                extension=call.extension,
                phone=call.phone,
                at=float(call.when) if call.when is not None else call.seen_at,
                recovered=recovered,
            ))
        return ended

    def _remember(self, call_id: str, gone: _Gone) -> None:
        self._gone[call_id] = gone
        self._gone.move_to_end(call_id)
        while len(self._gone) > MAX_REMEMBERED:
            self._gone.popitem(last=False)

    def _clear_missed(self, call_id: str, gone: _Gone) -> None:
        if gone.missed:
            gone.missed = False
            _call_all(self.on_missed_cleared, call_id)

    def _report_missed(self, missed: MissedCall) -> None:
        log.info("missed call %r from %s", missed.id, missed.number or missed.client or "a hidden number")
        _call_all(self.on_missed, missed)

    def _notify(self, call: TrackedCall) -> None:
        _call_all(self.on_update, call)


def _call_all(callbacks: list[Callable[[Any], None]], value: Any) -> None:
    # One broken observer must not keep the others (or the listener) from hearing.
    for callback in list(callbacks):
        try:
            callback(value)
        except Exception:
            log.exception("call tracker observer %r failed", callback)
