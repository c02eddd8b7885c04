"""``refsync mapping check`` and ``refsync mapping preview`` through the real command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from entrypoints.cli import main
from tests.mapping.conftest import MAPPINGS, SAMPLES

pytestmark = pytest.mark.e2e


def test_check_accepts_a_good_mapping(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["mapping", "check", str(MAPPINGS / "dynamics365-leads.yaml")]) == 0
    out = capsys.readouterr().out
    assert "mapping 'dynamics365-leads' to partner_center.referral, 23 fields" in out


def test_check_names_the_line_of_a_mistake(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    text = (MAPPINGS / "gt365-invites.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("{column: Department,", "{colum: Department,"), encoding="utf-8")
    assert main(["mapping", "check", str(bad)]) == 2
    line = next(i for i, t in enumerate(bad.read_text().splitlines(), 1) if "colum:" in t)
    assert f"{bad}:{line}: fields.more.department.colum: Extra inputs are not permitted" in (
        capsys.readouterr().err
    )


def test_preview_shows_payloads_and_row_errors_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["mapping", "preview", str(MAPPINGS / "dynamics365-leads.yaml"), "--source",
                 str(SAMPLES / "dynamics365-leads.xlsx"), "--rows", "10", "--format", "json"])
    captured = capsys.readouterr()
    rows = json.loads(captured.out)
    assert code == 1  # rows 6 and 11 are invalid
    assert [r["row"] for r in rows] == list(range(2, 12))
    assert rows[0]["payload"]["externalReferenceId"] == rows[0]["key"]
    assert rows[4]["state"] == "invalid"
    assert rows[4]["errors"] == [{
        "column": "Country/Region", "field": "customerProfile.address.country",
        "value": "Atlantis", "message": "not a known country (ISO 3166 name or code)",
    }]
    assert "10 rows: 8 valid, 2 invalid, 0 filtered" in captured.err


def test_preview_table_reads_the_report_export_through_the_source(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = main(["mapping", "preview", str(MAPPINGS / "salesforce-leads.yaml"), "--source",
                 str(SAMPLES / "salesforce-leads-report.csv"), "--rows", "3"])
    out = capsys.readouterr().out
    assert code == 0
    assert "00Q5g00000SYUsiEAH  valid" in out  # the report's 15-character ID, completed
    assert out.strip().endswith("3 rows: 3 valid, 0 invalid, 0 filtered")
