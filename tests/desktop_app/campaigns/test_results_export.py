"""A campaign's results as CSV: every vars key a column, formula-safe, opened back."""

from __future__ import annotations

import csv

from desktop_app.campaigns.results_export import export_results
from desktop_app.campaigns.store import CampaignStore, NewCall, Report
from desktop_app.webhooks.types import CampaignResult


def test_every_vars_key_is_a_column_and_hostile_answers_stay_text(tmp_path):
    with CampaignStore(tmp_path / "desk.sqlite3") as store:
        store.add_calls(4, [NewCall("a", "79990000001", {"name": "Анна", "id": "dup"}),
                            NewCall("@b", "79990000002", {"name": "-Борис"})])
        store.add_calls(5, [NewCall("other", "79990000003", {"x": "y"})])
        store.mark_sent(["a", "@b"])
        store.apply_report(Report("a", True, CampaignResult.SUCCESS,
                                  {"name": "Анна", "answer": "=1+2", "nested": {"k": [1, 2]}, "ok": False},
                                  when=1_700_000_000, duration=61))
        target = tmp_path / "out.csv"
        assert export_results(store, 4, target) == 2
    with open(target, encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.reader(stream, delimiter=";"))
    assert rows[0] == ["id", "number", "campaign", "state", "result", "final", "attempts", "duration", "when",
                       "name", "vars.id", "answer", "nested", "ok"]
    first, second = rows[1], rows[2]
    assert first[:8] == ["a", "'+7 999 000-00-01", "4", "done", "Success", "true", "1", "61"]
    assert first[8].startswith("20")  # local wall-clock time, as Excel reads it
    assert first[9:] == ["Анна", "dup", "'=1+2", '{"k": [1, 2]}', "false"]
    assert second == ["'@b", "'+7 999 000-00-02", "4", "queued", "", "", "0", "", "", "'-Борис", "", "", "", ""]
