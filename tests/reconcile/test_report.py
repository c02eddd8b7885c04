"""The reconcile report in every format: content, masked secrets, no formulas, a real browser."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from refsync.reconcile import Category, reconcile
from refsync.reports.reconciliation import (
    COLUMNS,
    SCHEMA_VERSION,
    ReconcileReport,
    render_html,
    render_summary,
    write_reconcile_reports,
)
from tests.fixtures.browser import BrowserPage

from .factories import entry, remote, row, sent

TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
STARTED = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


@pytest.fixture
def report() -> ReconcileReport:
    """One finding of each kind that a sandbox run produces, with hostile text in the values."""
    hostile = sent(notes=f"=HYPERLINK(\"http://evil\") Bearer {TOKEN}")
    remotes = [
        remote("K-won", "r-won", status="Closed", substatus="Won"),
        remote("K-drift", "r-drift", body=hostile),
        remote("=cmd|' /C calc'!A0", "r-stray"),
        remote("K-ok", "r-ok"),
    ]
    entries = [
        entry("K-won", "r-won", source_id=(1,), row_number=2),
        entry("K-drift", "r-drift", source_id=(2,), row_number=3, payload=sent(notes="old")),
        entry("K-gone", "r-gone", source_id=(3,), row_number=4),
        entry("K-ok", "r-ok", source_id=(4,), row_number=5),
    ]
    source = {k: row(k, n) for n, k in enumerate(["K-won", "K-drift", "K-gone", "K-ok"], 2)}
    source["K-new"] = row("K-new", 9)
    result = reconcile(remotes, entries, source=source)
    return ReconcileReport(
        run_id="rec-1", mapping_name="crm-deals", target="partner_center.referral",
        source_description="postgresql://crm:hunter2@db/crm", started_at=STARTED,
        finished_at=STARTED + timedelta(seconds=3), result=result, recorded=2, adopted=1,
        written_back=1)


def expected_categories() -> dict[str, int]:
    counts = {c.value: 0 for c in Category}
    counts.update(status_changed=1, drift=1, not_in_ledger=1, missing_remotely=1, not_synced=1)
    return counts


@pytest.mark.unit
def test_every_format_holds_the_findings_without_secrets_or_formulas(
        report: ReconcileReport, tmp_path: Path) -> None:
    paths = write_reconcile_reports(report, tmp_path)
    assert {p.name for p in paths.values()} == {
        f"refsync-reconcile-rec-1.{suffix}" for suffix in ("xlsx", "csv", "json", "html")}
    assert report.result.counts == expected_categories()

    document = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert document["schema_version"] == SCHEMA_VERSION
    assert document["counts"] == expected_categories()
    assert document["totals"] == {"remote": 4, "ledger": 4, "source": 5, "in_sync": 1,
                                  "recorded": 2, "adopted": 1, "written_back": 1}
    assert document["run"]["source"] == "postgresql://crm:***@db/crm"
    by_key = {(f["category"], f["key"]): f for f in document["findings"]}
    assert set(by_key) == {("status_changed", "K-won"), ("drift", "K-drift"),
                           ("not_in_ledger", "=cmd|' /C calc'!A0"),
                           ("missing_remotely", "K-gone"), ("not_synced", "K-new")}
    won = by_key[("status_changed", "K-won")]
    assert (won["remote_status"], won["remote_substatus"], won["row_number"]) == (
        "Closed", "Won", 2)
    (drift,) = by_key[("drift", "K-drift")]["drift"]
    assert drift["path"] == "/details/notes"
    assert drift["now"].startswith("=HYPERLINK")  # machines get the text as it is ...
    assert "Bearer ***" in drift["now"]  # ... with the token masked

    with paths["csv"].open(encoding="utf-8-sig", newline="") as fh:
        lines = list(csv.reader(fh))
    assert tuple(lines[0]) == COLUMNS
    assert len(lines) == 1 + 5
    stray = next(line for line in lines if line[0] == "not_in_ledger")
    assert stray[1] == "'=cmd|' /C calc'!A0"
    drift_line = next(line for line in lines if line[0] == "drift")
    assert drift_line[-1].startswith("/details/notes")
    assert "Bearer ***" in drift_line[-1]
    assert not [c for line in lines for c in line if c.startswith(("=", "+", "-", "@"))]

    workbook = load_workbook(paths["xlsx"])
    assert workbook.sheetnames == ["Summary", "missing_remotely", "not_in_ledger", "drift",
                                   "status_changed", "not_synced"]
    summary = {r[0]: r[1] for r in workbook["Summary"].iter_rows(values_only=True) if r}
    assert summary["Written back to the CRM"] == "1"
    assert summary["Source"] == "postgresql://crm:***@db/crm"
    assert summary["status_changed"] == 1
    cells = [c for ws in workbook.worksheets for r in ws.iter_rows(values_only=True) for c in r
             if isinstance(c, str)]
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@"))]
    assert workbook["not_in_ledger"]["B2"].value == "'=cmd|' /C calc'!A0"

    for path in paths.values():
        raw = path.read_bytes()
        assert TOKEN.encode() not in raw
        assert b"hunter2" not in raw


@pytest.mark.unit
def test_the_page_escapes_every_value(report: ReconcileReport) -> None:
    page = render_html(report)
    assert "<td>=cmd|&#39; /C calc&#39;!A0</td>" in page
    assert TOKEN not in page
    assert "<script" not in page


@pytest.mark.unit
def test_a_clean_reconciliation_says_so(tmp_path: Path) -> None:
    result = reconcile([remote("K1", "r1")], [entry("K1", "r1")])
    clean = ReconcileReport(run_id="rec-0", mapping_name="m", target="partner_center.referral",
                            source_description=None, started_at=STARTED, finished_at=STARTED,
                            result=result)
    assert "agree" in render_html(clean)
    text = render_summary(clean)
    assert "in sync 1" in text
    assert "source rows not read" in text


@pytest.mark.browser
def test_the_page_opens_in_a_browser_without_errors(browser_page: BrowserPage,
                                                    report: ReconcileReport,
                                                    tmp_path: Path) -> None:
    paths = write_reconcile_reports(report, tmp_path)
    page = browser_page.page
    page.goto(paths["html"].as_uri())
    page.wait_for_load_state("load")
    counts = page.get_by_role("table", name="Findings per category")
    assert counts.locator("tbody tr").count() == len(Category)
    drift = page.locator("table[data-category=drift] tbody tr")
    assert drift.count() == 1
    assert "/details/notes" in drift.inner_text()
    assert page.locator("table[data-category=not_in_ledger] td").nth(1).inner_text() == (
        "=cmd|' /C calc'!A0")
    browser_page.screenshot("reconcile-report")
    assert browser_page.errors == []
