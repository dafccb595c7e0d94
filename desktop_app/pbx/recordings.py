"""Call recordings: downloaded once into the profile's cache, the token kept from strangers.

The PBX links recordings on numbered hosts of its own domains (``records7.gravitel.ru``),
which usually serve them without a key. So a recording is first asked for without the
token; the token (CONTRACT §6) is sent only when the host answers 401/403 and is the API
host or one of the PBX's own domains (``gravitel.ru``, ``aicall.ru``, or a domain the
operator adds in ``pbx.records_hosts``): the domain itself or a subdomain of it, matched on a
dot boundary, never by prefix or substring. Over plain HTTP only when the operator's API
address is plain HTTP too (a local simulator). Redirects are followed here, hop by hop,
because httpx strips only ``Authorization`` on a cross-origin redirect, not ``X-API-KEY``:
each hop starts again without the token and decides afresh whether it may get it.
Files land atomically (temporary file, then rename), so a cached file is always complete.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from desktop_app.core.log_setup import register_secret
from desktop_app.core.texts import QT_TRANSLATE_NOOP, Text, UserError

log = logging.getLogger(__name__)

# The PBX's own domains: their hosts (and the API host) may receive the token after a 401/403.
PBX_DOMAINS = ("gravitel.ru", "aicall.ru")
MAX_RECORDING_BYTES = 200 * 1024 * 1024
MAX_REDIRECTS = 5
_SUFFIX = re.compile(r"^\.[A-Za-z0-9]{1,5}$")
_CTX = "recordings"
_ASKS_FOR_KEY = (401, 403)


class RecordingError(UserError):
    """A recording could not be fetched. ``status``: the HTTP status, when there was one."""

    def __init__(self, source: str, *, status: int | None = None, **args: Any) -> None:
        if status is not None:
            args["status"] = status
        super().__init__(Text(_CTX, source, args))
        self.status = status


def domain_key(entry: str) -> str:
    """The ASCII (IDNA) form of a host or domain as written by a person: ``https://Rec.Example./``,
    ``*.example.ru`` and ``.example.ru`` all give ``example.ru``-style keys; "" when it is none."""
    text = entry.strip()
    if "://" in text:
        text = urlsplit(text).hostname or ""
    text = text.strip().lower().removeprefix("*.").strip(".")
    if not text:
        return ""
    try:
        return httpx.URL(f"https://{text}/").raw_host.decode("ascii").lower().rstrip(".")
    except (httpx.InvalidURL, UnicodeError):
        return ""


def _url_host(url: httpx.URL) -> str:
    # The host exactly as the connection will use it (IDNA-encoded): no Unicode look-alikes.
    return url.raw_host.decode("ascii").lower().rstrip(".")


def in_domains(host: str, domains: Iterable[str]) -> bool:
    """``host`` is one of ``domains`` or a subdomain of one, on a dot boundary: ``records7.gravitel.ru``
    is in ``gravitel.ru``; ``evilgravitel.ru`` and ``gravitel.ru.evil.example`` are not."""
    return any(domain and (host == domain or host.endswith("." + domain)) for domain in domains)


class RecordingFetcher:
    """``domains``: besides the API host, the domains whose hosts may get the token (after a 401/403)."""

    def __init__(self, http: httpx.AsyncClient, token: str | None, api_url: str, domains: Iterable[str],
                 cache_dir: Path, *, max_bytes: int = MAX_RECORDING_BYTES) -> None:
        api = urlsplit(api_url)
        if api.scheme not in ("http", "https") or not api.hostname:
            raise ValueError(f"not an http(s) API address: {api_url!r}")
        self._http = http
        self._token = token or None
        if self._token:
            register_secret(self._token)
        self._api_host = domain_key(api.hostname)
        self._domains = frozenset(key for key in map(domain_key, domains) if key)
        # Plain HTTP carries the token in the clear: only where the operator already sends it so.
        self._plain_http_ok = api.scheme == "http"
        self._cache_dir = Path(cache_dir)
        self._max_bytes = max_bytes
        self._locks: dict[str, asyncio.Lock] = {}

    @classmethod
    def from_settings(cls, http: httpx.AsyncClient, settings: Any, token: str | None,
                      cache_dir: Path) -> RecordingFetcher:
        """The PBX's own domains plus those the operator added (``pbx.records_hosts``)."""
        pbx = getattr(settings, "pbx", settings)
        return cls(http, token, pbx.api_url, [*PBX_DOMAINS, *pbx.records_hosts], cache_dir)

    def token_allowed(self, url: str | httpx.URL) -> bool:
        """Whether ``url``'s host may receive the token when it asks for it (401/403)."""
        try:
            parsed = httpx.URL(str(url))
            host = _url_host(parsed)
        except (httpx.InvalidURL, UnicodeError):
            return False
        if parsed.scheme == "http" and not self._plain_http_ok:
            return False
        if parsed.scheme not in ("http", "https") or not host:
            return False
        return host == self._api_host or in_domains(host, self._domains)

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
            try:
                # Every hop is asked without the token first: most records hosts need none.
                following = await self._get(current, target, with_token=False)
            except httpx.TimeoutException:
                raise RecordingError(QT_TRANSLATE_NOOP(
                    "recordings", "The recording server {host} did not answer in time."), host=current.host) from None
            except httpx.HTTPError as exc:
                raise RecordingError(QT_TRANSLATE_NOOP(
                    "recordings", "Cannot download the recording from {host}: {reason}"),
                    host=current.host, reason=str(exc)[:200] or type(exc).__name__) from None
            if following is None:
                return
            current = following
        raise RecordingError(QT_TRANSLATE_NOOP(
            "recordings", "The recording link redirects too many times."))

    async def _get(self, url: httpx.URL, target: Path, *, with_token: bool) -> httpx.URL | None:
        """One GET of ``url``: the next hop of a redirect, or None once the file is saved."""
        headers = {"X-API-KEY": self._token} if with_token and self._token else {}
        async with self._http.stream("GET", url, headers=headers, follow_redirects=False) as response:
            if response.is_redirect:
                following = self._next_hop(url, response.headers["location"])
                log.info("recording redirected to %s", following.host)
                return following
            asks_for_key = (response.status_code in _ASKS_FOR_KEY and not with_token and self._token is not None
                            and self.token_allowed(url))
            if not asks_for_key:
                self._check_status(response, url.host)
                await self._save(response, target)
                return None
        log.info("records host %s asks for the key (HTTP %d)", url.host, response.status_code)
        return await self._get(url, target, with_token=True)

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
