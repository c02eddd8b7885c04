"""The report as Markdown, for a Prefect markdown artifact or a chat message.

Built from the same cleaned rows as every other format. Markdown has no escaping rule that
covers everything, so every value is reduced to one line and each character Markdown or HTML
could act on is escaped; a key can never become a link, an image or a table column.
"""

from __future__ import annotations

import re

from refsync.reports.model import PROBLEM_OUTCOMES, RunReport
from refsync.reports.rows import clean_text, iso_utc

#: Problem rows listed in the Markdown; the other formats hold all of them.
MAX_MARKDOWN_ROWS = 50

_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")


def md_escape(value: object) -> str:
    """One table-safe line of literal text."""
    text = " ".join(str(value).split())
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SPECIAL.sub(r"\\\1", text)


def outcome_table(report: RunReport) -> list[dict[str, object]]:
    """Rows per outcome as records (the shape Prefect's table artifact takes)."""
    return [{"outcome": o.value, "rows": n} for o, n in report.counts.items()]


def render_markdown(report: RunReport) -> str:
    """A heading, the counts per outcome, the rows that need attention, and the provenance."""
    state = "complete" if report.complete else "**incomplete**: stopped before every row"
    lines = [
        f"# refsync run {md_escape(clean_text(report.run_id))}",
        "",
        f"Mapping {md_escape(clean_text(report.mapping_name))} "
        f"(version {md_escape(clean_text(report.mapping_version))}) to "
        f"{md_escape(report.target.value)}: {report.total} rows, {state}. "
        f"Started {md_escape(iso_utc(report.started_at))}, "
        f"finished {md_escape(iso_utc(report.finished_at))}.",
        "",
        "| outcome | rows |",
        "|---|---:|",
        *(f"| {o.value} | {n} |" for o, n in report.counts.items()),
        f"| **total** | **{report.total}** |",
    ]
    problems = [row for row in report.shown_rows if row.outcome in PROBLEM_OUTCOMES]
    if problems:
        shown = problems[:MAX_MARKDOWN_ROWS]
        lines += [
            "",
            f"## Rows that need attention ({len(problems)})",
            "",
            "| row | key | outcome | error |",
            "|---:|---|---|---|",
            *(
                f"| {row.row_number} | {md_escape(row.key or '')} | {row.outcome.value} | "
                f"{md_escape(row.error or '')} |"
                for row in shown
            ),
        ]
        if len(problems) > len(shown):
            lines += ["", f"The first {len(shown)} are shown; the workbook lists all."]
    lines += [
        "",
        f"Source: {md_escape(clean_text(report.source_description))}; "
        f"fingerprint {md_escape(clean_text(report.source_fingerprint))}; "
        f"mapping checksum {md_escape(clean_text(report.mapping_checksum))}; "
        f"refsync {md_escape(clean_text(report.refsync_version))}.",
    ]
    return "\n".join(lines) + "\n"
