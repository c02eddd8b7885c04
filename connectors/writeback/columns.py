"""The four facts written back for every row, and what each outcome is called there.

Both write-backs (spreadsheet copy, SQL table) record the same things: the remote id, the row's
outcome in this run, when it was synced and the last error. Names are configurable because the
CRM's schema or the user's workbook may already call them something else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from refsync.records import Outcome, RowResult
from refsync.secrets import redact


@dataclass(frozen=True, slots=True)
class WriteBackColumns:
    """Names of the write-back columns."""

    referral_id: str = "ReferralId"
    status: str = "Status"
    synced_at: str = "SyncedAt"
    error: str = "Error"

    def names(self) -> tuple[str, str, str, str]:
        return (self.referral_id, self.status, self.synced_at, self.error)


SPREADSHEET_COLUMNS = WriteBackColumns()
SQL_COLUMNS = WriteBackColumns(
    referral_id="referral_id",
    status="referral_status",
    synced_at="referral_synced_at",
    error="referral_error",
)

SUCCESS = frozenset({Outcome.CREATED, Outcome.UPDATED, Outcome.UNCHANGED})
"""Outcomes listed in ``success.csv``; FILTERED rows are in neither file."""
FAILURE = frozenset(
    {Outcome.INVALID, Outcome.REJECTED, Outcome.FAILED, Outcome.HELD, Outcome.CONFLICT,
     Outcome.DUPLICATE}
)
"""Outcomes listed in ``error.csv``: each needs a person (or a later run) to act."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def synced_at(result: RowResult, now: datetime) -> datetime:
    """When the row was synced: the result's own time, else the write-back's (always UTC)."""
    moment = result.synced_at or now
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def iso(moment: datetime) -> str:
    """``2026-11-22T03:00:00Z``: unambiguous in a cell, sortable as text."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def error_text(result: RowResult) -> str | None:
    """The row's error, masked: errors may quote what a server echoed back."""
    return redact(result.error) if result.error else None
