"""A campaign's results as a CSV file for a spreadsheet: one row per call, a column for
every ``vars`` key any call has (what was sent, overwritten by what the robot reported),
written by :func:`desktop_app.core.csv_export.write_csv` (formula-safe, UTF-8 with BOM or
Windows-1251)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from desktop_app.campaigns.rules import WORD_OF_RESULT
from desktop_app.campaigns.store import CampaignStore, StoredCall
from desktop_app.core.csv_export import CsvEncoding, write_csv
from desktop_app.core.phone import display

FIXED_COLUMNS = ("id", "number", "campaign", "state", "result", "final", "attempts", "duration", "when")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def var_keys(store: CampaignStore, campaign: int | None) -> list[str]:
    """Every ``vars`` key of the campaign's calls, in the order they first appear."""
    keys: dict[str, None] = {}
    for call in store.iter_calls(campaign):
        keys.update(dict.fromkeys(call.all_vars))
    return list(keys)


def _row(call: StoredCall, keys: list[str]) -> list[str]:
    variables = call.all_vars
    when = datetime.fromtimestamp(call.started).strftime("%Y-%m-%d %H:%M:%S") if call.started is not None else ""
    return [call.call_id, display(call.number), str(call.campaign or ""), call.state.value,
            WORD_OF_RESULT.get(call.result, "") if call.result is not None else "",
            _cell(call.final) if call.attempts else "", str(call.attempts), _cell(call.duration), when,
            *(_cell(variables.get(key)) for key in keys)]


def export_results(store: CampaignStore, campaign: int | None, path: str | os.PathLike[str],
                   encoding: CsvEncoding | str = CsvEncoding.UTF8) -> int:
    """Write the calls of ``campaign`` (None: every campaign) to ``path``; returns how many.
    A ``vars`` key named like a fixed column gets the prefix ``vars.``."""
    keys = var_keys(store, campaign)
    header = [*FIXED_COLUMNS, *(f"vars.{key}" if key in FIXED_COLUMNS else key for key in keys)]

    def rows() -> Iterator[list[str]]:
        for call in store.iter_calls(campaign):
            yield _row(call, keys)

    return write_csv(path, header, rows(), encoding=encoding)
