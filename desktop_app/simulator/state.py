"""What the simulated PBX knows and remembers: staff, caller IDs, calls, SMS, campaigns, balance."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from desktop_app.simulator.data import (
    CAMPAIGNS,
    EMPLOYEES,
    GROUPS,
    MOSCOW,
    NUMBERS,
    CallRecord,
    Campaign,
    CompanyNumber,
    Employee,
    Group,
    api_time,
)

PERIODS = ("today", "yesterday", "this_week", "last_week", "this_month", "last_month")
HISTORY_TYPES = ("all", "in", "out", "missed")
START_BALANCE = 1234.56
MINUTE_PRICE = 2.40  # roubles per started minute of an outgoing call
SMS_PRICE = 3.50

# Campaign call life: queued -> calling -> done.
QUEUED, CALLING, DONE = "queued", "calling", "done"


def _month_start(moment: datetime) -> datetime:
    return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def period_bounds(period: str, now: datetime) -> tuple[datetime, datetime]:
    """``[start, end)`` of a named period in Moscow time; ``period`` is one of :data:`PERIODS`."""
    local = now.astimezone(MOSCOW)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    week = day - timedelta(days=day.weekday())
    month = _month_start(local)
    if period == "today":
        return day, day + timedelta(days=1)
    if period == "yesterday":
        return day - timedelta(days=1), day
    if period == "this_week":
        return week, week + timedelta(days=7)
    if period == "last_week":
        return week - timedelta(days=7), week
    if period == "this_month":
        return month, _month_start(month + timedelta(days=32))
    if period == "last_month":
        return _month_start(month - timedelta(days=1)), month
    raise ValueError(f"unknown period {period!r}")


def default_bounds(now: datetime) -> tuple[datetime, datetime]:
    """The seed's defaults: from the start to the end of the current day."""
    return period_bounds("today", now)


@dataclass
class CampaignCall:
    """One number a campaign's robot calls."""

    campaign_id: int
    id: str
    number: str
    vars: dict
    status: str = QUEUED
    final: bool = False
    when: datetime | None = None
    result: str | None = None
    duration: int | None = None

    def to_api(self) -> dict:
        """The seed's shape; ``status`` is the simulator's addition so a pending call reads clearly."""
        item: dict = {"id": self.id, "final": self.final}
        if self.when is not None:
            item["when"] = int(self.when.timestamp())
        if self.result is not None:
            item["result"] = self.result
        if self.duration is not None:
            item["duration"] = self.duration
        item["vars"] = dict(self.vars)
        item["status"] = self.status
        return item


@dataclass
class PbxState:
    employees: dict[str, Employee] = field(default_factory=lambda: {e.extension: e for e in EMPLOYEES})
    groups: tuple[Group, ...] = GROUPS
    numbers: tuple[CompanyNumber, ...] = NUMBERS
    campaigns: dict[int, Campaign] = field(default_factory=lambda: {c.id: c for c in CAMPAIGNS})
    callerids: dict[str, str] = field(default_factory=dict)
    calls: list[CallRecord] = field(default_factory=list)
    sms: list[dict] = field(default_factory=list)
    campaign_calls: dict[tuple[int, str], CampaignCall] = field(default_factory=dict)
    balance: float = START_BALANCE
    credit: float = 0

    def add_calls(self, records: Iterable[CallRecord]) -> None:
        self.calls.extend(records)

    def add_call(self, record: CallRecord) -> None:
        self.calls.append(record)
        if record.direction == "out" and record.duration:
            self.charge(MINUTE_PRICE * math.ceil(record.duration / 60))

    def find_call(self, call_id: str) -> CallRecord | None:
        for record in reversed(self.calls):
            if record.id == call_id:
                return record
        return None

    def charge(self, amount: float) -> None:
        self.balance = round(self.balance - amount, 2)

    def add_sms(self, number: str, text: str, when: datetime) -> dict:
        item = {"number": number, "text": text, "when": api_time(when)}
        self.sms.append(item)
        self.charge(SMS_PRICE)
        return item

    def company_number(self, number: str) -> CompanyNumber | None:
        return next((n for n in self.numbers if n.number == number), None)

    def caller_id_of(self, extension: str) -> str:
        """The number an employee's outgoing calls show: their own caller ID, else the main number."""
        return self.callerids.get(extension) or self.numbers[0].number

    def history(
        self, start: datetime, end: datetime, kind: str = "all", limit: int | None = None, *, end_inclusive: bool = True
    ) -> list[CallRecord]:
        """Calls started within the bounds, newest first."""
        def inside(moment: datetime) -> bool:
            return start <= moment and (moment <= end if end_inclusive else moment < end)

        found = [
            record
            for record in self.calls
            if inside(record.start) and (kind == "all" or record.kind == kind)
        ]
        found.sort(key=lambda record: record.start, reverse=True)
        return found[:limit] if limit is not None else found

    def snapshot(self, base_url: str, domain: str, *, last: int = 20) -> dict:
        """A summary for ``GET /control/state``."""
        recent = sorted(self.calls, key=lambda r: r.start)[-last:]
        return {
            "balance": self.balance,
            "callerids": dict(self.callerids),
            "calls_total": len(self.calls),
            "recent_calls": [r.to_api(base_url, domain) for r in reversed(recent)],
            "sms": list(self.sms[-last:]),
            "campaign_calls": [
                dict(call.to_api(), campaign=call.campaign_id) for call in self.campaign_calls.values()
            ],
        }
