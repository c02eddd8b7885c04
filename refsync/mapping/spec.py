"""The mapping file as typed, frozen pydantic models (the format is described in
docs/mapping-format.md and published as JSON Schema in refsync/schemas/mapping.schema.json).

Transforms and casts are discriminated unions; YAML's short forms (``trim``, ``{split: ";"}``,
``cast: decimal``) are expanded to the long form before validation so that the models, the schema
and the error messages speak one language.
"""

from __future__ import annotations

import itertools
import re
import zoneinfo
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from refsync.records import Target
from refsync.source_spec import SourceSpec, SqlSourceSpec

__all__ = [
    "BooleanCast",
    "CastSpec",
    "Condition",
    "DateCast",
    "DatetimeCast",
    "DecimalCast",
    "FieldSpec",
    "IntegerCast",
    "LookupSpec",
    "MappingFile",
    "MappingSpec",
    "StringCast",
    "TargetSpec",
    "TransformSpec",
    "WriteBackSpec",
]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- transforms -------------------------------------------------------------------------------


class Trim(_Spec):
    """Strip leading and trailing whitespace."""

    op: Literal["trim"] = "trim"


class CollapseSpaces(_Spec):
    """Trim and turn every run of whitespace (line breaks included) into one space."""

    op: Literal["collapse_spaces"] = "collapse_spaces"


class Upper(_Spec):
    op: Literal["upper"] = "upper"


class Lower(_Spec):
    op: Literal["lower"] = "lower"


class TitleCase(_Spec):
    op: Literal["title"] = "title"


class NullIf(_Spec):
    """Treat these values (compared after the previous transforms) as empty."""

    op: Literal["null_if"] = "null_if"
    values: tuple[str, ...] = Field(min_length=1)


class Replace(_Spec):
    """Replace every match of a regular expression."""

    op: Literal["replace"] = "replace"
    pattern: str
    replacement: str = Field(default="", alias="with")

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from None
        return value


class Truncate(_Spec):
    """Cut text to at most ``length`` characters."""

    op: Literal["truncate"] = "truncate"
    length: int = Field(ge=1)


class Country(_Spec):
    """Turn a country name, alpha-3 or alpha-2 code into its ISO 3166-1 alpha-2 code."""

    op: Literal["country"] = "country"
    aliases: dict[str, str] = Field(
        default_factory=dict, description="Extra spellings, e.g. {Deutschland: DE}."
    )


class Phone(_Spec):
    """Format a phone number as E.164 (``+4930123456``).

    National numbers need a region: ``region`` (a fixed alpha-2 code) or ``region_field`` (the
    target path of another field holding the row's alpha-2 country, e.g.
    ``customerProfile.address.country``); ``region_field`` wins where it has a value.
    """

    op: Literal["phone"] = "phone"
    region: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    region_field: str | None = None


class SalesforceId(_Spec):
    """Turn a 15-character Salesforce record ID (reports) into its 18-character form (API).

    Reports show the case-sensitive 15-character ID, Data Loader and the API the 18-character
    one; keying on the 18-character form makes both exports the same records.
    """

    op: Literal["salesforce_id"] = "salesforce_id"


class Split(_Spec):
    """Split text into a list; ``item`` wraps each part as ``{item: part}`` (e.g. ``{id: …}``)."""

    op: Literal["split"] = "split"
    separator: str = Field(min_length=1)
    item: str | None = None


class Join(_Spec):
    """Join a list (from ``columns:`` or ``split``) into text."""

    op: Literal["join"] = "join"
    separator: str = " "


TransformSpec = Annotated[
    Trim | CollapseSpaces | Upper | Lower | TitleCase | NullIf | Replace | Truncate | Country
    | Phone | SalesforceId | Split | Join,
    Field(discriminator="op"),
]

# the argument a one-key short form (``{split: ";"}``) fills
_SHORT_ARGUMENT = {
    "null_if": "values", "truncate": "length", "split": "separator", "join": "separator",
    "phone": "region",
}


def _expand_short_form(value: Any, kind: str, arguments: dict[str, str]) -> Any:
    """``"trim"`` → ``{kind: "trim"}``; ``{split: ";"}`` → ``{kind: "split", separator: ";"}``."""
    if isinstance(value, str):
        return {kind: value}
    if isinstance(value, dict) and len(value) == 1 and kind not in value:
        ((name, argument),) = value.items()
        if isinstance(argument, dict):
            return {kind: name, **argument}
        if argument is None:
            return {kind: name}
        return {kind: name, arguments.get(name, "value"): argument}
    return value


# --- casts ------------------------------------------------------------------------------------


class StringCast(_Spec):
    """Text; numbers lose a trailing ``.0`` (``1234.0`` → ``"1234"``)."""

    type: Literal["string"] = "string"


class IntegerCast(_Spec):
    type: Literal["integer"] = "integer"
    thousands_separator: str | None = None


class DecimalCast(_Spec):
    """A number; text may carry a thousands separator, a decimal comma and currency symbols."""

    type: Literal["decimal"] = "decimal"
    decimal_separator: Literal[".", ","] = "."
    thousands_separator: str | None = None
    places: int | None = Field(default=None, ge=0, le=10)


class BooleanCast(_Spec):
    """``true``/``false`` from text, numbers or spreadsheet booleans (case-insensitively)."""

    type: Literal["boolean"] = "boolean"
    true_values: tuple[str, ...] = ("true", "yes", "y", "1", "x", "ja", "oui", "si")
    false_values: tuple[str, ...] = ("false", "no", "n", "0", "", "nein", "non")


def _check_timezone(value: str) -> str:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {value!r} (use an IANA name such as Europe/Berlin)"
        ) from None
    return value


class DateCast(_Spec):
    """A calendar date written ``YYYY-MM-DD``.

    Accepts date cells, text in one of ``formats`` (strftime codes; ISO 8601 is always tried),
    and Excel serial numbers in the 1900 or 1904 date system.
    """

    type: Literal["date"] = "date"
    formats: tuple[str, ...] = ()
    excel_epoch: Literal[1900, 1904] = 1900


class DatetimeCast(_Spec):
    """A moment written in UTC, ``YYYY-MM-DDTHH:MM:SSZ``.

    Values without an offset are read in ``timezone`` (an IANA name) and converted to UTC.
    """

    type: Literal["datetime"] = "datetime"
    formats: tuple[str, ...] = ()
    timezone: str = "UTC"
    excel_epoch: Literal[1900, 1904] = 1900

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        return _check_timezone(value)


CastSpec = Annotated[
    StringCast | IntegerCast | DecimalCast | BooleanCast | DateCast | DatetimeCast,
    Field(discriminator="type"),
]


# --- fields, filter, write-back ---------------------------------------------------------------


class LookupSpec(_Spec):
    """Replace a value by the one the table gives; ``default`` for values not in the table.

    Without ``default`` a value missing from the table is a row error. Keys are compared as
    trimmed text, case-insensitively unless ``case_sensitive``.
    """

    values: dict[str, Any] = Field(min_length=1)
    default: Any = None
    case_sensitive: bool = False

    @property
    def has_default(self) -> bool:
        return "default" in self.model_fields_set


class Band(_Spec):
    """One band of ``ranges``: numbers up to and including ``up_to`` (no bound: the rest)."""

    up_to: float | None = None
    value: Any


class FieldSpec(_Spec):
    """One target field: where its value comes from and what happens to it on the way.

    Exactly one source: ``column``, ``columns`` (a list of the non-empty ones), ``constant`` or
    ``template`` (text with ``{Column name}`` placeholders). Then, in this order: ``transforms``,
    ``lookup``, ``cast``, ``ranges`` (a number to the value of the first band that holds it),
    ``default`` (for an empty result), ``required``.
    """

    column: str | None = None
    columns: tuple[str, ...] | None = Field(default=None, min_length=1)
    constant: Any = None
    template: str | None = None
    transforms: tuple[TransformSpec, ...] = ()
    lookup: LookupSpec | None = None
    cast: CastSpec | None = None
    ranges: tuple[Band, ...] | None = Field(default=None, min_length=1)
    default: Any = None
    required: bool = False

    @field_validator("transforms", mode="before")
    @classmethod
    def _short_transforms(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return [_expand_short_form(v, "op", _SHORT_ARGUMENT) for v in value]
        return value

    @field_validator("cast", mode="before")
    @classmethod
    def _short_cast(cls, value: Any) -> Any:
        return _expand_short_form(value, "type", {})

    @model_validator(mode="after")
    def _one_source(self) -> FieldSpec:
        given = [
            name for name in ("column", "columns", "template")
            if getattr(self, name) is not None
        ] + (["constant"] if "constant" in self.model_fields_set else [])
        if len(given) != 1:
            raise ValueError(
                "give exactly one of column, columns, constant, template"
                + (f" (got {', '.join(given)})" if given else "")
            )
        if "constant" in self.model_fields_set and (
            self.transforms or self.lookup or self.cast or self.ranges
        ):
            raise ValueError("a constant is used as written: no transforms, lookup, cast, ranges")
        if self.ranges is not None:
            bounds = [b.up_to for b in self.ranges]
            if None in bounds[:-1] or any(
                a >= b for a, b in itertools.pairwise(bounds) if a is not None and b is not None
            ):
                raise ValueError("ranges must rise, and only the last band may have no up_to")
        return self

    @property
    def has_constant(self) -> bool:
        return "constant" in self.model_fields_set

    @property
    def has_default(self) -> bool:
        return "default" in self.model_fields_set

    def source_columns(self) -> tuple[str, ...]:
        """Every source column this field reads."""
        if self.column is not None:
            return (self.column,)
        if self.columns is not None:
            return self.columns
        if self.template is not None:
            return template_columns(self.template)
        return ()


_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]+)\}")


def template_columns(template: str) -> tuple[str, ...]:
    """The column names a template's ``{…}`` placeholders refer to (``{{``/``}}`` are literal)."""
    return tuple(m.group(1) for m in _PLACEHOLDER.finditer(template) if m.group(1))


class Condition(_Spec):
    """One test on a source column; a row is kept when every condition of ``filter`` holds.

    Values are compared as trimmed text; ``matches`` is a regular expression that must match
    the whole value.
    """

    column: str
    equals: str | None = None
    not_equals: str | None = None
    in_: tuple[str, ...] | None = Field(default=None, alias="in")
    not_in: tuple[str, ...] | None = None
    empty: bool | None = None
    not_empty: bool | None = None
    matches: str | None = None

    @field_validator("equals", "not_equals", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        return value if value is None or isinstance(value, str) else str(value)

    @field_validator("in_", "not_in", mode="before")
    @classmethod
    def _texts(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return [v if isinstance(v, str) else str(v) for v in value]
        return value

    @model_validator(mode="after")
    def _one_test(self) -> Condition:
        tests = [n for n in ("equals", "not_equals", "in_", "not_in", "empty", "not_empty",
                             "matches") if getattr(self, n) is not None]
        if len(tests) != 1:
            raise ValueError(
                "give exactly one of equals, not_equals, in, not_in, empty, not_empty, matches"
            )
        if self.matches is not None:
            try:
                re.compile(self.matches)
            except re.error as exc:
                raise ValueError(f"matches is not a valid regular expression: {exc}") from None
        return self


class WriteBackSpec(_Spec):
    """Which result goes to which source column after a run (every one optional).

    For SQL sources ``table`` names a side table (keyed by the source's primary key, with the
    types the source gives it) that takes the results instead of the source table itself; a
    query source needs one. ``deal_status`` is the one column a sync never writes: ``refsync
    reconcile --write-back`` puts each closed deal's ending there, apart from ``status``, which
    every sync rewrites with its outcome. No two columns may be the same.
    """

    remote_id: str | None = None
    status: str | None = None
    synced_at: str | None = None
    error: str | None = None
    deal_status: str | None = Field(
        default=None,
        description="SQL sources: the column where `refsync reconcile --write-back` records how "
        "the deal ended in Partner Center (Won, Lost, Declined, Expired); a sync never writes it.",
    )
    table: str | None = Field(
        default=None,
        description="SQL sources: a side table that takes the results instead of the source "
        "table (required for a query source); created if missing, keyed by source.primary_key "
        "with the types the source table or the query's result gives it.",
    )

    @field_validator("status", "synced_at", "error", "deal_status")
    @classmethod
    def _own_column(cls, value: str | None, info: ValidationInfo) -> str | None:
        """A column named twice would take two facts, and one would overwrite the other."""
        for earlier in ("remote_id", "status", "synced_at", "error"):
            if earlier == info.field_name:
                break
            if value is not None and info.data.get(earlier) == value:
                raise ValueError(
                    f"{value!r} is already the write_back.{earlier} column; each write-back "
                    "column needs its own")
        return value


class TargetSpec(_Spec):
    type: Target


class MappingFile(_Spec):
    """Everything a mapping file may say."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, json_schema_extra={"title": "refsync mapping"}
    )

    version: Literal[1]
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    description: str | None = None
    target: TargetSpec
    source: SourceSpec
    key: str = Field(
        description="Source column giving externalReferenceId (referrals) or the invitee's e-mail."
    )
    key_transforms: tuple[TransformSpec, ...] = Field(
        default=(), description="Transforms applied to the key before it is trimmed."
    )
    watermark: str | None = Field(
        default=None, description="Source column whose high-water mark drives incremental runs."
    )
    headers: dict[str, tuple[str, ...]] = Field(
        default_factory=dict,
        description="Other spellings of a column (e.g. a report's labels for Data Loader's API "
        "names): where the column itself is absent, the first alternative present is used. An "
        "alternative in square brackets, such as [inviteeEmail], matches any header containing "
        "it (Microsoft's localised templates keep these tokens in every language).",
    )
    filter: tuple[Condition, ...] = ()
    fields: dict[str, FieldSpec] = Field(min_length=1)
    write_back: WriteBackSpec | None = None

    @field_validator("key_transforms", mode="before")
    @classmethod
    def _short_key_transforms(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return [_expand_short_form(v, "op", _SHORT_ARGUMENT) for v in value]
        return value

    @field_validator("write_back")
    @classmethod
    def _deal_status_needs_sql(cls, value: WriteBackSpec | None, info: ValidationInfo
                               ) -> WriteBackSpec | None:
        """A spreadsheet's results copy has no deal status: refuse the column, never ignore it."""
        source = info.data.get("source")
        if (value is not None and value.deal_status is not None and source is not None
                and not isinstance(source, SqlSourceSpec)):
            raise ValueError("deal_status: only a SQL source has one (reconcile --write-back "
                             "writes deal endings to SQL tables only)")
        return value

    @field_validator("write_back")
    @classmethod
    def _query_needs_side_table(cls, value: WriteBackSpec | None, info: ValidationInfo
                                ) -> WriteBackSpec | None:
        """A query's rows (joins) have no table of their own to update: only a side table
        can take its results, so a write-back without one would fail at every run."""
        source = info.data.get("source")
        if (value is not None and value.table is None and isinstance(source, SqlSourceSpec)
                and source.query is not None):
            raise ValueError("a query source writes back to a side table: name it in "
                             "write_back.table (refsync creates it, keyed by "
                             "source.primary_key), or leave write_back out")
        return value

    @model_validator(mode="before")
    @classmethod
    def _watermark_from_source(cls, data: Any) -> Any:
        """A SQL source may name the watermark itself; both places must then agree."""
        if isinstance(data, dict) and isinstance(data.get("source"), dict):
            in_source = data["source"].get("watermark")
            if in_source is not None:
                if data.get("watermark") not in (None, in_source):
                    raise ValueError("watermark and source.watermark name different columns")
                data = {**data, "watermark": in_source}
        return data

    @model_validator(mode="after")
    def _fields_fit_target(self) -> MappingFile:
        from refsync.mapping.targets import check_fields  # the models live beside the engine

        check_fields(self)
        return self


class MappingSpec(MappingFile):
    """A loaded mapping: the file's content plus where it came from and its sha256 checksum."""

    path: Path
    checksum: str = Field(pattern=r"^[0-9a-f]{64}$")
    _lines: dict[tuple[str | int, ...], int] = PrivateAttr(default_factory=dict)

    @model_validator(mode="after")
    def _source_watermark(self) -> MappingSpec:
        if isinstance(self.source, SqlSourceSpec) and self.source.watermark not in (
            None, self.watermark
        ):
            raise ValueError("watermark and source.watermark name different columns")
        return self

    @property
    def source_key_column(self) -> str | None:
        """The key column to hand a spreadsheet source for finding the header row: ``None``
        when ``headers`` gives the key other spellings (the file may use any of them)."""
        return None if self.key in self.headers else self.key

    def where(self, *loc: str | int) -> str:
        """``file:line`` of the deepest known part of ``loc`` (e.g. ``("fields", "name")``)."""
        for end in range(len(loc), -1, -1):
            line = self._lines.get(tuple(loc[:end]))
            if line is not None:
                return f"{self.path}:{line}"
        return str(self.path)
