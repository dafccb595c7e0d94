"""A small HTTP/1.1 server: h11 over asyncio streams, with limits we enforce ourselves.

Used by the webhook listener and by the PBX simulator. It runs on any asyncio loop that
implements ``loop.create_server`` (plain asyncio, qasync), so nothing here knows about Qt.

Why these choices:

* h11 parses; we count. h11 only bounds *incomplete* events, so a complete header block
  of any size would pass: we measure the request line + headers ourselves (431), and the
  body both from Content-Length up front and while reading chunked data (413).
* Timers: a fresh connection must deliver complete headers within ``header_timeout``
  (408 + close). Between requests only the keep-alive timer runs (silent close); once
  the first byte of the next request arrives the header timer takes over.
* Connection cap with eviction: when ``max_connections`` are open, a new connection evicts
  the connection idle for longest (no byte of a request pending: a fresh socket that sent
  nothing, or keep-alive between requests). Only when every connection is mid-request
  does the newcomer get 503 and close. So a flood of idle sockets costs the attacker
  sockets, not us the ability to answer the PBX. The cap is also kept below the process's
  open-file limit so ``accept()`` never fails with EMFILE.
* Errors: h11's ``error_status_hint`` (and our own limit errors) are answered only while
  our side is IDLE or SEND_RESPONSE, always with ``connection: close``, then the socket
  is closed after a bounded drain so the client reads the answer instead of a reset.
* Shutdown: stop listening, close idle connections, let busy ones finish their response
  (with ``connection: close``) for at most ``shutdown_timeout``, then cancel the rest.
  Every connection task is tracked, so none outlives :meth:`HttpServer.close`.
* Streaming: a :class:`Response` with ``stream`` sends its headers, then each chunk the
  async iterable yields (chunked encoding), for as long as it yields. Each write waits at
  most ``write_timeout`` for the client to read (a client that stops reading is dropped);
  the client closing its side ends the stream at once (the iterable is closed, so its
  ``finally`` runs); shutdown ends streams at once, as idle connections. The connection
  closes after a stream.
"""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable
from contextlib import aclosing
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import h11

log = logging.getLogger(__name__)

READ_SIZE = 64 * 1024
# File descriptors left for everything else the process opens (database, logs, Qt...).
FD_RESERVE = 64
# After an error answer, how long and how much of the client's unread data we swallow so
# closing does not turn into a TCP reset that destroys the answer before it is read.
LINGER_SECONDS = 1.0
LINGER_BYTES = 1024 * 1024
_MAX_BACKLOG = 1024
REFUSAL_LOG_INTERVAL = 10.0


@dataclass
class Request:
    method: str
    target: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    client: tuple[str, int] | None


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    # Sent chunk by chunk after the headers instead of ``body`` (Server-Sent Events).
    stream: AsyncIterable[bytes] | None = None

    @classmethod
    def json(cls, status: int, payload: Any, headers: Iterable[tuple[str, str]] = ()) -> Response:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return cls(status, body, [("content-type", "application/json; charset=utf-8"), *headers])


Handler = Callable[[Request], Awaitable[Response]]


@dataclass(frozen=True)
class Limits:
    max_header_bytes: int = 16 * 1024  # request line + headers
    max_body_bytes: int = 64 * 1024
    header_timeout: float = 10.0  # complete headers within this, from the first byte (or accept)
    body_timeout: float = 10.0  # the whole body within this, once the headers are in
    keepalive_timeout: float = 15.0  # idle between requests
    write_timeout: float = 10.0  # a client that does not read its answer
    max_connections: int = 1000
    shutdown_timeout: float = 5.0


def server_ssl_context(cert_file: str, key_file: str) -> ssl.SSLContext:
    """A server context from PEM files, TLS 1.2 or newer only. Raises OSError/ssl.SSLError."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_file, key_file)
    context.set_alpn_protocols(["http/1.1"])
    return context


class _HttpError(Exception):
    def __init__(self, status: int, message: str = "") -> None:
        super().__init__(message or HTTPStatus(status).phrase)
        self.status = status


class _PeerClosed(ConnectionError):
    """The client closed its side while we were streaming to it."""


class _Connection:
    __slots__ = ("reader", "writer", "h11", "idle", "idle_since", "served", "client", "streaming")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, now: float, limit: int) -> None:
        self.reader = reader
        self.writer = writer
        self.h11 = h11.Connection(h11.SERVER, max_incomplete_event_size=limit)
        # Idle = no byte of a request pending; such a connection may be evicted.
        self.idle = True
        self.idle_since = now
        self.served = 0
        self.streaming = False
        peer = writer.get_extra_info("peername")
        self.client = (str(peer[0]), int(peer[1])) if isinstance(peer, tuple) and len(peer) >= 2 else None


def effective_connection_cap(requested: int) -> int:
    """``requested``, lowered to fit the open-file limit where the OS has one."""
    try:
        import resource
    except ImportError:  # Windows: no RLIMIT_NOFILE
        return requested
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return requested
    return max(1, min(requested, soft - FD_RESERVE))


class HttpServer:
    """Serve ``handler`` over HTTP/1.1 (HTTPS with ``ssl_context``).

    ``on_error_response(status)`` is called for every 4xx/5xx the core answers by itself
    (protocol errors, limits, timeouts, handler crashes), so a service can count them.
    """

    def __init__(
        self,
        handler: Handler,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        ssl_context: ssl.SSLContext | None = None,
        limits: Limits = Limits(),
        on_error_response: Callable[[int], None] | None = None,
    ) -> None:
        self._handler = handler
        self._host = host
        self._requested_port = port
        self._ssl = ssl_context
        self.limits = limits
        self._on_error_response = on_error_response
        self._server: asyncio.Server | None = None
        # Every connection task, and the subset that counts against the cap (an evicted
        # connection stops counting at once but stays tracked until its task ends).
        self._tasks: set[asyncio.Task[None]] = set()
        self._connections: dict[asyncio.Task[None], _Connection] = {}
        self._closing = False
        self._cap = limits.max_connections
        self._refused = 0
        self._refusal_logged_at = float("-inf")

    async def start(self) -> None:
        """Bind and listen. Raises OSError (e.g. address in use) on failure."""
        if self._server is not None:
            raise RuntimeError("server already started")
        self._closing = False
        self._cap = effective_connection_cap(self.limits.max_connections)
        if self._cap < self.limits.max_connections:
            log.info("connection cap lowered to %d to fit the open-file limit", self._cap)
        self._server = await asyncio.start_server(
            self._accept,
            self._host,
            self._requested_port,
            ssl=self._ssl,
            ssl_handshake_timeout=self.limits.header_timeout if self._ssl else None,
            backlog=min(max(self._cap, 100), _MAX_BACKLOG),
            limit=READ_SIZE,
        )

    @property
    def port(self) -> int:
        if self._server is None or not self._server.sockets:
            raise RuntimeError("server not started")
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def url(self) -> str:
        scheme = "https" if self._ssl else "http"
        return f"{scheme}://{format_host(self._host)}:{self.port}"

    @property
    def connection_count(self) -> int:
        return len(self._connections)

    @property
    def connection_cap(self) -> int:
        return self._cap

    @property
    def running(self) -> bool:
        return self._server is not None and not self._closing

    async def close(self) -> None:
        """Graceful shutdown; returns when every connection task has ended."""
        server = self._server
        if server is None:
            return
        self._closing = True
        server.close()
        for task, conn in list(self._connections.items()):
            if conn.idle or conn.streaming:  # a stream has no natural end to wait for
                task.cancel()
        tasks = set(self._tasks)
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=self.limits.shutdown_timeout)
            for task in pending:
                task.cancel()
            if pending:
                await asyncio.wait(pending)
        await server.wait_closed()
        self._server = None

    # --- accepting -------------------------------------------------------------------

    def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # A plain function, not a coroutine: asyncio then leaves the task to us, so we can
        # track and cancel it (its own wrapper task mishandles cancellation on 3.11).
        if self._closing:
            writer.transport.abort()
            return
        if len(self._connections) >= self._cap and not self._evict_idle():
            self._refuse(writer)
            return
        loop = asyncio.get_running_loop()
        conn = _Connection(reader, writer, loop.time(), self.limits.max_header_bytes)
        task = loop.create_task(self._serve(conn))
        self._connections[task] = conn
        self._tasks.add(task)
        task.add_done_callback(self._forget)

    def _forget(self, task: asyncio.Task[None]) -> None:
        self._connections.pop(task, None)
        self._tasks.discard(task)

    def _evict_idle(self) -> bool:
        # Bytes already buffered but not yet parsed mean a request is under way: spare it.
        idle = [
            (conn.idle_since, task)
            for task, conn in self._connections.items()
            if conn.idle and not getattr(conn.reader, "_buffer", None)
        ]
        if not idle:
            return False
        _since, task = min(idle, key=lambda item: item[0])
        self._connections.pop(task, None)
        task.cancel()
        return True

    def _refuse(self, writer: asyncio.StreamWriter) -> None:
        self._refused += 1
        now = asyncio.get_running_loop().time()
        if now - self._refusal_logged_at >= REFUSAL_LOG_INTERVAL:  # a flood must not flood the log
            log.warning("%d connection(s) refused with 503: %d open, all busy", self._refused, self._cap)
            self._refused, self._refusal_logged_at = 0, now
        self._notify_error(503)
        conn = h11.Connection(h11.SERVER)
        data = _error_bytes(conn, 503, "too many connections")
        try:
            writer.write(data)
        finally:
            writer.close()

    # --- one connection --------------------------------------------------------------

    async def _serve(self, conn: _Connection) -> None:
        try:
            await self._run(conn)
        except asyncio.CancelledError:
            conn.writer.transport.abort()
            await self._close_writer(conn)  # returns at once: the socket is closed by then
            raise
        except (OSError, TimeoutError) as exc:  # peer gone, reset, TLS failure, stuck writes
            log.debug("connection %s dropped: %r", conn.client, exc)
            conn.writer.transport.abort()
        except Exception:
            log.exception("connection %s failed", conn.client)
            conn.writer.transport.abort()
        await self._close_writer(conn)

    async def _close_writer(self, conn: _Connection) -> None:
        writer = conn.writer
        if not writer.transport.is_closing():
            writer.close()
        try:
            async with asyncio.timeout(self.limits.write_timeout):
                await writer.wait_closed()
        except (OSError, TimeoutError):  # incl. ssl.SSLError
            writer.transport.abort()

    async def _run(self, conn: _Connection) -> None:
        h = conn.h11
        while True:
            try:
                event = await self._receive_request(conn)
                if event is None:
                    return
                body = await self._receive_body(conn, event)
            except h11.RemoteProtocolError as exc:
                await self._fail(conn, exc.error_status_hint, str(exc))
                return
            except _HttpError as exc:
                await self._fail(conn, exc.status, str(exc))
                return
            request = self._make_request(conn, event, body)
            response = await self._call_handler(request)
            if response.stream is not None and request.method != "HEAD":
                await self._send_stream(conn, response)
                return
            await self._send_response(conn, request, response)
            conn.served += 1
            if self._closing or h.our_state is not h11.DONE or h.their_state is not h11.DONE:
                return
            h.start_next_cycle()

    async def _read(self, conn: _Connection, deadline: float) -> bytes:
        async with asyncio.timeout_at(deadline):
            return await conn.reader.read(READ_SIZE)

    async def _receive_request(self, conn: _Connection) -> h11.Request | None:
        h = conn.h11
        loop = asyncio.get_running_loop()
        limits = self.limits
        if conn.served == 0:
            # A fresh connection gets the header timer from accept, so a silent socket ends.
            deadline: float | None = loop.time() + limits.header_timeout
        elif h.trailing_data[0]:
            deadline = loop.time() + limits.header_timeout  # pipelined bytes already here
            conn.idle = False
        else:
            deadline = None
        while True:
            event = h.next_event()
            if type(event) is h11.Request:
                conn.idle = False
                if _header_size(event) > limits.max_header_bytes:
                    raise _HttpError(431)
                return event
            if type(event) is h11.ConnectionClosed:
                return None
            if event is not h11.NEED_DATA:
                raise _HttpError(400, f"unexpected {type(event).__name__}")
            if deadline is None:
                conn.idle, conn.idle_since = True, loop.time()
                try:
                    data = await self._read(conn, loop.time() + limits.keepalive_timeout)
                except TimeoutError:
                    return None  # idle keep-alive expired: close quietly
                deadline = loop.time() + limits.header_timeout
            else:
                try:
                    data = await self._read(conn, deadline)
                except TimeoutError:
                    raise _HttpError(408) from None
            if data:
                conn.idle = False
            h.receive_data(data)

    async def _receive_body(self, conn: _Connection, event: h11.Request) -> bytes:
        h = conn.h11
        limit = self.limits.max_body_bytes
        for name, value in event.headers:
            if name == b"content-length" and int(value) > limit:  # h11 validated the digits
                raise _HttpError(413)
        if h.they_are_waiting_for_100_continue:
            await self._write(conn, h.send(h11.InformationalResponse(status_code=100, headers=[])))
        chunks: list[bytes] = []
        size = 0
        deadline = asyncio.get_running_loop().time() + self.limits.body_timeout
        while True:
            part = h.next_event()
            kind = type(part)
            if kind is h11.Data:
                size += len(part.data)
                if size > limit:
                    raise _HttpError(413)
                chunks.append(part.data)
            elif kind is h11.EndOfMessage:
                return b"".join(chunks)
            elif part is h11.NEED_DATA:
                try:
                    h.receive_data(await self._read(conn, deadline))
                except TimeoutError:
                    raise _HttpError(408) from None
            else:
                raise _HttpError(400, f"unexpected {kind.__name__}")

    @staticmethod
    def _make_request(conn: _Connection, event: h11.Request, body: bytes) -> Request:
        target = event.target.decode("latin-1")
        if target.startswith("/"):  # origin-form; urlsplit would read "//host/..." as a netloc
            raw_path, _, raw_query = target.partition("?")
        else:  # absolute-form ("http://host/path") or "*"
            split = urlsplit(target)
            raw_path, raw_query = split.path, split.query
        headers: dict[str, str] = {}
        for raw_name, raw_value in event.headers:
            name, value = raw_name.decode("latin-1"), raw_value.decode("latin-1")
            headers[name] = f"{headers[name]}, {value}" if name in headers else value
        return Request(
            method=event.method.decode("latin-1"),
            target=target,
            path=unquote(raw_path) or "/",
            query=dict(parse_qsl(raw_query, keep_blank_values=True)),
            headers=headers,
            body=body,
            client=conn.client,
        )

    async def _call_handler(self, request: Request) -> Response:
        try:
            response = await self._handler(request)
            if not isinstance(response, Response):
                raise TypeError(f"handler returned {type(response).__name__}, not Response")
        except Exception:
            log.exception("handler failed on %s %s", request.method, request.path)
            self._notify_error(500)
            return Response.json(500, {"error": "internal server error"})
        return response

    async def _send_response(self, conn: _Connection, request: Request, response: Response) -> None:
        h = conn.h11
        headers = _plain_headers(response)
        body = response.body
        if response.status in (204, 304) or response.status < 200:
            body = b""
        else:
            headers.append((b"content-length", str(len(body)).encode()))
        if self._closing:
            headers.append((b"connection", b"close"))
        data = h.send(h11.Response(status_code=response.status, headers=headers, reason=_reason(response.status)))
        if body and request.method != "HEAD":
            data += h.send(h11.Data(data=body))
        data += h.send(h11.EndOfMessage())
        await self._write(conn, data)

    async def _send_stream(self, conn: _Connection, response: Response) -> None:
        """Headers, then every chunk of ``response.stream``; ends when it ends, when the
        client closes its side or stops reading, or at shutdown."""
        assert response.stream is not None
        h = conn.h11
        headers = [*_plain_headers(response), (b"connection", b"close")]
        # No content-length: h11 sends the body chunked (or close-delimited to HTTP/1.0).
        head = h.send(h11.Response(status_code=response.status, headers=headers, reason=_reason(response.status)))
        task = asyncio.current_task()
        assert task is not None
        conn.streaming = True
        watcher = asyncio.get_running_loop().create_task(self._watch_peer(conn))
        # The stream may wait long between chunks: stop it the moment the client leaves.
        watcher.add_done_callback(lambda w: task.cancel() if conn.streaming and not w.cancelled() else None)
        try:
            await self._write(conn, head)
            async with aclosing(aiter(response.stream)) as chunks:  # type: ignore[type-var]
                async for chunk in chunks:
                    if chunk:
                        await self._write(conn, h.send(h11.Data(data=chunk)))
            await self._write(conn, h.send(h11.EndOfMessage()))
        except asyncio.CancelledError:
            if watcher.done() and not watcher.cancelled() and task.uncancel() == 0:
                raise _PeerClosed("the client closed the stream") from None
            raise
        finally:
            conn.streaming = False
            watcher.cancel()

    @staticmethod
    async def _watch_peer(conn: _Connection) -> None:
        """Returns when the client closes (or resets) its side; what it sends is discarded."""
        try:
            while await conn.reader.read(READ_SIZE):
                pass
        except OSError:
            pass

    async def _write(self, conn: _Connection, data: bytes) -> None:
        conn.writer.write(data)
        async with asyncio.timeout(self.limits.write_timeout):
            await conn.writer.drain()

    async def _fail(self, conn: _Connection, status: int, message: str) -> None:
        """Answer an error with ``connection: close`` when h11 still lets us, then close."""
        self._notify_error(status)
        log.info("answering %d to %s: %s", status, conn.client, message)
        if conn.h11.our_state not in (h11.IDLE, h11.SEND_RESPONSE):
            return
        await self._write(conn, _error_bytes(conn.h11, status, message))
        await self._linger(conn)

    async def _linger(self, conn: _Connection) -> None:
        """Half-close, then swallow what the client is still sending, briefly."""
        transport = conn.writer.transport
        if not transport.can_write_eof():  # TLS: no half-close
            return
        try:
            conn.writer.write_eof()
        except OSError:  # the peer is already gone
            return
        swallowed = 0
        try:
            async with asyncio.timeout(LINGER_SECONDS):
                while swallowed < LINGER_BYTES:
                    data = await conn.reader.read(READ_SIZE)
                    if not data:
                        return
                    swallowed += len(data)
        except (TimeoutError, OSError):
            pass

    def _notify_error(self, status: int) -> None:
        if self._on_error_response is not None:
            try:
                self._on_error_response(status)
            except Exception:
                log.exception("on_error_response callback failed")


def _plain_headers(response: Response) -> list[tuple[bytes, bytes]]:
    """The handler's headers minus those that frame the message, which are ours to set."""
    return [
        (name.encode("latin-1"), value.encode("latin-1"))
        for name, value in response.headers
        if name.lower() not in ("content-length", "transfer-encoding", "connection")
    ]


def _reason(status: int) -> bytes:
    try:
        return HTTPStatus(status).phrase.encode("ascii")
    except ValueError:
        return b""


def _error_bytes(conn: h11.Connection, status: int, message: str) -> bytes:
    body = json.dumps({"error": message}, ensure_ascii=False).encode("utf-8")
    headers = [
        (b"content-type", b"application/json; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    data = conn.send(h11.Response(status_code=status, headers=headers, reason=_reason(status)))
    return data + conn.send(h11.Data(data=body)) + conn.send(h11.EndOfMessage())


def _header_size(event: h11.Request) -> int:
    """Bytes of the request line and header block (as parsed, i.e. without optional spaces)."""
    size = len(event.method) + len(event.target) + len(event.http_version) + 11  # "M T HTTP/v\r\n" ... "\r\n"
    for name, value in event.headers:
        size += len(name) + len(value) + 4
    return size


def format_host(host: str) -> str:
    """``::1`` -> ``[::1]`` for URLs."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


__all__ = [
    "Handler",
    "HttpServer",
    "Limits",
    "Request",
    "Response",
    "effective_connection_cap",
    "format_host",
    "server_ssl_context",
]
