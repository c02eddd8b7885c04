"""The JSON report: a stable, versioned document for machines.

Its shape is published as ``refsync/schemas/run-report.schema.json``; ``schema_version`` rises with
any change to that shape, so a consumer can refuse a version it does not know instead of
misreading it. Values are the cleaned ones of :mod:`refsync.reports.rows` (secrets masked) but not
formula-neutralised: a machine needs the text as it is.
"""

from __future__ import annotations

import json
from datetime import datetime
from importlib.resources import files
from pathlib import Path
from typing import Any, cast

from refsync.errors import InputError
from refsync.records import Outcome, RowResult, Target
from refsync.reports._files import atomic_path, resolve_target
from refsync.reports.model import Provenance, RunReport
from refsync.reports.rows import clean_text, iso_utc

SCHEMA_NAME = "refsync.run-report"
SCHEMA_VERSION = 1


def load_schema() -> dict[str, Any]:
    """The published JSON Schema of the report document."""
    text = files("refsync").joinpath("schemas", "run-report.schema.json").read_text("utf-8")
    return cast(dict[str, Any], json.loads(text))


def report_document(report: RunReport) -> dict[str, Any]:
    """The report as plain JSON values, in the schema's shape and key order."""
    return {
        "schema": SCHEMA_NAME,
        "schema_version": SCHEMA_VERSION,
        "run": {
            "run_id": clean_text(report.run_id),
            "target": report.target.value,
            "mapping": {
                "name": clean_text(report.mapping_name),
                "version": clean_text(report.mapping_version),
                "checksum": clean_text(report.mapping_checksum),
            },
            "source": {
                "description": clean_text(report.source_description),
                "fingerprint": clean_text(report.source_fingerprint),
            },
            "refsync_version": clean_text(report.refsync_version),
            "started_at": iso_utc(report.started_at),
            "finished_at": iso_utc(report.finished_at),
            "complete": report.complete,
        },
        "counts": {outcome.value: n for outcome, n in report.counts.items()},
        "total": report.total,
        "rows": [
            {
                "row_number": row.row_number,
                "key": row.key,
                "outcome": row.outcome.value,
                "remote_id": row.remote_id,
                "remote_status": row.remote_status,
                "request_id": row.request_id,
                "synced_at": None if row.synced_at is None else iso_utc(row.synced_at),
                "error": row.error,
                "source_id": list(row.source_id),
            }
            for row in report.shown_rows
        ],
    }


def write_json(report: RunReport, out: Path) -> Path:
    """Write the JSON report to ``out`` (a file, or a directory for the default name)."""
    target = resolve_target(out, report, "json")
    document = report_document(report)
    with atomic_path(target) as tmp, tmp.open("w", encoding="utf-8") as fh:
        json.dump(document, fh, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        fh.write("\n")
    return target


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _time(text: str | None) -> datetime | None:
    return None if text is None else _utc(text)


def read_json(path: Path) -> RunReport:
    """Load a report written by :func:`write_json` (the history commands read runs back this way).

    Text comes back as it was written, that is with secrets already masked. A file that is not a
    run report of a known schema version raises :class:`refsync.errors.InputError` naming it.
    """
    try:
        document = json.loads(Path(path).read_text("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not a readable JSON run report ({exc})") from exc
    if not isinstance(document, dict) or document.get("schema") != SCHEMA_NAME:
        raise InputError(f"{path}: not a refsync run report")
    if document.get("schema_version") != SCHEMA_VERSION:
        raise InputError(
            f"{path}: run report schema version {document.get('schema_version')!r}; "
            f"this refsync reads version {SCHEMA_VERSION}"
        )
    try:
        run = document["run"]
        provenance = Provenance(
            run_id=run["run_id"],
            target=Target(run["target"]),
            mapping_name=run["mapping"]["name"],
            mapping_version=run["mapping"]["version"],
            mapping_checksum=run["mapping"]["checksum"],
            source_description=run["source"]["description"],
            source_fingerprint=run["source"]["fingerprint"],
            started_at=_utc(run["started_at"]),
            refsync_version=run["refsync_version"],
        )
        results = [
            RowResult(
                row_number=row["row_number"],
                key=row["key"],
                outcome=Outcome(row["outcome"]),
                remote_id=row["remote_id"],
                remote_status=row["remote_status"],
                error=row["error"],
                request_id=row["request_id"],
                synced_at=_time(row["synced_at"]),
                source_id=tuple(row["source_id"]),
            )
            for row in document["rows"]
        ]
        return RunReport(
            provenance=provenance,
            finished_at=_utc(run["finished_at"]),
            results=tuple(results),
            complete=bool(run["complete"]),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(f"{path}: damaged run report ({type(exc).__name__}: {exc})") from exc
