"""The one place a webhook reaches the call log, the call tracker and missed calls."""

from __future__ import annotations

import sqlite3

import pytest

from desktop_app.calls.call_log import CallLog
from desktop_app.calls.dispatcher import CallDispatcher, Origin
from desktop_app.calls.tracker import CallState, CallTracker, MissedCall, TrackedCall
from desktop_app.webhooks.types import CampaignReport, CampaignResult, ClientRequest, event_from_dict, history_from_dict

ME = "701"
WHEN = 1_700_000_000


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def call_log(profile, clock):
    with CallLog(profile.db_path, clock=clock) as opened:
        yield opened


@pytest.fixture
def tracker(clock) -> CallTracker:
    return CallTracker(extension=ME, clock=clock)


@pytest.fixture
def heard(tracker):
    updates: list[TrackedCall] = []
    missed: list[MissedCall] = []
    tracker.on_update.append(updates.append)
    tracker.on_missed.append(missed.append)
    return updates, missed


def event(call_id: str, stage: str, **extra):
    return event_from_dict({"id": call_id, "direction": "in", "stage": stage, "client": "79991234567",
                            "extension": ME, "phone": "74951112233", "when": WHEN} | extra)


def history(call_id: str, result: str, duration: int = 0, **extra):
    return history_from_dict({"id": call_id, "direction": "in", "result": result, "duration": duration,
                              "provision": 7, "client": "79991234567", "extension": ME, "when": WHEN} | extra)


def test_a_live_call_reaches_the_log_and_the_cards(call_log, tracker, heard):
    dispatch = CallDispatcher(call_log, tracker)
    updates, missed = heard
    dispatch(event("c1", "Alerting"))
    assert call_log.get("c1").stage == "alerting"
    assert [u.state for u in updates] == [CallState.RINGING]
    dispatch(event("c1", "Released"))
    dispatch(history("c1", "missed"))
    logged = call_log.get("c1")
    assert (logged.result, logged.completed, logged.recovered) == ("missed", True, False)
    assert [u.state for u in updates] == [CallState.RINGING, CallState.ENDED]
    assert [(m.id, m.recovered) for m in missed] == [("c1", False)]


def test_a_recovered_missed_call_is_marked_in_the_log_and_the_missed_list(call_log, tracker, heard):
    dispatch = CallDispatcher(call_log, tracker)
    updates, missed = heard
    assert dispatch.dispatch(history("r1", "Missed"), Origin.RECOVERED)
    assert call_log.get("r1").recovered
    assert [(m.id, m.recovered, m.at) for m in missed] == [("r1", True, float(WHEN))]
    assert updates == []  # a call long over opens no card


def test_a_recovered_call_the_desk_heard_is_never_taken_twice(call_log, tracker, heard):
    dispatch = CallDispatcher(call_log, tracker)
    _updates, missed = heard
    dispatch(event("h1", "Alerting"))
    dispatch(event("h1", "Released"))
    dispatch(history("h1", "Missed"))
    assert len(missed) == 1
    restarted = CallDispatcher(call_log, CallTracker(extension=ME))  # the desk started again
    assert not restarted.dispatch(history("h1", "Missed"), Origin.RECOVERED)
    assert call_log.count() == 1 and not call_log.get("h1").recovered


def test_a_call_heard_only_ringing_is_completed_by_its_recovered_history(call_log, tracker, heard):
    dispatch = CallDispatcher(call_log, tracker)
    dispatch(event("p1", "Alerting"))
    later = CallTracker(extension=ME)  # the desk went down while it rang
    missed: list[MissedCall] = []
    later.on_missed.append(missed.append)
    assert CallDispatcher(call_log, later).dispatch(history("p1", "Missed"), Origin.RECOVERED)
    logged = call_log.get("p1")
    assert (logged.completed, logged.result, logged.recovered) == (True, "missed", False)
    assert [(m.id, m.recovered) for m in missed] == [("p1", True)]  # the operator never learnt of it


def test_a_relay_call_is_a_live_call(call_log, tracker, heard):
    updates, _missed = heard
    CallDispatcher(call_log, tracker).dispatch(event("y1", "Talking"), Origin.RELAY)
    assert [u.state for u in updates] == [CallState.TALKING]
    assert not call_log.get("y1").recovered


def test_a_broken_call_log_does_not_lose_the_card(profile, tracker, heard, caplog):
    broken = CallLog(profile.db_path)
    broken.close()  # every write now raises
    updates, _missed = heard
    CallDispatcher(broken, tracker)(event("b1", "Alerting"))
    assert [u.id for u in updates] == ["b1"]
    assert "call log could not record event 'b1'" in caplog.text


def test_other_webhooks_only_let_the_tracker_close_silent_calls(call_log, tracker, heard, clock):
    dispatch = CallDispatcher(call_log, tracker)
    updates, _missed = heard
    dispatch(event("s1", "Alerting"))
    clock.now += tracker.ringing_timeout + 1
    dispatch(ClientRequest(id="q", client="79991234567"))
    dispatch(CampaignReport(id="r", final=True, result=CampaignResult.SUCCESS, vars={}))
    assert [u.state for u in updates] == [CallState.RINGING, CallState.ENDED]
    assert call_log.count() == 1


def test_campaign_reports_reach_the_campaigns_and_a_failure_there_is_logged(profile, call_log, tracker, caplog):
    from desktop_app.campaigns.follower import ReportFollower
    from desktop_app.campaigns.store import CallState as CampaignCallState
    from desktop_app.campaigns.store import CampaignStore

    with CampaignStore(profile.db_path) as store:
        dispatch = CallDispatcher(call_log, tracker, ReportFollower(store))
        dispatch(CampaignReport(id="r1", final=True, result=CampaignResult.SUCCESS, vars={"a": "b"}, when=WHEN))
        assert (store.get("r1").state, store.get("r1").answers) == (CampaignCallState.DONE, {"a": "b"})
    dispatch(CampaignReport(id="r2", final=True, result=CampaignResult.SUCCESS, vars={}))  # the store is closed
    assert "campaigns could not take report 'r2'" in caplog.text


def test_either_side_may_be_absent(call_log, tracker, heard):
    CallDispatcher(call_log, None)(history("l1", "Success", duration=5))
    assert call_log.get("l1").completed
    updates, _ = heard
    CallDispatcher(None, tracker).dispatch(event("t1", "Alerting"), Origin.RECOVERED)
    assert [u.id for u in updates] == ["t1"]


def test_an_older_database_gets_the_recovered_column(profile):
    conn = sqlite3.connect(profile.db_path)
    conn.executescript("""
        CREATE TABLE call_log (call_id TEXT PRIMARY KEY, direction TEXT NOT NULL, client TEXT NOT NULL DEFAULT '',
            client_raw TEXT NOT NULL DEFAULT '', extension TEXT NOT NULL DEFAULT '', phone TEXT NOT NULL DEFAULT '',
            stage TEXT, result TEXT, duration INTEGER, provision INTEGER, record_url TEXT NOT NULL DEFAULT '',
            started REAL NOT NULL, updated REAL NOT NULL, completed INTEGER NOT NULL DEFAULT 0);
        INSERT INTO call_log (call_id, direction, started, updated, completed) VALUES ('old', 'in', 1, 1, 1);
    """)
    conn.close()
    with CallLog(profile.db_path) as opened:
        assert opened.get("old").recovered is False
        opened.record_history("new", "in", "missed", 0, 3, recovered=True)
        assert opened.get("new").recovered
    with CallLog(profile.db_path) as again:  # the second open finds the column there
        assert again.count() == 2
