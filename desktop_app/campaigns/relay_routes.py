"""The office relay's shared call-back list: every desk sees the same list and the same
*done* marks (docs/campaigns.md). The relay takes the robot's reports itself, so its
store and its rules (the relay profile's ``[campaigns] callback_rules``) fill the list.

Routes, with the desk token (``Authorization: Bearer``) like every ``/desk/v1/`` route::

    GET  /desk/v1/callbacks[?done=1]   {"callbacks": [...]}: the open ones (and the done ones)
    POST /desk/v1/callbacks/{call id}  {"done": true|false} -> {"changed": bool, "callback": {...}}
                                       marked by the desk's extension; "changed" is false when
                                       another desk was first (404: not on the list)
    POST /desk/v1/campaign-calls       {"campaign": N, "calls": [{"id", "number", "vars"}]}
                                       -> {"registered": n}: calls a desk queued, so that the
                                       list knows their numbers (a report carries none)

The store lives on one worker thread with its own connection: a write may wait for another
process's lock, which must never hold up the loop that answers the PBX.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote

from desktop_app.campaigns.follower import ReportFollower
from desktop_app.campaigns.store import Callback, CampaignStore, NewCall
from desktop_app.core.http_server import Request, Response
from desktop_app.core.phone import InvalidNumber, is_extension, normalize
from desktop_app.core.settings import CallbackRule
from desktop_app.relay import protocol
from desktop_app.webhooks.types import CampaignReport

log = logging.getLogger("relay")

T = TypeVar("T")
MAX_CALLS_PER_REQUEST = 10_000
MAX_ID_CHARS = 200


def callback_to_json(item: Callback) -> dict[str, Any]:
    return {
        "call_id": item.call_id, "rule": item.rule, "created": item.created, "done_at": item.done_at,
        "done_by": item.done_by, "campaign": item.campaign, "number": item.number,
        "result": item.result.value if item.result is not None else None, "final": item.final,
        "started": item.started, "answers": item.answers, "vars": item.vars,
    }


class CampaignWorker:
    """The relay's campaign store and report follower, on one worker thread."""

    def __init__(self, db_path: Path, rules: Sequence[CallbackRule]) -> None:
        self._executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="relay-campaigns")
        self._db_path = db_path
        self._rules = list(rules)
        self._follower: ReportFollower | None = None

    def _follow(self) -> ReportFollower:
        if self._follower is None:
            self._follower = ReportFollower(CampaignStore(self._db_path), self._rules)
        return self._follower

    async def run(self, fn: Callable[[CampaignStore], T]) -> T:
        return await asyncio.wrap_future(self._executor.submit(lambda: fn(self._follow().store)))

    async def catch_up(self) -> int:
        """Reports the relay journaled but never took (it stopped in between)."""
        return await asyncio.wrap_future(self._executor.submit(lambda: self._follow().catch_up(self._db_path)))

    def take(self, report: CampaignReport) -> None:
        """Hand a report on without waiting (the journal has it: a failure is taken again
        at the next start)."""
        future = self._executor.submit(lambda: self._follow().take(report))
        future.add_done_callback(_log_failure)

    async def close(self) -> None:
        def close() -> None:
            if self._follower is not None:
                self._follower.store.close()

        await asyncio.wrap_future(self._executor.submit(close))
        self._executor.shutdown(wait=True)


def _log_failure(future: concurrent.futures.Future[Any]) -> None:
    if future.exception() is not None:
        log.error("a campaign report was not taken", exc_info=future.exception())


def _error(status: int, message: str, **headers: str) -> Response:
    return Response.json(status, {"error": message}, list(headers.items()))


# Who is asking: the desk's extension for a request with a valid desk token, else None.
Authenticate = Callable[[Request], "str | None"]


class CallbackRoutes:
    """The request handler for the routes above (paths as the listener hands them on)."""

    def __init__(self, worker: CampaignWorker, authenticate: Authenticate) -> None:
        self._worker = worker
        self._authenticate = authenticate

    async def __call__(self, request: Request) -> Response:
        extension = self._authenticate(request)
        if extension is None:
            return _error(401, "missing, unknown or revoked desk token",
                          **{"www-authenticate": 'Bearer realm="gravitel-relay"'})
        path = request.path
        if path == protocol.CALLBACKS:
            if request.method != "GET":
                return _error(405, "method not allowed", allow="GET")
            include_done = request.query.get("done", "") in ("1", "true")
            items = await self._worker.run(lambda store: store.callbacks(include_done=include_done))
            return Response.json(200, {"callbacks": [callback_to_json(item) for item in items]})
        if path.startswith(protocol.CALLBACKS + "/"):
            if request.method != "POST":
                return _error(405, "method not allowed", allow="POST")
            return await self._mark(request, unquote(path[len(protocol.CALLBACKS) + 1:]), extension)
        if path == protocol.CAMPAIGN_CALLS:
            if request.method != "POST":
                return _error(405, "method not allowed", allow="POST")
            return await self._register(request)
        return _error(404, "not found")

    async def _mark(self, request: Request, call_id: str, extension: str) -> Response:
        body = _json_object(request)
        if body is None or not isinstance(body.get("done"), bool) or not call_id or len(call_id) > MAX_ID_CHARS:
            return _error(400, 'the body must be {"done": true} or {"done": false}')
        done = body["done"]

        def mark(store: CampaignStore) -> tuple[bool, Callback | None]:
            changed = store.mark_done(call_id, extension, done=done)
            found = [item for item in store.callbacks(include_done=True) if item.call_id == call_id]
            return changed, found[0] if found else None

        changed, item = await self._worker.run(mark)
        if item is None:
            return _error(404, f"call {call_id} is not on the call-back list")
        return Response.json(200, {"changed": changed, "callback": callback_to_json(item)})

    async def _register(self, request: Request) -> Response:
        body = _json_object(request)
        campaign = body.get("campaign") if body is not None else None
        calls = body.get("calls") if body is not None else None
        if isinstance(campaign, bool) or not isinstance(campaign, int) or campaign <= 0 \
                or not isinstance(calls, list) or len(calls) > MAX_CALLS_PER_REQUEST:
            return _error(400, f'the body must be {{"campaign": N, "calls": [...]}} with at most '
                               f"{MAX_CALLS_PER_REQUEST} calls")
        try:
            parsed = [_call(item) for item in calls]
        except ValueError as exc:
            return _error(400, str(exc))
        registered = await self._worker.run(lambda store: store.register_calls(campaign, parsed))
        return Response.json(200, {"registered": registered})


def _json_object(request: Request) -> dict[str, Any] | None:
    try:
        data = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


def _call(item: Any) -> NewCall:
    if not isinstance(item, dict):
        raise ValueError("each call must be a JSON object")
    call_id, number, variables = item.get("id"), item.get("number"), item.get("vars", {})
    if not isinstance(call_id, str) or not call_id.strip() or len(call_id) > MAX_ID_CHARS:
        raise ValueError("each call needs an id (text)")
    if not isinstance(variables, dict):
        raise ValueError(f"call {call_id}: vars must be a JSON object")
    try:
        normal = normalize(str(number)) if isinstance(number, (str, int)) and not isinstance(number, bool) else ""
    except InvalidNumber:
        normal = ""
    if not normal or is_extension(normal):
        raise ValueError(f"call {call_id}: not a phone number: {number}")
    return NewCall(call_id.strip(), normal, variables)
