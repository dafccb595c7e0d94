"""``/control/...``: what a developer or a test tells the simulator to do (docs/simulator.md).

No token is needed, so these requests are answered only from loopback; the simulator
binds to 127.0.0.1 anyway, this is the second lock on the door.
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Callable
from typing import Any

from desktop_app.core.http_server import Request, Response
from desktop_app.core.phone import InvalidNumber, normalize
from desktop_app.simulator.api import COMMANDS, ApiError, PbxApi, error_response, read_object, text_field
from desktop_app.simulator.calls import CallPlayer

log = logging.getLogger(__name__)

CONTROL_PREFIX = "/control/"
MAX_BURST = 50
MAX_FAULT_TIMES = 100


def is_loopback(client: tuple[str, int] | None) -> bool:
    if client is None:
        return False
    try:
        return ipaddress.ip_address(client[0].split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def _bool(body: dict, name: str, default: bool = False) -> bool:
    value = body.get(name, default)
    if not isinstance(value, bool):
        raise ApiError(400, f"field {name} must be true or false")
    return value


def _int(body: dict, name: str, default: int, low: int, high: int) -> int:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ApiError(400, f"field {name} must be a whole number from {low} to {high}")
    return value


class ControlApi:
    """Answers ``/control/...`` (loopback only, no token)."""

    def __init__(self, api: PbxApi, player: CallPlayer, describe: Callable[[], dict]) -> None:
        self.api = api
        self.player = player
        self._describe = describe

    async def __call__(self, request: Request) -> Response:
        if not is_loopback(request.client):
            return error_response(403, "control requests are answered on loopback only")
        try:
            status, payload = self._dispatch(request)
        except ApiError as exc:
            return error_response(exc.status, exc.message, exc.headers)
        log.info("%s %s -> %d", request.method, request.path, status)
        return Response.json(status, payload)

    def _dispatch(self, request: Request) -> tuple[int, Any]:
        name = request.path[len(CONTROL_PREFIX):].strip("/")
        routes = {
            "ring": ("POST", self._ring),
            "missed": ("POST", self._missed),
            "burst": ("POST", self._burst),
            "fail": ("POST", self._fail),
            "balance": ("POST", self._balance),
            "state": ("GET", self._state),
        }
        if name not in routes:
            raise ApiError(404, f"unknown control request: {name}; known: {', '.join(routes)}")
        method, handler = routes[name]
        if request.method != method:
            raise ApiError(405, f"use {method}", [("allow", method)])
        return handler(request)

    # -- calls -----------------------------------------------------------------------

    def _call_options(self, body: dict) -> dict:
        """``number``, ``extension``, ``phone`` of a call to play, checked."""
        options: dict[str, Any] = {}
        number = text_field(body, "number", required=False)
        if number is not None:
            try:
                options["number"] = normalize(number)
            except InvalidNumber:
                raise ApiError(400, f"number: not a phone number: {number!r}") from None
        extension = text_field(body, "extension", required=False)
        if extension is not None:
            if extension not in self.player.state.employees:
                raise ApiError(404, f"employee not found: {extension}")
            options["extension"] = extension
        phone = text_field(body, "phone", required=False)
        if phone is not None:
            if self.player.state.company_number(phone) is None:
                raise ApiError(400, f"phone: {phone} is not a number of this PBX")
            options["phone"] = phone
        return options

    def _ring(self, request: Request, *, missed: bool | None = None) -> tuple[int, Any]:
        body = read_object(request)
        options = self._call_options(body)
        call_id = self.player.ring(missed=_bool(body, "missed") if missed is None else missed, **options)
        return 202, {"id": call_id}

    def _missed(self, request: Request) -> tuple[int, Any]:
        return self._ring(request, missed=True)

    def _burst(self, request: Request) -> tuple[int, Any]:
        body = read_object(request)
        count = _int(body, "count", 5, 1, MAX_BURST)
        missed = _bool(body, "missed")
        options = self._call_options({key: body[key] for key in ("extension", "phone") if key in body})
        return 202, {"ids": [self.player.ring(missed=missed, **options) for _ in range(count)]}

    # -- the PBX's behaviour -----------------------------------------------------------

    def _fail(self, request: Request) -> tuple[int, Any]:
        body = read_object(request)
        command = text_field(body, "command")
        if command not in COMMANDS:
            raise ApiError(400, f"command must be one of {', '.join(COMMANDS)}")
        status = _int(body, "status", 500, 400, 599)
        times = _int(body, "times", 1, 1, MAX_FAULT_TIMES)
        after = _bool(body, "after")
        self.api.faults.add(command, status, times, after)
        return 200, {"command": command, "status": status, "times": times, "after": after}

    def _balance(self, request: Request) -> tuple[int, Any]:
        body = read_object(request)
        state = self.player.state
        for name in ("balance", "credit"):
            if name in body:
                value = body[name]
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise ApiError(400, f"field {name} must be a number")
                setattr(state, name, round(float(value), 2))
        if _bool(body, "reset_window"):
            self.api.reset_balance_window()
        return 200, {"balance": state.balance, "credit": state.credit}

    def _state(self, request: Request) -> tuple[int, Any]:
        return 200, self._describe()
