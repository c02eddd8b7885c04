"""What a person reads in the terminal: the end of a run, the list of runs, one key's history.

Plain text (no colour codes) so that it reads the same in a terminal, a log file and a
scheduler's captured output. Every value passes :func:`refsync.reports.rows.clean_text`, and
line breaks inside a value are folded so that one record stays on one line.
"""

from __future__ import annotations

from collections.abc import Sequence

from refsync.records import Outcome
from refsync.reports.history import KeyEvent
from refsync.reports.model import RunReport, RunSummary
from refsync.reports.rows import clean_text

_MAX_ERROR = 120


def _one_line(value: object, limit: int | None = None) -> str:
    text = " ".join(clean_text(str(value)).split()) if value is not None else ""
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: set[int]) -> list[str]:
    """Aligned columns with a rule under the header; columns in ``numeric`` align right."""
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            cell.rjust(w) if i in numeric else cell.ljust(w)
            for i, (cell, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return [line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def render_summary_table(report: RunReport) -> str:
    """Rows per outcome, every outcome listed in report order, then the total."""
    state = "complete" if report.complete else "INCOMPLETE: stopped before every row"
    header = (
        f"run {_one_line(report.run_id)} · {_one_line(report.mapping_name)} "
        f"→ {report.target.value} · {state}"
    )
    rows = [[o.value, str(n)] for o, n in report.counts.items()]
    *lines, total = _table(["outcome", "rows"], [*rows, ["total", str(report.total)]], {1})
    return "\n".join([header, *lines, lines[1], total])


def render_runs_table(runs: Sequence[RunSummary]) -> str:
    """One line per run (``refsync report list``): when, which, complete, rows per outcome."""
    if not runs:
        return "no runs recorded yet"
    headers = ["started (UTC)", "run", "mapping", "complete", *(o.value for o in Outcome),
               "total"]
    rows = [
        [
            s.started_at.strftime("%Y-%m-%d %H:%M"),
            _one_line(s.run_id),
            _one_line(s.mapping_name),
            "yes" if s.complete else "NO",
            *(str(s.counts.get(o, 0)) for o in Outcome),
            str(s.total),
        ]
        for s in runs
    ]
    return "\n".join(_table(headers, rows, numeric=set(range(4, len(headers)))))


def render_key_history(key: str, events: Sequence[KeyEvent]) -> str:
    """What each run did with one key (``refsync report show --key``), oldest first."""
    if not events:
        return f"no recorded run has a row with key {_one_line(key)}"
    headers = ["started (UTC)", "run", "row", "outcome", "remote id", "status", "error"]
    rows = [
        [
            e.started_at.strftime("%Y-%m-%d %H:%M"),
            _one_line(e.run_id),
            str(e.result.row_number),
            str(e.result.outcome),
            _one_line(e.result.remote_id),
            _one_line(e.result.remote_status),
            _one_line(e.result.error, _MAX_ERROR),
        ]
        for e in events
    ]
    return "\n".join([f"key {_one_line(key)}", *_table(headers, rows, numeric={2})])
