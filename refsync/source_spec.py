"""The ``source:`` section of a mapping file: where rows come from and how to find them.

It lives apart from the rest of the mapping model because two sides read it: the mapping engine
(which validates it with the rest of the file) and the source connectors (which open what it
describes). A discriminated union on ``type`` keeps each kind's options to itself.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SpreadsheetSourceSpec(_Spec):
    """An ``.xlsx``/``.xlsm``/``.csv`` export.

    ``sheet`` is a name or a 0-based index (default: the first visible sheet); ``header_row`` is the
    1-based row of the column headers (default: detected: the first row that holds the key column).
    """

    type: Literal["spreadsheet"] = "spreadsheet"
    sheet: str | int | None = None
    header_row: int | None = Field(default=None, ge=1)
    skip_rows_starting_with: tuple[str, ...] = Field(
        default=(),
        description="Rows whose first cell starts with one of these are skipped ('Example:').",
    )
    encoding: str | None = Field(default=None, description="CSV only; default: detected.")
    delimiter: str | None = Field(default=None, description="CSV only; default: sniffed.")


class SqlSourceSpec(_Spec):
    """A table or a query in a SQL database reached through a SQLAlchemy URL."""

    type: Literal["sql"] = "sql"
    table: str | None = None
    query: str | None = None
    primary_key: tuple[str, ...] = Field(min_length=1)
    watermark: str | None = Field(
        default=None, description="Column whose high-water mark drives incremental runs."
    )

    @model_validator(mode="after")
    def _table_xor_query(self) -> SqlSourceSpec:
        if (self.table is None) == (self.query is None):
            raise ValueError("give exactly one of 'table' or 'query'")
        return self


SourceSpec = Annotated[SpreadsheetSourceSpec | SqlSourceSpec, Field(discriminator="type")]
