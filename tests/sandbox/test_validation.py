"""Each documented rule for a new referral is enforced: 400, and ``target`` names the field."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from tests.sandbox.conftest import REFERRALS

pytestmark = pytest.mark.integration

Mutation = Callable[[dict[str, Any]], None]


def _drop(*path: str) -> Mutation:
    def mutate(doc: dict[str, Any]) -> None:
        for key in path[:-1]:
            doc = doc[key]
        del doc[path[-1]]

    return mutate


def _set(value: Any, *path: str | int) -> Mutation:
    def mutate(doc: dict[str, Any]) -> None:
        target: Any = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


PERSON = {
    "firstName": "A",
    "lastName": "B",
    "phoneNumber": "+1 425 555 0100",
    "email": "a.b@partner.example",
}
CASES: list[tuple[str, Mutation, str]] = [
    ("type required", _drop("type"), "type"),
    ("type enum", _set("Private", "type"), "type"),
    ("customerProfile required", _drop("customerProfile"), "customerProfile"),
    ("customer name required", _drop("customerProfile", "name"), "customerProfile.name"),
    ("address required", _drop("customerProfile", "address"), "customerProfile.address"),
    (
        "address line 1 required",
        _drop("customerProfile", "address", "addressLine1"),
        "customerProfile.address.addressLine1",
    ),
    ("city required", _drop("customerProfile", "address", "city"), "customerProfile.address.city"),
    (
        "country required",
        _drop("customerProfile", "address", "country"),
        "customerProfile.address.country",
    ),
    (
        "country ISO 3166",
        _set("Germany", "customerProfile", "address", "country"),
        "customerProfile.address.country",
    ),
    (
        "country unknown code",
        _set("XX", "customerProfile", "address", "country"),
        "customerProfile.address.country",
    ),
    ("customer size enum", _set("huge", "customerProfile", "size"), "customerProfile.size"),
    ("consent required", _drop("consent"), "consent"),
    ("consent boolean", _set("maybe", "consent", "consentToContact"), "consent.consentToContact"),
    ("details required", _drop("details"), "details"),
    ("currency ISO 4217", _set("EURO", "details", "currency"), "details.currency"),
    ("currency unknown", _set("ABC", "details", "currency"), "details.currency"),
    ("deal value number", _set("lots", "details", "dealValue"), "details.dealValue"),
    ("deal value non-negative", _set(-5, "details", "dealValue"), "details.dealValue"),
    (
        "closing date ISO",
        _set("next spring", "details", "closingDateTime"),
        "details.closingDateTime",
    ),
    (
        "at most 50 solutions",
        _set([{"id": f"S{i}"} for i in range(51)], "details", "requirements", "solutions"),
        "details.requirements.solutions",
    ),
    (
        "solution id required",
        _set([{"name": "x"}], "details", "requirements", "solutions"),
        "details.requirements.solutions[0].id",
    ),
    (
        "solution type enum",
        _set([{"id": "S", "type": "Bundle"}], "details", "requirements", "solutions"),
        "details.requirements.solutions[0].type",
    ),
    ("team required", _drop("team"), "team"),
    ("team not empty", _set([], "team"), "team"),
    ("at most 50 team members", _set([PERSON] * 51, "team"), "team"),
    ("team member email", _set("not-an-email", "team", 0, "email"), "team[0].email"),
    ("team member phone", _drop("team", 0, "phoneNumber"), "team[0].phoneNumber"),
    ("team member first name", _drop("team", 0, "firstName"), "team[0].firstName"),
    ("team must be an array", _set({"firstName": "x"}, "team"), "team"),
    (
        "at most 50 customer contacts",
        _set([PERSON] * 51, "customerProfile", "team"),
        "customerProfile.team",
    ),
    (
        "customer contact email",
        _set("x@", "customerProfile", "team", 0, "email"),
        "customerProfile.team[0].email",
    ),
    (
        "shared needs a customer contact",
        lambda d: (d.update(type="Shared"), d["customerProfile"].pop("team")),
        "customerProfile.team",
    ),
    ("qualification enum", _set("Hot", "qualification"), "qualification"),
    ("status enum", _set("Open", "status"), "status"),
    ("substatus must match status", lambda d: d.update(status="New", substatus="Won"), "substatus"),
    ("substatus needs status", _set("Pending", "substatus"), "status"),
    ("cannot be created Closed", lambda d: d.update(status="Closed", substatus="Won"), "status"),
    (
        "assistance request code enum",
        _set({"assistanceRequestCode": "Help"}, "inviteContext"),
        "inviteContext.assistanceRequestCode",
    ),
    ("target type enum", _set([{"id": "1", "type": "Region"}], "target"), "target[0].type"),
    ("sales stage enum", _set("Negotiate", "salesStage"), "salesStage"),
    ("name must be a string", _set({"x": 1}, "name"), "name"),
]


@pytest.mark.parametrize(("rule", "mutate", "target"), CASES, ids=[c[0] for c in CASES])
def test_rule_is_refused_with_its_target(
    sandbox, pc, make_referral, rule: str, mutate: Mutation, target: str
) -> None:
    payload = make_referral()
    mutate(payload)
    response = pc.post(REFERRALS, json=payload)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "invalidRequest"
    assert error["target"] == target
    assert error["message"]
    assert sandbox.stats()["objects"]["referral"] == 0


@pytest.mark.parametrize("body", [b"", b"not json", b"[1, 2]", b"null", b'"text"', b"{"])
def test_body_that_is_not_an_object_is_refused(sandbox, pc, body: bytes) -> None:
    response = pc.post(REFERRALS, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalidRequest"
    assert sandbox.stats()["objects"]["referral"] == 0


def test_property_names_match_case_insensitively(pc, make_referral) -> None:
    payload = make_referral()
    shouted = {key.upper(): value for key, value in payload.items()}
    shouted["CUSTOMERPROFILE"] = {k.upper(): v for k, v in payload["customerProfile"].items()}
    response = pc.post(REFERRALS, json=shouted)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["externalReferenceId"] == payload["externalReferenceId"]
    assert body["customerProfile"]["address"]["city"] == "Berlin"


def test_scalars_are_bound_like_aspnet(pc, make_referral) -> None:
    payload = make_referral()
    payload["consent"] = {"consentToContact": "TRUE", "consentToToShareInfoWithOthers": "false"}
    payload["details"] = {**payload["details"], "dealValue": "99.5"}
    payload["team"] = [{**payload["team"][0], "phoneNumber": 4930123456}]
    body = pc.post(REFERRALS, json=payload).json()
    assert body["consent"] == {"consentToContact": True, "consentToToShareInfoWithOthers": False}
    assert body["details"]["dealValue"] == 99.5
    assert body["team"][0]["phoneNumber"] == "4930123456"


def test_unknown_properties_are_ignored_and_server_fields_overwritten(pc, make_referral) -> None:
    payload = make_referral(
        id="mine",
        eTag='"mine"',
        createdDateTime="2001-01-01T00:00:00Z",
        direction="Incoming",
        somethingElse={"x": 1},
    )
    body = pc.post(REFERRALS, json=payload).json()
    assert body["id"] != "mine"
    assert body["eTag"] != '"mine"'
    assert body["direction"] == "Outgoing"
    assert not body["createdDateTime"].startswith("2001")
    assert "somethingElse" not in body


def test_codes_are_normalised(pc, make_referral) -> None:
    payload = copy.deepcopy(make_referral())
    payload["customerProfile"]["address"]["country"] = "de"
    payload["details"]["currency"] = "eur"
    payload["type"] = "independent"
    body = pc.post(REFERRALS, json=payload).json()
    assert body["customerProfile"]["address"]["country"] == "DE"
    assert body["details"]["currency"] == "EUR"
    assert body["type"] == "Independent"
