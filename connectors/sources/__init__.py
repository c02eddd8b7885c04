"""Sources: where rows come from. One entry point, :func:`open_source`, and one reader per kind.

The kind comes from the mapping's ``source.type`` and, for spreadsheets, from the file's
extension::

    sql          -> connectors.sources.sql.SqlSource         (any SQLAlchemy URL)
    spreadsheet  -> .xlsx/.xlsm: connectors.sources.workbook.WorkbookSource (calamine)
                    .csv/.tsv/.txt: connectors.sources.delimited.CsvSource

Every reader satisfies :class:`refsync.protocols.Source` and also offers ``fingerprint`` (sha256
of the file, or of the query and password-free URL), ``description`` (for reports; never a
password), ``notes`` (what a person should know about how the input was read) and ``close()``.
Every refusal is an :class:`refsync.errors.InputError` raised by :func:`open_source` itself, before
any row is yielded.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from connectors.sources.delimited import CsvSource
from connectors.sources.limits import DEFAULT_LIMITS, InputLimits
from connectors.sources.sql import SqlSource
from connectors.sources.workbook import WorkbookSource
from refsync.errors import ConfigurationError, InputError
from refsync.source_spec import SourceSpec, SpreadsheetSourceSpec, SqlSourceSpec

__all__ = [
    "SPREADSHEET_READERS",
    "CsvSource",
    "InputLimits",
    "SqlSource",
    "WorkbookSource",
    "open_source",
    "spreadsheet_kind",
]

SpreadsheetReader = Callable[..., CsvSource | WorkbookSource]

SPREADSHEET_READERS: dict[str, SpreadsheetReader] = {
    ".xlsx": WorkbookSource,
    ".xlsm": WorkbookSource,
    ".csv": CsvSource,
    ".tsv": CsvSource,
    ".txt": CsvSource,
}
"""File extension -> reader. Adding a format is one entry here."""


def spreadsheet_kind(path: Path) -> SpreadsheetReader:
    """The reader for ``path``'s extension; an unknown one lists those that are known."""
    reader = SPREADSHEET_READERS.get(path.suffix.lower())
    if reader is None:
        known = ", ".join(sorted(SPREADSHEET_READERS))
        hint = " (save it as .xlsx)" if path.suffix.lower() in (".xls", ".xlsb", ".ods") else ""
        raise InputError(
            f"{path.name}: unsupported file type {path.suffix or '(none)'!r}{hint}; "
            f"supported: {known}"
        )
    return reader


def open_source(
    spec: SourceSpec,
    location: str | Path,
    *,
    since: Any = None,
    until: Any = None,
    limits: InputLimits | None = None,
    key_column: str | None = None,
) -> CsvSource | WorkbookSource | SqlSource:
    """Open the source a mapping's ``source:`` section describes.

    Args:
        spec: the ``source:`` section.
        location: a file path for a spreadsheet; a SQLAlchemy URL for SQL.
        since: SQL only: rows whose watermark is greater than this (exclusive).
        until: SQL only: rows whose watermark is at most this (inclusive).
        limits: bounds for untrusted files (default :data:`DEFAULT_LIMITS`).
        key_column: spreadsheets: the column holding each row's key. It locates the header row
            and its absence refuses the file. For SQL the spec's ``primary_key`` plays this part.

    Raises:
        InputError: the input is refused as a whole (the message says why).
        ConfigurationError: the spec or location is unusable (bad URL, unknown type).
        TransientError: the database could not be reached.
    """
    limits = limits or DEFAULT_LIMITS
    if isinstance(spec, SqlSourceSpec):
        return SqlSource(spec, str(location), since=since, until=until)
    if isinstance(spec, SpreadsheetSourceSpec):
        if since is not None or until is not None:
            raise ConfigurationError("since/until apply to SQL sources only")
        path = Path(location)
        reader = spreadsheet_kind(path)
        if not path.is_file():
            raise InputError(f"{path} does not exist or is not a file")
        return reader(path, spec, key_column=key_column, limits=limits)
    kinds = "sql, spreadsheet"
    raise ConfigurationError(f"unknown source type {getattr(spec, 'type', spec)!r}; valid: {kinds}")
