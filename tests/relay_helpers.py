"""A real relay process (``gravitel-desk relay serve``), raw SSE desks and a PBX that posts."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx

from desktop_app.core.profile import Profile
from desktop_app.core.sse import SseMessage, SseParser
from desktop_app.relay.desks import DeskRegistry

CRM_TOKEN = "crm-token-for-relay-tests"
IO_TIMEOUT = 20.0  # a safety net so a broken relay fails a test instead of hanging it
ROOT = Path(__file__).resolve().parents[1]
CHILD = Path(__file__).parent / "desktop_app" / "relay" / "relay_child.py"
_STARTED = re.compile(r"relay on (http\S+)")


def relay_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRAVITEL_DESK_")}
    env.update(GRAVITEL_DESK_CRM_TOKEN=CRM_TOKEN, PYTHONPATH=str(ROOT), **extra)
    env.pop("QT_QPA_PLATFORM", None)
    return env


class RelayProcess:
    """``python relay_child.py --profile P relay serve --port N``: the real command, plus a
    last stdout line naming the Qt modules loaded (there must be none)."""

    def __init__(self, profile: Path, port: int = 0, heartbeat: float | None = None,
                 queue_limit: int | None = None, env: dict[str, str] | None = None) -> None:
        self.profile = profile
        self.port = port
        self.heartbeat = heartbeat
        self.queue_limit = queue_limit
        self.env = env or {}
        self.lines: list[str] = []
        self.url = ""
        self.process: asyncio.subprocess.Process | None = None
        self._reader: asyncio.Task[None] | None = None
        self._started = asyncio.Event()

    async def start(self) -> RelayProcess:
        extra = dict(self.env)
        if self.heartbeat:
            extra["GRAVITEL_RELAY_TEST_HEARTBEAT"] = str(self.heartbeat)
        if self.queue_limit:
            extra["GRAVITEL_RELAY_TEST_QUEUE_LIMIT"] = str(self.queue_limit)
        self._started = asyncio.Event()
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, str(CHILD), "--profile", str(self.profile), "relay", "serve", "--port", str(self.port),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, env=relay_env(**extra),
        )
        self._reader = asyncio.get_running_loop().create_task(self._read())
        async with asyncio.timeout(IO_TIMEOUT):
            await self._started.wait()
        if not self.url:
            raise AssertionError("relay did not start:\n" + "\n".join(self.lines))
        self.port = int(self.url.rsplit(":", 1)[1].split("/")[0])
        return self

    async def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        async for raw in self.process.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.lines.append(line)
            found = _STARTED.search(line)
            if found and not self.url:
                self.url = found.group(1)
                self._started.set()
        self._started.set()

    async def stop(self, sig: int = signal.SIGTERM) -> int:
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(sig)
        async with asyncio.timeout(IO_TIMEOUT):
            code = await self.process.wait()
            if self._reader is not None:
                await self._reader
        self.url = ""
        return code

    def output(self) -> str:
        return "\n".join(self.lines)


class Desk:
    """A raw SSE client: what a desk sees of its stream."""

    def __init__(self, base: str, token: str, last_id: int | None = None) -> None:
        self.base = base
        self.token = token
        self.last_id = last_id
        self.messages: list[SseMessage] = []
        self.comments = 0
        self.status: int | None = None
        self.ended = asyncio.Event()
        self.opened = asyncio.Event()
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._http = httpx.AsyncClient(timeout=httpx.Timeout(IO_TIMEOUT, read=None))

    def start(self) -> Desk:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    async def _run(self) -> None:
        headers = {"authorization": f"Bearer {self.token}"}
        if self.last_id is not None:
            headers["last-event-id"] = str(self.last_id)
        parser = SseParser()
        try:
            async with self._http.stream("GET", self.base + "/desk/v1/events", headers=headers) as response:
                self.status = response.status_code
                self.opened.set()
                async for chunk in response.aiter_raw():
                    self.messages += parser.feed(chunk)
                    self.comments = parser.comments
                    self._changed.set()
        except (httpx.HTTPError, OSError):
            pass
        finally:
            self.opened.set()
            self.ended.set()
            self._changed.set()

    async def wait_for(self, count: int) -> list[SseMessage]:
        async with asyncio.timeout(IO_TIMEOUT):
            while len(self.messages) < count:
                if self.ended.is_set():
                    raise AssertionError(f"stream ended after {len(self.messages)} of {count} messages")
                self._changed.clear()
                await self._changed.wait()
        return self.messages

    async def wait_open(self) -> None:
        """Until the relay's greeting (a comment) arrived: the desk is subscribed."""
        async with asyncio.timeout(IO_TIMEOUT):
            while not self.comments:
                if self.ended.is_set():
                    raise AssertionError(f"stream ended (HTTP {self.status})")
                self._changed.clear()
                await self._changed.wait()

    def ids(self) -> list[int]:
        return [int(m.id) for m in self.messages if m.id is not None]

    def data(self) -> list[dict[str, Any]]:
        return [json.loads(m.data) for m in self.messages]

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._http.aclose()


def event(call_id: str, extension: str, stage: str = "alerting", client: str = "79991234567") -> dict[str, Any]:
    return {"id": call_id, "direction": "in", "stage": stage, "extension": extension, "client": client,
            "phone": "74951234567", "when": 1_760_000_000}


def history(call_id: str, extension: str, client: str = "79991234567") -> dict[str, Any]:
    return {"id": call_id, "direction": "in", "result": "success", "duration": 42, "provision": 3,
            "extension": extension, "client": client, "when": 1_760_000_000}


class Pbx:
    def __init__(self, base: str) -> None:
        self.base = base
        self.http = httpx.AsyncClient(timeout=IO_TIMEOUT)

    async def post(self, route: str, body: dict[str, Any], token: str = CRM_TOKEN) -> httpx.Response:
        return await self.http.post(self.base + route, json=body, headers={"x-api-key": token})

    async def close(self) -> None:
        await self.http.aclose()


def make_relay_profile(tmp_path: Path) -> Profile:
    profile = Profile(tmp_path / "relay").ensure()
    profile.config_path.write_text('[listener]\nhost = "127.0.0.1"\nport = 0\n', encoding="utf-8")
    return profile


def add_desk(profile: Profile, extension: str, *, all_calls: bool = False, name: str = "") -> str:
    with DeskRegistry(profile.db_path) as registry:
        return registry.add(extension, all_calls=all_calls, name=name)[1]


@contextlib.asynccontextmanager
async def running_relay(profile: Profile, **kwargs: Any) -> AsyncIterator[RelayProcess]:
    relay = await RelayProcess(profile.root, **kwargs).start()
    try:
        yield relay
    finally:
        if relay.process is not None and relay.process.returncode is None:
            await relay.stop()
