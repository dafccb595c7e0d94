"""Call recordings: downloaded once into the profile's cache, the token kept from strangers.

The PBX links recordings on its records hosts, which want the API token (CONTRACT §6).
The token goes only to the API host and the allowed records hosts, and over plain HTTP
only when the operator's API address is plain HTTP too (a local simulator). Redirects
are followed here, hop by hop, because httpx strips only ``Authorization`` on a
cross-origin redirect, not ``X-API-KEY``: each hop decides afresh whether it gets the token.
Files land atomically (temporary file, then rename), so a cached file is always complete.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from desktop_app.core.log_setup import register_secret
from desktop_app.core.texts import QT_TRANSLATE_NOOP, Text, UserError

log = logging.getLogger(__name__)

DEFAULT_RECORDS_HOSTS = ("records.gravitel.ru", "records.aicall.ru")
MAX_RECORDING_BYTES = 200 * 1024 * 1024
MAX_REDIRECTS = 5
_SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,5}$")
_CTX = "recordings"


class RecordingError(UserError):
    """A recording could not be fetched. ``status``: the HTTP status, when there was one."""

    def __init__(self, source: str, *, status: int | None = None, **args: Any) -> None:
        if status is not None:
            args["status"] = status
        super().__init__(Text(_CTX, source, args))
        self.status = status


def _host_key(host: str) -> str:
    host = host.strip().lower()
    if "://" in host:
        host = urlsplit(host).hostname or ""
    return host.rstrip(".")


class RecordingFetcher:
    def __init__(self, http: httpx.AsyncClient, token: str | None, api_url: str, allowed_hosts: list[str],
                 cache_dir: Path, *, max_bytes: int = MAX_RECORDING_BYTES) -> None:
        api = urlsplit(api_url)
        if api.scheme not in ("http", "https") or not api.hostname:
            raise ValueError(f"not an http(s) API address: {api_url!r}")
        self._http = http
        self._token = token or None
        if self._token:
            register_secret(self._token)
        self._allowed = {_host_key(api.hostname), *(_host_key(h) for h in allowed_hosts if h.strip())}
        # Plain HTTP carries the token in the clear: only where the operator already sends it so.
        self._plain_http_ok = api.scheme == "http"
        self._cache_dir = Path(cache_dir)
        self._max_bytes = max_bytes
        self._locks: dict[str, asyncio.Lock] = {}

    @classmethod
    def from_settings(cls, http: httpx.AsyncClient, settings: Any, token: str | None,
                      cache_dir: Path) -> RecordingFetcher:
        """The PBX's records hosts plus those the operator added (``pbx.records_hosts``)."""
        pbx = getattr(settings, "pbx", settings)
        hosts = [*DEFAULT_RECORDS_HOSTS, *pbx.records_hosts]
        return cls(http, token, pbx.api_url, hosts, cache_dir)

    def token_allowed(self, url: str | httpx.URL) -> bool:
        parsed = httpx.URL(str(url))
        if parsed.scheme == "http" and not self._plain_http_ok:
            return False
        return parsed.scheme in ("http", "https") and _host_key(parsed.host) in self._allowed

    def cache_path(self, url: str) -> Path:
        key = hashlib.sha256(url.strip().encode("utf-8")).hexdigest()[:40]
        suffix = Path(urlsplit(url.strip()).path).suffix
        return self._cache_dir / (key + (suffix.lower() if _SUFFIX.match(suffix) else ""))

    async def fetch(self, url: str) -> Path:
        """The local file of the recording at ``url``, downloaded unless cached."""
        start = self._checked_url(url)
        target = self.cache_path(url)
        if target.is_file():
            return target
        lock = self._locks.setdefault(target.name, asyncio.Lock())
        try:
            async with lock:  # one download per file; the others then find it cached
                if target.is_file():
                    return target
                await self._download(start, target)
                return target
        finally:
            if not lock.locked() and self._locks.get(target.name) is lock:
                del self._locks[target.name]

    @staticmethod
    def _checked_url(url: Any) -> httpx.URL:
        try:
            parsed = httpx.URL(str(url).strip())
            host = parsed.host  # decoded lazily: a host that is not valid IDNA raises here
        except (httpx.InvalidURL, UnicodeError):
            parsed, host = None, ""
        if parsed is None or parsed.scheme not in ("http", "https") or not host:
            raise RecordingError(QT_TRANSLATE_NOOP("recordings", "Not a recording link: {url}"), url=str(url)[:200])
        return parsed

    def _next_hop(self, current: httpx.URL, location: str) -> httpx.URL:
        try:
            joined = str(current.join(location))
        except (httpx.InvalidURL, UnicodeError):
            joined = location
        return self._checked_url(joined)

    async def _download(self, url: httpx.URL, target: Path) -> None:
        current = url
        for _hop in range(MAX_REDIRECTS + 1):
            headers = {"X-API-KEY": self._token} if self._token and self.token_allowed(current) else {}
            try:
                async with self._http.stream("GET", current, headers=headers, follow_redirects=False) as response:
                    if response.is_redirect:
                        current = self._next_hop(current, response.headers["location"])
                        log.info("recording redirected to %s", current.host)
                        continue
                    self._check_status(response, current.host)
                    await self._save(response, target)
                    return
            except httpx.TimeoutException:
                raise RecordingError(QT_TRANSLATE_NOOP(
                    "recordings", "The recording server {host} did not answer in time."), host=current.host) from None
            except httpx.HTTPError as exc:
                raise RecordingError(QT_TRANSLATE_NOOP(
                    "recordings", "Cannot download the recording from {host}: {reason}"),
                    host=current.host, reason=str(exc)[:200] or type(exc).__name__) from None
        raise RecordingError(QT_TRANSLATE_NOOP(
            "recordings", "The recording link redirects too many times."))

    def _check_status(self, response: httpx.Response, host: str) -> None:
        status = response.status_code
        if status in (401, 403):
            raise RecordingError(QT_TRANSLATE_NOOP(
                "recordings", "The recording server {host} refused access (HTTP {status})."),
                status=status, host=host)
        if status in (404, 410):
            raise RecordingError(QT_TRANSLATE_NOOP(
                "recordings", "The recording is no longer available (HTTP {status})."), status=status)
        if not 200 <= status <= 299:
            raise RecordingError(QT_TRANSLATE_NOOP(
                "recordings", "The recording server {host} answered HTTP {status}."), status=status, host=host)

    async def _save(self, response: httpx.Response, target: Path) -> None:
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self._max_bytes:
            raise self._too_big()
        self._cache_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".part-", dir=self._cache_dir)
        try:
            size = 0
            with os.fdopen(fd, "wb") as handle:
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > self._max_bytes:
                        raise self._too_big()
                    handle.write(chunk)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _too_big(self) -> RecordingError:
        return RecordingError(QT_TRANSLATE_NOOP(
            "recordings", "The recording is larger than {limit} MB; it was not downloaded."),
            limit=max(1, self._max_bytes // (1024 * 1024)))
