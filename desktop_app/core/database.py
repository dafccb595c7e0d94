"""The profile's SQLite file, ``desk.sqlite3``: one place that opens it the same way.

Each module that keeps data there (webhook journal, contacts, call log) owns its own
tables and creates them with ``CREATE TABLE IF NOT EXISTS`` through :func:`ensure_schema`.
WAL lets the GUI read while the listener writes; ``synchronous=NORMAL`` in WAL mode keeps
every committed transaction across a crash of the process.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

BUSY_TIMEOUT_MS = 5000


def connect(path: Path | str, *, check_same_thread: bool = True) -> sqlite3.Connection:
    """Open ``path`` with the pragmas every user of the file relies on."""
    if isinstance(path, Path):
        path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), check_same_thread=check_same_thread, isolation_level=None)
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")  # fails on a file that is not a database
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
    except BaseException:
        conn.close()
        raise
    return conn


def ensure_schema(conn: sqlite3.Connection, ddl: str, columns: dict[str, dict[str, str]] | None = None) -> None:
    """Run a module's ``CREATE ... IF NOT EXISTS`` statements in one transaction.

    ``columns`` (``{table: {column: "TYPE ..."}}``) lists columns added after a table was
    first shipped: a file made by an older version gets them with ``ALTER TABLE``.
    """
    conn.executescript("BEGIN;\n" + ddl + "\nCOMMIT;")
    for table, wanted in (columns or {}).items():
        have = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        for name, definition in wanted.items():
            if name not in have:
                try:
                    conn.execute(f"ALTER TABLE {table} ADD COLUMN {name} {definition}")
                except sqlite3.OperationalError as exc:  # another process added it meanwhile
                    if "duplicate column" not in str(exc):
                        raise


_savepoints = itertools.count()


@contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction; nested inside an open one, a savepoint.

    ``BEGIN IMMEDIATE`` takes the write lock up front, so a concurrent writer makes us
    wait (busy timeout) instead of failing on a lock upgrade halfway through.
    """
    if conn.in_transaction:
        name = f"sp{next(_savepoints)}"
        conn.execute(f"SAVEPOINT {name}")
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:
                conn.execute(f"ROLLBACK TO {name}")
                conn.execute(f"RELEASE {name}")
            raise
        conn.execute(f"RELEASE {name}")
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
