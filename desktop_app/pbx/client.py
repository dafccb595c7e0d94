"""The PBX API client: everything the desk asks of the PBX (seed §3.2, CONTRACT §6).

One :class:`PbxClient` sends each command to ``{api_url}/v1/{domain}/<command>`` with the
``X-API-KEY`` header over one shared ``httpx.AsyncClient`` that the application owns and
closes (:func:`make_http_client` builds it with the timeouts used everywhere).

Every failure is one :class:`PbxError` subclass whose message is a :class:`Text` for the
operator, with ``status`` (HTTP status or None) and ``command`` (the client method's name,
e.g. ``"makecall"``, ``"campaign_call_status"``) attributes. Commands that
make something happen (a call, an SMS, a caller id change, a campaign call) are never
retried: a second attempt could ring a client twice. Reads may retry once when the
connection failed, never after a timeout or an HTTP error answer. Balance is never
retried (the PBX allows one request in 10 minutes; see :mod:`desktop_app.pbx.balance_gate`).
"""

from __future__ import annotations

import json
import logging
import re
import ssl
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from desktop_app import __version__
from desktop_app.core.log_setup import register_secret
from desktop_app.core.phone import DEFAULT_REGION, normalize
from desktop_app.core.texts import QT_TRANSLATE_NOOP, Text, UserError
from desktop_app.pbx.types import (
    Balance,
    CallRecord,
    CampaignCall,
    CampaignCallStatus,
    Employee,
    Group,
    HistoryPeriod,
    HistoryType,
    PbxDataError,
    PbxNumber,
    format_datetime,
    parse_list,
)

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 15.0
DEFAULT_TIMEOUT = httpx.Timeout(READ_TIMEOUT, connect=CONNECT_TIMEOUT)
USER_AGENT = f"gravitel-desk/{__version__}"
DETAIL_MAX_CHARS = 200
_CTX = "pbx"

# Failures where the request may not have been processed and a read can safely try again.
_RETRYABLE = (httpx.ConnectError, httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError)
_NO_BODY = object()


def make_http_client(
    *, timeout: httpx.Timeout | float = DEFAULT_TIMEOUT, verify: ssl.SSLContext | bool = True
) -> httpx.AsyncClient:
    """The application's one HTTP client: TLS verified, no automatic redirects."""
    if verify is False:
        raise ValueError("TLS verification cannot be turned off")
    return httpx.AsyncClient(
        timeout=timeout,
        verify=verify,
        follow_redirects=False,
        headers={"User-Agent": USER_AGENT},
    )


# -- errors -------------------------------------------------------------------------


class PbxError(UserError):
    """A PBX command failed. ``reached_pbx``: whether the request may have arrived."""

    reached_pbx = True

    def __init__(self, text: Text, *, command: str | None = None, status: int | None = None,
                 detail: str | None = None) -> None:
        super().__init__(text)
        self.command = command
        self.status = status
        self.detail = detail


class PbxNotConfigured(PbxError):
    reached_pbx = False


class PbxBadRequest(PbxError):
    """400: the PBX rejected the parameters."""


class PbxAuthError(PbxError):
    """401: the PBX refused the token."""


class PbxNotFound(PbxError):
    """404: unknown employee, campaign or campaign call (or a wrong API address)."""


class PbxValidationError(PbxError):
    """405: the PBX's validation of the request failed."""


class PbxRateLimited(PbxError):
    """429: too many requests. ``retry_after`` in seconds when the PBX said so."""

    def __init__(self, text: Text, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(text, **kwargs)
        self.retry_after = retry_after


class PbxServerError(PbxError):
    """5xx: the PBX (or, for SMS, its gateway) failed."""


class PbxUnexpectedStatus(PbxError):
    """An HTTP status the API does not document (3xx, 403...)."""


class PbxTimeout(PbxError):
    """No connection or no answer in time."""


class PbxConnectionError(PbxError):
    """The PBX could not be reached, or the connection broke."""


class PbxInvalidResponse(PbxError):
    """A success status with a body that is not the documented JSON."""


class PbxRequestError(UserError, ValueError):
    """A request that is refused before anything is sent (empty text, bad campaign id...)."""


def _text(source: str, **args: Any) -> Text:
    return Text(_CTX, source, args)


def _with_detail(plain: str, detailed: str, detail: str | None, **args: Any) -> Text:
    """Keep the PBX's own words when it gave some."""
    if detail:
        return _text(detailed, detail=detail, **args)
    return _text(plain, **args)


def pbx_detail(response: httpx.Response) -> str | None:
    """The PBX's own error text from ``{"error": ...}``, ``{"message": ...}`` or a plain body."""
    try:
        body = response.text
    except (UnicodeDecodeError, LookupError):
        return None
    body = body.strip()
    if not body:
        return None
    try:
        data = json.loads(body)
    except ValueError:
        if body.startswith("<"):  # an HTML error page says nothing an operator can use
            return None
        return _shorten(body)
    found = _detail_from_json(data)
    return _shorten(found) if found else None


def _detail_from_json(data: Any, depth: int = 0) -> str | None:
    if depth > 2:
        return None
    if isinstance(data, str):
        return data
    if isinstance(data, list):
        parts = [p for p in (_detail_from_json(item, depth + 1) for item in data) if p]
        return "; ".join(parts) or None
    if isinstance(data, Mapping):
        lowered = {str(k).lower(): v for k, v in data.items()}
        for key in ("error", "message", "detail", "error_description", "description", "msg"):
            value = lowered.get(key)
            found = _detail_from_json(value, depth + 1) if value is not None else None
            if found:
                return found
        errors = lowered.get("errors")
        if isinstance(errors, Mapping):  # {"errors": {"number": ["is invalid"]}}
            parts = []
            for name, value in errors.items():
                text = _detail_from_json(value, depth + 1)
                parts.append(f"{name}: {text}" if text else str(name))
            return "; ".join(parts) or None
        if errors is not None:
            return _detail_from_json(errors, depth + 1)
    return None


def _shorten(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    if len(text) > DETAIL_MAX_CHARS:
        text = text[: DETAIL_MAX_CHARS - 1].rstrip() + "…"
    return text


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    return float(value) if value.isdigit() else None


_EMPLOYEE_COMMANDS = ("makecall", "set_callerid", "delete_callerid")
_CAMPAIGN_COMMANDS = ("campaign_call", "campaign_call_array")
_CAMPAIGN_CALL_COMMANDS = ("campaign_call_status", "campaign_call_delete")


def error_for_response(command: str, response: httpx.Response, subject: Mapping[str, Any]) -> PbxError:
    """The error for an HTTP failure answer. ``subject`` names the employee/campaign/call."""
    status = response.status_code
    detail = pbx_detail(response)
    common = {"command": command, "status": status, "detail": detail}
    if status == 400:
        return PbxBadRequest(_with_detail(
            QT_TRANSLATE_NOOP("pbx", "The PBX rejected the request parameters."),
            QT_TRANSLATE_NOOP("pbx", "The PBX rejected the request parameters: {detail}"),
            detail), **common)
    if status == 401:
        return PbxAuthError(_text(QT_TRANSLATE_NOOP(
            "pbx", "The PBX refused the API token. Check the token in the settings.")), **common)
    if status == 404:
        return PbxNotFound(_not_found_text(command, subject, detail), **common)
    if status == 405:
        return PbxValidationError(_with_detail(
            QT_TRANSLATE_NOOP("pbx", "The PBX did not accept the request (validation error)."),
            QT_TRANSLATE_NOOP("pbx", "The PBX did not accept the request (validation error): {detail}"),
            detail), **common)
    if status == 429:
        return PbxRateLimited(_text(QT_TRANSLATE_NOOP(
            "pbx", "Too many requests to the PBX. Try again later.")),
            retry_after=_retry_after(response), **common)
    if command == "sms" and status == 500:
        return PbxServerError(_with_detail(
            QT_TRANSLATE_NOOP("pbx", "The SMS gateway could not send the message."),
            QT_TRANSLATE_NOOP("pbx", "The SMS gateway could not send the message: {detail}"),
            detail), **common)
    if 500 <= status <= 599:
        return PbxServerError(_with_detail(
            QT_TRANSLATE_NOOP("pbx", "The PBX reported an error (HTTP {status})."),
            QT_TRANSLATE_NOOP("pbx", "The PBX reported an error (HTTP {status}): {detail}"),
            detail, status=status), **common)
    return PbxUnexpectedStatus(_with_detail(
        QT_TRANSLATE_NOOP("pbx", "The PBX answered with an unexpected HTTP status {status}."),
        QT_TRANSLATE_NOOP("pbx", "The PBX answered with an unexpected HTTP status {status}: {detail}"),
        detail, status=status), **common)


def _not_found_text(command: str, subject: Mapping[str, Any], detail: str | None) -> Text:
    if command in _EMPLOYEE_COMMANDS:
        return _with_detail(
            QT_TRANSLATE_NOOP("pbx", "Employee {extension} was not found on the PBX."),
            QT_TRANSLATE_NOOP("pbx", "Employee {extension} was not found on the PBX: {detail}"),
            detail, extension=subject.get("extension", ""))
    if command in _CAMPAIGN_COMMANDS:
        return _with_detail(
            QT_TRANSLATE_NOOP("pbx", "Campaign {cid} was not found on the PBX."),
            QT_TRANSLATE_NOOP("pbx", "Campaign {cid} was not found on the PBX: {detail}"),
            detail, cid=subject.get("cid", ""))
    if command in _CAMPAIGN_CALL_COMMANDS:
        return _with_detail(
            QT_TRANSLATE_NOOP("pbx", "Campaign {cid} or its call {call_id} was not found on the PBX."),
            QT_TRANSLATE_NOOP("pbx", "Campaign {cid} or its call {call_id} was not found on the PBX: {detail}"),
            detail, cid=subject.get("cid", ""), call_id=subject.get("call_id", ""))
    # Commands without a subject only answer 404 when the address or the domain is wrong.
    return _with_detail(
        QT_TRANSLATE_NOOP("pbx", "The PBX does not know this address. Check the API address and the domain."),
        QT_TRANSLATE_NOOP("pbx", "The PBX does not know this address. Check the API address and the domain: {detail}"),
        detail)


def error_for_exception(command: str, exc: httpx.HTTPError, host: str, *, acts: bool) -> PbxError:
    """The error for a transport failure. ``acts``: the command makes something happen."""
    if isinstance(exc, httpx.ConnectTimeout):
        error: PbxError = PbxTimeout(_text(QT_TRANSLATE_NOOP(
            "pbx", "Could not connect to the PBX at {host} in time."), host=host), command=command)
        error.reached_pbx = False
        return error
    if isinstance(exc, httpx.TimeoutException):
        if acts:
            text = _text(QT_TRANSLATE_NOOP(
                "pbx", "The PBX did not answer in time. The request may still have been carried out."))
        else:
            text = _text(QT_TRANSLATE_NOOP("pbx", "The PBX did not answer in time."))
        return PbxTimeout(text, command=command)
    if isinstance(exc, httpx.ConnectError):
        tls = _tls_failure(exc)
        if tls is not None:
            text = _text(QT_TRANSLATE_NOOP(
                "pbx", "The TLS certificate of {host} could not be verified: {reason}"), host=host, reason=tls)
        else:
            text = _text(QT_TRANSLATE_NOOP(
                "pbx", "Cannot connect to the PBX at {host}: {reason}"), host=host, reason=_reason(exc))
        error = PbxConnectionError(text, command=command)
        error.reached_pbx = False
        return error
    if isinstance(exc, (httpx.NetworkError, httpx.RemoteProtocolError)):
        if acts:
            text = _text(QT_TRANSLATE_NOOP(
                "pbx", "The connection to the PBX broke. The request may still have been carried out."))
        else:
            text = _text(QT_TRANSLATE_NOOP("pbx", "The connection to the PBX broke."))
        return PbxConnectionError(text, command=command)
    error = PbxConnectionError(_text(QT_TRANSLATE_NOOP(
        "pbx", "Cannot talk to the PBX at {host}: {reason}"), host=host, reason=_reason(exc)), command=command)
    error.reached_pbx = False
    return error


def _tls_failure(exc: BaseException) -> str | None:
    seen: BaseException | None = exc
    for _ in range(6):
        if seen is None:
            return None
        if isinstance(seen, ssl.SSLCertVerificationError):
            return seen.verify_message or str(seen)
        if isinstance(seen, ssl.SSLError):
            return seen.reason or str(seen)
        seen = seen.__cause__ or seen.__context__
    return None


def _reason(exc: BaseException) -> str:
    return _shorten(str(exc)) or type(exc).__name__


def _invalid_answer(command: str, status: int, reason: str) -> PbxInvalidResponse:
    return PbxInvalidResponse(_text(QT_TRANSLATE_NOOP(
        "pbx", "The PBX sent an answer that cannot be read: {reason}"), reason=_shorten(reason)),
        command=command, status=status)


def _request_error(source: str, **args: Any) -> PbxRequestError:
    return PbxRequestError(_text(source, **args))


# -- the client ---------------------------------------------------------------------


class PbxClient:
    """The thirteen commands of the PBX API. Cheap to build; the HTTP client is shared."""

    def __init__(self, http: httpx.AsyncClient, *, api_url: str, domain: str, token: str,
                 region: str = DEFAULT_REGION) -> None:
        url = urlsplit((api_url or "").strip())
        if url.scheme not in ("http", "https") or not url.hostname:
            raise PbxNotConfigured(_text(QT_TRANSLATE_NOOP(
                "pbx", "The PBX API address must be an http:// or https:// URL, not \"{url}\"."), url=api_url))
        domain = (domain or "").strip()
        if not domain or any(ch in domain for ch in "/?#\\") or any(ch.isspace() for ch in domain):
            raise PbxNotConfigured(_text(QT_TRANSLATE_NOOP(
                "pbx", "The PBX domain is not set (e.g. example.aicall.ru).")) if not domain else _text(
                QT_TRANSLATE_NOOP("pbx", "The PBX domain \"{domain}\" is not valid."), domain=domain))
        token = (token or "").strip()
        if not token:
            raise PbxNotConfigured(_text(QT_TRANSLATE_NOOP("pbx", "The PBX API token is not set.")))
        if not token.isascii() or not token.isprintable() or " " in token:
            raise PbxNotConfigured(_text(QT_TRANSLATE_NOOP(
                "pbx", "The PBX API token must be one line of ASCII characters without spaces.")))
        register_secret(token)
        self._http = http
        self._api_url = api_url.strip().rstrip("/")
        self._host = url.hostname
        self._domain = domain
        self._token = token
        self._region = region

    @classmethod
    def from_settings(cls, http: httpx.AsyncClient, settings: Any, token: str) -> PbxClient:
        """``settings``: a :class:`~desktop_app.core.settings.Settings` or its ``pbx`` section."""
        pbx = getattr(settings, "pbx", settings)
        return cls(http, api_url=pbx.api_url, domain=pbx.domain, token=token)

    @property
    def api_url(self) -> str:
        return self._api_url

    @property
    def domain(self) -> str:
        return self._domain

    def url(self, path: str) -> str:
        return f"{self._api_url}/v1/{quote(self._domain, safe='')}/{path}"

    # -- commands that make something happen (never retried) --

    async def makecall(self, number: str, extension: str, clid: str | None = None) -> None:
        """Ring ``extension``, then connect it to ``number``. The seed's example names the
        employee ``extension`` and its table ``from``: both are sent."""
        extension = self._extension(extension)
        body = {"extension": extension, "from": extension, "number": normalize(number, self._region)}
        if clid:
            body["clid"] = normalize(clid, self._region)
        await self._call("makecall", "POST", "makecall", body, acts=True, subject={"extension": extension})

    async def sms(self, number: str, text: str) -> None:
        normal = normalize(number, self._region)
        if not isinstance(text, str) or not text.strip():
            raise _request_error(QT_TRANSLATE_NOOP("pbx", "The SMS text is empty."))
        await self._call("sms", "POST", "sms", {"number": normal, "text": text}, acts=True)

    async def set_callerid(self, extension: str, number: str) -> None:
        extension = self._extension(extension)
        body = {"extension": extension, "number": normalize(number, self._region)}
        await self._call("set_callerid", "POST", "callerid", body, acts=True, subject={"extension": extension})

    async def delete_callerid(self, extension: str) -> None:
        extension = self._extension(extension)
        await self._call("delete_callerid", "DELETE", "callerid", {"extension": extension}, acts=True,
                         subject={"extension": extension})

    async def campaign_call(self, cid: int | str, call: CampaignCall) -> None:
        cid_text = self._cid(cid)
        body = call.to_json(normalize(call.number, self._region))
        await self._call("campaign_call", "POST", f"campaign/{cid_text}/call", body, acts=True,
                         subject={"cid": cid_text})

    async def campaign_call_array(self, cid: int | str, calls: Iterable[CampaignCall]) -> None:
        cid_text = self._cid(cid)
        calls = list(calls)
        if not calls:
            raise _request_error(QT_TRANSLATE_NOOP("pbx", "There are no calls to add to the campaign."))
        seen: set[str] = set()
        for call in calls:
            if call.id in seen:
                raise _request_error(QT_TRANSLATE_NOOP(
                    "pbx", "The call id {id} appears twice in the campaign list."), id=call.id)
            seen.add(call.id)
        body = [call.to_json(normalize(call.number, self._region)) for call in calls]
        await self._call("campaign_call_array", "POST", f"campaign/{cid_text}/callArray", body, acts=True,
                         subject={"cid": cid_text})

    async def campaign_call_delete(self, cid: int | str, call_id: str) -> None:
        cid_text, call_id = self._cid(cid), self._call_id(call_id)
        await self._call("campaign_call_delete", "DELETE", f"campaign/{cid_text}/call/{quote(call_id, safe='')}",
                         acts=True, subject={"cid": cid_text, "call_id": call_id})

    # -- reads --

    async def history(self, period: HistoryPeriod | str | None = None, start: datetime | None = None,
                      end: datetime | None = None, type: HistoryType | str | None = None,  # noqa: A002
                      limit: int | None = None) -> list[CallRecord]:
        """Calls of the PBX. ``period`` wins over ``start``/``end`` (seed §3.2.3), so only it is sent.
        ``start``/``end`` must carry a time zone; they are sent in UTC."""
        body: dict[str, Any] = {}
        if period is not None:
            body["period"] = HistoryPeriod.parse(period, "period").value
        else:
            if start is not None:
                body["start"] = format_datetime(start)
            if end is not None:
                body["end"] = format_datetime(end)
            if start is not None and end is not None and start > end:  # both aware by now
                raise _request_error(QT_TRANSLATE_NOOP("pbx", "The start of the period is after its end."))
        if type is not None:
            body["type"] = HistoryType.parse(type, "type").value
        if limit is not None:
            if isinstance(limit, bool) or not isinstance(limit, int) or limit <= 0:
                raise _request_error(QT_TRANSLATE_NOOP(
                    "pbx", "The number of calls to fetch must be a positive whole number."))
            body["limit"] = limit
        data = await self._call("history", "POST", "history", body, retry=True, answer=True)
        return self._parse("history", parse_list, data, CallRecord, "history")

    async def accounts(self) -> list[Employee]:
        data = await self._call("accounts", "GET", "accounts", retry=True, answer=True)
        return self._parse("accounts", parse_list, data, Employee, "accounts")

    async def groups(self) -> list[Group]:
        data = await self._call("groups", "GET", "groups", retry=True, answer=True)
        return self._parse("groups", parse_list, data, Group, "groups")

    async def numbers(self) -> list[PbxNumber]:
        data = await self._call("numbers", "GET", "numbers", retry=True, answer=True)
        return self._parse("numbers", parse_list, data, PbxNumber, "numbers")

    async def balance(self) -> Balance:
        """Never retried: the PBX allows one balance request in 10 minutes."""
        data = await self._call("balance", "GET", "balance", answer=True)
        return self._parse("balance", Balance.from_json, data)

    async def campaign_call_status(self, cid: int | str, call_id: str) -> CampaignCallStatus:
        cid_text, call_id = self._cid(cid), self._call_id(call_id)
        data = await self._call("campaign_call_status", "GET", f"campaign/{cid_text}/call/{quote(call_id, safe='')}",
                                retry=True, answer=True, subject={"cid": cid_text, "call_id": call_id})
        return self._parse("campaign_call_status", CampaignCallStatus.from_json, data)

    # -- plumbing --

    async def _call(self, command: str, method: str, path: str, body: Any = _NO_BODY, *,
                    acts: bool = False, retry: bool = False, answer: bool = False,
                    subject: Mapping[str, Any] | None = None) -> Any:
        """Send one command; return the decoded JSON answer when ``answer``."""
        assert not (acts and retry), "a command that acts is never retried"
        url = self.url(path)
        headers = {"X-API-KEY": self._token, "Accept": "application/json"}
        kwargs: dict[str, Any] = {"headers": headers, "follow_redirects": False}
        if body is not _NO_BODY:
            kwargs["json"] = body
        attempts = 2 if retry else 1
        for attempt in range(1, attempts + 1):
            try:
                response = await self._http.request(method, url, **kwargs)
                break
            except httpx.HTTPError as exc:
                if attempt < attempts and isinstance(exc, _RETRYABLE):
                    log.warning("PBX %s: %s, trying once more", command, type(exc).__name__)
                    continue
                log.warning("PBX %s failed: %s: %s", command, type(exc).__name__, exc)
                raise error_for_exception(command, exc, self._host, acts=acts) from exc
        log.info("PBX %s %s -> %s", method, command, response.status_code)
        if not 200 <= response.status_code <= 299:
            raise error_for_response(command, response, subject or {})
        if not answer:
            return None
        try:
            return json.loads(response.content)
        except (ValueError, UnicodeDecodeError) as exc:
            reason = "empty body" if not response.content.strip() else f"not JSON ({exc})"
            raise _invalid_answer(command, response.status_code, reason) from None

    @staticmethod
    def _parse(command: str, parser: Any, data: Any, *args: Any) -> Any:
        try:
            return parser(data, *args)
        except (PbxDataError, ValueError, OverflowError) as exc:  # "²" as a number, a 400-digit balance
            raise _invalid_answer(command, 200, str(exc)) from None

    @staticmethod
    def _extension(extension: Any) -> str:
        text = str(extension).strip() if isinstance(extension, (str, int)) and not isinstance(extension, bool) else ""
        if not text or any(ch.isspace() for ch in text):
            raise _request_error(QT_TRANSLATE_NOOP("pbx", "Not an employee extension: \"{extension}\""),
                                 extension=extension)
        return text

    @staticmethod
    def _cid(cid: Any) -> str:
        if isinstance(cid, str) and cid.strip().isdigit():
            cid = int(cid.strip())
        if isinstance(cid, bool) or not isinstance(cid, int) or cid <= 0:
            raise _request_error(QT_TRANSLATE_NOOP(
                "pbx", "The campaign id must be a positive whole number, not \"{cid}\"."), cid=cid)
        return str(cid)

    @staticmethod
    def _call_id(call_id: Any) -> str:
        if not isinstance(call_id, str) or not call_id.strip():
            raise _request_error(QT_TRANSLATE_NOOP("pbx", "The campaign call id is empty."))
        return call_id.strip()


# What windows are given: returns the PBX client to use now, or raises a UserError (e.g.
# PbxNotConfigured) saying why there is none; the token or the settings may change meanwhile.
PbxSource = Callable[[], PbxClient]
