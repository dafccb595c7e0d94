"""The one CSV writer of every export: formula guard, encodings, whole file or none."""

from __future__ import annotations

import codecs
import csv
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from desktop_app.core.csv_export import FORMULA_START, CsvEncoding, guard, unguard, write_csv
from desktop_app.core.texts import UserError

HOSTILE = ["=1+2", "+7 999 123-45-67", "-3+4", "@SUM(A1)", "\t=cmd|' /C calc'!A0", "\r=1",
           "'quoted", "＝1+2", "plain", "", "Иванов"]


def read_back(path, encoding):
    raw = path.read_bytes()
    assert raw.startswith(codecs.BOM_UTF8) == (encoding is CsvEncoding.UTF8)
    text = raw.decode(encoding.codec)
    return list(csv.reader(text.splitlines(keepends=True), delimiter=";"))


@pytest.mark.parametrize("encoding", list(CsvEncoding))
def test_formula_like_values_in_every_column_are_text_when_opened_back(tmp_path, encoding):
    path = tmp_path / "out.csv"
    header = ["=head", "name"] + [f"c{i}" for i in range(len(HOSTILE) - 2)]
    rows = [HOSTILE[i:] + HOSTILE[:i] for i in range(len(HOSTILE))]  # every value in every column
    assert write_csv(path, header, rows, encoding=encoding) == len(rows)
    lines = read_back(path, encoding)
    assert lines[0][0] == "'=head"
    for line in lines:
        for cell in line:
            assert not cell.startswith(FORMULA_START), line
    hostile_back = [[unguard(cell) for cell in line] for line in lines[1:]]
    # Windows-1251 has no full-width sign: it is written as "?" behind its guard.
    expected = [["'?1+2" if value == "＝1+2" and encoding is CsvEncoding.CP1251 else value for value in row]
                for row in rows]
    assert hostile_back == expected


def test_windows_1251_writes_cyrillic_in_one_byte_and_replaces_what_it_lacks(tmp_path):
    path = tmp_path / "old.csv"
    write_csv(path, ["Имя"], [["Пётр 😀"]], encoding="cp1251")
    assert path.read_bytes() == "Имя\r\nПётр ?\r\n".encode("cp1251")


def test_cells_with_the_delimiter_quotes_and_line_breaks_survive(tmp_path):
    path = tmp_path / "out.csv"
    values = ['a;b', 'say "hi"', "two\nlines", "crlf\r\nin", 7, None]
    write_csv(path, ["h"] * len(values), [values])
    assert read_back(path, CsvEncoding.UTF8)[1] == ['a;b', 'say "hi"', "two\nlines", "crlf\r\nin", "7", ""]


@given(st.text())
def test_guard_is_undone_by_unguard_and_never_leaves_a_formula(text):
    guarded = guard(text)
    assert not guarded.startswith(FORMULA_START)
    assert unguard(guarded) == text


def test_unguard_leaves_other_apostrophes_alone():
    assert unguard("'tis") == "'tis"
    assert unguard("'") == "'"
    assert unguard("''") == "'"


def test_a_failure_while_writing_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / "out.csv"
    path.write_text("old content")

    def rows():
        yield ["one"]
        raise RuntimeError("the source broke")

    with pytest.raises(RuntimeError):
        write_csv(path, ["h"], rows())
    assert path.read_text() == "old content"
    assert os.listdir(tmp_path) == ["out.csv"]


def test_a_missing_folder_is_said_in_words(tmp_path):
    target = tmp_path / "missing" / "out.csv"
    with pytest.raises(UserError) as caught:
        write_csv(target, ["h"], [])
    assert str(caught.value).startswith(f"Cannot write {target}: ")
