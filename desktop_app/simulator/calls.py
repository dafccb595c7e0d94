"""Playing calls toward a CRM the way the PBX does (seed §3.1).

An incoming call: POST ``/client`` (whose answer names the caller and may route the call
to the responsible manager), ``/event`` Alerting -> Talking -> Released (no Talking when
missed), then ``/history`` with a recording the simulator serves. An outgoing call
ordered by makecall rings the operator's extension first, then the client: ``/event``
with direction Out, then ``/history``. A campaign call moves queued -> calling -> done
and ends in ``/campaign/report``.

The CRM may be down, slow or wrong: every failure is logged and the call goes on.
"""

from __future__ import annotations

import asyncio
import logging
import random
import ssl
import zlib
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime, timezone

import httpx

from desktop_app.simulator.data import CallRecord, Campaign, new_call_id, random_call, record_url
from desktop_app.simulator.state import CALLING, DONE, CampaignCall, PbxState

log = logging.getLogger(__name__)

CRM_TIMEOUT = 5.0  # seconds; a CRM slower than this is logged and skipped
# The voice robot's lines: at most this many campaign calls are made (and reported) at
# once; the others wait in the queue, as on the PBX.
ROBOT_LINES = 10


@dataclass(frozen=True)
class Delays:
    """Seconds between the steps of a played call; short, so a demo stays lively."""

    ring: float = 3.0  # Alerting -> Talking (or -> Released for a missed call)
    talk: float = 6.0  # Talking -> Released
    wrap: float = 0.5  # Released -> /history
    queue: float = 2.0  # campaign: queued -> calling
    robot: float = 5.0  # campaign: calling -> done

    @classmethod
    def none(cls) -> Delays:
        return cls(0, 0, 0, 0, 0)


def campaign_outcome(campaign: Campaign, number: str) -> tuple[str, str | None]:
    """(result, answer) of a robot call, stable per number.

    A number ending in 0 never answers (``NotConnected``); any other answers, and the
    robot hears one of the campaign's answers.
    """
    if number.endswith("0"):
        return "NotConnected", None
    index = zlib.crc32(f"{campaign.id}:{number}".encode()) % len(campaign.answers)
    return "Success", campaign.answers[index]


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class CallPlayer:
    """Plays calls as background tasks; :meth:`close` cancels them and closes the HTTP client."""

    def __init__(
        self,
        state: PbxState,
        *,
        domain: str,
        base_url: Callable[[], str],
        crm_url: str | None = None,
        crm_token: str | None = None,
        crm_verify: bool | ssl.SSLContext = True,
        delays: Delays = Delays(),
        rng: random.Random | None = None,
        now: Callable[[], datetime] = _utc_now,
        ring_extension: str | None = None,
    ) -> None:
        self.state = state
        self.domain = domain
        self.delays = delays
        self.ring_extension = ring_extension
        self._base_url = base_url
        self._rng = rng or random.Random()
        self._now = now
        self._crm_url = crm_url.rstrip("/") if crm_url else None
        self._crm_token = crm_token
        self._http = httpx.AsyncClient(timeout=CRM_TIMEOUT, verify=crm_verify)
        self._tasks: set[asyncio.Task] = set()
        self._campaign_tasks: dict[tuple[int, str], asyncio.Task] = {}
        self._robot_lines = asyncio.Semaphore(ROBOT_LINES)
        self.active: dict[str, dict] = {}
        self.delivered = 0  # webhooks the CRM accepted
        self.failed = 0  # webhooks that failed (no answer, error status)

    # -- wiring --------------------------------------------------------------------------

    @property
    def crm_url(self) -> str | None:
        return self._crm_url

    def set_crm(self, url: str | None, token: str | None) -> None:
        """Point later webhooks elsewhere (the GUI learns its listener's port after start)."""
        self._crm_url = url.rstrip("/") if url else None
        self._crm_token = token

    def _spawn(self, coro: Coroutine, name: str) -> asyncio.Task:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:  # a bug in one call must not pass unseen
            log.error("simulated call %s failed", task.get_name(), exc_info=task.exception())

    async def wait_idle(self) -> None:
        """Return once every call started so far (and any they started) has finished."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self._http.aclose()

    # -- the CRM side ----------------------------------------------------------------------

    async def _post(self, path: str, payload: dict) -> dict | None:
        """POST to the CRM; its JSON object answer, or None when there is none or it failed."""
        if not self._crm_url:
            return None
        headers = {"X-API-KEY": self._crm_token} if self._crm_token else {}
        url = self._crm_url + path
        try:
            response = await self._http.post(url, json=payload, headers=headers)
        except httpx.HTTPError as exc:
            self.failed += 1
            log.warning("CRM %s unreachable: %s", url, exc.__class__.__name__)
            return None
        if response.status_code >= 300:
            self.failed += 1
            log.warning("CRM %s answered %s to call %s", url, response.status_code, payload.get("id"))
            return None
        self.delivered += 1
        try:
            answer = response.json()
        except ValueError:
            return None
        return answer if isinstance(answer, dict) else None

    async def _event(self, call: dict, stage: str) -> None:
        call["stage"] = stage
        payload = {key: call[key] for key in ("id", "when", "direction", "stage", "client", "extension", "phone")}
        await self._post("/event", payload)

    async def _history(self, record: CallRecord) -> None:
        self.state.add_call(record)
        await asyncio.sleep(self.delays.wrap)
        payload = {
            "id": record.id,
            "when": int(record.start.timestamp()),
            "direction": record.direction.capitalize(),
            "result": "Success" if record.answered else "Missed",
            "duration": record.duration,
            "provision": record.wait,
            "client": record.client,
            "extension": record.account,
            "phone": record.via,
        }
        if record.recorded:
            payload["record"] = record_url(self._base_url(), self.domain, record.id)
        await self._post("/history", payload)

    # -- calls ---------------------------------------------------------------------------

    def ring(
        self, number: str | None = None, extension: str | None = None, phone: str | None = None, missed: bool = False
    ) -> str:
        """Start an incoming call now; return its id.

        Who answers: ``extension`` when given, else the manager the CRM names for the
        caller, else ``ring_extension``, else someone at random.
        """
        sample = random_call(self._rng, self._now())
        call_id = sample.id
        number = number or sample.client
        phone = phone or self.state.numbers[0].number
        self._spawn(self._play_incoming(call_id, number, extension, phone, missed, sample), f"in-{call_id}")
        return call_id

    async def _play_incoming(
        self, call_id: str, number: str, extension: str | None, phone: str, missed: bool, sample: CallRecord
    ) -> None:
        start = self._now()
        call = {"id": call_id, "when": int(start.timestamp()), "direction": "In", "stage": "",
                "client": number, "extension": extension or "", "phone": phone}
        self.active[call_id] = call
        try:
            answer = await self._post("/client", {"id": call_id, "client": number, "phone": phone}) or {}
            manager = str(answer.get("manager") or "")
            call["extension"] = (
                extension
                or (manager if manager in self.state.employees else None)
                or (self.ring_extension if self.ring_extension in self.state.employees else None)
                or sample.account
            )
            await self._event(call, "Alerting")
            await asyncio.sleep(self.delays.ring)
            if not missed:
                await self._event(call, "Talking")
                await asyncio.sleep(self.delays.talk)
            await self._event(call, "Released")
        finally:
            self.active.pop(call_id, None)
        duration = 0 if missed else max(sample.duration, 12)
        record = CallRecord(
            id=call_id, direction="in", answered=not missed, account=call["extension"], client=number, via=phone,
            start=start, wait=sample.wait, duration=duration, recorded=not missed,
        )
        await self._history(record)

    def makecall(self, extension: str, number: str, clid: str | None = None) -> str:
        """Start the call makecall orders; return its id."""
        call_id = new_call_id(self._rng)
        phone = clid or self.state.caller_id_of(extension)
        duration = int(self._rng.lognormvariate(4.4, 0.7)) + 10
        self._spawn(self._play_outgoing(call_id, extension, number, phone, duration), f"out-{call_id}")
        return call_id

    async def _play_outgoing(self, call_id: str, extension: str, number: str, phone: str, duration: int) -> None:
        start = self._now()
        call = {"id": call_id, "when": int(start.timestamp()), "direction": "Out", "stage": "",
                "client": number, "extension": extension, "phone": phone}
        self.active[call_id] = call
        try:
            # The operator's phone rings first; once picked up, the client's does.
            await self._event(call, "Alerting")
            await asyncio.sleep(self.delays.ring)
            await self._event(call, "Talking")
            await asyncio.sleep(self.delays.talk)
            await self._event(call, "Released")
        finally:
            self.active.pop(call_id, None)
        record = CallRecord(
            id=call_id, direction="out", answered=True, account=extension, client=number, via=phone,
            start=start, wait=self._rng.randint(5, 20), duration=duration, recorded=True,
        )
        await self._history(record)

    # -- campaigns -----------------------------------------------------------------------

    def campaign_call(self, call: CampaignCall) -> None:
        """Queue a robot call (already stored in the state as queued)."""
        key = (call.campaign_id, call.id)
        task = self._spawn(self._play_campaign(call), f"campaign-{call.campaign_id}-{call.id}")
        self._campaign_tasks[key] = task
        task.add_done_callback(lambda _t, key=key: self._campaign_tasks.pop(key, None))

    async def _play_campaign(self, call: CampaignCall) -> None:
        campaign = self.state.campaigns[call.campaign_id]
        await asyncio.sleep(self.delays.queue)
        async with self._robot_lines:
            call.status, call.when = CALLING, self._now()
            await asyncio.sleep(self.delays.robot)
            result, answer = campaign_outcome(campaign, call.number)
            call.result, call.final, call.status = result, True, DONE
            call.duration = self._rng.randint(25, 90) if answer else 0
            if answer:
                call.vars = dict(call.vars, someAnswer=answer)
            await self._report(call)

    def cancel_campaign_call(self, call: CampaignCall) -> None:
        """Stop a robot call that has not finished; the CRM hears ``Canceled``."""
        task = self._campaign_tasks.pop((call.campaign_id, call.id), None)
        if task is None or call.status == DONE:
            return
        task.cancel()
        call.result, call.final, call.status, call.duration = "Canceled", True, DONE, 0
        self._spawn(self._report(call), f"cancel-{call.campaign_id}-{call.id}")

    async def _report(self, call: CampaignCall) -> None:
        payload = {"id": call.id, "final": call.final, "result": call.result, "duration": call.duration,
                   "vars": dict(call.vars)}
        if call.when is not None:
            payload["when"] = int(call.when.timestamp())
        await self._post("/campaign/report", payload)

    # -- demo ----------------------------------------------------------------------------

    async def ring_now_and_then(self, every: float, missed_share: float = 0.2) -> None:
        """Ring about every ``every`` seconds until cancelled (the ``--demo`` mode)."""
        while True:
            await asyncio.sleep(every * self._rng.uniform(0.6, 1.4))
            self.ring(missed=self._rng.random() < missed_share)
