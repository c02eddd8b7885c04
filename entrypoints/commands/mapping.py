"""``refsync mapping check|preview``: validate a mapping file, or show what it makes of a source.

``check`` loads and compiles the file (every error names file, line and field). ``preview`` maps
the first rows of a source and shows each row's payload or its errors, as a table or as JSON;
nothing is sent anywhere. Exit codes: 0 all previewed rows are valid or filtered, 1 some rows are
invalid, 2 the mapping or the source is unusable.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from refsync.mapping import compile_mapping, load_mapping, rows_summary
from refsync.records import MappedRow

MAX_PREVIEW_ROWS = 10_000


@click.group(name="mapping")
def command() -> None:
    """Check mapping files and preview what they make of a source."""


@command.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def check(file: Path) -> int:
    """Validate mapping FILE (YAML): syntax, keys, target fields, constants."""
    spec = load_mapping(file)
    compile_mapping(spec)
    click.echo(
        f"ok: {file} - mapping {spec.name!r} to {spec.target.type.value}, "
        f"{len(spec.fields)} fields, key {spec.key!r}, checksum {spec.checksum[:12]}"
    )
    return 0


@command.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--source", "location", required=True,
              help="Spreadsheet file, or SQLAlchemy URL for a SQL source.")
@click.option("--rows", type=click.IntRange(1, MAX_PREVIEW_ROWS), default=20, show_default=True,
              help="How many source rows to map.")
@click.option("--format", "output", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
def preview(file: Path, location: str, rows: int, output: str) -> int:
    """Map the first rows of a source with mapping FILE; show payloads and row errors."""
    from connectors.sources import open_source  # the only I/O; imported when used

    spec = load_mapping(file)
    compiled = compile_mapping(spec)
    source = open_source(spec.source, location, key_column=spec.source_key_column)
    mapped: list[MappedRow] = []
    try:
        for chunk in source.chunks(min(rows, 1000)):
            mapped += compiled.map_frame(chunk.iloc[: rows - len(mapped)])
            if len(mapped) >= rows:
                break
    finally:
        source.close()
    if output == "json":
        click.echo(json.dumps([_as_json(r) for r in mapped], indent=2, ensure_ascii=False,
                              default=str))
    else:
        _table(mapped)
    counts = rows_summary(mapped)
    click.echo(f"{len(mapped)} rows: {counts['valid']} valid, {counts['invalid']} invalid, "
               f"{counts['filtered']} filtered", err=output == "json")
    return 1 if counts["invalid"] else 0


def _state(row: MappedRow) -> str:
    return "filtered" if row.filtered else "valid" if row.is_valid else "invalid"


def _as_json(row: MappedRow) -> dict[str, Any]:
    return {
        "row": row.row_number,
        "key": row.key,
        "state": _state(row),
        "payload": row.payload,
        "payload_hash": row.payload_hash,
        "errors": [
            {"column": e.column, "field": e.field, "value": e.value, "message": e.message}
            for e in row.errors
        ],
    }


def _table(rows: list[MappedRow]) -> None:
    width = max([len(str(r.key)) for r in rows] + [3])
    click.echo(f"{'row':>6}  {'key':<{width}}  {'state':<8}  payload / errors")
    for row in rows:
        head = f"{row.row_number:>6}  {row.key or '':<{width}}  {_state(row):<8}  "
        if row.errors:
            lines = [str(e) for e in row.errors]
        elif row.payload is not None:
            lines = [json.dumps(row.payload, ensure_ascii=False, separators=(",", ":"))]
        else:
            lines = ["-"]
        click.echo(head + lines[0])
        for line in lines[1:]:
            click.echo(" " * len(head) + line)
