from __future__ import annotations

import pytest

from refsync.records import Outcome
from refsync.reports import RunReport, render_summary_table
from tests.reports.factories import make_report

pytestmark = pytest.mark.unit


def test_the_table_lists_every_outcome_in_order_with_its_count(report: RunReport) -> None:
    lines = render_summary_table(report).splitlines()
    assert lines[0] == f"run {report.run_id} · dynamics-leads → partner_center.referral · complete"
    body = [line.split() for line in lines[3:13]]
    assert [(name, int(n)) for name, n in body] == [(o.value, report.counts[o]) for o in Outcome]
    assert [o.value for o in Outcome] == [
        "created", "updated", "unchanged", "invalid", "rejected",
        "failed", "held", "conflict", "filtered", "duplicate",
    ]
    assert lines[-1].split() == ["total", "12"]


def test_an_incomplete_run_says_so_in_its_first_line() -> None:
    text = render_summary_table(make_report([], complete=False))
    assert "INCOMPLETE" in text.splitlines()[0]
    assert text.splitlines()[-1].split() == ["total", "0"]
