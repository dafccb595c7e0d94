from __future__ import annotations

import enum
from datetime import UTC, datetime, timedelta, timezone

import pytest

from desktop_app.calls.call_log import CallLog, CallLogError
from desktop_app.contacts.directory import Contact, ContactDirectory
from desktop_app.core import database

WHEN = 1_577_836_800  # 2020-01-01T00:00:00Z, the seed's example


class FakeClock:
    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


class Stage(enum.Enum):  # what a listener's parsed enum might look like
    TALKING = "Talking"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def log(profile, clock):
    with CallLog(profile.db_path, clock=clock) as opened:
        yield opened


def event(log: CallLog, call_id: str, stage: str, **kwargs):
    values = {"direction": "In", "client": "79991234567", "extension": "701", "phone": "74951112233"} | kwargs
    return log.record_event(call_id, values.pop("direction"), stage, **values)


def history(log: CallLog, call_id: str, result: str = "Success", **kwargs):
    values = {
        "direction": "In",
        "duration": 69,
        "provision": 13,
        "client": "79991234567",
        "extension": "701",
        "phone": "74951112233",
        "when": WHEN,
        "record_url": "https://records.gravitel.ru/domain/1.mp3",
    } | kwargs
    return log.record_history(
        call_id, values.pop("direction"), result, values.pop("duration"), values.pop("provision"), **values
    )


def test_events_then_history_make_one_complete_row(log, clock):
    first = event(log, "c1", "Alerting", client="8 999 123-45-67")
    assert (first.stage, first.completed, first.result) == ("alerting", False, None)
    assert first.client == "79991234567"
    assert first.started == datetime.fromtimestamp(clock.now, UTC)
    assert event(log, "c1", "TALKING").stage == "talking"
    assert event(log, "c1", "released").stage == "released"
    done = history(log, "c1")
    assert log.count() == 1
    assert log.get("c1") == done
    assert (done.direction, done.client, done.extension, done.phone) == ("in", "79991234567", "701", "74951112233")
    assert (done.stage, done.result, done.duration, done.provision) == ("released", "success", 69, 13)
    assert done.record_url == "https://records.gravitel.ru/domain/1.mp3"
    assert done.started == datetime(2020, 1, 1, tzinfo=UTC)  # the PBX's time wins over ours
    assert done.completed and done.answered


def test_a_history_without_events_creates_the_row(log):
    call = history(log, "c2", "Missed", duration=0, record_url=None, direction="OUT")
    assert (call.direction, call.stage, call.result, call.record_url) == ("out", "released", "missed", "")
    assert not call.answered


def test_the_stage_never_goes_back(log):
    event(log, "c3", "talking")
    assert event(log, "c3", "alerting").stage == "talking"
    assert event(log, "c3", Stage.TALKING).stage == "talking"


def test_repeated_deliveries_are_stored_once(log):
    for _ in range(3):
        event(log, "c4", "alerting")
        history(log, "c4")
    assert log.count() == 1
    assert log.get("c4").result == "success"


def test_a_late_event_does_not_undo_the_history(log):
    done = history(log, "c5")
    assert event(log, "c5", "alerting", extension="702") == done
    assert log.get("c5") == done


def test_the_latest_ringing_extension_is_kept_until_the_history(log):
    event(log, "c6", "alerting", extension="701")
    assert event(log, "c6", "alerting", extension="702").extension == "702"
    assert event(log, "c6", "talking", extension=None, client=None).extension == "702"
    assert log.get("c6").client == "79991234567"  # absent values do not erase known ones


def test_event_times(log, clock):
    assert event(log, "t1", "alerting", when=WHEN).started == datetime(2020, 1, 1, tzinfo=UTC)
    naive = datetime(2024, 3, 15, 12, 0)
    assert event(log, "t2", "alerting", when=naive).started == naive.replace(tzinfo=UTC)
    moscow = datetime(2024, 3, 15, 15, 0, tzinfo=timezone(timedelta(hours=3)))
    assert event(log, "t3", "alerting", when=moscow).started == naive.replace(tzinfo=UTC)


def test_a_client_that_is_not_a_number_is_kept_as_sent(log):
    call = event(log, "c7", "alerting", client="anonymous")
    assert call.client == "anonymous"
    assert log.last_calls("anonymous") == []
    assert log.get("c7").client == "anonymous"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"call_id": ""}, "id"),
        ({"call_id": None}, "id"),
        ({"direction": "sideways"}, "direction"),
        ({"stage": "ringing"}, "stage"),
        ({"stage": None}, "stage"),
        ({"when": "yesterday"}, "when"),
        ({"when": True}, "when"),
    ],
)
def test_bad_event_values_are_refused_by_name(log, kwargs, field):
    values = {"call_id": "x", "direction": "in", "stage": "alerting"} | kwargs
    with pytest.raises(CallLogError) as caught:
        log.record_event(values.pop("call_id"), values.pop("direction"), values.pop("stage"), **values)
    assert str(caught.value.text).startswith(f"Invalid {field}: ")
    assert log.count() == 0


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"result": ""}, "result"),
        ({"duration": -1}, "duration"),
        ({"provision": "13"}, "provision"),
        ({"duration": 1.5}, "duration"),
    ],
)
def test_bad_history_values_are_refused_by_name(log, kwargs, field):
    values = {"result": "success", "duration": 1, "provision": 1} | kwargs
    with pytest.raises(CallLogError) as caught:
        log.record_history("x", "in", values["result"], values["duration"], values["provision"])
    assert str(caught.value.text).startswith(f"Invalid {field}: ")
    assert log.count() == 0


def test_last_calls_by_any_form_of_the_number_newest_first(log):
    for index in range(5):
        history(log, f"h{index}", when=WHEN + index * 60)
    history(log, "other", client="79990000000", when=WHEN + 1000)
    assert [c.call_id for c in log.last_calls("+7 (999) 123 45 67")] == ["h4", "h3", "h2"]
    assert [c.call_id for c in log.last_calls("8 999 123-45-67", limit=10)] == ["h4", "h3", "h2", "h1", "h0"]
    assert log.last_calls("8 800 555-35-35") == []
    assert log.last_calls("not a number") == []
    assert log.last_calls(None) == []


def test_recent_and_all_calls_for_the_history_window(log):
    for index in range(4):
        history(log, f"h{index}", when=WHEN + index * 3600, client=f"7999000000{index}")
    assert [c.call_id for c in log.recent(2)] == ["h3", "h2"]
    assert [c.call_id for c in log.all_calls()] == ["h3", "h2", "h1", "h0"]
    assert [c.call_id for c in log.all_calls(since=WHEN + 3600)] == ["h3", "h2", "h1"]
    since = datetime(2020, 1, 1, 2, tzinfo=UTC)
    assert [c.call_id for c in log.all_calls(since=since)] == ["h3", "h2"]


def test_no_contacts_are_created_unless_asked(profile, log):
    history(log, "c1", client="79990000001")
    with ContactDirectory(profile.db_path) as directory:
        assert directory.count() == 0


def test_auto_create_contacts_names_a_new_contact_by_its_number(profile, clock):
    with CallLog(profile.db_path, auto_create_contacts=True, clock=clock) as log:
        history(log, "c1", client="79990000001")
        history(log, "c2", client="79990000001")  # one contact per number
        history(log, "c3", client="4915112345678")
        history(log, "c4", client="702")  # a colleague: internal call
        history(log, "c5", client="")
        event(log, "c6", "alerting", client="79990000002")  # only histories create
        log.auto_create_contacts = False
        history(log, "c7", client="79990000003")
    with ContactDirectory(profile.db_path) as directory:
        assert [(c.name, c.phones) for c in directory] == [
            ("+7 999 000-00-01", ("79990000001",)),
            ("+49 1511 2345678", ("4915112345678",)),
        ]
        assert directory.client_answer("89990000001") == {"name": "+7 999 000-00-01"}


def test_auto_create_contacts_leaves_known_numbers_alone(profile, clock):
    with ContactDirectory(profile.db_path) as directory:
        known = directory.add(Contact(name="Иван", phones=("89991234567",)))
        with CallLog(profile.db_path, auto_create_contacts=True, clock=clock) as log:
            history(log, "c1", client="+7 999 123-45-67")
        assert directory.all() == [known]


def test_a_shared_connection_joins_the_callers_transaction(profile, clock):
    conn = database.connect(profile.db_path)
    try:
        log = CallLog(conn, clock=clock, auto_create_contacts=True)
        conn.execute("BEGIN IMMEDIATE")
        history(log, "c1", client="79990000001")
        conn.execute("ROLLBACK")  # e.g. the listener failed to journal the webhook
        assert log.count() == 0
        assert ContactDirectory(conn).count() == 0
        history(log, "c1", client="79990000001")
        log.close()  # not ours to close
        assert conn.execute("SELECT count(*) FROM call_log").fetchone()[0] == 1
    finally:
        conn.close()
    with CallLog(profile.db_path) as reopened:
        assert reopened.get("c1").result == "success"


def test_calls_at_the_same_second_keep_their_arrival_order(log):
    for call_id in ("a", "b", "c"):
        event(log, call_id, "alerting", when=WHEN)
    history(log, "a")  # updating a row does not move it
    assert [c.call_id for c in log.last_calls("79991234567")] == ["c", "b", "a"]
