"""Contacts in and out of files: CSV as Excel writes it in Russia, and vCard 3.0/4.0.

Import reads any of: UTF-8 with or without BOM, Windows-1251 (what Excel's "CSV" gives on
a Russian Windows), UTF-16 with BOM (Excel's "Unicode text"); delimiter ``;``, ``,`` or tab,
chosen by which one makes the header row readable; header names in Russian or English.
A bad row is reported (line number and reason) and skipped; the rest goes in, in
transactions of a thousand rows, so the listener's writes never wait long behind an
import. A row that matches a stored contact (a common number and the same name) updates
it, so importing a file twice adds nothing.

Export writes what Russian Excel opens with a double click: UTF-8 with BOM, ``;``.

vCard is parsed here rather than with a library: the subset a contact list uses (FN, N, ORG,
TEL, EMAIL, NOTE, URL, folding, escapes, quoted-printable) is small, and vobject would be a
new dependency that still lacks vCard 4.0.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import itertools
import os
import quopri
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from desktop_app.contacts.directory import Contact, ContactDirectory, checked, display_number, fold
from desktop_app.core.texts import QT_TRANSLATE_NOOP, Text, UserError

_CTX = "contacts_io"
# A report keeps this many problems (a broken million-row file must not fill memory);
# ``skipped_count`` still counts them all.
MAX_PROBLEMS = 1000
_SAMPLE_BYTES = 64 * 1024
_CHUNK_BYTES = 1 << 20
_DELIMITERS = (";", ",", "\t")
_PHONE_SPLIT = re.compile(r"[,;\r\n]+")
# "7,9991E+10": Excel turned a number column into floating point and lost digits.
_SCIENTIFIC = re.compile(r"\d[.,]\d+E\+?\d+", re.IGNORECASE)
# Cells that Excel would run as a formula get a leading apostrophe on export (and a cell
# that starts with one gets another, so the importer can always remove exactly one).
_GUARDED_START = ("=", "+", "-", "@", "'")

# Column names after fold(), without a trailing number ("Телефон 2" is a phone column).
_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("name", "имя", "фио", "ф.и.о.", "контакт", "contact", "full name", "полное имя"),
    "last_name": ("фамилия", "last name", "surname", "family name"),
    "first_name": ("first name", "given name"),
    "middle_name": ("отчество", "middle name"),
    "company": ("company", "компания", "организация", "organization", "organisation"),
    "phone": ("phone", "phones", "телефон", "телефоны", "номер", "номер телефона", "number", "tel", "mobile"),
    "manager": ("manager", "менеджер", "ответственный", "responsible"),
    "email": ("email", "e-mail", "почта", "эл. почта", "электронная почта", "mail"),
    "note": ("note", "notes", "комментарий", "примечание", "comment"),
    "crm": ("crm", "crm_url", "crm url", "ссылка", "url", "link"),
}
_FIELD_OF = {alias: name for name, aliases in _ALIASES.items() for alias in aliases}
EXPORT_HEADER = ("name", "company", "phone", "manager", "email", "note", "crm_url")


@dataclass(frozen=True)
class RowProblem:
    """A skipped row: its first line in the file (1-based) and why."""

    line: int
    reason: Text

    def text(self) -> Text:
        return Text(
            _CTX, QT_TRANSLATE_NOOP("contacts_io", "Line {line}: {reason}"), {"line": self.line, "reason": self.reason}
        )

    def __str__(self) -> str:
        return str(self.text())


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0  # rows equal to a stored contact (a file imported again)
    skipped: list[RowProblem] = field(default_factory=list)  # the first MAX_PROBLEMS
    skipped_count: int = 0

    def skip(self, line: int, reason: Text) -> None:
        self.skipped_count += 1
        if len(self.skipped) < MAX_PROBLEMS:
            self.skipped.append(RowProblem(line, reason))

    def summary(self) -> Text:
        return Text(
            _CTX,
            QT_TRANSLATE_NOOP(
                "contacts_io", "Added: {added}, updated: {updated}, unchanged: {unchanged}, skipped: {skipped}."
            ),
            {"added": self.added, "updated": self.updated, "unchanged": self.unchanged, "skipped": self.skipped_count},
        )

    def lines(self) -> list[str]:
        """The summary and each problem, one line each (the command line prints these)."""
        out = [str(self.summary()), *map(str, self.skipped)]
        if self.skipped_count > len(self.skipped):
            out.append(
                str(
                    Text(
                        _CTX,
                        QT_TRANSLATE_NOOP("contacts_io", "... and {count} more skipped rows"),
                        {"count": self.skipped_count - len(self.skipped)},
                    )
                )
            )
        return out


class _RowError(Exception):
    def __init__(self, reason: Text) -> None:
        super().__init__(str(reason))
        self.reason = reason


def _error(source: str, **args: object) -> UserError:
    return UserError(Text(_CTX, source, dict(args)))


# -- import -------------------------------------------------------------------------------

# A line with this many Cyrillic letters in valid UTF-8 inside a Windows-1251 file means the
# file mixes encodings (a cp1251 name like "Сёмин" can pair up by chance, two letters at most).
_MIXED_MIN_LETTERS = 3

# One transaction per batch: fast, and another writer waits for one batch (~0.1 s), not the file.
IMPORT_BATCH_ROWS = 1000


def import_file(directory: ContactDirectory, path: str | os.PathLike[str]) -> ImportReport:
    """Import a CSV or vCard file into ``directory``.

    Raises :class:`UserError` for a file that cannot be imported at all (missing,
    unreadable, empty, not CSV/vCard, no phone column); bad rows only go to the report.
    """
    path = Path(path)
    encoding, sample = _sniff_file(path)
    report = ImportReport()
    is_vcard = sample.lstrip("\ufeff \t\r\n").upper().startswith("BEGIN:VCARD")
    if not is_vcard and path.suffix.lower() in (".vcf", ".vcard"):
        raise _error(QT_TRANSLATE_NOOP("contacts_io", "{file} is not a vCard file"), file=path.name)
    try:
        with open(path, encoding=encoding, newline="") as stream:
            rows = iter(_vcard_rows(stream) if is_vcard else _csv_rows(stream, path.name))
            while batch := list(itertools.islice(rows, IMPORT_BATCH_ROWS)):
                with directory.transaction():
                    for line, row in batch:
                        if isinstance(row, _RowError):
                            report.skip(line, row.reason)
                            continue
                        try:
                            _store(directory, row, report)
                        except UserError as exc:  # ContactError, InvalidNumber
                            report.skip(line, exc.text)
    except OSError as exc:
        raise _error(
            QT_TRANSLATE_NOOP("contacts_io", "Cannot read {file}: {reason}"), file=path.name, reason=exc.strerror or exc
        ) from exc
    except UnicodeDecodeError as exc:
        raise _unknown_encoding(path) from exc
    return report


def _store(directory: ContactDirectory, row: Contact, report: ImportReport) -> None:
    """Add ``row``, or merge it into the stored contact with a common number and the same name."""
    contact = checked(row)
    same = _same_contact(directory, contact)
    if same is None:
        directory.add(contact)
        report.added += 1
        return
    merged = replace(
        same,
        name=contact.name or same.name,
        company=contact.company or same.company,
        # Numbers added by hand stay; the file's new ones are appended.
        phones=same.phones + tuple(p for p in contact.phones if p not in same.phones),
        manager=contact.manager or same.manager,
        email=contact.email or same.email,
        note=contact.note or same.note,
        crm_url=contact.crm_url or same.crm_url,
    )
    if merged == same:
        report.unchanged += 1
    else:
        directory.update(merged)
        report.updated += 1


def _same_contact(directory: ContactDirectory, contact: Contact) -> Contact | None:
    title = fold(contact.title)
    for number in contact.phones:
        for candidate in directory.find_by_number(number):
            if fold(candidate.title) == title:
                return candidate
    return None


def _sniff_file(path: Path) -> tuple[str, str]:
    """The file's encoding and its first characters; UserError if it cannot be a text file."""
    try:
        with open(path, "rb") as stream:
            head = stream.read(_SAMPLE_BYTES)
            if not head.strip(b" \t\r\n\xef\xbb\xbf"):
                raise _error(QT_TRANSLATE_NOOP("contacts_io", "{file} is empty"), file=path.name)
            if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                encoding = "utf-16"
            elif b"\0" in head:
                raise _not_contacts(path)
            else:
                stream.seek(0)
                # Strict UTF-8 over the whole file; anything else from Excel here is cp1251.
                encoding = "utf-8-sig" if _decodes(stream, "utf-8") else "cp1251"
                stream.seek(0)
                if encoding == "cp1251" and (line := _utf8_line(stream)) is not None:
                    # Rows pasted together from two files: read as cp1251, the UTF-8 ones
                    # would be stored as mojibake ("РџС‘С‚СЂ").
                    raise _error(QT_TRANSLATE_NOOP(
                        "contacts_io", "{file} mixes UTF-8 and Windows-1251 text (UTF-8 on line {line}); "
                        "save it again in one encoding"), file=path.name, line=line)
                stream.seek(0)
                if encoding == "cp1251" and not _decodes(stream, "cp1251"):
                    raise _unknown_encoding(path)
    except IsADirectoryError as exc:
        raise _error(QT_TRANSLATE_NOOP("contacts_io", "{file} is a folder, not a file"), file=path.name) from exc
    except OSError as exc:
        raise _error(
            QT_TRANSLATE_NOOP("contacts_io", "Cannot read {file}: {reason}"), file=path.name, reason=exc.strerror or exc
        ) from exc
    try:
        sample = head.decode(encoding, errors="ignore")
    except UnicodeError as exc:
        raise _unknown_encoding(path) from exc
    if not sample.strip("\ufeff \t\r\n"):
        raise _error(QT_TRANSLATE_NOOP("contacts_io", "{file} is empty"), file=path.name)
    return encoding, sample


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


def _not_contacts(path: Path) -> UserError:
    return _error(QT_TRANSLATE_NOOP("contacts_io", "{file} is neither a CSV nor a vCard file"), file=path.name)


def _unknown_encoding(path: Path) -> UserError:
    return _error(
        QT_TRANSLATE_NOOP("contacts_io", "{file}: unknown text encoding; save it as CSV UTF-8 or Windows-1251"),
        file=path.name,
    )


# -- CSV ----------------------------------------------------------------------------------

Row = tuple[int, "Contact | _RowError"]


def _csv_rows(stream: io.TextIOBase, file_name: str) -> Iterator[Row]:
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
        raise _error(QT_TRANSLATE_NOOP("contacts_io", "{file} is empty"), file=file_name)
    header_line = header_line.lstrip("\ufeff")
    try:
        if delimiter is None:
            delimiter = _pick_delimiter(header_line)
        reader = csv.reader(itertools.chain([header_line], lines), delimiter=delimiter)
        header = next(reader)
    except csv.Error as exc:  # e.g. a header cell longer than the csv module allows
        raise _error(QT_TRANSLATE_NOOP("contacts_io", "Broken CSV: {reason}"), reason=str(exc)) from exc
    columns = [_column_field(cell) for cell in header]
    if "phone" not in columns:
        raise _error(
            QT_TRANSLATE_NOOP(
                "contacts_io", "{file} has no phone column (expected a column named Phone or Телефон; found: {columns})"
            ),
            file=file_name,
            columns=", ".join(cell.strip() for cell in header if cell.strip()) or "-",
        )
    offset = skipped - 1  # lines before the header that the reader never saw
    while True:
        first_line = reader.line_num + 1 + offset
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield (
                first_line,
                _RowError(Text(_CTX, QT_TRANSLATE_NOOP("contacts_io", "Broken CSV: {reason}"), {"reason": str(exc)})),
            )
            continue
        if not any(cell.strip() for cell in cells):
            continue
        yield first_line, _csv_contact(columns, cells)


def _pick_delimiter(header_line: str) -> str:
    """The delimiter that splits the header into the most known column names."""

    def score(delimiter: str) -> tuple[int, int]:
        cells = next(csv.reader([header_line], delimiter=delimiter), [])
        return sum(_column_field(cell) is not None for cell in cells), len(cells)

    return max(_DELIMITERS, key=score)  # max keeps the first of equals: ";" as Russian Excel


def _column_field(cell: str) -> str | None:
    key = fold(cell.strip().strip('"')).rstrip(":").rstrip("0123456789 ")
    return _FIELD_OF.get(key)


def _csv_contact(columns: list[str | None], cells: list[str]) -> Contact | _RowError:
    values: dict[str, list[str]] = {}
    # A row may be shorter or longer than the header.
    for column, cell in zip(columns, cells, strict=False):
        cell = _unguard(cell.strip())
        if column and cell:
            values.setdefault(column, []).append(cell)
    phones: list[str] = []
    for cell in values.get("phone", []):
        if _SCIENTIFIC.search(cell):
            return _RowError(
                Text(
                    _CTX,
                    QT_TRANSLATE_NOOP(
                        "contacts_io",
                        "Excel turned the number {number} into scientific notation; format the phone column as text",
                    ),
                    {"number": cell},
                )
            )
        phones.extend(part.strip() for part in _PHONE_SPLIT.split(cell) if part.strip())
    if not phones:
        return _RowError(Text(_CTX, QT_TRANSLATE_NOOP("contacts_io", "No phone number")))

    def first(name: str) -> str:
        return values.get(name, [""])[0]

    name = first("name")
    parts = [first("last_name"), first("first_name") or name, first("middle_name")]
    if first("last_name") or first("middle_name") or first("first_name"):
        # Separate "Фамилия", "Имя", "Отчество" columns: the full name in Russian order.
        name = " ".join(part for part in parts if part)
    return Contact(
        name=name,
        company=first("company"),
        phones=tuple(phones),
        manager=first("manager"),
        email=first("email"),
        note="\n".join(values.get("note", [])),
        crm_url=first("crm"),
    )


def _unguard(cell: str) -> str:
    """Undo the export's formula guard: one apostrophe before ``= + - @ '``."""
    if cell.startswith("'") and cell[1:2] in _GUARDED_START:
        return cell[1:]
    return cell


# -- vCard --------------------------------------------------------------------------------

_QP = re.compile(r"(^|;)(ENCODING=)?QUOTED-PRINTABLE(;|:|$)", re.IGNORECASE)
_VCARD_ESCAPES = {"n": "\n", "N": "\n", ",": ",", ";": ";", "\\": "\\"}


def _unfolded(stream: Iterable[str]) -> Iterator[tuple[int, str]]:
    """Logical vCard lines with the number of their first physical line."""
    start, text = 0, None
    for number, raw in enumerate(stream, 1):
        line = raw.rstrip("\r\n")
        if text is not None and line[:1] in (" ", "\t"):
            text += line[1:]
            continue
        if text is not None and text.endswith("=") and _QP.search(text.split(":", 1)[0]):
            text = text[:-1] + line  # quoted-printable soft line break (vCard 2.1)
            continue
        if text is not None:
            yield start, text
        start, text = number, line
    if text is not None:
        yield start, text


def _split_unescaped(value: str, separator: str) -> list[str]:
    parts, current, escaped = [], [], False
    for char in value:
        if escaped:
            current.append("\\" + char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return parts


def _unescape(value: str) -> str:
    return re.sub(r"\\(.)", lambda m: _VCARD_ESCAPES.get(m.group(1), m.group(1)), value)


def _property(line: str) -> tuple[str, dict[str, str], str] | None:
    """``item1.TEL;TYPE=cell:+7...`` -> ("TEL", {"TYPE": "cell"}, "+7...")."""
    in_quotes = False
    for index, char in enumerate(line):
        if char == '"':
            in_quotes = not in_quotes
        elif char == ":" and not in_quotes:
            head, value = line[:index], line[index + 1 :]
            break
    else:
        return None
    name, *raw_params = head.split(";")
    params: dict[str, str] = {}
    for param in raw_params:
        key, _, param_value = param.partition("=")
        if param_value:
            params[key.strip().upper()] = param_value.strip().strip('"')
        elif key.strip().upper() == "QUOTED-PRINTABLE":  # vCard 2.1 bare parameter
            params["ENCODING"] = "QUOTED-PRINTABLE"
    name = name.rsplit(".", 1)[-1].strip().upper()
    if params.get("ENCODING", "").upper() == "QUOTED-PRINTABLE":
        charset = params.get("CHARSET", "utf-8")
        try:
            value = quopri.decodestring(value.encode("latin-1", errors="replace")).decode(charset, errors="replace")
        except LookupError:
            value = quopri.decodestring(value.encode("latin-1", errors="replace")).decode("utf-8", errors="replace")
    return name, params, value


def _vcard_rows(stream: Iterable[str]) -> Iterator[Row]:
    card: dict[str, list[str]] | None = None
    card_line = 0
    for line_number, line in _unfolded(stream):
        if not line.strip():
            continue
        parsed = _property(line)
        if parsed is None:
            continue
        name, _, value = parsed
        if name == "BEGIN" and value.strip().upper() == "VCARD":
            if card is not None:
                yield card_line, _RowError(Text(_CTX, QT_TRANSLATE_NOOP("contacts_io", "The card has no END:VCARD")))
            card, card_line = {}, line_number
        elif name == "END" and value.strip().upper() == "VCARD" and card is not None:
            yield card_line, _vcard_contact(card)
            card = None
        elif card is not None:
            card.setdefault(name, []).append(value)
    if card is not None:
        yield card_line, _RowError(Text(_CTX, QT_TRANSLATE_NOOP("contacts_io", "The card has no END:VCARD")))


def _vcard_contact(card: dict[str, list[str]]) -> Contact | _RowError:
    phones = tuple(_unescape(value).strip() for value in card.get("TEL", []) if value.strip())
    if not phones:
        return _RowError(Text(_CTX, QT_TRANSLATE_NOOP("contacts_io", "No phone number")))
    name = _unescape(card["FN"][0]) if "FN" in card else ""
    if not name.strip() and "N" in card:
        family, given, additional, *_ = [*map(_unescape, _split_unescaped(card["N"][0], ";")), "", "", ""]
        name = " ".join(part for part in (given, additional, family) if part.strip())
    company = _unescape(_split_unescaped(card["ORG"][0], ";")[0]) if "ORG" in card else ""

    def first(key: str) -> str:
        return _unescape(card[key][0]).strip() if key in card else ""

    return Contact(
        name=name,
        company=company,
        phones=phones,  # "tel:+7..." (vCard 4.0 URIs) is understood by phone.normalize
        email=first("EMAIL"),
        note="\n".join(_unescape(value) for value in card.get("NOTE", [])),
        crm_url=first("URL"),
    )


# -- export -------------------------------------------------------------------------------


def export_csv(directory: ContactDirectory, path: str | os.PathLike[str]) -> int:
    """Write every contact to ``path`` (UTF-8 with BOM, ``;``); returns how many.

    The file is written beside the target and renamed over it, so a failure never leaves
    half a file. A cell that Excel would run as a formula (``=``, ``+``...) gets a leading
    apostrophe, which the importer removes: phones in ``+7 999 ...`` form stay text.
    """
    path = Path(path)
    count = 0
    try:
        fd, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise _error(
            QT_TRANSLATE_NOOP("contacts_io", "Cannot write {file}: {reason}"),
            file=str(path),
            reason=exc.strerror or exc,
        ) from exc
    try:
        with open(fd, "w", encoding="utf-8-sig", newline="") as stream:
            writer = csv.writer(stream, delimiter=";", lineterminator="\r\n")
            writer.writerow(EXPORT_HEADER)
            for contact in directory:
                writer.writerow(
                    _guard(cell)
                    for cell in (
                        contact.name,
                        contact.company,
                        ", ".join(display_number(number) for number in contact.phones),
                        contact.manager,
                        contact.email,
                        contact.note,
                        contact.crm_url,
                    )
                )
                count += 1
        os.replace(temp_name, path)
    except OSError as exc:
        _remove_quietly(temp_name)
        raise _error(
            QT_TRANSLATE_NOOP("contacts_io", "Cannot write {file}: {reason}"),
            file=str(path),
            reason=exc.strerror or exc,
        ) from exc
    except BaseException:
        _remove_quietly(temp_name)
        raise
    return count


def _guard(cell: str) -> str:
    return "'" + cell if cell.startswith(_GUARDED_START) else cell


def _remove_quietly(name: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(name)
