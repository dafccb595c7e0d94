"""The campaign store: calls from pending to done, reports kept once, totals, call-backs."""

from __future__ import annotations

import sqlite3

import pytest

from desktop_app.campaigns import rules
from desktop_app.campaigns.store import CallState, CampaignStore, NewCall, Report
from desktop_app.core.settings import CallbackRule
from desktop_app.core.texts import QT_TRANSLATE_NOOP, Text
from desktop_app.webhooks.types import CampaignResult

S, NC = CampaignResult.SUCCESS, CampaignResult.NOT_CONNECTED


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        self.now += 1
        return self.now


@pytest.fixture
def store(tmp_path):
    with CampaignStore(tmp_path / "desk.sqlite3", clock=Clock()) as opened:
        yield opened


def calls(*numbers: str, prefix: str = "c") -> list[NewCall]:
    return [NewCall(f"{prefix}{index}", number, {"name": f"Клиент {index}"}) for index, number in enumerate(numbers)]


def test_a_call_goes_from_pending_to_queued_to_done(store):
    changes = []
    store.on_change.append(lambda: changes.append(1))
    store.add_calls(5, calls("79990000001", "79990000002"))
    assert [c.state for c in store.unsent(5)] == [CallState.PENDING, CallState.PENDING]
    store.mark_sent(["c0"])
    assert store.get("c0").state is CallState.QUEUED and store.get("c0").sent is not None
    assert [c.call_id for c in store.unsent(5)] == ["c1"]
    store.apply_report(Report("c0", False, NC, {"name": "Клиент 0"}, when=100, duration=0))
    assert (store.get("c0").state, store.get("c0").attempts, store.get("c0").result) == (CallState.RETRYING, 1, NC)
    store.apply_report(Report("c0", True, S, {"name": "Клиент 0", "someAnswer": "да"}, when=200, duration=42))
    done = store.get("c0")
    assert (done.state, done.attempts, done.result, done.final, done.duration, done.started) == (
        CallState.DONE, 2, S, True, 42, 200)
    assert done.all_vars == {"name": "Клиент 0", "someAnswer": "да"}
    assert len(changes) == 4


def test_a_repeated_or_late_report_changes_nothing(store):
    store.add_calls(1, calls("79990000001"))
    store.mark_sent(["c0"])
    final = Report("c0", True, S, {"a": "final"}, when=200, duration=9)
    store.apply_report(final)
    store.apply_report(final)  # a repeated delivery
    store.apply_report(Report("c0", False, NC, {"a": "early"}, when=100))  # an earlier attempt, delivered late
    call = store.get("c0")
    assert (call.state, call.result, call.answers, call.attempts) == (CallState.DONE, S, {"a": "final"}, 2)


def test_a_report_for_a_call_queued_elsewhere_is_kept(store):
    store.apply_report(Report("elsewhere", True, S, {"Телефон": "8 999 000-00-07", "x": 1}, when=5))
    call = store.get("elsewhere")
    assert (call.campaign, call.number, call.state, call.vars) == (0, "79990000007", CallState.DONE, {})
    assert store.campaigns() == []  # campaign 0 is not offered as a campaign


def test_failed_sends_keep_why_and_whether_they_may_have_arrived(store):
    store.add_calls(1, calls("79990000001", "79990000002"))
    reason = Text("pbx", QT_TRANSLATE_NOOP("pbx", "The PBX reported an error (HTTP {status})."), {"status": 500})
    store.mark_failed(["c0", "c1"], reason.dumps(), uncertain=True)
    failed = store.get("c0")
    assert (failed.state, failed.uncertain) == (CallState.FAILED, True)
    assert str(failed.error_text) == "The PBX reported an error (HTTP 500)."
    store.mark_not_sent(["c0"])
    assert not store.get("c0").uncertain and store.get("c1").uncertain
    store.mark_sent(["c0"])
    assert (store.get("c0").state, store.get("c0").error) == (CallState.QUEUED, "")
    store.mark_failed(["c0"], "late", uncertain=False)  # only unsent calls can fail
    assert store.get("c0").state is CallState.QUEUED


def test_ids_are_unique_across_campaigns(store):
    store.add_calls(1, calls("79990000001"))
    with pytest.raises(sqlite3.IntegrityError):
        store.add_calls(2, calls("79990000002", "79990000003"))
    assert store.calls(2) == []  # all or nothing
    assert store.known_ids(["c0", "c9"]) == {"c0"}


def test_waiting_numbers_are_those_the_robot_may_still_call(store):
    store.add_calls(1, calls("79990000001", "79990000002", "79990000003"))
    store.mark_sent(["c0", "c1", "c2"])
    store.apply_report(Report("c1", True, S, when=1))
    store.mark_deleted("c2")
    assert store.waiting_numbers(1) == {"79990000001": "c0"}


def test_a_deleted_call_stays_deleted_when_its_canceled_report_comes(store):
    store.add_calls(1, calls("79990000001"))
    store.mark_sent(["c0"])
    store.mark_deleted("c0")
    store.apply_report(Report("c0", True, CampaignResult.CANCELED, when=9))
    call = store.get("c0")
    assert (call.state, call.result) == (CallState.DELETED, CampaignResult.CANCELED)


def test_filters_and_totals(store):
    store.add_calls(4, calls("79990000001", "79990000002", "79990000003", "79990000004"))
    store.mark_sent(["c0", "c1", "c2"])
    store.apply_report(Report("c0", True, S, when=1))
    store.apply_report(Report("c1", True, NC, when=1))
    assert [c.call_id for c in store.calls(4, states=[CallState.DONE])] == ["c0", "c1"]
    assert [c.call_id for c in store.calls(4, results=[NC])] == ["c1"]
    assert [c.call_id for c in store.calls(4, results=[None])] == ["c2", "c3"]
    assert [c.call_id for c in store.calls(4, states=[CallState.DONE], results=[S, None])] == ["c0"]
    assert store.totals(4) == {"all": 4, "state:done": 2, "state:queued": 1, "state:pending": 1,
                               "result:success": 1, "result:not_connected": 1, "result:": 2}
    assert store.totals(5) == {"all": 0}


def test_rules_put_reports_on_the_call_back_list_once(store):
    wants = CallbackRule(name="Перенести", var="someAnswer", equals="перенести")
    unreached = CallbackRule(result="NotConnected", final=True)
    pick = rules.picker([wants, unreached])
    store.add_calls(1, calls("79990000001", "79990000002", "79990000003"))
    store.mark_sent(["c0", "c1", "c2"])
    store.apply_report(Report("c0", True, S, {"someAnswer": " Перенести "}, when=1), pick)
    store.apply_report(Report("c1", False, NC, when=1), pick)  # not the final attempt
    store.apply_report(Report("c2", True, S, {"someAnswer": "согласен"}, when=1), pick)
    assert [(b.call_id, b.rule) for b in store.callbacks()] == [("c0", "Перенести")]
    store.apply_report(Report("c1", True, NC, when=2), pick)
    store.apply_report(Report("c1", True, NC, when=2), pick)
    assert [(b.call_id, b.rule, b.number) for b in store.callbacks()] == [
        ("c0", "Перенести", "79990000001"), ("c1", "NotConnected, final", "79990000002")]

    assert store.mark_done("c0", "701")
    assert not store.mark_done("c0", "702")  # a second click, or another desk was first
    assert [b.call_id for b in store.callbacks()] == ["c1"]
    done = store.callbacks(include_done=True)[-1]
    assert (done.call_id, done.done, done.done_by) == ("c0", True, "701")
    assert store.mark_done("c0", "", done=False)
    assert len(store.callbacks()) == 2


def test_new_rules_pick_reports_already_received(store):
    store.add_calls(2, calls("79990000001", "79990000002"))
    store.mark_sent(["c0", "c1"])
    store.apply_report(Report("c0", True, S, {"someAnswer": "отказ"}, when=1))
    store.apply_report(Report("c1", True, S, {"someAnswer": "согласен"}, when=1))
    assert store.pick_callbacks(rules.picker([CallbackRule(campaign=2, var="someAnswer", equals="Отказ")])) == 1
    assert store.pick_callbacks(rules.picker([CallbackRule(campaign=2, var="someAnswer", equals="Отказ")])) == 0
    assert store.pick_callbacks(rules.picker([CallbackRule(campaign=3, result="Success")])) == 0
    assert [b.call_id for b in store.callbacks()] == ["c0"]


def test_forget_drops_only_unsent_calls(store):
    store.add_calls(1, calls("79990000001", "79990000002"))
    store.mark_sent(["c1"])
    assert store.forget(["c0", "c1"]) == 1
    assert [c.call_id for c in store.calls(1)] == ["c1"]


def test_calls_another_desk_queued_are_registered_and_fill_in_an_early_report(store):
    store.apply_report(Report("early", True, NC, when=5), rules.picker([CallbackRule(result="NotConnected")]))
    assert store.callbacks()[0].number == ""  # the report alone has no number
    store.add_calls(1, calls("79990000001", prefix="mine"))
    registered = store.register_calls(3, [NewCall("early", "79990000005", {"name": "Анна"}),
                                          NewCall("new", "79990000006"), NewCall("mine0", "79990000009")])
    assert registered == 2  # "mine0" was stored already and stays as it is
    early = store.get("early")
    assert (early.campaign, early.number, early.vars, early.state) == (3, "79990000005", {"name": "Анна"},
                                                                      CallState.DONE)
    assert (store.get("new").state, store.get("mine0").number) == (CallState.QUEUED, "79990000001")
    assert store.callbacks()[0].number == "79990000005"
