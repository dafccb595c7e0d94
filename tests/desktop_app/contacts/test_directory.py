from __future__ import annotations

import importlib.util
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop_app.contacts.directory import (
    Contact,
    ContactDirectory,
    ContactError,
    ContactNotFound,
    display_number,
    fold,
    normal_form,
    write_transaction,
)
from desktop_app.core.phone import InvalidNumber

BENCH = Path(__file__).resolve().parents[3] / "bench" / "bench_contacts.py"


class FakeClock:
    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def directory(profile, clock):
    with ContactDirectory(profile.db_path, clock=clock) as opened:
        yield opened


def test_add_stores_normal_forms_and_returns_the_stored_contact(directory, clock):
    added = directory.add(
        Contact(
            name="  Иван   Петров ",
            company="ООО Ромашка",
            phones=("8 999 123-45-67", "+7 (999) 123 45 67", "701", " "),
            manager=" 700 ",
            email=" ivan@example.ru ",
            note=" VIP\nзвонить после обеда ",
            crm_url="crm.example.ru/deal/1",
        )
    )
    assert added.id is not None
    assert added.name == "Иван Петров"
    assert added.phones == ("79991234567", "701")  # duplicates dropped, extension kept as is
    assert added.manager == "700"
    assert added.email == "ivan@example.ru"
    assert added.note == "VIP\nзвонить после обеда"
    assert added.crm_url == "https://crm.example.ru/deal/1"
    assert added.created == added.updated
    assert added.created.timestamp() == clock.now
    assert directory.get(added.id) == added
    assert directory.get(added.id).created == added.created


@pytest.mark.parametrize(
    ("contact", "error", "message"),
    [
        (Contact(phones=("79991234567",)), ContactError, "No name and no company"),
        (Contact(name="  ", company=" ", phones=("79991234567",)), ContactError, "No name and no company"),
        (Contact(name="A", phones=("12345678901234567",)), InvalidNumber, "Not a phone number: 12345678901234567"),
        (Contact(name="A", phones=("позвонить",)), InvalidNumber, "Not a phone number"),
        (Contact(name="A", manager="Иванов"), ContactError, "The manager must be an extension number, not Иванов"),
        (Contact(name="A", email="ivan.example.ru"), ContactError, "Not an e-mail address: ivan.example.ru"),
        (Contact(name="A", crm_url="javascript:alert(1)"), ContactError, "Not a web address"),
        (Contact(name="A", crm_url="ftp://host/x"), ContactError, "Not a web address: ftp://host/x"),
    ],
)
def test_add_refuses_bad_contacts_with_a_reason(directory, contact, error, message):
    with pytest.raises(error) as caught:
        directory.add(contact)
    assert message in str(caught.value.text)
    assert directory.count() == 0


def test_a_single_number_as_a_string_or_a_list(directory):
    assert directory.add(Contact(name="A", phones="8 999 123-45-67")).phones == ("79991234567",)
    assert directory.add(Contact(name="B", phones=["89991234568", "701"])).phones == ("79991234568", "701")


def test_company_alone_is_enough(directory):
    added = directory.add(Contact(company="ООО Ромашка", phones=("84951112233",)))
    assert added.title == "ООО Ромашка"


def test_update_replaces_fields_and_numbers(directory, clock):
    added = directory.add(Contact(name="Иван", phones=("89991234567", "84951112233")))
    updated = directory.update(replace(added, name="Иван Петров", phones=("+7 999 000-00-01",), manager="701"))
    assert updated.name == "Иван Петров"
    assert updated.phones == ("79990000001",)
    assert updated.created == added.created
    assert updated.updated > added.updated
    assert directory.find_by_number("89991234567") == []
    assert directory.find_by_number("84951112233") == []
    assert [c.id for c in directory.find_by_number("79990000001")] == [added.id]


def test_update_of_a_missing_contact_is_refused(directory):
    with pytest.raises(ContactNotFound):
        directory.update(Contact(name="Nobody", id=12345))
    with pytest.raises(ContactNotFound):
        directory.update(Contact(name="Never stored"))


def test_a_failed_update_changes_nothing(directory):
    added = directory.add(Contact(name="Иван", phones=("89991234567",)))
    with pytest.raises(InvalidNumber):
        directory.update(replace(added, phones=("79990000001", "not a number")))
    assert directory.get(added.id) == added


def test_delete_removes_the_contact_and_its_numbers(directory):
    added = directory.add(Contact(name="Иван", phones=("89991234567",)))
    assert directory.delete(added.id) is True
    assert directory.get(added.id) is None
    assert directory.find_by_number("79991234567") == []
    assert directory.connection.execute("SELECT count(*) FROM contact_phones").fetchone()[0] == 0
    assert directory.delete(added.id) is False


@pytest.mark.parametrize("written", ["8 999 123-45-67", "+7 (999) 123 45 67", "79991234567", "tel:+79991234567"])
def test_find_by_number_matches_any_form(directory, written):
    added = directory.add(Contact(name="Иван", phones=("+79991234567",)))
    assert directory.find_by_number(written) == [added]


def test_a_shared_number_finds_every_contact(directory):
    first = directory.add(Contact(name="Иван", company="Ромашка", phones=("84951112233",)))
    second = directory.add(Contact(name="Мария", company="Ромашка", phones=("84951112233", "89990000000")))
    assert directory.find_by_number("+7 495 111-22-33") == [first, second]


@pytest.mark.parametrize("raw", ["", "   ", None, "not a number", "12345678901234567"])
def test_non_numbers_find_nothing(directory, raw):
    directory.add(Contact(name="Иван", phones=("89991234567",)))
    assert directory.find_by_number(raw) == []
    assert directory.client_answer(raw) == {}


def test_client_answer_follows_the_contract(directory):
    directory.add(Contact(name="Иван Петров", company="Ромашка", phones=("89991234567",), manager="700"))
    directory.add(Contact(company="ООО Вектор", phones=("84951112233",)))
    assert directory.client_answer("+7 (999) 123 45 67") == {"name": "Иван Петров", "manager": "700"}
    assert directory.client_answer("74951112233") == {"name": "ООО Вектор"}
    assert directory.client_answer("8 800 555-35-35") == {}


def test_client_answer_prefers_a_contact_with_a_manager_then_the_freshest(directory):
    older = directory.add(Contact(name="Старый", phones=("84951112233",)))
    directory.add(Contact(name="Новый", phones=("84951112233",)))
    assert directory.client_answer("84951112233") == {"name": "Новый"}
    directory.update(replace(older, note="touched"))  # now the most recently updated
    assert directory.client_answer("84951112233") == {"name": "Старый"}
    directory.add(Contact(name="С менеджером", phones=("84951112233",), manager="701"))
    directory.update(replace(older, note="touched again"))
    assert directory.client_answer("84951112233") == {"name": "С менеджером", "manager": "701"}


async def test_lookup_client_answers_on_the_event_loop(directory):
    directory.add(Contact(name="Иван", phones=("89991234567",), manager="700"))
    assert await directory.lookup_client("8 999 123-45-67") == {"name": "Иван", "manager": "700"}
    assert await directory.lookup_client("79990000000") == {}


def test_search_by_name_or_company_ignores_case_and_yo(directory):
    petr = directory.add(Contact(name="Пётр Иванов", phones=("89991234567",)))
    ivan = directory.add(Contact(name="Иван Сидоров", company="Ромашка", phones=("89991234568",)))
    acme = directory.add(Contact(company="ACME Corp", phones=("84951112233",)))
    assert directory.search("ИВАН") == [ivan, petr]  # starts with the query first
    assert directory.search("петр") == [petr]
    assert directory.search("ромаш") == [ivan]
    assert directory.search("acme") == [acme]
    assert directory.search("  ") == []
    assert directory.search("иван", limit=0) == []
    assert directory.search("нет такого") == []
    # A query does not match across the end of the name into the company.
    assert directory.search("сидоров ромашка") == []


def test_search_by_number_prefix_or_part(directory):
    first = directory.add(Contact(name="A", phones=("89991234567",)))
    second = directory.add(Contact(name="B", phones=("89991239999",)))
    office = directory.add(Contact(name="C", phones=("84951112233", "702")))
    assert directory.search("8 999 123") == [first, second]
    assert directory.search("+7 999 1234") == [first]
    assert directory.search("999-123-99") == [second]
    assert directory.search("4567") == [first]  # last digits
    assert directory.search("11-22") == [office]
    assert directory.search("70") == [office]  # the extension
    assert directory.search("8 999", limit=1) == [first]


def test_iteration_count_and_all(directory):
    added = [directory.add(Contact(name=f"Контакт {i}", phones=(f"8999000000{i}",) if i else ())) for i in range(5)]
    assert directory.count() == len(directory) == 5
    assert list(directory) == directory.all() == added
    assert added[0].phones == ()


def test_a_transaction_is_all_or_nothing(directory):
    with pytest.raises(RuntimeError), directory.transaction():
        directory.add(Contact(name="A", phones=("89991234567",)))
        raise RuntimeError("boom")
    assert directory.count() == 0
    with directory.transaction():
        directory.add(Contact(name="A", phones=("89991234567",)))
        directory.add(Contact(name="B", phones=("89991234568",)))
    assert directory.count() == 2


def test_a_nested_failure_rolls_back_only_its_savepoint(directory):
    conn = directory.connection
    with write_transaction(conn):
        directory.add(Contact(name="kept", phones=("89991234567",)))
        with pytest.raises(ContactError), write_transaction(conn):
            conn.execute("INSERT INTO contacts (name, created, updated) VALUES ('dropped', 0, 0)")
            directory.add(Contact(name=""))
    assert [c.name for c in directory] == ["kept"]
    assert not conn.in_transaction


def test_two_connections_see_each_others_commits(profile, directory):
    with ContactDirectory(profile.db_path) as other:
        added = other.add(Contact(name="Иван", phones=("89991234567",)))
        assert directory.find_by_number("79991234567") == [added]


def test_a_shared_connection_stays_open(profile):
    from desktop_app.core import database

    conn = database.connect(profile.db_path)
    try:
        with ContactDirectory(conn) as shared:
            shared.add(Contact(name="A", phones=("89991234567",)))
        assert conn.execute("SELECT count(*) FROM contacts").fetchone()[0] == 1
    finally:
        conn.close()
    with pytest.raises(sqlite3.ProgrammingError):
        conn.execute("SELECT 1")


# Russian numbers: mobile (9xx) and a few cities, as people write them.
_NATIONAL = st.tuples(
    st.sampled_from(["900", "916", "925", "977", "999", "495", "499", "812", "343"]),
    st.text(alphabet="0123456789", min_size=7, max_size=7),
).map("".join)


@st.composite
def _written(draw, national: str) -> str:
    prefix = draw(st.sampled_from(["+7", "8", "7", "+7 ", "8 ", "7 ", "+7-", ""]))
    code, rest = national[:3], national[3:]
    if draw(st.booleans()):
        code = draw(st.sampled_from(["({})", "({}) ", " ({}) ", "{} ", "{}-", "{}"])).format(code)
    groups = [rest[:3], rest[3:5], rest[5:]]
    separators = draw(st.lists(st.sampled_from(["", " ", "-", " - "]), min_size=2, max_size=2))
    return f"{prefix}{code}{groups[0]}{separators[0]}{groups[1]}{separators[1]}{groups[2]}"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), national=_NATIONAL)
def test_any_way_of_writing_a_number_finds_the_same_contact(directory, data, national):
    stored_as = data.draw(_written(national), label="stored as")
    looked_up_as = data.draw(_written(national), label="looked up as")
    added = directory.add(Contact(name="Тест", phones=(stored_as,)))
    try:
        assert added.phones == ("7" + national,)
        assert directory.find_by_number(looked_up_as) == [added]
        assert directory.client_answer(looked_up_as) == {"name": "Тест"}
    finally:
        directory.delete(added.id)


def test_the_benchmark_fill_makes_contacts_the_directory_finds(tmp_path):
    spec = importlib.util.spec_from_file_location("bench_contacts", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    db = tmp_path / "desk.sqlite3"
    samples = bench.fill_directory(db, 300, samples=50)
    assert len(samples) == 50
    with ContactDirectory(db) as directory:
        assert directory.count() == 300
        for number in samples[:10]:
            (found,) = directory.find_by_number("8" + number[1:])
            assert found.phones == (number,)
            assert directory.search(found.name) == [found]
            assert directory.client_answer(number)["name"] == found.name
        more = bench.fill_directory(db, 20, seed=2)
        assert directory.count() == 320
        assert len(directory.find_by_number(more[0])) == 1


def test_numbers_outside_russia_match_in_the_pbx_form(directory):
    added = directory.add(Contact(name="Hans", phones=("+49 151 12345678",)))
    assert added.phones == ("4915112345678",)
    # The PBX sends E.164 without "+", which is no Russian number.
    assert directory.find_by_number("4915112345678") == [added]
    assert directory.client_answer("4915112345678") == {"name": "Hans"}
    assert directory.update(added).phones == ("4915112345678",)  # a stored form stays valid
    assert display_number("4915112345678") == "+49 1511 2345678"
    assert display_number("79991234567") == "+7 999 123-45-67"
    assert display_number("701") == "701"
    assert normal_form("380501234567") == "380501234567"
    with pytest.raises(InvalidNumber) as caught:
        normal_form("999999999999999999")
    assert caught.value.raw == "999999999999999999"


def test_name_for_a_number_in_any_form(tmp_path):
    from desktop_app.contacts.directory import Contact, ContactDirectory

    with ContactDirectory(tmp_path / "db.sqlite3") as directory:
        directory.add(Contact(company="ООО «Ромашка»", phones=("79991234567",)))
        assert directory.name_for("8 (999) 123-45-67") == "ООО «Ромашка»"
        assert directory.name_for("79160000000") == ""
        assert directory.name_for("not a number") == ""


# -- the search index ---------------------------------------------------------------------


def _reference_search(contacts: list[Contact], query: str) -> set[int]:
    """What a substring search must find, by brute force over the stored contacts."""
    folded = fold(query)
    return {c.id for c in contacts if folded in fold(c.name) + "\n" + fold(c.company)}


def test_search_finds_any_part_through_the_index(directory):
    assert directory.indexed
    ivan = directory.add(Contact(name="Иван Сидоров", company="ООО «Ромашка»", phones=("89991234567", "84951112233")))
    directory.add(Contact(name="Мария", phones=("89160000000",)))
    assert directory.search("доро") == [ivan]  # the middle of a word
    assert directory.search("«ромашка»") == [ivan]
    assert directory.search("12345") == [ivan]  # digits in the middle of a number
    assert directory.search("112233") == [ivan]  # the last digits of the second number
    assert directory.search("45671") == []  # across the end of one number into the next
    assert directory.search('ив"ан') == []  # FTS5 query syntax in the text is just text


def test_the_index_follows_every_change(directory, profile):
    first = directory.add(Contact(name="Пётр Первый", phones=("89991234567",)))
    second = directory.add(Contact(name="Анна", phones=("89997654321",)))
    directory.update(replace(first, name="Пётр Второй", phones=("89990001122",)))
    assert directory.search("первый") == []
    assert directory.search("второй") == [directory.get(first.id)]
    assert directory.search("1234567") == []
    assert directory.search("0001122") == [directory.get(first.id)]
    directory.delete(second.id)
    assert directory.search("анна") == []
    assert directory.search("7654321") == []
    directory.connection.execute("INSERT INTO contact_search (contact_search) VALUES ('integrity-check')")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    names=st.lists(st.text(alphabet="абвгдеёжзиклмн xyzАБВ-", min_size=1, max_size=12), min_size=1, max_size=12),
    query=st.text(alphabet="абвгдеёжзиклмн xyzАБВ-", min_size=1, max_size=5),
)
def test_indexed_search_finds_what_a_scan_finds(tmp_path_factory, names, query):
    with ContactDirectory(tmp_path_factory.mktemp("db") / "desk.sqlite3") as directory:
        stored = []
        for index, name in enumerate(names):
            if name.strip():
                stored.append(directory.add(Contact(name=name, phones=(f"8999{index:07d}",))))
        if not fold(query):
            return
        expected = _reference_search(stored, query)
        assert {c.id for c in directory.search(query, limit=100)} == expected


def test_a_file_made_before_the_index_gets_one(profile):
    with ContactDirectory(profile.db_path) as directory:
        added = directory.add(Contact(name="Иван Сидоров", phones=("89991234567",)))
        directory.connection.execute("DROP TABLE contact_search")
    with ContactDirectory(profile.db_path) as directory:
        assert directory.indexed
        assert directory.search("сидор") == [added]
        assert directory.search("34567") == [added]


def test_a_query_too_short_for_the_index_looks_at_the_newest_contacts(directory, monkeypatch):
    monkeypatch.setattr("desktop_app.contacts.directory.SHORT_QUERY_SCAN", 2)
    old = directory.add(Contact(name="Юрий", phones=("89991234567",)))
    directory.add(Contact(name="Анна", phones=("89991234568",)))
    new = directory.add(Contact(name="Юлия", phones=("89991234569",)))
    assert directory.search("ю") == [new]  # only the newest two were looked at
    assert directory.search("юри") == [old]  # long enough for the index: all of them


def test_without_fts5_search_scans(profile, monkeypatch):
    monkeypatch.setattr(
        "desktop_app.contacts.directory._SEARCH_DDL", "CREATE VIRTUAL TABLE contact_search USING fts5(x, tokenize='nope')"
    )
    with ContactDirectory(profile.db_path) as directory:
        assert not directory.indexed
        ivan = directory.add(Contact(name="Иван Сидоров", phones=("89991234567",)))
        assert directory.search("сидор") == [ivan]
        assert directory.search("34567") == [ivan]
        directory.delete(ivan.id)
        assert directory.search("сидор") == []
