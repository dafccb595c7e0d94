"""The relay's desk-facing routes under ``/desk/v1/`` (docs/relay.md): the event stream and
the shared contact directory. Every route needs ``Authorization: Bearer <desk token>``.

A desk token is a credential, so: it is compared by its hash only, never logged (logs name
a desk by its number and extension), and a desk may hold at most
:data:`MAX_STREAMS_PER_DESK` streams: one more closes its oldest (a desk that reconnects
before its old connection timed out must not be locked out; a copied token cannot pile
up connections). Each stream's buffer is bounded (:mod:`desktop_app.relay.hub`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from desktop_app.contacts.directory import ContactDirectory, ContactNotFound
from desktop_app.core import sse
from desktop_app.core.http_server import Request, Response
from desktop_app.core.texts import UserError
from desktop_app.relay import protocol
from desktop_app.relay.desks import NOTE_INTERVAL, Desk, DeskRegistry, token_hash
from desktop_app.relay.hub import Closed, Hub, Message
from desktop_app.relay.metrics import RelayMetrics

log = logging.getLogger("relay")

MAX_STREAMS_PER_DESK = 2
RELOAD_INTERVAL = 0.5  # how often the desks table is checked for changes by `relay` commands
SEARCH_LIMIT_MAX = 1000


class _Stream:
    """One open stream of one desk."""

    __slots__ = ("desk", "subscription", "opened", "last_id", "sent", "client")

    def __init__(self, desk: Desk, subscription: Any, client: str) -> None:
        self.desk = desk
        self.subscription = subscription
        self.opened = time.time()
        self.last_id = subscription.last_id
        self.sent = 0
        self.client = client


class DeskBook:
    """Who may connect (token hashes from the desks table, reloaded when it changes) and
    which streams are open."""

    def __init__(self, registry: DeskRegistry) -> None:
        self._registry = registry
        self._by_hash: dict[str, Desk] = registry.by_hash()
        self._version = registry.data_version()
        self.streams: dict[int, list[_Stream]] = {}
        self._task: asyncio.Task[None] | None = None
        self._last_note = 0.0

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._watch())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        for streams in list(self.streams.values()):
            for stream in list(streams):
                stream.subscription.close("shutdown")
        self.note(force=True)

    def authenticate(self, request: Request) -> Desk | None:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        # A lookup by hash: its timing can only tell about hashes, which nobody can invert.
        return self._by_hash.get(token_hash(token.strip()))

    @property
    def connected(self) -> int:
        return len(self.streams)

    def opened(self, stream: _Stream) -> None:
        streams = self.streams.setdefault(stream.desk.id, [])
        streams.append(stream)
        while len(streams) > MAX_STREAMS_PER_DESK:
            streams[0].subscription.close("replaced")
            streams.pop(0)
        self.note(force=True)

    def closed(self, stream: _Stream) -> None:
        streams = self.streams.get(stream.desk.id, [])
        if stream in streams:
            streams.remove(stream)
        if not streams:
            self.streams.pop(stream.desk.id, None)
        self._note_rows([(stream.desk.id, time.time(), stream.last_id, len(streams))])

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(RELOAD_INTERVAL)
            try:
                self._reload()
                self.note()
            except Exception:  # a locked or broken database must not end the watch
                log.exception("could not check the desks table")

    def _reload(self) -> None:
        version = self._registry.data_version()
        if version == self._version:
            return
        self._version = version
        self._by_hash = self._registry.by_hash()
        present = {desk.id for desk in self._by_hash.values()}
        for desk_id, streams in list(self.streams.items()):
            if desk_id not in present:
                for stream in list(streams):
                    stream.subscription.close("revoked")

    def note(self, *, force: bool = False) -> None:
        """Write last seen / last id of connected desks (every few seconds, or now)."""
        now = time.time()
        if not force and now - self._last_note < NOTE_INTERVAL:
            return
        self._last_note = now
        rows = [
            (desk_id, now, max(s.last_id for s in streams), len(streams))
            for desk_id, streams in self.streams.items()
        ]
        self._note_rows(rows)

    def _note_rows(self, rows: list[tuple[int, float | None, int, int]]) -> None:
        try:
            self._registry.note(rows)
        except Exception:
            log.warning("could not note desk activity", exc_info=True)


class DirectoryWorker:
    """The shared directory for desks, on one worker thread with its own connection: a name
    search over a large directory is a scan, and a write may wait for another process's
    lock; neither may hold up the event loop that answers the PBX."""

    def __init__(self, db_path: Path) -> None:
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="relay-directory")
        self._db_path = db_path
        self._directory: ContactDirectory | None = None

    async def run(self, fn: Callable[[ContactDirectory], Any]) -> Any:
        return await asyncio.wrap_future(self._executor.submit(self._call, fn))

    def _call(self, fn: Callable[[ContactDirectory], Any]) -> Any:
        if self._directory is None:
            self._directory = ContactDirectory(self._db_path)
        return fn(self._directory)

    async def close(self) -> None:
        def close() -> None:
            if self._directory is not None:
                self._directory.close()

        await asyncio.wrap_future(self._executor.submit(close))
        self._executor.shutdown(wait=True)


def _error(status: int, message: str, **headers: str) -> Response:
    return Response.json(status, {"error": message}, list(headers.items()))


UNAUTHORIZED = {"www-authenticate": 'Bearer realm="gravitel-relay"'}


class DeskRoutes:
    """The request handler for ``/desk/v1/...`` (paths as the listener hands them on: after
    its prefix, starting with ``/desk/v1``)."""

    def __init__(self, book: DeskBook, hub: Hub, directory: DirectoryWorker, metrics: RelayMetrics,
                 *, heartbeat: float | None = None) -> None:
        self._book = book
        self._hub = hub
        self._directory = directory
        self._metrics = metrics
        self._heartbeat = heartbeat or protocol.HEARTBEAT_SECONDS

    async def __call__(self, request: Request) -> Response:
        desk = self._book.authenticate(request)
        if desk is None:
            return _error(401, "missing, unknown or revoked desk token", **UNAUTHORIZED)
        path = request.path
        if path == protocol.EVENTS:
            if request.method not in ("GET", "HEAD"):
                return _error(405, "method not allowed", allow="GET, HEAD")
            return self._events(request, desk)
        if path == protocol.CONTACTS or path.startswith(protocol.CONTACTS + "/"):
            return await self._contacts(request, path[len(protocol.CONTACTS):].strip("/"))
        return _error(404, "not found")

    # -- the stream ----------------------------------------------------------------------

    def _events(self, request: Request, desk: Desk) -> Response:
        raw = request.headers.get("last-event-id") or request.query.get(protocol.LAST_EVENT_ID_QUERY, "")
        raw = raw.strip()
        if raw:
            if not raw.isdigit() or len(raw) > 18:
                return _error(400, "Last-Event-ID must be a message id (a whole number)")
            after = int(raw)
        else:
            after = self._hub.last_id  # a desk without history starts from now
        client = request.client[0] if request.client else "?"
        subscription = self._hub.subscribe(after, desk.topic)
        stream = _Stream(desk, subscription, client)
        headers = [
            ("content-type", "text/event-stream; charset=utf-8"),
            ("cache-control", "no-cache, no-store"),
            ("x-accel-buffering", "no"),  # nginx: pass each message on at once
        ]
        return Response(200, headers=headers, stream=self._stream(stream, raw or None))

    async def _stream(self, stream: _Stream, resumed_from: str | None) -> AsyncIterator[bytes]:
        desk, subscription = stream.desk, stream.subscription
        self._book.opened(stream)
        self._metrics.desk_connects += 1
        log.info("%s connected from %s, %s", desk.label, stream.client,
                 f"resuming after id {resumed_from}" if resumed_from else "live from now")
        reason = "closed by the desk"
        try:
            yield sse.comment("gravitel relay")  # the desk sees at once that the stream is open
            while True:
                try:
                    batch = await subscription.next_batch(self._heartbeat)
                except Closed as exc:
                    reason = str(exc)
                    return
                if not batch:
                    yield b":\n\n"
                    continue
                yield b"".join(message.frame for message in batch) if len(batch) > 1 else batch[0].frame
                self._delivered(stream, batch)
        except (asyncio.CancelledError, GeneratorExit):
            reason = subscription.reason or "closed by the desk"
            raise
        finally:
            subscription.close(reason)
            self._book.closed(stream)
            self._metrics.desk_drops[reason] += 1
            log.info("%s disconnected (%s) after %d messages, last id %d", desk.label, reason, stream.sent,
                     stream.last_id)

    def _delivered(self, stream: _Stream, batch: list[Message]) -> None:
        now = time.perf_counter()
        histogram = self._metrics.fanout_latency
        for message in batch:
            if message.received is not None:
                histogram.observe(now - message.received)
        stream.last_id = batch[-1].id
        stream.sent += len(batch)
        self._metrics.messages_sent += len(batch)

    # -- the directory -------------------------------------------------------------------

    async def _contacts(self, request: Request, rest: str) -> Response:
        try:
            if not rest:
                if request.method == "GET":
                    return await self._search(request)
                if request.method == "POST":
                    return await self._save(request, None)
                return _error(405, "method not allowed", allow="GET, POST")
            if not rest.isdigit() or len(rest) > 18:
                return _error(404, "not found")
            contact_id = int(rest)
            if request.method == "GET":
                found = await self._directory.run(lambda d: d.get(contact_id))
                if found is None:
                    return _error(404, f"no contact with id {contact_id}")
                return Response.json(200, protocol.contact_to_json(found))
            if request.method == "PUT":
                return await self._save(request, contact_id)
            if request.method == "DELETE":
                deleted = await self._directory.run(lambda d: d.delete(contact_id))
                return Response.json(200 if deleted else 404, {"deleted": deleted})
            return _error(405, "method not allowed", allow="GET, PUT, DELETE")
        except UserError as exc:  # a contact that cannot be stored: the desk shows why
            return _error(404 if isinstance(exc, ContactNotFound) else 400, str(exc))

    async def _search(self, request: Request) -> Response:
        query = request.query
        number = query.get("number")
        if number is not None:
            found = await self._directory.run(lambda d: d.find_by_number(number))
            return Response.json(200, {"contacts": [protocol.contact_to_json(c) for c in found]})
        text = query.get("q", "")
        try:
            limit = max(1, min(int(query.get("limit", "100")), SEARCH_LIMIT_MAX))
        except ValueError:
            return _error(400, "limit must be a whole number")

        def page(d: ContactDirectory) -> tuple[list, int | None]:
            if text.strip():
                return d.search(text, limit + 1), None
            rows = iter(d)
            try:
                return list(itertools.islice(rows, limit + 1)), d.count()
            finally:
                rows.close()  # type: ignore[attr-defined]  # ends the read transaction at once

        found, total = await self._directory.run(page)
        return Response.json(200, {
            "contacts": [protocol.contact_to_json(c) for c in found[:limit]],
            "more": len(found) > limit,
            "total": total,
        })

    async def _save(self, request: Request, contact_id: int | None) -> Response:
        try:
            data = json.loads(request.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            return _error(400, "the body must be a contact as a JSON object")
        try:
            contact = protocol.contact_from_json(data)
        except ValueError as exc:
            return _error(400, str(exc))
        if contact_id is None:
            stored = await self._directory.run(lambda d: d.add(replace(contact, id=None)))
            return Response.json(201, protocol.contact_to_json(stored))
        stored = await self._directory.run(lambda d: d.update(replace(contact, id=contact_id)))
        return Response.json(200, protocol.contact_to_json(stored))
