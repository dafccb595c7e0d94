"""Fixtures of the campaign tests: the desk's HTTP client and a PBX client that counts its batches."""

from __future__ import annotations

import pytest

from desktop_app.pbx.client import PbxClient, make_http_client

DOMAIN = "test.aicall.ru"
TOKEN = "sim-token"


class SpyPbx(PbxClient):
    """The real client, counting the batches it sends; ``before[n]`` runs before batch n (1-based)."""

    batches: list[int]
    before: dict

    async def campaign_call_array(self, cid, calls):
        calls = list(calls)
        self.batches.append(len(calls))
        hook = self.before.pop(len(self.batches), None)
        if hook is not None:
            await hook()
        await super().campaign_call_array(cid, calls)


@pytest.fixture
async def http():
    client = make_http_client()
    yield client
    await client.aclose()


@pytest.fixture
def spy_pbx(http):
    """``spy_pbx(sim, token=TOKEN)`` -> a :class:`SpyPbx` for that simulator."""

    def make(sim, token: str = TOKEN) -> SpyPbx:
        pbx = SpyPbx(http, api_url=sim.url, domain=sim.domain, token=token)
        pbx.batches, pbx.before = [], {}
        return pbx

    return make
