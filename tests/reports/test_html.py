from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from refsync.records import Outcome, RowResult, Target
from refsync.reports import RunReport, RunSummary, html_page, render_html, write_html
from refsync.reports.model import zero_counts
from tests.reports.dom import parse
from tests.reports.factories import STARTED, leaked, make_report

pytestmark = pytest.mark.unit

HOSTILE = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


def past_run(days_ago: int, **counts: int) -> RunSummary:
    full = zero_counts()
    full.update({Outcome(k): v for k, v in counts.items()})
    started = STARTED - timedelta(days=days_ago)
    return RunSummary(run_id=f"past-{days_ago}", target=Target.REFERRAL,
                      mapping_name="dynamics-leads", started_at=started,
                      finished_at=started + timedelta(minutes=2), complete=True, counts=full)


def test_the_outcome_chart_and_its_table_show_every_count(report: RunReport) -> None:
    dom = parse(render_html(report))
    bars = dom.by_id("outcome-chart").find_all("g", class_="bar")
    assert [(b.attrs["data-outcome"], int(b.attrs["data-count"] or -1)) for b in bars] == [
        (o.value, n) for o, n in report.counts.items()
    ]
    widths = {b.attrs["data-outcome"]: float(b.find_all("rect")[0].attrs["width"] or -1)
              for b in bars}
    assert widths["created"] == 420.0
    assert widths["updated"] == pytest.approx(140.0)
    assert widths["held"] == 0.0
    assert dom.by_id("outcome-table").cells() == [
        [o.value, str(n), f"{n / 12:.1%}"] for o, n in report.counts.items()
    ]
    description = dom.by_id("outcome-chart-desc").text
    assert description.startswith("Of 12 rows: created 3, updated 1, unchanged 2")


def test_the_trend_shows_past_runs_oldest_first_then_this_run(report: RunReport) -> None:
    history = [past_run(1, created=5, failed=1), past_run(2, created=8)]
    dom = parse(render_html(report, history=history))
    runs = dom.by_id("trend-chart").find_all("g", class_="run")
    assert [r.attrs["data-run-id"] for r in runs] == ["past-2", "past-1", report.run_id]
    assert [r.attrs["data-total"] for r in runs] == ["8", "6", "12"]
    assert "current" in (runs[-1].attrs["class"] or "")
    segments = {s.attrs["data-outcome"]: s.attrs["data-count"]
                for s in runs[1].find_all("rect", class_="segment")}
    assert segments == {"created": "5", "failed": "1"}
    table = dom.by_id("trend-table").cells()
    assert [row[1] for row in table] == ["past-2", "past-1", f"{report.run_id} (this run)"]
    assert table[1][3:] == ["5", "0", "0", "0", "0", "1", "0", "0", "0", "0", "6"]
    # The tallest run fills the plot; the others are to scale.
    tallest = sum(float(s.attrs["height"] or 0) for s in runs[2].find_all("rect"))
    smallest = sum(float(s.attrs["height"] or 0) for s in runs[1].find_all("rect"))
    assert tallest == pytest.approx(180.0)
    assert smallest == pytest.approx(180.0 * 6 / 12)


def test_the_trend_keeps_the_last_runs_and_this_run_replaces_an_old_copy_of_itself(
    report: RunReport,
) -> None:
    history = [past_run(d, created=d) for d in range(1, 41)]
    stale_self = RunSummary(run_id=report.run_id, target=Target.REFERRAL, mapping_name="x",
                            started_at=report.started_at, finished_at=report.finished_at,
                            complete=False, counts=zero_counts())
    dom = parse(render_html(report, history=[*history, stale_self]))
    runs = dom.by_id("trend-chart").find_all("g", class_="run")
    assert len(runs) == html_page.TREND_RUNS == 30
    assert runs[0].attrs["data-run-id"] == "past-29"
    assert runs[-1].attrs["data-run-id"] == report.run_id
    assert runs[-1].attrs["data-total"] == "12"


def test_rows_that_need_attention_are_listed_with_their_errors(report: RunReport) -> None:
    dom = parse(render_html(report))
    rows = dom.by_id("problem-table").cells()
    assert [(row[0], row[2]) for row in rows] == [
        ("8", "invalid"), ("9", "rejected"), ("10", "failed"), ("11", "conflict"),
        ("13", "invalid"),
    ]
    assert rows[1][7].startswith("400 invalidRequest: header Authorization: Bearer ***")


def test_a_long_list_of_problems_is_cut_and_says_where_the_rest_is(
    monkeypatch: pytest.MonkeyPatch, report: RunReport
) -> None:
    monkeypatch.setattr(html_page, "MAX_PROBLEM_ROWS", 2)
    table = parse(render_html(report)).by_id("problem-table")
    assert len(table.cells()) == 2
    caption = " ".join(table.find_all("caption")[0].text.split())
    assert caption.startswith("5 rows invalid, rejected")
    assert "the first 2 are shown, the workbook lists all" in caption


def test_a_clean_run_says_nothing_needs_attention() -> None:
    report = make_report([RowResult(2, "K", Outcome.CREATED, remote_id="r")])
    dom = parse(render_html(report))
    assert dom.find_all("table", id="problem-table") == []
    assert "None" in dom.by_id("no-problems").text


def test_every_value_is_escaped(tmp_path: Path) -> None:
    report = make_report(
        [RowResult(2, HOSTILE, Outcome.REJECTED, error=HOSTILE, remote_id=HOSTILE)],
        mapping_name=HOSTILE, run_id=HOSTILE, source_description=HOSTILE,
    )
    history = [RunSummary(run_id=HOSTILE + "old", target=Target.REFERRAL, mapping_name=HOSTILE,
                          started_at=STARTED - timedelta(days=1), finished_at=STARTED,
                          complete=True, counts=zero_counts())]
    page = write_html(report, tmp_path, history=history).read_text("utf-8")
    dom = parse(page)
    assert dom.find_all("script") == []
    assert dom.find_all("img") == []
    assert not [el for el in dom.iter() if any(k.startswith("on") for k in el.attrs)]
    assert dom.by_id("problem-table").cells()[0][1] == HOSTILE
    assert HOSTILE in dom.find_all("title")[0].text
    assert [g.attrs["data-run-id"] for g in dom.find_all("g", class_="run")] == [
        HOSTILE + "old", HOSTILE
    ]


def test_the_page_loads_nothing_from_anywhere(report: RunReport) -> None:
    dom = parse(render_html(report))
    for element in dom.iter():
        for name in ("src", "href", "xlink:href", "action", "data"):
            value = element.attrs.get(name)
            assert value is None or value.startswith("data:"), f"<{element.tag} {name}={value}>"
    assert dom.find_all("script") == []
    csp = dom.find_all("meta", http_equiv="Content-Security-Policy")[0].attrs["content"] or ""
    assert "default-src 'none'" in csp


def test_no_token_or_password_reaches_the_page(report: RunReport) -> None:
    page = render_html(report)
    assert leaked(page) == []
    provenance = parse(page).find_all("dl", class_="provenance")[0]
    assert "postgresql://crm:***@db.internal/crm" in provenance.text


def test_the_page_is_marked_up_for_assistive_technology(report: RunReport) -> None:
    dom = parse(render_html(report))
    assert dom.find_all("html")[0].attrs["lang"] == "en"
    for chart in ("outcome-chart", "trend-chart"):
        svg = dom.by_id(chart)
        assert svg.attrs["role"] == "img"
        assert dom.by_id(svg.attrs["aria-labelledby"] or "").tag == "title"
        assert dom.by_id(svg.attrs["aria-describedby"] or "").text.strip()
    for table in dom.find_all("table"):
        assert table.find_all("caption")[0].text.strip()
        assert all(th.attrs.get("scope") in {"col", "row"} for th in table.find_all("th"))


def test_an_incomplete_run_is_flagged_at_the_top() -> None:
    dom = parse(render_html(make_report([], complete=False)))
    state = dom.by_id("run-state")
    assert "incomplete" in (state.attrs["class"] or "").split()
    assert state.text.startswith("Incomplete")
    assert [b.attrs["data-count"] for b in dom.find_all("g", class_="bar")] == ["0"] * 10
