"""Turning a grid of cells (an .xlsx sheet or a CSV file) into DataFrame chunks.

Both spreadsheet readers produce the same thing: ``(row_number, cells)`` pairs in sheet order,
empty cells as ``None``. What a person sees in such a grid is shared logic and lives here:

* **the header row**: given by the mapping, or the first row holding the key column, or else the
  first row that looks like a header (several text cells, as wide as the table below it). Title
  rows, blank rows and notes above it are ignored.
* **data rows**: every non-blank row below the header, indexed by its row number so that reports
  point at the row a person finds in the file. Rows starting with one of the mapping's skip
  prefixes ("Example:") are dropped and counted.
* **footers**: a report's totals and notes under the table. A row is a footer only when no keyed
  row follows it *and* it is a totals row ("Total", "Grand total", "Sum", ...) or sits below a
  blank line. A keyless row directly under the data is kept, so the mapping reports it rather than
  the reader silently dropping it. A note *in the key column* below the table counts as a keyed
  row and reaches the mapping (which reports it as invalid): nothing with a key is dropped
  silently.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from connectors.sources.limits import InputLimits
from refsync.errors import InputError
from refsync.source_spec import SpreadsheetSourceSpec

RawRow = tuple[int, list[Any]]
"""A 1-based row number and the row's cells; an empty cell is ``None`` or ``""``.

Readers hand over cells as they come (calamine's ``""`` for an empty cell included): the
per-cell clean-up happens once per chunk, column-wise, in :func:`to_frame`.
"""

HEADER_SCAN_ROWS = 50
"""How far down the header row is looked for: title blocks are a few rows, never pages."""

_TOTALS = re.compile(
    r"^\s*(grand\s+|sub-?\s*)?(totals?|sum|summe|gesamt|count|average)\b", re.IGNORECASE
)
_TOTALS_INITIALS = frozenset(" \t\n\r\xa0gGsStTcCaA")


def column_letter(index: int) -> str:
    """Spreadsheet letters of a 0-based column index: 0 -> A, 27 -> AB."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _empty(value: Any) -> bool:
    return value is None or value == ""


def _blank(cells: list[Any]) -> bool:
    return cells.count(None) + cells.count("") == len(cells)


def _header_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _filled(cells: Sequence[Any]) -> int:
    return sum(1 for value in cells if not _empty(value))


def _looks_like_header(cells: Sequence[Any], widest: int) -> bool:
    texts = [value for value in cells if not _empty(value)]
    return (
        len(texts) >= 2
        and all(isinstance(value, str) for value in texts)
        and len(texts) * 2 >= widest
    )


@dataclass(slots=True)
class GridReport:
    """What the reader noticed and a person should be told (shown in the run report)."""

    header_row: int = 0
    columns: tuple[str, ...] = ()
    hidden_columns: tuple[str, ...] = ()
    skipped_rows: list[int] = field(default_factory=list)
    footer_rows: list[int] = field(default_factory=list)
    data_rows: int = 0

    def notes(self) -> list[str]:
        """Human sentences for the report: nothing here is an error, all of it is a surprise."""
        notes = []
        if self.hidden_columns:
            notes.append(f"hidden columns read: {', '.join(self.hidden_columns)}")
        if self.skipped_rows:
            notes.append(f"rows skipped by prefix: {_rows(self.skipped_rows)}")
        if self.footer_rows:
            notes.append(f"footer rows below the table ignored: {_rows(self.footer_rows)}")
        return notes


def _rows(numbers: Sequence[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:10])
    return shown + (f" and {len(numbers) - 10} more" if len(numbers) > 10 else "")


@dataclass(frozen=True, slots=True)
class Header:
    """Where the table starts and what its columns are called."""

    row_number: int
    columns: tuple[str, ...]
    key_index: int | None


def find_header(
    rows: Iterator[RawRow],
    spec: SpreadsheetSourceSpec,
    *,
    key_column: str | None,
    first_column: int,
    limits: InputLimits,
    what: str,
) -> tuple[Header, Iterator[RawRow]]:
    """Locate the header row; return it and the rows below it (not yet consumed).

    Raises:
        InputError: the sheet is empty, no header row can be found, the key column is missing,
            or the header names a column twice.
    """
    head: list[RawRow] = []
    header: RawRow | None = None
    for row in rows:
        head.append(row)
        number, cells = row
        if spec.header_row is not None:
            if number == spec.header_row:
                header = row
                break
            if number > spec.header_row:
                break
        elif key_column is not None and any(
            _header_text(v).casefold() == key_column.casefold() for v in cells
        ):
            header = row
            break
        if len(head) >= HEADER_SCAN_ROWS and spec.header_row is None:
            break
    if not any(_filled(cells) for _, cells in head):
        raise InputError(f"{what} is empty: no cells with values")
    if header is None and spec.header_row is None and key_column is None:
        widest = max(_filled(cells) for _, cells in head)
        header = next((r for r in head if _looks_like_header(r[1], widest)), None)
        if header is not None:
            rest = head[head.index(header) + 1 :]
            rows = _chain(rest, rows)
    if header is None:
        raise InputError(_no_header_message(what, spec, key_column, head))
    if not _filled(header[1]):
        raise InputError(f"{what}: header row {header[0]} is empty")
    columns = _column_names(header[1], first_column, what, header[0])
    if len(columns) > limits.max_columns:
        raise InputError(
            f"{what} has {len(columns)} columns; the limit is {limits.max_columns}"
        )
    key_index = None
    if key_column is not None:
        folded = [c.casefold() for c in columns]
        if key_column.casefold() not in folded:
            raise InputError(
                f"{what}: key column {key_column!r} is not in header row {header[0]} "
                f"(columns: {', '.join(columns)})"
            )
        key_index = folded.index(key_column.casefold())
    return Header(header[0], columns, key_index), rows


def _chain(first: list[RawRow], rest: Iterator[RawRow]) -> Iterator[RawRow]:
    yield from first
    yield from rest


def _no_header_message(
    what: str, spec: SpreadsheetSourceSpec, key_column: str | None, head: list[RawRow]
) -> str:
    if spec.header_row is not None:
        return f"{what} has no row {spec.header_row} (header_row in the mapping)"
    if key_column is not None:
        return (
            f"{what}: key column {key_column!r} not found in the first {len(head)} rows; "
            "set header_row in the mapping if the header is further down"
        )
    return (
        f"{what}: no header row found in the first {len(head)} rows "
        "(a row of column names); set header_row in the mapping"
    )


def _column_names(cells: Sequence[Any], first_column: int, what: str, row: int) -> tuple[str, ...]:
    names: list[str] = []
    seen: dict[str, str] = {}
    for offset, value in enumerate(cells):
        letter = column_letter(first_column + offset)
        name = _header_text(value) or f"Column {letter}"
        folded = name.casefold()
        if folded in seen:
            raise InputError(
                f"{what}: header row {row} names column {name!r} twice "
                f"(columns {seen[folded]} and {letter}); rename one of them"
            )
        seen[folded] = letter
        names.append(name)
    return tuple(names)


def chunk_rows(
    rows: Iterable[RawRow],
    header: Header,
    spec: SpreadsheetSourceSpec,
    report: GridReport,
    chunk_size: int,
) -> Iterator[pd.DataFrame]:
    """Yield DataFrames of at most ``chunk_size`` data rows, footers and skipped rows removed.

    Rows are copied into a preallocated object grid as they arrive rather than collected as
    lists: the row lists then die young instead of piling up for the garbage collector to scan
    again and again (this halves the cost of a large sheet).
    """
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    width = len(header.columns)
    columns = header.columns
    key = header.key_index
    prefixes = spec.skip_rows_starting_with
    chunk = _Chunk(chunk_size, width)
    pending: list[RawRow] = []  # keyless or blank rows that are footers unless a keyed row follows
    fast_key = key if (key is not None and not prefixes) else None
    for number, cells in rows:
        if len(cells) != width:
            cells = (cells + [None] * width)[:width]
        if fast_key is not None:
            # The common case, decided from two cells: a key, and a first cell that cannot
            # start a totals row (the regex runs only when the first letter could).
            value, first = cells[fast_key], cells[0]
            fast = (
                value is not None and value != "" and first is not None and first != ""
                and not (type(first) is str and first[:1] in _TOTALS_INITIALS)
            )
        else:
            fast = False
        if not fast:
            blank = _blank(cells)
            if (
                not blank and prefixes and isinstance(cells[0], str)
                and cells[0].startswith(prefixes)
            ):
                report.skipped_rows.append(number)
                continue
            if blank or not _is_keyed(cells, key):
                pending.append((number, cells))
                continue
        if pending:
            for held_number, held in pending:
                if not _blank(held) and chunk.add(held_number, held):
                    report.data_rows += chunk.size
                    yield chunk.frame(columns)
            pending.clear()
        if chunk.add(number, cells):
            report.data_rows += chunk.size
            yield chunk.frame(columns)
    footer = False
    for number, cells in pending:
        blank = _blank(cells)
        footer = footer or blank or _is_totals(cells)
        if blank:
            continue
        if footer:
            report.footer_rows.append(number)
        elif chunk.add(number, cells):
            report.data_rows += chunk.size
            yield chunk.frame(columns)
    if chunk.size:
        report.data_rows += chunk.size
        yield chunk.frame(columns)


class _Chunk:
    """Rows gathered for one DataFrame: an object grid filled row by row, and row numbers.

    The grid starts small and doubles up to the chunk size, so a huge ``chunk_size`` over a
    small file costs nothing.
    """

    __slots__ = ("capacity", "grid", "numbers", "width")
    START = 1024

    def __init__(self, capacity: int, width: int) -> None:
        self.capacity = capacity
        self.width = width
        self.grid: np.ndarray[Any, Any] = self._grid(min(capacity, self.START))
        self.numbers: list[int] = []

    def _grid(self, rows: int) -> np.ndarray[Any, Any]:
        return np.empty((rows, self.width), dtype=object)

    @property
    def size(self) -> int:
        return len(self.numbers)

    def add(self, number: int, cells: list[Any]) -> bool:
        """Store one row; True when the chunk is full."""
        filled = len(self.numbers)
        if filled == len(self.grid):
            bigger = self._grid(min(self.capacity, filled * 2))
            bigger[:filled] = self.grid
            self.grid = bigger
        self.grid[filled] = cells
        self.numbers.append(number)
        return len(self.numbers) == self.capacity

    def frame(self, columns: tuple[str, ...]) -> pd.DataFrame:
        """The gathered rows as a DataFrame; the chunk starts afresh."""
        frame = to_frame(self.grid[: len(self.numbers)], self.numbers, columns)
        self.grid = self._grid(min(self.capacity, self.START))
        self.numbers = []
        return frame


def to_frame(
    grid: np.ndarray[Any, Any], numbers: list[int], columns: tuple[str, ...]
) -> pd.DataFrame:
    """One chunk as an object DataFrame: empty cells become None, integral floats ints.

    Spreadsheets store every number as a float, so an account number reads as ``10023.0``;
    turning integral floats back into ints keeps such keys readable. Done column-wise and only
    for the columns that hold floats at all, because it runs over every cell of the input.
    """
    grid[grid == ""] = None
    for j in range(grid.shape[1]):
        column = grid[:, j]
        if float in set(map(type, column)):
            grid[:, j] = [
                int(v) if type(v) is float and v.is_integer() else v for v in column
            ]
    return pd.DataFrame(
        grid,
        index=pd.Index(numbers, name="row"),
        columns=pd.Index(columns, dtype=object),
        dtype=object,
        copy=False,
    )


def _is_keyed(cells: Sequence[Any], key: int | None) -> bool:
    if key is not None and _empty(cells[key]):
        return False
    return not _is_totals(cells)


def _is_totals(cells: Sequence[Any]) -> bool:
    first = next((v for v in cells if not _empty(v)), None)
    return isinstance(first, str) and _TOTALS.match(first) is not None
