from __future__ import annotations

import asyncio
import json
import sqlite3
import threading

import pytest

from desktop_app.core import database
from desktop_app.webhooks.journal import AsyncJournal, JournalError, WebhookJournal
from desktop_app.webhooks.types import CallEvent, CallHistory, parse


def event(call_id="c1", stage="alerting", **more):
    data = {"id": call_id, "direction": "in", "stage": stage, **more}
    text = json.dumps(data)
    return parse("event", text.encode()), text


@pytest.fixture
def journal(profile):
    j = WebhookJournal(profile.db_path)
    yield j
    j.close()


def test_record_is_stored_once_per_delivery(journal):
    alerting, text = event()
    first = journal.record(alerting, text, 100.0)
    assert first is not None
    assert journal.record(alerting, text, 101.0) is None  # repeated delivery
    talking, text2 = event(stage="talking")
    assert journal.record(talking, text2, 102.0) > first  # its seq (ids only grow; gaps are fine)
    entries = journal.entries()
    assert [(e.kind, e.call_id, e.received_at) for e in entries] == [("event", "c1", 100.0), ("event", "c1", 102.0)]
    assert entries[0].seq < entries[1].seq


def test_raw_body_and_unknown_fields_survive(journal, profile):
    webhook, text = event(trunk="sip-7", when=1577836800)
    journal.record(webhook, text)
    journal.close()
    reopened = WebhookJournal(profile.db_path)
    try:
        (entry,) = reopened.entries()
        assert entry.body == text
        back = entry.webhook()
        assert isinstance(back, CallEvent)
        assert back == webhook and back.extra == {"trunk": "sip-7"}
    finally:
        reopened.close()


def test_filters_and_kinds(journal):
    history_text = json.dumps({"id": "c2", "direction": "out", "result": "busy", "duration": 0, "provision": 5})
    history = parse("history", history_text.encode())
    journal.record(*event("c1"))
    journal.record(history, history_text)
    journal.record(history, history_text)
    assert [e.call_id for e in journal.entries(kind="history")] == ["c2"]
    assert [e.kind for e in journal.entries(call_id="c1")] == ["event"]
    first = journal.entries()[0]
    assert [e.call_id for e in journal.entries(after_seq=first.seq)] == ["c2"]
    assert isinstance(journal.entries(kind="history")[0].webhook(), CallHistory)


def test_uses_wal_in_the_profile_database(journal, profile):
    journal.record(*event())
    conn = sqlite3.connect(profile.db_path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("SELECT count(*) FROM webhook_journal").fetchone()[0] == 1
    finally:
        conn.close()


def test_prune(journal):
    journal.record(*event("old"), 10.0)
    journal.record(*event("new"), 1000.0)
    assert journal.prune(500.0) == 1
    assert [e.call_id for e in journal.entries()] == ["new"]


def test_store_failure_raises_journal_error(journal, profile):
    other = database.connect(profile.db_path)
    try:
        other.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON webhook_journal BEGIN SELECT RAISE(ABORT, 'disk full'); END"
        )
    finally:
        other.close()
    with pytest.raises(JournalError, match="disk full"):
        journal.record(*event())
    assert journal.entries() == []


def test_unopenable_database_raises_journal_error(tmp_path):
    (tmp_path / "dir.sqlite3").mkdir()
    with pytest.raises(JournalError, match="cannot open"):
        WebhookJournal(tmp_path / "dir.sqlite3")


async def test_async_journal_runs_on_one_worker_thread_in_order(profile):
    before = threading.active_count()
    journal = await AsyncJournal.open(profile.db_path)
    try:
        webhooks = [event(f"c{i}") for i in range(50)]
        results = await asyncio.gather(*(journal.record(w, t, float(i)) for i, (w, t) in enumerate(webhooks)))
        assert results == list(range(1, 51))  # seqs in submission order
        assert await journal.record(*webhooks[3]) is None
        entries = await journal.entries(kind="event")
        assert [e.call_id for e in entries] == [f"c{i}" for i in range(50)]
    finally:
        await journal.close()
    assert threading.active_count() == before  # the worker thread is gone


async def test_async_open_failure_leaves_no_thread(tmp_path):
    before = threading.active_count()
    (tmp_path / "dir.sqlite3").mkdir()
    with pytest.raises(JournalError):
        await AsyncJournal.open(tmp_path / "dir.sqlite3")
    assert threading.active_count() == before


def test_record_many_commits_webhooks_and_the_position_together(profile):
    journal = WebhookJournal(profile.db_path)
    batch = [event("r1"), event("r2")]
    assert journal.position("relay:x") == 0
    assert journal.record_many(batch, 5.0, position=("relay:x", 17)) == [True, True]
    assert journal.record_many([event("r2"), event("r3")], 6.0, position=("relay:x", 19)) == [False, True]
    assert journal.position("relay:x") == 19
    journal.record_many([], 7.0, position=("relay:x", 3))  # never goes back
    assert journal.position("relay:x") == 19
    assert [e.call_id for e in journal.entries()] == ["r1", "r2", "r3"]
    assert journal.last_seq() == journal.entries()[-1].seq
    journal.close()


def test_record_many_is_all_or_nothing(profile):
    journal = WebhookJournal(profile.db_path)
    good = event("ok")
    bad = (good[0], None)  # NOT NULL body: the second insert fails
    with pytest.raises(JournalError):
        journal.record_many([good, bad], 1.0, position=("relay:x", 5))  # type: ignore[list-item]
    assert journal.entries() == []
    assert journal.position("relay:x") == 0
    journal.close()
