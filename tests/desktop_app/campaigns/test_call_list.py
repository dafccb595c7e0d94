"""Reading a campaign's call list: columns, ids, and every problem before anything is sent."""

from __future__ import annotations

import pytest

from desktop_app.campaigns.call_list import read_call_list
from desktop_app.campaigns.store import CampaignStore, NewCall
from desktop_app.core.texts import UserError


def write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture
def store(tmp_path):
    with CampaignStore(tmp_path / "desk.sqlite3") as opened:
        yield opened


def problems(call_list):
    return [str(problem) for problem in call_list.problems]


def test_columns_become_id_number_and_vars_and_missing_ids_are_made_unique(tmp_path):
    path = write(tmp_path / "list.csv", "Телефон;ФИО;Адрес\n8 999 123-45-67;Иванов Иван;Москва\n"
                 "+7 (916) 555-00-01;Петров Пётр;Тверь\n", "cp1251")
    made = iter(["1-a", "1-b"])
    call_list = read_call_list(path, 1, make_id=lambda campaign: next(made))
    assert (call_list.number_column, call_list.id_column, call_list.var_columns) == ("Телефон", None, ["ФИО", "Адрес"])
    assert [listed.call for listed in call_list.calls] == [
        NewCall("1-a", "79991234567", {"ФИО": "Иванов Иван", "Адрес": "Москва"}),
        NewCall("1-b", "79165550001", {"ФИО": "Петров Пётр", "Адрес": "Тверь"}),
    ]
    assert [listed.line for listed in call_list.calls] == [2, 3]
    assert all(listed.generated_id for listed in call_list.calls)
    assert problems(call_list) == [] and call_list.rows == 2


def test_generated_ids_are_unique_across_the_file_and_the_store(tmp_path, store):
    store.add_calls(7, [NewCall("7-taken", "79990000001")])
    path = write(tmp_path / "list.csv", "id,number\n7-given,79990000002\n,79990000003\n,79990000004\n")
    made = iter(["7-given", "7-taken", "7-fresh", "7-fresh", "7-other"])
    call_list = read_call_list(path, 7, known_ids=store.known_ids, make_id=lambda campaign: next(made))
    assert [listed.call.id for listed in call_list.calls] == ["7-given", "7-fresh", "7-other"]
    assert [listed.generated_id for listed in call_list.calls] == [False, True, True]


def test_default_ids_name_the_campaign_and_differ(tmp_path):
    path = write(tmp_path / "list.csv", "number\n79990000001\n79990000002\n")
    ids = [listed.call.id for listed in read_call_list(path, 42).calls]
    assert len(set(ids)) == 2 and all(call_id.startswith("42-") for call_id in ids)


def test_every_problem_is_listed_with_its_line(tmp_path, store):
    store.add_calls(3, [NewCall("old-1", "79990000009")])
    path = write(tmp_path / "list.csv", "\n".join([
        "Id;Номер;answer",
        "a;79990000001;x",          # fine
        "b;not a number;x",         # bad number
        "c;;x",                     # no number
        "a;79990000002;x",          # id already on line 2
        "old-1;79990000003;x",      # id queued before
        "d;8 999 000-00-01;x",      # number already on line 2
        "e;701;x",                  # an extension
        "f;7,9991E+10;x",           # Excel's scientific notation
        "g;79990000009;x",          # still waiting in this campaign
        "h;79990000005;" + "x" * 140_000,  # a cell the csv module refuses
    ]) + "\n")
    call_list = read_call_list(path, 3, known_ids=store.known_ids, waiting_numbers=store.waiting_numbers(3))
    assert [listed.call.id for listed in call_list.calls] == ["a"]
    assert problems(call_list) == [
        "Line 3: Not a phone number: not a number",
        "Line 4: No phone number",
        "Line 5: The id a is already on line 2",
        "Line 6: The id old-1 was queued before",
        "Line 7: The number 8 999 000-00-01 is already on line 2",
        "Line 8: 701 is an extension: the robot calls outside numbers",
        "Line 9: Excel turned the number 7,9991E+10 into scientific notation; format the phone column as text",
        "Line 10: The number 79990000009 is still waiting in campaign 3 (call old-1)",
        "Line 11: Broken CSV: field larger than field limit (131072)",
    ]
    assert call_list.lines()[0] == "list.csv: 10 rows, 1 ready to send, 9 with problems."


def test_a_number_waiting_in_another_campaign_is_no_problem(tmp_path, store):
    store.add_calls(1, [NewCall("x", "79990000001")])
    path = write(tmp_path / "list.csv", "number\n79990000001\n")
    call_list = read_call_list(path, 2, known_ids=store.known_ids, waiting_numbers=store.waiting_numbers(2))
    assert len(call_list.calls) == 1


def test_excel_files_read_as_the_contacts_import_reads_them(tmp_path):
    bom_comma = write(tmp_path / "a.csv", "\ufeffnumber,name\r\n79990000001,Анна\r\n")
    sep_tab = write(tmp_path / "b.csv", "sep=\t\nphone\tname\n79990000001\tАнна\n", "cp1251")
    utf16 = write(tmp_path / "c.csv", "\ufeffТелефон\tИмя\r\n79990000001\tАнна\r\n", "utf-16-le")
    for path in (bom_comma, sep_tab, utf16):
        call_list = read_call_list(path, 1)
        assert [(c.call.number, list(c.call.vars.values())) for c in call_list.calls] == [("79990000001", ["Анна"])]


def test_cells_exported_by_the_desk_come_back_without_their_guard(tmp_path):
    path = write(tmp_path / "list.csv", "number;note;\n'+7 999 000-00-01;'=1+2;extra\n")
    call = read_call_list(path, 1).calls[0].call
    assert call.number == "79990000001"
    assert call.vars == {"note": "=1+2", "column3": "extra"}


@pytest.mark.parametrize(("text", "message"), [
    ("name;address\nАнна;Москва\n", "list.csv has no number column (expected a column named Number, Phone, "
                                    "Телефон or Номер; found: name, address)"),
    ("number;name;name\n79990000001;a;b\n", "list.csv: the column name appears twice"),
    ("number;phone\n79990000001;79990000002\n", "list.csv: the column phone appears twice"),
    ("", "list.csv is empty"),
])
def test_files_that_cannot_be_a_list(tmp_path, text, message):
    with pytest.raises(UserError) as caught:
        read_call_list(write(tmp_path / "list.csv", text), 1)
    assert str(caught.value) == message


def test_a_binary_file_is_refused_in_words(tmp_path):
    path = tmp_path / "list.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0")
    with pytest.raises(UserError, match="list.csv is not a text file"):
        read_call_list(path, 1)
