"""Call-back rules: which robot reports an operator must follow up.

A rule (``[[campaigns.callback_rules]]`` in ``config.toml``, edited in the campaigns
window) names its conditions; a reported call matches when all the given ones hold:

- ``campaign``: the campaign id (0: any);
- ``result``: the PBX's result word (``Success``, ``NotConnected``, ``Canceled``,
  ``InternalError``; "": any);
- ``final``: only the final attempt (the robot will not try again);
- ``var`` and ``equals``: the answer ``vars[var]`` equals ``equals``, ignoring case, ``ё``/``е``
  and extra spaces (an empty ``equals`` matches a missing or empty answer).

The first matching rule puts the call on the work list under the rule's name.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from desktop_app.campaigns.store import RulePicker, StoredCall
from desktop_app.core.settings import CallbackRule
from desktop_app.webhooks.types import CampaignResult

# The PBX's words for the results (as in the seed) and the store's values.
RESULT_WORDS = {
    "Success": CampaignResult.SUCCESS,
    "NotConnected": CampaignResult.NOT_CONNECTED,
    "Canceled": CampaignResult.CANCELED,
    "InternalError": CampaignResult.INTERNAL_ERROR,
}
WORD_OF_RESULT = {value: word for word, value in RESULT_WORDS.items()} | {CampaignResult.UNKNOWN: "Unknown"}


def fold(value: Any) -> str:
    """An answer as rules compare it: case, ``ё``/``е`` and extra spaces ignored."""
    if value is None:
        return ""
    if isinstance(value, bool):
        value = "true" if value else "false"
    return " ".join(str(value).split()).casefold().replace("ё", "е")


def matches(rule: CallbackRule, call: StoredCall) -> bool:
    if not call.attempts:
        return False  # nothing reported yet
    if rule.campaign and call.campaign != rule.campaign:
        return False
    if rule.result and call.result is not RESULT_WORDS.get(rule.result):
        return False
    if rule.final and not call.final:
        return False
    return not rule.var or fold(call.all_vars.get(rule.var)) == fold(rule.equals)


def label(rule: CallbackRule) -> str:
    """The rule's name, or its conditions when it has none (``someAnswer = перенести``)."""
    if rule.name.strip():
        return rule.name.strip()
    parts = []
    if rule.campaign:
        parts.append(f"#{rule.campaign}")
    if rule.var:
        parts.append(f"{rule.var} = {rule.equals}")
    if rule.result:
        parts.append(rule.result)
    if rule.final:
        parts.append("final")
    return ", ".join(parts)


def picker(rules: Sequence[CallbackRule]) -> RulePicker:
    """For the store: the label of the first rule a call matches, or None."""
    rules = list(rules)

    def pick(call: StoredCall) -> str | None:
        for rule in rules:
            if matches(rule, call):
                return label(rule)
        return None

    return pick
