"""Spreadsheet write-back: a results copy of the input plus Data Loader-style success/error files.

The input file is never modified. On :meth:`SpreadsheetWriteBack.close` the input is read again
with the very reader (and header row) the run used, and written out as:

* ``<stem>-results.xlsx`` (for .xlsx/.xlsm input; the data sheet's values, formulas' cached
  values, no macros; streamed by :mod:`connectors.writeback._xlsx`) or ``<stem>-results.csv``
  (same delimiter, UTF-8 with BOM so Excel opens it right), with the write-back columns
  appended to the header row, or filled in place when the input already has a column of that
  name (a results copy fed back in);
* ``<stem>-success.csv``: row number, referral id, status, sync time, then the row's own cells;
* ``<stem>-error.csv``: row number, status, error, then the row's own cells.

Every text cell written passes :func:`refsync.cells.neutralise`. All three files are written to
temporary names first and renamed together at the end, so a failure leaves no half-written file.
Results may arrive in any order and in any number of chunks; only the latest per row counts.
"""

from __future__ import annotations

import csv
import os
import re
import uuid
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from connectors.sources.delimited import CsvSource
from connectors.sources.workbook import WorkbookSource
from connectors.writeback._xlsx import SheetWriter
from connectors.writeback.columns import (
    FAILURE,
    SPREADSHEET_COLUMNS,
    SUCCESS,
    WriteBackColumns,
    error_text,
    iso,
    synced_at,
    utc_now,
)
from refsync.cells import neutralise
from refsync.errors import ConfigurationError, InputError
from refsync.records import RowResult

_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


@dataclass(frozen=True, slots=True)
class ResultFiles:
    """Where the write-back puts its three files."""

    copy: Path
    success: Path
    error: Path


def result_workbook_path(input_path: Path, output_dir: Path) -> Path:
    """Where the results copy of ``input_path`` goes (``leads.xlsm`` -> ``leads-results.xlsx``)."""
    delimited = input_path.suffix.lower() in (".csv", ".tsv", ".txt")
    suffix = input_path.suffix if delimited else ".xlsx"
    return output_dir / f"{input_path.stem}-results{suffix}"


def result_files(input_path: Path, output_dir: Path) -> ResultFiles:
    """All three output paths for ``input_path``."""
    return ResultFiles(
        copy=result_workbook_path(input_path, output_dir),
        success=output_dir / f"{input_path.stem}-success.csv",
        error=output_dir / f"{input_path.stem}-error.csv",
    )


def _cell(value: Any) -> Any:
    """A value as it may be written: empty as None, text neutralised and XML-safe."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return neutralise(_ILLEGAL_XML.sub("", value))
    if isinstance(value, datetime) and value.tzinfo is not None:
        return iso(value)
    return value


def _text(value: Any) -> str:
    """A value for a CSV field: neutralised text."""
    cleaned = _cell(value)
    if cleaned is None:
        return ""
    if isinstance(cleaned, float) and cleaned.is_integer():
        return str(int(cleaned))
    return str(cleaned)


class SpreadsheetWriteBack:
    """Collects results for a spreadsheet source; writes the copy and the CSVs on close()."""

    def __init__(
        self,
        source: WorkbookSource | CsvSource,
        output_dir: Path,
        *,
        columns: WriteBackColumns = SPREADSHEET_COLUMNS,
        expected_fingerprint: str | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.source = source
        self.columns = columns
        self.clock = clock
        self.files = result_files(source.path, output_dir)
        self.output_dir = output_dir
        if self.files.copy.resolve() == source.path.resolve():
            raise ConfigurationError(
                f"the results copy would overwrite the input {source.path}; choose another "
                "output directory"
            )
        if expected_fingerprint is not None and expected_fingerprint != source.fingerprint:
            raise InputError(
                f"{source.path.name} changed since it was read; results cannot be matched "
                "to its rows (run again on the current file)"
            )
        self._results: dict[int, RowResult] = {}
        self.unmatched_rows: list[int] = []
        self.closed = False

    def write(self, results: Sequence[RowResult]) -> None:
        """Remember each row's latest result; nothing touches the disk before close()."""
        if self.closed:
            raise RuntimeError("write-back already closed")
        for result in results:
            self._results[result.row_number] = result

    def close(self) -> None:
        """Write the copy, success.csv and error.csv (all or none)."""
        if self.closed:
            return
        self.closed = True
        self.output_dir.mkdir(parents=True, exist_ok=True)
        now = self.clock()
        finals = (self.files.copy, self.files.success, self.files.error)
        temps = [self._temp(path) for path in finals]
        try:
            self._write_all(temps, now)
        except BaseException:
            for path in temps:
                path.unlink(missing_ok=True)
            raise
        for temp, final in zip(temps, finals, strict=True):
            os.replace(temp, final)

    def _temp(self, final: Path) -> Path:
        """A hidden sibling of ``final``; created by its writer, so the umask applies."""
        return final.with_name(f".{final.name}.{uuid.uuid4().hex}.part")

    def _row_values(self, result: RowResult, now: datetime) -> list[Any]:
        return [
            result.remote_id,
            result.outcome.value,
            iso(synced_at(result, now)),
            error_text(result),
        ]

    def _write_all(self, temps: list[Path], now: datetime) -> None:
        source = self.source
        header_row = source.header.row_number
        table = list(source.header.columns)
        folded = [c.casefold() for c in table]
        first = source.first_column
        # Where each write-back column goes: in place if the table already has it, else appended.
        targets: list[int] = []
        appended: list[str] = []
        for name in self.columns.names():
            if name.casefold() in folded:
                targets.append(folded.index(name.casefold()))
            else:
                targets.append(len(table) + len(appended))
                appended.append(name)
        width = len(table) + len(appended)
        seen: set[int] = set()
        with ExitStack() as stack:
            copy = stack.enter_context(_copy_writer(source, temps[0]))
            success = csv.writer(_csv_file(stack, temps[1]), lineterminator="\r\n")
            error = csv.writer(_csv_file(stack, temps[2]), lineterminator="\r\n")
            c = self.columns
            success.writerow(["Row", c.referral_id, c.status, c.synced_at, *map(_text, table)])
            error.writerow(["Row", c.status, c.error, *map(_text, table)])
            for number, raw in source.rows():
                cells = list(raw[: len(table)]) + [None] * (width - min(len(raw), len(table)))
                if number == header_row:
                    for target, name in zip(targets, self.columns.names(), strict=True):
                        cells[target] = name
                result = self._results.get(number) if number > header_row else None
                if result is not None:
                    seen.add(number)
                    values = self._row_values(result, now)
                    for target, value in zip(targets, values, strict=True):
                        cells[target] = value
                    own = list(map(_text, raw[: len(table)]))
                    if result.outcome in SUCCESS:
                        success.writerow([number, *map(_text, values[:3]), *own])
                    elif result.outcome in FAILURE:
                        error.writerow([number, _text(values[1]), _text(values[3]), *own])
                copy(number, [None] * first + cells)
        self.unmatched_rows = sorted(set(self._results) - seen)


def _csv_file(stack: ExitStack, path: Path) -> IO[str]:
    return stack.enter_context(path.open("w", encoding="utf-8-sig", newline=""))


class _copy_writer:
    """Writes the results copy row by row in the input's format."""

    def __init__(self, source: WorkbookSource | CsvSource, path: Path) -> None:
        self.source = source
        self.path = path
        self.next_row = 1
        self._csv: Any = None
        self._file: IO[str] | None = None
        self._sheet: SheetWriter | None = None

    def __enter__(self) -> Callable[[int, list[Any]], None]:
        if isinstance(self.source, CsvSource):
            self._file = self.path.open("w", encoding="utf-8-sig", newline="")
            self._csv = csv.writer(
                self._file, delimiter=self.source.delimiter, lineterminator="\r\n"
            )
        else:
            self._sheet = SheetWriter(self.path, _sheet_title(self.source.sheet_name))
        return self.write

    def write(self, number: int, cells: list[Any]) -> None:
        while self.next_row < number:
            self._emit([])
        self._emit(cells)

    def _emit(self, cells: list[Any]) -> None:
        self.next_row += 1
        if self._csv is not None:
            self._csv.writerow([_text(v) for v in cells])
        else:
            assert self._sheet is not None
            self._sheet.append([_cell(v) for v in cells])

    def __exit__(self, *exc: object) -> None:
        if self._file is not None:
            self._file.close()
        if self._sheet is not None:
            if exc[0] is None:
                self._sheet.close()
            else:
                self._sheet.abort()


def _sheet_title(name: str) -> str:
    """Excel's sheet-name rules: at most 31 characters, none of ``[]:*?/\\``."""
    return re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "Sheet1"
