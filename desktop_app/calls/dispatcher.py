"""What an accepted webhook does to the desk's calls: one place, no Qt.

Every way a call reaches the desk goes through :meth:`CallDispatcher.dispatch`: the desk's
own listener, an office relay's stream, and the PBX's history fetched after the desk was
down (backfill). The desk, the headless tools, the tests and the benches all call it, so
what they exercise is what the operator gets::

    dispatcher = CallDispatcher(call_log, tracker)
    listener = Listener(..., on_webhook=dispatcher)          # Origin.LIVE
    dispatcher.dispatch(history, Origin.RECOVERED)           # backfill

For each :class:`~desktop_app.webhooks.types.CallEvent` and
:class:`~desktop_app.webhooks.types.CallHistory`, in this order:

1. the call log keeps it (the caller card's "last calls" and the history window read it);
   a failure there is logged and the call still reaches the tracker: the journal already
   holds the webhook, a card must not be lost with a log row;
2. the call tracker moves the call's state (caller cards) and reports missed calls (the
   missed-calls list, the tray badge and notification follow the tracker).

A :class:`~desktop_app.webhooks.types.CampaignReport` (the voice robot's outcome of one
call) goes to the campaigns' :class:`~desktop_app.campaigns.follower.ReportFollower`,
which keeps it and applies the call-back rules; a failure there is logged (the journal
holds the report, and the follower takes it again at the next start).

Every webhook (``/client`` requests and campaign reports too) then goes to the tracker,
which ignores the ones it does not follow but uses the moment to close calls gone silent.

A *recovered* call (:attr:`Origin.RECOVERED`) is one the desk never heard of live: it is
marked so in the call log and in the missed-calls list. A call the log already holds
complete is not taken again (same call id), so a backfill never duplicates what the
listener heard; a call heard only in part (the desk went down while it rang) is completed.
"""

from __future__ import annotations

import logging
from enum import StrEnum

from desktop_app.calls.call_log import CallLog
from desktop_app.calls.tracker import CallTracker
from desktop_app.campaigns.follower import ReportFollower
from desktop_app.webhooks.types import CallEvent, CallHistory, CampaignReport, Webhook

log = logging.getLogger(__name__)


class Origin(StrEnum):
    """Where a webhook came from."""

    LIVE = "live"  # this desk's own listener
    RELAY = "relay"  # an office relay's stream (the same webhooks, forwarded)
    RECOVERED = "recovered"  # the PBX's call history, fetched after the desk was down


class CallDispatcher:
    """Feeds webhooks to the call log, the call tracker and the campaigns; see the module
    docstring.

    Each may be None (a headless tool without cards, a test of one side). Calling the
    dispatcher itself is :meth:`dispatch` with :attr:`Origin.LIVE`: it fits the listener's
    ``on_webhook``.
    """

    def __init__(self, call_log: CallLog | None, tracker: CallTracker | None,
                 campaigns: ReportFollower | None = None) -> None:
        self.call_log = call_log
        self.tracker = tracker
        self.campaigns = campaigns

    def __call__(self, webhook: Webhook) -> None:
        self.dispatch(webhook)

    def dispatch(self, webhook: Webhook, origin: Origin = Origin.LIVE) -> bool:
        """Take one accepted webhook. False when it was not taken: a recovered call the
        log already holds complete."""
        recovered = origin is Origin.RECOVERED
        if recovered and self._known(webhook):
            return False
        self._log(webhook, recovered)
        if isinstance(webhook, CampaignReport) and self.campaigns is not None:
            try:
                self.campaigns.take(webhook)
            except Exception:  # the journal has it; the follower takes it again at the next start
                log.exception("campaigns could not take report %r", webhook.id)
        if self.tracker is not None:
            self.tracker.handle(webhook, recovered=recovered)
        return True

    def _known(self, webhook: Webhook) -> bool:
        if self.call_log is None or not isinstance(webhook, (CallEvent, CallHistory)):
            return False
        try:
            call = self.call_log.get(webhook.id)
        except Exception:
            log.exception("call log could not be read for %s %r", webhook.kind, webhook.id)
            return False
        return call is not None and call.completed

    def _log(self, webhook: Webhook, recovered: bool) -> None:
        if self.call_log is None:
            return
        try:
            if isinstance(webhook, CallEvent):
                self.call_log.record_event(
                    webhook.id, webhook.direction, webhook.stage, webhook.client, webhook.extension, webhook.phone,
                    webhook.when, recovered=recovered,
                )
            elif isinstance(webhook, CallHistory):
                self.call_log.record_history(
                    webhook.id, webhook.direction, webhook.result, webhook.duration, webhook.provision,
                    webhook.client, webhook.extension, webhook.phone, webhook.when, webhook.record,
                    recovered=recovered,
                )
        except Exception:  # the journal has it; the card must not be lost with the log row
            log.exception("call log could not record %s %r", webhook.kind, webhook.id)
