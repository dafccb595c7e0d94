"""Webhook listener throughput and latency: keep-alive ``/event`` posts from a separate process.

    python bench/bench_listener.py [--requests 5000] [--warmup 500] [--connections 1 4]

Rows: our HTTP core with a trivial handler and the full listener (auth, parse, journal
commit on its worker thread), each on a plain asyncio loop and inside qasync's loop (a
QCoreApplication, offscreen), beside uvicorn's h11 server running a minimal ASGI app
(uvicorn is in the ``bench`` extra; the row is skipped with a note when it is missing).
The client is a raw-socket process, one thread per connection, sequential requests on
each. A second table compares a journal commit made on the loop with one made through
the worker thread, the cost that buys a loop that never waits for SQLite's locks.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desktop_app.core.http_server import HttpServer, Request, Response
from desktop_app.webhooks.journal import AsyncJournal, WebhookJournal
from desktop_app.webhooks.listener import Listener
from desktop_app.webhooks.types import parse

TOKEN = "bench-token"
TOKEN_ENV = "BENCH_LISTENER_TOKEN"
_LENGTH = re.compile(rb"content-length:\s*(\d+)", re.IGNORECASE)

# --- the client process ------------------------------------------------------------------


def _request(path: str, token: str, call_id: str) -> bytes:
    body = json.dumps(
        {"id": call_id, "direction": "in", "stage": "alerting", "client": "79991234567", "extension": "700"}
    ).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n"
        f"x-api-key: {token}\r\ncontent-length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def _worker(port: int, path: str, token: str, tag: str, warmup: int, count: int,
            barrier: threading.Barrier, out: list[float]) -> None:
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        buffer = b""
        for n in range(warmup + count):
            if n == warmup:
                barrier.wait()
            started = time.perf_counter()
            sock.sendall(_request(path, token, f"{tag}-{n}"))
            while b"\r\n\r\n" not in buffer:
                buffer += sock.recv(65536)
            head, _, rest = buffer.partition(b"\r\n\r\n")
            match = _LENGTH.search(head)
            length = int(match.group(1)) if match else 0
            while len(rest) < length:
                rest += sock.recv(65536)
            buffer = rest[length:]
            if head[9:12] != b"200":
                raise SystemExit(f"unexpected answer: {head[:40]!r}")
            if n >= warmup:
                out.append(time.perf_counter() - started)


def client_main(port: int, path: str, requests: int, warmup: int, connections: int) -> None:
    token = os.environ.get(TOKEN_ENV, TOKEN)
    per_connection = max(1, requests // connections)
    barrier = threading.Barrier(connections + 1)
    results: list[list[float]] = [[] for _ in range(connections)]
    threads = [
        threading.Thread(target=_worker, args=(port, path, token, f"c{i}-{time.time_ns()}", warmup, per_connection,
                                                barrier, results[i]))
        for i in range(connections)
    ]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    latencies = sorted(x for r in results for x in r)
    print(json.dumps({
        "requests": len(latencies),
        "rps": len(latencies) / wall,
        "p50_ms": latencies[len(latencies) // 2] * 1000,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
    }))


async def run_client(port: int, path: str, args: argparse.Namespace, connections: int) -> dict:
    command = [sys.executable, str(Path(__file__).resolve()), "--client", str(port), path,
               "--requests", str(args.requests), "--warmup", str(args.warmup), "--connections", str(connections)]
    env = {**os.environ, TOKEN_ENV: TOKEN}
    done = await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True, env=env, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"client failed: {done.stderr.strip()}")
    return json.loads(done.stdout)


# --- the servers -------------------------------------------------------------------------


async def trivial(request: Request) -> Response:
    return Response.json(200, {"status": "ok"})


async def bench_core(args: argparse.Namespace, connections: int) -> dict:
    server = HttpServer(trivial)
    await server.start()
    try:
        return await run_client(server.port, "/event", args, connections)
    finally:
        await server.close()


async def bench_listener(args: argparse.Namespace, connections: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        listener = Listener(db_path=Path(folder) / "desk.sqlite3", crm_token=TOKEN, host="127.0.0.1", port=0,
                            path_prefix="/gravitel", on_webhook=lambda webhook: None)
        await listener.start()
        try:
            assert listener.server is not None
            return await run_client(listener.server.port, "/gravitel/event", args, connections)
        finally:
            await listener.close()


async def minimal_asgi(scope, receive, send) -> None:
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    body = b'{"status":"ok"}'
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def bench_uvicorn(args: argparse.Namespace, connections: int) -> dict:
    import uvicorn

    config = uvicorn.Config(minimal_asgi, host="127.0.0.1", port=0, loop="none", http="h11",
                            lifespan="off", log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        port = server.servers[0].sockets[0].getsockname()[1]
        return await run_client(port, "/event", args, connections)
    finally:
        server.should_exit = True
        await task


def run_on_asyncio(bench: Callable[..., Awaitable[dict]], *args) -> dict:
    return asyncio.run(bench(*args))


def run_on_qasync(bench: Callable[..., Awaitable[dict]], *args) -> dict:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import qasync
    from PySide6.QtCore import QCoreApplication

    app = QCoreApplication.instance() or QCoreApplication([])
    loop = qasync.QEventLoop(app)
    try:
        return loop.run_until_complete(bench(*args))
    finally:
        loop.close()


# --- journal commit: on the loop vs through the worker thread ---------------------------


def _event(n: int):
    text = json.dumps({"id": f"j{n}", "direction": "in", "stage": "alerting", "client": "79991234567"})
    return parse("event", text.encode()), text


def _quantiles(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    return samples[len(samples) // 2] * 1e6, samples[int(len(samples) * 0.99)] * 1e6


def bench_journal(count: int) -> list[tuple[str, float, float]]:
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        journal = WebhookJournal(Path(folder) / "direct.sqlite3")
        samples = []
        for n in range(count):
            webhook, text = _event(n)
            started = time.perf_counter()
            journal.record(webhook, text)
            samples.append(time.perf_counter() - started)
        journal.close()
        rows.append(("commit on the loop (blocks it)", *_quantiles(samples)))

        async def threaded() -> list[float]:
            journal = await AsyncJournal.open(Path(folder) / "threaded.sqlite3")
            samples = []
            try:
                for n in range(count):
                    webhook, text = _event(n)
                    started = time.perf_counter()
                    await journal.record(webhook, text)
                    samples.append(time.perf_counter() - started)
            finally:
                await journal.close()
            return samples

        rows.append(("commit via the worker thread (awaited)", *_quantiles(asyncio.run(threaded()))))
    return rows


# --- main --------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000, help="measured requests per row")
    parser.add_argument("--warmup", type=int, default=500, help="unmeasured requests per connection first")
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--client", nargs=2, metavar=("PORT", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        client_main(int(args.client[0]), args.client[1], args.requests, args.warmup, args.connections[0])
        return

    try:
        import uvicorn  # noqa: F401
        have_uvicorn = True
    except ImportError:
        have_uvicorn = False

    scenarios: list[tuple[str, str, Callable[..., dict] | None, Callable[..., Awaitable[dict]]]] = [
        ("http_server, trivial handler", "asyncio", run_on_asyncio, bench_core),
        ("http_server, trivial handler", "qasync", run_on_qasync, bench_core),
        ("Listener /event (auth+parse+journal)", "asyncio", run_on_asyncio, bench_listener),
        ("Listener /event (auth+parse+journal)", "qasync", run_on_qasync, bench_listener),
        ("uvicorn h11, minimal ASGI app", "asyncio", run_on_asyncio if have_uvicorn else None, bench_uvicorn),
    ]
    print(f"keep-alive POSTs from a separate raw-socket process; {args.requests} measured requests per row "
          f"(+{args.warmup} warm-up per connection); {os.cpu_count()} CPUs; Python {sys.version.split()[0]}\n")
    header = f"| {'server':<38} | {'loop':<7} | {'conns':>5} | {'req/s':>7} | {'p50 ms':>6} | {'p99 ms':>6} |"
    print(header)
    print("|" + "|".join("-" * (len(cell)) for cell in header.split("|")[1:-1]) + "|")
    for name, loop_name, runner, bench in scenarios:
        for connections in args.connections:
            if runner is None:
                note = "skipped: pip install uvicorn (bench extra)"
                print(f"| {name:<38} | {loop_name:<7} | {connections:>5} | {note} |")
                continue
            result = runner(bench, args, connections)
            print(f"| {name:<38} | {loop_name:<7} | {connections:>5} | {result['rps']:>7.0f} | "
                  f"{result['p50_ms']:>6.2f} | {result['p99_ms']:>6.2f} |", flush=True)

    print(f"\njournal commit, {args.requests} events, one at a time\n")
    print(f"| {'how':<40} | {'p50 µs':>7} | {'p99 µs':>7} |")
    print(f"|{'-' * 42}|{'-' * 9}|{'-' * 9}|")
    for how, p50, p99 in bench_journal(args.requests):
        print(f"| {how:<40} | {p50:>7.0f} | {p99:>7.0f} |")


if __name__ == "__main__":
    main()
