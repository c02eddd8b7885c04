"""The HTML report as a person's browser shows it: real headless Chromium, no console errors."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from refsync.records import Outcome, Target
from refsync.reports import RunReport, RunSummary, write_html
from refsync.reports.model import zero_counts
from tests.fixtures.browser import BrowserPage
from tests.reports.factories import STARTED

pytestmark = pytest.mark.browser


def past_run(days_ago: int, created: int, failed: int) -> RunSummary:
    counts = zero_counts()
    counts[Outcome.CREATED] = created
    counts[Outcome.FAILED] = failed
    started = STARTED - timedelta(days=days_ago)
    return RunSummary(run_id=f"past-{days_ago}", target=Target.REFERRAL,
                      mapping_name="dynamics-leads", started_at=started,
                      finished_at=started + timedelta(minutes=2), complete=True, counts=counts)


def test_the_page_renders_its_charts_and_tables_without_errors(
    browser_page: BrowserPage, report: RunReport, tmp_path: Path
) -> None:
    history = [past_run(d, created=d * 2, failed=d % 3) for d in range(5, 0, -1)]
    path = write_html(report, tmp_path, history=history)
    page = browser_page.page
    page.goto(path.as_uri())
    page.wait_for_load_state("load")

    # The outcome chart: one labelled bar per outcome, drawn to scale.
    chart = page.get_by_role("img", name="Rows per outcome", exact=True)
    assert chart.is_visible()
    bars = chart.locator("g.bar")
    assert bars.count() == len(Outcome)
    shown = {
        bars.nth(i).get_attribute("data-outcome"): bars.nth(i).locator("text.count").text_content()
        for i in range(bars.count())
    }
    assert shown == {o.value: str(n) for o, n in report.counts.items()}
    created = chart.locator("g.bar[data-outcome=created] rect").bounding_box()
    updated = chart.locator("g.bar[data-outcome=updated] rect").bounding_box()
    assert created is not None
    assert updated is not None
    assert created["width"] == pytest.approx(3 * updated["width"], rel=0.02)

    # Its table fallback shows the same numbers.
    table = page.get_by_role("table", name="Rows per outcome (the chart's data)")
    for outcome, n in report.counts.items():
        row = table.locator(f"tr[data-outcome={outcome.value}]")
        assert row.locator("td").first.inner_text() == str(n)
    assert table.locator("tfoot td").first.inner_text() == "12"

    # The trend: five earlier runs then this one, each column as tall as its total.
    trend = page.get_by_role("img", name="Rows per outcome in each of the last runs")
    runs = trend.locator("g.run")
    assert runs.count() == 6
    assert runs.last.get_attribute("data-run-id") == report.run_id
    heights = []
    for i in range(runs.count()):
        boxes = [seg.bounding_box() for seg in runs.nth(i).locator("rect.segment").all()]
        drawn = sum(box["height"] for box in boxes if box is not None)
        heights.append((int(runs.nth(i).get_attribute("data-total") or 0), drawn))
    tallest_total, tallest_height = max(heights)
    for total, height in heights:
        if total:
            assert height == pytest.approx(tallest_height * total / tallest_total, abs=1.5)
    trend_rows = page.locator("#trend-table tbody tr")
    assert trend_rows.count() == 6
    assert trend_rows.last.locator("td").last.inner_text() == "12"

    # Problems are listed for a person to act on.
    assert page.locator("#problem-table tbody tr").count() == report.problems == 5

    shot = browser_page.screenshot("reports-html-page")
    assert shot.stat().st_size > 10_000
    assert browser_page.errors == []
