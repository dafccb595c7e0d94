"""Recordings over real HTTP on loopback.

One server answers under every name: ``localhost`` (an allowed records host in most of
these tests), ``127.0.0.1`` (a foreign host), and, through :class:`LoopbackDns`, any
name at all (``records7.gravitel.ru``, ``records.gravitel.ru.evil.example``), as a DNS
entry pointing at it would. The Host header tells the handler which name the client
used, so we can see exactly where the token went.
"""

from __future__ import annotations

import asyncio
import hashlib
import socket

import httpx
import pytest

from desktop_app.core.http_server import HttpServer, Request, Response
from desktop_app.core.settings import Settings
from desktop_app.core.texts import Text
from desktop_app.pbx.client import make_http_client
from desktop_app.pbx.recordings import PBX_DOMAINS, RecordingError, RecordingFetcher, domain_key, in_domains

TOKEN = "records-token-42"
AUDIO = bytes(range(256)) * 40  # 10 KiB of "audio"


class RecordsServer:
    """Serves ``routes`` by path; paths in ``locked`` answer ``locked_status`` unless the key comes."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.routes: dict[str, Response] = {}
        self.locked: set[str] = set()
        self.locked_status = 401

    async def handle(self, request: Request) -> Response:
        self.requests.append(request)
        if request.path in self.locked and request.headers.get("x-api-key") != TOKEN:
            return Response(self.locked_status, b"key required")
        return self.routes.get(request.path, Response(404, b"no such recording"))

    def seen(self) -> list[tuple[str, str, str | None]]:
        """(host name used, path, token received) for each request."""
        return [(r.headers["host"].rsplit(":", 1)[0], r.path, r.headers.get("x-api-key")) for r in self.requests]

    def hosts_given_the_token(self) -> set[str]:
        return {host for host, _path, token in self.seen() if token is not None}


class LoopbackDns(httpx.AsyncBaseTransport):
    """Every host name resolves to the loopback server; requests keep their own Host header."""

    def __init__(self, port: int) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self._port = port

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(scheme="http", host="127.0.0.1", port=self._port)
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


@pytest.fixture
async def records():
    fake = RecordsServer()
    server = HttpServer(fake.handle, host="127.0.0.1", port=0)
    await server.start()
    fake.port = server.port
    yield fake
    await server.close()


@pytest.fixture
async def http():
    async with make_http_client(timeout=httpx.Timeout(5.0)) as client:
        yield client


@pytest.fixture
def fetcher(http, records, tmp_path) -> RecordingFetcher:
    # The API address is plain HTTP on loopback (as with the simulator), so plain HTTP may carry the token.
    return RecordingFetcher(http, TOKEN, f"http://api.invalid:{records.port}", ["localhost"], tmp_path / "cache")


@pytest.fixture
async def pbx_fetcher(records, tmp_path):
    """The PBX's real domains over :class:`LoopbackDns`; links are written ``http://`` because the
    loopback server speaks plain HTTP (the API address is plain HTTP too, so the rules are the same)."""
    async with httpx.AsyncClient(transport=LoopbackDns(records.port), follow_redirects=False) as client:
        settings = Settings()
        settings.pbx.api_url = "http://crm.aicall.ru"
        settings.pbx.records_hosts = ["records.operator.example"]
        yield RecordingFetcher.from_settings(client, settings, TOKEN, tmp_path / "cache")


def allowed(records, path: str) -> str:
    return f"http://localhost:{records.port}{path}"


def foreign(records, path: str) -> str:
    return f"http://127.0.0.1:{records.port}{path}"


async def test_an_open_records_host_never_sees_the_token(fetcher, records, tmp_path):
    records.routes["/rec/a.mp3"] = Response(200, AUDIO, [("content-type", "audio/mpeg")])
    path = await fetcher.fetch(allowed(records, "/rec/a.mp3"))
    assert path.read_bytes() == AUDIO
    assert path.parent == tmp_path / "cache" and path.suffix == ".mp3"
    assert records.seen() == [("localhost", "/rec/a.mp3", None)]
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left


@pytest.mark.parametrize("status", [401, 403])
async def test_an_allowed_host_gets_the_token_after_it_asks(fetcher, records, status):
    records.routes["/rec/k.mp3"] = Response(200, AUDIO)
    records.locked, records.locked_status = {"/rec/k.mp3"}, status
    path = await fetcher.fetch(allowed(records, "/rec/k.mp3"))
    assert path.read_bytes() == AUDIO
    assert records.seen() == [("localhost", "/rec/k.mp3", None), ("localhost", "/rec/k.mp3", TOKEN)]


async def test_a_refusal_even_with_the_token_is_said_in_words(fetcher, records):
    records.locked, records.locked_status = {"/rec/never.mp3"}, 403
    records.routes["/rec/never.mp3"] = Response(403, b"still no")
    with pytest.raises(RecordingError, match="refused access \\(HTTP 403\\)"):
        await fetcher.fetch(allowed(records, "/rec/never.mp3"))
    assert [token for *_, token in records.seen()] == [None, TOKEN]  # asked for once, never in a loop


async def test_a_foreign_host_never_gets_the_token(fetcher, records):
    records.routes["/rec/b.wav"] = Response(200, AUDIO)
    path = await fetcher.fetch(foreign(records, "/rec/b.wav"))
    assert path.read_bytes() == AUDIO
    records.locked = {"/rec/locked.wav"}
    with pytest.raises(RecordingError, match="refused access \\(HTTP 401\\)"):
        await fetcher.fetch(foreign(records, "/rec/locked.wav"))
    assert records.seen() == [("127.0.0.1", "/rec/b.wav", None), ("127.0.0.1", "/rec/locked.wav", None)]


async def test_a_redirect_to_a_foreign_host_drops_the_token(fetcher, records):
    records.locked = {"/rec/c.mp3", "/moved/c.mp3"}
    records.routes["/rec/c.mp3"] = Response(302, b"", [("location", foreign(records, "/moved/c.mp3"))])
    records.routes["/moved/c.mp3"] = Response(200, AUDIO)
    with pytest.raises(RecordingError, match="refused access"):
        await fetcher.fetch(allowed(records, "/rec/c.mp3"))
    assert records.seen() == [
        ("localhost", "/rec/c.mp3", None), ("localhost", "/rec/c.mp3", TOKEN),  # asked, then given
        ("127.0.0.1", "/moved/c.mp3", None),  # the redirect target asks too, and gets nothing
    ]


async def test_a_redirect_back_to_an_allowed_host_is_checked_again(fetcher, records):
    records.routes["/a"] = Response(307, b"", [("location", foreign(records, "/b"))])
    records.routes["/b"] = Response(301, b"", [("location", allowed(records, "/c.ogg"))])
    records.routes["/c.ogg"] = Response(200, AUDIO)
    records.locked = {"/c.ogg"}
    await fetcher.fetch(allowed(records, "/a"))
    assert records.seen() == [("localhost", "/a", None), ("127.0.0.1", "/b", None),
                              ("localhost", "/c.ogg", None), ("localhost", "/c.ogg", TOKEN)]


async def test_the_pbx_numbered_records_hosts_get_the_token_when_they_ask(pbx_fetcher, records):
    records.routes["/d/x.mp3"] = Response(200, AUDIO)
    records.locked = {"/d/x.mp3"}
    for host in ("records7.gravitel.ru", "records.aicall.ru", "gravitel.ru", "RECORDS12.Gravitel.RU.",
                 "crm.aicall.ru", "a.b.records.operator.example"):
        path = await pbx_fetcher.fetch(f"http://{host}/d/x.mp3")
        assert path.read_bytes() == AUDIO
    assert [token for *_, token in records.seen()] == [None, TOKEN] * 6  # each asked, then given


@pytest.mark.parametrize("url", [
    "http://records.gravitel.ru.evil.example/d/x.mp3",
    "http://evilgravitel.ru/d/x.mp3",
    "http://gravitel.ru-records.example/d/x.mp3",
    "http://records7gravitel.ru/d/x.mp3",
    "http://aicall.ru.example/d/x.mp3",
    "http://xaicall.ru/d/x.mp3",
    "http://records.gravitel.ru@evil.example/d/x.mp3",  # user info, not the host
    "http://evil.example/records.gravitel.ru/d/x.mp3",
    "http://evil.example/d/x.mp3?host=records.gravitel.ru",
    "http://operator.example/d/x.mp3",  # the parent of an operator's domain
    "http://records.gravitel.ru.xn--80ak6aa92e.com/d/x.mp3",
])
async def test_hostile_hosts_never_receive_the_token(pbx_fetcher, records, url):
    records.routes["/d/x.mp3"] = Response(200, AUDIO)
    records.routes["/records.gravitel.ru/d/x.mp3"] = Response(200, AUDIO)
    records.locked = {"/d/x.mp3", "/records.gravitel.ru/d/x.mp3"}
    with pytest.raises(RecordingError, match="refused access"):
        await pbx_fetcher.fetch(url)
    assert len(records.requests) == 1 and records.hosts_given_the_token() == set()


async def test_a_pbx_host_redirecting_to_a_hostile_one_keeps_the_token(pbx_fetcher, records):
    records.routes["/d/r.mp3"] = Response(302, b"", [("location", "http://records.gravitel.ru.evil.example/r.mp3")])
    records.routes["/r.mp3"] = Response(200, AUDIO)
    records.locked = {"/d/r.mp3", "/r.mp3"}
    with pytest.raises(RecordingError, match="refused access"):
        await pbx_fetcher.fetch("http://records3.gravitel.ru/d/r.mp3")
    assert records.seen() == [
        ("records3.gravitel.ru", "/d/r.mp3", None), ("records3.gravitel.ru", "/d/r.mp3", TOKEN),
        ("records.gravitel.ru.evil.example", "/r.mp3", None),
    ]


async def test_relative_redirects_and_too_many(fetcher, records):
    records.routes["/loop"] = Response(302, b"", [("location", "/loop")])
    with pytest.raises(RecordingError, match="redirects too many times"):
        await fetcher.fetch(allowed(records, "/loop"))
    assert len(records.requests) == 6


async def test_redirect_to_another_scheme_is_refused(fetcher, records):
    records.routes["/x"] = Response(302, b"", [("location", "file:///etc/passwd")])
    with pytest.raises(RecordingError, match="Not a recording link"):
        await fetcher.fetch(allowed(records, "/x"))


async def test_cached_files_are_returned_without_a_request(fetcher, records):
    records.routes["/rec/d.mp3"] = Response(200, AUDIO)
    url = allowed(records, "/rec/d.mp3")
    first = await fetcher.fetch(url)
    second = await fetcher.fetch(url)
    assert first == second == fetcher.cache_path(url)
    assert first.name.startswith(hashlib.sha256(url.encode()).hexdigest()[:40])
    assert len(records.requests) == 1
    other = await fetcher.fetch(allowed(records, "/rec/d.mp3?v=2"))
    assert other != first and len(records.requests) == 2


async def test_concurrent_fetches_of_one_url_download_once(fetcher, records):
    records.routes["/rec/e.mp3"] = Response(200, AUDIO)
    url = allowed(records, "/rec/e.mp3")
    paths = await asyncio.gather(*(fetcher.fetch(url) for _ in range(4)))
    assert len(set(paths)) == 1 and len(records.requests) == 1


@pytest.mark.parametrize(
    "status, words",
    [
        (401, "refused access (HTTP 401)"),
        (403, "refused access (HTTP 403)"),
        (404, "no longer available (HTTP 404)"),
        (500, "answered HTTP 500"),
        (503, "answered HTTP 503"),
    ],
)
async def test_http_errors_are_clear_and_leave_no_file(fetcher, records, status, words, tmp_path):
    records.routes["/rec/f.mp3"] = Response(status, b"nope")
    with pytest.raises(RecordingError) as info:
        await fetcher.fetch(allowed(records, "/rec/f.mp3"))
    assert words in str(info.value) and info.value.status == status
    assert isinstance(info.value.text, Text)
    cache = tmp_path / "cache"
    assert not cache.exists() or list(cache.iterdir()) == []


async def test_size_cap_by_declared_length(http, records, tmp_path):
    records.routes["/big.mp3"] = Response(200, AUDIO)
    small = RecordingFetcher(http, TOKEN, "https://api.invalid", ["localhost"], tmp_path / "c", max_bytes=1000)
    with pytest.raises(RecordingError, match="larger than"):
        await small.fetch(allowed(records, "/big.mp3"))
    assert not (tmp_path / "c").exists() or list((tmp_path / "c").iterdir()) == []


class ChunkedServer:
    """Sends a chunked body without Content-Length, so the cap must be counted while reading."""

    def __init__(self, total: int) -> None:
        self.total = total

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n")
            chunk = b"x" * 512
            for _ in range(self.total // len(chunk)):
                writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            writer.write(b"0\r\n\r\n")
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
            try:
                await writer.wait_closed()
            except ConnectionError:
                pass

    async def __aenter__(self) -> ChunkedServer:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc) -> None:
        self.server.close()
        await self.server.wait_closed()


async def test_size_cap_while_streaming(http, tmp_path):
    async with ChunkedServer(total=8192) as server:
        url = f"http://localhost:{server.port}/stream.mp3"
        small = RecordingFetcher(http, TOKEN, "https://api.invalid", [], tmp_path / "c", max_bytes=4096)
        with pytest.raises(RecordingError, match="larger than"):
            await small.fetch(url)
        assert list((tmp_path / "c").iterdir()) == []  # the partial file is gone
        roomy = RecordingFetcher(http, TOKEN, "https://api.invalid", [], tmp_path / "c", max_bytes=8192)
        assert (await roomy.fetch(url)).stat().st_size == 8192


async def test_plain_http_gets_no_token_when_the_api_is_https(http, records, tmp_path):
    records.routes["/g.mp3"] = Response(200, AUDIO)
    records.locked = {"/g.mp3"}
    fetcher = RecordingFetcher(http, TOKEN, "https://api.invalid", ["localhost"], tmp_path / "c")
    with pytest.raises(RecordingError, match="refused access"):
        await fetcher.fetch(allowed(records, "/g.mp3"))
    assert records.seen() == [("localhost", "/g.mp3", None)]
    assert fetcher.token_allowed("https://localhost/x.mp3")


def test_token_rules(http, tmp_path):
    fetcher = RecordingFetcher(http, TOKEN, "https://api.pbx.example", ["gravitel.ru", "Extra.Example."], tmp_path)
    assert fetcher.token_allowed("https://api.pbx.example/rec.mp3")  # the API host, exactly
    assert not fetcher.token_allowed("https://other.pbx.example/rec.mp3")  # not its neighbours
    assert fetcher.token_allowed("https://RECORDS.gravitel.ru/d/x.mp3")
    assert fetcher.token_allowed("https://records7.gravitel.ru/d/x.mp3")
    assert fetcher.token_allowed("https://gravitel.ru./d/x.mp3")
    assert fetcher.token_allowed("https://a.extra.example/x.mp3")
    assert not fetcher.token_allowed("https://records.gravitel.ru.evil.example/x.mp3")
    assert not fetcher.token_allowed("https://evilgravitel.ru/x.mp3")
    assert not fetcher.token_allowed("https://evil.example/records.gravitel.ru/x.mp3")
    assert not fetcher.token_allowed("https://records.gravitel.ru@evil.example/x.mp3")
    assert not fetcher.token_allowed("http://records.gravitel.ru/x.mp3")  # in the clear
    assert not fetcher.token_allowed("ftp://records.gravitel.ru/x.mp3")
    assert not fetcher.token_allowed("not a url at all")


@pytest.mark.parametrize(("entry", "key"), [
    ("gravitel.ru", "gravitel.ru"),
    (" Records.Example.RU. ", "records.example.ru"),
    ("*.example.ru", "example.ru"),
    (".example.ru", "example.ru"),
    ("https://rec.example.ru:8443/x", "rec.example.ru"),
    ("записи.рф", "записи.рф".encode("idna").decode()),
    ("", ""),
    ("  ", ""),
])
def test_domain_keys(entry, key):
    assert domain_key(entry) == key


def test_suffix_match_is_on_a_dot_boundary():
    domains = ["gravitel.ru", "aicall.ru"]
    assert in_domains("gravitel.ru", domains) and in_domains("records7.gravitel.ru", domains)
    for host in ("evilgravitel.ru", "gravitel.ru.evil.example", "ravitel.ru", "ru", "aicall.rux", ""):
        assert not in_domains(host, domains), host
    assert not in_domains("anything.ru", ["", "ru."[:0]])  # an empty entry allows nothing


def test_from_settings_allows_the_pbx_domains_and_the_operators(http, tmp_path):
    settings = Settings()
    settings.pbx.records_hosts = ["rec.operator.example"]
    fetcher = RecordingFetcher.from_settings(http, settings, TOKEN, tmp_path)
    for host in (*PBX_DOMAINS, "records7.gravitel.ru", "records.aicall.ru", "rec.operator.example",
                 "x.rec.operator.example", "crm.aicall.ru"):
        assert fetcher.token_allowed(f"https://{host}/x.mp3"), host
    for host in ("other.example", "operator.example", "gravitel.ru.other.example"):
        assert not fetcher.token_allowed(f"https://{host}/x.mp3"), host


@pytest.mark.parametrize("url", ["ftp://records.gravitel.ru/x.mp3", "file:///etc/passwd", "/relative.mp3", ""])
async def test_only_http_links(fetcher, url, records):
    with pytest.raises(RecordingError, match="Not a recording link"):
        await fetcher.fetch(url)
    assert records.requests == []


async def test_unreachable_host(http, tmp_path):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    fetcher = RecordingFetcher(http, TOKEN, "https://api.invalid", [], tmp_path)
    with pytest.raises(RecordingError, match="Cannot download the recording from 127.0.0.1"):
        await fetcher.fetch(f"http://127.0.0.1:{port}/x.mp3")


async def test_a_link_with_an_invalid_international_host_is_refused_in_words(tmp_path):
    import httpx

    from desktop_app.pbx.recordings import RecordingError, RecordingFetcher

    async with httpx.AsyncClient() as http:
        fetcher = RecordingFetcher(http, "tok-1234", "https://crm.aicall.ru", ["records.aicall.ru"], tmp_path)
        with pytest.raises(RecordingError, match="Not a recording link"):
            await fetcher.fetch("https://xn--a.ru/rec.mp3")
