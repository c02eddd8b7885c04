"""The .csv source: encodings, delimiters, line endings and quoting as exports produce them."""

from __future__ import annotations

import codecs
from pathlib import Path

import pandas as pd
import pytest

from connectors.sources import open_source
from connectors.sources.delimited import sniff_delimiter
from refsync.source_spec import SpreadsheetSourceSpec

pytestmark = pytest.mark.unit

TEXT = "Lead Id,Company,City\nL-1,Café Müller,Köln\nL-2,Contoso,\n"


def read_all(path: Path, spec: SpreadsheetSourceSpec | None = None, **kw: object) -> pd.DataFrame:
    source = open_source(spec or SpreadsheetSourceSpec(), path, **kw)  # type: ignore[arg-type]
    return pd.concat(list(source.chunks(1000)))


@pytest.mark.parametrize(
    ("encoded", "expected"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("cp1252"), "cp1252"),
        (TEXT.encode("utf-16"), "utf-16"),
        (TEXT.encode("utf-16-le"), "utf-16-le"),
        (TEXT.encode("utf-16-be"), "utf-16-be"),
    ],
    ids=["utf8", "utf8-bom", "cp1252", "utf16-bom", "utf16le-nobom", "utf16be-nobom"],
)
def test_encodings_are_detected(tmp_path: Path, encoded: bytes, expected: str) -> None:
    path = tmp_path / "leads.csv"
    path.write_bytes(encoded)
    source = open_source(SpreadsheetSourceSpec(), path)
    assert source.encoding == expected  # type: ignore[union-attr]
    frame = pd.concat(list(source.chunks(10)))
    assert list(frame.columns) == ["Lead Id", "Company", "City"]
    assert frame.loc[2, "Company"] == "Café Müller"
    assert frame.loc[3, "City"] is None


def test_cp1252_euro_sign_and_smart_quotes(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_bytes("Id;Budget;Note\r\nL-1;5 €;“big” deal\r\n".encode("cp1252"))
    frame = read_all(path)
    assert frame.loc[2, "Budget"] == "5 €"
    assert frame.loc[2, "Note"] == "“big” deal"


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_is_sniffed(tmp_path: Path, delimiter: str) -> None:
    rows = [["Lead Id", "Company", "Note"], ["L-1", "Contoso, Ltd", "a;b"], ["L-2", "X", "y"]]
    text = "\n".join(delimiter.join(f'"{c}"' if delimiter in c or "," in c or ";" in c else c
                                    for c in row) for row in rows)
    path = tmp_path / "leads.csv"
    path.write_text(text + "\n", encoding="utf-8")
    frame = read_all(path)
    assert list(frame.columns) == ["Lead Id", "Company", "Note"]
    assert frame.loc[2, "Company"] == "Contoso, Ltd"


def test_sniffer_prefers_the_consistent_split() -> None:
    assert sniff_delimiter("a;b;c\n1,5;2;3\n4;5,5;6\n") == ";"
    assert sniff_delimiter("just one column\nvalue\n") == ","


def test_crlf_and_quoted_line_breaks_keep_record_numbers(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_bytes(
        b'Lead Id,Description,Email\r\nL-1,"two\r\nlines, and a ""quote""",a@x.example\r\n'
        b"L-2,plain,b@x.example\r\n"
    )
    frame = read_all(path)
    assert list(frame.index) == [2, 3]
    assert frame.loc[2, "Description"] == 'two\r\nlines, and a "quote"'
    assert frame.loc[3, "Email"] == "b@x.example"


def test_explicit_encoding_and_delimiter_win(tmp_path: Path) -> None:
    path = tmp_path / "leads.txt"
    path.write_bytes("A|B\nx,1|ä\n".encode("latin-1"))
    frame = read_all(path, SpreadsheetSourceSpec(encoding="latin-1", delimiter="|"))
    assert frame.loc[2, "A"] == "x,1"
    assert frame.loc[2, "B"] == "ä"


def test_values_stay_text_leading_zeros_and_all(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_text("Id,Zip,Phone\n007,01234,+4930123\n", encoding="utf-8")
    row = read_all(path).loc[2]
    assert (row["Id"], row["Zip"], row["Phone"]) == ("007", "01234", "+4930123")


def test_short_rows_are_padded_and_long_rows_get_named_columns(tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    path.write_text("Id,Name\nL-1\nL-2,B,extra\n", encoding="utf-8")
    frame = read_all(path)
    assert list(frame.columns) == ["Id", "Name", "Column C"]
    assert frame.loc[2, "Name"] is None
    assert frame.loc[3, "Column C"] == "extra"


def test_title_rows_and_totals_footer(tmp_path: Path) -> None:
    path = tmp_path / "report.csv"
    path.write_text(
        "Leads export\n\nLead Id,Company,Budget\nL-1,C,1\nL-2,D,2\n\nTotal,,3\n", encoding="utf-8"
    )
    source = open_source(SpreadsheetSourceSpec(), path, key_column="Lead Id")
    frame = pd.concat(list(source.chunks(1)))
    assert list(frame.index) == [4, 5]
    assert source.report.footer_rows == [7]
    assert "read as utf-8, delimiter ','" in source.notes


def test_tsv_extension_reads_as_delimited_text(tmp_path: Path) -> None:
    path = tmp_path / "leads.tsv"
    path.write_text("Lead Id\tCompany\nL-1\tContoso, Ltd\n", encoding="utf-8")
    assert read_all(path).loc[2, "Company"] == "Contoso, Ltd"
