"""The shared call-back list of an office relay, as a desk in relay mode uses it (the routes
are in :mod:`desktop_app.campaigns.relay_routes`): read the list, mark a call done for
every desk, tell the relay about the calls this desk queued."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

import httpx

from desktop_app.campaigns.store import Callback, NewCall
from desktop_app.core.texts import QT_TRANSLATE_NOOP, Text, UserError
from desktop_app.relay import protocol
from desktop_app.webhooks.types import CampaignResult

log = logging.getLogger(__name__)

_CTX = "campaigns"
TIMEOUT = 10.0
UNREACHABLE = QT_TRANSLATE_NOOP("campaigns", "Cannot reach the relay at {url}: {reason}")
REFUSED = QT_TRANSLATE_NOOP("campaigns", "The relay refused the request: {reason}")
NOT_ON_LIST = QT_TRANSLATE_NOOP("campaigns", "The call {id} is not on the relay's call-back list.")


class RelayCallbacksError(UserError):
    pass


def _error(source: str, **args: Any) -> RelayCallbacksError:
    return RelayCallbacksError(Text(_CTX, source, args))


def callback_from_json(data: Any) -> Callback:
    """A call-back as the relay sends it; ValueError when it is not one."""
    if not isinstance(data, dict) or not isinstance(data.get("call_id"), str):
        raise ValueError("a call-back must be a JSON object with a call_id")
    result = data.get("result")
    answers, variables = data.get("answers") or {}, data.get("vars") or {}
    if not isinstance(answers, dict) or not isinstance(variables, dict):
        raise ValueError("answers and vars must be JSON objects")
    return Callback(
        call_id=data["call_id"], rule=str(data.get("rule") or ""), created=float(data.get("created") or 0),
        done_at=float(data["done_at"]) if data.get("done_at") is not None else None,
        done_by=str(data.get("done_by") or ""), campaign=int(data.get("campaign") or 0),
        number=str(data.get("number") or ""),
        result=CampaignResult(result) if result in CampaignResult._value2member_map_ else None,
        final=bool(data.get("final")), started=int(data["started"]) if data.get("started") is not None else None,
        answers=answers, vars=variables,
    )


class RelayCallbacks:
    """Talks to the relay at ``url`` with this desk's token over the app's HTTP client."""

    def __init__(self, http: httpx.AsyncClient, url: str, token: str, *, timeout: float = TIMEOUT) -> None:
        self.url = url.rstrip("/")
        self._http = http
        self._headers = {"authorization": f"Bearer {token}"}
        self._timeout = timeout

    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = await self._http.request(method, self.url + path, headers=self._headers,
                                                timeout=self._timeout, **kwargs)
        except httpx.HTTPError as exc:
            raise _error(UNREACHABLE, url=self.url, reason=str(exc) or type(exc).__name__) from None
        if response.status_code >= 400 and response.status_code != 404:
            raise _error(REFUSED, reason=_reason(response))
        return response

    async def list(self, *, include_done: bool = False) -> list[Callback]:
        response = await self._request("GET", protocol.CALLBACKS, params={"done": "1"} if include_done else None)
        try:
            return [callback_from_json(item) for item in response.json()["callbacks"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise _error(REFUSED, reason=f"an answer that is not a call-back list ({exc})") from None

    async def mark(self, call_id: str, done: bool = True) -> bool:
        """Mark a call-back done (or open again) for every desk. False when another desk had
        already done so."""
        response = await self._request("POST", f"{protocol.CALLBACKS}/{quote(call_id, safe='')}",
                                       json={"done": done})
        if response.status_code == 404:
            raise _error(NOT_ON_LIST, id=call_id)
        try:
            return bool(response.json()["changed"])
        except (ValueError, KeyError, TypeError) as exc:
            raise _error(REFUSED, reason=f"an unexpected answer ({exc})") from None

    async def register(self, campaign: int, calls: Iterable[NewCall]) -> int:
        """Tell the relay about calls this desk queued, so its list shows their numbers."""
        body = {"campaign": campaign,
                "calls": [{"id": call.id, "number": call.number, "vars": call.vars} for call in calls]}
        response = await self._request("POST", protocol.CAMPAIGN_CALLS, json=body)
        if response.status_code == 404:
            raise _error(REFUSED, reason="this relay does not share call-backs")
        return int(response.json().get("registered", 0))


def _reason(response: httpx.Response) -> str:
    try:
        return str(response.json().get("error") or response.status_code)
    except (ValueError, AttributeError):
        return f"HTTP {response.status_code}"
