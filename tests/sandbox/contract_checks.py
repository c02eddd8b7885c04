"""Checks of sandbox responses against Microsoft's Swagger contract (JSON Schema draft 4)."""

from __future__ import annotations

from typing import Any

import jsonschema

from sandbox.contract import REFERRAL, json_schema, list_schema


def assert_referral(body: Any) -> None:
    """The body validates against the contract's Referral schema."""
    jsonschema.Draft4Validator(json_schema(REFERRAL)).validate(body)


def assert_list(body: Any) -> None:
    jsonschema.Draft4Validator(list_schema()).validate(body)
