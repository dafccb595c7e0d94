"""The robot's reports into the campaign store, with the call-back rules applied.

The desk hands every accepted ``/campaign/report`` here (through the call dispatcher,
whether it came from the desk's own listener or an office relay). At start,
:meth:`ReportFollower.catch_up` also takes the reports the listener journaled but the store
never saw (the desk stopped between the two); a report taken twice is kept once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from desktop_app.campaigns import rules as campaign_rules
from desktop_app.campaigns.store import CampaignStore, Report
from desktop_app.core.settings import CallbackRule
from desktop_app.webhooks.journal import JournalError, WebhookJournal
from desktop_app.webhooks.types import CampaignReport, WebhookError

log = logging.getLogger(__name__)

_JOURNAL_SEQ = "journal_seq"


class ReportFollower:
    def __init__(self, store: CampaignStore, rules: Sequence[CallbackRule] = ()) -> None:
        self.store = store
        self.set_rules(rules)

    def set_rules(self, rules: Sequence[CallbackRule]) -> None:
        self._pick = campaign_rules.picker(rules)

    def take(self, report: CampaignReport) -> None:
        self.store.apply_report(Report.from_webhook(report), self._pick)

    def catch_up(self, db_path: Path | str) -> int:
        """Take the journal's reports received since the last catch-up; returns how many."""
        try:
            journal = WebhookJournal(db_path)
        except JournalError:
            log.exception("campaign reports: the webhook journal cannot be opened")
            return 0
        taken = 0
        try:
            after = int(self.store.meta(_JOURNAL_SEQ) or 0)
            entries = journal.entries(kind=CampaignReport.kind, after_seq=after)
            for entry in entries:
                try:
                    webhook = entry.webhook()
                except (WebhookError, ValueError):
                    log.warning("journaled campaign report %s cannot be read again", entry.seq)
                    continue
                if isinstance(webhook, CampaignReport):
                    self.take(webhook)
                    taken += 1
            if entries:
                self.store.set_meta(_JOURNAL_SEQ, str(entries[-1].seq))
        except JournalError:
            log.exception("campaign reports: the webhook journal cannot be read")
        finally:
            journal.close()
        return taken
