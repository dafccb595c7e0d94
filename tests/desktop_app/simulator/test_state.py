"""Named history periods, in Moscow time as the PBX counts them."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from desktop_app.simulator.data import MOSCOW
from desktop_app.simulator.state import period_bounds


def msk(*args: int) -> datetime:
    return datetime(*args, tzinfo=MOSCOW)


@pytest.mark.parametrize(
    ("now", "period", "start", "end"),
    [
        # Friday 15 March 2024, 15:00 MSK
        (datetime(2024, 3, 15, 12, tzinfo=timezone.utc), "today", msk(2024, 3, 15), msk(2024, 3, 16)),
        (datetime(2024, 3, 15, 12, tzinfo=timezone.utc), "yesterday", msk(2024, 3, 14), msk(2024, 3, 15)),
        (datetime(2024, 3, 15, 12, tzinfo=timezone.utc), "this_week", msk(2024, 3, 11), msk(2024, 3, 18)),
        (datetime(2024, 3, 15, 12, tzinfo=timezone.utc), "last_week", msk(2024, 3, 4), msk(2024, 3, 11)),
        (datetime(2024, 3, 15, 12, tzinfo=timezone.utc), "this_month", msk(2024, 3, 1), msk(2024, 4, 1)),
        (datetime(2024, 3, 15, 12, tzinfo=timezone.utc), "last_month", msk(2024, 2, 1), msk(2024, 3, 1)),
        # 22:30 UTC on the 14th is already the 15th in Moscow
        (datetime(2024, 3, 14, 22, 30, tzinfo=timezone.utc), "today", msk(2024, 3, 15), msk(2024, 3, 16)),
        # across the year; a Monday is the first day of its week
        (datetime(2024, 1, 1, 6, tzinfo=timezone.utc), "last_month", msk(2023, 12, 1), msk(2024, 1, 1)),
        (datetime(2024, 1, 1, 6, tzinfo=timezone.utc), "yesterday", msk(2023, 12, 31), msk(2024, 1, 1)),
        (datetime(2024, 1, 1, 6, tzinfo=timezone.utc), "this_week", msk(2024, 1, 1), msk(2024, 1, 8)),
        (datetime(2023, 12, 31, 6, tzinfo=timezone.utc), "this_month", msk(2023, 12, 1), msk(2024, 1, 1)),
        (datetime(2024, 3, 31, 20, tzinfo=timezone.utc), "this_month", msk(2024, 3, 1), msk(2024, 4, 1)),
    ],
)
def test_period_bounds(now, period, start, end):
    assert period_bounds(period, now) == (start, end)


def test_unknown_period():
    with pytest.raises(ValueError):
        period_bounds("fortnight", datetime(2024, 3, 15, tzinfo=timezone.utc))
