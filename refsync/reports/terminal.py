"""The few lines a person reads in the terminal when a run ends."""

from __future__ import annotations

from refsync.reports.model import RunReport
from refsync.reports.rows import clean_text


def render_summary_table(report: RunReport) -> str:
    """A plain-text table of rows per outcome, every outcome listed, then the total.

    Plain text (no colour codes) so that it reads the same in a terminal, a log file and a
    scheduler's captured output.
    """
    state = "complete" if report.complete else "INCOMPLETE: stopped before every row"
    header = (
        f"run {clean_text(report.run_id)} · {clean_text(report.mapping_name)} "
        f"→ {report.target.value} · {state}"
    )
    label_width = max(len("outcome"), *(len(o.value) for o in report.counts))
    count_width = max(len("rows"), len(str(report.total)))
    lines = [header, f"{'outcome':<{label_width}}  {'rows':>{count_width}}"]
    lines.append(f"{'-' * label_width}  {'-' * count_width}")
    for outcome, n in report.counts.items():
        lines.append(f"{outcome.value:<{label_width}}  {n:>{count_width}}")
    lines.append(f"{'-' * label_width}  {'-' * count_width}")
    lines.append(f"{'total':<{label_width}}  {report.total:>{count_width}}")
    return "\n".join(lines)
