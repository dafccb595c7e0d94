"""Helpers of the campaign tests: an office relay in this process, with two desks."""

from __future__ import annotations

from pathlib import Path

from desktop_app.core.profile import Profile
from desktop_app.core.settings import CallbackRule, Settings
from desktop_app.relay.desks import DeskRegistry
from desktop_app.relay.server import Relay, RelayOptions

RELAY_CRM_TOKEN = "crm-token-for-the-relay"
DESKS = ("701", "702")


async def start_relay(root: Path, rules: list[CallbackRule]) -> tuple[Relay, dict[str, str]]:
    """A started relay whose rules are ``rules``, and the tokens of desks 701 and 702 (added
    before the start, so the relay knows them at once)."""
    profile = Profile(root).ensure()
    settings = Settings()
    settings.campaigns.callback_rules = list(rules)
    with DeskRegistry(profile.db_path) as registry:
        tokens = {extension: registry.add(extension)[1] for extension in DESKS}
    relay = Relay(profile, settings, crm_token=RELAY_CRM_TOKEN, options=RelayOptions(host="127.0.0.1", port=0))
    await relay.start()
    return relay, tokens
