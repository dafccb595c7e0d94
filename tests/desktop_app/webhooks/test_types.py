from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop_app.webhooks.types import (
    CallHistory,
    CampaignReport,
    CampaignResult,
    ClientRequest,
    Direction,
    HistoryResult,
    Stage,
    WebhookError,
    parse,
)


def body(data) -> bytes:
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


# The seed's own examples (§3.1), verbatim apart from the campaign's "..." placeholder.
SEED_HISTORY = {
    "id": " UniqCallID",
    "when": 1577836800,
    "direction": "Out",
    "result": "Success",
    "duration": 69,
    "provision": 13,
    "client": "79991234567",
    "extension": "700",
    "phone": "74951112233",
    "record": "https://records.gravitel.ru/domain/.../file.mp3",
}
SEED_EVENT = {
    "id": "UniqCallID",
    "direction": "Out",
    "stage": "Alerting",
    "client": "79991234567",
    "extension": "700",
    "phone": "74951112233",
}
SEED_CLIENT = {"id": "UniqCallID", "client": "79991234567", "phone": "74951112233"}
SEED_REPORT = {
    "id": "UniqCallID",
    "final": True,
    "when": 1577836800,
    "result": "Success",
    "duration": 69,
    "vars": {"name": "Иванов Иван Иванович", "address": "Москва, Красная пл., д. 1", "someAnswer": "согласен"},
}


def test_seed_examples_parse():
    history = parse("history", body(SEED_HISTORY))
    assert history == CallHistory(
        id="UniqCallID",  # the seed's stray leading space is not part of the id
        direction=Direction.OUT,
        result=HistoryResult.SUCCESS,
        duration=69,
        provision=13,
        when=1577836800,
        client="79991234567",
        extension="700",
        phone="74951112233",
        record="https://records.gravitel.ru/domain/.../file.mp3",
    )
    event = parse("event", body(SEED_EVENT))
    assert (event.id, event.direction, event.stage, event.when) == ("UniqCallID", Direction.OUT, Stage.ALERTING, None)
    assert event.client_number == "79991234567"
    client = parse("client", body(SEED_CLIENT))
    assert client == ClientRequest(id="UniqCallID", client="79991234567", phone="74951112233")
    report = parse("campaign_report", body(SEED_REPORT))
    assert isinstance(report, CampaignReport)
    assert (report.final, report.result, report.duration) == (True, CampaignResult.SUCCESS, 69)
    assert report.vars["someAnswer"] == "согласен"


@pytest.mark.parametrize("raw, expected", [("Out", "out"), ("out", "out"), ("OUT", "out"), (" In ", "in")])
def test_direction_is_case_insensitive(raw, expected):
    assert parse("event", body({**SEED_EVENT, "direction": raw})).direction == expected


@pytest.mark.parametrize("raw", ["alerting", "Talking", "RELEASED"])
def test_stage_is_case_insensitive(raw):
    assert parse("event", body({**SEED_EVENT, "stage": raw})).stage == raw.lower()


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Success", HistoryResult.SUCCESS),
        ("not_available", HistoryResult.NOT_AVAILABLE),
        ("NotAvailable", HistoryResult.NOT_AVAILABLE),
        ("BUSY", HistoryResult.BUSY),
        ("unknown", HistoryResult.UNKNOWN),
        ("teleported", HistoryResult.UNKNOWN),  # unrecognised outcome: kept as unknown, raw text in .raw
    ],
)
def test_history_results(raw, expected):
    history = parse("history", body({**SEED_HISTORY, "result": raw}))
    assert history.result is expected
    assert history.raw["result"] == raw


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("InternalError", CampaignResult.INTERNAL_ERROR),
        ("InternalServerError", CampaignResult.INTERNAL_ERROR),
        ("internal_server_error", CampaignResult.INTERNAL_ERROR),
        ("NotConnected", CampaignResult.NOT_CONNECTED),
        ("canceled", CampaignResult.CANCELED),
        ("Cancelled", CampaignResult.CANCELED),
        ("Exploded", CampaignResult.UNKNOWN),
    ],
)
def test_campaign_results(raw, expected):
    assert parse("campaign_report", body({**SEED_REPORT, "result": raw})).result is expected


@pytest.mark.parametrize(
    "kind, data, field",
    [
        ("event", {"direction": "in", "stage": "alerting"}, "id"),
        ("event", {"id": "1", "stage": "alerting"}, "direction"),
        ("event", {"id": "1", "direction": "in"}, "stage"),
        ("event", {"id": None, "direction": "in", "stage": "alerting"}, "id"),
        ("history", {k: v for k, v in SEED_HISTORY.items() if k != "duration"}, "duration"),
        ("history", {k: v for k, v in SEED_HISTORY.items() if k != "provision"}, "provision"),
        ("history", {k: v for k, v in SEED_HISTORY.items() if k != "result"}, "result"),
        ("history", {k: v for k, v in SEED_HISTORY.items() if k != "direction"}, "direction"),
        ("client", {"client": "7999"}, "id"),
        ("campaign_report", {k: v for k, v in SEED_REPORT.items() if k != "final"}, "final"),
        ("campaign_report", {k: v for k, v in SEED_REPORT.items() if k != "vars"}, "vars"),
        ("campaign_report", {k: v for k, v in SEED_REPORT.items() if k != "result"}, "result"),
    ],
)
def test_missing_required_field_is_named(kind, data, field):
    with pytest.raises(WebhookError) as caught:
        parse(kind, body(data))
    assert caught.value.field == field
    assert f"missing required field: {field}" == str(caught.value)


@pytest.mark.parametrize(
    "kind, change, field",
    [
        ("history", {"duration": "abc"}, "duration"),
        ("history", {"duration": 1.5}, "duration"),
        ("history", {"duration": True}, "duration"),
        ("history", {"duration": -3}, "duration"),
        ("history", {"provision": [1]}, "provision"),
        ("history", {"when": "yesterday"}, "when"),
        ("history", {"when": 10**30}, "when"),
        ("history", {"client": {"n": 1}}, "client"),
        ("history", {"id": ""}, "id"),
        ("history", {"id": 3.5}, "id"),
        ("history", {"direction": "sideways"}, "direction"),
        ("history", {"direction": 1}, "direction"),
        ("history", {"result": 5}, "result"),
        ("event", {"stage": "hold"}, "stage"),
        ("event", {"id": "\ud800"}, "id"),
        ("campaign_report", {"final": "maybe"}, "final"),
        ("campaign_report", {"final": 1}, "final"),
        ("campaign_report", {"vars": [1, 2]}, "vars"),
        ("campaign_report", {"duration": "x"}, "duration"),
    ],
)
def test_wrong_types_are_refused(kind, change, field):
    base = {"history": SEED_HISTORY, "event": SEED_EVENT, "campaign_report": SEED_REPORT}[kind]
    with pytest.raises(WebhookError) as caught:
        parse(kind, json.dumps({**base, **change}).encode())
    assert caught.value.field == field
    assert field in str(caught.value)


def test_liberal_number_forms():
    history = parse("history", body({**SEED_HISTORY, "duration": "69", "provision": 13.0, "id": 42, "extension": 700}))
    assert (history.duration, history.provision, history.id, history.extension) == (69, 13, "42", "700")
    assert parse("campaign_report", body({**SEED_REPORT, "final": "False"})).final is False


def test_null_optional_fields_are_absent():
    event = parse("event", body({**SEED_EVENT, "client": None, "when": None, "phone": ""}))
    assert (event.client, event.when, event.phone) == (None, None, None)


def test_unknown_fields_are_kept():
    event = parse("event", body({**SEED_EVENT, "trunk": "sip-1", "tags": [1, 2]}))
    assert event.extra == {"trunk": "sip-1", "tags": [1, 2]}
    assert event.raw["trunk"] == "sip-1"
    report = parse("campaign_report", body({**SEED_REPORT, "attempt": 2}))
    assert report.extra == {"attempt": 2}


@pytest.mark.parametrize(
    "raw, needle",
    [
        (b"", "empty"),
        (b"   ", "empty"),
        (b"{", "not valid JSON"),
        (b"[1, 2]", "JSON object"),
        (b'"text"', "JSON object"),
        (b"\xff\xfe{}", "UTF-8"),
        (b'{"id": 1' + b"0" * 5000 + b"}", "not valid JSON"),  # beyond Python's int-digits limit
        (b"[" * 100000, "nested too deeply"),
    ],
)
def test_bad_bodies(raw, needle):
    with pytest.raises(WebhookError) as caught:
        parse("event", raw)
    assert needle in str(caught.value)
    assert caught.value.field == ""


def test_utf8_bom_is_tolerated():
    assert parse("client", b"\xef\xbb\xbf" + body(SEED_CLIENT)).id == "UniqCallID"


def test_dedupe_keys():
    alerting = parse("event", body(SEED_EVENT))
    talking = parse("event", body({**SEED_EVENT, "stage": "talking"}))
    again = parse("event", body({**SEED_EVENT, "stage": "ALERTING", "extra": 1}))
    assert alerting.dedupe_key == again.dedupe_key != talking.dedupe_key
    assert parse("history", body(SEED_HISTORY)).dedupe_key == "UniqCallID"
    first = parse("campaign_report", body({**SEED_REPORT, "final": False, "when": 1}))
    last = parse("campaign_report", body({**SEED_REPORT, "final": True, "when": 2}))
    assert first.dedupe_key != last.dedupe_key
    assert last.dedupe_key == parse("campaign_report", body({**SEED_REPORT, "final": True, "when": 2})).dedupe_key


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=10,
)


@settings(max_examples=200, deadline=None)
@given(
    kind=st.sampled_from(["event", "history", "client", "campaign_report"]),
    data=st.dictionaries(
        st.sampled_from(
            ["id", "when", "direction", "stage", "result", "duration", "provision", "final", "vars", "client"]
        )
        | st.text(max_size=5),
        json_values,
        max_size=8,
    ),
)
def test_arbitrary_objects_parse_or_raise_webhook_error(kind, data):
    try:
        webhook = parse(kind, json.dumps(data).encode())
    except WebhookError as exc:
        assert str(exc)
    else:
        assert webhook.id and webhook.raw == data


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_parse_or_raise_webhook_error(raw):
    with contextlib.suppress(WebhookError):
        parse("event", raw)
