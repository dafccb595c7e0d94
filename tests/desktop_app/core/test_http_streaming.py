"""Streaming responses of the HTTP core on real sockets: chunks in order, the end of a stream
when the client leaves, stops reading, or the server shuts down."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import httpx

from desktop_app.core.http_server import HttpServer, Limits, Request, Response

# A safety net so a broken server fails a test instead of hanging it; never an assertion.
IO_TIMEOUT = 10.0


class Feed:
    """A handler that answers every request with a stream fed by the test."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        self.started = asyncio.Event()
        self.ended = asyncio.Event()

    async def __call__(self, request: Request) -> Response:
        if request.path == "/plain":
            return Response.json(200, {"ok": True})
        return Response(200, headers=[("content-type", "text/event-stream")], stream=self.chunks())

    async def chunks(self) -> AsyncIterator[bytes]:
        self.started.set()
        try:
            while (chunk := await self.queue.get()) is not None:
                yield chunk
        finally:
            self.ended.set()


@contextlib.asynccontextmanager
async def serving(handler, **kwargs) -> AsyncIterator[HttpServer]:
    server = HttpServer(handler, **kwargs)
    await server.start()
    try:
        yield server
    finally:
        await server.close()


async def test_chunks_arrive_in_order_and_the_stream_ends_with_the_iterable():
    feed = Feed()
    async with serving(feed) as server, httpx.AsyncClient(timeout=IO_TIMEOUT) as http:
        async with http.stream("GET", server.url + "/events") as response:
            assert response.status_code == 200
            assert response.headers["content-type"] == "text/event-stream"
            assert response.headers["transfer-encoding"] == "chunked"
            assert response.headers["connection"] == "close"
            for part in (b"one\n", b"", b"two\n", "три\n".encode()):
                feed.queue.put_nowait(part)
            feed.queue.put_nowait(None)
            received = b"".join([chunk async for chunk in response.aiter_raw()])
        assert received == "one\ntwo\nтри\n".encode()
        assert feed.ended.is_set()


async def test_client_leaving_ends_the_stream_at_once():
    feed = Feed()
    async with serving(feed) as server:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"GET /events HTTP/1.1\r\nhost: x\r\n\r\n")
        async with asyncio.timeout(IO_TIMEOUT):
            await reader.readuntil(b"\r\n\r\n")
            await feed.started.wait()
            assert server.connection_count == 1
            writer.close()  # the stream is silent: only the close can tell the server
            await feed.ended.wait()
            while server.connection_count:
                await asyncio.sleep(0.01)


async def test_a_client_that_stops_reading_is_dropped_and_others_are_served():
    feed = Feed()
    limits = Limits(write_timeout=0.3)
    async with serving(feed, limits=limits) as server, httpx.AsyncClient(timeout=IO_TIMEOUT) as http:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port, limit=1024)
        writer.transport.pause_reading()  # never reads: the socket buffers fill up
        writer.write(b"GET /events HTTP/1.1\r\nhost: x\r\n\r\n")
        async with asyncio.timeout(IO_TIMEOUT):
            await feed.started.wait()
            while not feed.ended.is_set():
                feed.queue.put_nowait(b"x" * 65536)
                await asyncio.sleep(0.01)
                assert (await http.get(server.url + "/plain")).status_code == 200
        writer.close()


async def test_shutdown_ends_open_streams_without_waiting_for_them():
    feed = Feed()
    limits = Limits(shutdown_timeout=60.0)
    server = HttpServer(feed, limits=limits)
    await server.start()
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(b"GET /events HTTP/1.1\r\nhost: x\r\n\r\n")
    async with asyncio.timeout(IO_TIMEOUT):  # far below shutdown_timeout
        await feed.started.wait()
        await server.close()
        assert feed.ended.is_set()
        assert await reader.read() is not None  # the socket is closed: read returns
    writer.close()


async def test_head_of_a_stream_sends_no_body():
    feed = Feed()
    async with serving(feed) as server, httpx.AsyncClient(timeout=IO_TIMEOUT) as http:
        response = await http.head(server.url + "/events")
        assert response.status_code == 200
        assert (await http.get(server.url + "/plain")).json() == {"ok": True}
