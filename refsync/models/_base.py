"""What every payload model shares: camelCase on the wire, ISO code checks, strict shapes.

Fields are snake_case in Python and camelCase in JSON. Microsoft's own examples sometimes spell keys
in PascalCase (``"ExternalReferenceId"``, ``"Type"``), and the API reads keys case-insensitively,
so validation accepts both spellings; serialisation always writes camelCase. Unknown keys are
refused: a misspelt key would otherwise be dropped by the API without a word.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

import pycountry
from pydantic import (
    AfterValidator,
    AliasChoices,
    AliasGenerator,
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
)
from pydantic.alias_generators import to_camel, to_pascal
from pydantic_core import core_schema

COUNTRY_CODES: frozenset[str] = frozenset(c.alpha_2 for c in pycountry.countries)
CURRENCY_CODES: frozenset[str] = frozenset(c.alpha_3 for c in pycountry.currencies)

_ISO_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?(?:Z|[+-]\d{2}:\d{2})?)?"
)
_HTTPS = re.compile(r"https://[^\s/?#]+[^\s]*")
# no @ and no white space around one @ and a dot (\x1c-\x1f: white space to Python, not to Rust)
_EMAIL = r"[^@\s\x1c-\x1f]+@[^@\s\x1c-\x1f]+\.[^@\s\x1c-\x1f]+"


def _country(value: str) -> str:
    if value not in COUNTRY_CODES:
        raise ValueError("not an ISO 3166-1 alpha-2 country code")
    return value


def _currency(value: str) -> str:
    if value not in CURRENCY_CODES:
        raise ValueError("not an ISO 4217 currency code")
    return value


class _Matches:
    """A text constraint checked inside pydantic-core (no Python call per value), with its own
    message: an e-mail column of a large chunk holds a distinct address per row."""

    def __init__(self, pattern: str, message: str, *, max_length: int) -> None:
        self.pattern, self.message, self.max_length = pattern, message, max_length

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        text = core_schema.str_schema(pattern=f"^(?:{self.pattern})$", max_length=self.max_length)
        return core_schema.custom_error_schema(
            text, custom_error_type="text_format", custom_error_message=self.message
        )


def _https_url(value: str) -> str:
    if not _HTTPS.fullmatch(value):
        raise ValueError("not an https:// URL")
    return value


def _iso_datetime(value: str) -> str:
    if not _ISO_DATETIME.fullmatch(value):
        raise ValueError("not an ISO 8601 date or date-time (e.g. 2027-03-31T00:00:00Z)")
    return value


CountryCode = Annotated[str, AfterValidator(_country)]
CurrencyCode = Annotated[str, AfterValidator(_currency)]
IsoDateTime = Annotated[str, AfterValidator(_iso_datetime)]
Email = Annotated[str, _Matches(_EMAIL, "not an e-mail address", max_length=254)]
HttpsUrl = Annotated[str, Field(max_length=2048), AfterValidator(_https_url)]
Text = Annotated[str, Field(min_length=1)]


def _either_case(name: str) -> AliasChoices:
    return AliasChoices(to_camel(name), to_pascal(name))


class ApiModel(BaseModel):
    """Base of the payload models: camelCase JSON, PascalCase tolerated on input, no extras."""

    model_config = ConfigDict(
        alias_generator=AliasGenerator(validation_alias=_either_case, serialization_alias=to_camel),
        populate_by_name=True,
        extra="forbid",
        frozen=True,
        str_strip_whitespace=False,
    )

    def to_payload(self) -> dict[str, object]:
        """The JSON body the API expects: camelCase keys, unset fields left out."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)
