"""Call-back rules: every condition given must hold; answers compared the way people read them."""

from __future__ import annotations

import pytest

from desktop_app.campaigns import rules
from desktop_app.campaigns.store import CallState, StoredCall
from desktop_app.core.settings import CallbackRule
from desktop_app.webhooks.types import CampaignResult


def call(*, campaign=1, result=CampaignResult.SUCCESS, final=True, attempts=1, sent=None, answers=None):
    return StoredCall("c", campaign, "79990000001", sent or {}, CallState.DONE, "", False, result, final, attempts,
                      30, 100, answers or {}, 1.0, 2.0, 3.0)


@pytest.mark.parametrize(("rule", "reported", "expected"), [
    (CallbackRule(var="someAnswer", equals="перенести"), call(answers={"someAnswer": " ПЕРЕНЕСТИ "}), True),
    (CallbackRule(var="someAnswer", equals="ещё раз"), call(answers={"someAnswer": "еще  раз"}), True),
    (CallbackRule(var="someAnswer", equals="да"), call(answers={"someAnswer": "нет"}), False),
    (CallbackRule(var="someAnswer", equals=""), call(answers={}), True),  # no answer at all
    (CallbackRule(var="name", equals="Анна"), call(sent={"name": "Анна"}), True),  # what was sent counts too
    (CallbackRule(var="agreed", equals="true"), call(answers={"agreed": True}), True),
    (CallbackRule(var="score", equals="5"), call(answers={"score": 5}), True),
    (CallbackRule(result="NotConnected", final=True), call(result=CampaignResult.NOT_CONNECTED), True),
    (CallbackRule(result="NotConnected", final=True), call(result=CampaignResult.NOT_CONNECTED, final=False), False),
    (CallbackRule(result="NotConnected"), call(result=CampaignResult.NOT_CONNECTED, final=False), True),
    (CallbackRule(result="Success", campaign=2), call(), False),
    (CallbackRule(result="Success", campaign=1), call(), True),
    (CallbackRule(result="Success"), call(attempts=0), False),  # nothing reported yet
])
def test_a_rule_matches_when_all_its_conditions_hold(rule, reported, expected):
    assert rules.matches(rule, reported) is expected


def test_the_first_matching_rule_names_the_call_back():
    pick = rules.picker([CallbackRule(name="Отказ", var="a", equals="нет"), CallbackRule(result="Success", final=True),
                         CallbackRule(name="never", result="Success")])
    assert pick(call(answers={"a": "нет"})) == "Отказ"
    assert pick(call(answers={"a": "да"})) == "Success, final"
    assert pick(call(result=CampaignResult.CANCELED)) is None
    assert rules.label(CallbackRule(campaign=3, var="q", equals="да")) == "#3, q = да"
