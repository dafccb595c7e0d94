"""Reports from the journal the store never saw are taken at the next start, once."""

from __future__ import annotations

import json

from desktop_app.campaigns.follower import ReportFollower
from desktop_app.campaigns.store import CallState, CampaignStore, NewCall
from desktop_app.core.settings import CallbackRule
from desktop_app.webhooks.journal import WebhookJournal
from desktop_app.webhooks.types import parse


def journal_report(db, call_id: str, answer: str, when: int) -> None:
    body = json.dumps({"id": call_id, "final": True, "result": "Success", "when": when, "vars": {"q": answer}})
    journal = WebhookJournal(db)
    try:
        journal.record(parse("campaign_report", body.encode()), body)
    finally:
        journal.close()


def test_catch_up_takes_what_the_listener_journaled_while_the_desk_was_down(tmp_path):
    db = tmp_path / "desk.sqlite3"
    with CampaignStore(db) as store:
        store.add_calls(1, [NewCall("a", "79990000001"), NewCall("b", "79990000002")])
        store.mark_sent(["a", "b"])
        follower = ReportFollower(store, [CallbackRule(var="q", equals="да")])
        journal_report(db, "a", "да", 10)  # journaled, never handed on (the desk stopped)
        assert follower.catch_up(db) == 1
        assert store.get("a").state is CallState.DONE
        assert [item.call_id for item in store.callbacks()] == ["a"]
        journal_report(db, "b", "нет", 11)
        assert follower.catch_up(db) == 1  # only what came since
        assert follower.catch_up(db) == 0
        assert store.get("b").attempts == 1 and store.get("a").attempts == 1


def test_a_database_that_is_not_one_is_logged_not_raised(tmp_path, caplog):
    with CampaignStore(tmp_path / "desk.sqlite3") as store:
        not_a_database = tmp_path / "junk.sqlite3"
        not_a_database.write_bytes(b"not a database at all" * 100)
        assert ReportFollower(store).catch_up(not_a_database) == 0
    assert "the webhook journal cannot be opened" in caplog.text
