"""The one place where report values are made safe to show.

Every writer takes its rows (``RunReport.shown_rows``, built here once per report) and provenance
from here, so a secret masked for the CSV is masked in the workbook, the JSON and the HTML too.
Text is cleaned in this order: control characters that no spreadsheet or XML file can hold become
U+FFFD, credentials inside URLs are masked, then :func:`refsync.secrets.redact` masks bearer
tokens, JWTs and ``key=value`` secrets. Formula neutralisation is left to the spreadsheet
writers, since JSON and HTML readers need the real text.
"""

from __future__ import annotations

import math
import numbers
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from refsync.records import Outcome, RowResult
from refsync.secrets import redact

if TYPE_CHECKING:
    from refsync.reports.model import RunReport

#: Column order of every tabular format (CSV, workbook sheets, HTML tables, JSON row keys).
COLUMNS: tuple[str, ...] = (
    "row_number",
    "key",
    "outcome",
    "remote_id",
    "remote_status",
    "request_id",
    "synced_at",
    "error",
    "source_id",
)

# C0 controls (and DEL) other than tab, newline and carriage return: XML 1.0, and so xlsx, cannot
# hold them, and they mean nothing to a reader.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

Scalar = str | int | float | bool | None


def clean_text(text: str) -> str:
    """Text fit for any report: printable, with secrets and URL passwords masked."""
    text = _CONTROL.sub("\ufffd", text)
    return redact(text)


def clean_optional(text: str | None) -> str | None:
    return None if text is None else clean_text(str(text))


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC with a ``Z`` suffix; a naive time is taken to be UTC already."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _scalar(value: Any) -> Scalar:
    """One source-id part as a JSON-safe scalar.

    Source ids come from DataFrames, so numpy and pandas scalars are expected: numbers become
    Python numbers, missing values (``NaN``, ``NaT``, ``pd.NA``) become ``None``, times become ISO
    text, anything else cleaned text.
    """
    if value is None:
        return None
    missing = pd.isna(value)
    if isinstance(missing, bool | np.bool_) and missing:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        return number if math.isfinite(number) else str(number)
    if isinstance(value, datetime):
        return iso_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    return clean_text(str(value))


@dataclass(frozen=True, slots=True)
class ReportRow:
    """One input row as every format shows it: cleaned text, UTC time, JSON-safe source id."""

    row_number: int
    key: str | None
    outcome: Outcome
    remote_id: str | None
    remote_status: str | None
    request_id: str | None
    synced_at: datetime | None
    error: str | None
    source_id: tuple[Scalar, ...]

    @classmethod
    def of(cls, result: RowResult) -> ReportRow:
        synced = result.synced_at
        if synced is not None:
            synced = (synced if synced.tzinfo else synced.replace(tzinfo=UTC)).astimezone(UTC)
        return cls(
            row_number=int(result.row_number),
            key=clean_optional(result.key),
            outcome=Outcome(result.outcome),
            remote_id=clean_optional(result.remote_id),
            remote_status=clean_optional(result.remote_status),
            request_id=clean_optional(result.request_id),
            synced_at=synced,
            error=clean_optional(result.error),
            source_id=tuple(_scalar(part) for part in result.source_id),
        )

    def source_id_text(self) -> str | None:
        """The source id in one cell: the value itself, or ``a | b`` for a composite key."""
        if not self.source_id:
            return None
        return " | ".join("" if part is None else str(part) for part in self.source_id)

    def flat(self) -> tuple[Scalar, ...]:
        """Values in :data:`COLUMNS` order, times as ISO text, for flat formats."""
        return (
            self.row_number,
            self.key,
            self.outcome.value,
            self.remote_id,
            self.remote_status,
            self.request_id,
            None if self.synced_at is None else iso_utc(self.synced_at),
            self.error,
            self.source_id_text(),
        )


def provenance_items(report: RunReport) -> list[tuple[str, str]]:
    """Labelled provenance lines shared by the workbook's Summary sheet and the HTML page."""
    duration = (report.finished_at - report.started_at).total_seconds()
    return [
        ("Run id", clean_text(report.run_id)),
        ("Target", report.target.value),
        ("Mapping", clean_text(report.mapping_name)),
        ("Mapping version", clean_text(report.mapping_version)),
        ("Mapping checksum", clean_text(report.mapping_checksum)),
        ("Source", clean_text(report.source_description)),
        ("Source fingerprint", clean_text(report.source_fingerprint)),
        ("refsync version", clean_text(report.refsync_version)),
        ("Started (UTC)", iso_utc(report.started_at)),
        ("Finished (UTC)", iso_utc(report.finished_at)),
        ("Duration (s)", f"{duration:.3f}"),
        ("Complete", "yes" if report.complete else "no: the run stopped before every row"),
        ("Rows", str(report.total)),
    ]
