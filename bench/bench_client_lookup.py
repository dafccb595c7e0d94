"""``/client`` over HTTP with a million contacts: what the PBX waits for before it rings.

    python bench/bench_client_lookup.py [--contacts 1000000] [--requests 5000]

The listener runs on a plain asyncio loop with the real directory; the PBX side is a
separate process posting keep-alive ``/client`` requests for numbers written in
mixed forms (``8 999 ...``, ``+7 (999) ...``, ``7999...``), half of them unknown.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import multiprocessing
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_contacts import _forms, fill_directory  # noqa: E402

from desktop_app.contacts.directory import ContactDirectory  # noqa: E402
from desktop_app.webhooks.listener import Listener  # noqa: E402

TOKEN = "bench-crm-token"
WARMUP = 200


def _pbx_side(port: int, numbers: list[str], results: multiprocessing.Queue) -> None:
    """A PBX asking "who is this?" one call after another on one keep-alive connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port)
    headers = {"X-API-KEY": TOKEN, "Content-Type": "application/json"}
    times, answered = [], 0
    for index, number in enumerate(numbers):
        body = json.dumps({"id": f"b{index}", "client": number, "phone": "74951112233"})
        start = time.perf_counter()
        connection.request("POST", "/client", body, headers)
        response = connection.getresponse()
        payload = response.read()
        elapsed = time.perf_counter() - start
        if index >= WARMUP:
            times.append(elapsed)
            answered += bool(json.loads(payload))
    connection.close()
    results.put((times, answered))


async def _serve(db: Path, numbers: list[str]) -> tuple[list[float], int]:
    directory = ContactDirectory(db)
    listener = Listener(db_path=db, crm_token=TOKEN, port=0,
                        client_lookup=lambda request: directory.lookup_client(request.client))
    await listener.start()
    try:
        assert listener.server is not None
        results: multiprocessing.Queue = multiprocessing.Queue()
        process = multiprocessing.Process(target=_pbx_side, args=(listener.server.port, numbers, results))
        process.start()
        while process.is_alive() and results.empty():
            await asyncio.sleep(0.05)
        times, answered = results.get(timeout=60)
        process.join()
        return times, answered
    finally:
        await listener.close()
        directory.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=5_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as temp:
        db = Path(temp) / "desk.sqlite3"
        start = time.perf_counter()
        samples = fill_directory(db, args.contacts)
        fill = time.perf_counter() - start
        rng = random.Random(3)
        numbers = [rng.choice(_forms(rng.choice(samples))) if rng.random() < 0.5
                   else f"8 (800) {rng.randrange(10**7):07d}" for _ in range(args.requests + WARMUP)]
        times, answered = asyncio.run(_serve(db, numbers))
    ms = sorted(t * 1000 for t in times)
    p99 = ms[int(len(ms) * 0.99) - 1]
    print(f"{args.contacts:,} contacts (filled in {fill:.1f} s); {len(ms):,} /client requests, "
          f"{answered:,} answered with a name")
    print("| path                                   | requests | p50 ms | p99 ms | max ms |")
    print("|----------------------------------------|---------:|-------:|-------:|-------:|")
    print(f"| POST /client -> answer (keep-alive)    | {len(ms):8,} | {statistics.median(ms):6.2f} "
          f"| {p99:6.2f} | {ms[-1]:6.2f} |")


if __name__ == "__main__":
    main()
