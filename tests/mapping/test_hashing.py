"""Canonical JSON and payload hashes: same meaning, same hash."""

from __future__ import annotations

from decimal import Decimal

import pytest

from refsync.hashing import canonical_json, payload_hash

pytestmark = pytest.mark.unit


def test_key_order_and_whitespace_do_not_matter() -> None:
    assert payload_hash({"b": 1, "a": {"y": 2, "x": 3}}) == payload_hash(
        {"a": {"x": 3, "y": 2}, "b": 1}
    )
    assert canonical_json({"b": 1, "a": [1, 2]}) == b'{"a":[1,2],"b":1}'


def test_numbers_are_normalised() -> None:
    assert canonical_json({"v": 15000.0}) == canonical_json({"v": 15000}) == b'{"v":15000}'
    assert canonical_json({"v": Decimal("12.50")}) == b'{"v":12.5}'
    assert canonical_json({"v": -0.0}) == b'{"v":0}'
    assert payload_hash({"v": 1.5}) != payload_hash({"v": 1.25})


def test_text_is_utf8_and_booleans_are_not_numbers() -> None:
    assert canonical_json({"n": "Zoë"}) == '{"n":"Zoë"}'.encode()
    assert payload_hash({"v": True}) != payload_hash({"v": 1})


def test_nan_is_refused() -> None:
    with pytest.raises(ValueError, match="no JSON form"):
        payload_hash({"v": float("nan")})


def test_hash_is_sha256_hex() -> None:
    digest = payload_hash({})
    assert digest == "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
