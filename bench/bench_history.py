"""The call history table at scale: load, sort, filter and export 100,000 calls.

    QT_QPA_PLATFORM=offscreen python bench/bench_history.py [--rows 100000] [--clients 20000] [--contacts 10000]

The calls are what the PBX's ``history`` answer holds (JSON objects parsed with
``CallRecord.from_json``), ``--clients`` distinct client numbers, ``--contacts`` of them known
to a real contact directory (SQLite, looked up with ``find_by_number`` as the window does).
Rows are built with the window's :class:`RowBuilder` (numbers formatted with
``phone.display``, names looked up once per number), loaded into :class:`HistoryModel` behind
:class:`HistoryFilterProxy` with a shown :class:`QTableView` (offscreen), then sorted by every
column, filtered, and exported as the window does. Times are wall clock; memory is measured in
a second pass under tracemalloc (which slows Python down, so it is not timed), and as the
growth of the process's resident set across the timed build and load.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

REPEATS = 5
_FIRST = ("Иван", "Мария", "Пётр", "Анна", "Сергей", "Ольга", "Алексей", "Елена")
_LAST = ("Иванов", "Смирнова", "Кузнецов", "Попова", "Соколов", "Лебедева", "Орлов", "Белова")


def history_payload(rows: int, numbers: list[str], seed: int = 1) -> list[dict]:
    """``rows`` calls as the PBX's history answer has them, newest first."""
    rng = random.Random(seed)
    start = 1_700_000_000
    items = []
    for i in range(rows):
        kind = rng.choices(("in", "out", "missed"), (5, 4, 1))[0]
        answered = kind != "missed" and rng.random() > 0.1
        item = {
            "id": f"{rng.getrandbits(64):016x}",
            "type": kind,
            "account": str(700 + rng.randrange(40)),
            "client": rng.choice(numbers),
            "via": rng.choice(("74951112233", "74952302344", "78005553535")),
            "start": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(start - i * 25)),
            "wait": rng.randint(3, 45),
            "duration": int(rng.lognormvariate(4.6, 0.8)) + 5 if answered else 0,
        }
        if answered:
            item["record"] = f"https://records.gravitel.ru/bench.aicall.ru/{item['id']}.mp3"
        items.append(item)
    return items


def rss_bytes() -> int:
    """The resident set now (Linux), else the peak so far."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def timed(action: Callable[[], object]) -> tuple[float, object]:
    began = time.perf_counter()
    result = action()
    return time.perf_counter() - began, result


def median_of(repeats: int, action: Callable[[], object]) -> float:
    """The median time of ``repeats`` runs: the machine is shared, single runs vary."""
    return statistics.median(timed(action)[0] for _ in range(repeats))


def _run(args: argparse.Namespace, app, db: Path) -> list[str]:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QTableView

    from desktop_app.contacts.directory import Contact, ContactDirectory
    from desktop_app.gui.windows.history_model import (
        COLUMN_COUNT,
        HistoryFilterProxy,
        HistoryModel,
        RowBuilder,
        merge_rows,
        time_format,
    )
    from desktop_app.core.csv_export import write_csv
    from desktop_app.pbx.types import CallRecord, HistoryType

    rng = random.Random(7)
    numbers = [f"79{value:09d}" for value in rng.sample(range(10**9), args.clients)]
    directory = ContactDirectory(db)
    with directory.transaction():
        for index, number in enumerate(numbers[: args.contacts]):
            directory.add(Contact(name=f"{_LAST[index % 8]} {_FIRST[index % 8]} {index}", phones=(number,)))
    payload = history_payload(args.rows, numbers)

    def name_of(number: str) -> str:
        found = directory.find_by_number(number)
        return found[0].title if found else ""

    lines: list[str] = []

    def row(name: str, seconds: float, note: str = "") -> None:
        lines.append(f"| {name:<44} | {seconds * 1e3:>10.1f} | {note:<28} |")

    gc.collect()
    rss_before = rss_bytes()
    seconds, records = timed(lambda: [CallRecord.from_json(item) for item in payload])
    row("parse the PBX answer (CallRecord.from_json)", seconds, f"{args.rows:,} calls")
    seconds, rows = timed(lambda: merge_rows(RowBuilder(name_of, time_format()), records, []))
    row("build rows (display strings, contact names)", seconds, f"{args.clients:,} numbers looked up")

    model = HistoryModel()
    proxy = HistoryFilterProxy()
    proxy.setSourceModel(model)
    view = QTableView()
    view.setModel(proxy)
    view.verticalHeader().setSectionResizeMode(view.verticalHeader().ResizeMode.Fixed)
    view.resize(1100, 600)
    view.show()
    app.processEvents()

    def load() -> None:
        model.set_rows(rows)
        proxy.rowCount()
        view.viewport().repaint()

    seconds, _ = timed(load)
    row("load into model + proxy + view (one reset)", seconds, f"{proxy.rowCount():,} rows shown")
    rss_after = rss_bytes()

    for column in range(COLUMN_COUNT):
        title = model.header(column)

        def both_ways() -> None:
            for order in (Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder):
                proxy.sort(column, order)
                proxy.rowCount()
                view.viewport().repaint()

        row(f"sort by {title}", median_of(REPEATS, both_ways) / 2, "one sort, with repaint")
    proxy.sort(0, Qt.SortOrder.DescendingOrder)

    target = numbers[3]
    number = "8 " + target[1:4] + " " + target[4:7] + "-" + target[7:9] + "-" + target[9:]
    for name, action in (
        ("search a whole number (8 999 ... form)", lambda: proxy.set_search(number)),
        ("search 3 digits", lambda: proxy.set_search(target[4:7])),
        ("search a name", lambda: proxy.set_search(_LAST[1])),
        ("type filter: missed", lambda: proxy.set_type(HistoryType.MISSED)),
        ("clear the type filter", lambda: proxy.set_type(HistoryType.ALL)),
    ):
        if name.startswith("type"):
            proxy.set_search("")  # alone, not combined with a search
        seconds = median_of(REPEATS, lambda: (action(), proxy.rowCount(), view.viewport().repaint()))
        row(name, seconds, f"{proxy.rowCount():,} rows shown")

    proxy.set_search(_LAST[1])
    seconds, visible = timed(proxy.visible_rows)
    row("visible rows for export (filtered)", seconds, f"{len(visible):,} rows")
    proxy.set_search("")
    with tempfile.TemporaryDirectory() as out:
        every = proxy.visible_rows()
        path = Path(out) / "calls.csv"
        header = [model.header(c) for c in range(COLUMN_COUNT)]
        seconds, _ = timed(lambda: write_csv(path, header, ([model.text(r, c) for c in range(COLUMN_COUNT)]
                                                             for r in every)))
        row("write CSV (every row)", seconds, f"{path.stat().st_size / 2**20:.1f} MiB")

    # Memory, under tracemalloc (slower, so not timed): what building and loading allocate.
    model.set_rows([])
    del rows, records
    gc.collect()
    tracemalloc.start()
    records = [CallRecord.from_json(item) for item in payload]
    base = tracemalloc.get_traced_memory()[0]
    rows = merge_rows(RowBuilder(name_of, time_format()), records, [])
    model.set_rows(rows)
    proxy.rowCount()
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    view.close()
    directory.close()

    mib = 2**20
    summary = [
        f"- tracemalloc, build + load: peak {(peak - base) / mib:.1f} MiB, kept {(current - base) / mib:.1f} MiB "
        f"({(current - base) / len(rows):.0f} bytes per row, parsed records not counted)",
        f"- resident set growth across parse + build + load: {(rss_after - rss_before) / mib:.1f} MiB",
    ]
    return lines, summary


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=20_000, help="distinct client numbers")
    parser.add_argument("--contacts", type=int, default=10_000, help="how many of them are contacts")
    args = parser.parse_args(argv)
    if not 0 < args.contacts <= args.clients:
        parser.error("--contacts must be between 1 and --clients")
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QApplication

    existing = QCoreApplication.instance()
    if existing is not None and not isinstance(existing, QApplication):
        # Another benchmark of this run made a QCoreApplication; widgets need their own process.
        subprocess.run([sys.executable, __file__, *(argv if argv is not None else sys.argv[1:])], check=True)
        return
    app = existing or QApplication([])
    with tempfile.TemporaryDirectory() as temp:
        lines, summary = _run(args, app, Path(temp) / "desk.sqlite3")
    print(f"History window: {args.rows:,} calls, {args.clients:,} client numbers, {args.contacts:,} contacts; "
          f"Python {sys.version.split()[0]}, PySide6 {pyside_version}, {os.cpu_count()} CPUs, "
          f"platform {app.platformName()}\n")
    print(f"| {'operation':<44} | {'ms':>10} | {'note':<28} |")
    print(f"|{'-' * 46}|{'-' * 11}:|{'-' * 30}|")
    print("\n".join(lines))
    print()
    print("\n".join(summary))


if __name__ == "__main__":
    main()
