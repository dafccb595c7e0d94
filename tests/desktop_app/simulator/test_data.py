"""The sample data: believable, consistent, and repeatable from a seed."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from desktop_app.core.phone import normalize
from desktop_app.simulator.data import (
    CAMPAIGNS,
    CLIENTS,
    EMPLOYEES,
    GROUPS,
    MOSCOW,
    NUMBERS,
    STRANGERS,
    CallRecord,
    generate_history,
)

NOW = datetime(2024, 3, 15, 12, 0, tzinfo=timezone.utc)


def test_staff_departments_and_numbers():
    assert [e.extension for e in EMPLOYEES] == [str(n) for n in range(701, 713)]
    assert len({e.name for e in EMPLOYEES}) == 12
    group_ids = {g.id for g in GROUPS}
    assert all(e.group_id in group_ids for e in EMPLOYEES)
    assert {g.extension for g in GROUPS}.isdisjoint(e.extension for e in EMPLOYEES)
    assert NUMBERS[0].number == "74951112233" and NUMBERS[0].name == "Основной номер"
    assert {c.id for c in CAMPAIGNS} == {1, 2}


def test_every_number_is_in_the_pbx_form():
    for number in [n.number for n in NUMBERS] + [c.number for c in CLIENTS] + list(STRANGERS):
        assert normalize(number) == number and len(number) == 11, number
    assert len({c.number for c in CLIENTS} | set(STRANGERS)) == len(CLIENTS) + len(STRANGERS)


def test_clients_have_a_name_or_a_company_and_a_known_manager():
    extensions = {e.extension for e in EMPLOYEES}
    for client in CLIENTS:
        assert client.name or client.company
        assert client.manager in extensions


def test_history_is_repeatable_from_the_seed():
    assert generate_history(NOW, 42) == generate_history(NOW, 42)
    assert generate_history(NOW, 42) != generate_history(NOW, 43)


def test_history_looks_like_a_working_month():
    calls = generate_history(NOW, 42)
    assert 250 < len(calls) < 800
    assert [c.start for c in calls] == sorted(c.start for c in calls)
    assert NOW - timedelta(days=32) < calls[0].start and calls[-1].start <= NOW
    assert len({c.id for c in calls}) == len(calls)
    assert all(re.fullmatch(r"[0-9a-f]{16}", c.id) for c in calls)
    kinds = {kind: [c for c in calls if c.kind == kind] for kind in ("in", "out", "missed")}
    assert all(len(group) > 20 for group in kinds.values())
    for call in calls:
        local = call.start.astimezone(MOSCOW)
        assert 9 <= local.hour < 19
        if call.answered:
            assert call.duration > 0 and call.recorded
        else:
            assert call.duration == 0 and not call.recorded


def test_history_needs_an_aware_now():
    with pytest.raises(ValueError):
        generate_history(datetime(2024, 3, 15), 1)


def test_api_form_of_a_call():
    call = CallRecord("06ae768a3ca234f0", "out", True, "307", "79991234567", "74996869953",
                      datetime(2024, 3, 15, 6, 52, 19, tzinfo=timezone.utc), 11, 180, True)
    assert call.to_api("http://127.0.0.1:8780/", "demo.aicall.ru") == {
        "id": "06ae768a3ca234f0",
        "type": "out",
        "account": "307",
        "client": "79991234567",
        "via": "74996869953",
        "start": "2024-03-15T06:52:19Z",
        "wait": 11,
        "duration": 180,
        "record": "http://127.0.0.1:8780/records/demo.aicall.ru/06ae768a3ca234f0.wav",
    }
    missed = CallRecord("1", "in", False, "701", "79991234567", "74951112233", call.start, 30, 0, False)
    assert missed.kind == "missed" and "record" not in missed.to_api("http://x", "d")
