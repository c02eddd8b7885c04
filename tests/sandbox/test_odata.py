"""``$filter``/``$orderby``: the documented grammar works, anything else is refused."""

from __future__ import annotations

import re
from typing import Any

import pytest

from sandbox.odata import FilterError, compile_filter, parse_orderby
from sandbox.timefmt import format_ticks, parse_ticks
from tests.sandbox.conftest import REFERRALS

DOCS: list[dict[str, Any]] = [
    {
        "id": "a",
        "status": "Active",
        "substatus": "Accepted",
        "type": "Shared",
        "qualification": "SalesQualified",
        "direction": "Outgoing",
        "engagementId": "e1",
        "createdDateTime": "2024-01-01T00:00:00.0000001Z",
        "updatedDateTime": "2024-02-01T00:00:00.0000000Z",
        "customerProfile": {"address": {"country": "US"}},
        "team": [{"email": "luke@fabrikam.example"}, {"email": "o'neil@fabrikam.example"}],
    },
    {
        "id": "b",
        "status": "Closed",
        "substatus": "Won",
        "type": "Independent",
        "qualification": "None",
        "direction": "Outgoing",
        "engagementId": "e2",
        "createdDateTime": "2024-01-01T00:00:00.0000002Z",
        "updatedDateTime": "2024-03-01T00:00:00.0000000Z",
        "customerProfile": {"address": {"country": "DE"}},
        "team": [],
    },
]


def ids(expr: str) -> list[str]:
    predicate = compile_filter(expr)
    return [d["id"] for d in DOCS if predicate(d)]


@pytest.mark.unit
@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("status eq 'Active'", ["a"]),
        ("status ne 'Active'", ["b"]),
        ("Status eq 'Closed' and substatus eq 'Won'", ["b"]),
        ("status eq 'Active' or customerProfile/address/country eq 'DE'", ["a", "b"]),
        ("(status eq 'Active' or status eq 'Closed') and type eq 'Shared'", ["a"]),
        ("not (status eq 'Active')", ["b"]),
        ("createdDateTime gt 2024-01-01T00:00:00.0000001Z", ["b"]),
        ("createdDateTime ge 2024-01-01T00:00:00.0000001Z", ["a", "b"]),
        ("createdDateTime lt '2024-01-01T00:00:00.0000002Z'", ["a"]),
        ("updatedDateTime le 2024-02-01", ["a"]),
        ("updatedDateTime gt 2024-02-01T00:00:00+01:00", ["a", "b"]),
        ("team/any(t: t/email eq 'luke@fabrikam.example')", ["a"]),
        ("team/any(t:t/email eq 'o''neil@fabrikam.example')", ["a"]),
        ("team/all(t: t/email ne 'nobody@example.org')", ["a", "b"]),
        ("engagementId eq 'e2' and qualification eq 'None' and direction eq 'Outgoing'", ["b"]),
        ("substatus eq null", []),
    ],
)
def test_documented_filters(expr: str, expected: list[str]) -> None:
    assert ids(expr) == expected


@pytest.mark.unit
@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("externalReferenceId eq 'CRM-1'", "externalReferenceId"),
        ("name eq 'x'", "not a filterable"),
        ("customerProfile/name eq 'x'", "not a filterable"),
        ("status eq", "end of $filter"),
        ("status like 'A'", "unknown operator"),
        ("status eq 'A' and", "end of $filter"),
        ("(status eq 'A'", "end of $filter"),
        ("(status eq 'A' status", "expected ')'"),
        ("status eq 'A')", "unexpected"),
        ("createdDateTime gt 'yesterday'", "ISO 8601"),
        ("status eq 5", "string literal"),
        ("details/any(d: d/id eq 'x')", "any()/all()"),
        ("team/any(t: t/phoneNumber eq '1')", "not a filterable"),
        ("status eq 'unterminated", "syntax error"),
        ("", "empty"),
    ],
)
def test_refused_filters(expr: str, message: str) -> None:
    with pytest.raises(FilterError, match=re.escape(message)):
        compile_filter(expr)


@pytest.mark.unit
def test_orderby_parsing() -> None:
    assert parse_orderby("createdDateTime desc, UpdatedDateTime") == [
        ("createdDateTime", True),
        ("updatedDateTime", False),
    ]
    for bad in ("externalReferenceId", "createdDateTime sideways", "", "a b c"):
        with pytest.raises(FilterError):
            parse_orderby(bad)


@pytest.mark.unit
@pytest.mark.parametrize("text", ["2024-05-01T12:00:00.1234567Z", "1999-12-31T23:59:59.0000000Z"])
def test_ticks_round_trip_keeps_seven_digits(text: str) -> None:
    assert format_ticks(parse_ticks(text)) == text


@pytest.mark.integration
@pytest.mark.parametrize(
    ("params", "target"),
    [
        ({"$filter": "externalReferenceId eq 'CRM-1'"}, "$filter"),
        ({"$filter": "status eq"}, "$filter"),
        ({"$orderby": "externalReferenceId"}, "$orderby"),
        ({"$top": "-1"}, "$top"),
        ({"$top": "ten"}, "$top"),
        ({"$skip": "x"}, "$skip"),
        ({"$count": "maybe"}, "$count"),
        ({"$select": "id,nonsense"}, "$select"),
        ({"$skiptoken": "garbage!"}, "$skiptoken"),
    ],
)
def test_list_refuses_bad_query_options(pc, params: dict[str, str], target: str) -> None:
    response = pc.get(REFERRALS, params=params)
    assert response.status_code == 400
    assert response.json()["error"]["target"] == target


@pytest.mark.integration
def test_list_filters_on_the_server(pc, make_referral) -> None:
    german = pc.post(REFERRALS, json=make_referral()).json()
    us = make_referral()
    us["customerProfile"]["address"]["country"] = "US"
    us_created = pc.post(REFERRALS, json=us).json()
    only_us = pc.get(REFERRALS, params={"$filter": "customerProfile/address/country eq 'US'"})
    assert [r["id"] for r in only_us.json()["value"]] == [us_created["id"]]
    by_team = pc.get(
        REFERRALS,
        params={"$filter": "team/any(t: t/email eq 'pat@partner.example') and status eq 'Active'"},
    )
    assert {r["id"] for r in by_team.json()["value"]} == {german["id"], us_created["id"]}
