"""Spreadsheet write-back: a results copy, success/error files, the input untouched."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from connectors.sources import open_source
from connectors.writeback import (
    SpreadsheetWriteBack,
    WriteBackColumns,
    open_writeback,
    result_files,
    result_workbook_path,
)
from refsync.errors import ConfigurationError, InputError
from refsync.records import Outcome, RowResult
from refsync.source_spec import SpreadsheetSourceSpec
from tests.sources.files import xlsx

pytestmark = pytest.mark.unit

SYNCED = dt.datetime(2026, 11, 22, 3, 0, 0, tzinfo=dt.UTC)
HEADER = ["Lead Id", "Company", "Email"]


def results() -> list[RowResult]:
    return [
        RowResult(5, "L-2", Outcome.REJECTED, error="customerProfile.address.country: invalid"),
        RowResult(4, "L-1", Outcome.CREATED, remote_id="ref-1", synced_at=SYNCED),
        RowResult(7, "L-4", Outcome.INVALID, error="=HYPERLINK(\"http://evil\") is not an email"),
    ]


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    (tmp_path / "in").mkdir()
    return xlsx(tmp_path / "in" / "leads.xlsx", [
        ["Leads to share with Microsoft"],
        [],
        HEADER,
        ["L-1", "Contoso", "a@contoso.example"],
        ["L-2", "Fabrikam", "b@fabrikam.example"],
        ["Example: L-0", "-cmd|' /C calc'!A0", "x"],
        ["L-4", "Northwind", "not-an-email"],
    ])


def test_xlsx_copy_has_the_four_columns_on_the_detected_header_row(
    workbook: Path, tmp_path: Path
) -> None:
    spec = SpreadsheetSourceSpec(skip_rows_starting_with=("Example:",))
    before = workbook.read_bytes()
    out = tmp_path / "out"
    writeback = open_writeback(spec, workbook, output_dir=out, key_column="Lead Id")
    for result in results():  # chunks in any order
        writeback.write([result])
    assert not out.exists() or not any(out.iterdir()), "nothing is written before close()"
    writeback.close()

    assert workbook.read_bytes() == before
    copy = result_workbook_path(workbook, out)
    assert copy == out / "leads-results.xlsx"
    sheet = load_workbook(copy).active
    assert sheet is not None
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "Leads to share with Microsoft"
    assert rows[2] == [*HEADER, "ReferralId", "Status", "SyncedAt", "Error"]
    assert rows[3] == ["L-1", "Contoso", "a@contoso.example", "ref-1", "created",
                       "2026-11-22T03:00:00Z", None]
    assert rows[4][3:6] == [None, "rejected", rows[4][5]]
    assert rows[4][6] == "customerProfile.address.country: invalid"
    # untrusted text never becomes a formula: neither the input's nor an error message
    assert rows[5][1] == "'-cmd|' /C calc'!A0"
    assert rows[6][6] == "'=HYPERLINK(\"http://evil\") is not an email"


def test_success_and_error_files_in_data_loader_style(workbook: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    writeback = open_writeback(SpreadsheetSourceSpec(), workbook, output_dir=out,
                               key_column="Lead Id")
    writeback.write(results())
    writeback.close()
    files = result_files(workbook, out)
    success = read_csv(files.success)
    error = read_csv(files.error)
    assert success[0] == ["Row", "ReferralId", "Status", "SyncedAt", *HEADER]
    assert success[1:] == [["4", "ref-1", "created", "2026-11-22T03:00:00Z",
                            "L-1", "Contoso", "a@contoso.example"]]
    assert error[0] == ["Row", "Status", "Error", *HEADER]
    assert [r[:2] for r in error[1:]] == [["5", "rejected"], ["7", "invalid"]]
    assert error[2][2].startswith("'=HYPERLINK")


def test_csv_input_gets_a_csv_copy_with_its_delimiter(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_bytes("Lead Id;Company\r\nL-1;Caf\xe9 M\xfcller\r\nL-2;@SUM(1)\r\n".encode("cp1252"))
    out = tmp_path / "out"
    writeback = open_writeback(SpreadsheetSourceSpec(), path, output_dir=out)
    writeback.write([
        RowResult(2, "L-1", Outcome.UPDATED, remote_id="ref-9", synced_at=SYNCED),
        RowResult(3, "L-2", Outcome.FAILED, error="503 from Partner Center"),
    ])
    writeback.close()
    copy = result_workbook_path(path, out)
    assert copy.name == "leads-results.csv"
    text = copy.read_text(encoding="utf-8-sig")
    assert text.splitlines() == [
        "Lead Id;Company;ReferralId;Status;SyncedAt;Error",
        "L-1;Café Müller;ref-9;updated;2026-11-22T03:00:00Z;",
        f"L-2;'@SUM(1);;failed;{text.splitlines()[2].split(';')[4]};503 from Partner Center",
    ]


def test_existing_write_back_columns_are_filled_in_place(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "again.xlsx", [
        ["Lead Id", "ReferralId", "Status", "SyncedAt", "Error", "Company"],
        ["L-1", "old", "created", None, None, "Contoso"],
    ])
    writeback = open_writeback(SpreadsheetSourceSpec(), path, output_dir=tmp_path / "out")
    writeback.write([RowResult(2, "L-1", Outcome.UNCHANGED, remote_id="ref-1", synced_at=SYNCED)])
    writeback.close()
    sheet = load_workbook(result_workbook_path(path, tmp_path / "out")).active
    assert sheet is not None
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["Lead Id", "ReferralId", "Status", "SyncedAt", "Error", "Company"]
    assert rows[1] == ["L-1", "ref-1", "unchanged", "2026-11-22T03:00:00Z", None, "Contoso"]


def test_column_names_are_overridable(workbook: Path, tmp_path: Path) -> None:
    names = WriteBackColumns("MS Referral", "Sync status", "Synced (UTC)", "Problem")
    writeback = open_writeback(SpreadsheetSourceSpec(), workbook, output_dir=tmp_path / "o",
                               key_column="Lead Id", columns=names)
    writeback.write(results())
    writeback.close()
    sheet = load_workbook(result_workbook_path(workbook, tmp_path / "o")).active
    assert sheet is not None
    assert list(next(sheet.iter_rows(min_row=3, max_row=3, values_only=True)))[3:] == [
        "MS Referral", "Sync status", "Synced (UTC)", "Problem"]


def test_replay_refuses_a_file_changed_since_the_run(workbook: Path, tmp_path: Path) -> None:
    source = open_source(SpreadsheetSourceSpec(), workbook, key_column="Lead Id")
    recorded = source.fingerprint
    xlsx(workbook, [HEADER, ["L-9", "Other", "o@x.example"]])
    with pytest.raises(InputError, match="changed since it was read"):
        open_writeback(SpreadsheetSourceSpec(), workbook, output_dir=tmp_path / "o",
                       expected_fingerprint=recorded)
    assert not (tmp_path / "o").exists()


def test_copy_never_overwrites_the_input(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "x-results.xlsx", [HEADER, ["L-1", "C", "e"]])
    source = open_source(SpreadsheetSourceSpec(), path)
    assert result_workbook_path(path, tmp_path) != path
    renamed = xlsx(tmp_path / "y.xlsx", [HEADER, ["L-1", "C", "e"]])
    (tmp_path / "y-results.xlsx").symlink_to(renamed)
    with pytest.raises(ConfigurationError, match="overwrite the input"):
        SpreadsheetWriteBack(open_source(SpreadsheetSourceSpec(), renamed), tmp_path)
    assert source.fingerprint


def test_results_for_unknown_rows_are_reported(workbook: Path, tmp_path: Path) -> None:
    writeback = open_writeback(SpreadsheetSourceSpec(), workbook, output_dir=tmp_path / "o",
                               key_column="Lead Id")
    writeback.write([RowResult(99, "L-99", Outcome.CREATED, remote_id="r")])
    writeback.close()
    assert isinstance(writeback, SpreadsheetWriteBack)
    assert writeback.unmatched_rows == [99]


def test_xlsm_input_gets_an_xlsx_copy_and_an_offset_table_keeps_its_place(tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["C3"], sheet["D3"] = "Lead Id", "Company"
    sheet["C4"], sheet["D4"] = "L-1", "Contoso"
    path = tmp_path / "macro.xlsm"
    book.save(path)
    out = tmp_path / "out"
    writeback = open_writeback(SpreadsheetSourceSpec(), path, output_dir=out)
    writeback.write([RowResult(4, "L-1", Outcome.CREATED, remote_id="ref-1", synced_at=SYNCED)])
    writeback.close()
    copy = result_workbook_path(path, out)
    assert copy.name == "macro-results.xlsx"
    result = load_workbook(copy).active
    assert result is not None
    assert [c.value for c in result[3]] == [None, None, "Lead Id", "Company", "ReferralId",
                                            "Status", "SyncedAt", "Error"]
    assert [c.value for c in result[4]][2:6] == ["L-1", "Contoso", "ref-1", "created"]


def test_a_failure_while_writing_leaves_no_file_behind(
    workbook: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = open_source(SpreadsheetSourceSpec(), workbook, key_column="Lead Id")
    rows = source.rows

    def broken() -> Iterator[tuple[int, list[object]]]:
        for n, (number, cells) in enumerate(rows()):
            if n == 4:
                raise OSError("disk full")
            yield number, cells

    monkeypatch.setattr(source, "rows", broken)
    out = tmp_path / "out"
    writeback = SpreadsheetWriteBack(source, out)
    writeback.write(results())
    with pytest.raises(OSError, match="disk full"):
        writeback.close()
    assert list(out.iterdir()) == []
