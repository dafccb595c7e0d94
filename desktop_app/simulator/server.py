"""The simulator as one object (embeddable in the GUI's loop) and as a command.

``gravitel-desk simulator`` runs :func:`main`; ``--demo`` builds a :class:`Simulator`
in its own asyncio loop: ``await sim.start()``, point the desk at ``sim.url``, and
``await sim.close()`` closes everything the simulator opened.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import re
import signal
import ssl
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from typing import TextIO
from urllib.parse import urlsplit

from desktop_app.core.http_server import HttpServer, Limits, Request, Response
from desktop_app.simulator import audio
from desktop_app.simulator.api import API_PREFIX, BALANCE_WINDOW, PbxApi, error_response
from desktop_app.simulator.calls import CallPlayer, Delays
from desktop_app.simulator.control import CONTROL_PREFIX, ControlApi
from desktop_app.simulator.data import HISTORY_DAYS, RECORDS_PATH, generate_history
from desktop_app.simulator.state import PbxState

log = logging.getLogger(__name__)

HOST = "127.0.0.1"  # loopback only (CONTRACT §7)
DEFAULT_PORT = 8780
DEFAULT_DOMAIN = "demo.aicall.ru"
DEFAULT_TOKEN = "demo-token"
API_TOKEN_ENV = "GRAVITEL_DESK_API_TOKEN"
CRM_TOKEN_ENV = "GRAVITEL_DESK_CRM_TOKEN"
# callArray may carry many calls; everything else is small.
LIMITS = Limits(max_body_bytes=1024 * 1024)
_RECORD = re.compile(r"^%s/(?P<domain>[^/]+)/(?P<id>[0-9A-Za-z_-]+)\.wav$" % re.escape(RECORDS_PATH))


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class Simulator:
    """A PBX on 127.0.0.1: the API, the control requests, recordings, and calls played to a CRM.

    ``seed`` makes the sample history and the played calls repeatable (tests); without
    it every run differs, so call ids never repeat across runs against one profile.
    ``now``/``clock`` replace the wall clock and the monotonic clock (tests).
    """

    def __init__(
        self,
        *,
        port: int = 0,
        domain: str = DEFAULT_DOMAIN,
        token: str = DEFAULT_TOKEN,
        crm_url: str | None = None,
        crm_token: str | None = None,
        crm_verify: bool | ssl.SSLContext = True,
        ring_every: float | None = None,
        ring_extension: str | None = None,
        delays: Delays = Delays(),
        balance_window: float = BALANCE_WINDOW,
        seed: int | None = None,
        history_days: int = HISTORY_DAYS,
        now: Callable[[], datetime] = _utc_now,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not token:
            raise ValueError("the simulator needs an API token to accept")
        if ring_every is not None and ring_every <= 0:
            raise ValueError("ring_every must be positive")
        self.domain = domain
        self.token = token
        self.ring_every = ring_every
        rng = random.Random(seed)
        self.state = PbxState()
        self.state.add_calls(generate_history(now(), rng.getrandbits(32), history_days))
        self.player = CallPlayer(
            self.state, domain=domain, base_url=lambda: self.url, crm_url=crm_url, crm_token=crm_token,
            crm_verify=crm_verify, delays=delays, rng=random.Random(rng.getrandbits(32)), now=now,
            ring_extension=ring_extension,
        )
        self.api = PbxApi(
            self.state, self.player, domain=domain, token=token, base_url=lambda: self.url, now=now,
            clock=clock, balance_window=balance_window,
        )
        self.control = ControlApi(self.api, self.player, self.describe)
        self._server = HttpServer(self.handle, host=HOST, port=port, limits=LIMITS)
        self._ringer: asyncio.Task | None = None
        self._started = False

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Listen on 127.0.0.1. Raises OSError when the port is taken."""
        await self._server.start()
        self._started = True
        if self.ring_every:
            self._ringer = asyncio.get_running_loop().create_task(
                self.player.ring_now_and_then(self.ring_every), name="simulator-ringer"
            )
        log.info("PBX simulator listening on %s, domain %s", self.url, self.domain)

    async def close(self) -> None:
        """Stop listening, stop ringing, cancel calls in progress, close the HTTP client."""
        if self._started:
            await self._server.close()
            self._started = False
        if self._ringer is not None:
            self._ringer.cancel()
            await asyncio.gather(self._ringer, return_exceptions=True)
            self._ringer = None
        await self.player.close()

    async def __aenter__(self) -> Simulator:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def wait_idle(self) -> None:
        """Return when every call played so far has finished (webhooks sent)."""
        await self.player.wait_idle()

    def set_crm(self, url: str | None, token: str | None) -> None:
        self.player.set_crm(url, token)

    # -- addresses -----------------------------------------------------------------------

    @property
    def port(self) -> int:
        return self._server.port

    @property
    def url(self) -> str:
        """The API base: the desk's ``pbx.api_url``; commands live under ``{url}/v1/{domain}/``."""
        return self._server.url

    @property
    def api_url(self) -> str:
        return self.url

    def banner(self) -> str:
        """The one line printed on start."""
        return f"Gravitel PBX simulator: {self.url} domain {self.domain} token {self.token}"

    def describe(self) -> dict:
        return {
            "url": self.url,
            "domain": self.domain,
            "crm_url": self.player.crm_url,
            "active_calls": list(self.player.active.values()),
            "webhooks_delivered": self.player.delivered,
            "webhooks_failed": self.player.failed,
            **self.state.snapshot(self.url, self.domain),
        }

    # -- requests ------------------------------------------------------------------------

    async def handle(self, request: Request) -> Response:
        path = request.path
        if path.startswith(API_PREFIX):
            return await self.api(request)
        if path.startswith(CONTROL_PREFIX):
            return await self.control(request)
        if path.startswith(RECORDS_PATH + "/"):
            return self._recording(request)
        if path == "/":
            if request.method not in ("GET", "HEAD"):
                return error_response(405, "use GET", [("allow", "GET, HEAD")])
            return Response.json(200, {
                "name": "Gravitel PBX simulator",
                "api": f"{self.url}{API_PREFIX}{self.domain}/",
                "domain": self.domain,
                "control": f"{self.url}{CONTROL_PREFIX}state",
            })
        return error_response(404, "not found")

    def _recording(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return error_response(405, "use GET", [("allow", "GET, HEAD")])
        match = _RECORD.match(request.path)
        if match is None or match["domain"].lower() != self.domain.lower():
            return error_response(404, "no such recording")
        record = self.state.find_call(match["id"])
        if record is None or not record.recorded:
            return error_response(404, "no such recording")
        headers = [
            ("content-type", audio.CONTENT_TYPE),
            ("content-disposition", f'inline; filename="{record.id}.wav"'),
            ("cache-control", "private, max-age=86400"),
        ]
        return Response(200, audio.recording_wav(record.id), headers)


# -- the command ----------------------------------------------------------------------------


async def run_simulator(
    port: int = DEFAULT_PORT,
    domain: str = DEFAULT_DOMAIN,
    token: str = DEFAULT_TOKEN,
    crm_url: str | None = None,
    crm_token: str | None = None,
    *,
    ring_every: float | None = None,
    seed: int | None = None,
    crm_verify: bool | ssl.SSLContext = True,
    stop: asyncio.Event | None = None,
    out: TextIO | None = None,
) -> None:
    """Run until ``stop`` is set (by default: until SIGINT or SIGTERM)."""
    simulator = Simulator(
        port=port, domain=domain, token=token, crm_url=crm_url, crm_token=crm_token, crm_verify=crm_verify,
        ring_every=ring_every, seed=seed,
    )
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    if stop is None:
        stop = asyncio.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(signum, stop.set)
                installed.append(signum)
            except (NotImplementedError, RuntimeError):  # Windows, or not the main thread
                pass
    try:
        await simulator.start()
        print(simulator.banner(), file=out or sys.stdout, flush=True)
        if crm_url and not crm_token:
            log.warning("no --crm-token: webhooks go to %s without X-API-KEY and will be refused", crm_url)
        await stop.wait()
    finally:
        await simulator.close()
        for signum in installed:
            loop.remove_signal_handler(signum)


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(f"not an http:// or https:// URL: {value!r}")
    return value


def _port(value: str) -> int:
    if not value.isdigit() or not 0 <= int(value) <= 65535:
        raise argparse.ArgumentTypeError(f"not a port number: {value!r}")
    return int(value)


def _domain(value: str) -> str:
    if not value or any(ch in value for ch in "/?#\\") or any(ch.isspace() for ch in value):
        raise argparse.ArgumentTypeError(f"not a domain: {value!r}")
    return value


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not seconds > 0:
        raise argparse.ArgumentTypeError(f"not a positive number of seconds: {value!r}")
    return seconds


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gravitel-desk simulator",
        description="A Gravitel PBX on 127.0.0.1 with sample data: serves the PBX API and plays calls "
        "toward a CRM URL (the desk's webhook listener). See docs/simulator.md.",
    )
    parser.add_argument("--port", type=_port, default=DEFAULT_PORT, help=f"port to listen on (default {DEFAULT_PORT})")
    parser.add_argument("--domain", type=_domain, default=DEFAULT_DOMAIN, help=f"PBX domain (default {DEFAULT_DOMAIN})")
    parser.add_argument(
        "--token", default=None,
        help=f"the API token to accept (default ${API_TOKEN_ENV}, else {DEFAULT_TOKEN})",
    )
    parser.add_argument("--crm-url", type=_http_url, default=None, help="where to play calls, e.g. http://127.0.0.1:8765")
    parser.add_argument(
        "--crm-token", default=None, help=f"X-API-KEY sent with every webhook (default ${CRM_TOKEN_ENV})"
    )
    parser.add_argument("--crm-ca", metavar="FILE", default=None,
                        help="PEM certificate(s) to trust for an https:// CRM URL (a self-signed listener)")
    parser.add_argument("--ring-every", type=_seconds, default=None, metavar="SECONDS",
                        help="ring the CRM now and then on its own, about every SECONDS")
    parser.add_argument("--seed", type=int, default=None, help="repeatable sample data and calls")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(sys.argv[1:] if argv is None else list(argv))
    token = args.token or os.environ.get(API_TOKEN_ENV) or DEFAULT_TOKEN
    crm_token = args.crm_token or os.environ.get(CRM_TOKEN_ENV) or None
    crm_verify: bool | ssl.SSLContext = True
    if args.crm_ca:
        try:
            crm_verify = ssl.create_default_context(cafile=args.crm_ca)
        except (OSError, ssl.SSLError) as exc:
            print(f"gravitel-desk simulator: cannot read --crm-ca {args.crm_ca}: {exc}", file=sys.stderr)
            return 2
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(message)s")
    try:
        asyncio.run(run_simulator(
            args.port, args.domain, token, args.crm_url, crm_token, ring_every=args.ring_every, seed=args.seed,
            crm_verify=crm_verify,
        ))
    except OSError as exc:
        print(f"gravitel-desk simulator: cannot listen on {HOST}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # where signal handlers cannot be installed (Windows)
        pass
    return 0
