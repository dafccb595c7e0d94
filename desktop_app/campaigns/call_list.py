"""A campaign's call list from a CSV file: each row becomes one robot call.

The file is read like the contacts import reads its CSV (:mod:`desktop_app.core.csv_import`:
Excel's encodings and delimiters). Columns, by their header (Russian or English):

- the number: ``number``, ``phone``, ``телефон``, ``номер``... (required);
- the call's id: ``id``, ``call id``, ``идентификатор``... (optional: a unique id is
  generated for each row without one, and kept with the call);
- every other column is a variable of the robot's scenario (``vars``), named by its header
  as written (``name``, ``address``...).

Nothing is sent here: :func:`read_call_list` returns the calls and every problem (a row
without a number or with a bad one, an id used twice or already queued, a number that is
twice in the file or still waiting in the same campaign), so the operator sees them before
sending; rows with a problem are not sent.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop_app.campaigns.store import NewCall
from desktop_app.core.csv_export import unguard
from desktop_app.core.csv_import import RowProblem, read_table, reading, scientific_number, sniff_file
from desktop_app.core.phone import InvalidNumber, is_extension, normalize
from desktop_app.core.texts import QT_TRANSLATE_NOOP, Text, UserError

_CTX = "call_list"
# A list keeps this many problems (a broken million-row file must not fill memory);
# ``problem_count`` still counts them all.
MAX_PROBLEMS = 1000

_ID_ALIASES = ("id", "call id", "call_id", "callid", "идентификатор", "ид", "id звонка", "код")
_NUMBER_ALIASES = ("number", "phone", "phone number", "tel", "mobile", "телефон", "номер", "номер телефона",
                   "мобильный")


def _key(cell: str) -> str:
    return " ".join(cell.strip().strip('"').split()).casefold().replace("ё", "е").rstrip(":")


def _column_kind(cell: str) -> str | None:
    key = _key(cell)
    if key in _ID_ALIASES:
        return "id"
    if key in _NUMBER_ALIASES:
        return "number"
    return None


def new_call_id(campaign: int) -> str:
    """A fresh id for a call whose row has none: unique, and says which campaign it is for."""
    return f"{campaign}-{uuid.uuid4().hex[:12]}"


@dataclass(frozen=True)
class ListedCall:
    """A row that can be sent: its first line in the file, the call, and whether its id was made here."""

    line: int
    call: NewCall
    generated_id: bool


@dataclass
class CallList:
    file_name: str
    campaign: int
    number_column: str
    id_column: str | None
    var_columns: list[str]
    calls: list[ListedCall] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)  # the first MAX_PROBLEMS
    problem_count: int = 0

    def problem(self, line: int, reason: Text) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(RowProblem(line, reason))

    @property
    def rows(self) -> int:
        return len(self.calls) + self.problem_count

    def summary(self) -> Text:
        return Text(_CTX, QT_TRANSLATE_NOOP("call_list", "{file}: {rows} rows, {ready} ready to send, {bad} with problems."),
                    {"file": self.file_name, "rows": self.rows, "ready": len(self.calls), "bad": self.problem_count})

    def lines(self) -> list[str]:
        """The summary and each problem, one line each (the command line prints these)."""
        out = [str(self.summary()), *map(str, self.problems)]
        if self.problem_count > len(self.problems):
            out.append(str(Text(_CTX, QT_TRANSLATE_NOOP("call_list", "... and {count} more rows with problems"),
                                {"count": self.problem_count - len(self.problems)})))
        return out


def _text(source: str, **args: Any) -> Text:
    return Text(_CTX, source, args)


def read_call_list(
    path: str | os.PathLike[str],
    campaign: int,
    *,
    known_ids: Callable[[Iterable[str]], set[str]] = lambda ids: set(),
    waiting_numbers: dict[str, str] | None = None,
    make_id: Callable[[int], str] = new_call_id,
) -> CallList:
    """Read ``path`` into calls for ``campaign``. ``known_ids`` says which ids are stored
    already; ``waiting_numbers`` (``{number: call_id}``) are calls of this campaign the robot
    may still make. Raises :class:`UserError` for a file that cannot be read at all."""
    path = Path(path)
    encoding, _sample = sniff_file(path)
    with reading(path), open(path, encoding=encoding, newline="") as stream:
        table = read_table(stream, path.name, lambda cell: _column_kind(cell) is not None)
        kinds = [_column_kind(cell) for cell in table.header]
        if "number" not in kinds:
            raise UserError(_text(
                QT_TRANSLATE_NOOP("call_list", "{file} has no number column (expected a column named Number, "
                                  "Phone, Телефон or Номер; found: {columns})"),
                file=path.name, columns=", ".join(cell.strip() for cell in table.header if cell.strip()) or "-"))
        names = _column_names(table.header, kinds, path.name)
        result = CallList(path.name, campaign, table.header[kinds.index("number")].strip(),
                          table.header[kinds.index("id")].strip() if "id" in kinds else None,
                          [name for name, kind in zip(names, kinds) if kind is None])
        rows = [(line, cells) for line, cells in table.rows]
    _check_rows(result, rows, kinds, names, known_ids, waiting_numbers or {}, make_id)
    return result


def _column_names(header: list[str], kinds: list[str | None], file_name: str) -> list[str]:
    names: list[str] = []
    for index, (cell, kind) in enumerate(zip(header, kinds), 1):
        name = unguard(cell.strip())
        if kind is None and not name:
            name = f"column{index}"  # a column without a header still reaches the scenario
        if kind is None and name in names:
            raise UserError(_text(QT_TRANSLATE_NOOP("call_list", "{file}: the column {name} appears twice"),
                                  file=file_name, name=name))
        if kind is not None and kind in kinds[:index - 1]:
            raise UserError(_text(QT_TRANSLATE_NOOP("call_list", "{file}: the column {name} appears twice"),
                                  file=file_name, name=cell.strip()))
        names.append(name)
    return names


def _check_rows(result: CallList, rows: list[tuple[int, list[str] | Text]], kinds: list[str | None],
                names: list[str], known_ids: Callable[[Iterable[str]], set[str]],
                waiting: dict[str, str], make_id: Callable[[int], str]) -> None:
    id_lines: dict[str, int] = {}
    number_lines: dict[str, int] = {}
    parsed: list[tuple[int, str, str, dict[str, str]] | tuple[int, Text]] = []
    for line, cells in rows:
        if isinstance(cells, Text):
            parsed.append((line, cells))
            continue
        values = {"id": "", "number": ""}
        variables: dict[str, str] = {}
        for kind, name, cell in itertools.zip_longest(kinds, names, cells[:len(kinds)], fillvalue=""):
            value = unguard(cell.strip())
            if kind:
                values[kind] = value
            else:
                variables[name] = value
        parsed.append((line, values["id"], values["number"], variables))
    given = {entry[1] for entry in parsed if len(entry) == 4 and entry[1]}
    stored = known_ids(sorted(given))
    for entry in parsed:
        if len(entry) == 2:  # a row the csv module could not read
            result.problem(*entry)
            continue
        line, call_id, raw_number, variables = entry
        problem = _number_problem(raw_number)
        number = "" if problem else normalize(raw_number)
        if problem is None and call_id in id_lines:
            problem = _text(QT_TRANSLATE_NOOP("call_list", "The id {id} is already on line {line}"),
                            id=call_id, line=id_lines[call_id])
        elif problem is None and call_id in stored:
            problem = _text(QT_TRANSLATE_NOOP("call_list", "The id {id} was queued before"), id=call_id)
        elif problem is None and number in number_lines:
            problem = _text(QT_TRANSLATE_NOOP("call_list", "The number {number} is already on line {line}"),
                            number=raw_number, line=number_lines[number])
        elif problem is None and number in waiting:
            problem = _text(QT_TRANSLATE_NOOP(
                "call_list", "The number {number} is still waiting in campaign {campaign} (call {id})"),
                number=raw_number, campaign=result.campaign, id=waiting[number])
        if call_id:
            id_lines.setdefault(call_id, line)
        if problem is not None:
            result.problem(line, problem)
            continue
        number_lines[number] = line
        generated = not call_id
        if generated:
            call_id = make_id(result.campaign)
            while call_id in given or known_ids([call_id]):
                call_id = make_id(result.campaign)
            given.add(call_id)
        result.calls.append(ListedCall(line, NewCall(call_id, number, variables), generated))


def _number_problem(raw: str) -> Text | None:
    if not raw:
        return _text(QT_TRANSLATE_NOOP("call_list", "No phone number"))
    if (problem := scientific_number(raw)) is not None:
        return problem
    try:
        number = normalize(raw)
    except InvalidNumber as exc:
        return exc.text
    if is_extension(number):
        return _text(QT_TRANSLATE_NOOP("call_list", "{number} is an extension: the robot calls outside numbers"),
                     number=raw)
    return None
