"""The published JSON Schema matches the loader and accepts every shipped mapping."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

from refsync.mapping.schema import SCHEMA_PATH, render
from tests.mapping.conftest import MAPPINGS

pytestmark = pytest.mark.unit


def validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def test_published_schema_is_current() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == render(), (
        "regenerate with: python -m refsync.mapping.schema"
    )


@pytest.mark.parametrize("path", sorted(MAPPINGS.glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_mappings_pass_the_schema(path) -> None:  # type: ignore[no-untyped-def]
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    errors = [e.message for e in validator().iter_errors(document)]
    assert errors == []


def test_schema_flags_what_the_loader_refuses() -> None:
    document = yaml.safe_load((MAPPINGS / "gt365-invites.yaml").read_text(encoding="utf-8"))
    document["watermak"] = "x"
    document["fields"]["requestedBy"]["transforms"] = ["trimm"]
    document["target"]["type"] = "graph.invitations"
    messages = " ".join(e.message for e in validator().iter_errors(document))
    assert "watermak" in messages
    assert "graph.invitations" in messages
    assert not validator().is_valid(
        {**yaml.safe_load((MAPPINGS / "gt365-invites.yaml").read_text()),
         "fields": {"requestedBy": {"column": "A", "transforms": ["trimm"]}}}
    )
