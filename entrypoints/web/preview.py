"""What a send would do, row by row, before anything is sent.

The preview reads the stored upload through the kind's mapping exactly as the send will (same
source reader, same compiled mapping), and plans every valid row against the ledger with the
planner the engine uses, so "will be sent" here means what the send will do. Nothing is written:
no ledger row, no lock, no request.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from connectors.sources import InputLimits, open_source
from entrypoints.web.kinds import InviteKind, column_present
from refsync.ledger import EntryState, Ledger
from refsync.mapping import compile_mapping
from refsync.mapping.targets import target_info
from refsync.planner import Action, plan_row
from refsync.policies import update_policy
from refsync.records import MappedRow

SEND, SKIP, REFUSE = "send", "skip", "refuse"
_CHUNK = 1000


@dataclass(frozen=True, slots=True)
class Cell:
    text: str
    error: str | None = None


@dataclass(frozen=True, slots=True)
class PreviewRow:
    """One sheet row: its cells (bad ones carry the reason), what will happen, and why."""

    row_number: int
    key: str | None
    cells: tuple[Cell, ...]
    status: str
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Preview:
    columns: tuple[str, ...]
    rows: tuple[PreviewRow, ...]
    counts: dict[str, int] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def to_send(self) -> int:
        return self.counts.get(SEND, 0)


def cell_text(value: Any) -> str:
    """A cell as a person reads it: empty for missing values, ISO dates, no trailing ``.0``."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def build_preview(kind: InviteKind, path: Path, ledger: Ledger, *, limits: InputLimits,
                  resend: bool = False) -> Preview:
    """Map every row of the upload and plan it against the ledger; send nothing.

    Raises:
        InputError: the file is refused as a whole (size, rows, corrupt, key column missing).
        ConfigurationError: a column the mapping reads is missing from the sheet.
    """
    compiled = compile_mapping(kind.spec)
    policy = update_policy(kind.target, resend=resend)
    source = open_source(kind.spec.source, path, key_column=kind.spec.source_key_column,
                         limits=limits)
    key_field = target_info(kind.target).key_field
    key_column = (kind.spec.key, key_field)
    rows: list[PreviewRow] = []
    columns: tuple[str, ...] = ()
    first_of_key: dict[str, int] = {}
    try:
        for frame in source.chunks(_CHUNK):
            columns = tuple(str(c) for c in frame.columns)
            aliases = _aliases(kind, columns)
            mapped = compiled.map_frame(frame)
            valid: list[MappedRow] = []
            screened: dict[int, tuple[str, tuple[str, ...]]] = {}
            for row in mapped:
                if row.filtered:
                    screened[row.row_number] = (SKIP, ("left out by the mapping's filter",))
                elif not row.is_valid or row.key is None:
                    screened[row.row_number] = (REFUSE, tuple(str(e) for e in row.errors)
                                                or ("no key",))
                elif first_of_key.setdefault(row.key, row.row_number) != row.row_number:
                    screened[row.row_number] = (
                        REFUSE, (f"{row.key} is already on row {first_of_key[row.key]}; "
                                 "sent once",))
                else:
                    valid.append(row)
            entries = ledger.entries(kind.target, [r.key for r in valid if r.key])
            for row in valid:
                entry = entries.get(row.key or "")
                planned = plan_row(row, entry, policy)
                if planned.action is Action.SKIP:
                    already = entry is not None and entry.state is EntryState.SYNCED
                    reason = "already invited" if already else (planned.reason or "unchanged")
                    screened[row.row_number] = (SKIP, (reason,))
                elif planned.action is Action.HOLD:
                    screened[row.row_number] = (SKIP, (planned.reason or "held",))
                else:
                    note = ("resent" if entry is not None else None) or planned.reason
                    screened[row.row_number] = (SEND, (note,) if note else ())
            by_number = {row.row_number: row for row in mapped}
            for number, values in zip(frame.index, frame.itertuples(index=False), strict=True):
                mapped_row = by_number[int(number)]
                status, reasons = screened[int(number)]
                rows.append(_row(mapped_row, columns, values, status, reasons, key_column,
                                 aliases))
        notes = tuple(getattr(source, "notes", ()))
    finally:
        source.close()
    counts = Counter(r.status for r in rows)
    return Preview(columns=columns, rows=tuple(rows),
                   counts={s: counts.get(s, 0) for s in (SEND, SKIP, REFUSE)}, notes=notes)


def _aliases(kind: InviteKind, columns: tuple[str, ...]) -> dict[str, str]:
    """The mapping's column names (folded) -> the sheet's own headers, for other spellings."""
    found = {alts[0].casefold(): column_present(alts, columns) for alts in kind.needed_columns()}
    return {name: header for name, header in found.items() if header is not None}


def _row(row: MappedRow, columns: tuple[str, ...], values: tuple[Any, ...], status: str,
         reasons: tuple[str, ...], key: tuple[str, str], aliases: dict[str, str]) -> PreviewRow:
    """Attach each error to the cell it is about; errors about no cell stay with the row.

    ``key`` is the key column and the payload field it fills: an error about that field is an
    error about the key's cell even when the model named no column.
    """
    by_column: dict[str, list[str]] = {}
    loose: list[str] = []
    folded = {c.casefold(): c for c in columns}
    key_column, key_field = key
    for error in row.errors:
        named = error.column or (key_column if error.field == key_field else "")
        column = folded.get(named.casefold()) or aliases.get(named.casefold())
        if column is None:
            loose.append(str(error))
        else:
            by_column.setdefault(column, []).append(error.message)
    cells = tuple(
        Cell(cell_text(value), "; ".join(by_column[name]) if name in by_column else None)
        for name, value in zip(columns, values, strict=True)
    )
    if status == REFUSE and row.errors:
        reasons = tuple(str(e) for e in row.errors)
    elif loose:
        reasons = (*reasons, *loose)
    return PreviewRow(row.row_number, row.key, cells, status, reasons)
