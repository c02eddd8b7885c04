from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from refsync.records import Outcome, Target
from refsync.reports import SCHEMA_VERSION, RunReport, load_schema, write_json
from tests.reports.factories import leaked, make_report

pytestmark = pytest.mark.unit


def validate(document: object) -> None:
    schema = load_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    ).validate(document)


def test_the_document_validates_against_the_published_schema(report: RunReport,
                                                             tmp_path: Path) -> None:
    document = json.loads(write_json(report, tmp_path).read_text("utf-8"))
    validate(document)
    assert document["schema"] == "refsync.run-report"
    assert document["schema_version"] == SCHEMA_VERSION == 1


def test_the_document_holds_provenance_counts_and_every_row(report: RunReport,
                                                            tmp_path: Path) -> None:
    document = json.loads(write_json(report, tmp_path).read_text("utf-8"))
    run = document["run"]
    assert run["run_id"] == report.run_id
    assert run["target"] == "partner_center.referral"
    assert run["mapping"] == {"name": "dynamics-leads", "version": "3",
                              "checksum": "sha256:" + "ab" * 32}
    assert run["source"]["fingerprint"] == "SELECT * FROM leads WHERE updated_at > :watermark"
    assert run["started_at"] == "2026-11-20T22:00:00Z"
    assert run["finished_at"] == "2026-11-20T22:03:07Z"
    assert run["complete"] is True
    assert document["counts"] == {o.value: n for o, n in report.counts.items()}
    assert document["total"] == len(document["rows"]) == 12
    assert document["rows"][9] == {
        "row_number": 11, "key": "LEAD-010", "outcome": "conflict", "remote_id": "ref-10",
        "remote_status": None, "request_id": None, "synced_at": None,
        "error": "412 preconditionFailed: the deal changed in Partner Center",
        "source_id": ["EU", 10],
    }


def test_machines_get_the_real_text_not_spreadsheet_quoting(report: RunReport,
                                                            tmp_path: Path) -> None:
    rows = json.loads(write_json(report, tmp_path).read_text("utf-8"))["rows"]
    assert rows[2]["key"] == "=HYPERLINK(\"http://evil\",\"x\")"


def test_no_token_or_password_reaches_the_document(report: RunReport, tmp_path: Path) -> None:
    text = write_json(report, tmp_path).read_text("utf-8")
    assert leaked(text) == []
    assert json.loads(text)["run"]["source"]["description"].startswith("postgresql://crm:***@")


def test_an_empty_incomplete_run_is_still_a_valid_document(tmp_path: Path) -> None:
    document = json.loads(write_json(make_report([], complete=False), tmp_path).read_text())
    validate(document)
    assert document["run"]["complete"] is False
    assert document["total"] == 0
    assert set(document["counts"].values()) == {0}


def test_the_schema_names_exactly_the_outcomes_and_targets_of_the_code() -> None:
    schema = load_schema()
    assert schema["$defs"]["row"]["properties"]["outcome"]["enum"] == [o.value for o in Outcome]
    assert schema["properties"]["counts"]["required"] == [o.value for o in Outcome]
    assert schema["properties"]["run"]["properties"]["target"]["enum"] == [t.value for t in Target]


def test_a_document_with_an_unknown_field_fails_the_schema(report: RunReport) -> None:
    from refsync.reports import report_document

    document = report_document(report)
    document["rows"][0]["surprise"] = 1
    with pytest.raises(jsonschema.ValidationError, match="surprise"):
        validate(document)
