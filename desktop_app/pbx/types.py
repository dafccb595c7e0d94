"""Typed data of the PBX API (seed §3.2, CONTRACT §6), read leniently.

Answers from the PBX are parsed with ``X.from_json(obj)``: enumerations are matched
case-insensitively, unknown fields are ignored, optional fields may be missing, and
numbers that arrive as strings (or strings that arrive as numbers) are accepted. What
cannot be read raises :class:`PbxDataError` naming the field, which the client turns
into an "invalid answer" error for the operator.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any


class PbxDataError(ValueError):
    """A PBX answer (or a value for a request) that does not have the documented shape."""


class _LenientEnum(str, enum.Enum):
    """A string enumeration read case-insensitively; ``_aliases`` maps extra spellings."""

    @classmethod
    def parse(cls, raw: Any, field_name: str = "value") -> _LenientEnum:
        if isinstance(raw, cls):
            return raw
        if not isinstance(raw, str):
            raise PbxDataError(f"{field_name}: expected a string, got {raw!r}")
        key = raw.strip().lower().replace("-", "_")
        for member in cls:
            if member.value.lower() == key:
                return member
        aliases = cls._alias_table()
        if key in aliases:
            return cls(aliases[key])
        fallback = cls._fallback()
        if fallback is not None:
            return fallback
        choices = ", ".join(m.value for m in cls)
        raise PbxDataError(f"{field_name}: {raw!r} is not one of {choices}")

    @classmethod
    def _alias_table(cls) -> dict[str, str]:
        """Extra lower-case spellings -> value."""
        return {}

    @classmethod
    def _fallback(cls) -> _LenientEnum | None:
        """The member for values not listed (None: such values are an error)."""
        return None

    def __str__(self) -> str:
        return self.value


class HistoryPeriod(_LenientEnum):
    """The ``period`` of a history request."""

    TODAY = "today"
    YESTERDAY = "yesterday"
    THIS_WEEK = "this_week"
    LAST_WEEK = "last_week"
    THIS_MONTH = "this_month"
    LAST_MONTH = "last_month"


class HistoryType(_LenientEnum):
    """The ``type`` filter of a history request."""

    ALL = "all"
    IN = "in"
    OUT = "out"
    MISSED = "missed"


class CallType(_LenientEnum):
    """The ``type`` of a history item; values the seed does not list read as UNKNOWN."""

    IN = "in"
    OUT = "out"
    MISSED = "missed"
    UNKNOWN = "unknown"

    @classmethod
    def _fallback(cls) -> CallType:
        return cls.UNKNOWN


class CampaignResult(_LenientEnum):
    """Result of a campaign call. The seed names the internal error both ``InternalError``
    (report) and ``InternalServerError`` (status): one value here."""

    SUCCESS = "Success"
    NOT_CONNECTED = "NotConnected"
    CANCELED = "Canceled"
    INTERNAL_ERROR = "InternalError"
    UNKNOWN = "Unknown"

    @classmethod
    def _alias_table(cls) -> dict[str, str]:
        return {
            "internalservererror": "InternalError",
            "internal_server_error": "InternalError",
            "internal_error": "InternalError",
            "not_connected": "NotConnected",
            "cancelled": "Canceled",
        }

    @classmethod
    def _fallback(cls) -> CampaignResult:
        return cls.UNKNOWN


# -- field readers ------------------------------------------------------------------


def _require_object(raw: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise PbxDataError(f"{what}: expected a JSON object, got {type(raw).__name__}")
    return raw


def _field(obj: Mapping[str, Any], name: str) -> Any:
    """Look a field up by name, case-insensitively as a fallback."""
    if name in obj:
        return obj[name]
    lowered = name.lower()
    for key, value in obj.items():
        if isinstance(key, str) and key.lower() == lowered:
            return value
    return None


def _str(obj: Mapping[str, Any], name: str, *, required: bool = False) -> str | None:
    value = _field(obj, name)
    if value is None or value == "":
        if required:
            raise PbxDataError(f"{name}: missing")
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise PbxDataError(f"{name}: expected a string, got {value!r}")
    return str(value).strip()


def _int(obj: Mapping[str, Any], name: str) -> int | None:
    value = _field(obj, name)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise PbxDataError(f"{name}: expected a whole number, got {value!r}")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise PbxDataError(f"{name}: expected a whole number, got {value!r}")


def _float(obj: Mapping[str, Any], name: str, *, required: bool = False) -> float | None:
    value = _field(obj, name)
    if value is None or value == "":
        if required:
            raise PbxDataError(f"{name}: missing")
        return None
    if isinstance(value, bool):
        raise PbxDataError(f"{name}: expected a number, got {value!r}")
    try:
        number = float(value.strip().replace(",", ".")) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise PbxDataError(f"{name}: expected a number, got {value!r}") from None
    if not math.isfinite(number):
        raise PbxDataError(f"{name}: expected a finite number, got {value!r}")
    return number


def _bool(obj: Mapping[str, Any], name: str, *, required: bool = False) -> bool:
    value = _field(obj, name)
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0"):
        return value.strip().lower() in ("true", "1")
    if value is None and not required:
        return False
    raise PbxDataError(f"{name}: expected true or false, got {value!r}")


def _vars(obj: Mapping[str, Any], name: str = "vars") -> dict[str, Any]:
    value = _field(obj, name)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise PbxDataError(f"{name}: expected a JSON object, got {value!r}")
    return dict(value)


def parse_datetime(value: Any, name: str = "datetime") -> datetime | None:
    """An aware UTC datetime from ISO 8601 (``2024-03-15T06:52:19Z``) or Unix seconds."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise PbxDataError(f"{name}: expected a date and time, got {value!r}")
    if isinstance(value, (int, float)):
        try:
            return datetime.fromtimestamp(value, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            raise PbxDataError(f"{name}: {value!r} is out of range") from None
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return parse_datetime(int(text), name)
        try:
            parsed = datetime.fromisoformat(text.replace(" ", "T", 1))
        except ValueError:
            raise PbxDataError(f"{name}: {value!r} is not an ISO 8601 date and time") from None
        if parsed.tzinfo is None:  # the PBX speaks UTC
            return parsed.replace(tzinfo=timezone.utc)
        return parsed.astimezone(timezone.utc)
    raise PbxDataError(f"{name}: expected a date and time, got {value!r}")


def format_datetime(value: datetime) -> str:
    """``2024-03-15T00:00:00Z``: ISO 8601 in UTC, as the PBX expects. Naive values are refused."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("a naive datetime is ambiguous: give it a time zone")
    return value.astimezone(timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_list(raw: Any, item_type: Any, what: str) -> list[Any]:
    if not isinstance(raw, list):
        raise PbxDataError(f"{what}: expected a JSON array, got {type(raw).__name__}")
    items = []
    for index, item in enumerate(raw):
        try:
            items.append(item_type.from_json(item))
        except PbxDataError as exc:
            raise PbxDataError(f"{what}[{index}]: {exc}") from None
    return items


# -- answers ------------------------------------------------------------------------


@dataclass(frozen=True)
class CallRecord:
    """One call of the PBX history (seed §3.2.3)."""

    id: str
    type: CallType = CallType.UNKNOWN
    account: str | None = None  # the employee's extension
    client: str | None = None
    via: str | None = None  # the PBX number called (in) or the caller id used (out)
    start: datetime | None = None
    wait: int | None = None  # seconds before the call was connected
    duration: int | None = None  # seconds of conversation
    record: str | None = None  # recording URL

    @classmethod
    def from_json(cls, raw: Any) -> CallRecord:
        obj = _require_object(raw, "call")
        kind = _field(obj, "type")
        return cls(
            id=_str(obj, "id", required=True),  # type: ignore[arg-type]
            type=CallType.UNKNOWN if kind in (None, "") else CallType.parse(kind, "type"),  # type: ignore[arg-type]
            account=_str(obj, "account"),
            client=_str(obj, "client"),
            via=_str(obj, "via"),
            start=parse_datetime(_field(obj, "start"), "start"),
            wait=_int(obj, "wait"),
            duration=_int(obj, "duration"),
            record=_str(obj, "record"),
        )


@dataclass(frozen=True)
class Employee:
    extension: str
    name: str = ""

    @classmethod
    def from_json(cls, raw: Any) -> Employee:
        obj = _require_object(raw, "employee")
        return cls(extension=_str(obj, "extension", required=True), name=_str(obj, "name") or "")  # type: ignore[arg-type]


@dataclass(frozen=True)
class Group:
    """A department. ``id`` is kept as text: it is an identifier, not a quantity."""

    id: str
    extension: str | None = None
    name: str = ""

    @classmethod
    def from_json(cls, raw: Any) -> Group:
        obj = _require_object(raw, "group")
        return cls(
            id=_str(obj, "id", required=True),  # type: ignore[arg-type]
            extension=_str(obj, "extension"),
            name=_str(obj, "name") or "",
        )


@dataclass(frozen=True)
class PbxNumber:
    number: str
    name: str = ""

    @classmethod
    def from_json(cls, raw: Any) -> PbxNumber:
        obj = _require_object(raw, "number")
        return cls(number=_str(obj, "number", required=True), name=_str(obj, "name") or "")  # type: ignore[arg-type]


@dataclass(frozen=True)
class Balance:
    balance: float
    credit: float = 0.0

    @classmethod
    def from_json(cls, raw: Any) -> Balance:
        obj = _require_object(raw, "balance")
        return cls(
            balance=_float(obj, "balance", required=True),  # type: ignore[arg-type]
            credit=_float(obj, "credit") or 0.0,
        )


@dataclass(frozen=True)
class CampaignCallStatus:
    """The state of a campaign call (seed §3.2.12; same shape as the campaign report)."""

    id: str
    final: bool
    result: CampaignResult
    when: datetime | None = None
    duration: int | None = None
    vars: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, raw: Any) -> CampaignCallStatus:
        obj = _require_object(raw, "campaign call")
        result = _field(obj, "result")
        return cls(
            id=_str(obj, "id", required=True),  # type: ignore[arg-type]
            final=_bool(obj, "final"),
            result=CampaignResult.UNKNOWN if result in (None, "") else CampaignResult.parse(result, "result"),  # type: ignore[arg-type]
            when=parse_datetime(_field(obj, "when"), "when"),
            duration=_int(obj, "duration"),
            vars=_vars(obj),
        )


# -- requests -----------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignCall:
    """One call to put in a campaign's queue (seed §3.2.10). ``number`` is normalized by the client."""

    id: str
    number: str
    vars: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id.strip():
            raise PbxDataError("id: a campaign call needs a non-empty id")
        if not isinstance(self.vars, Mapping):
            raise PbxDataError("vars: expected a mapping")

    def to_json(self, number: str | None = None) -> dict[str, Any]:
        return {"id": self.id, "number": number if number is not None else self.number, "vars": dict(self.vars)}
