"""The PBX client against real HTTP servers on loopback."""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import httpx
import pytest
import trustme

from desktop_app.core.http_server import HttpServer, Limits, Request, Response
from desktop_app.core.phone import InvalidNumber
from desktop_app.core.settings import Settings
from desktop_app.core.texts import Text
from desktop_app.pbx.client import (
    PbxAuthError,
    PbxBadRequest,
    PbxClient,
    PbxConnectionError,
    PbxError,
    PbxInvalidResponse,
    PbxNotConfigured,
    PbxNotFound,
    PbxRateLimited,
    PbxRequestError,
    PbxServerError,
    PbxTimeout,
    PbxUnexpectedStatus,
    PbxValidationError,
    make_http_client,
)
from desktop_app.pbx.types import (
    Balance,
    CallRecord,
    CallType,
    CampaignCall,
    CampaignCallStatus,
    CampaignResult,
    Employee,
    Group,
    HistoryPeriod,
    HistoryType,
    PbxNumber,
)

DOMAIN = "example.aicall.ru"
TOKEN = "secret-token-123"
BASE = f"/v1/{DOMAIN}"


class FakePbx:
    """Records every request and answers with ``reply(request)``."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.reply: Callable[[Request], Response] = lambda request: Response.json(200, {})
        self.release = asyncio.Event()
        self.hang = False

    async def handle(self, request: Request) -> Response:
        self.requests.append(request)
        if self.hang:
            await self.release.wait()
        return self.reply(request)

    @property
    def last(self) -> Request:
        assert self.requests, "the PBX received no request"
        return self.requests[-1]

    def last_json(self):
        return json.loads(self.last.body)


@pytest.fixture
async def pbx():
    fake = FakePbx()
    server = HttpServer(fake.handle, host="127.0.0.1", port=0, limits=Limits(shutdown_timeout=1.0))
    await server.start()
    fake.url = server.url
    yield fake
    fake.release.set()
    await server.close()


@pytest.fixture
async def http():
    async with make_http_client(timeout=httpx.Timeout(5.0)) as client:
        yield client


@pytest.fixture
def client(http, pbx) -> PbxClient:
    return PbxClient(http, api_url=pbx.url + "/", domain=DOMAIN, token=TOKEN)


def answer(status: int, payload=None, *, text: str | None = None, headers=()):
    if text is not None:
        return lambda request: Response(status, text.encode("utf-8"), [("content-type", "text/plain"), *headers])
    return lambda request: Response.json(status, payload if payload is not None else {}, headers)


def assert_api_request(request: Request, method: str, path: str) -> None:
    assert request.method == method
    assert request.path == f"{BASE}/{path}"
    assert request.headers["x-api-key"] == TOKEN
    assert request.headers["accept"] == "application/json"


def assert_json_body(request: Request, expected) -> None:
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.body) == expected


# -- request shapes and happy paths --------------------------------------------------


@pytest.mark.parametrize("status", [201, 200])
async def test_makecall_sends_extension_and_from(client, pbx, status):
    pbx.reply = answer(status, {})
    assert await client.makecall("8 (999) 123-45-67", "701") is None
    assert_api_request(pbx.last, "POST", "makecall")
    assert_json_body(pbx.last, {"extension": "701", "from": "701", "number": "79991234567"})


async def test_makecall_with_clid_and_empty_answer_body(client, pbx):
    pbx.reply = lambda request: Response(201)
    await client.makecall("+7 999 123 45 67", "701", clid="8 495 123-45-67")
    assert_json_body(pbx.last, {"extension": "701", "from": "701", "number": "79991234567", "clid": "74951234567"})


async def test_invalid_number_raises_before_any_request(client, pbx):
    with pytest.raises(InvalidNumber):
        await client.makecall("call me maybe", "701")
    with pytest.raises(InvalidNumber):
        await client.makecall("79991234567", "701", clid="no number")
    with pytest.raises(InvalidNumber):
        await client.sms("+7 (999", "hi")
    with pytest.raises(InvalidNumber):
        await client.set_callerid("701", "x")
    with pytest.raises(InvalidNumber):
        await client.campaign_call(1, CampaignCall("c1", "nope"))
    with pytest.raises(PbxRequestError):
        await client.makecall("79991234567", " ")
    assert pbx.requests == []


async def test_sms(client, pbx):
    await client.sms("89991234567", "Ваш заказ готов")
    assert_api_request(pbx.last, "POST", "sms")
    assert_json_body(pbx.last, {"number": "79991234567", "text": "Ваш заказ готов"})
    with pytest.raises(PbxRequestError, match="SMS text is empty"):
        await client.sms("89991234567", "   ")
    assert len(pbx.requests) == 1


async def test_history_with_period_sends_only_the_period(client, pbx):
    pbx.reply = answer(200, [
        {"id": "06ae768a3ca234f0", "type": "out", "account": "307", "client": "79991234567",
         "via": "74996869953", "start": "2024-03-15T06:52:19Z", "wait": 11, "duration": 180,
         "record": "https://records.aicall.ru/domain/x.mp3"},
        {"id": "b", "type": "In"},
    ])
    start = datetime(2024, 3, 1, tzinfo=timezone.utc)
    records = await client.history(period="Today", start=start, end=start + timedelta(days=1),
                                   type=HistoryType.MISSED, limit=50)
    assert_api_request(pbx.last, "POST", "history")
    assert_json_body(pbx.last, {"period": "today", "type": "missed", "limit": 50})
    assert records[0] == CallRecord(
        id="06ae768a3ca234f0", type=CallType.OUT, account="307", client="79991234567", via="74996869953",
        start=datetime(2024, 3, 15, 6, 52, 19, tzinfo=timezone.utc), wait=11, duration=180,
        record="https://records.aicall.ru/domain/x.mp3",
    )
    assert records[1].type is CallType.IN


async def test_history_start_end_in_utc_iso_8601(client, pbx):
    pbx.reply = answer(200, [])
    moscow = timezone(timedelta(hours=3))
    assert await client.history(start=datetime(2024, 3, 15, 3, 0, tzinfo=moscow),
                                end=datetime(2024, 3, 15, 23, 59, 59, tzinfo=timezone.utc)) == []
    assert_json_body(pbx.last, {"start": "2024-03-15T00:00:00Z", "end": "2024-03-15T23:59:59Z"})
    await client.history(HistoryPeriod.LAST_WEEK)
    assert_json_body(pbx.last, {"period": "last_week"})
    await client.history()
    assert_json_body(pbx.last, {})


async def test_history_refuses_bad_arguments_without_a_request(client, pbx):
    with pytest.raises(ValueError, match="naive"):
        await client.history(start=datetime(2024, 3, 15))
    with pytest.raises(ValueError, match="tomorrow"):
        await client.history(period="tomorrow")
    with pytest.raises(ValueError, match="type"):
        await client.history(type="internal")
    with pytest.raises(PbxRequestError, match="positive"):
        await client.history(limit=0)
    with pytest.raises(PbxRequestError, match="after its end"):
        now = datetime.now(timezone.utc)
        await client.history(start=now, end=now - timedelta(hours=1))
    assert pbx.requests == []


async def test_accounts_groups_numbers(client, pbx):
    pbx.reply = answer(200, [{"extension": "701", "name": "Иванов Петр"}])
    assert await client.accounts() == [Employee("701", "Иванов Петр")]
    assert_api_request(pbx.last, "GET", "accounts")
    assert pbx.last.body == b""

    pbx.reply = answer(200, [{"id": 111, "extension": "700", "name": "Отдел продаж"}])
    assert await client.groups() == [Group("111", "700", "Отдел продаж")]
    assert_api_request(pbx.last, "GET", "groups")

    pbx.reply = answer(200, [{"number": "74952302344", "name": "Основной номер"}])
    assert await client.numbers() == [PbxNumber("74952302344", "Основной номер")]
    assert_api_request(pbx.last, "GET", "numbers")


async def test_callerid_set_and_delete(client, pbx):
    await client.set_callerid("701", "8 (499) 686-99-52")
    assert_api_request(pbx.last, "POST", "callerid")
    assert_json_body(pbx.last, {"extension": "701", "number": "74996869952"})
    await client.delete_callerid(701)
    assert_api_request(pbx.last, "DELETE", "callerid")
    assert_json_body(pbx.last, {"extension": "701"})


async def test_balance(client, pbx):
    pbx.reply = answer(200, {"balance": 1234.56, "credit": 0})
    assert await client.balance() == Balance(1234.56, 0.0)
    assert_api_request(pbx.last, "GET", "balance")


async def test_campaign_commands(client, pbx):
    pbx.reply = answer(201, {})
    await client.campaign_call(42, CampaignCall("UniqCallID", "8 999 123-45-67", {"name": "Иванов Иван"}))
    assert_api_request(pbx.last, "POST", "campaign/42/call")
    assert_json_body(pbx.last, {"id": "UniqCallID", "number": "79991234567", "vars": {"name": "Иванов Иван"}})

    await client.campaign_call_array("42", [CampaignCall("a", "79991234567", {"n": 1}),
                                            CampaignCall("b", "+7 999 765 43 21")])
    assert_api_request(pbx.last, "POST", "campaign/42/callArray")
    assert_json_body(pbx.last, [{"id": "a", "number": "79991234567", "vars": {"n": 1}},
                                {"id": "b", "number": "79997654321", "vars": {}}])

    pbx.reply = answer(200, {"id": "a/1", "final": True, "when": 1577836800, "result": "InternalServerError",
                             "duration": 69, "vars": {"someAnswer": "согласен"}})
    status = await client.campaign_call_status(42, "a/1")
    assert pbx.last.method == "GET"
    assert pbx.last.target == f"{BASE}/campaign/42/call/a%2F1"
    assert pbx.last.headers["x-api-key"] == TOKEN
    assert status == CampaignCallStatus(id="a/1", final=True, result=CampaignResult.INTERNAL_ERROR,
                                        when=datetime(2020, 1, 1, tzinfo=timezone.utc), duration=69,
                                        vars={"someAnswer": "согласен"})

    pbx.reply = answer(200, {})
    await client.campaign_call_delete(42, "a")
    assert_api_request(pbx.last, "DELETE", "campaign/42/call/a")
    assert pbx.last.body == b""


async def test_campaign_arguments_refused_without_a_request(client, pbx):
    with pytest.raises(PbxRequestError, match="campaign id"):
        await client.campaign_call(0, CampaignCall("a", "79991234567"))
    with pytest.raises(PbxRequestError, match="campaign id"):
        await client.campaign_call_status("x", "a")
    with pytest.raises(PbxRequestError, match="no calls"):
        await client.campaign_call_array(1, [])
    with pytest.raises(PbxRequestError, match="twice"):
        await client.campaign_call_array(1, [CampaignCall("a", "79991234567"), CampaignCall("a", "79991234568")])
    with pytest.raises(PbxRequestError, match="call id is empty"):
        await client.campaign_call_delete(1, "")
    assert pbx.requests == []


def test_configuration_is_checked(http):
    with pytest.raises(PbxNotConfigured, match="token is not set"):
        PbxClient(http, api_url="https://crm.aicall.ru", domain=DOMAIN, token="")
    with pytest.raises(PbxNotConfigured, match="domain is not set"):
        PbxClient(http, api_url="https://crm.aicall.ru", domain=" ", token=TOKEN)
    with pytest.raises(PbxNotConfigured, match="not valid"):
        PbxClient(http, api_url="https://crm.aicall.ru", domain="a/b", token=TOKEN)
    with pytest.raises(PbxNotConfigured, match="http:// or https://"):
        PbxClient(http, api_url="ftp://crm.aicall.ru", domain=DOMAIN, token=TOKEN)
    with pytest.raises(PbxNotConfigured, match="one line"):
        PbxClient(http, api_url="https://crm.aicall.ru", domain=DOMAIN, token="to ken")


def test_from_settings(http):
    settings = Settings()
    settings.pbx.domain = DOMAIN
    client = PbxClient.from_settings(http, settings, TOKEN)
    assert client.url("makecall") == f"https://crm.aicall.ru/v1/{DOMAIN}/makecall"
    assert PbxClient.from_settings(http, settings.pbx, TOKEN).domain == DOMAIN


def test_make_http_client_refuses_unverified_tls():
    with pytest.raises(ValueError):
        make_http_client(verify=False)


async def test_make_http_client_timeouts():
    async with make_http_client() as http:
        assert http.timeout.connect == 5.0
        assert http.timeout.read == 15.0
        assert http.follow_redirects is False


# -- error answers --------------------------------------------------------------------

COMMANDS = {
    "makecall": lambda c: c.makecall("79991234567", "701"),
    "sms": lambda c: c.sms("79991234567", "hi"),
    "history": lambda c: c.history(period="today"),
    "accounts": lambda c: c.accounts(),
    "groups": lambda c: c.groups(),
    "numbers": lambda c: c.numbers(),
    "set_callerid": lambda c: c.set_callerid("701", "74996869952"),
    "delete_callerid": lambda c: c.delete_callerid("701"),
    "balance": lambda c: c.balance(),
    "campaign_call": lambda c: c.campaign_call(7, CampaignCall("x1", "79991234567")),
    "campaign_call_array": lambda c: c.campaign_call_array(7, [CampaignCall("x1", "79991234567")]),
    "campaign_call_status": lambda c: c.campaign_call_status(7, "x1"),
    "campaign_call_delete": lambda c: c.campaign_call_delete(7, "x1"),
}
READS = {"history", "accounts", "groups", "numbers", "campaign_call_status"}
ACTIONS = set(COMMANDS) - READS - {"balance"}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize(
    "status, error_class, words",
    [
        (400, PbxBadRequest, "rejected the request parameters"),
        (401, PbxAuthError, "refused the API token"),
        (405, PbxValidationError, "validation error"),
        (429, PbxRateLimited, "Too many requests"),
        (502, PbxServerError, "HTTP 502"),
        (403, PbxUnexpectedStatus, "unexpected HTTP status 403"),
    ],
)
async def test_every_error_status_maps_to_its_class(client, pbx, command, status, error_class, words):
    pbx.reply = answer(status, {"unrelated": True})
    with pytest.raises(error_class) as info:
        await COMMANDS[command](client)
    error = info.value
    assert isinstance(error, PbxError)
    assert isinstance(error.text, Text) and error.text.context == "pbx"
    assert words in str(error)
    assert error.status == status and error.command == command and error.detail is None
    assert len(pbx.requests) == 1  # HTTP errors are never retried


@pytest.mark.parametrize(
    "command, expected",
    [
        ("makecall", "Employee 701 was not found"),
        ("set_callerid", "Employee 701 was not found"),
        ("delete_callerid", "Employee 701 was not found"),
        ("campaign_call", "Campaign 7 was not found"),
        ("campaign_call_array", "Campaign 7 was not found"),
        ("campaign_call_status", "Campaign 7 or its call x1 was not found"),
        ("campaign_call_delete", "Campaign 7 or its call x1 was not found"),
        ("accounts", "Check the API address and the domain"),
    ],
)
async def test_404_is_worded_per_command(client, pbx, command, expected):
    pbx.reply = answer(404, text="")
    with pytest.raises(PbxNotFound) as info:
        await COMMANDS[command](client)
    assert expected in str(info.value)
    assert info.value.status == 404


async def test_sms_500_is_the_sms_gateway(client, pbx):
    pbx.reply = answer(500, {"error": "gateway timeout at provider"})
    with pytest.raises(PbxServerError) as info:
        await client.sms("79991234567", "hi")
    assert str(info.value) == "The SMS gateway could not send the message: gateway timeout at provider"
    assert info.value.detail == "gateway timeout at provider"
    pbx.reply = answer(500, {})
    with pytest.raises(PbxServerError, match="HTTP 500"):
        await client.makecall("79991234567", "701")


@pytest.mark.parametrize(
    "reply, detail",
    [
        (answer(400, {"error": "number is invalid"}), "number is invalid"),
        (answer(400, {"message": "bad clid"}), "bad clid"),
        (answer(400, {"error": {"message": "nested words"}}), "nested words"),
        (answer(400, {"errors": {"number": ["is required"]}}), "number: is required"),
        (answer(400, text="  plain\n text  answer "), "plain text answer"),
        (answer(400, text="x" * 500), "x" * 199 + "…"),
        (answer(400, text="<html><body>Bad Request</body></html>"), None),
    ],
)
async def test_pbx_error_text_is_kept_and_shortened(client, pbx, reply, detail):
    pbx.reply = reply
    with pytest.raises(PbxBadRequest) as info:
        await client.accounts()
    assert info.value.detail == detail
    if detail:
        assert str(info.value) == f"The PBX rejected the request parameters: {detail}"
        assert info.value.text.args["detail"] == detail
    else:
        assert str(info.value) == "The PBX rejected the request parameters."


async def test_429_carries_retry_after(client, pbx):
    pbx.reply = answer(429, {"error": "slow down"}, headers=[("Retry-After", "120")])
    with pytest.raises(PbxRateLimited) as info:
        await client.balance()
    assert info.value.retry_after == 120.0
    assert len(pbx.requests) == 1


async def test_redirect_is_not_followed(client, pbx):
    pbx.reply = lambda request: Response(302, b"", [("location", "http://elsewhere.invalid/")])
    with pytest.raises(PbxUnexpectedStatus, match="302"):
        await client.accounts()
    assert len(pbx.requests) == 1


@pytest.mark.parametrize(
    "reply, reason",
    [
        (lambda request: Response(200, b"{not json", [("content-type", "application/json")]), "not JSON"),
        (lambda request: Response(200, b""), "empty body"),
        (answer(200, {"extension": "701"}), "JSON array"),
        (answer(200, [{"name": "no extension"}]), "extension: missing"),
    ],
)
async def test_invalid_answers(client, pbx, reply, reason):
    pbx.reply = reply
    with pytest.raises(PbxInvalidResponse) as info:
        await client.accounts()
    assert reason in str(info.value)
    assert info.value.status == 200 and info.value.command == "accounts"
    assert len(pbx.requests) == 1


@pytest.mark.parametrize("body", [[1, 2], {"balance": int("9" * 400), "credit": 0}])
async def test_invalid_balance_answer(client, pbx, body):
    pbx.reply = lambda request: Response(200, json.dumps(body).encode(), [("content-type", "application/json")])
    with pytest.raises(PbxInvalidResponse, match="cannot be read"):
        await client.balance()


# -- transport failures ---------------------------------------------------------------


async def test_timeout_when_the_pbx_never_answers(pbx):
    pbx.hang = True
    async with make_http_client(timeout=httpx.Timeout(0.3, connect=2.0)) as http:
        client = PbxClient(http, api_url=pbx.url, domain=DOMAIN, token=TOKEN)
        with pytest.raises(PbxTimeout) as info:
            await client.makecall("79991234567", "701")
        assert "may still have been carried out" in str(info.value)
        assert info.value.reached_pbx and info.value.status is None and info.value.command == "makecall"
        with pytest.raises(PbxTimeout) as info:
            await client.accounts()
        assert str(info.value) == "The PBX did not answer in time."
    assert len(pbx.requests) == 2  # a timeout after sending is never retried, not even for reads


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("command", ["makecall", "accounts", "balance"])
async def test_connection_refused(http, command):
    client = PbxClient(http, api_url=f"http://127.0.0.1:{free_port()}", domain=DOMAIN, token=TOKEN)
    with pytest.raises(PbxConnectionError) as info:
        await COMMANDS[command](client)
    assert str(info.value).startswith("Cannot connect to the PBX at 127.0.0.1:")
    assert info.value.reached_pbx is False


class DroppingServer:
    """Reads each request, then hangs up without answering (the first ``drops`` times);
    later connections get a real answer."""

    def __init__(self, drops: int, body: bytes = b"[]") -> None:
        self.drops = drops
        self.body = body
        self.connections = 0
        self.server: asyncio.Server | None = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    await reader.readexactly(int(line.split(b":", 1)[1]))
            if self.connections > self.drops:
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                             b"content-length: %d\r\nconnection: close\r\n\r\n%s" % (len(self.body), self.body))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
            try:
                await writer.wait_closed()
            except ConnectionError:
                pass

    async def __aenter__(self) -> DroppingServer:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.url = "http://127.0.0.1:%d" % self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc) -> None:
        self.server.close()
        await self.server.wait_closed()


@pytest.mark.parametrize("command", sorted(ACTIONS | {"balance"}))
async def test_commands_that_act_are_never_retried(http, command):
    async with DroppingServer(drops=1) as server:
        client = PbxClient(http, api_url=server.url, domain=DOMAIN, token=TOKEN)
        with pytest.raises(PbxConnectionError) as info:
            await COMMANDS[command](client)
        assert server.connections == 1
        if command in ACTIONS:
            assert "may still have been carried out" in str(info.value)


@pytest.mark.parametrize("command", sorted(READS))
async def test_reads_retry_once_on_a_broken_connection(http, command):
    async with DroppingServer(drops=2) as server:
        client = PbxClient(http, api_url=server.url, domain=DOMAIN, token=TOKEN)
        with pytest.raises(PbxConnectionError, match="connection to the PBX broke"):
            await COMMANDS[command](client)
        assert server.connections == 2


async def test_a_read_succeeds_on_its_retry(http):
    body = json.dumps([{"extension": "701", "name": "A"}]).encode()
    async with DroppingServer(drops=1, body=body) as server:
        client = PbxClient(http, api_url=server.url, domain=DOMAIN, token=TOKEN)
        assert await client.accounts() == [Employee("701", "A")]
        assert server.connections == 2


# -- TLS ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tls_ca():
    return trustme.CA()


@pytest.fixture
async def tls_pbx(tls_ca):
    fake = FakePbx()
    fake.reply = answer(200, {"balance": 10, "credit": 5})
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls_ca.issue_cert("127.0.0.1").configure_cert(context)
    server = HttpServer(fake.handle, host="127.0.0.1", port=0, ssl_context=context,
                        limits=Limits(shutdown_timeout=1.0))
    await server.start()
    fake.url = server.url
    yield fake
    await server.close()


async def test_tls_certificate_is_verified(tls_pbx, tls_ca):
    async with make_http_client() as http:  # the system's trust store does not know our test CA
        client = PbxClient(http, api_url=tls_pbx.url, domain=DOMAIN, token=TOKEN)
        with pytest.raises(PbxConnectionError) as info:
            await client.balance()
        assert "TLS certificate of 127.0.0.1 could not be verified" in str(info.value)
        assert info.value.reached_pbx is False
    assert tls_pbx.requests == []  # the token never left over an unverified connection

    trusted = ssl.create_default_context()
    tls_ca.configure_trust(trusted)
    async with make_http_client(verify=trusted) as http:
        client = PbxClient(http, api_url=tls_pbx.url, domain=DOMAIN, token=TOKEN)
        assert await client.balance() == Balance(10.0, 5.0)
