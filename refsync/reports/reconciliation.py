"""The reconcile report: every disagreement between Partner Center, the ledger and the CRM.

Built the way the run report is: one list of cleaned rows (secrets masked, control characters
replaced) feeds every format, spreadsheet cells pass :func:`refsync.cells.neutralise`, the HTML is
autoescaped by Jinja and loads nothing, and each file is written atomically. Formats: an ``.xlsx``
workbook (a Summary sheet and one sheet per category found), CSV, versioned JSON and a
self-contained HTML page. Files are named ``refsync-reconcile-<run id>.<format>``.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, StrictUndefined
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from refsync.cells import neutralise
from refsync.reconcile import Category, Finding, Reconciliation
from refsync.reports._files import atomic_path
from refsync.reports.rows import Scalar, clean_optional, clean_text, iso_utc

SCHEMA_NAME = "refsync.reconcile-report"
SCHEMA_VERSION = 1

#: Column order of the CSV, the workbook sheets, the HTML tables and the JSON finding keys.
COLUMNS: tuple[str, ...] = (
    "category", "key", "remote_id", "ledger_state", "ledger_status", "remote_status",
    "remote_substatus", "row_number", "source_id", "adoptable", "detail",
)
MAX_CELL_TEXT = 32_767
_CUT_MARK = " …[cut]"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_BOLD = Font(bold=True)


@dataclass(frozen=True, slots=True)
class ReconcileReport:
    """A reconciliation with its provenance and what was done about it."""

    run_id: str
    mapping_name: str
    target: str
    source_description: str | None
    started_at: datetime
    finished_at: datetime
    result: Reconciliation
    recorded: int = 0
    """Ledger entries updated (statuses recorded, referrals adopted)."""
    adopted: int = 0
    written_back: int = 0
    """CRM rows whose status columns received a deal's ending."""

    def rows(self) -> list[dict[str, Scalar]]:
        """Every finding as cleaned, JSON-safe values in :data:`COLUMNS` order."""
        return [_row(f) for f in self.result.findings]

    def facts(self) -> list[tuple[str, str]]:
        """Provenance and totals, as label and cleaned text, for every format's summary."""
        r = self.result
        return [
            ("Run", clean_text(self.run_id)),
            ("Mapping", clean_text(self.mapping_name)),
            ("Target", clean_text(self.target)),
            ("Source", clean_text(self.source_description or "not read")),
            ("Started (UTC)", iso_utc(self.started_at)),
            ("Finished (UTC)", iso_utc(self.finished_at)),
            ("Referrals listed", str(r.remote_count)),
            ("Ledger entries", str(r.ledger_count)),
            ("Source rows", "not read" if r.source_count is None else str(r.source_count)),
            ("In sync", str(r.in_sync)),
            ("Ledger entries updated", str(self.recorded)),
            ("Adopted", str(self.adopted)),
            ("Written back to the CRM", str(self.written_back)),
        ]


def _row(finding: Finding) -> dict[str, Scalar]:
    source_id = (json.dumps([_plain(v) for v in finding.source_id], ensure_ascii=False)
                 if finding.source_id else None)
    return {
        "category": finding.category.value,
        "key": clean_optional(finding.key),
        "remote_id": clean_optional(finding.remote_id),
        "ledger_state": finding.ledger_state,
        "ledger_status": clean_optional(finding.ledger_status),
        "remote_status": clean_optional(finding.remote_status),
        "remote_substatus": clean_optional(finding.remote_substatus),
        "row_number": finding.row_number,
        "source_id": clean_optional(source_id),
        "adoptable": finding.adoptable,
        "detail": clean_text(finding.detail),
    }


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, datetime):
        return iso_utc(value)
    return str(value)


def _target(out: Path, report: ReconcileReport, suffix: str) -> Path:
    out = Path(out)
    is_dir = out.is_dir() or (not out.exists() and not out.suffix)
    safe = _UNSAFE.sub("_", report.run_id).strip("._") or "run"
    target = out / f"refsync-reconcile-{safe}.{suffix}" if is_dir else out
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


# -- JSON ------------------------------------------------------------------------------------


def report_document(report: ReconcileReport) -> dict[str, Any]:
    """The report as plain JSON values (``schema_version`` rises with any change of shape)."""
    r = report.result
    return {
        "schema": SCHEMA_NAME,
        "schema_version": SCHEMA_VERSION,
        "run": {
            "run_id": clean_text(report.run_id),
            "mapping": clean_text(report.mapping_name),
            "target": clean_text(report.target),
            "source": clean_optional(report.source_description),
            "started_at": iso_utc(report.started_at),
            "finished_at": iso_utc(report.finished_at),
        },
        "totals": {
            "remote": r.remote_count, "ledger": r.ledger_count, "source": r.source_count,
            "in_sync": r.in_sync, "recorded": report.recorded, "adopted": report.adopted,
            "written_back": report.written_back,
        },
        "counts": r.counts,
        "findings": [
            {**row, "drift": [
                {"path": clean_text(d.path), "sent": _json_value(d.sent),
                 "now": _json_value(d.now)} for d in finding.drift]}
            for row, finding in zip(report.rows(), r.findings, strict=True)
        ],
    }


def _json_value(value: Any) -> Any:
    """A drifted value as JSON, its text cleaned wherever it sits."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(str(k)): _json_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    return value if value is None or isinstance(value, bool | int | float) else clean_text(
        str(value))


def write_json(report: ReconcileReport, out: Path) -> Path:
    target = _target(out, report, "json")
    text = json.dumps(report_document(report), ensure_ascii=False, indent=1)
    with atomic_path(target) as tmp:
        tmp.write_text(text + "\n", encoding="utf-8")
    return target


# -- CSV -------------------------------------------------------------------------------------


def write_csv(report: ReconcileReport, out: Path) -> Path:
    """One line per finding; UTF-8 with a byte-order mark for Excel; no cell can be a formula."""
    target = _target(out, report, "csv")
    with atomic_path(target) as tmp, tmp.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for row in report.rows():
            writer.writerow(["" if v is None else neutralise(v) for v in row.values()])
    return target


# -- xlsx ------------------------------------------------------------------------------------


def _cell_text(value: Scalar) -> Scalar:
    if isinstance(value, str):
        if len(value) > MAX_CELL_TEXT:
            value = value[: MAX_CELL_TEXT - len(_CUT_MARK)] + _CUT_MARK
        return neutralise(value)
    return value


def _bold(ws: WriteOnlyWorksheet, value: Scalar) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=_cell_text(value))
    cell.font = _BOLD
    return cell


def write_xlsx(report: ReconcileReport, out: Path) -> Path:
    """A Summary sheet (provenance, totals, counts), then one sheet per category found."""
    target = _target(out, report, "xlsx")
    workbook = Workbook(write_only=True)
    workbook.properties.creator = "refsync"
    workbook.properties.created = datetime.now(UTC).replace(tzinfo=None)
    summary = workbook.create_sheet("Summary")
    summary.column_dimensions["A"].width = 26
    summary.column_dimensions["B"].width = 70
    summary.append([_bold(summary, "refsync reconcile report")])
    summary.append([])
    for label, value in report.facts():
        summary.append([_bold(summary, label), _cell_text(value)])
    summary.append([])
    summary.append([_bold(summary, "Category"), _bold(summary, "Findings")])
    for category, n in report.result.counts.items():
        summary.append([_cell_text(category), n])
    rows = report.rows()
    for category in Category:
        chosen = [row for row in rows if row["category"] == category.value]
        if not chosen:
            continue
        sheet = workbook.create_sheet(category.value)
        sheet.freeze_panes = "A2"
        sheet.append([_bold(sheet, name) for name in COLUMNS])
        for row in chosen:
            sheet.append([_cell_text(v) for v in row.values()])
    with atomic_path(target) as tmp:
        workbook.save(tmp)
    return target


# -- HTML ------------------------------------------------------------------------------------

_TEMPLATE = """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy"
      content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<link rel="icon" href="data:,">
<title>refsync reconcile {{ run_id }} · {{ mapping }}</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 1.5rem auto; max-width: 80rem;
         padding: 0 1rem; color: #1a1a1a; background: #fff; line-height: 1.4; }
  h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
  dt { font-weight: bold; } dd { margin: 0; overflow-wrap: anywhere; }
  table { border-collapse: collapse; margin: .5rem 0 1rem; }
  caption { text-align: left; font-weight: bold; padding: .25rem 0; }
  th, td { border: 1px solid #999; padding: .2rem .5rem; text-align: left; vertical-align: top; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
  td.detail { white-space: pre-wrap; overflow-wrap: anywhere; min-width: 22rem;
              max-width: 40rem; }
</style>
</head>
<body>
<main>
<h1>Reconciliation of {{ mapping }}</h1>
<dl>
{% for label, value in facts %}
  <dt>{{ label }}</dt><dd>{{ value }}</dd>
{% endfor %}
</dl>
<h2 id="counts">Findings per category</h2>
<table>
  <caption>Findings per category</caption>
  <thead><tr><th scope="col">Category</th><th scope="col" class="num">Findings</th></tr></thead>
  <tbody>
{% for category, n in counts %}
    <tr><td>{{ category }}</td><td class="num">{{ n }}</td></tr>
{% endfor %}
  </tbody>
</table>
{% for category, rows in sections %}
<section aria-labelledby="h-{{ category }}">
<h2 id="h-{{ category }}">{{ category }} ({{ rows | length }})</h2>
<table data-category="{{ category }}">
  <thead><tr>{% for name in columns %}<th scope="col">{{ name }}</th>{% endfor %}</tr></thead>
  <tbody>
{% for row in rows %}
    <tr>{% for name in columns %}<td{% if name == "detail" %} class="detail"{% endif %}>{{
      "" if row[name] is none else row[name] }}</td>{% endfor %}</tr>
{% endfor %}
  </tbody>
</table>
</section>
{% else %}
<p>Partner Center, the ledger and the source agree.</p>
{% endfor %}
</main>
</body>
</html>
"""
_ENV = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True,
                   lstrip_blocks=True, keep_trailing_newline=True)
_PAGE = _ENV.from_string(_TEMPLATE)


def render_html(report: ReconcileReport) -> str:
    rows = report.rows()
    sections = [(c.value, [r for r in rows if r["category"] == c.value]) for c in Category]
    return _PAGE.render(
        run_id=clean_text(report.run_id), mapping=clean_text(report.mapping_name),
        facts=report.facts(), counts=list(report.result.counts.items()),
        sections=[(c, r) for c, r in sections if r], columns=COLUMNS)


def write_html(report: ReconcileReport, out: Path) -> Path:
    target = _target(out, report, "html")
    with atomic_path(target) as tmp:
        tmp.write_text(render_html(report), encoding="utf-8")
    return target


def write_reconcile_reports(report: ReconcileReport, out_dir: Path) -> dict[str, Path]:
    """Write the workbook, CSV, JSON and HTML reports; return their paths by format name."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return {
        "xlsx": write_xlsx(report, out_dir),
        "csv": write_csv(report, out_dir),
        "json": write_json(report, out_dir),
        "html": write_html(report, out_dir),
    }


def render_summary(report: ReconcileReport) -> str:
    """A short plain-text table for the terminal: totals, then findings per category."""
    facts = dict(report.facts())
    lines = [f"reconcile {facts['Run']} of {facts['Mapping']}",
             f"  referrals listed {facts['Referrals listed']}, ledger entries "
             f"{facts['Ledger entries']}, source rows {facts['Source rows']}, "
             f"in sync {facts['In sync']}"]
    width = max(len(c.value) for c in Category)
    for category, n in report.result.counts.items():
        lines.append(f"  {category:<{width}}  {n:>6}")
    lines.append(f"  ledger entries updated {report.recorded} (adopted {report.adopted}), "
                 f"CRM rows written back {report.written_back}")
    return "\n".join(lines)
