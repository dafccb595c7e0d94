"""Contacts in and out of files: CSV as Excel writes it in Russia, and vCard 3.0/4.0.

CSV is read by :mod:`desktop_app.core.csv_import` (the encodings and delimiters Excel
writes); header names in Russian or English. A bad row is reported (line number and reason) and skipped; the rest goes in, in
transactions of a thousand rows, so the listener's writes never wait long behind an
import. A row that matches a stored contact (a common number and the same name) updates
it, so importing a file twice adds nothing.

Export goes through :func:`desktop_app.core.csv_export.write_csv` (formula-safe cells, UTF-8
with BOM or Windows-1251); the importer removes the formula guard it adds.

vCard is parsed here rather than with a library: the subset a contact list uses (FN, N, ORG,
TEL, EMAIL, NOTE, URL, folding, escapes, quoted-printable) is small, and vobject would be a
new dependency that still lacks vCard 4.0.
"""

from __future__ import annotations

import io
import itertools
import os
import quopri
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from desktop_app.contacts.directory import Contact, ContactDirectory, checked, display_number, fold
from desktop_app.core.csv_export import CsvEncoding, unguard, write_csv
from desktop_app.core.csv_import import (
    NotTextFile,
    RowProblem,
    read_table,
    reading,
    scientific_number,
    sniff_file,
)
from desktop_app.core.texts import QT_TRANSLATE_NOOP, Text, UserError

_CTX = "contacts_io"
# A report keeps this many problems (a broken million-row file must not fill memory);
# ``skipped_count`` still counts them all.
MAX_PROBLEMS = 1000
_PHONE_SPLIT = re.compile(r"[,;\r\n]+")

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

# One transaction per batch: fast, and another writer waits for one batch (~0.1 s), not the file.
IMPORT_BATCH_ROWS = 1000


def import_file(directory: ContactDirectory, path: str | os.PathLike[str]) -> ImportReport:
    """Import a CSV or vCard file into ``directory``.

    Raises :class:`UserError` for a file that cannot be imported at all (missing,
    unreadable, empty, not CSV/vCard, no phone column); bad rows only go to the report.
    """
    path = Path(path)
    try:
        encoding, sample = sniff_file(path)
    except NotTextFile as exc:
        raise _error(QT_TRANSLATE_NOOP("contacts_io", "{file} is neither a CSV nor a vCard file"),
                     file=path.name) from exc
    report = ImportReport()
    is_vcard = sample.lstrip("\ufeff \t\r\n").upper().startswith("BEGIN:VCARD")
    if not is_vcard and path.suffix.lower() in (".vcf", ".vcard"):
        raise _error(QT_TRANSLATE_NOOP("contacts_io", "{file} is not a vCard file"), file=path.name)
    with reading(path), open(path, encoding=encoding, newline="") as stream:
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


# -- CSV ----------------------------------------------------------------------------------

Row = tuple[int, "Contact | _RowError"]


def _csv_rows(stream: io.TextIOBase, file_name: str) -> Iterator[Row]:
    table = read_table(stream, file_name, lambda cell: _column_field(cell) is not None)
    columns = [_column_field(cell) for cell in table.header]
    if "phone" not in columns:
        raise _error(
            QT_TRANSLATE_NOOP(
                "contacts_io", "{file} has no phone column (expected a column named Phone or Телефон; found: {columns})"
            ),
            file=file_name,
            columns=", ".join(cell.strip() for cell in table.header if cell.strip()) or "-",
        )
    for line, cells in table.rows:
        yield line, _RowError(cells) if isinstance(cells, Text) else _csv_contact(columns, cells)


def _column_field(cell: str) -> str | None:
    key = fold(cell.strip().strip('"')).rstrip(":").rstrip("0123456789 ")
    return _FIELD_OF.get(key)


def _csv_contact(columns: list[str | None], cells: list[str]) -> Contact | _RowError:
    values: dict[str, list[str]] = {}
    # A row may be shorter or longer than the header.
    for column, cell in zip(columns, cells, strict=False):
        cell = unguard(cell.strip())
        if column and cell:
            values.setdefault(column, []).append(cell)
    phones: list[str] = []
    for cell in values.get("phone", []):
        if (problem := scientific_number(cell)) is not None:
            return _RowError(problem)
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


def export_csv(directory: ContactDirectory, path: str | os.PathLike[str],
               encoding: CsvEncoding | str = CsvEncoding.UTF8) -> int:
    """Write every contact to ``path`` (see :func:`~desktop_app.core.csv_export.write_csv`);
    returns how many. Phones in ``+7 999 ...`` form get the formula guard like any cell, and
    the importer removes it."""
    rows = (
        (
            contact.name,
            contact.company,
            ", ".join(display_number(number) for number in contact.phones),
            contact.manager,
            contact.email,
            contact.note,
            contact.crm_url,
        )
        for contact in directory
    )
    return write_csv(path, EXPORT_HEADER, rows, encoding=encoding)
