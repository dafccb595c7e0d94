"""The webhook listener (CONTRACT §5): the PBX posts call events, history and robot reports here.

:class:`Listener` wires the HTTP core, the routes and the journal, and exposes its state::

    listener = Listener.from_settings(settings, profile, crm_token,
                                      client_lookup=contacts.lookup,   # async (ClientRequest) -> dict
                                      on_webhook=calls.handle,          # sync (Webhook) -> None
                                      on_state=window.show_state)       # sync (ListenerState) -> None
    await listener.start()        # ListenerError (a UserError) with a Text saying what to fix
    ...
    await listener.close()

Routes under ``path_prefix``: POST ``/event``, ``/history``, ``/campaign/report`` (committed
to the journal before the 200; a repeated delivery answers 200 and is stored and handed on
once; a failed commit answers 500 so the PBX retries), POST ``/client`` and its alias
``/contact`` (answered from ``client_lookup`` within ``lookup_timeout``, ``{}`` on timeout,
error or when there is no lookup), GET ``/health`` (no auth). Every POST needs
``X-API-KEY`` equal to the crm token (401). Bodies: see :mod:`desktop_app.webhooks.types`
(400 naming the field). Repeated slashes and one trailing slash in the path are ignored.

Accepted webhooks older than ``journal_retention_days`` (90) are pruned from the journal
when the listener starts.

``on_webhook`` receives each accepted webhook (typed; /client requests too), in arrival
order, on the loop via ``call_soon``: the answer to the PBX never waits for it. It should
return quickly; its exceptions are logged. ``on_recorded`` likewise receives each newly
journaled webhook with its journal ``seq`` (:class:`Recorded`): the relay publishes those.

A service built on the listener (the relay) adds its own routes with ``extra_routes``:
``(route, handler)`` pairs, a route ending in ``/`` matching every path under it; the
handler sees the request with the prefix removed from its path and does its own auth.
``on_request(request, response, seconds)`` sees every answer (server-style logs, metrics).
"""

from __future__ import annotations

import asyncio
import dataclasses
import errno
import hmac
import logging
import re
import ssl
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from desktop_app.core.http_server import (
    Handler,
    HttpServer,
    Limits,
    Request,
    Response,
    format_host,
    server_ssl_context,
)
from desktop_app.core.texts import QT_TRANSLATE_NOOP, Text, UserError
from desktop_app.webhooks.journal import AsyncJournal, JournalError
from desktop_app.webhooks.types import ClientRequest, JournaledWebhook, Webhook, WebhookError, parse

log = logging.getLogger(__name__)

CONTEXT = "listener"
LOOKUP_TIMEOUT = 1.5
JOURNAL_RETENTION_DAYS = 90
_DAY = 86400.0
DEFAULT_LIMITS = Limits()

ClientLookup = Callable[[ClientRequest], Awaitable[dict[str, Any]]]
WebhookCallback = Callable[[Webhook], None]
ExtraRoutes = Sequence[tuple[str, Handler]]


@dataclass(frozen=True)
class Recorded:
    """A webhook just committed to the journal for the first time."""

    seq: int
    webhook: JournaledWebhook
    started: float  # time.perf_counter() when its request reached the routes


RecordedCallback = Callable[[Recorded], None]
RequestCallback = Callable[[Request, Response, float], None]

# route (after the prefix) -> webhook kind
WEBHOOK_ROUTES = {
    "/event": "event",
    "/history": "history",
    "/campaign/report": "campaign_report",
    "/client": "client",
    "/contact": "client",
}
HEALTH_ROUTE = "/health"
_JOURNALED = ("event", "history", "campaign_report")
_SLASHES = re.compile(r"/{2,}")


class ListenerError(UserError):
    pass


def _text(source: str, **args: Any) -> Text:
    return Text(CONTEXT, source, args)


NO_TOKEN = QT_TRANSLATE_NOOP(
    "listener",
    "No CRM token is set, so webhooks from the PBX cannot be checked. Set it with: gravitel-desk token set crm",
)
PORT_IN_USE = QT_TRANSLATE_NOOP(
    "listener", "Port {port} on {host} is already in use. Close the other program or choose another listener port."
)
CANNOT_LISTEN = QT_TRANSLATE_NOOP("listener", "Cannot listen on {host}:{port}: {reason}")
BAD_TLS = QT_TRANSLATE_NOOP("listener", "Cannot load the TLS certificate {cert} with key {key}: {reason}")
TLS_PAIR = QT_TRANSLATE_NOOP("listener", "Set both the TLS certificate and key (HTTPS), or neither (HTTP).")
BAD_PREFIX = QT_TRANSLATE_NOOP(
    "listener", 'The path prefix must start with "/" and not end with it, e.g. "/gravitel" (got "{prefix}").'
)
CANNOT_OPEN_DB = QT_TRANSLATE_NOOP("listener", "Cannot open the database {path}: {reason}")


@dataclass(frozen=True)
class ListenerState:
    running: bool = False
    url: str | None = None  # where the PBX should post (public_url when set)
    error: Text | None = None  # why it is not running; str() gives the English
    last_webhook_at: float | None = None  # Unix time of the last accepted webhook
    webhooks_received: int = 0  # accepted (200), repeated deliveries included
    errors: int = 0  # answers 4xx/5xx, from the routes and the HTTP core


class WebhookRoutes:
    """The request handler: routing, auth, parsing, journaling, answering."""

    def __init__(
        self,
        *,
        crm_token: str,
        journal: AsyncJournal,
        path_prefix: str = "",
        client_lookup: ClientLookup | None = None,
        lookup_timeout: float = LOOKUP_TIMEOUT,
        deliver: WebhookCallback | None = None,
        on_answer: Callable[[int, bool], None] | None = None,
        on_recorded: RecordedCallback | None = None,
        on_request: RequestCallback | None = None,
        extra_routes: ExtraRoutes = (),
    ) -> None:
        self._on_recorded = on_recorded
        self._on_request = on_request
        self._extra = tuple(extra_routes)
        self._token = crm_token.encode("utf-8")
        self._journal = journal
        self._prefix = path_prefix
        self._lookup = client_lookup
        self._lookup_timeout = lookup_timeout
        self._deliver = deliver
        self._on_answer = on_answer

    async def __call__(self, request: Request) -> Response:
        started = time.perf_counter()
        response, accepted = await self._route(request, started)
        if self._on_answer is not None:
            self._on_answer(response.status, accepted)
        if self._on_request is not None:
            _safe_call(self._on_request, request, response, time.perf_counter() - started)
        return response

    async def _route(self, request: Request, started: float) -> tuple[Response, bool]:
        path = _SLASHES.sub("/", request.path)
        if len(path) > 1 and path.endswith("/"):
            path = path[:-1]
        if not path.startswith(self._prefix):
            return _error(404, "not found"), False
        route = path[len(self._prefix):]
        if route == HEALTH_ROUTE:
            if request.method not in ("GET", "HEAD"):
                return _error(405, "method not allowed", allow="GET, HEAD"), False
            return Response.json(200, {"status": "ok"}), False
        kind = WEBHOOK_ROUTES.get(route)
        if kind is None:
            for extra, handler in self._extra:
                if route == extra or extra.endswith("/") and route.startswith(extra):
                    return await handler(dataclasses.replace(request, path=route)), False
            return _error(404, "not found"), False
        if request.method != "POST":
            return _error(405, "method not allowed", allow="POST"), False
        if not self._authorized(request):
            return _error(401, "missing or wrong X-API-KEY"), False
        try:
            webhook = parse(kind, request.body)
        except WebhookError as exc:
            return _error(400, str(exc)), False
        if isinstance(webhook, ClientRequest):
            self._hand_on(webhook)
            return Response.json(200, await self._client_answer(webhook)), True
        try:
            seq = await self._journal.record(webhook, request.body.decode("utf-8-sig"), time.time())
        except JournalError:
            log.exception("webhook %s %r not stored; answering 500 so the PBX retries", kind, webhook.id)
            return _error(500, "could not store the webhook, please retry"), False
        is_new = seq is not None
        if is_new:
            self._hand_on(webhook)
            if self._on_recorded is not None:
                asyncio.get_running_loop().call_soon(_safe_call, self._on_recorded, Recorded(seq, webhook, started))
        else:
            log.info("repeated delivery of %s %r", kind, webhook.id)
        return Response.json(200, {"status": "ok"} if is_new else {"status": "ok", "duplicate": True}), True

    def _authorized(self, request: Request) -> bool:
        given = request.headers.get("x-api-key")
        return given is not None and hmac.compare_digest(given.encode("latin-1"), self._token)

    def _hand_on(self, webhook: Webhook) -> None:
        if self._deliver is not None:
            # call_soon keeps arrival order and never delays the answer to the PBX.
            asyncio.get_running_loop().call_soon(_safe_call, self._deliver, webhook)

    async def _client_answer(self, request: ClientRequest) -> dict[str, str]:
        if self._lookup is None:
            return {}
        try:
            async with asyncio.timeout(self._lookup_timeout):
                found = await self._lookup(request)
        except TimeoutError:
            log.warning("client lookup for call %r took over %.1f s; answering {}", request.id, self._lookup_timeout)
            return {}
        except Exception:
            log.exception("client lookup for call %r failed; answering {}", request.id)
            return {}
        if not isinstance(found, dict):
            log.error("client lookup returned %s, not a dict; answering {}", type(found).__name__)
            return {}
        answer = {}
        for key in ("name", "manager"):
            value = found.get(key)
            if isinstance(value, int) and not isinstance(value, bool):
                value = str(value)
            if isinstance(value, str) and value.strip():
                answer[key] = value.strip()
        return answer


def _safe_call(callback: Callable[..., None], *args: Any) -> None:
    try:
        callback(*args)
    except Exception:
        log.exception("%s failed for %r", getattr(callback, "__name__", "a listener callback"), args[0])


def _error(status: int, message: str, *, allow: str | None = None) -> Response:
    return Response.json(status, {"error": message}, [("allow", allow)] if allow else ())


class Listener:
    """The webhook listener service; see the module docstring."""

    def __init__(
        self,
        *,
        db_path: Path,
        crm_token: str | None,
        host: str = "127.0.0.1",
        port: int = 8765,
        path_prefix: str = "",
        tls_cert: str = "",
        tls_key: str = "",
        public_url: str = "",
        client_lookup: ClientLookup | None = None,
        on_webhook: WebhookCallback | None = None,
        on_state: Callable[[ListenerState], None] | None = None,
        limits: Limits = DEFAULT_LIMITS,
        lookup_timeout: float = LOOKUP_TIMEOUT,
        journal_retention_days: float = JOURNAL_RETENTION_DAYS,
        on_recorded: RecordedCallback | None = None,
        on_request: RequestCallback | None = None,
        extra_routes: ExtraRoutes = (),
    ) -> None:
        self._on_recorded = on_recorded
        self._on_request = on_request
        self._extra_routes = extra_routes
        self._db_path = Path(db_path)
        self._token = crm_token or ""
        self._host = host
        self._port = port
        self._prefix = path_prefix
        self._tls = (tls_cert, tls_key)
        self._public_url = public_url.rstrip("/")
        self._client_lookup = client_lookup
        self._on_webhook = on_webhook
        self._on_state = on_state
        self._limits = limits
        self._lookup_timeout = lookup_timeout
        self._retention = journal_retention_days
        self._server: HttpServer | None = None
        self._journal: AsyncJournal | None = None
        self._state = ListenerState()

    @classmethod
    def from_settings(cls, settings: Any, profile: Any, crm_token: str | None, **kwargs: Any) -> Listener:
        """From :class:`~desktop_app.core.settings.Settings` and :class:`~desktop_app.core.profile.Profile`."""
        s = settings.listener
        return cls(
            db_path=profile.db_path,
            crm_token=crm_token,
            host=s.host,
            port=s.port,
            path_prefix=s.path_prefix,
            tls_cert=s.tls_cert,
            tls_key=s.tls_key,
            public_url=s.public_url,
            **kwargs,
        )

    @property
    def state(self) -> ListenerState:
        return self._state

    @property
    def journal(self) -> AsyncJournal | None:
        """The open journal while running (to read entries back)."""
        return self._journal

    @property
    def url(self) -> str | None:
        """The local address with the prefix, e.g. ``http://127.0.0.1:8765/gravitel``."""
        if self._server is None:
            return None
        return self._server.url + self._prefix

    @property
    def public_url(self) -> str | None:
        """What to paste into the PBX's integration settings."""
        return self._public_url or self.url

    @property
    def server(self) -> HttpServer | None:
        return self._server

    async def start(self) -> None:
        if self._server is not None:
            return
        try:
            await self._start()
        except ListenerError as exc:
            self._set_state(running=False, url=None, error=exc.text)
            raise

    async def _start(self) -> None:
        if not self._token:
            raise ListenerError(_text(NO_TOKEN))
        prefix = self._prefix
        if prefix and (not prefix.startswith("/") or prefix.endswith("/")):
            raise ListenerError(_text(BAD_PREFIX, prefix=prefix))
        ssl_context = self._ssl_context()
        try:
            journal = await AsyncJournal.open(self._db_path)
        except JournalError as exc:
            reason = str(exc.__cause__ or exc)
            raise ListenerError(_text(CANNOT_OPEN_DB, path=str(self._db_path), reason=reason)) from exc
        if self._retention > 0:
            try:
                await journal.prune(time.time() - self._retention * _DAY)
            except JournalError:
                log.exception("could not prune the webhook journal")
        routes = WebhookRoutes(
            crm_token=self._token,
            journal=journal,
            path_prefix=prefix,
            client_lookup=self._client_lookup,
            lookup_timeout=self._lookup_timeout,
            deliver=self._on_webhook,
            on_answer=self._count_answer,
            on_recorded=self._on_recorded,
            on_request=self._on_request,
            extra_routes=self._extra_routes,
        )
        server = HttpServer(
            routes,
            host=self._host,
            port=self._port,
            ssl_context=ssl_context,
            limits=self._limits,
            on_error_response=self._count_core_error,
        )
        try:
            await server.start()
        except OSError as exc:
            await journal.close()
            if exc.errno in (errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", -1)):
                raise ListenerError(_text(PORT_IN_USE, host=self._host, port=self._port)) from exc
            reason = exc.strerror or str(exc)
            raise ListenerError(_text(CANNOT_LISTEN, host=self._host, port=self._port, reason=reason)) from exc
        except BaseException:
            await journal.close()
            raise
        self._server, self._journal = server, journal
        log.info("webhook listener on %s", self.url)
        self._set_state(running=True, url=self.public_url, error=None)

    def _ssl_context(self) -> ssl.SSLContext | None:
        cert, key = self._tls
        if not cert and not key:
            return None
        if not cert or not key:
            raise ListenerError(_text(TLS_PAIR))
        cert, key = str(Path(cert).expanduser()), str(Path(key).expanduser())
        try:
            return server_ssl_context(cert, key)
        except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError
            reason = getattr(exc, "strerror", None) or getattr(exc, "reason", None) or str(exc)
            raise ListenerError(_text(BAD_TLS, cert=cert, key=key, reason=reason)) from exc

    async def close(self) -> None:
        server, journal = self._server, self._journal
        self._server = self._journal = None
        try:
            if server is not None:
                await server.close()
        finally:
            if journal is not None:
                await journal.close()
        if server is not None:
            self._set_state(running=False, url=None)

    def _count_answer(self, status: int, accepted: bool) -> None:
        if accepted:
            self._set_state(
                webhooks_received=self._state.webhooks_received + 1,
                last_webhook_at=time.time(),
            )
        elif status >= 400:
            self._count_core_error(status)

    def _count_core_error(self, status: int) -> None:
        self._set_state(errors=self._state.errors + 1)

    def _set_state(self, **changes: Any) -> None:
        self._state = dataclasses.replace(self._state, **changes)
        if self._on_state is not None:
            try:
                self._on_state(self._state)
            except Exception:
                log.exception("on_state failed")


def listener_url(host: str, port: int, path_prefix: str = "", *, tls: bool = False) -> str:
    """The URL a listener on ``host:port`` answers at (for settings screens)."""
    return f"{'https' if tls else 'http'}://{format_host(host)}:{port}{path_prefix}"
