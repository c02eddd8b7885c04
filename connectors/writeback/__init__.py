"""Write-back: returned ids and outcomes go back to where the rows came from.

:func:`open_writeback` picks the implementation from the mapping's ``source:`` section:

* spreadsheets -> :class:`~connectors.writeback.workbook.SpreadsheetWriteBack` (a results copy
  next to success/error CSVs; the input is never touched; files appear on ``close()``);
* SQL -> :class:`~connectors.writeback.sql.SqlWriteBack` (batched UPDATEs in the CRM table, or
  upserts into a side table), writing what a sync writes (:data:`SYNC_WRITES`) or, for a
  reconciliation, the deals' endings (:data:`DEAL_STATUS_WRITES`).

Both satisfy :class:`refsync.protocols.WriteBack` and accept results in any order and chunking,
so a write-back can be replayed from the ledger long after the run that produced the results.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from connectors.sources import open_source
from connectors.sources.delimited import CsvSource
from connectors.sources.limits import InputLimits
from connectors.sources.workbook import WorkbookSource
from connectors.writeback.columns import (
    DEAL_STATUS_WRITES,
    SPREADSHEET_COLUMNS,
    SQL_COLUMNS,
    SYNC_WRITES,
    Fact,
    Pick,
    WriteBackColumns,
)
from connectors.writeback.sql import SqlWriteBack
from connectors.writeback.workbook import (
    ResultFiles,
    SpreadsheetWriteBack,
    result_files,
    result_workbook_path,
)
from refsync.errors import ConfigurationError
from refsync.source_spec import SourceSpec, SpreadsheetSourceSpec, SqlSourceSpec

__all__ = [
    "DEAL_STATUS_WRITES",
    "SPREADSHEET_COLUMNS",
    "SQL_COLUMNS",
    "SYNC_WRITES",
    "Fact",
    "Pick",
    "ResultFiles",
    "SpreadsheetWriteBack",
    "SqlWriteBack",
    "WriteBackColumns",
    "open_writeback",
    "result_files",
    "result_workbook_path",
]


def open_writeback(
    spec: SourceSpec,
    location: str | Path,
    *,
    output_dir: Path | None = None,
    columns: WriteBackColumns | None = None,
    key_column: str | None = None,
    limits: InputLimits | None = None,
    source: WorkbookSource | CsvSource | None = None,
    expected_fingerprint: str | None = None,
    table: str | None = None,
    side_table: str | None = None,
    writes: Mapping[Fact, Pick] = SYNC_WRITES,
    batch_size: int = 1000,
) -> SpreadsheetWriteBack | SqlWriteBack:
    """Open the write-back for the source a mapping reads.

    Args:
        spec: the mapping's ``source:`` section.
        location: the input file, or the SQLAlchemy URL.
        output_dir: spreadsheets: where the results copy and CSVs go (required).
        columns: write-back column names (defaults: ``ReferralId/Status/SyncedAt/Error`` in
            spreadsheets, ``referral_id/referral_status/referral_synced_at/referral_error`` in SQL).
        key_column, limits: spreadsheets: as given to :func:`connectors.sources.open_source`, so
            the copy finds the same header row; ignored when ``source`` is passed.
        source: spreadsheets: the already open source of the run (avoids reading it twice).
        expected_fingerprint: spreadsheets: the fingerprint recorded when the rows were read
            (a replay refuses a file that has changed since).
        table: SQL: the table to update; defaults to ``spec.table``.
        side_table: SQL: write to this table (created if missing) instead of the CRM table;
            a query source without ``table`` writes to a side table or nowhere. A new side
            table's key columns take the source's types (the table's, or the query result's).
        writes: SQL: which facts to write and how each is picked from a result (a spreadsheet
            copy always gets the four of a sync).
        batch_size: SQL: rows per executemany.

    Raises:
        ConfigurationError: missing output_dir, a query source without table or side
            table (or without its key columns), or write-back columns absent.
        InputError: the input file changed or is refused; the table does not exist.
        TransientError: the database could not be reached.
    """
    if isinstance(spec, SpreadsheetSourceSpec):
        if output_dir is None:
            raise ConfigurationError("a spreadsheet write-back needs an output directory")
        if source is None:
            opened = open_source(spec, location, limits=limits, key_column=key_column)
            assert isinstance(opened, WorkbookSource | CsvSource)
            source = opened
        return SpreadsheetWriteBack(
            source,
            Path(output_dir),
            columns=columns or SPREADSHEET_COLUMNS,
            expected_fingerprint=expected_fingerprint,
        )
    if isinstance(spec, SqlSourceSpec):
        return SqlWriteBack(
            str(location),
            table or spec.table,
            spec.primary_key,
            query=spec.query,
            columns=columns or SQL_COLUMNS,
            side_table=side_table,
            writes=writes,
            batch_size=batch_size,
        )
    kind = getattr(spec, "type", spec)
    raise ConfigurationError(f"unknown source type {kind!r}; valid: sql, spreadsheet")
