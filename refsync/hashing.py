"""Canonical JSON and the payload hash the planner compares with the ledger.

Two payloads that mean the same thing must hash the same, whichever process built them: keys are
sorted, whitespace is dropped, text is UTF-8, and numbers are normalised (an integral float such as
``15000.0`` is written ``15000``; ``-0.0`` is ``0``; a :class:`~decimal.Decimal` is written as the
number it holds). NaN and infinities have no JSON form and are refused.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import orjson

__all__ = ["canonical_json", "normalise_numbers", "payload_hash", "payload_hashes"]


def normalise_numbers(value: Any) -> Any:
    """``value`` with every number in canonical form (integral floats and Decimals as ints)."""
    return _normalise(value)


def _normalise(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, str | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} has no JSON form")
        return int(value) if value.is_integer() else value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value!r} has no JSON form")
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Mapping):
        return {str(k): _normalise(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_normalise(v) for v in value]
    return value


def canonical_json(payload: Mapping[str, Any], *, numbers_normalised: bool = False) -> bytes:
    """Serialise ``payload`` as canonical JSON bytes (sorted keys, normalised numbers, UTF-8).

    ``numbers_normalised`` skips the walk that normalises numbers, for a caller that built the
    payload from :func:`normalise_numbers` output (the mapping engine does); the bytes are the
    same either way.
    """
    try:
        return orjson.dumps(
            payload if numbers_normalised else _normalise(payload), option=orjson.OPT_SORT_KEYS
        )
    except (orjson.JSONEncodeError, TypeError) as exc:
        raise ValueError(f"payload is not JSON-able: {exc}") from exc


def payload_hash(payload: Mapping[str, Any], *, numbers_normalised: bool = False) -> str:
    """Return the sha256 hex digest of :func:`canonical_json` of ``payload``."""
    return hashlib.sha256(
        canonical_json(payload, numbers_normalised=numbers_normalised)
    ).hexdigest()


def payload_hashes(payloads: Iterable[Mapping[str, Any]]) -> list[str]:
    """:func:`payload_hash` of many payloads whose numbers are already normalised (a chunk)."""
    dumps, sort, sha256 = orjson.dumps, orjson.OPT_SORT_KEYS, hashlib.sha256
    try:
        return [sha256(dumps(p, option=sort)).hexdigest() for p in payloads]
    except (orjson.JSONEncodeError, TypeError) as exc:
        raise ValueError(f"payload is not JSON-able: {exc}") from exc
