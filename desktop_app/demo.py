"""``--demo``: a throw-away profile wired to the built-in simulator, with sample contacts.

The tokens are made up for the session and live only in this process's environment
(which overrides the keyring, CONTRACT §3): the demo never touches the real keyring.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import tempfile
from pathlib import Path

from desktop_app.contacts.directory import Contact, ContactDirectory
from desktop_app.core import settings as settings_module
from desktop_app.core.profile import Profile
from desktop_app.core.secret_store import ENV_VARS
from desktop_app.core.settings import Settings
from desktop_app.simulator.data import CLIENTS
from desktop_app.simulator.server import Simulator

DEMO_EXTENSION = "701"
RING_EVERY_S = 45.0
FIRST_RING_S = 3.0
# A few of the simulator's clients stay out of the directory, so the demo shows unknown callers too.
SAMPLE_CONTACTS = CLIENTS[:-3]


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

    async def close(self) -> None:
        if self._first_ring is not None:
            self._first_ring.cancel()
        await self.simulator.close()
