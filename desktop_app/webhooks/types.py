"""The four webhooks the PBX posts to the desk (seed §3.1, CONTRACT §5), typed and validated.

``parse(kind, body)`` turns a request body into one of :class:`CallEvent`,
:class:`CallHistory`, :class:`ClientRequest`, :class:`CampaignReport`, or raises
:class:`WebhookError` naming the offending field (the listener answers it with 400).

Reading rules, liberal where it costs nothing and strict where meaning is at stake:

* Enumerations are case-insensitive and ``-``/``_``/spaces are ignored (``NotConnected``,
  ``not_connected``); campaign result ``InternalError`` and ``InternalServerError`` are
  one value (the seed uses both names).
* ``direction`` and ``stage`` drive what the desk does (which popup, which call state):
  an unknown value is refused with 400, since guessing would show the operator wrong
  information. Outcome codes are only recorded: an unknown history ``result`` reads as
  ``unknown`` (the seed's own "internal error" value) and an unknown campaign ``result``
  as ``unknown``; the original text stays in ``raw``.
* Whole numbers may arrive as JSON numbers or digit strings; ids and phone numbers as
  strings or integers. ``null`` counts as absent. Wrong types are refused with 400.
* Fields we do not know are kept in ``extra``; the whole object is in ``raw``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

from desktop_app.core.phone import try_normalize


class WebhookError(ValueError):
    """A webhook body we cannot accept; ``field`` is the culprit ("" for the whole body)."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


class Direction(StrEnum):
    IN = "in"
    OUT = "out"


class Stage(StrEnum):
    ALERTING = "alerting"
    TALKING = "talking"
    RELEASED = "released"


class HistoryResult(StrEnum):
    SUCCESS = "success"
    MISSED = "missed"
    NOT_AVAILABLE = "not_available"
    FORBIDDEN = "forbidden"
    BUSY = "busy"
    UNKNOWN = "unknown"  # the seed's "internal error", and any value we do not know


class CampaignResult(StrEnum):
    SUCCESS = "success"
    NOT_CONNECTED = "not_connected"
    CANCELED = "canceled"
    INTERNAL_ERROR = "internal_error"
    UNKNOWN = "unknown"  # a value the seed does not list


def _squash(text: str) -> str:
    return re.sub(r"[\s_\-]+", "", text).lower()


_HISTORY_RESULTS = {_squash(r.value): r for r in HistoryResult}
_CAMPAIGN_RESULTS = {_squash(r.value): r for r in CampaignResult} | {
    "internalservererror": CampaignResult.INTERNAL_ERROR,
    "cancelled": CampaignResult.CANCELED,
}
_DIRECTIONS = {d.value: d for d in Direction}
_STAGES = {s.value: s for s in Stage}


@dataclass(frozen=True)
class CallEvent:
    """POST /event: a call started ringing, was answered or ended."""

    kind: ClassVar[str] = "event"
    FIELDS: ClassVar[tuple[str, ...]] = ("id", "when", "direction", "stage", "extension", "client", "phone")

    id: str
    direction: Direction
    stage: Stage
    when: int | None = None
    client: str | None = None
    extension: str | None = None
    phone: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def dedupe_key(self) -> str:
        # A call ringing through a group alerts one extension after another under one id:
        # each is news for the operator it rings, not a repeat delivery.
        return f"{self.id}\x1f{self.stage.value}\x1f{self.extension or ''}"

    @property
    def client_number(self) -> str | None:
        return try_normalize(self.client)


@dataclass(frozen=True)
class CallHistory:
    """POST /history: a finished call, with its recording link if any."""

    kind: ClassVar[str] = "history"
    FIELDS: ClassVar[tuple[str, ...]] = (
        "id", "when", "direction", "result", "duration", "provision", "extension", "client", "phone", "record",
    )

    id: str
    direction: Direction
    result: HistoryResult
    duration: int
    provision: int
    when: int | None = None
    client: str | None = None
    extension: str | None = None
    phone: str | None = None
    record: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def dedupe_key(self) -> str:
        return self.id

    @property
    def client_number(self) -> str | None:
        return try_normalize(self.client)


@dataclass(frozen=True)
class ClientRequest:
    """POST /client (alias /contact): who is calling? Answered, never journaled."""

    kind: ClassVar[str] = "client"
    FIELDS: ClassVar[tuple[str, ...]] = ("id", "client", "phone")

    id: str
    client: str | None = None
    phone: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def client_number(self) -> str | None:
        return try_normalize(self.client)


@dataclass(frozen=True)
class CampaignReport:
    """POST /campaign/report: the outcome of one robot call attempt."""

    kind: ClassVar[str] = "campaign_report"
    FIELDS: ClassVar[tuple[str, ...]] = ("id", "final", "when", "result", "duration", "vars")

    id: str
    final: bool
    result: CampaignResult
    vars: dict[str, Any]
    when: int | None = None
    duration: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def dedupe_key(self) -> str:
        # A campaign call may be tried several times under one id (``final`` marks the last
        # attempt): a repeated delivery repeats all three, another attempt does not.
        return f"{self.id}\x1f{int(self.final)}\x1f{'' if self.when is None else self.when}"


Webhook = CallEvent | CallHistory | ClientRequest | CampaignReport
JournaledWebhook = CallEvent | CallHistory | CampaignReport

# --- field readers ---------------------------------------------------------------------

_INT = re.compile(r"^\s*-?\d{1,18}\s*$")
_MAX_INT = 2**53  # what every JSON reader represents exactly


def _unicode(value: str, name: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a "\ud800" escape
        raise WebhookError(f"field {name} is not valid Unicode text", name) from None
    return value


def _present(data: dict[str, Any], name: str) -> bool:
    return data.get(name) is not None


def _required(data: dict[str, Any], name: str) -> Any:
    if not _present(data, name):
        raise WebhookError(f"missing required field: {name}", name)
    return data[name]


def _id(data: dict[str, Any]) -> str:
    value = _required(data, "id")
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise WebhookError("field id must be a string", "id")
    text = str(value).strip()
    if not text:
        raise WebhookError("field id must not be empty", "id")
    return _unicode(text, "id")


def _opt_str(data: dict[str, Any], name: str) -> str | None:
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise WebhookError(f"field {name} must be a string", name)
    return _unicode(str(value).strip(), name) or None


def _int(data: dict[str, Any], name: str, *, required: bool) -> int | None:
    if not _present(data, name):
        if required:
            raise WebhookError(f"missing required field: {name}", name)
        return None
    value = data[name]
    if isinstance(value, bool):
        raise WebhookError(f"field {name} must be a whole number", name)
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer() or isinstance(value, str) and _INT.match(value):
        number = int(value)
    else:
        raise WebhookError(f"field {name} must be a whole number", name)
    if number < 0:
        raise WebhookError(f"field {name} must not be negative", name)
    if number > _MAX_INT:
        raise WebhookError(f"field {name} is out of range", name)
    return number


# 9999-12-31T23:59:59Z: beyond it a "when" is not Unix seconds (milliseconds, most likely).
_MAX_WHEN = 253_402_300_799


def _when(data: dict[str, Any]) -> int | None:
    when = _int(data, "when", required=False)
    if when is not None and when > _MAX_WHEN:
        raise WebhookError("field when must be Unix time in seconds", "when")
    return when


def _bool(data: dict[str, Any], name: str) -> bool:
    value = _required(data, name)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise WebhookError(f"field {name} must be true or false", name)


def _text(data: dict[str, Any], name: str) -> str:
    value = _required(data, name)
    if not isinstance(value, str):
        raise WebhookError(f"field {name} must be a string", name)
    return _unicode(value, name)


def _strict_enum(data: dict[str, Any], name: str, choices: dict[str, Any]) -> Any:
    value = _text(data, name)
    found = choices.get(value.strip().lower())
    if found is None:
        raise WebhookError(f"field {name} must be one of {', '.join(choices)} (got {value!r})", name)
    return found


def _extra(data: dict[str, Any], known: tuple[str, ...]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in known}


# --- constructors ----------------------------------------------------------------------


def event_from_dict(data: dict[str, Any]) -> CallEvent:
    return CallEvent(
        id=_id(data),
        direction=_strict_enum(data, "direction", _DIRECTIONS),
        stage=_strict_enum(data, "stage", _STAGES),
        when=_when(data),
        client=_opt_str(data, "client"),
        extension=_opt_str(data, "extension"),
        phone=_opt_str(data, "phone"),
        extra=_extra(data, CallEvent.FIELDS),
        raw=data,
    )


def history_from_dict(data: dict[str, Any]) -> CallHistory:
    return CallHistory(
        id=_id(data),
        direction=_strict_enum(data, "direction", _DIRECTIONS),
        result=_HISTORY_RESULTS.get(_squash(_text(data, "result")), HistoryResult.UNKNOWN),
        duration=_int(data, "duration", required=True),  # type: ignore[arg-type]
        provision=_int(data, "provision", required=True),  # type: ignore[arg-type]
        when=_when(data),
        client=_opt_str(data, "client"),
        extension=_opt_str(data, "extension"),
        phone=_opt_str(data, "phone"),
        record=_opt_str(data, "record"),
        extra=_extra(data, CallHistory.FIELDS),
        raw=data,
    )


def client_request_from_dict(data: dict[str, Any]) -> ClientRequest:
    return ClientRequest(
        id=_id(data),
        client=_opt_str(data, "client"),
        phone=_opt_str(data, "phone"),
        extra=_extra(data, ClientRequest.FIELDS),
        raw=data,
    )


def campaign_report_from_dict(data: dict[str, Any]) -> CampaignReport:
    variables = _required(data, "vars")
    if not isinstance(variables, dict):
        raise WebhookError("field vars must be an object", "vars")
    return CampaignReport(
        id=_id(data),
        final=_bool(data, "final"),
        result=_CAMPAIGN_RESULTS.get(_squash(_text(data, "result")), CampaignResult.UNKNOWN),
        vars=variables,
        when=_when(data),
        duration=_int(data, "duration", required=False),
        extra=_extra(data, CampaignReport.FIELDS),
        raw=data,
    )


PARSERS: dict[str, Callable[[dict[str, Any]], Webhook]] = {
    CallEvent.kind: event_from_dict,
    CallHistory.kind: history_from_dict,
    ClientRequest.kind: client_request_from_dict,
    CampaignReport.kind: campaign_report_from_dict,
}


def decode_body(body: bytes) -> dict[str, Any]:
    """One JSON object in UTF-8 (a BOM is tolerated), else WebhookError."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise WebhookError("body is not UTF-8 text") from None
    if not text.strip():
        raise WebhookError("body is empty: expected a JSON object")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise WebhookError(f"body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except ValueError as exc:  # e.g. an integer with thousands of digits
        raise WebhookError(f"body is not valid JSON: {exc}") from None
    except RecursionError:
        raise WebhookError("body is nested too deeply") from None
    if not isinstance(data, dict):
        raise WebhookError("body must be a JSON object")
    return data


def parse(kind: str, body: bytes) -> Webhook:
    """Parse the body of webhook ``kind`` ("event", "history", "client", "campaign_report")."""
    return PARSERS[kind](decode_body(body))
