from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop_app.pbx.types import (
    Balance,
    CallRecord,
    CallType,
    CampaignCall,
    CampaignCallStatus,
    CampaignResult,
    Employee,
    Group,
    HistoryPeriod,
    HistoryType,
    PbxDataError,
    PbxNumber,
    format_datetime,
    parse_datetime,
    parse_list,
)

SEED_HISTORY_ITEM = {
    "id": "06ae768a3ca234f0",
    "type": "out",
    "account": "307",
    "client": "79991234567",
    "via": "74996869953",
    "start": "2024-03-15T06:52:19Z",
    "wait": 11,
    "duration": 180,
    "record": "https://records.aicall.ru/domain/x.mp3",
}


def test_call_record_from_seed_example():
    record = CallRecord.from_json(SEED_HISTORY_ITEM)
    assert record == CallRecord(
        id="06ae768a3ca234f0",
        type=CallType.OUT,
        account="307",
        client="79991234567",
        via="74996869953",
        start=datetime(2024, 3, 15, 6, 52, 19, tzinfo=timezone.utc),
        wait=11,
        duration=180,
        record="https://records.aicall.ru/domain/x.mp3",
    )
    assert record.start.utcoffset() == timedelta(0)


def test_call_record_is_lenient():
    record = CallRecord.from_json(
        {"ID": 123, "Type": "MISSED", "wait": "7", "duration": 0.0, "start": 1710485539, "extra": {"x": 1}}
    )
    assert record.id == "123"
    assert record.type is CallType.MISSED
    assert record.wait == 7 and record.duration == 0
    assert record.start == datetime(2024, 3, 15, 6, 52, 19, tzinfo=timezone.utc)
    assert record.account is None and record.record is None


def test_call_record_unknown_type_and_offset_start():
    record = CallRecord.from_json({"id": "a", "type": "internal", "start": "2024-03-15T09:52:19+03:00"})
    assert record.type is CallType.UNKNOWN
    assert record.start == datetime(2024, 3, 15, 6, 52, 19, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "raw, field",
    [
        ({}, "id"),
        ({"id": ""}, "id"),
        ({"id": "a", "duration": "long"}, "duration"),
        ({"id": "a", "start": "yesterday"}, "start"),
        ({"id": "a", "wait": True}, "wait"),
        ({"id": ["a"]}, "id"),
    ],
)
def test_call_record_refuses_bad_fields_naming_them(raw, field):
    with pytest.raises(PbxDataError, match=field):
        CallRecord.from_json(raw)


def test_not_an_object():
    with pytest.raises(PbxDataError, match="JSON object"):
        CallRecord.from_json(["id"])


def test_lists_name_the_bad_item():
    with pytest.raises(PbxDataError, match=r"accounts\[1\]: extension"):
        parse_list([{"extension": "701"}, {"name": "x"}], Employee, "accounts")
    with pytest.raises(PbxDataError, match="JSON array"):
        parse_list({"extension": "701"}, Employee, "accounts")


def test_employee_group_number():
    assert Employee.from_json({"extension": 701, "name": "Иванов Петр"}) == Employee("701", "Иванов Петр")
    assert Employee.from_json({"extension": "702"}) == Employee("702", "")
    assert Group.from_json({"id": 111, "extension": "700", "name": "Отдел продаж"}) == Group("111", "700", "Отдел продаж")
    assert PbxNumber.from_json({"number": "74952302344", "name": "Основной номер"}) == PbxNumber(
        "74952302344", "Основной номер"
    )


def test_balance():
    assert Balance.from_json({"balance": 1234.56, "credit": 0}) == Balance(1234.56, 0.0)
    assert Balance.from_json({"balance": "-10,5"}) == Balance(-10.5, 0.0)
    with pytest.raises(PbxDataError, match="balance"):
        Balance.from_json({"credit": 0})
    with pytest.raises(PbxDataError, match="finite"):
        Balance.from_json({"balance": "nan"})


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("Success", CampaignResult.SUCCESS),
        ("success", CampaignResult.SUCCESS),
        ("NOTCONNECTED", CampaignResult.NOT_CONNECTED),
        ("Canceled", CampaignResult.CANCELED),
        ("Cancelled", CampaignResult.CANCELED),
        ("InternalError", CampaignResult.INTERNAL_ERROR),
        ("InternalServerError", CampaignResult.INTERNAL_ERROR),
        ("internalservererror", CampaignResult.INTERNAL_ERROR),
        ("SomethingNew", CampaignResult.UNKNOWN),
    ],
)
def test_campaign_result_one_value_for_both_internal_errors(raw, expected):
    assert CampaignResult.parse(raw) is expected


def test_campaign_call_status_from_seed_example():
    status = CampaignCallStatus.from_json(
        {
            "id": "UniqCallID",
            "final": True,
            "when": 1577836800,
            "result": "InternalServerError",
            "duration": 69,
            "vars": {"name": "Иванов Иван Иванович", "someAnswer": "согласен"},
            "unknown": 1,
        }
    )
    assert status == CampaignCallStatus(
        id="UniqCallID",
        final=True,
        result=CampaignResult.INTERNAL_ERROR,
        when=datetime(2020, 1, 1, tzinfo=timezone.utc),
        duration=69,
        vars={"name": "Иванов Иван Иванович", "someAnswer": "согласен"},
    )


def test_campaign_call_status_lenient_and_strict_parts():
    status = CampaignCallStatus.from_json({"id": "x", "final": "false", "result": "notconnected"})
    assert status.final is False and status.result is CampaignResult.NOT_CONNECTED and status.vars == {}
    with pytest.raises(PbxDataError, match="final"):
        CampaignCallStatus.from_json({"id": "x", "final": "maybe", "result": "Success"})
    with pytest.raises(PbxDataError, match="vars"):
        CampaignCallStatus.from_json({"id": "x", "final": True, "result": "Success", "vars": [1]})


def test_history_enums_case_insensitive_and_strict():
    assert HistoryPeriod.parse("This_Week") is HistoryPeriod.THIS_WEEK
    assert HistoryPeriod.parse("last-month") is HistoryPeriod.LAST_MONTH
    assert HistoryType.parse("MISSED") is HistoryType.MISSED
    assert [p.value for p in HistoryPeriod] == [
        "today", "yesterday", "this_week", "last_week", "this_month", "last_month"
    ]
    with pytest.raises(PbxDataError, match="period: 'tomorrow' is not one of"):
        HistoryPeriod.parse("tomorrow", "period")
    with pytest.raises(PbxDataError):
        HistoryType.parse("internal")
    with pytest.raises(PbxDataError):
        HistoryType.parse(1)


def test_campaign_call_request():
    call = CampaignCall("c1", "79991234567", {"name": "Иван"})
    assert call.to_json() == {"id": "c1", "number": "79991234567", "vars": {"name": "Иван"}}
    assert call.to_json("70000000000")["number"] == "70000000000"
    with pytest.raises(PbxDataError, match="id"):
        CampaignCall(" ", "79991234567")
    with pytest.raises(PbxDataError, match="vars"):
        CampaignCall("c1", "79991234567", ["x"])  # type: ignore[arg-type]


def test_format_datetime():
    assert format_datetime(datetime(2024, 3, 15, tzinfo=timezone.utc)) == "2024-03-15T00:00:00Z"
    moscow = timezone(timedelta(hours=3))
    assert format_datetime(datetime(2024, 3, 15, 3, 0, 0, 999, tzinfo=moscow)) == "2024-03-15T00:00:00Z"
    with pytest.raises(ValueError, match="naive"):
        format_datetime(datetime(2024, 3, 15))


@settings(max_examples=60, deadline=None)
@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.timezones()))
def test_format_then_parse_round_trips_to_the_second(value):
    parsed = parse_datetime(format_datetime(value))
    # Compare instants: PEP 495 makes aware values at a DST fold unequal across zones.
    assert parsed.timestamp() == value.replace(microsecond=0).timestamp()
    assert parsed.tzinfo is timezone.utc


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.text(max_size=8), st.one_of(st.none(), st.integers(), st.text(max_size=8)), max_size=6))
def test_parsers_raise_only_pbx_data_error(raw):
    for kind in (CallRecord, Employee, Group, PbxNumber, Balance, CampaignCallStatus):
        try:
            kind.from_json(raw)
        except PbxDataError:
            pass
