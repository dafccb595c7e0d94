"""Robot campaign calls in the profile's ``desk.sqlite3``: what was queued, what the PBX
reported, and the call-back work list.

A call is stored before it is sent (state ``pending``), so an id generated for it is kept
and a send interrupted by a crash can be finished later. Its state then follows what
happened::

    pending -> queued (the PBX accepted it) -> retrying (an attempt failed, the robot tries
    again) -> done (the final attempt was reported)
    pending -> failed (the send failed; ``uncertain`` when it may have reached the PBX)
    any -> deleted (the operator removed it from the PBX's queue)

A call id is unique across campaigns here: the PBX's report names the call, not its
campaign. Every report is kept (one row per call, ``final`` and ``when``, so a repeated
delivery or a replay is stored once); the call's result, duration and answers are those
of its latest report, and a late non-final report never overrides a final one. A report
for a call this desk did not queue (another desk, the command line of another machine) is
kept too, with campaign 0 and the number when its ``vars`` carry one.

Call-backs: a report that a rule picks (:mod:`desktop_app.campaigns.rules`) puts its call
on the work list once; marking it done records who and when.

One instance per thread (it holds a SQLite connection); ``on_change`` callbacks run after
each committed change.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from desktop_app.core import database
from desktop_app.core.database import write_transaction
from desktop_app.core.phone import try_normalize
from desktop_app.core.texts import Text
from desktop_app.pbx.types import CampaignCallStatus
from desktop_app.webhooks.types import CampaignReport, CampaignResult

Clock = Callable[[], float]


class CallState(StrEnum):
    PENDING = "pending"  # stored, not sent yet
    FAILED = "failed"  # the send failed; see ``error`` and ``uncertain``
    QUEUED = "queued"  # the PBX accepted it; no report yet
    RETRYING = "retrying"  # an attempt was reported, not the final one
    DONE = "done"  # the final attempt was reported
    DELETED = "deleted"  # removed from the PBX's queue by the operator


UNSENT = (CallState.PENDING, CallState.FAILED)
# The robot may still call: a number in one of these states is "waiting" in its campaign.
WAITING = (CallState.PENDING, CallState.FAILED, CallState.QUEUED, CallState.RETRYING)
# Keys of ``vars`` under which a report may carry the number (the report itself has none).
_NUMBER_KEYS = ("number", "phone", "телефон", "номер")

SCHEMA = """
CREATE TABLE IF NOT EXISTS campaign_calls (
    call_id   TEXT PRIMARY KEY,
    campaign  INTEGER NOT NULL,            -- 0: a reported call this desk did not queue
    number    TEXT NOT NULL DEFAULT '',    -- normal form
    vars      TEXT NOT NULL DEFAULT '{}',  -- JSON object sent with the call
    state     TEXT NOT NULL,
    error     TEXT NOT NULL DEFAULT '',    -- why the last send failed
    uncertain INTEGER NOT NULL DEFAULT 0,  -- that send may have reached the PBX: ask before sending again
    result    TEXT,                        -- of the latest report (webhooks.types.CampaignResult)
    final     INTEGER NOT NULL DEFAULT 0,
    attempts  INTEGER NOT NULL DEFAULT 0,  -- reports received
    duration  INTEGER,
    started   INTEGER,                     -- the latest report's "when" (UTC epoch seconds)
    answers   TEXT NOT NULL DEFAULT '{}',  -- JSON vars of the latest report
    created   REAL NOT NULL,
    sent      REAL,                        -- when the PBX accepted it
    updated   REAL NOT NULL,
    seq       INTEGER NOT NULL DEFAULT 0   -- order of the file it came from
);
CREATE INDEX IF NOT EXISTS campaign_calls_campaign ON campaign_calls(campaign, state);
CREATE INDEX IF NOT EXISTS campaign_calls_number ON campaign_calls(campaign, number);

CREATE TABLE IF NOT EXISTS campaign_reports (
    call_id  TEXT NOT NULL,
    final    INTEGER NOT NULL,
    "when"   INTEGER NOT NULL DEFAULT -1,  -- -1 when the report had none
    result   TEXT NOT NULL,
    duration INTEGER,
    vars     TEXT NOT NULL DEFAULT '{}',
    received REAL NOT NULL,
    PRIMARY KEY (call_id, final, "when")
);

CREATE TABLE IF NOT EXISTS campaign_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS campaign_callbacks (
    call_id  TEXT PRIMARY KEY,
    rule     TEXT NOT NULL,                -- the name of the rule that picked it
    created  REAL NOT NULL,
    done_at  REAL,
    done_by  TEXT NOT NULL DEFAULT ''      -- the extension that marked it done
);
"""


@dataclass(frozen=True)
class NewCall:
    """A call to store before sending: ``number`` in normal form."""

    id: str
    number: str
    vars: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Report:
    """One attempt's outcome, from a ``/campaign/report`` webhook or a status request."""

    call_id: str
    final: bool
    result: CampaignResult
    vars: dict[str, Any] = field(default_factory=dict)
    when: int | None = None
    duration: int | None = None

    @classmethod
    def from_webhook(cls, report: CampaignReport) -> Report:
        return cls(report.id, bool(report.final), CampaignResult(report.result), dict(report.vars or {}),
                   report.when, report.duration)

    @classmethod
    def from_status(cls, status: CampaignCallStatus) -> Report | None:
        """None while the call has no outcome yet (waiting or being called: no result, not final)."""
        result = CampaignResult[status.result.name] if status.result.name in CampaignResult.__members__ \
            else CampaignResult.UNKNOWN
        if result is CampaignResult.UNKNOWN and not status.final:
            return None
        when = int(status.when.timestamp()) if status.when is not None else None
        return cls(status.id, status.final, result, dict(status.vars), when, status.duration)


@dataclass(frozen=True)
class StoredCall:
    call_id: str
    campaign: int
    number: str
    vars: dict[str, Any]
    state: CallState
    error: str
    uncertain: bool
    result: CampaignResult | None
    final: bool
    attempts: int
    duration: int | None
    started: int | None
    answers: dict[str, Any]
    created: float
    sent: float | None
    updated: float

    @property
    def error_text(self) -> Text | None:
        """Why the last send failed, for the operator (``error`` holds it as :meth:`Text.dumps`)."""
        return Text.loads(self.error) if self.error else None

    @property
    def all_vars(self) -> dict[str, Any]:
        """What was sent, with what the robot reported over it (the seed: a report's vars are
        the ones passed to the scenario and the ones it set)."""
        return {**self.vars, **self.answers}


@dataclass(frozen=True)
class Callback:
    """A call on the call-back work list."""

    call_id: str
    rule: str
    created: float
    done_at: float | None
    done_by: str
    campaign: int
    number: str
    result: CampaignResult | None
    final: bool
    started: int | None
    answers: dict[str, Any]
    vars: dict[str, Any]  # sent with the call

    @property
    def done(self) -> bool:
        return self.done_at is not None


_CALL_COLUMNS = ("call_id, campaign, number, vars, state, error, uncertain, result, final, attempts, duration,"
                 " started, answers, created, sent, updated")
_CALLBACK_COLUMNS = ("b.call_id, b.rule, b.created, b.done_at, b.done_by, c.campaign, c.number, c.result, c.final,"
                     " c.started, c.answers, c.vars")


def _call(row: Sequence[Any]) -> StoredCall:
    (call_id, campaign, number, variables, state, error, uncertain, result, final, attempts, duration, started,
     answers, created, sent, updated) = row
    return StoredCall(call_id, campaign, number, json.loads(variables), CallState(state), error, bool(uncertain),
                      CampaignResult(result) if result else None, bool(final), attempts, duration, started,
                      json.loads(answers), created, sent, updated)


def _callback(row: Sequence[Any]) -> Callback:
    call_id, rule, created, done_at, done_by, campaign, number, result, final, started, answers, variables = row
    return Callback(call_id, rule, created, done_at, done_by, campaign, number,
                    CampaignResult(result) if result else None, bool(final), started, json.loads(answers),
                    json.loads(variables))


def _json(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=False)


def _number_in(variables: dict[str, Any]) -> str:
    for key, value in variables.items():
        if str(key).strip().casefold() in _NUMBER_KEYS and isinstance(value, (str, int)):
            return try_normalize(str(value)) or ""
    return ""


# Picks the rule name for a report, or None (see :mod:`desktop_app.campaigns.rules`).
RulePicker = Callable[[StoredCall], str | None]


class CampaignStore:
    """Campaign calls, reports and call-backs in ``desk.sqlite3``; see the module docstring."""

    def __init__(self, db: Path | str | sqlite3.Connection, *, clock: Clock = time.time) -> None:
        if isinstance(db, sqlite3.Connection):
            self._conn, self._owned = db, False
        else:
            self._conn, self._owned = database.connect(db), True
        self._clock = clock
        self.on_change: list[Callable[[], None]] = []
        try:
            database.ensure_schema(self._conn, SCHEMA)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self._owned:
            self._conn.close()

    def __enter__(self) -> CampaignStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def meta(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM campaign_meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self._conn.execute("INSERT INTO campaign_meta (key, value) VALUES (?, ?)"
                           " ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, value))

    def _changed(self) -> None:
        for callback in list(self.on_change):
            callback()

    # -- queueing ----------------------------------------------------------------------

    def add_calls(self, campaign: int, calls: Iterable[NewCall]) -> int:
        """Store new calls as pending, in one transaction; returns how many. An id already
        stored raises ``sqlite3.IntegrityError`` and nothing is stored."""
        now = self._clock()
        with write_transaction(self._conn):
            start = self._conn.execute("SELECT COALESCE(MAX(seq), 0) FROM campaign_calls").fetchone()[0]
            rows = [(call.id, campaign, call.number, _json(call.vars), CallState.PENDING.value, now, now, start + index)
                    for index, call in enumerate(calls, 1)]
            self._conn.executemany(
                "INSERT INTO campaign_calls (call_id, campaign, number, vars, state, created, updated, seq)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        if rows:
            self._changed()
        return len(rows)

    def register_calls(self, campaign: int, calls: Iterable[NewCall]) -> int:
        """Calls another desk queued (an office relay learns them so that its call-back list
        has their numbers): stored as queued; a call known only from a report gets its
        campaign, number and variables; one already stored stays as it is."""
        now = self._clock()
        with write_transaction(self._conn):
            start = self._conn.execute("SELECT COALESCE(MAX(seq), 0) FROM campaign_calls").fetchone()[0]
            rows = [(call.id, campaign, call.number, _json(call.vars), CallState.QUEUED.value, now, now, now,
                     start + index) for index, call in enumerate(calls, 1)]
            changed = sum(self._conn.execute(
                "INSERT INTO campaign_calls (call_id, campaign, number, vars, state, created, sent, updated, seq)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (call_id) DO UPDATE SET"
                " campaign = excluded.campaign, number = excluded.number, vars = excluded.vars, seq = excluded.seq"
                " WHERE campaign_calls.campaign = 0", row).rowcount for row in rows)
        if changed:
            self._changed()
        return changed

    def known_ids(self, ids: Iterable[str]) -> set[str]:
        """Which of ``ids`` are stored already (in any campaign)."""
        found: set[str] = set()
        chunk: list[str] = []
        for call_id in ids:
            chunk.append(call_id)
            if len(chunk) == 500:
                found |= self._known(chunk)
                chunk = []
        return found | self._known(chunk) if chunk else found

    def _known(self, ids: list[str]) -> set[str]:
        marks = ",".join("?" * len(ids))
        return {row[0] for row in self._conn.execute(f"SELECT call_id FROM campaign_calls WHERE call_id IN ({marks})",
                                                     ids)}

    def waiting_numbers(self, campaign: int) -> dict[str, str]:
        """``{number: call_id}`` of the calls the robot of ``campaign`` may still make."""
        marks = ",".join("?" * len(WAITING))
        rows = self._conn.execute(
            f"SELECT number, call_id FROM campaign_calls WHERE campaign = ? AND state IN ({marks})",
            (campaign, *WAITING))
        return dict(rows.fetchall())

    def unsent(self, campaign: int) -> list[StoredCall]:
        """Pending and failed calls of ``campaign``, in the order they were stored."""
        return self._select("WHERE campaign = ? AND state IN (?, ?) ORDER BY seq", (campaign, *UNSENT))

    def unsent_count(self, campaign: int) -> int:
        return self._conn.execute("SELECT COUNT(*) FROM campaign_calls WHERE campaign = ? AND state IN (?, ?)",
                                  (campaign, *UNSENT)).fetchone()[0]

    def mark_sent(self, call_ids: Iterable[str]) -> None:
        now = self._clock()
        self._update(call_ids, "state = ?, error = '', uncertain = 0, sent = COALESCE(sent, ?), updated = ?",
                     (CallState.QUEUED.value, now, now), only_states=UNSENT)

    def mark_failed(self, call_ids: Iterable[str], error: str, *, uncertain: bool) -> None:
        self._update(call_ids, "state = ?, error = ?, uncertain = ?, updated = ?",
                     (CallState.FAILED.value, error, int(uncertain), self._clock()), only_states=UNSENT)

    def mark_not_sent(self, call_ids: Iterable[str]) -> None:
        """The PBX does not have these (asked after an uncertain send): send them again."""
        self._update(call_ids, "uncertain = 0, updated = ?", (self._clock(),), only_states=UNSENT)

    def mark_lost(self, call_id: str, error: str) -> None:
        """A queued call the PBX does not know (a status request answered 404): send it again."""
        self._update([call_id], "state = ?, error = ?, uncertain = 0, updated = ?",
                     (CallState.FAILED.value, error, self._clock()), only_states=(CallState.QUEUED,))

    def mark_deleted(self, call_id: str) -> None:
        self._update([call_id], "state = ?, updated = ?", (CallState.DELETED.value, self._clock()))

    def forget(self, call_ids: Iterable[str]) -> int:
        """Remove unsent calls that will never be sent (the operator dropped them)."""
        ids = list(call_ids)
        marks = ",".join("?" * len(UNSENT))
        with write_transaction(self._conn):
            removed = sum(self._conn.execute(
                f"DELETE FROM campaign_calls WHERE call_id = ? AND state IN ({marks})", (call_id, *UNSENT)).rowcount
                for call_id in ids)
        if removed:
            self._changed()
        return removed

    def _update(self, call_ids: Iterable[str], assignments: str, values: tuple[Any, ...],
                only_states: Sequence[str] | None = None) -> None:
        sql = f"UPDATE campaign_calls SET {assignments} WHERE call_id = ?"
        extra: tuple[Any, ...] = ()
        if only_states is not None:
            sql += f" AND state IN ({','.join('?' * len(only_states))})"
            extra = tuple(only_states)
        with write_transaction(self._conn):
            self._conn.executemany(sql, ((*values, call_id, *extra) for call_id in call_ids))
        self._changed()

    # -- reports -----------------------------------------------------------------------

    def apply_report(self, report: Report, pick: RulePicker | None = None) -> StoredCall:
        """Keep one report and bring its call up to date; ``pick`` may put the call on the
        call-back list. A report already kept changes nothing."""
        now = self._clock()
        with write_transaction(self._conn):
            new = self._conn.execute(
                'INSERT INTO campaign_reports (call_id, final, "when", result, duration, vars, received)'
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (report.call_id, int(report.final), -1 if report.when is None else report.when,
                 report.result.value, report.duration, _json(report.vars), now)).rowcount == 1
            if self._get(report.call_id) is None:
                self._conn.execute(
                    "INSERT INTO campaign_calls (call_id, campaign, number, state, created, updated)"
                    " VALUES (?, 0, ?, ?, ?, ?)",
                    (report.call_id, _number_in(report.vars), CallState.QUEUED.value, now, now))
            if new:
                self._summarize(report.call_id, now)
            call = self._get(report.call_id)
            assert call is not None
            if new and pick is not None and (rule := pick(call)) is not None:
                self._conn.execute(
                    "INSERT INTO campaign_callbacks (call_id, rule, created) VALUES (?, ?, ?)"
                    " ON CONFLICT (call_id) DO NOTHING", (call.call_id, rule, now))
        if new:
            self._changed()
        return call

    def _summarize(self, call_id: str, now: float) -> None:
        """The call's result, answers... from its latest report: the final one if any, else
        the latest by ``when``, else the last received."""
        latest = self._conn.execute(
            'SELECT final, result, duration, "when", vars FROM campaign_reports WHERE call_id = ?'
            ' ORDER BY final DESC, "when" DESC, received DESC LIMIT 1', (call_id,)).fetchone()
        attempts = self._conn.execute("SELECT COUNT(*) FROM campaign_reports WHERE call_id = ?",
                                      (call_id,)).fetchone()[0]
        final, result, duration, when, answers = latest
        state = CallState.DONE if final else CallState.RETRYING
        self._conn.execute(
            "UPDATE campaign_calls SET result = ?, final = ?, duration = ?, started = ?, answers = ?, attempts = ?,"
            " state = CASE WHEN state = ? THEN state ELSE ? END, error = '', uncertain = 0, updated = ?"
            " WHERE call_id = ?",
            (result, final, duration, None if when == -1 else when, answers, attempts, CallState.DELETED.value,
             state.value, now, call_id))

    def confirm_queued(self, call_id: str) -> None:
        """A status request found the call in the PBX's queue, not tried yet."""
        self._update([call_id], "state = ?, error = '', uncertain = 0, sent = COALESCE(sent, ?), updated = ?",
                     (CallState.QUEUED.value, self._clock(), self._clock()), only_states=UNSENT)

    # -- reading -----------------------------------------------------------------------

    def get(self, call_id: str) -> StoredCall | None:
        return self._get(call_id)

    def _get(self, call_id: str) -> StoredCall | None:
        found = self._select("WHERE call_id = ?", (call_id,))
        return found[0] if found else None

    def calls(self, campaign: int | None = None, *, states: Iterable[CallState] = (),
              results: Iterable[CampaignResult | None] = (), limit: int = -1) -> list[StoredCall]:
        """Calls in the order they were stored (reports of unknown calls last), filtered by
        campaign, state and result (None: no result yet); at most ``limit`` (-1: all)."""
        where, args = self._filter(campaign, states, results)
        return self._select(f"{where} ORDER BY seq = 0, seq, created LIMIT ?", (*args, limit))

    def count(self, campaign: int | None = None, *, states: Iterable[CallState] = (),
              results: Iterable[CampaignResult | None] = ()) -> int:
        where, args = self._filter(campaign, states, results)
        return self._conn.execute(f"SELECT COUNT(*) FROM campaign_calls {where}", args).fetchone()[0]

    def iter_calls(self, campaign: int | None = None) -> Iterator[StoredCall]:
        where, args = self._filter(campaign, (), ())
        for row in self._conn.execute(f"SELECT {_CALL_COLUMNS} FROM campaign_calls {where}"
                                      " ORDER BY seq = 0, seq, created", args):
            yield _call(row)

    def totals(self, campaign: int | None = None) -> dict[str, int]:
        """How many calls in each state and with each result: ``{"state:done": 3,
        "result:success": 2, "result:": 5, "all": 8}`` ("result:" counts calls without one)."""
        where, args = self._filter(campaign, (), ())
        counts: dict[str, int] = {"all": 0}
        for state, result, count in self._conn.execute(
                f"SELECT state, COALESCE(result, ''), COUNT(*) FROM campaign_calls {where} GROUP BY state, result",
                args):
            counts["all"] += count
            counts[f"state:{state}"] = counts.get(f"state:{state}", 0) + count
            counts[f"result:{result}"] = counts.get(f"result:{result}", 0) + count
        return counts

    def campaigns(self) -> list[int]:
        return [row[0] for row in self._conn.execute(
            "SELECT DISTINCT campaign FROM campaign_calls WHERE campaign > 0 ORDER BY campaign")]

    def last_campaign(self) -> int | None:
        """The campaign calls were last queued in (the one an operator most likely follows)."""
        row = self._conn.execute("SELECT campaign FROM campaign_calls WHERE campaign > 0"
                                 " ORDER BY created DESC, seq DESC LIMIT 1").fetchone()
        return row[0] if row else None

    @staticmethod
    def _filter(campaign: int | None, states: Iterable[CallState],
                results: Iterable[CampaignResult | None]) -> tuple[str, tuple[Any, ...]]:
        clauses: list[str] = []
        args: list[Any] = []
        if campaign is not None:
            clauses.append("campaign = ?")
            args.append(campaign)
        states = [CallState(state).value for state in states]
        if states:
            clauses.append(f"state IN ({','.join('?' * len(states))})")
            args.extend(states)
        results = list(results)
        if results:
            known = [CampaignResult(result).value for result in results if result is not None]
            parts = [f"result IN ({','.join('?' * len(known))})"] if known else []
            if None in results:
                parts.append("result IS NULL")
            clauses.append("(" + " OR ".join(parts) + ")")
            args.extend(known)
        return ("WHERE " + " AND ".join(clauses)) if clauses else "", tuple(args)

    def _select(self, tail: str, args: Sequence[Any]) -> list[StoredCall]:
        return [_call(row) for row in self._conn.execute(f"SELECT {_CALL_COLUMNS} FROM campaign_calls {tail}", args)]

    # -- call-backs --------------------------------------------------------------------

    def callbacks(self, *, include_done: bool = False) -> list[Callback]:
        """The work list, oldest first; done ones (when asked) after the open ones."""
        where = "" if include_done else "WHERE b.done_at IS NULL"
        return [_callback(row) for row in self._conn.execute(
            f"SELECT {_CALLBACK_COLUMNS} FROM campaign_callbacks b JOIN campaign_calls c USING (call_id) {where}"
            " ORDER BY b.done_at IS NOT NULL, b.created, b.call_id")]

    def mark_done(self, call_id: str, by: str, done: bool = True, at: float | None = None) -> bool:
        """Mark a call-back done (or open again). False when the call is not on the list or
        already so: a second click, or another desk was first."""
        if done:
            changed = self._conn.execute(
                "UPDATE campaign_callbacks SET done_at = ?, done_by = ? WHERE call_id = ? AND done_at IS NULL",
                (self._clock() if at is None else at, by, call_id)).rowcount
        else:
            changed = self._conn.execute(
                "UPDATE campaign_callbacks SET done_at = NULL, done_by = '' WHERE call_id = ? AND done_at IS NOT NULL",
                (call_id,)).rowcount
        if changed:
            self._changed()
        return bool(changed)

    def pick_callbacks(self, pick: RulePicker) -> int:
        """Put on the list every reported call that ``pick`` chooses now and is not there yet
        (after the rules changed). Nothing is ever taken off."""
        now = self._clock()
        added = 0
        with write_transaction(self._conn):
            candidates = self._select(
                "WHERE attempts > 0 AND call_id NOT IN (SELECT call_id FROM campaign_callbacks)", ())
            for call in candidates:
                rule = pick(call)
                if rule is not None:
                    self._conn.execute("INSERT INTO campaign_callbacks (call_id, rule, created) VALUES (?, ?, ?)",
                                       (call.call_id, rule, now))
                    added += 1
        if added:
            self._changed()
        return added
