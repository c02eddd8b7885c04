"""Whatever text a CRM or an API hands back, no format turns it into a formula, markup or a leak."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from refsync.cells import neutralise
from refsync.records import Outcome, RowResult
from refsync.reports import (
    RunReport,
    read_json,
    render_html,
    write_csv,
    write_json,
    write_xlsx,
)
from refsync.reports.rows import clean_text
from tests.reports.dom import parse
from tests.reports.factories import JWT, make_report

pytestmark = pytest.mark.unit

# Any text, weighted toward what spreadsheets and browsers act on.
_FRAGMENTS = [*"=+-@\t\r\n<>&\"'|`*[]()\\/:;", "<script>", "</td>", "{{", "%}", "eyJ", "://a:b@"]
hostile = st.lists(
    st.one_of(st.sampled_from(_FRAGMENTS), st.characters(codec="utf-8")), max_size=30
).map("".join)


def report_with(key: str, error: str, mapping: str) -> RunReport:
    return make_report(
        [RowResult(2, key, Outcome.REJECTED, error=f"{error} Bearer {JWT}"),
         RowResult(3, error, Outcome.INVALID, error=key)],
        mapping_name=mapping,
    )


@settings(max_examples=60, deadline=None)
@given(key=hostile, error=hostile, mapping=hostile)
def test_csv_cells_are_the_cleaned_text_and_never_a_formula(key: str, error: str,
                                                            mapping: str) -> None:
    report = report_with(key, error, mapping)
    with tempfile.TemporaryDirectory() as tmp:
        path = write_csv(report, Path(tmp))
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
    assert rows[0]["key"] == neutralise(clean_text(key))
    assert rows[1]["error"] == neutralise(clean_text(key))
    assert JWT not in rows[0]["error"]
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))


@settings(max_examples=30, deadline=None)
@given(key=hostile, error=hostile, mapping=hostile)
def test_no_workbook_cell_is_ever_a_formula(key: str, error: str, mapping: str) -> None:
    report = report_with(key, error, mapping)
    with tempfile.TemporaryDirectory() as tmp:
        path = write_xlsx(report, Path(tmp))
        workbook = load_workbook(path)
        cells = [cell for ws in workbook for row in ws.iter_rows() for cell in row]
    assert cells
    assert all(cell.data_type != "f" for cell in cells)
    assert not any(isinstance(c.value, str) and JWT in c.value for c in cells)


@settings(max_examples=60, deadline=None)
@given(key=hostile, error=hostile, mapping=hostile)
def test_json_reads_back_exactly_the_cleaned_text(key: str, error: str, mapping: str) -> None:
    report = report_with(key, error, mapping)
    with tempfile.TemporaryDirectory() as tmp:
        again = read_json(write_json(report, Path(tmp)))
    assert again.results[0].key == clean_text(key)
    assert again.results[1].error == clean_text(key)
    assert again.mapping_name == clean_text(mapping)
    assert again.counts == report.counts


@settings(max_examples=60, deadline=None)
@given(key=hostile, error=hostile, mapping=hostile)
def test_html_shows_the_text_and_adds_no_element(key: str, error: str, mapping: str) -> None:
    baseline = {el.tag for el in parse(render_html(make_report())).iter()}
    report = report_with(key, error, mapping)
    dom = parse(render_html(report))
    assert {el.tag for el in dom.iter()} <= baseline
    cells = dom.by_id("problem-table").cells()
    assert cells[0][1] == " ".join(clean_text(key).split())
