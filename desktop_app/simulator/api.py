"""The PBX API as the simulator serves it: ``/v1/{domain}/...``, the thirteen commands of seed §3.2.

Strict on purpose: the simulator is a witness of the protocol, so a request the real
PBX could refuse is refused here too, with the seed's status code and ``{"error": ...}``
naming what is wrong. Status codes per command follow the seed's tables: makecall and
campaign commands answer 405 to values that fail validation (a bad number), sms and
callerid (whose tables list no 405) answer 400.
"""

from __future__ import annotations

import hmac
import json
import logging
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from desktop_app.core.http_server import Request, Response
from desktop_app.core.phone import InvalidNumber, is_extension, normalize
from desktop_app.simulator.calls import CallPlayer
from desktop_app.simulator.data import CallRecord
from desktop_app.simulator.state import HISTORY_TYPES, PERIODS, CampaignCall, PbxState, default_bounds, period_bounds

log = logging.getLogger(__name__)

API_PREFIX = "/v1/"
_LOST_PLUS = re.compile(r"(?<=\d) (\d{2}(?::?\d{2})?)$")
BALANCE_WINDOW = 600.0  # seconds; the seed: "не чаще одного раза в 10 минут"
MAX_SMS_CHARS = 800
MAX_CALL_ARRAY = 1000
COMMANDS = (
    "makecall", "sms", "history", "accounts", "groups", "numbers", "callerid", "balance",
    "campaign/call", "campaign/callArray",
)


class ApiError(Exception):
    def __init__(self, status: int, message: str, headers: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or []


def error_response(status: int, message: str, headers: list[tuple[str, str]] | None = None) -> Response:
    return Response.json(status, {"error": message}, headers or [])


# -- reading requests ------------------------------------------------------------------


def read_json(request: Request) -> Any:
    """The JSON body; an empty body reads as ``{}``."""
    if not request.body.strip():
        return {}
    try:
        return json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ApiError(400, "malformed JSON body") from None


def read_object(request: Request) -> dict:
    body = read_json(request)
    if not isinstance(body, dict):
        raise ApiError(400, "the body must be a JSON object")
    return body


def text_field(body: dict, name: str, *, required: bool = True, where: str = "") -> str | None:
    value = body.get(name)
    if value is None or value == "":
        if required:
            raise ApiError(400, f"missing field: {where}{name}")
        return None
    if not isinstance(value, str):
        raise ApiError(400, f"field {where}{name} must be a string")
    return value.strip()


def phone_number(value: str, name: str, status: int) -> str:
    """``value`` when it is a phone number in the PBX's form (``79991234567``)."""
    try:
        normal = normalize(value)
    except InvalidNumber:
        normal = None
    if normal != value or is_extension(value):
        raise ApiError(status, f"{name}: not a phone number in the form 79991234567: {value!r}")
    return value


def enum_field(value: Any, name: str, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value.strip().lower() not in choices:
        raise ApiError(400, f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value.strip().lower()


def datetime_field(value: Any, name: str) -> datetime:
    """ISO 8601; without a zone it is UTC, as the PBX speaks UTC."""
    if not isinstance(value, str):
        raise ApiError(400, f"{name} must be an ISO 8601 date and time, not {value!r}")
    # An unencoded "+03:00" in a query string arrives as " 03:00".
    text = _LOST_PLUS.sub(r"+\1", value.strip())
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ApiError(400, f"{name} is not an ISO 8601 date and time: {value!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment


def limit_field(value: Any) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ApiError(400, f"limit must be a positive whole number, not {value!r}")
    return value


# -- the API ---------------------------------------------------------------------------


@dataclass
class _Route:
    command: str
    methods: dict[str, Callable]
    args: tuple[str, ...] = ()


@dataclass
class Faults:
    """Answers forced by ``/control/fail``: the next ``times`` requests of a command get
    ``status``; with ``after``, only once they were carried out (an answer lost on the way)."""

    pending: dict[str, list[tuple[int, bool]]] = field(default_factory=dict)

    def add(self, command: str, status: int, times: int, after: bool = False) -> None:
        self.pending.setdefault(command, []).extend([(status, after)] * times)

    def take(self, command: str) -> tuple[int, bool] | None:
        queue = self.pending.get(command)
        if not queue:
            return None
        forced = queue.pop(0)
        if not queue:
            del self.pending[command]
        return forced


class PbxApi:
    """Answers ``/v1/{domain}/...``. Call it with a :class:`Request` (it is the HTTP handler)."""

    def __init__(
        self,
        state: PbxState,
        player: CallPlayer,
        *,
        domain: str,
        token: str,
        base_url: Callable[[], str],
        now: Callable[[], datetime],
        clock: Callable[[], float] = time.monotonic,
        balance_window: float = BALANCE_WINDOW,
    ) -> None:
        self.state = state
        self.player = player
        self.domain = domain
        self.faults = Faults()
        self.balance_window = balance_window
        self._token = token.encode("utf-8")
        self._base_url = base_url
        self._now = now
        self._clock = clock
        self._balance_asked: float | None = None

    def reset_balance_window(self) -> None:
        self._balance_asked = None

    async def __call__(self, request: Request) -> Response:
        try:
            status, payload = self._dispatch(request)
            response = Response.json(status, payload)
        except ApiError as exc:
            response = error_response(exc.status, exc.message, exc.headers)
        log.info("%s %s -> %d", request.method, request.path, response.status)
        return response

    def _authorized(self, request: Request) -> bool:
        given = request.headers.get("x-api-key", "")
        return hmac.compare_digest(given.encode("utf-8"), self._token)

    def _dispatch(self, request: Request) -> tuple[int, Any]:
        if not request.path.startswith(API_PREFIX):
            raise ApiError(404, "not found")
        if not self._authorized(request):
            raise ApiError(401, "invalid or missing X-API-KEY")
        parts = request.path[len(API_PREFIX):].split("/")
        if len(parts) > 1 and parts[-1] == "":
            parts.pop()
        domain, segments = parts[0], parts[1:]
        if domain.lower() != self.domain.lower():
            raise ApiError(404, f"unknown domain: {domain}")
        route = self._route(segments)
        if route is None:
            raise ApiError(404, f"unknown command: {'/'.join(segments)}")
        handler = route.methods.get(request.method)
        if handler is None:
            allowed = ", ".join(route.methods)
            raise ApiError(405, f"method {request.method} not allowed; use {allowed}", [("allow", allowed)])
        forced = self.faults.take(route.command)
        if forced is None:
            return handler(request, *route.args)
        status, after = forced
        if after:
            handler(request, *route.args)
        raise ApiError(status, f"simulated failure of {route.command}")

    def _route(self, segments: list[str]) -> _Route | None:
        match segments:
            case ["makecall"]:
                return _Route("makecall", {"POST": self._makecall})
            case ["sms"]:
                return _Route("sms", {"POST": self._sms})
            case ["history"]:
                return _Route("history", {"GET": self._history, "POST": self._history})
            case ["accounts"]:
                return _Route("accounts", {"GET": self._accounts})
            case ["groups"]:
                return _Route("groups", {"GET": self._groups})
            case ["numbers"]:
                return _Route("numbers", {"GET": self._numbers})
            case ["callerid"]:
                return _Route("callerid", {"POST": self._set_callerid, "DELETE": self._delete_callerid})
            case ["balance"]:
                return _Route("balance", {"GET": self._balance})
            case ["campaign", cid, "call"]:
                return _Route("campaign/call", {"POST": self._campaign_call}, (cid,))
            case ["campaign", cid, "callArray"]:
                return _Route("campaign/callArray", {"POST": self._campaign_call_array}, (cid,))
            case ["campaign", cid, "call", call_id] if call_id:
                methods = {"GET": self._campaign_call_status, "DELETE": self._campaign_call_delete}
                return _Route("campaign/call", methods, (cid, call_id))
        return None

    # -- commands --------------------------------------------------------------------

    def _employee(self, extension: str) -> str:
        if extension not in self.state.employees:
            raise ApiError(404, f"employee not found: {extension}")
        return extension

    def _makecall(self, request: Request) -> tuple[int, Any]:
        body = read_object(request)
        sender = text_field(body, "from", required=False)
        extension = text_field(body, "extension", required=False)
        if sender and extension and sender != extension:
            raise ApiError(400, f"from ({sender}) and extension ({extension}) name different employees")
        employee = sender or extension
        if not employee:
            raise ApiError(400, "missing field: from (or extension)")
        number = text_field(body, "number")
        clid = text_field(body, "clid", required=False)
        self._employee(employee)
        if number not in self.state.employees:  # a colleague's extension is a valid target too
            phone_number(number, "number", 405)
        if clid is not None and self.state.company_number(clid) is None:
            raise ApiError(405, f"clid {clid} is not a number of this PBX")
        self.player.makecall(employee, number, clid)
        return 201, {}

    def _sms(self, request: Request) -> tuple[int, Any]:
        body = read_object(request)
        number = phone_number(text_field(body, "number"), "number", 400)
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ApiError(400, "missing field: text" if text in (None, "") else "field text must be a non-empty string")
        if len(text) > MAX_SMS_CHARS:
            raise ApiError(400, f"text is longer than {MAX_SMS_CHARS} characters")
        self.state.add_sms(number, text, self._now())
        return 200, {}

    def _history(self, request: Request) -> tuple[int, Any]:
        params: dict = dict(request.query) if request.method == "GET" else read_object(request)
        present = {key: value for key, value in params.items() if value not in (None, "")}
        kind = enum_field(present["type"], "type", HISTORY_TYPES) if "type" in present else "all"
        limit = limit_field(present["limit"]) if "limit" in present else None
        now = self._now()
        if "period" in present:
            start, end = period_bounds(enum_field(present["period"], "period", PERIODS), now)
            records = self.state.history(start, end, kind, limit, end_inclusive=False)
        else:
            day_start, day_end = default_bounds(now)
            start = datetime_field(present["start"], "start") if "start" in present else day_start
            if "end" in present:
                end = datetime_field(present["end"], "end")
                records_end_inclusive = True
            else:
                end, records_end_inclusive = day_end, False
            if start > end:
                raise ApiError(400, "start is after end")
            records = self.state.history(start, end, kind, limit, end_inclusive=records_end_inclusive)
        return 200, [self._history_item(record) for record in records]

    def _history_item(self, record: CallRecord) -> dict:
        return record.to_api(self._base_url(), self.domain)

    def _accounts(self, request: Request) -> tuple[int, Any]:
        return 200, [employee.to_api() for employee in self.state.employees.values()]

    def _groups(self, request: Request) -> tuple[int, Any]:
        return 200, [group.to_api() for group in self.state.groups]

    def _numbers(self, request: Request) -> tuple[int, Any]:
        return 200, [number.to_api() for number in self.state.numbers]

    def _set_callerid(self, request: Request) -> tuple[int, Any]:
        body = read_object(request)
        extension = text_field(body, "extension")
        number = text_field(body, "number")
        self._employee(extension)
        if self.state.company_number(phone_number(number, "number", 400)) is None:
            raise ApiError(400, f"number {number} is not a number of this PBX")
        self.state.callerids[extension] = number
        return 200, {}

    def _delete_callerid(self, request: Request) -> tuple[int, Any]:
        body = read_object(request)
        extension = self._employee(text_field(body, "extension"))
        self.state.callerids.pop(extension, None)
        return 200, {}

    def _balance(self, request: Request) -> tuple[int, Any]:
        now = self._clock()
        if self._balance_asked is not None:
            left = self.balance_window - (now - self._balance_asked)
            if left > 0:
                raise ApiError(
                    429,
                    f"too many requests: balance may be asked once in {self.balance_window:g} s",
                    [("retry-after", str(math.ceil(left)))],
                )
        self._balance_asked = now
        credit = self.state.credit
        return 200, {"balance": self.state.balance, "credit": int(credit) if float(credit).is_integer() else credit}

    # -- campaigns -------------------------------------------------------------------

    def _campaign(self, cid: str) -> int:
        if not cid.isdigit():
            raise ApiError(400, f"campaign id must be a whole number, not {cid!r}")
        number = int(cid)
        if number not in self.state.campaigns:
            raise ApiError(404, f"campaign not found: {cid}")
        return number

    def _read_campaign_call(self, campaign_id: int, item: Any, where: str = "") -> CampaignCall:
        if not isinstance(item, dict):
            raise ApiError(400, f"{where or 'the body'} must be a JSON object")
        call_id = text_field(item, "id", where=where)
        number = text_field(item, "number", where=where)
        variables = item.get("vars")
        if variables is None:
            raise ApiError(400, f"missing field: {where}vars")
        if not isinstance(variables, dict):
            raise ApiError(400, f"field {where}vars must be a JSON object")
        return CampaignCall(campaign_id, call_id, number, dict(variables))

    def _validate_campaign_calls(self, calls: list[CampaignCall], wheres: list[str]) -> None:
        seen: set[str] = set()
        for call, where in zip(calls, wheres):
            phone_number(call.number, f"{where}number", 405)
            if call.id in seen or (call.campaign_id, call.id) in self.state.campaign_calls:
                raise ApiError(405, f"{where}id: call {call.id} is already in campaign {call.campaign_id}")
            seen.add(call.id)

    def _queue(self, calls: list[CampaignCall]) -> None:
        for call in calls:
            self.state.campaign_calls[(call.campaign_id, call.id)] = call
            self.player.campaign_call(call)

    def _campaign_call(self, request: Request, cid: str) -> tuple[int, Any]:
        campaign_id = self._campaign(cid)
        call = self._read_campaign_call(campaign_id, read_json(request))
        self._validate_campaign_calls([call], [""])
        self._queue([call])
        return 201, {}

    def _campaign_call_array(self, request: Request, cid: str) -> tuple[int, Any]:
        campaign_id = self._campaign(cid)
        body = read_json(request)
        if not isinstance(body, list):
            raise ApiError(400, "the body must be a JSON array of calls")
        if not body:
            raise ApiError(400, "the array of calls is empty")
        if len(body) > MAX_CALL_ARRAY:
            raise ApiError(400, f"at most {MAX_CALL_ARRAY} calls at once")
        wheres = [f"[{index}]." for index in range(len(body))]
        calls = [self._read_campaign_call(campaign_id, item, where) for item, where in zip(body, wheres)]
        self._validate_campaign_calls(calls, wheres)  # all or nothing: nothing is queued on an error
        self._queue(calls)
        return 201, {}

    def _find_campaign_call(self, cid: str, call_id: str) -> CampaignCall:
        campaign_id = self._campaign(cid)
        call = self.state.campaign_calls.get((campaign_id, call_id))
        if call is None:
            raise ApiError(404, f"call {call_id} not found in campaign {campaign_id}")
        return call

    def _campaign_call_status(self, request: Request, cid: str, call_id: str) -> tuple[int, Any]:
        return 200, self._find_campaign_call(cid, call_id).to_api()

    def _campaign_call_delete(self, request: Request, cid: str, call_id: str) -> tuple[int, Any]:
        call = self._find_campaign_call(cid, call_id)
        self.player.cancel_campaign_call(call)
        del self.state.campaign_calls[(call.campaign_id, call.id)]
        return 200, {}
