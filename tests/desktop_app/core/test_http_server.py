"""The HTTP core on real sockets (127.0.0.1): keep-alive, limits, timeouts, TLS, caps, shutdown, fuzz."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import resource
import socket
import ssl
import subprocess
import sys
import textwrap
import threading
import warnings
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import trustme
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop_app.core.http_server import HttpServer, Limits, Request, Response, server_ssl_context

# A safety net so a broken server fails a test instead of hanging it; never an assertion.
IO_TIMEOUT = 10.0
ROOT = Path(__file__).resolve().parents[3]

# --- helpers ---------------------------------------------------------------------------


@dataclass
class RawResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class RawClient:
    """Sends exactly the bytes a test means and reads the answer byte for byte."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def response(self) -> RawResponse | None:
        """The next response, or None when the server closed without (completing) one."""
        async with asyncio.timeout(IO_TIMEOUT):
            try:
                head = await self.reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                return None
            lines = head.decode("latin-1").split("\r\n")
            headers: dict[str, str] = {}
            for line in lines[1:]:
                if line:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
            try:
                body = await self.reader.readexactly(int(headers.get("content-length", "0")))
            except asyncio.IncompleteReadError:
                return None
            return RawResponse(int(lines[0].split(" ", 2)[1]), headers, body)

    async def closed_by_server(self) -> bool:
        async with asyncio.timeout(IO_TIMEOUT):
            try:
                return await self.reader.read(1) == b""
            except ConnectionError:
                return True

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(OSError):
            await self.writer.wait_closed()


@contextlib.asynccontextmanager
async def connect(port: int, **kwargs: Any) -> AsyncIterator[RawClient]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port, **kwargs)
    client = RawClient(reader, writer)
    try:
        yield client
    finally:
        await client.close()


def req(method: str, target: str, body: bytes = b"", **headers: str) -> bytes:
    lines = [f"{method} {target} HTTP/1.1", "host: 127.0.0.1"]
    if (body or method == "POST") and "transfer_encoding" not in headers:
        headers.setdefault("content_length", str(len(body)))
    lines += [f"{k.replace('_', '-')}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def chunked(*parts: bytes) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"


def open_sockets() -> int:
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        with contextlib.suppress(OSError):
            count += os.readlink(f"/proc/self/fd/{fd}").startswith("socket:")
    return count


async def echo(request: Request) -> Response:
    return Response.json(
        200,
        {
            "method": request.method,
            "target": request.target,
            "path": request.path,
            "query": request.query,
            "headers": request.headers,
            "body": request.body.decode("latin-1"),
            "client": list(request.client) if request.client else None,
        },
    )


@contextlib.asynccontextmanager
async def serving(handler=echo, **kwargs: Any) -> AsyncIterator[HttpServer]:
    server = HttpServer(handler, **kwargs)
    await server.start()
    try:
        yield server
    finally:
        await server.close()


# --- requests and keep-alive ----------------------------------------------------------


async def test_request_fields_and_keepalive_reuse():
    async with serving() as server, connect(server.port) as client:
        answers = []
        for i in range(3):
            await client.send(req("POST", f"/a%20b/c?x=1&y=&x=2&n={i}", b'{"k": 1}', x_api_key="t", x_multi="a"))
            answers.append(await client.response())
        assert server.connection_count == 1
        first = answers[0].json()
        assert answers[0].status == 200
        assert answers[0].headers["content-type"] == "application/json; charset=utf-8"
        assert first["method"] == "POST"
        assert first["target"] == "/a%20b/c?x=1&y=&x=2&n=0"
        assert first["path"] == "/a b/c"
        assert first["query"] == {"x": "2", "y": "", "n": "0"}
        assert first["headers"]["x-api-key"] == "t"
        assert first["body"] == '{"k": 1}'
        # Same socket for all three: the client's port did not change.
        assert {tuple(a.json()["client"]) for a in answers} == {tuple(client.writer.get_extra_info("sockname"))}
        assert [a.json()["query"]["n"] for a in answers] == ["0", "1", "2"]


async def test_repeated_headers_are_joined():
    async with serving() as server, connect(server.port) as client:
        await client.send(b"GET / HTTP/1.1\r\nhost: x\r\nAccept: a\r\naccept: b\r\n\r\n")
        assert (await client.response()).json()["headers"]["accept"] == "a, b"


async def test_pipelined_requests_are_answered_in_order():
    async with serving() as server, connect(server.port) as client:
        await client.send(req("GET", "/1") + req("GET", "/2") + req("POST", "/3", b"x"))
        paths = [(await client.response()).json()["path"] for _ in range(3)]
        assert paths == ["/1", "/2", "/3"]


async def test_httpx_client_keepalive():
    async with serving() as server, httpx.AsyncClient() as http:
        for _ in range(5):
            assert (await http.get(server.url + "/x")).status_code == 200
        assert server.connection_count == 1


async def test_head_gets_headers_without_body():
    async with serving() as server, connect(server.port) as client:
        await client.send(req("HEAD", "/x"))
        head = await client.reader.readuntil(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200 ")
        await client.send(req("GET", "/after"))  # the next bytes are the next response, no stray body
        assert (await client.response()).json()["path"] == "/after"


async def test_http10_client_is_answered_and_closed():
    async with serving() as server, connect(server.port) as client:
        await client.send(b"GET /old HTTP/1.0\r\n\r\n")
        assert (await client.response()).status == 200
        assert await client.closed_by_server()


async def test_expect_100_continue():
    async with serving() as server, connect(server.port) as client:
        await client.send(req("POST", "/up", expect="100-continue", content_length="5"))
        assert (await client.reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 100 ")
        await client.send(b"hello")
        assert (await client.response()).json()["body"] == "hello"


async def test_chunked_body():
    async with serving() as server, connect(server.port) as client:
        await client.send(req("POST", "/c", transfer_encoding="chunked") + chunked(b"ab", b"cde"))
        assert (await client.response()).json()["body"] == "abcde"


async def test_handler_exception_is_500_and_server_keeps_serving(caplog):
    async def flaky(request: Request) -> Response:
        if request.path == "/boom":
            raise RuntimeError("kaput")
        return Response(204)

    errors = []
    async with serving(flaky, on_error_response=errors.append) as server, connect(server.port) as client:
        await client.send(req("GET", "/boom"))
        answer = await client.response()
        assert answer.status == 500
        assert answer.json() == {"error": "internal server error"}
        await client.send(req("GET", "/fine"))  # same connection still usable
        assert (await client.response()).status == 204
    assert errors == [500]
    assert any("kaput" in (r.exc_text or "") for r in caplog.records if r.levelno == logging.ERROR)


async def test_handler_returning_garbage_is_500():
    async def wrong(request: Request) -> Response:
        return {"not": "a response"}  # type: ignore[return-value]

    async with serving(wrong) as server, connect(server.port) as client:
        await client.send(req("GET", "/"))
        assert (await client.response()).status == 500


# --- limits ----------------------------------------------------------------------------


@pytest.mark.parametrize("split", [False, True], ids=["one-write", "trickled"])
async def test_headers_over_16k_get_431_and_close(split):
    big = "x" * (16 * 1024)
    data = req("GET", "/", x_big=big)
    async with serving() as server, connect(server.port) as client:
        if split:  # never completes: h11's incomplete-event bound trips
            await client.send(data[:-4])
        else:  # complete in one go: only our own count catches it
            await client.send(data)
        answer = await client.response()
        assert answer.status == 431
        assert answer.headers["connection"] == "close"
        assert await client.closed_by_server()


async def test_headers_just_under_the_limit_pass():
    async with serving() as server, connect(server.port) as client:
        head = req("GET", "/", x_big="")
        await client.send(req("GET", "/", x_big="y" * (16 * 1024 - len(head))))
        assert (await client.response()).status == 200


async def test_content_length_over_64k_gets_413_before_the_body():
    async with serving() as server, connect(server.port) as client:
        await client.send(req("POST", "/", content_length=str(64 * 1024 + 1)))
        answer = await client.response()
        assert answer.status == 413
        assert answer.headers["connection"] == "close"


async def test_body_of_exactly_64k_passes():
    async with serving() as server, connect(server.port) as client:
        await client.send(req("POST", "/", b"z" * 64 * 1024))
        assert len((await client.response()).json()["body"]) == 64 * 1024


async def test_large_body_sent_in_full_still_reads_413():
    async with serving() as server, connect(server.port) as client:
        await client.send(req("POST", "/", b"z" * 300 * 1024))
        assert (await client.response()).status == 413


async def test_chunked_body_over_64k_gets_413():
    async with serving() as server, connect(server.port) as client:
        parts = [b"q" * 16 * 1024] * 5
        await client.send(req("POST", "/", transfer_encoding="chunked") + chunked(*parts))
        answer = await client.response()
        assert answer.status == 413
        assert await client.closed_by_server()


async def test_custom_body_limit():
    async with serving(limits=Limits(max_body_bytes=10)) as server, connect(server.port) as client:
        await client.send(req("POST", "/", b"0123456789"))
        assert (await client.response()).status == 200
        await client.send(req("POST", "/", b"0123456789!"))
        assert (await client.response()).status == 413


async def test_broken_request_line_gets_400_and_close():
    async with serving() as server, connect(server.port) as client:
        await client.send(b"THIS IS NOT HTTP\r\n\r\n")
        answer = await client.response()
        assert answer.status == 400
        assert answer.headers["connection"] == "close"
        assert "error" in answer.json()


# --- timeouts --------------------------------------------------------------------------

FAST = Limits(header_timeout=0.3, body_timeout=0.3, keepalive_timeout=0.3, shutdown_timeout=1.0)


async def test_incomplete_headers_get_408_and_close():
    async with serving(limits=FAST) as server, connect(server.port) as client:
        await client.send(b"POST /event HTTP/1.1\r\nhost: x\r\n")
        answer = await client.response()
        assert answer.status == 408
        assert answer.headers["connection"] == "close"
        assert await client.closed_by_server()


async def test_silent_fresh_connection_gets_408():
    async with serving(limits=FAST) as server, connect(server.port) as client:
        assert (await client.response()).status == 408


async def test_incomplete_body_gets_408():
    async with serving(limits=FAST) as server, connect(server.port) as client:
        await client.send(req("POST", "/", content_length="10") + b"abc")
        assert (await client.response()).status == 408


async def test_idle_keepalive_connection_is_closed_quietly():
    async with serving(limits=FAST) as server, connect(server.port) as client:
        await client.send(req("GET", "/"))
        assert (await client.response()).status == 200
        # Nothing more is sent: the server closes without an answer (no 408 between requests).
        assert await client.closed_by_server()


async def test_keepalive_timer_is_not_armed_during_a_slow_handler():
    async def slow(request: Request) -> Response:
        await asyncio.sleep(FAST.keepalive_timeout * 3)
        return Response(200, b"done")

    async with serving(slow, limits=FAST) as server, connect(server.port) as client:
        await client.send(req("GET", "/"))
        answer = await client.response()
        assert (answer.status, answer.body) == (200, b"done")


async def test_header_timer_starts_with_the_first_byte_after_idle():
    limits = Limits(header_timeout=0.3, keepalive_timeout=5.0)
    async with serving(limits=limits) as server, connect(server.port) as client:
        await client.send(req("GET", "/1"))
        assert (await client.response()).status == 200
        await client.send(b"GET /2 HTTP/1.1\r\n")  # started, never finished
        assert (await client.response()).status == 408


# --- connection cap --------------------------------------------------------------------


def _raise_fd_limit(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))


async def _open_idle(port: int, count: int) -> list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    return list(await asyncio.gather(*(asyncio.open_connection("127.0.0.1", port) for _ in range(count))))


async def _close_all(conns) -> None:
    for _reader, writer in conns:
        writer.close()
    await asyncio.gather(*(w.wait_closed() for _r, w in conns), return_exceptions=True)


async def _wait_for_count(server: HttpServer, count: int) -> None:
    async with asyncio.timeout(IO_TIMEOUT):
        while server.connection_count < count:
            await asyncio.sleep(0.01)


async def test_500_idle_connections_do_not_starve_a_real_request():
    _raise_fd_limit(2000)
    async with serving() as server:
        assert server.connection_cap > 500
        idle = await _open_idle(server.port, 500)
        try:
            await _wait_for_count(server, 500)
            async with connect(server.port) as client:
                await client.send(req("POST", "/event", b"{}"))
                assert (await client.response()).status == 200
        finally:
            await _close_all(idle)


async def test_idle_connections_are_evicted_at_the_cap():
    async with serving(limits=Limits(max_connections=5)) as server:
        idle = await _open_idle(server.port, 5)
        try:
            await _wait_for_count(server, 5)
            async with connect(server.port) as client:
                await client.send(req("GET", "/"))
                assert (await client.response()).status == 200
            # The one idle longest (the first accepted) was closed to make room.
            closed = [await asyncio.wait_for(r.read(1), IO_TIMEOUT) == b"" for r, _w in idle[:1]]
            assert closed == [True]
            assert server.connection_count <= 5
        finally:
            await _close_all(idle)


async def test_busy_connections_at_the_cap_get_503_for_newcomers():
    errors = []
    async with serving(limits=Limits(max_connections=3), on_error_response=errors.append) as server:
        busy = await _open_idle(server.port, 3)
        try:
            for _reader, writer in busy:  # each has begun a request: not evictable
                writer.write(b"GET / HTTP/1.1\r\n")
            await asyncio.gather(*(w.drain() for _r, w in busy))
            await _wait_for_count(server, 3)
            await asyncio.sleep(0.05)  # let the server read the partial requests
            async with connect(server.port) as client:
                answer = await client.response()
                assert answer.status == 503
                assert answer.headers["connection"] == "close"
            # The busy ones still complete their requests.
            reader, writer = busy[0]
            writer.write(b"host: x\r\n\r\n")
            assert (await asyncio.wait_for(reader.readuntil(b"\r\n"), IO_TIMEOUT)).startswith(b"HTTP/1.1 200")
        finally:
            await _close_all(busy)
    assert 503 in errors


def test_cap_follows_the_open_file_limit():
    from desktop_app.core.http_server import FD_RESERVE, effective_connection_cap

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))
        assert effective_connection_cap(1000) == 256 - FD_RESERVE
        assert effective_connection_cap(100) == 100
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


# --- TLS -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert.private_key_and_cert_chain_pem.write_to_path(str(cert_file))
    cert.private_key_pem.write_to_path(str(key_file))
    return ca, str(cert_file), str(key_file)


async def test_https_with_a_trusted_certificate(tls):
    ca, cert_file, key_file = tls
    context = server_ssl_context(cert_file, key_file)
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2
    client_context = ssl.create_default_context()
    ca.configure_trust(client_context)
    async with serving(ssl_context=context) as server, httpx.AsyncClient(verify=client_context) as http:
        assert server.url.startswith("https://127.0.0.1:")
        for _ in range(2):
            answer = await http.post(server.url + "/event", content=b"{}")
            assert answer.status_code == 200
        assert answer.json()["body"] == "{}"


def _tls11_client(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # TLS 1.0/1.1 are deprecated: the point
        context.minimum_version = ssl.TLSVersion.TLSv1
        context.maximum_version = ssl.TLSVersion.TLSv1_1
    context.set_ciphers("DEFAULT:@SECLEVEL=0")  # let OpenSSL 3 offer TLS 1.1 at all
    return context


async def test_tls11_client_is_refused(tls):
    ca, cert_file, key_file = tls
    # Control: this client really speaks TLS 1.1 to a server that allows it...
    lax = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    lax.load_cert_chain(cert_file, key_file)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        lax.minimum_version = ssl.TLSVersion.TLSv1
    lax.set_ciphers("DEFAULT:@SECLEVEL=0")
    async with serving(ssl_context=lax) as server, connect(server.port, ssl=_tls11_client(ca)) as client:
        assert client.writer.get_extra_info("ssl_object").version() == "TLSv1.1"
    # ...and ours refuses it, then keeps serving TLS 1.2+ clients.
    async with serving(ssl_context=server_ssl_context(cert_file, key_file)) as server:
        with pytest.raises((ssl.SSLError, ConnectionError)):
            async with connect(server.port, ssl=_tls11_client(ca)):
                pass
        good = ssl.create_default_context()
        ca.configure_trust(good)
        async with connect(server.port, ssl=good) as client:
            await client.send(req("GET", "/"))
            assert (await client.response()).status == 200


def test_bad_tls_files_raise(tmp_path, tls):
    _ca, cert_file, _key_file = tls
    with pytest.raises(FileNotFoundError):
        server_ssl_context(str(tmp_path / "missing.pem"), str(tmp_path / "missing.key"))
    (tmp_path / "junk.pem").write_text("not a key")
    with pytest.raises(ssl.SSLError):
        server_ssl_context(cert_file, str(tmp_path / "junk.pem"))


# --- shutdown --------------------------------------------------------------------------


async def test_graceful_shutdown_finishes_busy_requests_and_leaves_nothing_behind():
    sockets_before = open_sockets()
    tasks_before = asyncio.all_tasks()
    entered, release = asyncio.Event(), asyncio.Event()

    async def slow(request: Request) -> Response:
        if request.path == "/slow":
            entered.set()
            await release.wait()
        return Response(200, b"ok")

    server = HttpServer(slow, limits=Limits(shutdown_timeout=IO_TIMEOUT))
    await server.start()
    port = server.port
    async with connect(server.port) as idle, connect(server.port) as fresh, connect(server.port) as busy:
        await idle.send(req("GET", "/"))
        assert (await idle.response()).status == 200  # now idle between requests
        await busy.send(req("GET", "/slow"))
        await entered.wait()
        closing = asyncio.create_task(server.close())
        assert await idle.closed_by_server()
        assert await fresh.closed_by_server()
        with pytest.raises(OSError):  # not listening any more
            await asyncio.open_connection("127.0.0.1", port)
        release.set()
        answer = await busy.response()
        assert (answer.status, answer.body, answer.headers["connection"]) == (200, b"ok", "close")
        assert await busy.closed_by_server()
        await closing
    assert server.connection_count == 0
    assert asyncio.all_tasks() == tasks_before
    assert open_sockets() == sockets_before


async def test_shutdown_cancels_what_does_not_finish_in_time():
    sockets_before = open_sockets()
    cancelled = asyncio.Event()

    async def stuck(request: Request) -> Response:
        try:
            await asyncio.Event().wait()
        finally:
            cancelled.set()
        raise AssertionError("unreachable")

    server = HttpServer(stuck, limits=Limits(shutdown_timeout=0.2))
    await server.start()
    async with connect(server.port) as client:
        await client.send(req("GET", "/"))
        await _wait_for_count(server, 1)
        await asyncio.sleep(0.05)
        await server.close()
        assert cancelled.is_set()
        assert await client.response() is None
    assert open_sockets() == sockets_before
    assert {t for t in asyncio.all_tasks() if t is not asyncio.current_task()} == set()


async def test_close_is_idempotent_and_restart_works():
    server = HttpServer(echo)
    await server.close()  # never started: no-op
    await server.start()
    await server.close()
    await server.close()
    await server.start()
    async with connect(server.port) as client:
        await client.send(req("GET", "/"))
        assert (await client.response()).status == 200
    await server.close()


async def test_port_in_use_raises_oserror():
    async with serving() as first:
        second = HttpServer(echo, port=first.port)
        with pytest.raises(OSError):
            await second.start()


# --- fuzz ------------------------------------------------------------------------------


class ThreadedServer:
    """An HttpServer on its own loop in a thread, so hypothesis can drive plain functions
    against one server for a whole test."""

    def __init__(self, handler=echo, **kwargs: Any) -> None:
        self.server = HttpServer(handler, **kwargs)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fuzz-server", daemon=True)

    def __enter__(self) -> ThreadedServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.server.start(), self._loop).result(IO_TIMEOUT)
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            asyncio.run_coroutine_threadsafe(self.server.close(), self._loop).result(IO_TIMEOUT)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(IO_TIMEOUT)
            self._loop.close()


def exchange(port: int, data: bytes) -> bytes:
    """Send ``data``, half-close, return everything the server sends before closing."""
    with socket.create_connection(("127.0.0.1", port), timeout=IO_TIMEOUT) as sock:
        with contextlib.suppress(ConnectionError):
            sock.sendall(data)
            sock.shutdown(socket.SHUT_WR)
        chunks = []
        with contextlib.suppress(ConnectionError):
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks)


def statuses(raw: bytes) -> list[int]:
    found = []
    for line in raw.split(b"\r\n"):
        if line.startswith(b"HTTP/1.1 ") and line[9:12].isdigit():
            found.append(int(line[9:12]))
    return found


@pytest.fixture(scope="module")
def fuzz_server():
    with ThreadedServer(limits=Limits(header_timeout=2.0, body_timeout=2.0, max_body_bytes=1024)) as running:
        yield running


def assert_still_serving(port: int) -> None:
    assert statuses(exchange(port, req("GET", "/alive"))) == [200]


token = st.text(st.sampled_from("abcdefgXYZ-_~!*0123456789"), min_size=1, max_size=8)
nasty = st.text(st.characters(codec="latin-1"), max_size=12)


@st.composite
def broken_requests(draw) -> bytes:
    method = draw(st.sampled_from(["GET", "POST", "PUT", "BREW", "", "G T", "GET\x00"]) | token)
    target = draw(st.sampled_from(["/", "/event", "*", "", "/a b", "//", "http://x/y", "/%zz", "/\x7f"]) | nasty)
    version = draw(st.sampled_from(["HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/9", "http/1.1", "", "HTTP/1.1 x"]))
    headers = draw(
        st.lists(
            st.tuples(st.sampled_from(["host", "content-length", "transfer-encoding", "x", " bad", "a b", ""]) | nasty,
                      st.sampled_from(["", "5", "-1", "99999999999999999999", "chunked", "gzip, chunked", "1, 2"])
                      | nasty),
            max_size=5,
        )
    )
    body = draw(st.binary(max_size=64))
    eol = draw(st.sampled_from(["\r\n", "\n", "\r"]))
    head = f"{method} {target} {version}{eol}" + "".join(f"{n}: {v}{eol}" for n, v in headers) + eol
    return head.encode("latin-1") + body


@st.composite
def lying_bodies(draw) -> bytes:
    body = draw(st.binary(max_size=200))
    declared = draw(st.integers(min_value=0, max_value=5000))
    return req("POST", "/event", content_length=str(declared)) + body


@st.composite
def broken_chunks(draw) -> bytes:
    parts = draw(
        st.lists(
            st.one_of(
                st.binary(max_size=30).map(lambda b: b"%x\r\n%s\r\n" % (len(b), b)),  # a good chunk
                st.binary(max_size=30).map(lambda b: b"%x\r\n%s\r\n" % (len(b) + 3, b)),  # size lies
                st.sampled_from([b"zz\r\n", b"-1\r\n", b"\r\n", b"5;ext=1\r\nabcde\r\n", b"ffffffffffffffff\r\n"]),
                st.binary(max_size=10),
            ),
            max_size=6,
        )
    )
    end = draw(st.sampled_from([b"0\r\n\r\n", b"", b"0\r\nTrailer: x\r\n\r\n", b"0\r\n"]))
    return req("POST", "/event", transfer_encoding="chunked") + b"".join(parts) + end


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=300))
def test_fuzz_arbitrary_bytes(fuzz_server, data):
    answered = statuses(exchange(fuzz_server.server.port, data))
    assert all(400 <= status < 500 for status in answered)
    assert_still_serving(fuzz_server.server.port)


def acceptable(status: int) -> bool:
    # 200 when the mutation happens to be valid; 4xx for what cannot be understood; 501 is
    # h11's (and RFC 9112 §6.1's) answer to a transfer coding other than chunked.
    return status == 200 or 400 <= status < 500 or status == 501


@settings(max_examples=80, deadline=None)
@given(data=st.one_of(broken_requests(), lying_bodies(), broken_chunks()))
def test_fuzz_broken_requests(fuzz_server, data):
    answered = statuses(exchange(fuzz_server.server.port, data))
    assert all(acceptable(status) for status in answered), answered
    assert_still_serving(fuzz_server.server.port)


def test_unsupported_transfer_coding_is_501(fuzz_server):
    raw = exchange(fuzz_server.server.port, req("POST", "/", transfer_encoding="gzip") + b"x")
    assert statuses(raw) == [501]


# --- other loops ----------------------------------------------------------------------

QASYNC_CHILD = textwrap.dedent(
    """
    import asyncio, ssl, sys
    import qasync
    from PySide6.QtCore import QCoreApplication
    from desktop_app.core.http_server import HttpServer, Response, server_ssl_context

    async def handler(request):
        return Response.json(200, {"path": request.path})

    async def exchange(server, client_ssl):
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port, ssl=client_ssl)
        for i in range(3):
            writer.write(f"GET /q{i} HTTP/1.1\\r\\nhost: x\\r\\n\\r\\n".encode())
            head = await reader.readuntil(b"\\r\\n\\r\\n")
            length = int(head.lower().split(b"content-length: ")[1].split(b"\\r\\n")[0])
            print(head.split(b"\\r\\n")[0].decode(), (await reader.readexactly(length)).decode())
        writer.close()
        await writer.wait_closed()

    async def main():
        cert, key, ca = sys.argv[1:4]
        for server_ssl, client_ssl in [(None, None),
                                       (server_ssl_context(cert, key), ssl.create_default_context(cafile=ca))]:
            server = HttpServer(handler, ssl_context=server_ssl)
            await server.start()
            try:
                await exchange(server, client_ssl)
            finally:
                await server.close()

    app = QCoreApplication(sys.argv)
    qasync.run(main())
    """
)


@pytest.mark.slow
def test_serves_on_the_qasync_loop(tls, tmp_path):
    """The GUI runs the server on qasync's loop; check it there, plain and TLS, in a child
    process (Qt stays out of this process, which tests the floors below Qt on plain asyncio)."""
    ca, cert_file, key_file = tls
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", QASYNC_CHILD, cert_file, key_file, str(tmp_path / "ca.pem")],
        capture_output=True, text=True, timeout=120, env=env, cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f'HTTP/1.1 200 OK {{"path":"/q{i}"}}' for i in range(3)] * 2
