"""CSV files for spreadsheets: every export of the desk (contacts, call history, campaign
results) is written by :func:`write_csv`.

The file is what Russian Excel opens with a double click: ``;`` between cells, CRLF line
ends, and either UTF-8 with a BOM (nothing is lost) or Windows-1251 (for old Excel that
ignores the BOM; a character it lacks becomes ``?``).

Every cell is guarded against formula injection ("CSV injection"): a spreadsheet runs a
cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula, and a leading tab or
carriage return is dropped before it decides, so ``"\\t=cmd|..."`` runs too. Such a cell,
whatever column it is in, gets one leading apostrophe, which makes it text. A cell that
already starts with an apostrophe gets another, so :func:`unguard` can always remove
exactly one and a file exported by the desk imports back unchanged. The full-width forms
(``＝``, ``＋``, ``－``, ``＠``) are guarded too: Excel with an East Asian input method
reads them as the ASCII signs.

The file is written beside the target and renamed over it: a failure never leaves half a
file, and an existing file is replaced only by a complete one.
"""

from __future__ import annotations

import contextlib
import csv
import os
import tempfile
from collections.abc import Iterable, Sequence
from enum import StrEnum
from pathlib import Path

from desktop_app.core.texts import QT_TRANSLATE_NOOP, Text, UserError

_CTX = "csv"
DELIMITER = ";"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_GUARDED_START = (*FORMULA_START, "'")


class CsvEncoding(StrEnum):
    """The encodings an export can be written in (the values are what settings and the
    command line accept)."""

    UTF8 = "utf-8"  # with a BOM: Excel 2016+ and every other spreadsheet
    CP1251 = "cp1251"  # Windows-1251: what older Russian Excel expects

    @property
    def codec(self) -> str:
        return "utf-8-sig" if self is CsvEncoding.UTF8 else "cp1251"


def guard(value: object) -> str:
    """``value`` as a cell a spreadsheet shows as text, never runs (see the module docstring)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_GUARDED_START) else text


def unguard(cell: str) -> str:
    """Undo :func:`guard`: one apostrophe before a guarded start is removed."""
    if cell.startswith("'") and cell[1:].startswith(_GUARDED_START):
        return cell[1:]
    return cell


def write_csv(
    path: str | os.PathLike[str],
    header: Sequence[object],
    rows: Iterable[Sequence[object]],
    *,
    encoding: CsvEncoding | str = CsvEncoding.UTF8,
) -> int:
    """Write ``header`` and ``rows`` (every cell guarded) to ``path``; returns the number of rows.

    Raises :class:`UserError` ("Cannot write {file}: {reason}") when the file cannot be
    written; then ``path`` is as it was before.
    """
    path = Path(path)
    codec = CsvEncoding(encoding).codec
    count = 0
    try:
        fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise _cannot_write(path, exc) from exc
    try:
        with open(fd, "w", encoding=codec, errors="replace", newline="") as stream:
            writer = csv.writer(stream, delimiter=DELIMITER, lineterminator="\r\n")
            writer.writerow([guard(cell) for cell in header])
            for row in rows:
                writer.writerow([guard(cell) for cell in row])
                count += 1
        os.replace(temp_name, path)
    except OSError as exc:
        _remove_quietly(temp_name)
        raise _cannot_write(path, exc) from exc
    except BaseException:
        _remove_quietly(temp_name)
        raise
    return count


def _cannot_write(path: Path, exc: OSError) -> UserError:
    return UserError(Text(_CTX, QT_TRANSLATE_NOOP("csv", "Cannot write {file}: {reason}"),
                          {"file": str(path), "reason": exc.strerror or str(exc)}))


def _remove_quietly(name: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(name)
