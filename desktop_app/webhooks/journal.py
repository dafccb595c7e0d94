"""The webhook journal: every accepted /event, /history and /campaign/report, in ``desk.sqlite3``.

The listener commits a webhook here before it answers 200, so a webhook the PBX saw
accepted survives a crash of the app. One row per delivery key (``dedupe_key`` of the
typed webhook): a repeated delivery is recognised and stored once. ``body`` is the JSON
text exactly as received, unknown fields included; :meth:`JournalEntry.webhook` reads it
back into its type.

Threading: :class:`WebhookJournal` is plain and synchronous. :class:`AsyncJournal` runs
it on one dedicated worker thread. A commit normally takes tens of microseconds (WAL,
``synchronous=NORMAL``), but it can wait up to the busy timeout (5 s) when another
process holds the write lock (a contacts import, the command line), and a WAL checkpoint
takes milliseconds; neither may freeze the event loop that also drives the GUI.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from desktop_app.core import database
from desktop_app.webhooks.types import PARSERS, JournaledWebhook

T = TypeVar("T")

SCHEMA = """
CREATE TABLE IF NOT EXISTS webhook_journal (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL,              -- event | history | campaign_report
    dedupe_key  TEXT NOT NULL,              -- see webhook_types: id, id+stage, ...
    call_id     TEXT NOT NULL,
    received_at REAL NOT NULL,              -- Unix time
    body        TEXT NOT NULL,              -- the JSON as received
    UNIQUE (kind, dedupe_key)
);
CREATE INDEX IF NOT EXISTS webhook_journal_call_id ON webhook_journal (call_id);
-- How far the desk has read another journal (a relay's stream), committed with what it read.
CREATE TABLE IF NOT EXISTS webhook_journal_positions (
    source   TEXT PRIMARY KEY,
    position INTEGER NOT NULL
);
"""

_COLUMNS = "seq, kind, call_id, received_at, body"


class JournalError(Exception):
    """The journal could not store or read (the listener answers 500 so the PBX retries)."""


@dataclass(frozen=True)
class JournalEntry:
    seq: int
    kind: str
    call_id: str
    received_at: float
    body: str

    def data(self) -> dict[str, Any]:
        return json.loads(self.body)

    def webhook(self) -> JournaledWebhook:
        return PARSERS[self.kind](self.data())  # type: ignore[return-value]


class WebhookJournal:
    """Synchronous journal on its own connection; use it from one thread."""

    def __init__(self, db_path: Path | str) -> None:
        try:
            self._conn = database.connect(db_path)
        except sqlite3.Error as exc:
            raise JournalError(f"cannot open {db_path}: {exc}") from exc
        try:
            database.ensure_schema(self._conn, SCHEMA)
        except sqlite3.Error as exc:
            self._conn.close()
            raise JournalError(f"cannot open {db_path}: {exc}") from exc

    def record(self, webhook: JournaledWebhook, body: str, received_at: float | None = None) -> int | None:
        """Commit one delivery. Its ``seq`` if new (true), None if this delivery was stored before."""
        try:
            return self._insert(webhook, body, received_at or time.time())
        except sqlite3.Error as exc:
            raise JournalError(f"cannot store {webhook.kind} {webhook.id!r}: {exc}") from exc

    def _insert(self, webhook: JournaledWebhook, body: str, received_at: float) -> int | None:
        cursor = self._conn.execute(
            "INSERT INTO webhook_journal (kind, dedupe_key, call_id, received_at, body) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (kind, dedupe_key) DO NOTHING",
            (webhook.kind, webhook.dedupe_key, webhook.id, received_at, body),
        )
        return cursor.lastrowid if cursor.rowcount == 1 else None

    def record_many(
        self,
        items: list[tuple[JournaledWebhook, str]],
        received_at: float,
        *,
        position: tuple[str, int] | None = None,
    ) -> list[bool]:
        """Commit several deliveries (webhook, body) and, with ``position`` (source, id), how
        far that source was read, all in one transaction. For each: True if it was new."""
        try:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                new = [self._insert(webhook, body, received_at) is not None for webhook, body in items]
                if position is not None:
                    self._conn.execute(
                        "INSERT INTO webhook_journal_positions (source, position) VALUES (?, ?)"
                        " ON CONFLICT (source) DO UPDATE SET position = max(position, excluded.position)",
                        position,
                    )
                self._conn.execute("COMMIT")
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            raise JournalError(f"cannot store {len(items)} webhooks: {exc}") from exc
        return new

    def position(self, source: str) -> int:
        """How far ``source`` was read (0: never)."""
        try:
            row = self._conn.execute(
                "SELECT position FROM webhook_journal_positions WHERE source = ?", (source,)
            ).fetchone()
        except sqlite3.Error as exc:
            raise JournalError(f"cannot read the webhook journal: {exc}") from exc
        return int(row[0]) if row else 0

    def last_seq(self) -> int:
        """The newest entry's ``seq`` (0 when empty)."""
        try:
            return int(self._conn.execute("SELECT coalesce(max(seq), 0) FROM webhook_journal").fetchone()[0])
        except sqlite3.Error as exc:
            raise JournalError(f"cannot read the webhook journal: {exc}") from exc

    def entries(
        self, *, kind: str | None = None, call_id: str | None = None, after_seq: int = 0, limit: int = -1
    ) -> list[JournalEntry]:
        """Entries in arrival order, optionally of one kind or one call."""
        sql = f"SELECT {_COLUMNS} FROM webhook_journal WHERE seq > ?"
        args: list[Any] = [after_seq]
        if kind is not None:
            sql += " AND kind = ?"
            args.append(kind)
        if call_id is not None:
            sql += " AND call_id = ?"
            args.append(call_id)
        sql += " ORDER BY seq LIMIT ?"
        args.append(limit)
        try:
            return [JournalEntry(*row) for row in self._conn.execute(sql, args)]
        except sqlite3.Error as exc:
            raise JournalError(f"cannot read the webhook journal: {exc}") from exc

    def prune(self, before: float) -> int:
        """Delete entries received before ``before`` (Unix time); returns how many."""
        try:
            return self._conn.execute("DELETE FROM webhook_journal WHERE received_at < ?", (before,)).rowcount
        except sqlite3.Error as exc:
            raise JournalError(f"cannot prune the webhook journal: {exc}") from exc

    def close(self) -> None:
        self._conn.close()


class AsyncJournal:
    """:class:`WebhookJournal` on one dedicated worker thread; calls run in submission order."""

    def __init__(self, executor: concurrent.futures.ThreadPoolExecutor, journal: WebhookJournal) -> None:
        self._executor = executor
        self._journal = journal

    @classmethod
    async def open(cls, db_path: Path | str) -> AsyncJournal:
        executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="webhook-journal")
        try:
            journal = await asyncio.wrap_future(executor.submit(WebhookJournal, db_path))
        except BaseException:
            executor.shutdown(wait=True)
            raise
        return cls(executor, journal)

    def _submit(self, fn: Callable[..., T], *args: Any) -> asyncio.Future[T]:
        return asyncio.wrap_future(self._executor.submit(fn, *args))

    async def record(self, webhook: JournaledWebhook, body: str, received_at: float | None = None) -> int | None:
        return await self._submit(self._journal.record, webhook, body, received_at)

    async def record_many(self, items: list[tuple[JournaledWebhook, str]], received_at: float, *,
                          position: tuple[str, int] | None = None) -> list[bool]:
        return await self._submit(lambda: self._journal.record_many(items, received_at, position=position))

    async def position(self, source: str) -> int:
        return await self._submit(self._journal.position, source)

    async def last_seq(self) -> int:
        return await self._submit(self._journal.last_seq)

    async def entries(self, **filters: Any) -> list[JournalEntry]:
        return await self._submit(lambda: self._journal.entries(**filters))

    async def prune(self, before: float) -> int:
        return await self._submit(self._journal.prune, before)

    async def close(self) -> None:
        try:
            await self._submit(self._journal.close)
        finally:
            self._executor.shutdown(wait=True)
