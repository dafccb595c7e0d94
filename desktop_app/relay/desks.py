"""The desks a relay serves, and their tokens, in the relay profile's ``desk.sqlite3``.

A desk token is a credential: it is shown once, when the desk is added, and only its
SHA-256 is stored. (The tokens are 256 random bits, so a fast hash is enough: nobody can
guess one back from its hash.) Adding, listing and removing work on the file whether or
not the relay runs; a running relay notices a change within :data:`RELOAD_INTERVAL` of
:class:`DeskWatch` and closes the streams of removed desks.

The relay writes what ``relay desks`` shows (connected, last seen, last id delivered)
every few seconds and at each connect and disconnect; a desk counts as connected only
while that note is fresh, so a relay killed without a chance to clean up shows none.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from desktop_app.core import database
from desktop_app.core.phone import is_extension

TOKEN_PREFIX = "gdr_"  # recognisable in a secret scanner, never in a log
NOTE_INTERVAL = 5.0  # how often the relay writes last seen / last id of connected desks
STALE_AFTER = 3 * NOTE_INTERVAL  # a "connected" note older than this is from a dead relay

SCHEMA = """
CREATE TABLE IF NOT EXISTS relay_desks (
    id          INTEGER PRIMARY KEY,
    extension   TEXT NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    all_calls   INTEGER NOT NULL DEFAULT 0,   -- a supervisor: every call, every report
    token_hash  TEXT NOT NULL UNIQUE,         -- sha256 hex of the token
    created     REAL NOT NULL,
    last_seen   REAL,                         -- Unix time the relay last saw it connected
    last_id     INTEGER NOT NULL DEFAULT 0,   -- the last message id written to it
    streams     INTEGER NOT NULL DEFAULT 0    -- open streams when last noted
);
"""


class DeskError(ValueError):
    """Bad input to a desk command (the message says what)."""


@dataclass(frozen=True)
class Desk:
    id: int
    extension: str
    name: str
    all_calls: bool
    created: float
    last_seen: float | None = None
    last_id: int = 0
    streams: int = 0

    @property
    def topic(self) -> str | None:
        """What it subscribes to: its extension, or None for every call."""
        return None if self.all_calls else self.extension

    def connected(self, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        return self.streams > 0 and self.last_seen is not None and now - self.last_seen < STALE_AFTER

    @property
    def label(self) -> str:
        """How logs name it: never by its token."""
        who = f"{self.extension}{' all' if self.all_calls else ''}"
        return f"desk {self.id} ({who}{', ' + self.name if self.name else ''})"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


_COLUMNS = "id, extension, name, all_calls, created, last_seen, last_id, streams"


def _desk(row: tuple) -> Desk:
    desk_id, extension, name, all_calls, created, last_seen, last_id, streams = row
    return Desk(desk_id, extension, name, bool(all_calls), created, last_seen, last_id, streams)


class DeskRegistry:
    """The desks table on its own connection (one thread)."""

    def __init__(self, db_path: Path | str) -> None:
        self._conn = database.connect(db_path)
        try:
            database.ensure_schema(self._conn, SCHEMA)
        except BaseException:
            self._conn.close()
            raise

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> DeskRegistry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add(self, extension: str, *, all_calls: bool = False, name: str = "") -> tuple[Desk, str]:
        """A new desk and its token (shown once: only the hash is kept)."""
        extension = extension.strip()
        if not is_extension(extension):
            raise DeskError(f"not an extension number: {extension!r} (e.g. 701)")
        name = " ".join(name.split())
        if not name.isprintable():
            raise DeskError("the name must be one line of text")
        token = new_token()
        now = time.time()
        cursor = self._conn.execute(
            "INSERT INTO relay_desks (extension, name, all_calls, token_hash, created) VALUES (?, ?, ?, ?, ?)",
            (extension, name, int(all_calls), token_hash(token), now),
        )
        return Desk(int(cursor.lastrowid), extension, name, all_calls, now), token

    def desks(self) -> list[Desk]:
        return [_desk(row) for row in self._conn.execute(f"SELECT {_COLUMNS} FROM relay_desks ORDER BY id")]

    def by_hash(self) -> dict[str, Desk]:
        """Every desk by its token's hash (what the running relay authenticates with)."""
        return {
            row[0]: _desk(row[1:])
            for row in self._conn.execute(f"SELECT token_hash, {_COLUMNS} FROM relay_desks")
        }

    def remove(self, which: str) -> list[Desk]:
        """Remove desk number ``which`` (as ``relay desks`` lists it), or every desk of the
        extension ``which`` when no desk has that number. Returns what was removed."""
        which = which.strip()
        found = []
        if which.isdigit():
            found = [d for d in self.desks() if d.id == int(which)]
        if not found:
            found = [d for d in self.desks() if d.extension == which]
        if found:
            marks = ",".join("?" * len(found))
            self._conn.execute(f"DELETE FROM relay_desks WHERE id IN ({marks})", [d.id for d in found])
        return found

    def note(self, seen: Iterable[tuple[int, float | None, int, int]]) -> None:
        """Record (desk id, last seen, last id delivered, open streams) for several desks."""
        with_rows = list(seen)
        if not with_rows:
            return
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            self._conn.executemany(
                "UPDATE relay_desks SET last_seen = coalesce(?, last_seen), last_id = max(last_id, ?), streams = ?"
                " WHERE id = ?",
                [(last_seen, last_id, streams, desk_id) for desk_id, last_seen, last_id, streams in with_rows],
            )
            self._conn.execute("COMMIT")
        except BaseException:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            raise

    def data_version(self) -> int:
        """Changes when another connection commits (cheap to ask often)."""
        return int(self._conn.execute("PRAGMA data_version").fetchone()[0])


__all__ = ["Desk", "DeskError", "DeskRegistry", "new_token", "token_hash"]
