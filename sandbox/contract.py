"""Microsoft's own Swagger contract for Partner Center Referrals, loaded once.

The sandbox uses it twice: to read request bodies the way an ASP.NET service does (property names
matched case-insensitively, unknown properties ignored, JSON scalars converted to the declared
type) and to let tests check every response against the ``Referral`` schema.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

CONTRACT_PATH = Path(__file__).with_name("contracts") / "partner-center-referrals.swagger.json"
REFERRAL = "Microsoft.Partner.Service.PartnerReferrals.Contracts.V3.Referral"
PATCH = "Microsoft.Partner.Service.PartnerReferrals.Contracts.V3.UpdateReferralDetails"
_SOLUTION = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "name": {"type": "string"},
        "type": {"type": "string"},
    },
}


@cache
def swagger() -> dict[str, Any]:
    """The whole contract document."""
    loaded: dict[str, Any] = json.loads(CONTRACT_PATH.read_text(encoding="utf-8"))
    return loaded


@cache
def referral_schema() -> dict[str, Any]:
    """The ``Referral`` definition, with the shape of a solution filled in (the contract leaves
    ``solutions`` items untyped, but every documented payload uses ``id``/``name``/``type``)."""
    schema: dict[str, Any] = copy.deepcopy(swagger()["definitions"][REFERRAL])
    requirements = schema["properties"]["details"]["properties"]["requirements"]
    requirements["properties"]["solutions"]["items"] = _SOLUTION
    return schema


@cache
def patchable_paths() -> tuple[str, ...]:
    """The JSON Patch paths the contract allows."""
    items = swagger()["definitions"][PATCH]["items"]
    return tuple(items["properties"]["path"]["enum"])


def json_schema(name: str) -> dict[str, Any]:
    """A self-contained JSON Schema (draft 4) for one definition, for response validation."""
    root = swagger()
    return {"$ref": f"#/definitions/{name}", "definitions": root["definitions"]}


def list_schema() -> dict[str, Any]:
    """The JSON Schema of a list response (``GET /referrals``)."""
    response = swagger()["paths"]["/referrals"]["get"]["responses"]["200"]["schema"]
    return {**copy.deepcopy(response), "definitions": swagger()["definitions"]}
