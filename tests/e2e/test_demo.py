"""The README's main command, as a new user runs it: twice, the second run creating nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from tests.e2e.conftest import last_report

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


def run_demo(workdir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", "demo", "--workdir", str(workdir)],
        cwd=ROOT, capture_output=True, text=True, timeout=240, check=False,
    )


def test_demo_syncs_the_sample_and_a_second_run_creates_nothing(tmp_path: Path) -> None:
    workdir = tmp_path / "demo"
    first = run_demo(workdir)
    assert first.returncode == 0, first.stdout + first.stderr
    report = last_report(workdir / "runs")
    assert report["counts"]["created"] == 50
    assert report["counts"]["invalid"] == 7
    assert report["counts"]["filtered"] == 3
    assert report["total"] == 60
    assert "sandbox stopped" in first.stdout

    results = openpyxl.load_workbook(workdir / "runs" / "dynamics365-leads-results.xlsx")
    sheet = results.active
    assert sheet is not None
    header = [cell.value for cell in sheet[1]]
    referral_col = header.index("Partner Center Referral ID")
    error_col = header.index("Sync Error")
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert sum(1 for r in rows if r[referral_col]) == 50
    assert any("Atlantis" in str(r[error_col]) for r in rows)

    second = run_demo(workdir)
    assert second.returncode == 0, second.stdout + second.stderr
    again = last_report(workdir / "runs")
    assert again["run"]["run_id"] != report["run"]["run_id"]
    assert again["counts"]["created"] == 0
    assert again["counts"]["unchanged"] == 50
