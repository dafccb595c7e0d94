"""Contact directory lookups at scale: fill a directory, time the lookups, print a table.

    python bench/bench_contacts.py [--contacts 1000000] [--lookups 10000] [--db PATH]

:func:`fill_directory` is reusable (the ``/client``-over-HTTP benchmark fills its
directory with it).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desktop_app.contacts.directory import ContactDirectory, fold, normal_form, write_transaction
from desktop_app.contacts.import_export import export_csv, import_file
from desktop_app.core import database
from desktop_app.core.phone import display

SAMPLES = 10_000
_FIRST = ("Иван", "Мария", "Пётр", "Анна", "Сергей", "Ольга", "Алексей", "Елена", "John", "Kate")
_LAST = ("Иванов", "Смирнова", "Кузнецов", "Попова", "Соколов", "Лебедева", "Smith", "Brown")
_COMPANY = ("Ромашка", "Вектор", "Север", "Альфа", "Гранит", "Acme", "Globex")


def fill_directory(path: Path | str, n: int, *, seed: int = 1, samples: int = SAMPLES) -> list[str]:
    """Add ``n`` contacts with one mobile number each to the directory at ``path``, fast.

    One ``executemany`` per table in one transaction; the rows are what
    :meth:`ContactDirectory.add` would store (normal-form numbers, folded search text, the
    search index when this SQLite has one).
    Returns up to ``samples`` of the added numbers (normal form), in random order.
    """
    rng = random.Random(seed)
    with ContactDirectory(path) as created:  # creates the tables
        indexed = created.indexed
    numbers = [f"79{value:09d}" for value in rng.sample(range(10**9), n)]
    conn = database.connect(path)
    try:
        conn.execute("PRAGMA cache_size = -262144")  # 256 MiB: the number index grows in memory
        now = time.time()
        with write_transaction(conn):
            first_id = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM contacts").fetchone()[0]

            def contacts():
                for index in range(n):
                    name = f"{_LAST[index % len(_LAST)]} {_FIRST[index % len(_FIRST)]} {index}"
                    company = _COMPANY[index % len(_COMPANY)] if index % 3 == 0 else ""
                    manager = str(700 + index % 50) if index % 2 == 0 else ""
                    folded = fold(name) + "\n" + fold(company)
                    yield (first_id + index, name, company, manager, folded, now, now)

            conn.executemany(
                "INSERT INTO contacts (id, name, company, manager, folded, created, updated)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                contacts(),
            )
            conn.executemany(
                "INSERT INTO contact_phones (contact_id, position, number) VALUES (?, 0, ?)",
                ((first_id + index, number) for index, number in enumerate(numbers)),
            )
            if indexed:
                conn.execute(
                    "INSERT INTO contact_search (rowid, folded, numbers)"
                    " SELECT c.id, c.folded, p.number FROM contacts c JOIN contact_phones p ON p.contact_id = c.id"
                    " WHERE c.id >= ?",
                    (first_id,),
                )
    finally:
        conn.close()
    return rng.sample(numbers, min(samples, n))


def _forms(number: str) -> list[str]:
    """Ways people and the PBX write the same number."""
    national = number[1:]
    return [number, "+" + number, display(number), f"8 ({national[:3]}) {national[3:6]}-{national[6:8]}-{national[8:]}"]


def _timed(calls: list[Callable[[], object]]) -> list[float]:
    normal_form.cache_clear()  # each series starts cold, as after a start of the app
    times = []
    for call in calls:
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return times


async def _timed_async(directory: ContactDirectory, numbers: list[str]) -> list[float]:
    normal_form.cache_clear()
    times = []
    for number in numbers:
        start = time.perf_counter()
        await directory.lookup_client(number)
        times.append(time.perf_counter() - start)
    return times


def _row(name: str, times: list[float]) -> str:
    ordered = sorted(times)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"| {name:<38} | {len(times):>7} | {p50 * 1e6:>9.1f} | {p99 * 1e6:>9.1f} | {ordered[-1] * 1e6:>9.1f} |"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=10_000)
    parser.add_argument("--searches", type=int, default=200)
    parser.add_argument("--import-rows", type=int, default=100_000, help="rows of the CSV file to import")
    parser.add_argument("--db", type=Path, help="database file (default: a temporary one)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as temp:
        db = args.db or Path(temp) / "desk.sqlite3"
        start = time.perf_counter()
        samples = fill_directory(db, args.contacts)
        fill_seconds = time.perf_counter() - start
        rng = random.Random(2)
        known = [rng.choice(_forms(rng.choice(samples))) for _ in range(args.lookups)]
        unknown = [f"8 (800) {rng.randrange(10**7):07d}" for _ in range(args.lookups)]  # fill uses 79... only
        text_queries = [rng.choice(("иван", "смирнова", "ромашка", "acme", "пётр 12")) for _ in range(args.searches)]
        first_digits = [display(rng.choice(samples))[:9] for _ in range(args.searches)]  # "+7 999 12"
        last_digits = [rng.choice(samples)[-5:] for _ in range(args.searches)]
        middle_digits = [rng.choice(samples)[4:9] for _ in range(args.searches)]
        absent_names = [f"{rng.choice(('зайцев', 'щукин', 'xyz'))} {rng.randrange(10**6)}" for _ in range(args.searches)]
        two_letters = [rng.choice(("ив", "ан", "ль", "щу", "xy", "ъе")) for _ in range(args.searches)]

        with ContactDirectory(db) as directory:
            count = directory.count()
            indexed = directory.indexed
            rows = [
                _row(
                    "find_by_number (known, mixed forms)",
                    _timed([lambda n=n: directory.find_by_number(n) for n in known]),
                ),
                _row(
                    "client_answer (known, mixed forms)",
                    _timed([lambda n=n: directory.client_answer(n) for n in known]),
                ),
                _row(
                    "client_answer (unknown number)", _timed([lambda n=n: directory.client_answer(n) for n in unknown])
                ),
                _row("await lookup_client (known)", asyncio.run(_timed_async(directory, known))),
                _row("search(name, 20)", _timed([lambda q=q: directory.search(q, 20) for q in text_queries])),
                _row("search(first digits, 20)", _timed([lambda q=q: directory.search(q, 20) for q in first_digits])),
                _row("search(last 5 digits, 20)", _timed([lambda q=q: directory.search(q, 20) for q in last_digits])),
                _row("search(middle 5 digits, 20)", _timed([lambda q=q: directory.search(q, 20) for q in middle_digits])),
                _row("search(a name nobody has, 20)", _timed([lambda q=q: directory.search(q, 20) for q in absent_names])),
                _row("search(two letters, 20)", _timed([lambda q=q: directory.search(q, 20) for q in two_letters])),
            ]
            size_mb = sum(f.stat().st_size for f in db.parent.glob(db.name + "*")) / 2**20
            start = time.perf_counter()
            exported = export_csv(directory, Path(temp) / "export.csv")
            export_seconds = time.perf_counter() - start

        csv_path = Path(temp) / "import.csv"
        with open(csv_path, "w", encoding="cp1251", newline="") as out:
            out.write("ФИО;Компания;Телефон;Менеджер\r\n")
            for index in range(args.import_rows):
                number = f"8 (916) {index // 10_000:03d}-{index // 100 % 100:02d}-{index % 100:02d}"
                out.write(f"Клиент {index};ООО Ромашка;{number};701\r\n")
        with ContactDirectory(Path(temp) / "import.sqlite3") as fresh:
            start = time.perf_counter()
            report = import_file(fresh, csv_path)
            import_seconds = time.perf_counter() - start

    print(
        f"Contacts: {count:,}; fill {fill_seconds:.1f} s ({count / fill_seconds:,.0f}/s); database {size_mb:,.0f} MiB;"
        f" search index: {'FTS5 trigram' if indexed else 'none (no FTS5)'}"
    )
    print(f"| {'operation':<38} | {'calls':>7} | {'p50 µs':>9} | {'p99 µs':>9} | {'max µs':>9} |")
    print(f"|{'-' * 40}|{'-' * 8}:|{'-' * 10}:|{'-' * 10}:|{'-' * 10}:|")
    for row in rows:
        print(row)
    print(f"\nexport_csv: {exported:,} contacts in {export_seconds:.1f} s ({exported / export_seconds:,.0f}/s)")
    print(
        f"import_file: a {args.import_rows:,}-row cp1251 CSV into an empty directory in {import_seconds:.1f} s"
        f" ({args.import_rows / import_seconds:,.0f} rows/s; {report.summary()})"
    )


if __name__ == "__main__":
    main()
