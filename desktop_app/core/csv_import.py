"""Reading CSV files as Excel writes them in Russia: one reader for every import (contacts,
campaign call lists).

Encodings: UTF-8 with or without BOM, Windows-1251 (what Excel's "CSV" gives on a Russian
Windows), UTF-16 with BOM (Excel's "Unicode text"). Delimiter ``;``, ``,`` or tab, taken
from Excel's ``sep=`` hint line when there is one, else the one that splits the header
into the most columns the caller knows. A row that the csv module cannot read is handed
on as a problem with its line number, so one broken row never stops a whole file.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from desktop_app.core.texts import QT_TRANSLATE_NOOP, Text, UserError

_CTX = "csv"
_SAMPLE_BYTES = 64 * 1024
_CHUNK_BYTES = 1 << 20
DELIMITERS = (";", ",", "\t")
# A line with this many Cyrillic letters in valid UTF-8 inside a Windows-1251 file means the
# file mixes encodings (a cp1251 name like "Сёмин" can pair up by chance, two letters at most).
_MIXED_MIN_LETTERS = 3
# "7,9991E+10": Excel turned a number column into floating point and lost digits.
_SCIENTIFIC = re.compile(r"\d[.,]\d+E\+?\d+", re.IGNORECASE)


class NotTextFile(UserError):
    """The file holds binary data (NUL bytes): no CSV at all."""


def _error(source: str, **args: object) -> UserError:
    return UserError(Text(_CTX, source, dict(args)))


def sniff_file(path: Path) -> tuple[str, str]:
    """The file's encoding and its first characters; UserError if it cannot be a text file
    (:class:`NotTextFile` when it holds binary data)."""
    try:
        with open(path, "rb") as stream:
            head = stream.read(_SAMPLE_BYTES)
            if not head.strip(b" \t\r\n\xef\xbb\xbf"):
                raise _error(QT_TRANSLATE_NOOP("csv", "{file} is empty"), file=path.name)
            if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                encoding = "utf-16"
            elif b"\0" in head:
                raise NotTextFile(Text(_CTX, QT_TRANSLATE_NOOP("csv", "{file} is not a text file"),
                                       {"file": path.name}))
            else:
                stream.seek(0)
                # Strict UTF-8 over the whole file; anything else from Excel here is cp1251.
                encoding = "utf-8-sig" if _decodes(stream, "utf-8") else "cp1251"
                stream.seek(0)
                if encoding == "cp1251" and (line := _utf8_line(stream)) is not None:
                    # Rows pasted together from two files: read as cp1251, the UTF-8 ones
                    # would be stored as mojibake ("РџС‘С‚СЂ").
                    raise _error(QT_TRANSLATE_NOOP(
                        "csv", "{file} mixes UTF-8 and Windows-1251 text (UTF-8 on line {line}); "
                        "save it again in one encoding"), file=path.name, line=line)
                stream.seek(0)
                if encoding == "cp1251" and not _decodes(stream, "cp1251"):
                    raise unknown_encoding(path)
    except IsADirectoryError as exc:
        raise _error(QT_TRANSLATE_NOOP("csv", "{file} is a folder, not a file"), file=path.name) from exc
    except OSError as exc:
        raise cannot_read(path, exc) from exc
    try:
        sample = head.decode(encoding, errors="ignore")
    except UnicodeError as exc:
        raise unknown_encoding(path) from exc
    if not sample.strip("\ufeff \t\r\n"):
        raise _error(QT_TRANSLATE_NOOP("csv", "{file} is empty"), file=path.name)
    return encoding, sample


@contextmanager
def reading(path: Path) -> Iterator[None]:
    """Errors while reading ``path`` (after :func:`sniff_file`) as the operator's words."""
    try:
        yield
    except OSError as exc:
        raise cannot_read(path, exc) from exc
    except UnicodeDecodeError as exc:
        raise unknown_encoding(path) from exc


def cannot_read(path: Path, exc: OSError) -> UserError:
    return _error(QT_TRANSLATE_NOOP("csv", "Cannot read {file}: {reason}"), file=path.name,
                  reason=exc.strerror or exc)


def unknown_encoding(path: Path) -> UserError:
    return _error(QT_TRANSLATE_NOOP("csv", "{file}: unknown text encoding; save it as CSV UTF-8 or Windows-1251"),
                  file=path.name)


def _utf8_line(stream: io.BufferedIOBase) -> int | None:
    """The first line that is UTF-8 with Cyrillic in it. A Windows-1251 line almost never
    is: every one of its letters would have to pair up into a valid UTF-8 sequence."""
    for number, raw in enumerate(stream, start=1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if sum("\u0400" <= ch <= "\u04ff" for ch in text) >= _MIXED_MIN_LETTERS:
            return number
    return None


def _decodes(stream: io.BufferedIOBase, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        while chunk := stream.read(_CHUNK_BYTES):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


# -- the table --------------------------------------------------------------------------


@dataclass(frozen=True)
class RowProblem:
    """A row that is not taken: its first line in the file (1-based) and why."""

    line: int
    reason: Text

    def text(self) -> Text:
        return Text(_CTX, QT_TRANSLATE_NOOP("csv", "Line {line}: {reason}"), {"line": self.line, "reason": self.reason})

    def __str__(self) -> str:
        return str(self.text())


# (first line of the row in the file, its cells or why it cannot be read)
TableRow = tuple[int, "list[str] | Text"]


@dataclass
class CsvTable:
    """A CSV file's header and, lazily, its rows (blank rows skipped)."""

    header: list[str]
    rows: Iterator[TableRow]


def read_table(stream: io.TextIOBase, file_name: str, known: Callable[[str], bool]) -> CsvTable:
    """The header and rows of an open CSV text stream. ``known(cell)`` says whether a header
    cell is a column the caller understands; it picks the delimiter."""
    lines = iter(stream)
    skipped = 0
    header_line = ""
    delimiter = None
    for header_line in lines:
        skipped += 1
        stripped = header_line.strip().lstrip("\ufeff")
        if not stripped:
            continue
        # Excel's own hint line, "sep=;", precedes the header (the separator may be a tab).
        hint = header_line.rstrip("\r\n").lstrip("\ufeff")
        if hint.lower().startswith("sep=") and len(hint) == 5 and delimiter is None:
            delimiter = hint[4]
            continue
        break
    else:
        raise _error(QT_TRANSLATE_NOOP("csv", "{file} is empty"), file=file_name)
    header_line = header_line.lstrip("\ufeff")
    try:
        if delimiter is None:
            delimiter = _pick_delimiter(header_line, known)
        reader = csv.reader(itertools.chain([header_line], lines), delimiter=delimiter)
        header = next(reader)
    except csv.Error as exc:  # e.g. a header cell longer than the csv module allows
        raise _error(QT_TRANSLATE_NOOP("csv", "Broken CSV: {reason}"), reason=str(exc)) from exc
    return CsvTable(header, _rows(reader, skipped - 1))


def _rows(reader: Iterator[list[str]], offset: int) -> Iterator[TableRow]:
    """``offset``: lines before the header that the reader never saw."""
    while True:
        first_line = reader.line_num + 1 + offset  # type: ignore[attr-defined]
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield first_line, Text(_CTX, QT_TRANSLATE_NOOP("csv", "Broken CSV: {reason}"), {"reason": str(exc)})
            continue
        if any(cell.strip() for cell in cells):
            yield first_line, cells


def _pick_delimiter(header_line: str, known: Callable[[str], bool]) -> str:
    """The delimiter that splits the header into the most known column names."""

    def score(delimiter: str) -> tuple[int, int]:
        cells = next(csv.reader([header_line], delimiter=delimiter), [])
        return sum(bool(known(cell)) for cell in cells), len(cells)

    return max(DELIMITERS, key=score)  # max keeps the first of equals: ";" as Russian Excel


def scientific_number(cell: str) -> Text | None:
    """Why ``cell`` cannot be a phone number when Excel turned it into floating point."""
    if _SCIENTIFIC.search(cell):
        return Text(_CTX, QT_TRANSLATE_NOOP(
            "csv", "Excel turned the number {number} into scientific notation; format the phone column as text"),
            {"number": cell})
    return None
