"""Each cast, transform and field source, through a small mapping, on the values CRMs export."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from refsync.errors import ConfigurationError
from refsync.mapping import compile_mapping, parse_mapping
from refsync.mapping.casts import apply_cast
from refsync.mapping.spec import DecimalCast, IntegerCast
from refsync.records import MappedRow

pytestmark = pytest.mark.unit

HEAD = """\
version: 1
name: fields
target: {type: gt365.invitation}
source: {type: spreadsheet}
key: Email
"""


def run(fields: str, columns: dict[str, list[Any]], extra: str = "") -> list[MappedRow]:
    text = HEAD + extra + "fields:\n" + fields
    mapping = compile_mapping(parse_mapping(text.encode(), Path("test.yaml")))
    count = len(next(iter(columns.values())))
    frame = pd.DataFrame({"Email": [f"g{i}@x.example" for i in range(count)], **columns},
                         index=range(2, 2 + count))
    return mapping.map_frame(frame)


def more(rows: list[MappedRow], name: str = "v") -> list[Any]:
    """The values that reached ``more.<name>`` (``None`` where absent or invalid)."""
    return [(r.payload or {}).get("more", {}).get(name) for r in rows]


def errors(rows: list[MappedRow]) -> list[list[str]]:
    return [[e.message for e in r.errors] for r in rows]


def sent(rows: list[MappedRow]) -> list[Any]:
    return [(r.payload or {}).get("sendInvitationMessage") for r in rows]


def test_text_transforms_in_order() -> None:
    rows = run("  more.v: {column: A, transforms: [collapse_spaces, upper, {truncate: 5}]}\n",
               {"A": ["  ab   cdef ", "x", None, "   "]})
    assert more(rows) == ["AB CD", "X", None, None]


def test_null_if_replace_title_lower() -> None:
    rows = run("  more.v: {column: A, transforms: [trim, {null_if: [n/a, '-']}, "
               "{replace: {pattern: '\\s*\\(.*\\)', with: ''}}, title]}\n",
               {"A": ["n/a", "-", "jane DOE (temp)", "ann lee"]})
    assert more(rows) == [None, None, "Jane Doe", "Ann Lee"]


def test_numbers_become_text_without_a_trailing_zero() -> None:
    rows = run("  more.v: {column: A, cast: string}\n", {"A": [98052.0, 12.5, "007", None]})
    assert more(rows) == ["98052", "12.5", "007", None]


def test_boolean_cast_and_default() -> None:
    rows = run("  sendInvitationMessage: {column: A, cast: boolean, default: false}\n",
               {"A": ["Yes", "no", True, 0, None, "perhaps"]})
    assert sent(rows) == [True, False, True, False, False, None]
    assert errors(rows)[5] == ["not a yes/no value (true: true, yes, y, 1, x, ja, oui, si)"]


@pytest.mark.parametrize(
    ("cast", "values", "expected"),
    [
        ("{type: date}", [dt.datetime(2027, 3, 31, 23, 0), "2027-04-01", None],
         ["2027-03-31", "2027-04-01", None]),
        ("{type: date, formats: ['%d.%m.%Y']}", ["31.03.2027", "2027-03-31"],
         ["2027-03-31", "2027-03-31"]),
        # Excel serial numbers: 46477 is 2027-03-31 in the 1900 system
        ("{type: date}", [46477, 46477.75], ["2027-03-31", "2027-03-31"]),
        ("{type: date, excel_epoch: 1904}", [45015], ["2027-03-31"]),
        ("{type: datetime, timezone: Europe/Berlin}",
         ["2027-03-31 09:30", dt.datetime(2027, 1, 15, 12, 0), "2027-03-31T09:30:00Z",
          "2027-03-31T09:30:00+05:30"],
         ["2027-03-31T07:30:00Z", "2027-01-15T11:00:00Z", "2027-03-31T09:30:00Z",
          "2027-03-31T04:00:00Z"]),
        ("{type: datetime, formats: ['%m/%d/%Y %I:%M %p'], timezone: America/New_York}",
         ["3/31/2027 9:30 AM"], ["2027-03-31T13:30:00Z"]),
        ("{type: datetime}", [46477.5], ["2027-03-31T12:00:00Z"]),
    ],
)
def test_date_and_datetime_casts(cast: str, values: list[Any], expected: list[Any]) -> None:
    rows = run(f"  more.v: {{column: A, cast: {cast}}}\n", {"A": values})
    assert more(rows) == expected
    assert errors(rows) == [[]] * len(values)


def test_bad_dates_are_row_errors() -> None:
    rows = run("  more.v: {column: A, cast: {type: date, formats: ['%d.%m.%Y']}}\n",
               {"A": ["31.02.2027", "2027-03-31", "next week"]})
    assert more(rows) == [None, "2027-03-31", None]
    assert errors(rows)[0] == ["not a date (%d.%m.%Y or ISO 8601)"]
    assert rows[0].errors[0].value == "31.02.2027"


@pytest.mark.parametrize(
    ("cast", "values", "expected"),
    [
        (IntegerCast(), ["1,200", 7.0, "7.5", "x", None], [1200, 7, None, None, None]),
        (DecimalCast(), ["EUR 1,250.50", "$ 99", "about 50k", 3, "12 USD"],
         [1250.5, 99, None, 3, 12]),
        (DecimalCast(decimal_separator=","), ["1.250,75 €", "3,5"], [1250.75, 3.5]),
        (DecimalCast(places=1), ["2.46", 15000.0], [2.5, 15000]),
    ],
)
def test_number_casts(cast: Any, values: list[Any], expected: list[Any]) -> None:
    out, bad, message = apply_cast(cast, pd.Series(values, dtype=object))
    assert out.tolist() == expected
    assert [type(v) for v in out.tolist()] == [type(v) for v in expected]  # 15000, not 15000.0
    assert bad is not None
    assert bad.tolist() == [e is None and v is not None for v, e in zip(values, expected,
                                                                       strict=True)]
    assert message in ("not a number", "not a whole number")


def test_country_and_phone() -> None:
    rows = run(
        "  more.c: {column: C, transforms: [trim, {country: {aliases: {Bayern: DE}}}]}\n"
        "  more.p: {column: P, transforms: [{phone: {region: US, region_field: more.c}}]}\n",
        {"C": ["Germany", "uk", "Bayern", None, "Atlantis"],
         "P": ["030 1234567", "020 7946 0958", "+49 89 1234567", "(425) 882-8080", "12"]})
    assert more(rows, "c") == ["DE", "GB", "DE", None, None]
    assert more(rows, "p") == ["+49301234567", "+442079460958", "+49891234567", "+14258828080",
                               None]
    assert errors(rows)[4] == ["not a known country (ISO 3166 name or code)",
                               "not a valid phone number (give it with +country code, or a "
                               "region)"]


def test_lookup_with_and_without_default() -> None:
    fields = ("  more.a: {column: A, lookup: {values: {Hot: H, Warm: W}, default: other}}\n"
              "  more.b: {column: A, lookup: {values: {Hot: H, Warm: W}}}\n")
    rows = run(fields, {"A": ["hot", " Warm ", "Cold"]})
    assert more(rows, "a")[:2] == ["H", "W"]
    assert errors(rows)[2] == ["not in the lookup table (Hot, Warm)"]


def test_columns_split_join_and_template() -> None:
    rows = run(
        "  more.j: {columns: [A, B], transforms: [{join: ' / '}]}\n"
        "  more.t: {template: 'Hello {A}{{!}} ({B})'}\n"
        "  more.s: {column: C, transforms: [{split: ';'}, {join: ','}]}\n",
        {"A": ["x", None, None], "B": [2.0, "y", None], "C": ["a; b;;c", None, " "]})
    assert more(rows, "j") == ["x / 2", "y", None]
    assert more(rows, "t") == ["Hello x{!} (2)", "Hello {!} (y)", None]
    assert more(rows, "s") == ["a,b,c", None, None]


def test_filter_conditions_combine() -> None:
    extra = ("filter:\n  - {column: S, in: [Open, New]}\n  - {column: T, not_empty: true}\n"
             "  - {column: T, matches: '[A-Z]+-\\d+'}\n")
    rows = run("  more.t: {column: T}\n", {"S": ["Open", "New", "Closed", "Open"],
                                           "T": ["AB-1", None, "AB-2", "ab-3"]}, extra)
    assert [r.filtered for r in rows] == [False, True, True, True]
    assert all(r.key for r in rows)


def test_a_missing_column_names_the_mapping_line() -> None:
    with pytest.raises(ConfigurationError, match=r"test.yaml:7: column 'Nope' is not in the "
                                                 r"source"):
        run("  more.v: {column: Nope}\n", {"A": [1]})


def test_one_bad_row_never_stops_the_others() -> None:
    rows = run("  sendInvitationMessage: {column: A, cast: boolean}\n"
               "  invitedUserDisplayName: {column: B, required: true}\n",
               {"A": ["yes", "??", "no"], "B": ["Ann", "Ben", None]})
    assert [r.is_valid for r in rows] == [True, False, False]
    assert errors(rows)[2] == ["a value is required"]
    assert rows[0].payload == {"invitedUserEmailAddress": "g0@x.example",
                               "sendInvitationMessage": True, "invitedUserDisplayName": "Ann"}
