"""The JSON Schema of the mapping file format, published for editors.

``refsync/schemas/mapping.schema.json`` is generated from :class:`MappingFile`, so it cannot drift
from what :func:`refsync.mapping.load_mapping` accepts; tests compare the two. Regenerate with
``python -m refsync.mapping.schema``. Editors pick it up from the first line of a mapping file::

    # yaml-language-server: $schema=../refsync/schemas/mapping.schema.json
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from refsync.mapping.spec import MappingFile

__all__ = ["SCHEMA_PATH", "mapping_json_schema"]

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "schemas" / "mapping.schema.json"
SCHEMA_ID = "https://refsync.dev/schemas/mapping.schema.json"


def mapping_json_schema() -> dict[str, Any]:
    """The schema as a dict (draft 2020-12), short forms included.

    pydantic describes the long form of transforms and casts (``{op: trim}``); the file may also
    use the short forms the loader expands (``trim``, ``{split: ";"}``, ``cast: decimal``), so
    those are added as alternatives.
    """
    schema = MappingFile.model_json_schema(by_alias=True, mode="validation")
    definitions = schema["$defs"]
    transform_names = sorted(
        ref_schema["properties"]["op"]["const"]
        for ref_schema in definitions.values()
        if "op" in ref_schema.get("properties", {})
    )
    cast_names = sorted(
        ref_schema["properties"]["type"]["const"]
        for name, ref_schema in definitions.items()
        if name.endswith("Cast")
    )
    short_transform = [
        {"type": "string", "enum": transform_names},
        {"type": "object", "minProperties": 1, "maxProperties": 1,
         "propertyNames": {"enum": transform_names}},
    ]
    field = definitions["FieldSpec"]["properties"]
    for properties, name in ((field, "transforms"), (schema["properties"], "key_transforms")):
        items = properties[name]["items"]
        properties[name]["items"] = {"anyOf": [items, *short_transform]}
    field["cast"]["anyOf"].insert(0, {"type": "string", "enum": cast_names})
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def render() -> str:
    return json.dumps(mapping_json_schema(), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


if __name__ == "__main__":
    SCHEMA_PATH.parent.mkdir(parents=True, exist_ok=True)
    SCHEMA_PATH.write_text(render(), encoding="utf-8")
    print(f"wrote {SCHEMA_PATH}")
