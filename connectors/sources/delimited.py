"""The .csv source: encodings, delimiters and quoting as real exports produce them.

CSV files carry no declaration of their encoding or delimiter, so both are inferred, unless the
mapping names them:

* **encoding**: a byte-order mark decides (UTF-8, UTF-16 LE/BE); UTF-16 without a BOM is
  recognised by its zero bytes; otherwise the whole file must decode as UTF-8, or else as
  Windows-1252 (what Excel writes on Western Windows). A file that is neither is refused rather
  than read as mojibake.
* **delimiter**: the candidate (``,`` ``;`` tab ``|``) that splits most of the first rows into the
  same number of fields, more than one.

A first pass over the file validates all of this and counts records, so that a broken file is
refused before a single row is yielded. Quoted fields may hold delimiters and line breaks; line
endings may be LF, CRLF or CR. The row number of a record is its position in the file (what a
spreadsheet shows when it opens the CSV), not its line number.
"""

from __future__ import annotations

import codecs
import csv
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

import pandas as pd

from connectors.sources._grid import GridReport, Header, RawRow, chunk_rows, find_header
from connectors.sources.limits import InputLimits
from connectors.sources.workbook import file_fingerprint
from refsync.errors import InputError
from refsync.source_spec import SpreadsheetSourceSpec

DELIMITERS = (",", ";", "\t", "|")
_SAMPLE_CHARS = 64 * 1024
_FALLBACK = "cp1252"


def detect_encoding(path: Path, sample: bytes) -> str:
    """Name the codec that reads the whole file (see module docstring for the order tried).

    Raises:
        InputError: binary content, or bytes that are neither UTF-8 nor Windows-1252.
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    head = sample[:4096]
    if b"\x00" in head:
        even, odd = head[0::2].count(0), head[1::2].count(0)
        if odd > len(head) // 4 and even == 0:
            return "utf-16-le"
        if even > len(head) // 4 and odd == 0:
            return "utf-16-be"
        raise InputError(f"{path.name} is not a text file (it contains NUL bytes)")
    for encoding in ("utf-8", _FALLBACK):
        if _decodes(path, encoding):
            return encoding
    raise InputError(
        f"{path.name}: unreadable encoding: neither UTF-8 nor Windows-1252; "
        "save it as 'CSV UTF-8' or name the encoding in the mapping"
    )


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        with path.open("rb") as handle:
            while block := handle.read(1024 * 1024):
                decoder.decode(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def sniff_delimiter(text: str) -> str:
    """The candidate delimiter that gives most sample rows the same field count (> 1)."""
    lines = text.splitlines(keepends=True)
    if len(lines) > 1 and len(text) >= _SAMPLE_CHARS:
        lines = lines[:-1]  # the sample may end mid-record
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        try:
            widths = [
                len(r) for r in csv.reader(lines, delimiter=delimiter) if any(f.strip() for f in r)
            ]
        except csv.Error:
            continue
        if not widths:
            continue
        width, agreeing = Counter(widths).most_common(1)[0]
        score = (agreeing, width)
        if width > 1 and score > best_score:
            best, best_score = delimiter, score
    return best


class CsvSource:
    """A CSV export, as DataFrame chunks indexed by record number."""

    kind = "csv"
    first_column = 0

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
        self.description = path.name
        size = path.stat().st_size
        if size > limits.max_file_bytes:
            raise InputError(
                f"{path.name} is too large: {size} bytes; "
                f"the limit is {limits.max_file_bytes} bytes"
            )
        with path.open("rb") as handle:
            sample = handle.read(_SAMPLE_CHARS * 4)
        if not sample.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
            raise InputError(f"{path.name} is an empty file")
        self.encoding = spec.encoding or detect_encoding(path, sample)
        try:
            codecs.lookup(self.encoding)
        except LookupError as exc:
            raise InputError(f"{path.name}: unknown encoding {self.encoding!r}") from exc
        if spec.delimiter is not None:
            self.delimiter = spec.delimiter
        else:
            with self._open() as text:
                self.delimiter = sniff_delimiter(text.read(_SAMPLE_CHARS))
        self.records, self.width = self._validate()
        if self.records - 1 > limits.max_rows:
            raise InputError(
                f"{path.name} has {self.records} records; the limit is {limits.max_rows} data rows"
            )
        self.header: Header = find_header(
            self.rows(), spec, key_column=key_column, first_column=0, limits=limits,
            what=self.description,
        )[0]
        self.hidden_columns: tuple[str, ...] = ()
        self.report = GridReport(header_row=self.header.row_number, columns=self.header.columns)
        self.fingerprint = file_fingerprint(path)

    def _open(self) -> Any:
        return self.path.open(encoding=self.encoding, newline="", errors="strict")

    def _reader(self, text: Any) -> Any:
        return csv.reader(text, delimiter=self.delimiter, strict=True)

    def _validate(self) -> tuple[int, int]:
        """Read the whole file once: every byte decodes, every quote closes; count and measure."""
        records = width = 0
        try:
            with self._open() as text:
                for record in self._reader(text):
                    records += 1
                    width = max(width, len(record))
        except UnicodeDecodeError as exc:
            raise InputError(
                f"{self.path.name}: unreadable encoding: not valid {self.encoding} "
                f"at byte {exc.start} of a block"
            ) from exc
        except csv.Error as exc:
            raise InputError(
                f"{self.path.name}: malformed CSV near record {records + 1}: {exc} "
                "(an unclosed quote?)"
            ) from exc
        if records == 0:
            raise InputError(f"{self.path.name} is an empty file")
        return records, width

    def rows(self) -> Iterator[RawRow]:
        """Every record from the first: ``(record_number, fields)``, empty fields as None."""
        width = self.width
        with self._open() as text:
            for number, record in enumerate(self._reader(text), start=1):
                cells: list[Any] = [field if field != "" else None for field in record]
                if len(cells) < width:
                    cells.extend([None] * (width - len(cells)))
                yield number, cells

    def chunks(self, chunk_size: int) -> Iterator[pd.DataFrame]:
        """DataFrames of at most ``chunk_size`` data rows, indexed by record number."""
        report = GridReport(header_row=self.header.row_number, columns=self.header.columns)
        self.report = report
        header, rows = find_header(
            self.rows(), self.spec, key_column=self.key_column, first_column=0,
            limits=self.limits, what=self.description,
        )
        yield from chunk_rows(rows, header, self.spec, report, chunk_size)

    @property
    def notes(self) -> list[str]:
        notes = [f"read as {self.encoding}, delimiter {self.delimiter!r}"]
        return notes + self.report.notes()

    def close(self) -> None:
        """Nothing is held open between reads."""

    def __enter__(self) -> CsvSource:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
