"""The HTML report: one self-contained page a person can open from a mail or a share.

It shows the outcome counts as an inline SVG bar chart, a trend over the last runs as stacked
columns, the rows that need attention, and the provenance. Every chart has its data as a table
beside it (screen readers, printing, copying numbers), colour is never the only cue (each bar is
labelled), and all values pass through Jinja's autoescaping.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from jinja2 import Environment, StrictUndefined

from refsync.records import Outcome
from refsync.reports._files import atomic_path, resolve_target
from refsync.reports._page_template import TEMPLATE
from refsync.reports.model import PROBLEM_OUTCOMES, RunReport, RunSummary
from refsync.reports.rows import COLUMNS, clean_text, provenance_items

#: How many runs the trend shows, the current one included.
TREND_RUNS = 30
#: How many problem rows the page lists; the workbook and CSV always hold all of them.
MAX_PROBLEM_ROWS = 1000

#: One colour per outcome; bars are labelled too, so colour is never the only cue.
COLORS: Mapping[Outcome, str] = {
    Outcome.CREATED: "#1b7837",
    Outcome.UPDATED: "#5aae61",
    Outcome.UNCHANGED: "#9e9e9e",
    Outcome.INVALID: "#e08214",
    Outcome.REJECTED: "#b2182b",
    Outcome.FAILED: "#f4a582",
    Outcome.HELD: "#8073ac",
    Outcome.CONFLICT: "#762a83",
    Outcome.FILTERED: "#d9d9d9",
    Outcome.DUPLICATE: "#4393c3",
}

_ENV = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True,
                   lstrip_blocks=True, keep_trailing_newline=True)
_PAGE = _ENV.from_string(TEMPLATE)


@dataclass(frozen=True, slots=True)
class _Bar:
    outcome: str
    count: int
    share: str
    y: int
    width: float
    height: int
    color: str


@dataclass(frozen=True, slots=True)
class _OutcomeChart:
    width: int
    height: int
    label_width: int
    bars: list[_Bar]
    description: str


@dataclass(frozen=True, slots=True)
class _Segment:
    outcome: str
    count: int
    y: float
    height: float
    color: str


@dataclass(frozen=True, slots=True)
class _Column:
    run_id: str
    started: str
    complete: bool
    current: bool
    total: int
    counts: dict[str, int]
    x: float
    segments: list[_Segment]


@dataclass(frozen=True, slots=True)
class _Trend:
    width: int
    height: int
    left: int
    top: int
    base: int
    bar_width: float
    max_total: int
    columns: list[_Column]
    description: str


def _outcome_chart(counts: Mapping[Outcome, int]) -> _OutcomeChart:
    label_width, bar_room, bar_height, gap = 90, 420, 18, 6
    total = sum(counts.values())
    top = max(counts.values(), default=0) or 1
    bars = [
        _Bar(
            outcome=outcome.value,
            count=n,
            share=f"{n / total:.1%}" if total else "0.0%",
            y=gap + i * (bar_height + gap),
            width=round(bar_room * n / top, 2),
            height=bar_height,
            color=COLORS[outcome],
        )
        for i, (outcome, n) in enumerate(counts.items())
    ]
    description = ", ".join(f"{bar.outcome} {bar.count}" for bar in bars)
    return _OutcomeChart(
        width=label_width + bar_room + 60,
        height=gap + len(bars) * (bar_height + gap),
        label_width=label_width,
        bars=bars,
        description=f"Of {total} rows: {description}.",
    )


def _trend_runs(report: RunReport, history: Sequence[RunSummary]) -> list[RunSummary]:
    """Previous runs plus this one, oldest first, this run replacing any earlier copy of itself."""
    earlier = [s for s in history if s.run_id != report.run_id]
    runs = sorted([*earlier, report.summary()], key=lambda s: s.started_at)
    return runs[-TREND_RUNS:]


def _trend(report: RunReport, history: Sequence[RunSummary]) -> _Trend:
    runs = _trend_runs(report, history)
    left, top, plot_height, step = 50, 10, 180, 24
    bar_width = 16.0
    base = top + plot_height
    max_total = max((s.total for s in runs), default=0)
    scale = plot_height / max_total if max_total else 0.0
    columns: list[_Column] = []
    for i, summary in enumerate(runs):
        x = left + 8 + i * step
        y = float(base)
        segments: list[_Segment] = []
        counts = {o.value: int(summary.counts.get(o, 0)) for o in Outcome}
        for outcome in Outcome:
            n = counts[outcome.value]
            if not n:
                continue
            height = round(n * scale, 2)
            y = round(y - height, 2)
            segments.append(_Segment(outcome.value, n, y, height, COLORS[outcome]))
        columns.append(_Column(
            run_id=clean_text(summary.run_id),
            started=summary.started_at.strftime("%Y-%m-%d %H:%M"),
            complete=summary.complete,
            current=summary.run_id == report.run_id,
            total=summary.total,
            counts=counts,
            x=x,
            segments=segments,
        ))
    described = "; ".join(
        f"{c.started}: {c.total} rows"
        + "".join(f", {s.outcome} {s.count}" for s in c.segments)
        for c in columns
    )
    return _Trend(
        width=max(left + 8 + len(runs) * step + 16, 260),
        height=base + 22,
        left=left,
        top=top,
        base=base,
        bar_width=bar_width,
        max_total=max_total,
        columns=columns,
        description=f"{len(runs)} runs, oldest first. {described}.",
    )


def render_html(report: RunReport, *, history: Sequence[RunSummary] = ()) -> str:
    """The page as text; ``history`` holds earlier runs' summaries for the trend."""
    problem_rows = (row.flat() for row in report.shown_rows if row.outcome in PROBLEM_OUTCOMES)
    context: dict[str, Any] = {
        "run_id": clean_text(report.run_id),
        "mapping_name": clean_text(report.mapping_name),
        "target": report.target.value,
        "total": report.total,
        "complete": report.complete,
        "chart": _outcome_chart(report.counts),
        "trend": _trend(report, history),
        "legend": [{"outcome": o.value, "color": COLORS[o]} for o in Outcome],
        "columns": COLUMNS,
        "problems": list(islice(problem_rows, MAX_PROBLEM_ROWS)),
        "problem_total": report.problems,
        "provenance": provenance_items(report),
    }
    return _PAGE.render(context)


def write_html(report: RunReport, out: Path, *, history: Sequence[RunSummary] = ()) -> Path:
    """Write the page to ``out`` (a file, or a directory for the default name)."""
    target = resolve_target(out, report, "html")
    page = render_html(report, history=history)
    with atomic_path(target) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return target
