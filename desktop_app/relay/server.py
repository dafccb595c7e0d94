"""``gravitel-desk relay serve``: the webhook listener run headless for a whole office.

The PBX posts to the relay exactly as it would post to a desk (the same
:class:`~desktop_app.webhooks.listener.Listener`: both protocols, auth, limits, TLS,
journal before the 200, quarantine); ``/client`` is answered from the relay profile's
contact directory. Desks connect out to ``/desk/v1/events`` and receive, from the
journal, the messages of their extension (:mod:`desktop_app.relay.desk_routes`). The
robot's campaign reports also fill the office's shared call-back list
(:mod:`desktop_app.campaigns.relay_routes`).

Nothing here imports Qt (a test checks ``sys.modules`` of a running relay).
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import json
import logging
import signal
import sys
import time
from dataclasses import dataclass
from typing import Any

from desktop_app.campaigns.relay_routes import CallbackRoutes, CampaignWorker
from desktop_app.contacts.directory import ContactDirectory
from desktop_app.core.http_server import Limits, Request, Response
from desktop_app.core.profile import Profile
from desktop_app.core.settings import Settings
from desktop_app.relay import protocol
from desktop_app.relay.desk_routes import DeskBook, DeskRoutes, DirectoryWorker
from desktop_app.relay.desks import DeskRegistry
from desktop_app.relay.hub import ALL, JournalHub, Message
from desktop_app.relay.metrics import CONTENT_TYPE, RelayMetrics
from desktop_app.webhooks.journal import AsyncJournal, JournalEntry
from desktop_app.webhooks.listener import WEBHOOK_ROUTES, Listener, Recorded
from desktop_app.webhooks.types import CampaignReport

log = logging.getLogger("relay")

# Room for every desk's stream besides the PBX's connections.
RELAY_LIMITS = Limits(max_connections=4096)
_ROUTED_KINDS = {"event", "history"}  # kinds addressed to an extension


@dataclass(frozen=True)
class RelayOptions:
    host: str | None = None  # None: [listener] host
    port: int | None = None  # None: [listener] port
    heartbeat: float | None = None  # None: protocol.HEARTBEAT_SECONDS
    limits: Limits = RELAY_LIMITS


def _topic(kind: str, data: dict[str, Any]) -> str | None:
    """Whose message it is: the extension of a call (as the webhook parser reads it)."""
    if kind not in _ROUTED_KINDS:
        return None
    value = data.get("extension")
    if value is None or isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    return str(value).strip() or None


class Relay:
    """The relay service of one profile; :meth:`start`, then :meth:`close`."""

    def __init__(self, profile: Profile, settings: Settings, *, crm_token: str | None,
                 metrics_token: str | None = None, options: RelayOptions = RelayOptions()) -> None:
        self.profile = profile
        self.settings = settings
        self._crm_token = crm_token
        self._metrics_token = (metrics_token or "").encode()
        self._metrics_from = [ipaddress.ip_network(a, strict=False) for a in settings.relay.metrics_from]
        self.options = options
        self.listener: Listener | None = None
        self.hub: JournalHub | None = None
        self.book: DeskBook | None = None
        self.metrics = RelayMetrics(desks_connected=lambda: self.book.connected if self.book else 0,
                                    quarantine_size=self._quarantine_size)
        self._directory: ContactDirectory | None = None
        self._worker: DirectoryWorker | None = None
        self._registry: DeskRegistry | None = None
        self._reader: AsyncJournal | None = None
        self._campaigns: CampaignWorker | None = None

    @property
    def url(self) -> str | None:
        return self.listener.url if self.listener else None

    async def start(self) -> None:
        db = self.profile.db_path
        self._directory = ContactDirectory(db)
        self._registry = DeskRegistry(db)
        self._worker = DirectoryWorker(db)
        self._campaigns = CampaignWorker(db, self.settings.campaigns.callback_rules)
        try:
            await self._campaigns.catch_up()
            self._reader = await AsyncJournal.open(db)
            self.hub = JournalHub(self._reader, self._render, last_id=await self._reader.last_seq())
            self.book = DeskBook(self._registry)
            desk_routes = DeskRoutes(self.book, self.hub, self._worker, self.metrics,
                                     heartbeat=self.options.heartbeat or protocol.HEARTBEAT_SECONDS)
            settings = self.settings
            listener_settings = settings.listener
            directory = self._directory
            self.listener = Listener(
                db_path=db,
                crm_token=self._crm_token,
                host=self.options.host if self.options.host is not None else listener_settings.host,
                port=self.options.port if self.options.port is not None else listener_settings.port,
                path_prefix=listener_settings.path_prefix,
                tls_cert=listener_settings.tls_cert,
                tls_key=listener_settings.tls_key,
                public_url=listener_settings.public_url,
                client_lookup=lambda request: directory.lookup_client(request.client),
                on_recorded=self._publish,
                on_request=self._log_request,
                extra_routes=[*self._callback_routes(), (protocol.PREFIX + "/", desk_routes),
                              ("/metrics", self._metrics_route)],
                limits=self.options.limits,
            )
            await self.listener.start()
        except BaseException:
            await self.close()
            raise
        self.book.start()
        log.info("relay on %s (desks connect to %s%s)", self.listener.url, self.listener.public_url,
                 protocol.EVENTS)

    async def close(self) -> None:
        if self.book is not None:
            await self.book.close()  # ends every stream first, so the server needs no grace time
        if self.listener is not None:
            await self.listener.close()
        if self._reader is not None:
            await self._reader.close()
        if self._worker is not None:
            await self._worker.close()
        if self._campaigns is not None:
            await self._campaigns.close()
        for store in (self._registry, self._directory):
            if store is not None:
                store.close()
        self.listener = self.book = self.hub = None
        self._reader = self._worker = self._registry = self._directory = self._campaigns = None

    def _callback_routes(self) -> list[tuple[str, Any]]:
        assert self._campaigns is not None

        def extension(request: Request) -> str | None:
            desk = self.book.authenticate(request) if self.book is not None else None
            return desk.extension if desk is not None else None

        routes = CallbackRoutes(self._campaigns, extension)
        return [(protocol.CALLBACKS, routes), (protocol.CALLBACKS + "/", routes), (protocol.CAMPAIGN_CALLS, routes)]

    # -- messages ------------------------------------------------------------------------

    def _message(self, seq: int, kind: str, data: dict[str, Any], topic: str | None,
                 received: float | None) -> Message:
        if kind in _ROUTED_KINDS and self._directory is not None:
            client = data.get("client")
            if isinstance(client, (str, int)) and not isinstance(client, bool):
                try:
                    found = self._directory.find_by_number(str(client))
                except Exception:  # the stream goes on without the contact
                    log.exception("directory lookup failed for message %d", seq)
                    found = []
                if found:
                    data = {**data, "contact": protocol.contact_to_json(found[0])}
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        return Message(seq, kind, topic, text, received)

    def _render(self, entry: JournalEntry, topic: str | None) -> Message | None:
        """A stored webhook as a message for ``topic`` (None when it is not for it)."""
        try:
            data = entry.data()
        except ValueError:
            log.error("journal entry %d is not JSON; skipped", entry.seq)
            return None
        message_topic = _topic(entry.kind, data)
        if topic is not ALL and message_topic != topic:
            return None
        return self._message(entry.seq, entry.kind, data, message_topic, None)

    def _publish(self, recorded: Recorded) -> None:
        if isinstance(recorded.webhook, CampaignReport) and self._campaigns is not None:
            self._campaigns.take(recorded.webhook)
        if self.hub is None:
            return
        data = recorded.webhook.raw
        self.hub.publish(self._message(recorded.seq, recorded.webhook.kind, data,
                                       _topic(recorded.webhook.kind, data), recorded.started))

    # -- logs and metrics ----------------------------------------------------------------

    def _log_request(self, request: Request, response: Response, seconds: float) -> None:
        route = request.path[len(self.settings.listener.path_prefix):]
        kind = WEBHOOK_ROUTES.get(route.rstrip("/") or route)
        if kind is None:
            return  # health checks and desks' requests: the desk routes log what matters
        self.metrics.webhook(kind, response.status)
        details = ""
        if response.status == 200:
            try:
                data = json.loads(request.body)
                details = f" id={data.get('id')!r} extension={data.get('extension')!r}"
            except (ValueError, AttributeError):
                pass
        client = request.client[0] if request.client else "?"
        log.info("webhook %s %d from %s in %.1f ms%s", kind, response.status, client, seconds * 1000, details)

    async def _metrics_route(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return Response.json(405, {"error": "method not allowed"}, [("allow", "GET, HEAD")])
        if not self._metrics_allowed(request):
            return Response.json(403, {"error": "metrics need the metrics token or an allowed address"})
        return Response(200, self.metrics.render().encode(), [("content-type", CONTENT_TYPE)])

    def _metrics_allowed(self, request: Request) -> bool:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if self._metrics_token and scheme.lower() == "bearer":
            return hmac.compare_digest(token.strip().encode(), self._metrics_token)
        if request.client is None:
            return False
        try:
            address = ipaddress.ip_address(request.client[0])
        except ValueError:
            return False
        return any(address in network for network in self._metrics_from)

    def _quarantine_size(self) -> int:
        journal = self.listener.journal if self.listener else None
        size = getattr(journal, "quarantine_size", None)
        return int(size()) if callable(size) else 0


# --- the command -------------------------------------------------------------------------


def setup_logging() -> None:
    """Server-style lines on stdout (journald and docker keep them), tokens masked."""
    from desktop_app.core.log_setup import RedactingFilter

    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)


async def serve(relay: Relay, stop: asyncio.Event | None = None) -> None:
    """Run until SIGTERM or SIGINT (or ``stop``), then close cleanly."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    installed = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(signum, stop.set)
            installed.append(signum)
        except (NotImplementedError, RuntimeError):  # Windows: Ctrl+C still raises KeyboardInterrupt
            pass
    try:
        await relay.start()
        await stop.wait()
        log.info("stopping")
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)
        started = time.monotonic()
        await relay.close()
        log.info("relay stopped in %.1f s", time.monotonic() - started)
