"""The transforms a field's value goes through, each vectorised over one column of a chunk.

Each returns the new column and, when some values cannot be transformed, a mask of those rows
and the message that explains why; the engine records a row error for them and goes on.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import phonenumbers
import pycountry

from refsync.mapping import spec as s
from refsync.mapping.values import (
    as_text,
    map_distinct,
    mostly_distinct,
    text_of,
    to_objects,
)

__all__ = [
    "Step",
    "country_code",
    "e164",
    "run_text_chain",
    "run_transforms",
    "salesforce_id18",
    "text_function",
]

Mask = np.ndarray[Any, np.dtype[np.bool_]]
Step = tuple[pd.Series, Mask | None, str]

# spellings CRMs use that ISO 3166 does not list
_COUNTRY_ALIASES = {
    "UK": "GB", "U.K.": "GB", "ENGLAND": "GB", "SCOTLAND": "GB", "WALES": "GB",
    "GREAT BRITAIN": "GB", "USA": "US", "U.S.": "US", "U.S.A.": "US",
    "UNITED STATES OF AMERICA": "US", "AMERICA": "US", "DEUTSCHLAND": "DE", "SOUTH KOREA": "KR",
    "KOREA": "KR", "RUSSIA": "RU",
    "VIETNAM": "VN", "TURKEY": "TR", "CZECH REPUBLIC": "CZ", "HOLLAND": "NL",
    "THE NETHERLANDS": "NL", "UAE": "AE", "IVORY COAST": "CI", "SWISS": "CH", "SCHWEIZ": "CH",
    "ÖSTERREICH": "AT", "ESPAÑA": "ES", "ITALIA": "IT", "BRASIL": "BR", "MÉXICO": "MX",
}


@functools.lru_cache(maxsize=4096)
def country_code(value: str) -> str:
    """ISO 3166-1 alpha-2 code for a country name or code; ValueError when unknown."""
    text = " ".join(value.split())
    upper = text.upper()
    if upper in _COUNTRY_ALIASES:
        return _COUNTRY_ALIASES[upper]
    try:
        country = pycountry.countries.lookup(text)
    except LookupError:
        raise ValueError(value) from None
    return str(country.alpha_2)




@functools.lru_cache(maxsize=65536)
def e164(value: str, region: str | None) -> str:
    """E.164 form of a phone number; ValueError when it is not a valid number."""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        raise ValueError(value) from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(value)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_SPACES = re.compile(r"\s+")
TextFunc = Callable[[str], str | None]


def text_function(t: s.TransformSpec) -> TextFunc | None:
    """The plain text-to-text function of a transform that cannot fail, else ``None``."""
    match t:
        case s.Trim():
            return str.strip
        case s.CollapseSpaces():
            return lambda v: _SPACES.sub(" ", v).strip()
        case s.Upper():
            return str.upper
        case s.Lower():
            return str.lower
        case s.TitleCase():
            return str.title
        case s.NullIf():
            nulls = frozenset(t.values)
            return lambda v: None if v in nulls else v
        case s.Replace():
            pattern, replacement = re.compile(t.pattern), t.replacement
            return lambda v: pattern.sub(replacement, v)
        case s.Truncate():
            length = t.length
            return lambda v: v[:length]
    return None


def run_text_chain(funcs: Sequence[TextFunc], series: pd.Series) -> pd.Series:
    """Apply text functions in order (text of non-text values first); empty results become
    ``None``. Once per distinct value, or value by value in a mostly distinct column."""
    chain = _composed(tuple(funcs))
    if not mostly_distinct(series):
        return map_distinct(series, lambda value: chain(text_of(value)))[0]
    texts = as_text(to_objects(series)).tolist()
    return pd.Series([None if t is None else chain(t) for t in texts], index=series.index,
                     dtype=object)


def _composed(funcs: tuple[TextFunc, ...]) -> Callable[[str], str | None]:
    """One function for the chain (``None`` from a step ends it; empty text becomes ``None``),
    with the one- and two-step chains, by far the most common, spelt out: they run per value."""
    if not funcs:
        return lambda text: text or None
    if len(funcs) == 1:
        only = funcs[0]
        return lambda text: only(text) or None
    if len(funcs) == 2:
        first, second = funcs

        def two(text: str) -> str | None:
            step = first(text)
            return None if step is None else second(step) or None

        return two

    def chain(text: str) -> str | None:
        step: str | None = text
        for func in funcs:
            if step is None:
                return None
            step = func(step)
        return step or None

    return chain


def _e164_of(region: str | None, value: Any) -> str:
    return e164(text_of(value), region)


def _phone(t: s.Phone, series: pd.Series, region: pd.Series | None) -> Step:
    message = "not a valid phone number (give it with +country code, or a region)"
    if region is None:
        out, bad = map_distinct(series, functools.partial(_e164_of, t.region))
        return out, bad, message
    # one pass per region (a handful), each distinct number parsed once
    regions = region.where(region.notna(), t.region)
    out = pd.Series(None, index=series.index, dtype=object)
    bad = np.zeros(len(series), dtype=bool)
    codes, distinct = pd.factorize(regions, use_na_sentinel=True)
    for code, name in [(-1, None), *enumerate(distinct)]:
        rows = np.flatnonzero(codes == code)
        if not len(rows):
            continue
        part, part_bad = map_distinct(series.iloc[rows], functools.partial(_e164_of, name))
        out.iloc[rows] = part.to_numpy()
        bad[rows] = part_bad
    return out, bad, message


_SF_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_SF_ID = re.compile(r"[0-9A-Za-z]{15}(?:[0-9A-Za-z]{3})?")


def salesforce_id18(value: str) -> str:
    """The 18-character form of a Salesforce ID (an 18-character ID is returned as it is)."""
    if not _SF_ID.fullmatch(value):
        raise ValueError(value)
    if len(value) == 18:
        return value
    suffix = ""
    for block in (value[0:5], value[5:10], value[10:15]):
        bits = sum(1 << i for i, char in enumerate(block) if "A" <= char <= "Z")
        suffix += _SF_ALPHABET[bits]
    return value + suffix


def _split(t: s.Split, series: pd.Series) -> Step:
    parts = as_text(series).str.split(t.separator, regex=False)
    item = t.item

    def clean(value: Any) -> Any:
        if not isinstance(value, list):
            return None
        kept = [p.strip() for p in value if p and p.strip()]
        if not kept:
            return None
        return [{item: p} for p in kept] if item else kept

    return pd.Series([clean(v) for v in parts], index=series.index, dtype=object), None, ""


def _join(t: s.Join, series: pd.Series) -> Step:
    def join(value: Any) -> Any:
        if isinstance(value, list):
            text = t.separator.join(str(v) for v in value if v not in (None, ""))
            return text or None
        return value

    return pd.Series([join(v) for v in series], index=series.index, dtype=object), None, ""


def run_transforms(
    transforms: Sequence[s.TransformSpec], series: pd.Series, region: pd.Series | None = None
) -> list[Step]:
    """Run a field's transforms in order; consecutive text transforms run as one pass.

    Returns one step per pass (the final column is the last step's); ``region`` is the phone's
    per-row region, if any.
    """
    steps: list[Step] = []
    pending: list[TextFunc] = []
    for t in transforms:
        func = text_function(t)
        if func is not None:
            pending.append(func)
            continue
        if pending:
            series = run_text_chain(pending, series)
            steps.append((series, None, ""))
            pending = []
        step = _apply(t, series, region)
        steps.append(step)
        series = step[0]
    if pending:
        steps.append((run_text_chain(pending, series), None, ""))
    return steps


def _apply(t: s.TransformSpec, series: pd.Series, region: pd.Series | None) -> Step:
    match t:
        case s.Country():
            aliases = {k.upper(): v for k, v in t.aliases.items()}

            def lookup(value: Any) -> str:
                text = text_of(value).strip()
                return aliases.get(text.upper()) or country_code(text)

            out, bad = map_distinct(series, lookup)
            return out, bad, "not a known country (ISO 3166 name or code)"
        case s.Phone():
            return _phone(t, series, region)
        case s.SalesforceId():
            out, bad = map_distinct(series, lambda v: salesforce_id18(text_of(v).strip()))
            return out, bad, "not a Salesforce record ID (15 or 18 letters and digits)"
        case s.Split():
            return _split(t, series)
        case s.Join():
            return _join(t, series)
    raise AssertionError(f"unhandled transform {t!r}")
