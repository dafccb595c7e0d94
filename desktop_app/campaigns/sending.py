"""Putting stored campaign calls into the PBX's queue, asking their status, deleting them.

:meth:`CampaignSender.send` sends a campaign's unsent calls (pending, and failed ones
again) with ``callArray``, ``batch_size`` calls per request, one request after another.
A batch the PBX accepts is marked queued at once, so nothing that went through is ever
sent twice. A batch that fails is marked failed with the PBX's reason, and the send stops
there (the token, the campaign or the PBX itself is wrong, and the next batch would fail
the same way) unless the PBX refused only that batch's data (400, 405). Sending again
later takes the failed and the never-sent calls.

A failure after the request may have reached the PBX (no answer in time, a broken
connection, a 5xx) leaves its calls *uncertain*: before they are sent again, each is looked
up with a status request, and only those the PBX does not know (404) go out again. The PBX
would refuse a known id anyway (405), which would stop the whole batch.

Nothing here retries on its own: calls that make the robot ring are never repeated
without the operator asking (the client never retries them either).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from desktop_app.campaigns.store import CallState, CampaignStore, NewCall, Report, StoredCall
from desktop_app.core.texts import QT_TRANSLATE_NOOP, Text
from desktop_app.pbx.client import (
    PbxBadRequest,
    PbxClient,
    PbxError,
    PbxNotFound,
    PbxRequestError,
    PbxValidationError,
)
from desktop_app.pbx.types import CampaignCall

log = logging.getLogger(__name__)

_CTX = "campaigns"
DEFAULT_BATCH_SIZE = 100
MAX_BATCH_SIZE = 1000
# Status requests in flight at once (checking uncertain calls, refreshing the table).
STATUS_CONCURRENCY = 4

Progress = Callable[[int, int], None]  # (done, total)


@dataclass(frozen=True)
class BatchFailure:
    """A batch the PBX did not take: its calls and why."""

    call_ids: tuple[str, ...]
    reason: Text
    uncertain: bool  # the request may have reached the PBX

    def text(self) -> Text:
        return Text(_CTX, QT_TRANSLATE_NOOP("campaigns", "{count} calls ({first} … {last}) not queued: {reason}"),
                    {"count": len(self.call_ids), "first": self.call_ids[0], "last": self.call_ids[-1],
                     "reason": self.reason})


@dataclass
class SendReport:
    total: int = 0  # unsent calls when the send started
    sent: int = 0  # accepted by the PBX now
    found: int = 0  # an earlier uncertain send had reached the PBX after all
    failures: list[BatchFailure] = field(default_factory=list)
    stopped: bool = False  # a failure stopped the send before every batch was tried

    @property
    def failed(self) -> int:
        return sum(len(failure.call_ids) for failure in self.failures)

    @property
    def left(self) -> int:
        """Calls still to send (failed, and never tried after a stop)."""
        return self.total - self.sent - self.found

    def summary(self) -> Text:
        if not self.total:
            return Text(_CTX, QT_TRANSLATE_NOOP("campaigns", "Nothing to send: every call of the campaign is queued."))
        if not self.left:
            return Text(_CTX, QT_TRANSLATE_NOOP("campaigns", "Queued {count} calls."),
                        {"count": self.sent + self.found})
        return Text(_CTX, QT_TRANSLATE_NOOP(
            "campaigns", "Queued {sent} of {total} calls; {left} are not queued yet: send again to retry them."),
            {"sent": self.sent + self.found, "total": self.total, "left": self.left})

    def lines(self) -> list[str]:
        return [str(self.summary()), *(str(failure.text()) for failure in self.failures)]


def uncertain(error: PbxError) -> bool:
    """Whether a failed request that makes something happen may have been carried out."""
    if isinstance(error, PbxRequestError) or not error.reached_pbx:
        return False
    return error.status is None or not 400 <= error.status < 500


def _batch_only(error: PbxError) -> bool:
    """The PBX refused this batch's data; the next batch may go through."""
    return isinstance(error, (PbxBadRequest, PbxValidationError))


def _chunks(calls: Sequence[StoredCall], size: int) -> list[Sequence[StoredCall]]:
    return [calls[start:start + size] for start in range(0, len(calls), size)]


class CampaignSender:
    """Sends, checks and deletes the calls of ``store`` through ``pbx``."""

    def __init__(self, store: CampaignStore, pbx: PbxClient, *, batch_size: int = DEFAULT_BATCH_SIZE) -> None:
        if not 1 <= batch_size <= MAX_BATCH_SIZE:
            raise ValueError(f"batch_size must be 1..{MAX_BATCH_SIZE}")
        self._store = store
        self._pbx = pbx
        self._batch_size = batch_size

    async def send(self, campaign: int, *, progress: Progress | None = None) -> SendReport:
        """Send every unsent call of ``campaign``; see the module docstring."""
        calls = self._store.unsent(campaign)
        report = SendReport(total=len(calls))
        done = 0

        def advance(count: int) -> None:
            nonlocal done
            done += count
            if progress is not None:
                progress(done, report.total)

        advance(0)
        checked, found = await self._check_uncertain(campaign, [c for c in calls if c.uncertain], report)
        report.found = len(found)
        if found:
            advance(len(found))
        to_send = [c for c in calls if not c.uncertain or c.call_id in checked]
        for batch in _chunks(to_send, self._batch_size):
            if report.stopped:
                break
            ids = tuple(call.call_id for call in batch)
            try:
                await self._pbx.campaign_call_array(
                    campaign, [CampaignCall(call.call_id, call.number, call.vars) for call in batch])
            except PbxError as exc:
                doubt = uncertain(exc)
                log.warning("campaign %s: a batch of %d calls failed (%s)", campaign, len(ids), exc)
                self._store.mark_failed(ids, exc.text.dumps(), uncertain=doubt)
                report.failures.append(BatchFailure(ids, exc.text, doubt))
                report.stopped = not _batch_only(exc)
                continue
            self._store.mark_sent(ids)
            report.sent += len(ids)
            advance(len(ids))
        return report

    async def _check_uncertain(self, campaign: int, calls: list[StoredCall],
                               report: SendReport) -> tuple[set[str], set[str]]:
        """Ask the PBX about calls whose last send may have reached it. Returns the ids to
        send again (the PBX does not know them) and the ids it has."""
        again: set[str] = set()
        found: set[str] = set()
        failed: list[str] = []
        error: PbxError | None = None
        limit = asyncio.Semaphore(STATUS_CONCURRENCY)

        async def check(call: StoredCall) -> None:
            nonlocal error
            async with limit:
                if error is not None:
                    failed.append(call.call_id)
                    return
                try:
                    status = await self._pbx.campaign_call_status(campaign, call.call_id)
                except PbxNotFound:
                    again.add(call.call_id)
                    return
                except PbxError as exc:
                    error = error or exc
                    failed.append(call.call_id)
                    return
            found.add(call.call_id)
            outcome = Report.from_status(status)
            if outcome is None:
                self._store.confirm_queued(call.call_id)
            else:
                self._store.confirm_queued(call.call_id)
                self._store.apply_report(outcome)

        await asyncio.gather(*(check(call) for call in calls))
        self._store.mark_not_sent(again)
        if error is not None:
            reason = Text(_CTX, QT_TRANSLATE_NOOP(
                "campaigns", "could not ask the PBX whether an earlier send arrived: {reason}"), {"reason": error.text})
            report.failures.append(BatchFailure(tuple(sorted(failed)), reason, True))
            report.stopped = True
        return again, found

    async def send_one(self, campaign: int, call: NewCall) -> None:
        """Store one call and queue it with ``campaign/call``; PbxError when the PBX refused."""
        self._store.add_calls(campaign, [call])
        try:
            await self._pbx.campaign_call(campaign, CampaignCall(call.id, call.number, call.vars))
        except PbxError as exc:
            self._store.mark_failed([call.id], exc.text.dumps(), uncertain=uncertain(exc))
            raise
        self._store.mark_sent([call.id])

    async def refresh(self, campaign: int, call_ids: Sequence[str] | None = None,
                      *, progress: Progress | None = None) -> int:
        """Ask the PBX for the state of ``call_ids`` (default: every queued or retrying call of
        ``campaign``) and keep what it says; returns how many it answered. Stops at the first
        failure other than "not found" (then raises it)."""
        if call_ids is None:
            ids = [c.call_id for c in self._store.calls(campaign, states=(CallState.QUEUED, CallState.RETRYING))]
        else:
            ids = list(call_ids)
        answered = 0
        limit = asyncio.Semaphore(STATUS_CONCURRENCY)
        error: PbxError | None = None

        async def ask(call_id: str) -> None:
            nonlocal answered, error
            async with limit:
                if error is not None:
                    return
                try:
                    status = await self._pbx.campaign_call_status(campaign, call_id)
                except PbxNotFound:
                    self._lost(call_id)
                    return
                except PbxError as exc:
                    error = error or exc
                    return
            answered += 1
            outcome = Report.from_status(status)
            self._store.confirm_queued(call_id)
            if outcome is not None:
                self._store.apply_report(outcome)
            if progress is not None:
                progress(answered, len(ids))

        await asyncio.gather(*(ask(call_id) for call_id in ids))
        if error is not None:
            raise error
        return answered

    def _lost(self, call_id: str) -> None:
        call = self._store.get(call_id)
        if call is not None and call.state is CallState.QUEUED:
            reason = Text(_CTX, QT_TRANSLATE_NOOP("campaigns", "The PBX does not know this call."))
            self._store.mark_lost(call_id, reason.dumps())

    async def delete(self, campaign: int, call_id: str) -> None:
        """Take a call out of the PBX's queue (the PBX reports it Canceled). A call that never
        reached the PBX is only dropped here."""
        call = self._store.get(call_id)
        if call is not None and call.state in (CallState.PENDING, CallState.FAILED) and not call.uncertain:
            self._store.forget([call_id])
            return
        try:
            await self._pbx.campaign_call_delete(campaign, call_id)
        except PbxNotFound:
            if call is not None and call.state in (CallState.PENDING, CallState.FAILED):
                self._store.forget([call_id])
                return
            raise
        self._store.mark_deleted(call_id)
