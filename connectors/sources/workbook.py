"""The .xlsx/.xlsm source: calamine reads the cells, refsync decides what the table is.

calamine (Rust) gives each cell's cached value: a formula's last computed result, an Excel serial
date as a ``date``/``datetime`` when the cell has a date format, numbers as floats. On top of it
this module picks the sheet (the first *visible* worksheet unless the mapping names one: Dynamics
365 exports carry a hidden metadata sheet), fills merged ranges with their value the way a person
reads them and reports hidden columns (kept: they often hold the record id). Empty cells and
integral floats are cleaned per chunk (see :func:`connectors.sources._grid.to_frame`).

Everything that can refuse the file happens in the constructor (through
:func:`connectors.sources.open_source`), before a row is yielded.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Any

import pandas as pd
import python_calamine as calamine

from connectors.sources._grid import (
    GridReport,
    Header,
    RawRow,
    chunk_rows,
    column_letter,
    find_header,
)
from connectors.sources._ooxml import LYING_SIZE, Package, inspect_package
from connectors.sources.limits import InputLimits
from refsync.errors import InputError
from refsync.source_spec import SpreadsheetSourceSpec

Merge = tuple[int, int, int, int]  # first row, first col, last row, last col (0-based)


def file_fingerprint(path: Path) -> str:
    """sha256 of a file's bytes: the provenance of a run that read it."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


def _refusal(path: Path, exc: Exception, sheet: str | None = None) -> InputError:
    where = f"sheet {sheet!r} of {path.name}" if sheet else path.name
    if LYING_SIZE in str(exc):
        return InputError(
            f"{path.name} is refused: an entry inflates beyond the size its zip directory "
            "declares (a zip bomb or a corrupt file)"
        )
    return InputError(f"{where} is a corrupt .xlsx: {exc}")


class WorkbookSource:
    """One worksheet of an .xlsx/.xlsm file, as DataFrame chunks indexed by sheet row number."""

    kind = "xlsx"

    def __init__(
        self,
        path: Path,
        spec: SpreadsheetSourceSpec,
        *,
        key_column: str | None,
        limits: InputLimits,
    ) -> None:
        self.path = path
        self.spec = spec
        self.key_column = key_column
        self.limits = limits
        package = inspect_package(path, limits)
        # calamine releases the GIL while it parses, so the file hash costs no wall time.
        with ThreadPoolExecutor(max_workers=1) as pool:
            fingerprint = pool.submit(file_fingerprint, path)
            self._load()
            self.fingerprint = fingerprint.result()
        try:
            self._locate_table(package)
        except BaseException:
            self._workbook.close()  # a refused file leaves nothing open
            raise

    def _locate_table(self, package: Package) -> None:
        limits = self.limits
        self.description = f"{self.path.name}, sheet {self.sheet_name!r}"
        if self._sheet.height > limits.max_rows + 1:
            raise InputError(
                f"{self.description} has {self._sheet.height} rows; "
                f"the limit is {limits.max_rows} data rows"
            )
        start = self._sheet.start
        self.first_column = start[1] if start else 0
        self._merges = self._merged_ranges()
        self.header: Header = find_header(
            self.rows(), self.spec, key_column=self.key_column, first_column=self.first_column,
            limits=limits, what=self.description,
        )[0]
        part = package.sheet_parts.get(self.sheet_name, "")
        hidden = package.hidden_columns.get(part, frozenset())
        self.hidden_columns = tuple(
            name
            for offset, name in enumerate(self.header.columns)
            if self.first_column + offset in hidden
        )
        self.report = GridReport(
            header_row=self.header.row_number,
            columns=self.header.columns,
            hidden_columns=self.hidden_columns,
        )

    def _load(self) -> None:
        try:
            self._workbook = calamine.CalamineWorkbook.from_path(str(self.path))
        except calamine.CalamineError as exc:
            raise _refusal(self.path, exc) from exc
        try:
            self.sheet_name, self.skipped_sheets = self._choose_sheet()
            self._sheet = self._workbook.get_sheet_by_name(self.sheet_name)
        except calamine.CalamineError as exc:
            self._workbook.close()
            raise _refusal(self.path, exc, getattr(self, "sheet_name", None)) from exc
        except BaseException:
            self._workbook.close()
            raise

    def _choose_sheet(self) -> tuple[str, tuple[str, ...]]:
        metadata = self._workbook.sheets_metadata
        names = [m.name for m in metadata]
        wanted = self.spec.sheet
        if wanted is None:
            hidden = tuple(
                m.name for m in metadata if m.visible != calamine.SheetVisibleEnum.Visible
            )
            for m in metadata:
                if (
                    m.visible == calamine.SheetVisibleEnum.Visible
                    and m.typ == calamine.SheetTypeEnum.WorkSheet
                ):
                    return m.name, hidden
            raise InputError(
                f"{self.path.name} has no visible worksheet (sheets: {', '.join(names)}); "
                "name the sheet in the mapping"
            )
        if isinstance(wanted, int):
            if 0 <= wanted < len(names):
                return names[wanted], ()
            raise InputError(
                f"{self.path.name} has no sheet number {wanted} (0-based; it has {len(names)}: "
                f"{', '.join(names)})"
            )
        if wanted in names:
            return wanted, ()
        folded = {n.casefold(): n for n in names}
        if wanted.casefold() in folded:
            return folded[wanted.casefold()], ()
        raise InputError(
            f"{self.path.name} has no sheet {wanted!r} (sheets: {', '.join(names)})"
        )

    def _merged_ranges(self) -> dict[int, list[Merge]]:
        by_row: dict[int, list[Merge]] = {}
        for (r0, c0), (r1, c1) in self._sheet.merged_cell_ranges or ():
            merge = (r0, c0 - self.first_column, r1, c1 - self.first_column)
            for row in range(r0, r1 + 1):
                by_row.setdefault(row, []).append(merge)
        return by_row

    def rows(self) -> Iterator[RawRow]:
        """Every row of the sheet from row 1: ``(row_number, cells)``, calamine's raw values."""
        merges = self._merges
        anchors: dict[tuple[int, int], Any] = {}
        for index, row in enumerate(self._sheet.iter_rows()):
            cells: list[Any] = row
            if index in merges:
                for r0, c0, _r1, c1 in merges[index]:
                    if index == r0:
                        anchors[(r0, c0)] = cells[c0] if 0 <= c0 < len(cells) else None
                    value = anchors.get((r0, c0))
                    for col in range(max(c0, 0), min(c1 + 1, len(cells))):
                        cells[col] = value
            yield index + 1, cells

    def chunks(self, chunk_size: int) -> Iterator[pd.DataFrame]:
        """DataFrames of at most ``chunk_size`` data rows, indexed by sheet row number."""
        report = GridReport(
            header_row=self.header.row_number,
            columns=self.header.columns,
            hidden_columns=self.hidden_columns,
        )
        self.report = report
        header, rows = find_header(
            self.rows(), self.spec, key_column=self.key_column,
            first_column=self.first_column, limits=self.limits, what=self.description,
        )
        yield from chunk_rows(rows, header, self.spec, report, chunk_size)

    def column_letter(self, offset: int) -> str:
        """The sheet letter of the table's ``offset``-th column."""
        return column_letter(self.first_column + offset)

    @property
    def notes(self) -> list[str]:
        notes = self.report.notes()
        if self.skipped_sheets:
            notes.insert(0, f"hidden sheets skipped: {', '.join(self.skipped_sheets)}")
        return notes

    def close(self) -> None:
        self._workbook.close()

    def __enter__(self) -> WorkbookSource:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
