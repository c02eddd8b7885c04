"""What one run did to every input row, and where the run came from.

A :class:`RunReport` is built once, at the end of a run, from the per-row results and the run's
:class:`Provenance`; every writer (workbook, CSV, JSON, HTML, terminal) reads the same object, so
the formats cannot disagree. Counts are derived from the rows on demand and never stored, and a
:class:`RunSummary` (counts plus identity, no rows) is what a trend over past runs keeps.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from importlib.metadata import PackageNotFoundError, version

from refsync.records import Outcome, RowResult, Target
from refsync.reports.rows import ReportRow

#: Outcomes that mean a row still needs a person or a later run to act on it.
PROBLEM_OUTCOMES: frozenset[Outcome] = frozenset(
    {Outcome.INVALID, Outcome.REJECTED, Outcome.FAILED, Outcome.HELD, Outcome.CONFLICT}
)


def installed_version() -> str:
    """The refsync version recorded in every report (``unknown`` when run from a bare checkout)."""
    try:
        return version("refsync")
    except PackageNotFoundError:
        return "unknown"


def as_utc(moment: datetime, what: str) -> datetime:
    """Return ``moment`` in UTC; a naive time is refused because its zone cannot be known."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware (got naive {moment.isoformat()})")
    return moment.astimezone(UTC)


def zero_counts() -> dict[Outcome, int]:
    """One entry per outcome, in the order reports list them, all zero."""
    return dict.fromkeys(Outcome, 0)


@dataclass(frozen=True, slots=True, kw_only=True)
class Provenance:
    """Where a run's rows came from and what turned them into payloads.

    Known before the first row is read, so a flow builds it at the start. ``source_fingerprint``
    is the checksum of the input file (``sha256:<hex>``) or the text of the SQL query;
    ``mapping_checksum`` is the same checksum the ledger stores with every row.
    """

    run_id: str
    target: Target
    mapping_name: str
    mapping_version: str
    mapping_checksum: str
    source_description: str
    source_fingerprint: str
    started_at: datetime
    refsync_version: str = field(default_factory=installed_version)

    def __post_init__(self) -> None:
        if not self.run_id.strip():
            raise ValueError("run_id must not be empty")
        object.__setattr__(self, "target", Target(self.target))
        object.__setattr__(self, "started_at", as_utc(self.started_at, "started_at"))


@dataclass(frozen=True, slots=True, kw_only=True)
class RunSummary:
    """A run without its rows: what the history keeps and the trend chart draws."""

    run_id: str
    target: Target
    mapping_name: str
    started_at: datetime
    finished_at: datetime
    complete: bool
    counts: Mapping[Outcome, int]

    def __post_init__(self) -> None:
        object.__setattr__(self, "target", Target(self.target))
        object.__setattr__(self, "started_at", as_utc(self.started_at, "started_at"))
        object.__setattr__(self, "finished_at", as_utc(self.finished_at, "finished_at"))

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True, kw_only=True)
class RunReport:
    """Every input row of one run with its outcome, plus the run's provenance.

    ``results`` holds exactly one :class:`RowResult` per input row, ordered by row number.
    ``complete`` is false when the run stopped early (a fatal error, a cancelled flow): the rows
    it never reached are then absent, and every format says so.
    """

    provenance: Provenance
    finished_at: datetime
    results: tuple[RowResult, ...]
    complete: bool = True

    def __post_init__(self) -> None:
        # Both times come from the wall clock; a correction stepping it back during the run must
        # not cost the run its report, so an end before the start is taken as the start.
        finished = max(as_utc(self.finished_at, "finished_at"), self.provenance.started_at)
        object.__setattr__(self, "finished_at", finished)
        unknown = sorted({str(r.outcome) for r in self.results} - set(Outcome))
        if unknown:
            known = ", ".join(Outcome)
            raise ValueError(f"unknown outcome(s) {', '.join(unknown)}; known: {known}")
        ordered = tuple(sorted(self.results, key=lambda r: r.row_number))
        repeated = sorted(
            number
            for number, seen in Counter(r.row_number for r in ordered).items()
            if seen > 1
        )
        if repeated:
            shown = ", ".join(map(str, repeated[:10]))
            raise ValueError(f"each input row needs exactly one result; repeated rows: {shown}")
        object.__setattr__(self, "results", ordered)

    @classmethod
    def build(
        cls,
        results: Iterable[RowResult],
        provenance: Provenance,
        *,
        finished_at: datetime | None = None,
        complete: bool = True,
    ) -> RunReport:
        """Assemble the report at the end of a run (``finished_at`` defaults to now)."""
        return cls(
            provenance=provenance,
            finished_at=finished_at if finished_at is not None else datetime.now(UTC),
            results=tuple(results),
            complete=complete,
        )

    @cached_property
    def counts(self) -> dict[Outcome, int]:
        """Rows per outcome, every outcome present (zero when it did not occur), in report order."""
        counts = zero_counts()
        for result in self.results:
            counts[Outcome(result.outcome)] += 1
        return counts

    @cached_property
    def shown_rows(self) -> tuple[ReportRow, ...]:
        """The rows as every format shows them (secrets masked), cleaned once per report."""
        return tuple(ReportRow.of(result) for result in self.results)

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def problems(self) -> int:
        """Rows that still need attention (invalid, rejected, failed, held, conflict)."""
        return sum(n for outcome, n in self.counts.items() if outcome in PROBLEM_OUTCOMES)

    def rows_with(self, outcome: Outcome) -> tuple[RowResult, ...]:
        return tuple(r for r in self.results if r.outcome == outcome)

    def summary(self) -> RunSummary:
        return RunSummary(
            run_id=self.run_id,
            target=self.target,
            mapping_name=self.mapping_name,
            started_at=self.started_at,
            finished_at=self.finished_at,
            complete=self.complete,
            counts=dict(self.counts),
        )

    # Provenance, readable straight off the report.
    @property
    def run_id(self) -> str:
        return self.provenance.run_id

    @property
    def target(self) -> Target:
        return self.provenance.target

    @property
    def mapping_name(self) -> str:
        return self.provenance.mapping_name

    @property
    def mapping_version(self) -> str:
        return self.provenance.mapping_version

    @property
    def mapping_checksum(self) -> str:
        return self.provenance.mapping_checksum

    @property
    def source_description(self) -> str:
        return self.provenance.source_description

    @property
    def source_fingerprint(self) -> str:
        return self.provenance.source_fingerprint

    @property
    def refsync_version(self) -> str:
        return self.provenance.refsync_version

    @property
    def started_at(self) -> datetime:
        return self.provenance.started_at
