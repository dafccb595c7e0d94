"""Webhook to caller card: how long from posting ``/event`` alerting until the card shows.

    QT_QPA_PLATFORM=offscreen python bench/bench_cards.py [--calls 300] [--burst 20] [--contacts 100000]

The app's own path runs in a qasync app: a real :class:`Listener` on 127.0.0.1 (auth,
parse, journal commit), the app's ``on_webhook`` (call log, then the tracker), the
:class:`CardStack` (contact and last calls looked up synchronously in a directory of
``--contacts`` contacts; card built, placed and shown). The PBX is another process, as in
real life: an httpx client on one keep-alive connection posts a call's alerting, then its
released, then the next call. Each card is timed from just before its POST until the
stack's ``card_shown`` (emitted once ``show()`` has run the card's showEvent); both sides
read ``time.perf_counter`` (the system-wide monotonic clock on Linux). The same calls handed
to ``on_webhook`` directly show what the card itself costs. A burst posts ``--burst``
alerting events at once over 4 connections; the cards that fit on the screen are timed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.path.insert(0, str(Path(__file__).resolve().parent))

TOKEN = "bench-cards-token"
WARMUP = 20
SETTLE = 0.02  # seconds the PBX process waits after a released, so the card is gone before the next call


def _row(name: str, times: list[float]) -> str:
    ordered = sorted(times)
    p50 = statistics.median(ordered)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"| {name:<44} | {len(times):>6} | {p50 * 1e3:>7.2f} | {p99 * 1e3:>7.2f} | {ordered[-1] * 1e3:>7.2f} |"


# --- the PBX process ---------------------------------------------------------------------------


def _pbx(url: str, plan_file: str) -> None:
    """Post the planned calls; print when each alerting was sent (and answered) as JSON."""
    import httpx

    plan = json.loads(Path(plan_file).read_text())
    headers = {"X-API-KEY": TOKEN}

    def body(call_id: str, number: str, stage: str) -> dict:
        return {"id": call_id, "direction": "In", "client": number, "extension": "701", "phone": "74951112233",
                "stage": stage}

    sequential, health = [], []
    with httpx.Client(base_url=url, headers=headers, timeout=30) as http:
        for _ in range(len(plan["sequential"])):
            start = time.perf_counter()
            http.get("/health").raise_for_status()
            health.append(time.perf_counter() - start)
        for call_id, number in plan["sequential"]:
            start = time.perf_counter()
            http.post("/event", json=body(call_id, number, "Alerting")).raise_for_status()
            sequential.append((call_id, start, time.perf_counter()))
            http.post("/event", json=body(call_id, number, "Released")).raise_for_status()
            time.sleep(SETTLE)
    burst = []
    limits = httpx.Limits(max_connections=4, max_keepalive_connections=4)
    with httpx.Client(base_url=url, headers=headers, timeout=30, limits=limits) as http:
        http.get("/health")

        def alert(call: list[str]) -> tuple[str, float]:
            start = time.perf_counter()
            http.post("/event", json=body(call[0], call[1], "Alerting")).raise_for_status()
            return call[0], start

        with ThreadPoolExecutor(4) as pool:
            burst = list(pool.map(alert, plan["burst"]))
        for call_id, number in plan["burst"]:
            http.post("/event", json=body(call_id, number, "Released")).raise_for_status()
    print(json.dumps({"sequential": sequential, "burst": burst, "health": health}))


# --- the desk ----------------------------------------------------------------------------------


async def _run(args: argparse.Namespace, temp: Path) -> list[str]:
    from bench_contacts import fill_directory

    from desktop_app.calls.call_log import CallLog
    from desktop_app.calls.dispatcher import CallDispatcher
    from desktop_app.calls.tracker import CallTracker
    from desktop_app.contacts.directory import ContactDirectory
    from desktop_app.core.settings import Settings
    from desktop_app.gui.cards.card_stack import CardStack
    from desktop_app.webhooks.listener import Listener
    from desktop_app.webhooks.types import CallEvent, event_from_dict

    db = temp / "desk.sqlite3"
    numbers = fill_directory(db, args.contacts, samples=max(args.calls + args.burst + WARMUP, 100))
    contacts = ContactDirectory(db)
    log = CallLog(db)
    settings = Settings()
    settings.pbx.extension = "701"
    tracker = CallTracker.from_settings(settings)
    stack = CardStack(tracker, settings, contacts=contacts, call_log=log, employees={"701": "Bench"},
                      fade_delay_ms=0)

    burst_fit: set[str] = set()  # burst cards on screen when the first burst call ended
    dispatcher = CallDispatcher(log, tracker)  # as the app wires it

    def on_webhook(webhook) -> None:
        if isinstance(webhook, CallEvent) and webhook.id.startswith("burst") and webhook.stage == "released" \
                and not burst_fit:
            burst_fit.update(card.call_id for card in stack.visible_cards)
        dispatcher(webhook)

    shown: dict[str, float] = {}
    stack.card_shown.connect(lambda card: shown.setdefault(card.call_id, time.perf_counter()))
    listener = Listener(db_path=db, crm_token=TOKEN, host="127.0.0.1", port=0, on_webhook=on_webhook,
                        client_lookup=lambda request: contacts.lookup_client(request.client))
    await listener.start()
    rows = []
    try:
        plan = {
            "sequential": [(f"seq{i}", numbers[i % len(numbers)]) for i in range(WARMUP + args.calls)],
            "burst": [(f"burst{i}", numbers[-1 - i]) for i in range(args.burst)],
        }
        plan_file = temp / "plan.json"
        plan_file.write_text(json.dumps(plan))
        # A thread waits for the PBX process, so the loop goes on serving it.
        done = await asyncio.to_thread(
            subprocess.run, [sys.executable, __file__, "--pbx", listener.url, str(plan_file)],
            capture_output=True, text=True, timeout=600,
        )
        if done.returncode != 0:
            raise RuntimeError(f"the PBX process failed: {done.stderr.strip()[-2000:]}")
        sent = json.loads(done.stdout)
        timed = sent["sequential"][WARMUP:]
        rows.append(_row("alerting -> card shown, one at a time", [shown[c] - start for c, start, _ in timed]))
        rows.append(_row("alerting -> HTTP 200 at the PBX (same calls)", [end - start for _, start, end in timed]))
        rows.append(_row("GET /health round trip (the floor)", sent["health"][WARMUP:]))
        if args.burst > 0:
            burst = [shown[c] - start for c, start in sent["burst"] if c in burst_fit]
            rows.append(_row(f"alerting -> card shown, {args.burst} at once", burst))
        while stack.cards:
            await asyncio.sleep(0.01)

        # The same work without HTTP: on_webhook (call log, tracker, card built and shown).
        direct = []
        for i in range(args.calls):
            call_id = f"direct{i}"
            body = {"id": call_id, "direction": "In", "client": numbers[(i + 7) % len(numbers)], "extension": "701",
                    "phone": "74951112233"}
            start = time.perf_counter()
            on_webhook(event_from_dict({**body, "stage": "Alerting"}))
            direct.append(shown[call_id] - start)
            on_webhook(event_from_dict({**body, "stage": "Released"}))
            while stack.cards:
                await asyncio.sleep(0)
        rows.append(_row("on_webhook -> card shown (no HTTP)", direct))
        if args.burst > 0:
            rows.append(f"\n(burst: {len(burst)} of {args.burst} cards fit on the {_screen()} screen at once and"
                        " are timed; the rest wait for room and show as others close)")
    finally:
        await listener.close()
        stack.close()
        log.close()
        contacts.close()
    return rows


def _screen() -> str:
    from PySide6.QtGui import QGuiApplication

    size = QGuiApplication.primaryScreen().availableGeometry()
    return f"{size.width()}x{size.height()} {QGuiApplication.platformName()}"


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--pbx"]:
        _pbx(argv[1], argv[2])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--burst", type=int, default=20)
    parser.add_argument("--contacts", type=int, default=100_000)
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import QCoreApplication, qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    existing = QCoreApplication.instance()
    if existing is not None and not isinstance(existing, QApplication):
        # Another benchmark of this run made a QCoreApplication; widgets need their own process.
        subprocess.run([sys.executable, __file__, *argv], check=True)
        return
    import qasync

    def quiet_offscreen_notes(_kind, _context, message: str) -> None:
        # The offscreen platform notes it cannot raise windows, once per card; nothing is wrong.
        if "This plugin does not support" not in message:
            print(message, file=sys.stderr)

    qInstallMessageHandler(quiet_offscreen_notes)
    app = existing or QApplication([])
    with tempfile.TemporaryDirectory() as temp:
        rows: list[str] = []

        async def go() -> None:
            rows.extend(await _run(args, Path(temp)))

        qasync.run(go())
    print(f"Caller cards: {args.contacts:,} contacts; Python {sys.version.split()[0]}, PySide6 {pyside_version},"
          f" {os.cpu_count()} CPUs, platform {app.platformName()}\n")
    print(f"| {'path':<44} | {'calls':>6} | {'p50 ms':>7} | {'p99 ms':>7} | {'max ms':>7} |")
    print(f"|{'-' * 46}|{'-' * 7}:|{'-' * 8}:|{'-' * 8}:|{'-' * 8}:|")
    for row in rows:
        print(row)


if __name__ == "__main__":
    main()
