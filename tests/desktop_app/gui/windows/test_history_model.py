"""The history table model and its filter proxy: merging, display strings, sorting, search.

The rows come from real parsers (``CallRecord.from_json``) and a real call log; one test
takes them from the simulator over HTTP with the real PBX client.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import QPersistentModelIndex, Qt
from PySide6.QtTest import QSignalSpy

from desktop_app.calls.call_log import CallLog
from desktop_app.contacts.directory import Contact, ContactDirectory
from desktop_app.gui.windows.history_model import (
    CLIENT,
    CONTACT,
    DURATION,
    EXTENSION,
    ISO_TIME,
    RECORD,
    RUSSIAN_TIME,
    TIME,
    TYPE,
    VIA,
    WAIT,
    HistoryFilterProxy,
    HistoryModel,
    RowBuilder,
    format_seconds,
    local_matches,
    merge_rows,
    period_range,
)
from desktop_app.pbx.client import PbxClient, make_http_client
from desktop_app.pbx.types import CallRecord, HistoryPeriod, HistoryType
from desktop_app.simulator import Simulator

T0 = datetime(2024, 3, 15, 6, 52, 19, tzinfo=UTC)
ASC, DESC = Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder


def record(call_id: str, **fields) -> CallRecord:
    item = {"id": call_id, "type": "in", "account": "701", "client": "79991234567", "via": "74951112233",
            "start": "2024-03-15T06:52:19Z", "wait": 11, "duration": 180}
    item.update(fields)
    return CallRecord.from_json({k: v for k, v in item.items() if v is not None})


@pytest.fixture
def call_log(profile):
    log = CallLog(profile.db_path)
    yield log
    log.close()


@pytest.fixture
def contacts(profile):
    directory = ContactDirectory(profile.db_path)
    yield directory
    directory.close()


def name_lookup(contacts: ContactDirectory):
    def name_of(number: str) -> str:
        found = contacts.find_by_number(number)
        return found[0].title if found else ""
    return name_of


def make_models(rows):
    model = HistoryModel()
    proxy = HistoryFilterProxy()
    proxy.setSourceModel(model)
    model.set_rows(rows)
    return model, proxy


# -- building rows --------------------------------------------------------------------------


def test_pbx_row_has_its_display_strings_made_once(contacts):
    contacts.add(Contact(name="Петров Иван", phones=("8 999 123-45-67",)))
    builder = RowBuilder(name_lookup(contacts), ISO_TIME)
    rows = merge_rows(builder, [record("a", record="https://records.aicall.ru/d/a.mp3")], [])
    [row] = rows
    assert row.kind == "in" and row.from_pbx
    assert row.texts[CLIENT] == "+7 999 123-45-67"
    assert row.texts[CONTACT] == "Петров Иван"
    assert row.texts[VIA] == "+7 495 111-22-33"
    assert row.texts[EXTENSION] == "701"
    assert row.texts[WAIT] == "0:11" and row.texts[DURATION] == "3:00"
    local = T0.astimezone().replace(tzinfo=None)
    assert row.texts[TIME] == local.strftime(ISO_TIME)
    assert row.record_url == "https://records.aicall.ru/d/a.mp3"
    assert row.dial_number == "+79991234567"


def test_contact_names_are_looked_up_once_per_number():
    asked = []

    def name_of(number):
        asked.append(number)
        return "Anna"

    builder = RowBuilder(name_of)
    merge_rows(builder, [record(str(i), client="8 (999) 123-45-67" if i % 2 else "+79991234567")
                         for i in range(50)], [])
    assert asked == ["79991234567"]


def test_same_call_in_pbx_and_log_is_one_row_and_the_pbx_wins(call_log):
    call_log.record_history("same", "in", "success", 99, 5, client="79161112233", extension="702",
                            phone="74952302344", when=T0, record_url="https://records.gravitel.ru/same.mp3")
    call_log.record_history("local-only", "in", "missed", 0, 30, client="79035556677", extension="703",
                            when=T0 + timedelta(hours=1))
    call_log.record_event("ringing", "out", "alerting", client="79263334455", extension="701",
                          when=T0 - timedelta(hours=1))
    pbx = [record("same", duration=180, wait=None, record=None)]
    rows = merge_rows(RowBuilder(), pbx, call_log.all_calls())
    assert [row.call_id for row in rows] == ["local-only", "same", "ringing"]  # newest first
    same = rows[1]
    assert same.from_pbx
    assert same.duration == 180 and same.client == "79991234567" and same.extension == "701"  # PBX's values
    assert same.wait == 5 and same.record_url == "https://records.gravitel.ru/same.mp3"  # filled from the log
    missed, ringing = rows[0], rows[2]
    assert missed.kind == "missed" and not missed.from_pbx and missed.texts[WAIT] == "0:30"
    assert ringing.kind == "out" and ringing.duration is None and ringing.texts[DURATION] == ""


def test_merge_keeps_the_newest_up_to_the_limit():
    pbx = [record(f"c{i}", start=(T0 + timedelta(minutes=i)).isoformat()) for i in range(10)]
    rows = merge_rows(RowBuilder(), pbx, [], limit=3)
    assert [row.call_id for row in rows] == ["c9", "c8", "c7"]


def test_format_seconds():
    assert format_seconds(None) == ""
    assert format_seconds(0) == "0:00"
    assert format_seconds(65) == "1:05"
    assert format_seconds(3723) == "1:02:03"
    assert format_seconds(65, hours=True) == "0:01:05"


def test_rows_that_are_not_numbers_are_kept_as_sent():
    [row] = merge_rows(RowBuilder(), [record("x", client="anonymous", via=None, type="weird")], [])
    assert row.texts[CLIENT] == "anonymous" and row.client_digits == "" and row.kind == "unknown"
    assert row.dial_number is None


# -- periods ------------------------------------------------------------------------------


def test_period_range_presets():
    now = datetime(2024, 3, 13, 15, 30, tzinfo=timezone(timedelta(hours=3)))  # a Wednesday
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    assert period_range(HistoryPeriod.TODAY, now) == (day, day + timedelta(days=1))
    assert period_range("yesterday", now) == (day - timedelta(days=1), day)
    monday = day - timedelta(days=2)
    assert period_range(HistoryPeriod.THIS_WEEK, now) == (monday, monday + timedelta(days=7))
    assert period_range(HistoryPeriod.LAST_WEEK, now) == (monday - timedelta(days=7), monday)
    assert period_range(HistoryPeriod.THIS_MONTH, now) == (day.replace(day=1), day.replace(month=4, day=1))
    assert period_range(HistoryPeriod.LAST_MONTH, now) == (day.replace(month=2, day=1), day.replace(day=1))
    january = datetime(2024, 1, 10, tzinfo=UTC)
    assert period_range(HistoryPeriod.LAST_MONTH, january)[0] == datetime(2023, 12, 1, tzinfo=UTC)


def test_period_range_follows_daylight_saving():
    berlin = ZoneInfo("Europe/Berlin")
    start, end = period_range(HistoryPeriod.THIS_MONTH, datetime(2024, 3, 20, 12, tzinfo=berlin))
    assert start.utcoffset() == timedelta(hours=1) and end.utcoffset() == timedelta(hours=2)
    assert end.timestamp() - start.timestamp() == (timedelta(days=31) - timedelta(hours=1)).total_seconds()


def test_local_calls_match_period_and_type(call_log):
    missed = call_log.record_history("m", "in", "missed", 0, 20, client="79991234567", when=T0)
    answered = call_log.record_history("a", "in", "success", 60, 5, client="79991234567", when=T0)
    start, end = T0 - timedelta(hours=1), T0 + timedelta(hours=1)
    assert local_matches(missed, start, end, HistoryType.MISSED, end_inclusive=False)
    assert not local_matches(missed, start, end, HistoryType.IN, end_inclusive=False)
    assert local_matches(answered, start, end, HistoryType.IN, end_inclusive=False)
    assert local_matches(answered, start, end, "all", end_inclusive=False)
    assert not local_matches(answered, T0 + timedelta(seconds=1), end, HistoryType.ALL, end_inclusive=False)
    assert local_matches(answered, start, T0, HistoryType.ALL, end_inclusive=True)
    assert not local_matches(answered, start, T0, HistoryType.ALL, end_inclusive=False)


# -- the model ----------------------------------------------------------------------------


def test_model_cells_headers_and_roles(qapp):
    rows = merge_rows(RowBuilder(), [
        record("a", type="missed", duration=0, record=None),
        record("b", start="2024-03-15T07:00:00Z", record="https://records.aicall.ru/d/b.mp3"),
    ], [])
    model, proxy = make_models(rows)
    assert model.rowCount() == 2 and model.columnCount() == 9
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(9)] == [
        "Time", "Type", "Client", "Contact", "Employee", "PBX number", "Wait", "Duration", "Recording"]
    missed = model.index(1, TYPE)
    assert missed.data() == "Missed"
    assert missed.data(Qt.ItemDataRole.ForegroundRole) is not None
    assert model.index(0, TYPE).data() == "Incoming"
    assert model.index(0, RECORD).data(Qt.ItemDataRole.ToolTipRole) == "https://records.aicall.ru/d/b.mp3"
    assert model.index(1, RECORD).data(Qt.ItemDataRole.ToolTipRole) is None
    assert model.index(0, DURATION).data(Qt.ItemDataRole.TextAlignmentRole)
    assert model.text(model.row(0), RECORD) == "https://records.aicall.ru/d/b.mp3"


def test_bulk_load_is_one_reset(qapp):
    model, _proxy = make_models([])
    resets = QSignalSpy(model.modelReset)
    inserts = QSignalSpy(model.rowsInserted)
    model.set_rows(merge_rows(RowBuilder(), [record(str(i)) for i in range(500)], []))
    assert resets.count() == 1 and inserts.count() == 0
    assert model.rowCount() == 500


def test_every_column_sorts_by_its_value_not_its_text(qapp):
    builder = RowBuilder(lambda n: {"79991234567": "ёжиков", "79161112233": "Ежова", "79035556677": "анна"}.get(n, ""),
                         RUSSIAN_TIME)  # day first: the text order is not the time order
    rows = merge_rows(builder, [
        record("a", start="2024-02-20T10:00:00Z", wait=9, duration=599, client="79991234567", account="99",
               via="74951112233", type="out", record="https://records.aicall.ru/a.mp3"),
        record("b", start="2024-03-01T10:00:00Z", wait=10, duration=600, client="79161112233", account="701",
               via="78005553535", type="in"),
        record("c", start="2024-02-29T10:00:00Z", wait=100, duration=5, client="702", account="1001",
               via="74952302344", type="missed", record="https://records.aicall.ru/c.mp3"),
        record("d", start="2024-01-31T10:00:00Z", wait=None, duration=None, client="79035556677", account="мастер",
               via="702", type="in"),
    ], [])
    model, proxy = make_models(rows)

    def ids(col, order=ASC):
        proxy.sort(TIME, ASC)  # ties keep this order: sorting is stable
        proxy.sort(col, order)
        return [proxy.row(r).call_id for r in range(proxy.rowCount())]

    assert ids(TIME) == ["d", "a", "c", "b"]
    assert ids(TIME, DESC) == ["b", "c", "a", "d"]
    assert ids(WAIT) == ["d", "a", "b", "c"]
    assert ids(DURATION) == ["d", "c", "a", "b"]  # 9:59 before 10:00
    assert ids(DURATION, DESC) == ["b", "a", "c", "d"]
    assert ids(CLIENT) == ["c", "d", "b", "a"]  # 702, then 7903..., 7916..., 7999...
    assert ids(EXTENSION) == ["a", "b", "c", "d"]  # 99 < 701 < 1001, then words
    assert ids(VIA) == ["d", "a", "c", "b"]
    assert ids(CONTACT) == ["c", "d", "a", "b"]  # "", анна, ёжиков, Ежова
    assert ids(TYPE) == ["d", "b", "c", "a"]  # Incoming, Missed, Outgoing
    assert ids(RECORD) == ["d", "b", "a", "c"]  # without, then with
    # The model remembers the order: a reload keeps it.
    proxy.sort(WAIT, ASC)
    model.set_rows(merge_rows(RowBuilder(), [record("x", wait=1), record("y", wait=50), record("z", wait=7)], []))
    assert [proxy.row(r).call_id for r in range(3)] == ["x", "z", "y"]


def test_contact_sort_ignores_case_and_yo(qapp):
    names = {"79991234567": "ёжиков", "79161112233": "Ежова", "79035556677": "анна", "79263334455": "Яков"}
    rows = merge_rows(RowBuilder(names.get), [record(str(i), client=n) for i, n in enumerate(names)], [])
    _model, proxy = make_models(rows)
    proxy.sort(CONTACT, ASC)
    assert [proxy.row(r).contact for r in range(4)] == ["анна", "ёжиков", "Ежова", "Яков"]


def test_selection_follows_its_row_through_a_sort(qapp):
    rows = merge_rows(RowBuilder(), [record(str(i), wait=i * 7 % 10) for i in range(10)], [])
    model, proxy = make_models(rows)
    proxy.sort(WAIT, ASC)
    kept = QPersistentModelIndex(proxy.index(2, 0))
    call_id = proxy.row(2).call_id
    proxy.sort(WAIT, DESC)
    assert kept.isValid() and proxy.row(kept.row()).call_id == call_id
    assert kept.row() != 2


# -- search and type filter -------------------------------------------------------------------


@pytest.fixture
def searchable(qapp):
    names = {"79991234567": "Петров Иван", "79161112233": "Сидорова Алёна", "79035556677": ""}
    rows = merge_rows(RowBuilder(names.get), [
        record("petrov", client="79991234567", type="in"),
        record("sidorova", client="79161112233", type="missed"),
        record("stranger", client="79035556677", type="out"),
        record("colleague", client="702", type="out"),
    ], [])
    return make_models(rows)


@pytest.mark.parametrize(("query", "expected"), [
    ("8 999 123-45-67", {"petrov"}),
    ("+7 (999) 123 45 67", {"petrov"}),
    ("79991234567", {"petrov"}),
    ("4567", {"petrov"}),
    ("916 111", {"sidorova"}),
    ("8916", {"sidorova"}),
    ("702", {"colleague"}),
    ("петров", {"petrov"}),
    ("АЛЕНА", {"sidorova"}),  # ё and е are one letter for search
    ("иван", {"petrov"}),
    ("nobody", set()),
    ("", {"petrov", "sidorova", "stranger", "colleague"}),
    ("   ", {"petrov", "sidorova", "stranger", "colleague"}),
])
def test_search_by_number_in_any_form_or_by_name(searchable, query, expected):
    _model, proxy = searchable
    proxy.set_search(query)
    assert {proxy.row(r).call_id for r in range(proxy.rowCount())} == expected


def test_type_filter_combines_with_search(searchable):
    model, proxy = searchable
    proxy.set_type(HistoryType.OUT)
    assert {proxy.row(r).call_id for r in range(proxy.rowCount())} == {"stranger", "colleague"}
    proxy.set_search("702")
    assert [proxy.row(r).call_id for r in range(proxy.rowCount())] == ["colleague"]
    proxy.set_type("missed")
    assert proxy.rowCount() == 0
    proxy.set_search("")
    assert [proxy.row(r).call_id for r in range(proxy.rowCount())] == ["sidorova"]
    proxy.set_type(HistoryType.ALL)
    assert proxy.rowCount() == model.rowCount() == 4
    assert [r.call_id for r in proxy.visible_rows()] == [r.call_id for r in model.rows]


# -- 100,000 rows -----------------------------------------------------------------------------


def test_hundred_thousand_rows_count_sort_and_search(qapp):
    rng = random.Random(5)
    numbers = [f"79{rng.randrange(10**9):09d}" for _ in range(3000)]
    kinds = ("in", "out", "missed")
    payload = [{
        "id": f"{i:08x}", "type": kinds[i % 3], "account": str(700 + i % 40), "client": numbers[i % len(numbers)],
        "via": "74951112233", "start": 1_700_000_000 + rng.randrange(5_000_000), "wait": rng.randrange(60),
        "duration": rng.randrange(3600), **({"record": f"https://records.aicall.ru/d/{i}.mp3"} if i % 3 != 2 else {}),
    } for i in range(100_000)]
    records = [CallRecord.from_json(item) for item in payload]
    rows = merge_rows(RowBuilder(lambda n: "Клиент " + n[-4:]), records, [])
    model, proxy = make_models(rows)
    assert model.rowCount() == proxy.rowCount() == 100_000

    proxy.sort(DURATION, DESC)
    durations = [proxy.row(r).duration for r in range(0, 100_000, 997)]
    assert durations == sorted(durations, reverse=True)
    proxy.sort(TIME, ASC)
    starts = [model.row(r).start for r in range(100_000)]
    assert starts == sorted(starts)

    target = numbers[17]
    expected = sum(1 for item in payload if item["client"] == target)
    shown = "8 " + target[1:4] + " " + target[4:7] + "-" + target[7:9] + "-" + target[9:]
    proxy.set_search(shown)
    assert proxy.rowCount() == expected > 0
    assert {proxy.row(r).client for r in range(proxy.rowCount())} == {target}
    proxy.set_type(HistoryType.MISSED)
    assert proxy.rowCount() == sum(1 for item in payload if item["client"] == target and item["type"] == "missed")
    proxy.set_type(HistoryType.ALL)
    proxy.set_search("клиент " + target[-4:])
    assert proxy.rowCount() >= expected
    proxy.set_search("")
    assert proxy.rowCount() == 100_000


# -- from the simulator ------------------------------------------------------------------------


async def test_rows_from_the_simulator_merge_with_the_call_log(call_log, contacts):
    now = datetime(2024, 3, 13, 12, 0, tzinfo=UTC)
    contacts.add(Contact(name="Петров Иван Сергеевич", phones=("79991234567",)))
    async with Simulator(seed=3, now=lambda: now) as sim, make_http_client() as http:
        pbx = PbxClient(http, api_url=sim.url, domain=sim.domain, token=sim.token)
        records = await pbx.history(period=HistoryPeriod.THIS_MONTH)
        base = sim.url
    assert records
    first = records[0]
    call_log.record_history(first.id, "in", "success", 1, 1, client="79000000000", when=now)
    call_log.record_history("seen-here-only", "in", "missed", 0, 12, client="79991234567", when=now)
    rows = merge_rows(RowBuilder(name_lookup(contacts)), records, call_log.all_calls())
    assert len(rows) == len(records) + 1
    by_id = {row.call_id: row for row in rows}
    assert by_id[first.id].client == first.client and by_id[first.id].duration == first.duration
    assert by_id["seen-here-only"].kind == "missed"
    assert by_id["seen-here-only"].contact == "Петров Иван Сергеевич"
    with_records = [row for row in rows if row.record_url]
    assert with_records and all(row.record_url.startswith(base + "/records/") for row in with_records)
