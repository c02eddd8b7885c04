"""The facts written back for every row, the columns they go to, and how each is picked.

Both write-backs (spreadsheet copy, SQL table) record the same four facts of a sync: the remote
id, the row's outcome in this run, when it was synced and the last error. A SQL source may also
have a fifth, ``deal_status``: how the deal ended in Partner Center (Won, Lost, Declined,
Expired), which only a reconciliation writes. It has a column of its own because every sync
rewrites the status column with its outcome; an ending kept there would last one night.

Names are configurable because the CRM's schema or the user's workbook may already call them
something else; two facts never share a column.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from enum import StrEnum
from types import MappingProxyType

from refsync.errors import ConfigurationError
from refsync.records import Outcome, RowResult
from refsync.secrets import redact


class Fact(StrEnum):
    """One thing a write-back can record about a row; its column is named in
    :class:`WriteBackColumns` under the same name."""

    REFERRAL_ID = "referral_id"
    STATUS = "status"
    SYNCED_AT = "synced_at"
    ERROR = "error"
    DEAL_STATUS = "deal_status"


@dataclass(frozen=True, slots=True)
class WriteBackColumns:
    """Names of the write-back columns; ``deal_status`` only where the mapping names one.

    Raises:
        ConfigurationError: two facts would share a column (one would overwrite the other).
    """

    referral_id: str = "ReferralId"
    status: str = "Status"
    synced_at: str = "SyncedAt"
    error: str = "Error"
    deal_status: str | None = None

    def __post_init__(self) -> None:
        seen: dict[str, str] = {}
        for item in fields(self):
            name = getattr(self, item.name)
            if name is None:
                continue
            if name in seen:
                raise ConfigurationError(
                    f"write-back column {name!r} is named for both {seen[name]} and "
                    f"{item.name}; each needs a column of its own")
            seen[name] = item.name

    def names(self) -> tuple[str, str, str, str]:
        """The four columns a sync writes, in :class:`Fact` order."""
        return (self.referral_id, self.status, self.synced_at, self.error)

    def column(self, fact: Fact) -> str | None:
        """The column ``fact`` goes to; None for a ``deal_status`` the mapping does not name."""
        name: str | None = getattr(self, fact.value)
        return name

    def configured(self) -> dict[Fact, str]:
        """Every fact that has a column, with it: what a side table is made of."""
        return {fact: name for fact in Fact if (name := self.column(fact)) is not None}


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


Pick = Callable[[RowResult, datetime], object]
"""How a write-back takes one fact's value from a result; ``now`` is the write-back's clock."""


def _remote_id(result: RowResult, now: datetime) -> str | None:
    return result.remote_id


def _outcome(result: RowResult, now: datetime) -> str:
    return result.outcome.value


def _error(result: RowResult, now: datetime) -> str | None:
    return error_text(result)


def _deal_ending(result: RowResult, now: datetime) -> str | None:
    return result.remote_status


SYNC_WRITES: Mapping[Fact, Pick] = MappingProxyType({
    Fact.REFERRAL_ID: _remote_id,
    Fact.STATUS: _outcome,
    Fact.SYNCED_AT: synced_at,
    Fact.ERROR: _error,
})
"""What a sync (and its replay) writes: id, outcome, sync time, error; never ``deal_status``."""

DEAL_STATUS_WRITES: Mapping[Fact, Pick] = MappingProxyType({
    Fact.REFERRAL_ID: _remote_id,
    Fact.DEAL_STATUS: _deal_ending,
})
"""What a reconciliation writes: the referral's id and the deal's ending, which
:func:`refsync.reconcile.status_results` carries in ``RowResult.remote_status``."""
