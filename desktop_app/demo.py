"""``--demo``: a throw-away profile wired to the built-in simulator, with sample contacts
and a small robot campaign (its calls queued at the start, a call-back rule).

The tokens are made up for the session and live only in this process's environment
(which overrides the keyring, CONTRACT §3): the demo never touches the real keyring.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import tempfile
from pathlib import Path

from desktop_app.campaigns.sending import CampaignSender
from desktop_app.campaigns.store import CampaignStore, NewCall
from desktop_app.contacts.directory import Contact, ContactDirectory
from desktop_app.core import settings as settings_module
from desktop_app.core.profile import Profile
from desktop_app.core.secret_store import ENV_VARS
from desktop_app.core.settings import CallbackRule, Settings
from desktop_app.core.texts import UserError
from desktop_app.pbx.client import PbxClient
from desktop_app.simulator.data import CAMPAIGNS, CLIENTS
from desktop_app.simulator.server import Simulator

log = logging.getLogger(__name__)

DEMO_EXTENSION = "701"
RING_EVERY_S = 45.0
FIRST_RING_S = 3.0
# A few of the simulator's clients stay out of the directory, so the demo shows unknown callers too.
SAMPLE_CONTACTS = CLIENTS[:-3]
DEMO_CAMPAIGN = CAMPAIGNS[0]  # the robot asks whether the client agrees, wants another date or refuses
DEMO_RULE = CallbackRule(name="Перенести визит", campaign=DEMO_CAMPAIGN.id, var="someAnswer", equals="перенести")


def demo_profile() -> Profile:
    return Profile(Path(tempfile.mkdtemp(prefix="gravitel-desk-demo-"))).ensure()


class Demo:
    """The simulator and the settings that point the desk at it."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.crm_token = secrets.token_urlsafe(24)
        self.simulator = Simulator(ring_every=RING_EVERY_S, ring_extension=DEMO_EXTENSION)
        self._first_ring: asyncio.TimerHandle | None = None

    async def start(self) -> Settings:
        """Start the simulator, write the demo profile's config, fill the directory."""
        await self.simulator.start()
        os.environ[ENV_VARS["api"]] = self.simulator.token
        os.environ[ENV_VARS["crm"]] = self.crm_token
        settings = Settings()
        settings.pbx.api_url = self.simulator.url
        settings.pbx.domain = self.simulator.domain
        settings.pbx.extension = DEMO_EXTENSION
        settings.listener.port = 0  # any free port: the simulator is told where
        settings.campaigns.callback_rules = [DEMO_RULE]
        settings_module.save(settings, self.profile.config_path)
        with ContactDirectory(self.profile.db_path) as directory:
            if directory.count() == 0:
                with directory.transaction():
                    for client in SAMPLE_CONTACTS:
                        directory.add(Contact(name=client.name, company=client.company,
                                              manager=client.manager, phones=(client.number,)))
        return settings

    def connect(self, listener_url: str) -> None:
        """Point the simulator's calls at the desk's listener and ring soon."""
        self.simulator.set_crm(listener_url, self.crm_token)
        loop = asyncio.get_running_loop()
        self._first_ring = loop.call_later(FIRST_RING_S, lambda: self.simulator.player.ring(number=CLIENTS[0].number))

    async def queue_campaign(self, store: CampaignStore, pbx: PbxClient) -> None:
        """Queue a few sample clients in the demo campaign: the campaigns window shows the
        robot's reports coming in, and the rule fills the call-back list."""
        if store.calls(DEMO_CAMPAIGN.id, limit=1):
            return
        calls = [NewCall(f"demo-{index}", client.number, {"name": client.name, "date": f"{10 + index}.03"})
                 for index, client in enumerate(CLIENTS[:12])]
        store.add_calls(DEMO_CAMPAIGN.id, calls)
        try:
            await CampaignSender(store, pbx).send(DEMO_CAMPAIGN.id)
        except UserError as exc:
            log.warning("demo campaign not queued: %s", exc)

    async def close(self) -> None:
        if self._first_ring is not None:
            self._first_ring.cancel()
        await self.simulator.close()
