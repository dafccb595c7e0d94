"""Call tracking from the webhook stream: normal, out of order, repeated, lost, many at once."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop_app.calls import tracker as call_tracker
from desktop_app.calls.tracker import CallState, CallTracker, EndReason, MissedCall, TrackedCall
from desktop_app.core.settings import Settings
from desktop_app.webhooks.types import (
    CampaignReport,
    CampaignResult,
    ClientRequest,
    Direction,
    event_from_dict,
    history_from_dict,
)

ME = "701"
COLLEAGUE = "702"


class Clock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Seen:
    """What the tracker's observers heard."""

    def __init__(self, tracker: CallTracker) -> None:
        self.updates: list[TrackedCall] = []
        self.missed: list[MissedCall] = []
        self.cleared: list[str] = []
        tracker.on_update.append(self.updates.append)
        tracker.on_missed.append(self.missed.append)
        tracker.on_missed_cleared.append(self.cleared.append)

    def states(self, call_id: str | None = None) -> list[str]:
        return [u.state.value for u in self.updates if call_id is None or u.id == call_id]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def tracker(clock) -> CallTracker:
    return CallTracker(extension=ME, show_for="mine", clock=clock)


@pytest.fixture
def seen(tracker) -> Seen:
    return Seen(tracker)


def event(call_id: str, stage: str, *, direction: str = "In", client: str | None = "79991234567",
          extension: str | None = ME, phone: str | None = "74951112233", when: int | None = None):
    data = {"id": call_id, "direction": direction, "stage": stage, "client": client,
            "extension": extension, "phone": phone, "when": when}
    return event_from_dict(data)


def history(call_id: str, result: str, *, direction: str = "in", duration: int = 0, client: str = "79991234567",
            extension: str | None = ME, when: int | None = None):
    return history_from_dict({"id": call_id, "direction": direction, "result": result, "duration": duration,
                              "provision": 3, "client": client, "extension": extension, "when": when})


# --- the normal course of a call ---------------------------------------------------------


def test_answered_incoming_call_rings_talks_and_ends(tracker, seen, clock):
    first = tracker.handle(event("c1", "Alerting", when=1_699_999_990))
    assert first is not None and first.state is CallState.RINGING
    assert (first.number, first.client, first.phone, first.when) == ("79991234567", "79991234567", "74951112233",
                                                                     1_699_999_990)
    assert first.incoming and not first.answered
    assert tracker.calls == [first]
    clock.now += 4
    talking = tracker.handle(event("c1", "Talking"))
    assert talking.state is CallState.TALKING and talking.talking_since == clock.now
    clock.now += 60
    ended = tracker.handle(event("c1", "Released"))
    assert ended.state is CallState.ENDED and ended.end_reason is EndReason.RELEASED
    assert ended.ended_at == clock.now and ended.answered and not ended.missed
    assert seen.states() == ["ringing", "talking", "ended"]
    assert seen.missed == [] and tracker.calls == [] and tracker.get("c1") is None
    # the history that follows changes nothing
    assert tracker.handle(history("c1", "Success", duration=60)) is None
    assert len(seen.updates) == 3 and seen.missed == []


def test_outgoing_calls_are_shown_too_and_never_missed(tracker, seen):
    tracker.handle(event("o1", "Alerting", direction="Out"))
    ended = tracker.handle(event("o1", "Released", direction="Out"))
    assert seen.states() == ["ringing", "ended"]
    assert ended.direction is Direction.OUT and not ended.missed
    tracker.handle(history("o2", "Missed", direction="out"))
    assert seen.missed == []


def test_incoming_call_released_without_talking_is_missed_once(tracker, seen, clock):
    tracker.handle(event("m1", "Alerting", when=1_699_999_000))
    clock.now += 20
    ended = tracker.handle(event("m1", "Released"))
    assert ended.missed and ended.end_reason is EndReason.RELEASED
    assert [(m.id, m.number, m.phone, m.extension, m.at) for m in seen.missed] == [
        ("m1", "79991234567", "74951112233", ME, 1_699_999_000.0)
    ]
    tracker.handle(history("m1", "Missed"))  # the history agrees: not a second missed call
    tracker.handle(event("m1", "Released"))
    assert len(seen.missed) == 1


def test_history_with_result_missed_reports_a_missed_call(tracker, seen, clock):
    # The events never came (the listener was down): the history still tells.
    tracker.handle(history("h1", "missed", when=1_699_000_000))
    assert [(m.id, m.number, m.at) for m in seen.missed] == [("h1", "79991234567", 1_699_000_000.0)]
    assert seen.updates == []
    tracker.handle(history("h1", "missed"))
    assert len(seen.missed) == 1


def test_history_of_someone_elses_missed_call_is_not_mine(tracker, seen):
    tracker.handle(history("h2", "Missed", extension=COLLEAGUE))
    tracker.handle(history("h3", "Missed", extension=None))
    assert seen.missed == []
    tracker.show_for = "all"
    tracker.handle(history("h4", "Missed", extension=COLLEAGUE))
    assert [m.id for m in seen.missed] == ["h4"]


# --- out of order, repeated, lost ------------------------------------------------------------


def test_released_before_alerting_leaves_no_card(tracker, seen):
    assert tracker.handle(event("r1", "Released")) is None
    assert tracker.handle(event("r1", "Alerting")) is None  # late: no card opens
    assert tracker.handle(event("r1", "Talking")) is None
    assert seen.updates == [] and tracker.calls == []


def test_repeated_deliveries_make_no_second_card(tracker, seen):
    tracker.handle(event("d1", "Alerting"))
    assert tracker.handle(event("d1", "Alerting")) is None
    tracker.handle(event("d1", "Talking"))
    assert tracker.handle(event("d1", "Talking")) is None
    assert tracker.handle(event("d1", "Alerting")) is None  # stale: the stage never goes back
    tracker.handle(event("d1", "Released"))
    assert tracker.handle(event("d1", "Released")) is None
    assert seen.states() == ["ringing", "talking", "ended"]


def test_a_repeat_keeps_a_ringing_call_alive(tracker, seen, clock):
    tracker.handle(event("k1", "Alerting"))
    clock.now += tracker.ringing_timeout - 1
    tracker.handle(event("k1", "Alerting"))
    clock.now += 2
    assert tracker.expire() == []
    assert tracker.get("k1").state is CallState.RINGING


def test_talking_without_alerting_opens_a_talking_card(tracker, seen, clock):
    call = tracker.handle(event("t1", "Talking"))
    assert call.state is CallState.TALKING and call.talking_since == clock.now
    assert seen.states() == ["talking"]


def test_a_late_fact_fills_in_and_notifies(tracker, seen):
    tracker.handle(event("f1", "Alerting", client=None, phone=None))
    assert seen.updates[-1].number is None
    updated = tracker.handle(event("f1", "Alerting", client="+7 (999) 123-45-67", phone="74951112233"))
    assert (updated.number, updated.phone) == ("79991234567", "74951112233")
    assert seen.states() == ["ringing", "ringing"]


def test_history_ends_a_call_whose_released_was_lost(tracker, seen):
    tracker.handle(event("l1", "Alerting"))
    tracker.handle(event("l1", "Talking"))
    tracker.handle(history("l1", "Success", duration=30))
    assert seen.states() == ["ringing", "talking", "ended"] and not seen.updates[-1].missed
    tracker.handle(event("l2", "Alerting"))
    tracker.handle(history("l2", "Missed"))
    assert seen.updates[-1].missed and [m.id for m in seen.missed] == ["l2"]
    assert tracker.handle(event("l2", "Released")) is None  # late, changes nothing


def test_late_proof_of_an_answer_takes_a_missed_call_back(tracker, seen):
    tracker.handle(event("x1", "Alerting"))
    tracker.handle(event("x1", "Released"))  # talking was delivered late
    assert [m.id for m in seen.missed] == ["x1"]
    tracker.handle(event("x1", "Talking"))
    assert seen.cleared == ["x1"]
    tracker.handle(history("x1", "Success", duration=12))
    assert seen.cleared == ["x1"]  # once
    tracker.handle(event("x2", "Alerting"))
    tracker.handle(event("x2", "Released"))
    tracker.handle(history("x2", "Success", duration=40))  # a colleague picked it up in the group
    assert seen.cleared == ["x1", "x2"]


def test_silent_calls_are_closed(tracker, seen, clock):
    tracker.handle(event("s1", "Alerting"))
    tracker.handle(event("s2", "Talking"))
    clock.now += tracker.ringing_timeout
    closed = tracker.expire()
    assert [(c.id, c.state, c.end_reason, c.missed) for c in closed] == [
        ("s1", CallState.ENDED, EndReason.SILENT, False)
    ]
    assert [c.id for c in tracker.calls] == ["s2"]  # people talk for long without events
    clock.now += tracker.talking_timeout
    tracker.handle(ClientRequest(id="other"))  # any webhook also looks for silent calls
    assert seen.states("s2") == ["talking", "ended"] and seen.updates[-1].end_reason is EndReason.SILENT
    assert seen.missed == [] and tracker.calls == []
    assert tracker.handle(event("s1", "Released")) is None  # its end, late: no card again


def test_timeouts_are_configurable(clock):
    tracker = CallTracker(extension=ME, clock=clock, ringing_timeout=10, talking_timeout=20)
    tracker.handle(event("c", "Alerting"))
    clock.now += 9
    assert tracker.expire() == []
    clock.now += 1
    assert [c.id for c in tracker.expire()] == ["c"]
    with pytest.raises(ValueError):
        CallTracker(ringing_timeout=0)


def test_finished_calls_are_forgotten_after_a_while(tracker, seen, clock, monkeypatch):
    tracker.handle(event("g1", "Released"))
    clock.now += tracker.remember_ended + 1
    tracker.expire()
    # An hour later the id means nothing any more (the PBX does not reuse ids).
    assert tracker.handle(event("g1", "Alerting")).state is CallState.RINGING
    monkeypatch.setattr(call_tracker, "MAX_REMEMBERED", 5)
    for i in range(20):
        tracker.handle(event(f"old{i}", "Released"))
    assert len(tracker._gone) == 5


# --- whose calls -------------------------------------------------------------------------


def test_mine_shows_only_calls_of_my_extension(tracker, seen):
    assert tracker.handle(event("n1", "Alerting", extension=COLLEAGUE)) is None
    assert tracker.handle(event("n1", "Talking", extension=COLLEAGUE)) is None
    assert tracker.handle(event("n2", "Alerting", extension=None)) is None
    assert seen.updates == []
    # A group call that moves on to ring here opens the card then.
    assert tracker.handle(event("n3", "Alerting", extension=COLLEAGUE)) is None
    assert tracker.handle(event("n3", "Alerting", extension=ME)).state is CallState.RINGING


def test_all_shows_every_call(tracker, seen):
    tracker.show_for = "ALL"
    assert tracker.show_for == "all"
    tracker.handle(event("a1", "Alerting", extension=COLLEAGUE))
    tracker.handle(event("a2", "Alerting", extension=None))
    changed = tracker.handle(event("a1", "Talking", extension="703"))
    assert changed.extension == "703"  # the latest extension wins
    assert seen.states() == ["ringing", "ringing", "talking"]


def test_without_an_extension_mine_shows_every_call(clock):
    tracker = CallTracker(extension="  ", show_for="mine", clock=clock)
    assert tracker.handle(event("e1", "Alerting", extension="705")) is not None


def test_a_colleague_answering_ends_my_card(tracker, seen):
    tracker.handle(event("g1", "Alerting"))
    tracker.handle(event("g1", "Alerting", extension=COLLEAGUE))  # parallel ringing: keeps mine
    assert tracker.get("g1").extension == ME
    ended = tracker.handle(event("g1", "Talking", extension=COLLEAGUE))
    assert ended.state is CallState.ENDED and ended.end_reason is EndReason.ANSWERED_ELSEWHERE
    assert ended.extension == COLLEAGUE and not ended.missed
    tracker.handle(event("g1", "Released", extension=COLLEAGUE))
    assert seen.missed == [] and seen.states() == ["ringing", "ended"]


def test_released_on_a_colleagues_phone_is_not_my_missed_call(tracker, seen):
    tracker.handle(event("g2", "Alerting"))
    ended = tracker.handle(event("g2", "Released", extension=COLLEAGUE))
    assert ended.state is CallState.ENDED and not ended.missed and seen.missed == []


def test_settings_choose_extension_and_mode():
    s = Settings()
    s.pbx.extension, s.popup.show_for = "705", "all"
    tracker = CallTracker.from_settings(s)
    assert (tracker.extension, tracker.show_for) == ("705", "all")
    with pytest.raises(ValueError, match="show_for"):
        tracker.show_for = "some"


# --- other webhooks, odd numbers, broken observers -----------------------------------------


def test_other_webhooks_are_ignored(tracker, seen):
    assert tracker.handle(ClientRequest(id="c", client="79991234567")) is None
    assert tracker.handle(CampaignReport(id="r", final=True, result=CampaignResult.SUCCESS, vars={})) is None
    assert seen.updates == []


def test_hidden_and_foreign_numbers(tracker):
    hidden = tracker.handle(event("h", "Alerting", client=None))
    assert hidden.number is None and hidden.client is None
    foreign = tracker.handle(event("f", "Alerting", client="4915112345678"))
    assert foreign.number == "4915112345678"  # E.164 without "+", as the PBX sends it
    internal = tracker.handle(event("i", "Alerting", client="703"))
    assert internal.number == "703"


def test_a_failing_observer_does_not_silence_the_others(tracker, caplog):
    heard = []

    def broken(_call):
        raise RuntimeError("boom")

    tracker.on_update.extend([broken, heard.append])
    tracker.handle(event("b1", "Alerting"))
    assert [c.id for c in heard] == ["b1"]
    assert "observer" in caplog.text


# --- many calls, any order -------------------------------------------------------------------


def test_twenty_calls_at_once(tracker, seen, clock):
    ids = [f"many{i}" for i in range(20)]
    for i, call_id in enumerate(ids):
        tracker.handle(event(call_id, "Alerting", client=f"7999000{i:04d}"))
    assert [c.id for c in tracker.calls] == ids
    rng = random.Random(5)
    answered = set(rng.sample(ids, 12))
    for call_id in rng.sample(ids, len(ids)):
        if call_id in answered:
            tracker.handle(event(call_id, "Talking"))
    for call_id in rng.sample(ids, len(ids)):
        tracker.handle(event(call_id, "Released"))
        tracker.handle(event(call_id, "Released"))
    assert tracker.calls == []
    for call_id in ids:
        expected = ["ringing", "talking", "ended"] if call_id in answered else ["ringing", "ended"]
        assert seen.states(call_id) == expected
    assert sorted(m.id for m in seen.missed) == sorted(set(ids) - answered)
    assert len({m.number for m in seen.missed}) == len(ids) - len(answered)


STAGES = ["Alerting", "Talking", "Released"]
_RANK = {"ringing": 0, "talking": 1, "ended": 2}


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(STAGES), min_size=1, max_size=8))
def test_any_delivery_order_gives_one_card_that_only_moves_forward(deliveries):
    clock = Clock()
    tracker = CallTracker(extension=ME, clock=clock)
    seen = Seen(tracker)
    for stage in deliveries:
        clock.now += 1
        tracker.handle(event("p", stage))
    states = seen.states()
    ranks = [_RANK[s] for s in states]
    assert ranks == sorted(ranks) and len(states) == len(set(states))  # forward, each once
    if not states:
        assert deliveries[0] == "Released"  # only a call whose end came first shows nothing
        return
    assert states[0] == ("talking" if deliveries[0] == "Talking" else "ringing")
    released_after_open = "Released" in deliveries[1:]
    assert (states[-1] == "ended") == released_after_open
    # Missed: it ended before any talking was heard.
    if released_after_open:
        heard = deliveries[: deliveries.index("Released")]
        assert (len(seen.missed) == 1) == ("Talking" not in heard)
        later_talk = "Talking" in deliveries[deliveries.index("Released"):]
        assert seen.cleared == (["p"] if seen.missed and later_talk else [])


def test_every_order_of_one_call_with_repeats_is_handled():
    """All 3! orders, each with every stage delivered twice in a row."""
    for order in itertools.permutations(STAGES):
        tracker = CallTracker(extension=ME, clock=Clock())
        seen = Seen(tracker)
        for stage in order:
            tracker.handle(event("o", stage))
            tracker.handle(event("o", stage))
        if order[0] == "Released":
            assert seen.updates == []  # its end came first: no card, ever
        else:
            assert [u.state for u in seen.updates].count(CallState.ENDED) == 1
            assert seen.updates[-1].state is CallState.ENDED
        assert tracker.calls == []
