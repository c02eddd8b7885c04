"""Partner Center Referrals v1.0: create, get, list with OData, and every response in contract."""

from __future__ import annotations

import re
from typing import Any

import pytest

from sandbox.timefmt import parse_ticks
from tests.sandbox.conftest import REFERRALS
from tests.sandbox.contract_checks import assert_list, assert_referral

pytestmark = pytest.mark.integration

SEVEN_DIGITS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$")


def create_many(pc, make_referral, count: int) -> list[dict[str, Any]]:
    created = []
    for _ in range(count):
        response = pc.post(REFERRALS, json=make_referral())
        assert response.status_code == 201, response.text
        created.append(response.json())
    return created


def test_create_returns_server_fields_and_matches_contract(pc, make_referral) -> None:
    payload = make_referral(status="New", substatus="Pending")
    response = pc.post(
        REFERRALS, json=payload, headers={"client-request-id": "abc", "MS-CorrelationId": "run-1"}
    )
    assert response.status_code == 201
    body = response.json()
    assert_referral(body)
    assert body["externalReferenceId"] == payload["externalReferenceId"]
    assert (body["status"], body["substatus"], body["direction"]) == (
        "Active",
        "Accepted",
        "Outgoing",
    )
    assert SEVEN_DIGITS.match(body["createdDateTime"])
    assert SEVEN_DIGITS.match(body["updatedDateTime"])
    assert re.fullmatch(r'"[0-9a-f-]{36}"', body["eTag"])
    assert response.headers["etag"] == body["eTag"]
    assert response.headers["location"].endswith(f"/referrals/{body['id']}")
    assert response.headers["ms-correlationid"] == "run-1"
    assert response.headers["request-id"]
    assert response.headers["client-request-id"] == "abc"


def test_the_documented_example_payload_is_accepted(pc, seed_payload) -> None:
    response = pc.post(REFERRALS, json=seed_payload)
    assert response.status_code == 201, response.text
    body = response.json()
    assert_referral(body)
    assert body["externalReferenceId"] == "MyCRMID1234"
    assert body["type"] == "Shared"
    assert body["qualification"] == "SalesQualified"
    assert body["consent"]["consentToToShareInfoWithOthers"] is True
    assert body["details"]["requirements"]["industries"] == [{"id": "Retail & Consumer Goods"}]
    assert body["engagementId"] == seed_payload["engagementId"]


def test_get_by_id_and_404(pc, make_referral) -> None:
    (created,) = create_many(pc, make_referral, 1)
    got = pc.get(f"{REFERRALS}/{created['id']}")
    assert got.status_code == 200
    assert_referral(got.json())
    assert got.json()["eTag"] == created["eTag"] == got.headers["etag"]
    missing = pc.get(f"{REFERRALS}/00000000-0000-0000-0000-000000000000")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "itemNotFound"


def test_duplicates_by_external_reference_id_are_stored_and_reported(
    sandbox, pc, make_referral
) -> None:
    payload = make_referral()
    first = pc.post(REFERRALS, json=payload)
    second = pc.post(REFERRALS, json=payload)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] != second.json()["id"]
    stats = sandbox.stats()
    assert stats["duplicate_external_reference_ids"] == [payload["externalReferenceId"]]
    assert stats["objects"]["referral"] == 2


def test_list_pages_of_100_follow_next_link_verbatim(pc, make_referral) -> None:
    created = create_many(pc, make_referral, 230)
    seen: list[str] = []
    url: str | None = f"{REFERRALS}?$count=true"
    pages = 0
    while url:
        response = pc.get(url)
        assert response.status_code == 200, response.text
        body = response.json()
        assert_list(body)
        assert body["@odata.count"] == 230
        assert len(body["value"]) <= 100
        seen += [item["id"] for item in body["value"]]
        url = body.get("@odata.nextLink")
        pages += 1
    assert pages == 3
    assert seen == [c["id"] for c in created]


def test_filter_on_created_time_with_orderby_finds_recent_creates(pc, make_referral) -> None:
    early = create_many(pc, make_referral, 3)
    since = early[-1]["createdDateTime"]
    late = create_many(pc, make_referral, 4)
    response = pc.get(
        REFERRALS,
        params={
            "$filter": f"createdDateTime gt {since}",
            "$orderby": "createdDateTime desc",
        },
    )
    assert response.status_code == 200
    ids = [item["id"] for item in response.json()["value"]]
    assert ids == [c["id"] for c in reversed(late)]
    quoted = pc.get(REFERRALS, params={"$filter": f"createdDateTime ge '{since}'"})
    assert [i["id"] for i in quoted.json()["value"]] == [early[-1]["id"]] + [c["id"] for c in late]


def test_top_skip_select(pc, make_referral) -> None:
    created = create_many(pc, make_referral, 5)
    response = pc.get(
        REFERRALS, params={"$top": "2", "$skip": "1", "$select": "id,externalReferenceId"}
    )
    body = response.json()
    assert [set(item) for item in body["value"]] == [{"id", "externalReferenceId"}] * 2
    assert [item["id"] for item in body["value"]] == [c["id"] for c in created[1:3]]
    assert "@odata.nextLink" not in body


def test_top_caps_paging_across_pages(pc, make_referral) -> None:
    create_many(pc, make_referral, 150)
    first = pc.get(REFERRALS, params={"$top": "120"}).json()
    assert len(first["value"]) == 100
    second = pc.get(first["@odata.nextLink"]).json()
    assert len(second["value"]) == 20
    assert "@odata.nextLink" not in second


def test_created_times_are_strictly_increasing(pc, make_referral) -> None:
    created = create_many(pc, make_referral, 20)
    ticks = [parse_ticks(c["createdDateTime"]) for c in created]
    assert ticks == sorted(ticks)
    assert len(set(ticks)) == len(ticks)


@pytest.mark.unit
def test_the_contract_check_is_not_vacuous() -> None:
    import jsonschema

    for wrong in (
        {"status": 5},
        {"consent": {"consentToContact": "yes"}},
        {"team": {}},
        {"salesStage": "40"},
    ):
        with pytest.raises(jsonschema.ValidationError):
            assert_referral(wrong)
    with pytest.raises(jsonschema.ValidationError):
        assert_list({"value": [{"details": {"dealValue": "x"}}]})
