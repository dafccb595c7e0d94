"""The contact directory: who is calling, for the caller card and the PBX's ``/client``.

Contacts live in the profile's ``desk.sqlite3``. Each has any number of phone numbers,
stored in their normal form (:func:`desktop_app.core.phone.normalize`) in an indexed table, so
a number matches whatever way it was written. A number may belong to several contacts.

Searching (the number suggestions while the operator types, the contacts window) goes
through ``contact_search``, an FTS5 table with the trigram tokenizer over each contact's
folded name and company and its numbers: any part of three characters or more is found
through the index, at any size (bench/bench_contacts.py). The directory's methods keep it
up to date; SQL triggers would be simpler but make FTS5 flush on every row (about five
times the cost of an insert). Where SQLite lacks FTS5 or the trigram tokenizer, search
scans the tables instead, as it did before the index existed.

One :class:`ContactDirectory` (one SQLite connection) per thread: a worker thread that
imports a file opens its own. WAL lets readers go on while another connection writes.
"""

from __future__ import annotations

import itertools
import logging
import re
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import phonenumbers

from desktop_app.core import database
from desktop_app.core.database import write_transaction
from desktop_app.core.phone import InvalidNumber, is_extension, normalize
from desktop_app.core.texts import QT_TRANSLATE_NOOP, Text, UserError

log = logging.getLogger(__name__)

_CTX = "contacts"

SCHEMA = """
CREATE TABLE IF NOT EXISTS contacts (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL DEFAULT '',
    company TEXT NOT NULL DEFAULT '',
    manager TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    crm_url TEXT NOT NULL DEFAULT '',
    -- casefolded name and company: substring search that ignores case in any alphabet
    folded TEXT NOT NULL DEFAULT '',
    created REAL NOT NULL,
    updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS contact_phones (
    contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    number TEXT NOT NULL,
    PRIMARY KEY (contact_id, position)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS contact_phones_number ON contact_phones(number);
"""

# The search index: one row per contact (rowid = contacts.id) holding what search looks
# in, ``folded`` as in ``contacts`` and ``numbers`` (normal forms, space-separated). It
# keeps its own copy of both, so a row is replaced or deleted by rowid alone. detail=none
# keeps it small (no positions): a query asks for all of its trigrams and each candidate
# is then checked with instr(), which also drops matches across two numbers.
SEARCH_INDEX = "contact_search"
_SEARCH_DDL = "CREATE VIRTUAL TABLE contact_search USING fts5(folded, numbers, tokenize='trigram', detail='none')"
_SEARCH_FILL = """
INSERT INTO contact_search (rowid, folded, numbers)
SELECT c.id, c.folded,
       coalesce((SELECT group_concat(number, ' ') FROM contact_phones p WHERE p.contact_id = c.id), '')
FROM contacts c
"""
TRIGRAM = 3
# column -> (its contact id, the scan that finds a part in it) for search without the index
_SCANS = {
    "folded": ("id", "SELECT id FROM contacts WHERE instr(folded, ?) > 0"),
    "numbers": ("contact_id", "SELECT DISTINCT contact_id FROM contact_phones WHERE instr(number, ?) > 0"),
}
# A query shorter than a trigram cannot use the index: it looks at the newest contacts only,
# so a rare letter typed into a number field never scans a million rows on the GUI thread.
SHORT_QUERY_SCAN = 10_000

_CONTACT_COLUMNS = "c.id, c.name, c.company, c.manager, c.email, c.note, c.crm_url, c.created, c.updated"
# SQLite's default limit on bound parameters is far above this; chunks keep statements small.
_IN_CHUNK = 500
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
# "javascript:...", "mailto:...": a scheme without "//"; "host:8080/..." is a port, not one.
_OTHER_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:(?!\d)")
# A query made only of these is a number being typed, not a name.
_NUMBER_QUERY = re.compile(r"^[\d\s+()\-.]+$")
_MIN_NUMBER_QUERY_DIGITS = 2

Clock = Callable[[], float]


class ContactError(UserError, ValueError):
    """A contact that cannot be stored as given; ``text`` says why."""


class ContactNotFound(UserError, LookupError):
    def __init__(self, contact_id: int | None) -> None:
        super().__init__(Text(_CTX, QT_TRANSLATE_NOOP("contacts", "No contact with id {id}"), {"id": contact_id}))
        self.contact_id = contact_id


@dataclass(frozen=True)
class Contact:
    """One person or company. ``phones`` are normal forms once stored."""

    name: str = ""
    company: str = ""
    phones: tuple[str, ...] = ()
    manager: str = ""  # the responsible employee's extension
    email: str = ""
    note: str = ""
    crm_url: str = ""
    id: int | None = None
    created: datetime | None = field(default=None, compare=False)
    updated: datetime | None = field(default=None, compare=False)

    @property
    def title(self) -> str:
        """What people call it: the name, or the company when there is no name."""
        return self.name or self.company


# The directory's name for the normal form (kept for its callers).
normal_form = normalize


def display_number(number: str) -> str:
    """A stored normal form as people read it (``+49 1511 2345678``, ``701``), as
    :func:`desktop_app.core.phone.display` writes it, in one parse instead of two."""
    if is_extension(number):
        return number
    try:
        parsed = phonenumbers.parse("+" + number, None)
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def fold(text: str) -> str:
    """The search form of a text: case and ``ё``/``е`` ignored, spaces collapsed."""
    return " ".join(text.split()).casefold().replace("ё", "е")


def checked(contact: Contact) -> Contact:
    """``contact`` cleaned up and validated; :class:`ContactError` or
    :class:`~desktop_app.core.phone.InvalidNumber` (both :class:`UserError`) say what is wrong."""
    name = " ".join(contact.name.split())
    company = " ".join(contact.company.split())
    if not name and not company:
        raise ContactError(Text(_CTX, QT_TRANSLATE_NOOP("contacts", "No name and no company")))
    phones: list[str] = []
    # One number passed as a string would otherwise be read digit by digit.
    for raw in (contact.phones,) if isinstance(contact.phones, str) else contact.phones:
        if not str(raw).strip():
            continue
        number = normal_form(str(raw))
        if number not in phones:
            phones.append(number)
    manager = contact.manager.strip()
    if manager and not is_extension(manager):
        raise ContactError(
            Text(
                _CTX,
                QT_TRANSLATE_NOOP("contacts", "The manager must be an extension number, not {manager}"),
                {"manager": manager},
            )
        )
    email = contact.email.strip()
    if email and not _EMAIL.match(email):
        raise ContactError(
            Text(_CTX, QT_TRANSLATE_NOOP("contacts", "Not an e-mail address: {email}"), {"email": email})
        )
    return replace(
        contact,
        name=name,
        company=company,
        phones=tuple(phones),
        manager=manager,
        email=email,
        note=contact.note.strip(),
        crm_url=_checked_url(contact.crm_url),
    )


def _checked_url(raw: str) -> str:
    url = raw.strip()
    if not url:
        return ""
    if "://" not in url and not _OTHER_SCHEME.match(url):
        # "crm.example.ru/deal/1" as people type it; the card opens it in a browser.
        url = "https://" + url
    parts = urlsplit(url)
    try:
        parts.port  # noqa: B018 - raises for "host:junk"
        valid = parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
    except ValueError:
        valid = False
    if not valid or any(c.isspace() for c in url):
        raise ContactError(Text(_CTX, QT_TRANSLATE_NOOP("contacts", "Not a web address: {url}"), {"url": raw.strip()}))
    return url


def _when(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


class ContactDirectory:
    """Contacts in ``desk.sqlite3``.

    Pass the database path (the directory opens and closes its own connection) or an open
    connection (shared with its owner, e.g. the call log, which keeps it open).
    ``clock`` returns UTC epoch seconds (tests pass a fake one).
    """

    def __init__(self, db: Path | str | sqlite3.Connection, *, clock: Clock = time.time) -> None:
        if isinstance(db, sqlite3.Connection):
            self._conn, self._owned = db, False
        else:
            self._conn, self._owned = database.connect(db), True
        self._clock = clock
        try:
            database.ensure_schema(self._conn, SCHEMA)
            self._indexed = open_search_index(self._conn)
        except BaseException:
            self.close()
            raise

    @property
    def connection(self) -> sqlite3.Connection:
        return self._conn

    @property
    def indexed(self) -> bool:
        """Whether search uses the trigram index (False: SQLite has no FTS5 or no trigram)."""
        return self._indexed

    def close(self) -> None:
        if self._owned:
            self._conn.close()

    def __enter__(self) -> ContactDirectory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group many changes (an import) into one transaction: all or nothing, and fast."""
        with write_transaction(self._conn):
            yield

    # -- changes -----------------------------------------------------------------------

    def add(self, contact: Contact) -> Contact:
        """Store a new contact; returns it with its id, timestamps and normalized phones."""
        clean = checked(contact)
        now = self._clock()
        with write_transaction(self._conn):
            cursor = self._conn.execute(
                "INSERT INTO contacts (name, company, manager, email, note, crm_url, folded, created, updated)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*_fields(clean), _folded(clean), now, now),
            )
            contact_id = int(cursor.lastrowid)
            self._write_phones(contact_id, clean.phones)
            self._index(contact_id, clean)
        return replace(clean, id=contact_id, created=_when(now), updated=_when(now))

    def update(self, contact: Contact) -> Contact:
        """Replace every field and the phone list of the stored contact ``contact.id``."""
        if contact.id is None:
            raise ContactNotFound(None)
        clean = checked(contact)
        now = self._clock()
        with write_transaction(self._conn):
            cursor = self._conn.execute(
                "UPDATE contacts SET name = ?, company = ?, manager = ?, email = ?, note = ?, crm_url = ?,"
                " folded = ?, updated = ? WHERE id = ?",
                (*_fields(clean), _folded(clean), now, clean.id),
            )
            if cursor.rowcount == 0:
                raise ContactNotFound(contact.id)
            self._conn.execute("DELETE FROM contact_phones WHERE contact_id = ?", (clean.id,))
            self._write_phones(clean.id, clean.phones)
            self._index(clean.id, clean)
        stored = self.get(clean.id)
        assert stored is not None
        return stored

    def delete(self, contact_id: int) -> bool:
        """Remove a contact and its numbers; False when there was no such contact."""
        with write_transaction(self._conn):
            # Phones go by ON DELETE CASCADE (database.connect turns foreign keys on).
            cursor = self._conn.execute("DELETE FROM contacts WHERE id = ?", (contact_id,))
            if self._indexed:
                self._conn.execute("DELETE FROM contact_search WHERE rowid = ?", (contact_id,))
        return cursor.rowcount > 0

    def _index(self, contact_id: int, clean: Contact) -> None:
        """Put the contact's searchable text in the search index (inside the write's transaction)."""
        if self._indexed:
            self._conn.execute(
                "INSERT OR REPLACE INTO contact_search (rowid, folded, numbers) VALUES (?, ?, ?)",
                (contact_id, _folded(clean), " ".join(clean.phones)),
            )

    def _write_phones(self, contact_id: int, phones: tuple[str, ...]) -> None:
        self._conn.executemany(
            "INSERT INTO contact_phones (contact_id, position, number) VALUES (?, ?, ?)",
            [(contact_id, position, number) for position, number in enumerate(phones)],
        )

    # -- reading -----------------------------------------------------------------------

    def get(self, contact_id: int) -> Contact | None:
        found = self._load([contact_id])
        return found[0] if found else None

    def find_by_number(self, raw: str) -> list[Contact]:
        """Every contact having this number, written in any form; [] for a non-number."""
        number = try_normal_form(raw)
        if number is None:
            return []
        ids = [
            row[0]
            for row in self._conn.execute(
                "SELECT DISTINCT contact_id FROM contact_phones WHERE number = ? ORDER BY contact_id", (number,)
            )
        ]
        return self._load(ids)

    def name_for(self, raw: str) -> str:
        """What to call whoever has this number: the first contact's title ("" when none)."""
        found = self.find_by_number(raw)
        return found[0].title if found else ""

    def client_answer(self, raw_number: str | None) -> dict[str, str]:
        """The ``/client`` answer (CONTRACT §5): ``{"name": ..., "manager": ...}``.

        ``name`` is the contact's name, else its company; fields it lacks are left out; an
        unknown number (or none) gives ``{}``. When several contacts share the number the
        answer comes from one with a manager (the PBX can route the call to that person),
        then the most recently updated one (the freshest knowledge), then the newest.
        """
        number = try_normal_form(raw_number)
        if number is None:
            return {}
        row = self._conn.execute(
            "SELECT c.name, c.company, c.manager FROM contact_phones p JOIN contacts c ON c.id = p.contact_id"
            " WHERE p.number = ? ORDER BY c.manager != '' DESC, c.updated DESC, c.id DESC LIMIT 1",
            (number,),
        ).fetchone()
        if row is None:
            return {}
        name, company, manager = row
        answer: dict[str, str] = {}
        if name or company:
            answer["name"] = name or company
        if manager:
            answer["manager"] = manager
        return answer

    async def lookup_client(self, raw_number: str | None) -> dict[str, str]:
        """:meth:`client_answer` for the webhook listener's event loop.

        It runs inline: an indexed lookup takes tens of microseconds (bench/bench_contacts.py),
        less than a hop to a worker thread would, and in WAL mode a reader never waits for
        another connection's writer, so an import in progress does not stall it.
        """
        return self.client_answer(raw_number)

    def search(self, text: str, limit: int = 20) -> list[Contact]:
        """Up to ``limit`` contacts for ``text`` typed in a search box (suggestions).

        A query of digits and phone punctuation (``8 999 12``, ``+7``, ``4567``) searches
        numbers starting with it (a leading ``8`` read as ``7``, as people dial in Russia;
        an index range, fast at any size), or, when none does, numbers containing it.
        Any other query searches names and companies for a substring, ignoring case and
        ``ё``/``е``: those starting with it first, then alphabetical. A part of three
        characters or more is found through the search index; a shorter one only among
        the newest :data:`SHORT_QUERY_SCAN` contacts.
        """
        query = fold(text)
        if not query or limit <= 0:
            return []
        digits = re.sub(r"\D", "", text)
        if _NUMBER_QUERY.match(query) and len(digits) >= _MIN_NUMBER_QUERY_DIGITS:
            return self._load(self._number_matches(digits, limit))
        found = self._load(self._containing("folded", query, limit))
        found.sort(key=lambda c: (not fold(c.title).startswith(query), fold(c.title), c.id))
        return found

    def _number_matches(self, digits: str, limit: int) -> list[int]:
        if digits.startswith("8"):
            prefixes = ["7" + digits[1:], digits]
        elif digits.startswith("7"):
            prefixes = [digits]
        else:
            prefixes = ["7" + digits, digits]  # "999 12": a Russian number typed without 8/+7
        ids: dict[int, None] = {}
        for prefix in prefixes:
            # Digits sort before ":", so [prefix, prefix[:-1] + next digit) is the range.
            upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
            for (contact_id,) in self._conn.execute(
                "SELECT contact_id FROM contact_phones WHERE number >= ? AND number < ? ORDER BY number LIMIT ?",
                (prefix, upper, limit),
            ):
                ids.setdefault(contact_id, None)
        if not ids:
            # Not the start of any number: the last digits, say. "8 999..." may be "7999..."
            # inside a number; for any other query, "7" + digits would be a subset of digits.
            for part in prefixes if digits.startswith("8") else [digits]:
                for contact_id in self._containing("numbers", part, limit):
                    ids.setdefault(contact_id, None)
        return list(ids)[:limit]

    def _containing(self, column: str, part: str, limit: int) -> list[int]:
        """Ids of up to ``limit`` contacts whose ``column`` ("folded" or "numbers") contains
        ``part``, in id order (among the newest contacts only for a part too short for the index)."""
        if self._indexed and len(part) >= TRIGRAM:
            sql = (
                f"SELECT rowid FROM contact_search WHERE contact_search MATCH ? AND instr({column}, ?) > 0"
                " ORDER BY rowid LIMIT ?"
            )
            return [row[0] for row in self._conn.execute(sql, (_trigram_query(part), part, limit))]
        # Without the index (or too short for it): a scan of the table itself.
        key, sql = _SCANS[column]
        if len(part) < TRIGRAM:
            # The newest ids: a range of the primary key, never a sort of the whole table.
            sql += f" AND {key} > (SELECT coalesce(max(id), 0) FROM contacts) - {SHORT_QUERY_SCAN}"
        sql += f" ORDER BY {key} LIMIT ?"
        return [row[0] for row in self._conn.execute(sql, (part, limit))]

    def count(self) -> int:
        return int(self._conn.execute("SELECT count(*) FROM contacts").fetchone()[0])

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator[Contact]:
        """Every contact in id order, streamed (a million contacts do not sit in memory)."""
        cursor = self._conn.execute(
            f"SELECT {_CONTACT_COLUMNS}, p.number FROM contacts c"
            " LEFT JOIN contact_phones p ON p.contact_id = c.id ORDER BY c.id, p.position"
        )
        try:
            for _, rows in itertools.groupby(cursor, key=lambda row: row[0]):
                group = list(rows)
                yield _contact(group[0][:-1], [row[-1] for row in group if row[-1] is not None])
        finally:
            cursor.close()

    def all(self) -> list[Contact]:
        return list(self)

    def _load(self, ids: list[int]) -> list[Contact]:
        """Contacts for ``ids``, in that order (missing ids skipped)."""
        rows: dict[int, tuple[Any, ...]] = {}
        phones: dict[int, list[str]] = {}
        for start in range(0, len(ids), _IN_CHUNK):
            chunk = ids[start : start + _IN_CHUNK]
            marks = ",".join("?" * len(chunk))
            for row in self._conn.execute(f"SELECT {_CONTACT_COLUMNS} FROM contacts c WHERE c.id IN ({marks})", chunk):
                rows[row[0]] = row
            for contact_id, number in self._conn.execute(
                f"SELECT contact_id, number FROM contact_phones WHERE contact_id IN ({marks})"
                " ORDER BY contact_id, position",
                chunk,
            ):
                phones.setdefault(contact_id, []).append(number)
        return [_contact(rows[i], phones.get(i, [])) for i in ids if i in rows]


def open_search_index(conn: sqlite3.Connection) -> bool:
    """Make sure the search index exists (filled from the contacts of a file made before it);
    False when this SQLite cannot have it (no FTS5, or no trigram tokenizer before 3.34)."""
    try:
        if not _has_table(conn, SEARCH_INDEX):
            with write_transaction(conn):
                if not _has_table(conn, SEARCH_INDEX):  # another connection may have won the race
                    conn.execute(_SEARCH_DDL)
                    conn.execute(_SEARCH_FILL)
        conn.execute("SELECT rowid FROM contact_search LIMIT 0").fetchall()  # the module is there
    except sqlite3.OperationalError as exc:
        if "fts5" not in str(exc) and "tokenizer" not in str(exc):
            raise
        log.warning("contact search without an index: %s", exc)
        return False
    return True


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (name,)).fetchone() is not None


def _trigram_query(part: str) -> str:
    """An FTS5 query asking for every trigram of ``part`` (detail=none has no phrases)."""
    trigrams = dict.fromkeys(part[i : i + TRIGRAM] for i in range(len(part) - TRIGRAM + 1))
    return " AND ".join('"' + trigram.replace('"', '""') + '"' for trigram in trigrams)


def try_normal_form(raw: str | None) -> str | None:
    """:func:`normal_form`, or None for no number or not a number."""
    if raw is None or not str(raw).strip():
        return None
    try:
        return normal_form(str(raw))
    except InvalidNumber:
        return None


def _fields(contact: Contact) -> tuple[str, ...]:
    return (contact.name, contact.company, contact.manager, contact.email, contact.note, contact.crm_url)


def _folded(contact: Contact) -> str:
    # A newline keeps a query from matching across the end of the name into the company.
    return fold(contact.name) + "\n" + fold(contact.company)


def _contact(row: tuple[Any, ...], phones: Iterable[str]) -> Contact:
    contact_id, name, company, manager, email, note, crm_url, created, updated = row
    return Contact(
        name=name,
        company=company,
        phones=tuple(phones),
        manager=manager,
        email=email,
        note=note,
        crm_url=crm_url,
        id=contact_id,
        created=_when(created),
        updated=_when(updated),
    )
