"""The local call log: one row per call, so a caller card can show the last calls.

Fed from the PBX's ``/event`` and ``/history`` webhooks (seed §3.1.1-3.1.2) and kept in
``desk.sqlite3`` by the client's normalized number. It takes plain values rather than the
listener's types, so either side can change alone. Enumerations arrive in any case (or as
an ``Enum`` whose value is the PBX's word) and are stored in lower case.

An event creates or advances the row; a history completes it (result, durations,
recording). Deliveries may repeat or come out of order: the stage never goes back
(alerting < talking < released), and once the history arrived it is what the row says.
"""

from __future__ import annotations

import enum
import sqlite3
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from desktop_app.contacts.directory import (
    Clock,
    Contact,
    ContactDirectory,
    display_number,
    try_normal_form,
    write_transaction,
)
from desktop_app.core import database
from desktop_app.core.phone import is_extension
from desktop_app.core.texts import QT_TRANSLATE_NOOP, Text, UserError

_CTX = "call_log"
DIRECTIONS = ("in", "out")
STAGES = ("alerting", "talking", "released")

SCHEMA = """
CREATE TABLE IF NOT EXISTS call_log (
    call_id TEXT PRIMARY KEY,
    direction TEXT NOT NULL,
    client TEXT NOT NULL DEFAULT '',      -- normal form; '' when absent or not a number
    client_raw TEXT NOT NULL DEFAULT '',  -- as the PBX sent it when not a number
    extension TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    stage TEXT,
    result TEXT,
    duration INTEGER,
    provision INTEGER,
    record_url TEXT NOT NULL DEFAULT '',
    started REAL NOT NULL,                -- UTC epoch seconds: the PBX's "when", else first seen
    updated REAL NOT NULL,
    completed INTEGER NOT NULL DEFAULT 0, -- the history arrived
    recovered INTEGER NOT NULL DEFAULT 0  -- first heard of from the PBX's history after downtime
);
CREATE INDEX IF NOT EXISTS call_log_client ON call_log(client, started);
CREATE INDEX IF NOT EXISTS call_log_started ON call_log(started);
"""

_COLUMNS = (
    "call_id, direction, client, client_raw, extension, phone, stage, result, duration, provision,"
    " record_url, started, updated, completed, recovered"
)
# Columns added after the table was first shipped (an older desk.sqlite3 gets them).
_ADDED_COLUMNS = {"call_log": {"recovered": "INTEGER NOT NULL DEFAULT 0"}}


_UPDATE_ALL = ", ".join(f"{name} = excluded.{name}" for name in _COLUMNS.replace(" ", "").split(",")[1:])


class CallLogError(UserError, ValueError):
    """A webhook value the log cannot keep; ``text`` names it."""


@dataclass(frozen=True)
class LoggedCall:
    call_id: str
    direction: str  # "in" | "out"
    client: str  # normal form, or as sent when it is not a number ("" when absent)
    extension: str
    phone: str  # the PBX number called (incoming) or the caller id used (outgoing)
    stage: str | None  # "alerting" | "talking" | "released"; None if only the history came
    result: str | None  # from the history ("success", "missed", ...); None until it comes
    duration: int | None  # seconds of talk
    provision: int | None  # seconds of waiting before the answer
    record_url: str
    started: datetime  # UTC
    completed: bool  # the history arrived
    recovered: bool = False  # the desk first heard of it from the PBX's history (it was down)

    @property
    def answered(self) -> bool:
        return self.result == "success" or self.stage == "talking" or bool(self.duration)


When = int | float | datetime | None


class CallLog:
    """Calls in ``desk.sqlite3``. One instance per thread (it holds a SQLite connection).

    ``auto_create_contacts`` (the setting ``popup.auto_create_contacts``; may be changed
    at any time): a history for an external number no contact has creates a contact named
    by the number, in the same transaction.
    """

    def __init__(
        self,
        db: Path | str | sqlite3.Connection,
        *,
        auto_create_contacts: bool = False,
        clock: Clock = time.time,
    ) -> None:
        if isinstance(db, sqlite3.Connection):
            self._conn, self._owned = db, False
        else:
            self._conn, self._owned = database.connect(db), True
        self._clock = clock
        self.auto_create_contacts = auto_create_contacts
        try:
            database.ensure_schema(self._conn, SCHEMA, _ADDED_COLUMNS)
            self._contacts = ContactDirectory(self._conn, clock=clock)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self._owned:
            self._conn.close()

    def __enter__(self) -> CallLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- recording ---------------------------------------------------------------------

    def record_event(
        self,
        call_id: str,
        direction: Any,
        stage: Any,
        client: str | None = None,
        extension: str | None = None,
        phone: str | None = None,
        when: When = None,
        *,
        recovered: bool = False,
    ) -> LoggedCall:
        """Keep an ``/event``: create the call's row or move its stage forward.

        ``recovered``: the call is known only from the PBX's history, fetched after the desk
        was down; it marks a new row (a call the desk heard of stays unmarked).
        """
        call_id = _call_id(call_id)
        new = _row(call_id, _choice("direction", direction, DIRECTIONS), client, extension, phone)
        stage = _choice("stage", stage, STAGES)
        started = _epoch(when)
        now = self._clock()
        with write_transaction(self._conn):
            old = self._get(call_id)
            if old is None:
                call = replace(new, stage=stage, started=_datetime(started if started is not None else now),
                               recovered=recovered)
            elif old.completed:
                call = old  # the history already told the whole story
            else:
                call = replace(
                    _overlay(old, new),
                    stage=max(old.stage or stage, stage, key=STAGES.index),
                    started=_datetime(started) if started is not None else old.started,
                )
            self._put(call, now)
        return call

    def record_history(
        self,
        call_id: str,
        direction: Any,
        result: Any,
        duration: int | None,
        provision: int | None,
        client: str | None = None,
        extension: str | None = None,
        phone: str | None = None,
        when: When = None,
        record_url: str | None = None,
        *,
        recovered: bool = False,
    ) -> LoggedCall:
        """Keep a ``/history``: complete the call's row (creating it if no event came).

        ``recovered``: as for :meth:`record_event`.
        """
        call_id = _call_id(call_id)
        new = _row(call_id, _choice("direction", direction, DIRECTIONS), client, extension, phone)
        result_text = _enum_text(result)
        if not result_text:
            raise _bad("result", result)
        started = _epoch(when)
        now = self._clock()
        with write_transaction(self._conn):
            old = self._get(call_id)
            base = replace(new, recovered=recovered) if old is None else _overlay(old, new)
            if started is not None:
                base = replace(base, started=_datetime(started))
            elif old is None:
                base = replace(base, started=_datetime(now))
            call = replace(
                base,
                stage="released",
                result=result_text,
                duration=_seconds("duration", duration),
                provision=_seconds("provision", provision),
                record_url=(record_url or "").strip() or base.record_url,
                completed=True,
            )
            self._put(call, now)
            if self.auto_create_contacts:
                self._create_contact(call)
        return call

    def _create_contact(self, call: LoggedCall) -> None:
        number = try_normal_form(call.client)
        # Internal calls have an extension as the client: no contact for a colleague.
        if number is None or is_extension(number) or self._contacts.find_by_number(number):
            return
        self._contacts.add(Contact(name=display_number(number), phones=(number,)))

    def _put(self, call: LoggedCall, now: float) -> None:
        normal = try_normal_form(call.client) or ""
        self._conn.execute(
            f"INSERT INTO call_log ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            # An upsert, not INSERT OR REPLACE: the row keeps its rowid, the order calls came in.
            f" ON CONFLICT (call_id) DO UPDATE SET {_UPDATE_ALL}",
            (
                call.call_id,
                call.direction,
                normal,
                call.client,
                call.extension,
                call.phone,
                call.stage,
                call.result,
                call.duration,
                call.provision,
                call.record_url,
                call.started.timestamp(),
                now,
                int(call.completed),
                int(call.recovered),
            ),
        )

    # -- reading -----------------------------------------------------------------------

    def get(self, call_id: str) -> LoggedCall | None:
        return self._get(call_id)

    def last_calls(self, raw_number: str | None, limit: int = 3) -> list[LoggedCall]:
        """The latest calls with this client (any way of writing the number), newest first."""
        number = try_normal_form(raw_number)
        if number is None:
            return []
        return self._select("WHERE client = ? ORDER BY started DESC, rowid DESC LIMIT ?", (number, limit))

    def recent(self, limit: int = 100) -> list[LoggedCall]:
        return self._select("ORDER BY started DESC, rowid DESC LIMIT ?", (limit,))

    def all_calls(self, since: When = None) -> list[LoggedCall]:
        """Every call (started at or after ``since``), newest first: the history window."""
        start = _epoch(since)
        if start is None:
            return self._select("ORDER BY started DESC, rowid DESC", ())
        return self._select("WHERE started >= ? ORDER BY started DESC, rowid DESC", (start,))

    def count(self) -> int:
        return int(self._conn.execute("SELECT count(*) FROM call_log").fetchone()[0])

    def _get(self, call_id: str) -> LoggedCall | None:
        found = self._select("WHERE call_id = ?", (call_id,))
        return found[0] if found else None

    def _select(self, where: str, params: tuple[Any, ...]) -> list[LoggedCall]:
        return [_call(row) for row in self._conn.execute(f"SELECT {_COLUMNS} FROM call_log {where}", params)]


def _call(row: tuple[Any, ...]) -> LoggedCall:
    (call_id, direction, normal, raw, extension, phone, stage, result, duration, provision, record_url,
     started, _updated, completed, recovered) = row  # fmt: skip
    return LoggedCall(
        call_id=call_id,
        direction=direction,
        client=normal or raw,
        extension=extension,
        phone=phone,
        stage=stage,
        result=result,
        duration=duration,
        provision=provision,
        record_url=record_url,
        started=_datetime(started),
        completed=bool(completed),
        recovered=bool(recovered),
    )


def _row(call_id: str, direction: str, client: str | None, extension: str | None, phone: str | None) -> LoggedCall:
    raw_client = (client or "").strip()
    return LoggedCall(
        call_id=call_id,
        direction=direction,
        client=try_normal_form(raw_client) or raw_client,
        extension=(extension or "").strip(),
        phone=try_normal_form(phone) or (phone or "").strip(),
        stage=None,
        result=None,
        duration=None,
        provision=None,
        record_url="",
        started=_datetime(0),
        completed=False,
    )


def _overlay(old: LoggedCall, new: LoggedCall) -> LoggedCall:
    """``old`` with what ``new`` knows: the latest extension wins (a call rings several)."""
    return replace(
        old,
        direction=new.direction,
        client=new.client or old.client,
        extension=new.extension or old.extension,
        phone=new.phone or old.phone,
    )


def _enum_text(value: Any) -> str:
    if isinstance(value, enum.Enum):
        value = value.value
    return "" if value is None else str(value).strip().lower()


def _choice(name: str, value: Any, allowed: tuple[str, ...]) -> str:
    text = _enum_text(value)
    if text not in allowed:
        raise _bad(name, value)
    return text


def _call_id(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _bad("id", value)
    return value.strip()


def _seconds(name: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise _bad(name, value)
    return value


def _epoch(when: When) -> float | None:
    if when is None:
        return None
    if isinstance(when, datetime):
        # A naive time is taken as UTC, as the PBX sends all of its times.
        return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()
    if isinstance(when, bool) or not isinstance(when, (int, float)):
        raise _bad("when", when)
    return float(when)


def _datetime(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _bad(name: str, value: Any) -> CallLogError:
    return CallLogError(
        Text(_CTX, QT_TRANSLATE_NOOP("call_log", "Invalid {field}: {value}"), {"field": name, "value": repr(value)})
    )
