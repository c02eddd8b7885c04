from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from importlib.metadata import version

import pytest

from refsync.records import Outcome, RowResult, Target
from refsync.reports import Provenance, RunReport, RunSummary
from refsync.reports.model import zero_counts
from tests.reports.factories import STARTED, make_provenance, make_report, mixed_results

pytestmark = pytest.mark.unit


def test_counts_cover_every_outcome_in_report_order_and_add_up(report: RunReport) -> None:
    assert list(report.counts) == list(Outcome)
    assert report.counts == {
        Outcome.CREATED: 3, Outcome.UPDATED: 1, Outcome.UNCHANGED: 2, Outcome.INVALID: 2,
        Outcome.REJECTED: 1, Outcome.FAILED: 1, Outcome.HELD: 0, Outcome.CONFLICT: 1,
        Outcome.FILTERED: 1, Outcome.DUPLICATE: 0,
    }
    assert report.total == sum(report.counts.values()) == 12
    assert report.problems == 2 + 1 + 1 + 1


def test_rows_are_kept_in_row_order_whatever_order_they_arrive_in() -> None:
    results = list(reversed(mixed_results()))
    report = make_report(results)
    assert [r.row_number for r in report.results] == list(range(2, 14))


def test_a_row_reported_twice_is_refused_naming_the_row() -> None:
    results = [*mixed_results(), RowResult(5, "LEAD-004", Outcome.FAILED, error="again")]
    with pytest.raises(ValueError, match=r"repeated rows: 5"):
        make_report(results)


def test_an_unknown_outcome_is_refused() -> None:
    results = [RowResult(2, "K", "exploded")]  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown outcome"):
        make_report(results)


def test_provenance_reads_straight_off_the_report(report: RunReport) -> None:
    assert report.target is Target.REFERRAL
    assert report.mapping_name == "dynamics-leads"
    assert report.mapping_version == "3"
    assert report.mapping_checksum.startswith("sha256:")
    assert report.source_fingerprint.startswith("SELECT")
    assert report.started_at == STARTED
    assert report.finished_at - report.started_at == timedelta(minutes=3, seconds=7)
    assert report.run_id.startswith("run-")


def test_times_are_stored_in_utc() -> None:
    paris = timezone(timedelta(hours=1))
    provenance = make_provenance(started_at=datetime(2026, 11, 20, 23, 0, tzinfo=paris))
    report = RunReport.build([], provenance, finished_at=datetime(2026, 11, 21, 0, 5, tzinfo=paris))
    assert report.started_at == datetime(2026, 11, 20, 22, 0, tzinfo=UTC)
    assert report.started_at.tzinfo is UTC
    assert report.finished_at.tzinfo is UTC


def test_a_naive_time_is_refused_because_its_zone_is_unknown() -> None:
    with pytest.raises(ValueError, match="started_at must be timezone-aware"):
        make_provenance(started_at=datetime(2026, 11, 20, 22, 0))
    with pytest.raises(ValueError, match="finished_at must be timezone-aware"):
        RunReport.build([], make_provenance(), finished_at=datetime(2026, 11, 20, 23, 0))


def test_an_end_before_the_start_is_taken_as_the_start() -> None:
    report = RunReport.build([], make_provenance(), finished_at=STARTED - timedelta(seconds=1))
    assert report.finished_at == STARTED


def test_target_is_taken_from_its_string_and_an_unknown_one_refused() -> None:
    assert make_provenance(target="graph.invitation").target is Target.GRAPH_INVITATION
    with pytest.raises(ValueError, match="salesforce"):
        make_provenance(target="salesforce")


def test_an_empty_run_id_is_refused() -> None:
    with pytest.raises(ValueError, match="run_id"):
        make_provenance(run_id="  ")


def test_the_installed_version_is_recorded_by_default() -> None:
    provenance = Provenance(
        run_id="r1", target=Target.REFERRAL, mapping_name="m", mapping_version="1",
        mapping_checksum="c", source_description="s", source_fingerprint="f",
        started_at=STARTED,
    )
    assert provenance.refsync_version == version("refsync")


def test_finished_at_defaults_to_now() -> None:
    before = datetime.now(UTC)
    report = RunReport.build([], make_provenance(started_at=before))
    assert before <= report.finished_at <= datetime.now(UTC)


def test_summary_keeps_counts_and_identity_without_rows(report: RunReport) -> None:
    summary = report.summary()
    assert summary.run_id == report.run_id
    assert summary.counts == report.counts
    assert summary.total == 12
    assert summary.complete is True
    assert summary.started_at == report.started_at


def test_rows_with_selects_one_outcome(report: RunReport) -> None:
    assert [r.key for r in report.rows_with(Outcome.UNCHANGED)] == ["LEAD-005", "LEAD-006"]
    assert report.rows_with(Outcome.HELD) == ()


def test_a_summary_keeps_its_times_in_utc_and_refuses_naive_ones() -> None:
    tokyo = timezone(timedelta(hours=9))
    summary = RunSummary(run_id="r", target="graph.invitation", mapping_name="m",  # type: ignore[arg-type]
                         started_at=datetime(2026, 1, 2, 9, 0, tzinfo=tokyo),
                         finished_at=datetime(2026, 1, 2, 9, 5, tzinfo=tokyo),
                         complete=True, counts=zero_counts())
    assert summary.started_at == datetime(2026, 1, 2, 0, 0, tzinfo=UTC)
    assert summary.target is Target.GRAPH_INVITATION
    with pytest.raises(ValueError, match="finished_at must be timezone-aware"):
        RunSummary(run_id="r", target=Target.REFERRAL, mapping_name="m",
                   started_at=summary.started_at, finished_at=datetime(2026, 1, 2),
                   complete=True, counts=zero_counts())


def test_a_clock_stepped_back_during_the_run_does_not_cost_the_report() -> None:
    future = datetime.now(UTC) + timedelta(hours=1)  # the start was read before a correction
    report = RunReport.build([], make_provenance(started_at=future))
    assert report.finished_at == report.started_at == future
