"""A corpus of bad inputs: each is refused with its own specific error, and nothing is written.

Every case builds its file in ``tmp_path``, expects :class:`InputError` with a message naming
the actual problem, and then checks that opening the write-back for the same file fails the
same way without creating the output directory.
"""

from __future__ import annotations

import codecs
import io
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from connectors.sources import InputLimits, open_source
from connectors.writeback import open_writeback
from refsync.errors import InputError
from refsync.source_spec import SpreadsheetSourceSpec
from tests.sources.files import DECL, package, xlsx

pytestmark = pytest.mark.unit

HEADER = ["Lead Id", "Company", "Email"]
GOOD_ROWS = [HEADER, ["L-1", "Contoso", "a@contoso.example"], ["L-2", "Fabrikam", "b@x.example"]]

Case = tuple[str, Callable[[Path], Path], str, dict[str, object]]


def _empty_xlsx(d: Path) -> Path:
    path = d / "empty.xlsx"
    path.write_bytes(b"")
    return path


def _csv_renamed(d: Path) -> Path:
    path = d / "renamed.xlsx"
    path.write_text("Lead Id,Company\nL-1,Contoso\n")
    return path


def _ole2(d: Path) -> Path:
    path = d / "protected.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    return path


def _truncated(d: Path) -> Path:
    good = xlsx(d / "good.xlsx", GOOD_ROWS)
    path = d / "truncated.xlsx"
    path.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    return path


def _not_a_workbook(d: Path) -> Path:
    path = d / "report.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", f"{DECL}<document/>")
    return path


def _zip_bomb(d: Path) -> Path:
    path = d / "bomb.xlsx"
    cells = '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
    filler = f"<sheetData>{cells}</sheetData>{' ' * 8_000_000}"
    return package(path, filler, shared=["Lead Id"])


def _lying_sizes(d: Path, declared: int = 2 * 1024 * 1024) -> Path:
    """A directory that declares a smaller sheet than the entry inflates to (3 MB)."""
    rows = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>L-{n}</t></is></c></row>'
        for n in range(1, 40_000)
    )
    good = package(d / "big.xlsx", f"<sheetData>{rows}</sheetData>")
    data = bytearray(good.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        info = archive.getinfo("xl/worksheets/sheet1.xml")
    # local header: uncompressed size at +22; central directory entry: at +24
    struct.pack_into("<I", data, info.header_offset + 22, declared)
    central = data.find(b"PK\x01\x02", info.header_offset + 30 + info.compress_size)
    while central >= 0:
        name_len = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46 : central + 46 + name_len] == b"xl/worksheets/sheet1.xml":
            struct.pack_into("<I", data, central + 24, declared)
            break
        central = data.find(b"PK\x01\x02", central + 4)
    path = d / "lying.xlsx"
    path.write_bytes(bytes(data))
    return path


def _doctype(d: Path) -> Path:
    prolog = (
        f'{DECL}<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
    )
    cell = '<c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c>'
    sheet = f'<sheetData><row r="1">{cell}</row></sheetData>'
    return package(d / "entities.xlsx", sheet, prolog=prolog)


def _doctype_utf16(d: Path) -> Path:
    path = d / "entities16.xlsx"
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    sheet = (
        '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        f'<worksheet xmlns="{main}"><sheetData/></worksheet>'
    )
    package(path, "<sheetData/>")
    rebuilt = d / "rebuilt16.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(rebuilt, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = codecs.BOM_UTF16_LE + sheet.encode("utf-16-le")
            dst.writestr(item.filename, data)
    return rebuilt


def _good(d: Path) -> Path:
    return xlsx(d / "leads.xlsx", GOOD_ROWS)


def _empty_sheet(d: Path) -> Path:
    return xlsx(d / "blank.xlsx", [])


def _no_header(d: Path) -> Path:
    return xlsx(d / "numbers.xlsx", [[1, 2, 3], [4, 5, 6]])


def _duplicate_header(d: Path) -> Path:
    return xlsx(d / "dups.xlsx", [["Lead Id", "Email", "email"], ["L-1", "a", "b"]])


def _all_hidden(d: Path) -> Path:
    path = xlsx(d / "hidden.xlsx", GOOD_ROWS)
    rebuilt = d / "allhidden.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(rebuilt, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/workbook.xml":
                data = data.replace(b'state="visible"', b'state="hidden"')
            dst.writestr(item, data)
    return rebuilt


def _legacy_xls(d: Path) -> Path:
    path = d / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    return path


def _empty_csv(d: Path) -> Path:
    path = d / "empty.csv"
    path.write_bytes(codecs.BOM_UTF8 + b"\r\n\r\n")
    return path


def _binary_csv(d: Path) -> Path:
    path = d / "image.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    return path


def _undecodable_csv(d: Path) -> Path:
    path = d / "mojibake.csv"
    path.write_bytes(b"Lead Id,Company\nL-1,Caf\x81\x8d\n")
    return path


def _unclosed_quote(d: Path) -> Path:
    path = d / "quote.csv"
    path.write_text('Lead Id,Company\nL-1,"Contoso\nL-2,Fabrikam\n', encoding="utf-8")
    return path


def _csv_good(d: Path) -> Path:
    path = d / "leads.csv"
    path.write_text("Lead Id,Company\nL-1,C\nL-2,D\nL-3,E\n", encoding="utf-8")
    return path


def _missing(d: Path) -> Path:
    return d / "nowhere.xlsx"


CASES: list[Case] = [
    ("empty-xlsx", _empty_xlsx, r"empty\.xlsx is an empty file \(0 bytes\)", {}),
    ("csv-renamed-xlsx", _csv_renamed, r"not an \.xlsx: an \.xlsx is a zip archive \(it looks "
     r"like text", {}),
    ("ole2-password-protected", _ole2, r"OLE2 file: a legacy \.xls or a password-protected", {}),
    ("truncated-zip", _truncated, r"truncated\.xlsx is a corrupt \.xlsx", {}),
    ("zip-not-a-workbook", _not_a_workbook, r"not a workbook \(no xl/workbook\.xml\)", {}),
    ("zip-bomb", _zip_bomb, r"looks like a zip bomb: xl/worksheets/sheet1\.xml inflates", {}),
    ("lying-zip-directory", _lying_sizes,
     r"lying\.xlsx is refused: an entry inflates beyond the size its zip directory", {}),
    ("lying-zip-directory-small", lambda d: _lying_sizes(d, 1000),
     r"lying\.xlsx is a corrupt \.xlsx: Bad CRC-32", {}),
    ("xml-entities", _doctype, r"sheet1\.xml declares a DOCTYPE", {}),
    ("xml-entities-utf16", _doctype_utf16, r"sheet1\.xml declares a DOCTYPE", {}),
    ("file-too-large", _good, r"leads\.xlsx is too large: \d+ bytes; the limit is 1000",
     {"limits": InputLimits(max_file_bytes=1000)}),
    ("inflates-too-large", _good, r"would inflate to \d+ bytes; the limit is 2000",
     {"limits": InputLimits(max_uncompressed_bytes=2000)}),
    ("too-many-rows", _good, r"has 3 rows; the limit is 1 data rows",
     {"limits": InputLimits(max_rows=1)}),
    ("too-many-columns", _good, r"has 3 columns; the limit is 2",
     {"limits": InputLimits(max_columns=2)}),
    ("missing-sheet", _good, r"no sheet 'Deals' \(sheets: Leads\)",
     {"spec": SpreadsheetSourceSpec(sheet="Deals")}),
    ("sheet-index-out-of-range", _good, r"no sheet number 3 \(0-based; it has 1: Leads\)",
     {"spec": SpreadsheetSourceSpec(sheet=3)}),
    ("no-visible-sheet", _all_hidden, r"no visible worksheet", {}),
    ("empty-sheet", _empty_sheet, r"is empty: no cells with values", {}),
    ("no-header-row", _no_header, r"no header row found in the first 2 rows", {}),
    ("header-row-beyond-sheet", _good, r"has no row 40 \(header_row in the mapping\)",
     {"spec": SpreadsheetSourceSpec(header_row=40)}),
    ("missing-key-column", _good, r"key column 'Account' not found in the first 3 rows",
     {"key_column": "Account"}),
    ("duplicate-header", _duplicate_header, r"names column 'email' twice \(columns B and C\)", {}),
    ("legacy-xls-extension", _legacy_xls, r"unsupported file type '\.xls' \(save it as \.xlsx\)",
     {}),
    ("file-missing", _missing, r"nowhere\.xlsx does not exist", {}),
    ("empty-csv", _empty_csv, r"empty\.csv is an empty file", {}),
    ("binary-as-csv", _binary_csv, r"image\.csv is not a text file \(it contains NUL bytes\)", {}),
    ("undecodable-csv", _undecodable_csv, r"unreadable encoding: neither UTF-8 nor Windows-1252",
     {}),
    ("unclosed-quote-csv", _unclosed_quote, r"malformed CSV near record 2", {}),
    ("csv-too-many-rows", _csv_good, r"has 4 records; the limit is 2 data rows",
     {"limits": InputLimits(max_rows=2)}),
    ("csv-missing-key", _csv_good, r"key column 'Email' not found", {"key_column": "Email"}),
]


@pytest.mark.parametrize(("kind", "make", "message", "options"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_refused_with_its_specific_error_and_nothing_is_written(
    tmp_path: Path, kind: str, make: Callable[[Path], Path], message: str,
    options: dict[str, object],
) -> None:
    (tmp_path / "in").mkdir()
    path = make(tmp_path / "in")
    spec = options.get("spec", SpreadsheetSourceSpec())
    limits = options.get("limits")
    key_column = options.get("key_column")
    with pytest.raises(InputError, match=message):
        open_source(spec, path, limits=limits, key_column=key_column)  # type: ignore[arg-type]
    out = tmp_path / "out"
    with pytest.raises(InputError, match=message):
        open_writeback(
            spec, path, output_dir=out, limits=limits, key_column=key_column  # type: ignore[arg-type]
        )
    assert not out.exists()


def test_the_corpus_covers_at_least_fifteen_kinds() -> None:
    assert len({c[0] for c in CASES}) >= 15
