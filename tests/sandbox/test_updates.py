"""PATCH (JSON Patch, allow-listed paths, optional If-Match) and PUT (If-Match required)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sandbox.conftest import REFERRALS
from tests.sandbox.contract_checks import assert_referral

pytestmark = pytest.mark.integration


@pytest.fixture
def created(pc, make_referral) -> dict[str, Any]:
    response = pc.post(REFERRALS, json=make_referral())
    assert response.status_code == 201
    return dict(response.json())


def patch(pc, referral: dict[str, Any], ops: list[dict[str, Any]], **headers: str):
    return pc.patch(f"{REFERRALS}/{referral['id']}", json=ops, headers=headers)


def test_patch_returns_204_with_new_etag_and_applies(pc, created) -> None:
    response = patch(
        pc,
        created,
        [
            {"op": "replace", "path": "/details/dealValue", "value": 999},
            {"op": "replace", "path": "/details/notes", "value": "renegotiated"},
            {
                "op": "add",
                "path": "/team/-",
                "value": {
                    "firstName": "Kim",
                    "lastName": "Lee",
                    "phoneNumber": "555 0101",
                    "email": "kim@partner.example",
                },
            },
        ],
        **{"If-Match": created["eTag"]},
    )
    assert response.status_code == 204
    assert response.content == b""
    new_etag = response.headers["etag"]
    assert new_etag != created["eTag"]
    after = pc.get(f"{REFERRALS}/{created['id']}").json()
    assert after["eTag"] == new_etag
    assert after["details"]["dealValue"] == 999
    assert after["details"]["notes"] == "renegotiated"
    assert [m["firstName"] for m in after["team"]] == ["Pat", "Kim"]
    assert after["updatedDateTime"] > created["updatedDateTime"]
    assert after["createdDateTime"] == created["createdDateTime"]


def test_patch_with_prefer_representation_returns_the_referral(pc, created) -> None:
    response = pc.patch(
        f"{REFERRALS}/{created['id']}",
        json=[{"op": "replace", "path": "/externalReferenceId", "value": "CRM-NEW"}],
        headers={"Prefer": "return=representation"},
    )
    assert response.status_code == 200
    assert_referral(response.json())
    assert response.json()["externalReferenceId"] == "CRM-NEW"
    assert response.json()["eTag"] == response.headers["etag"]


def test_stale_if_match_is_412_with_the_documented_body(pc, created) -> None:
    first = patch(
        pc,
        created,
        [{"op": "replace", "path": "/details/notes", "value": "one"}],
        **{"If-Match": created["eTag"]},
    )
    assert first.status_code == 204
    stale = patch(
        pc,
        created,
        [{"op": "replace", "path": "/details/notes", "value": "two"}],
        **{"If-Match": created["eTag"]},
    )
    assert stale.status_code == 412
    error = stale.json()["error"]
    assert error["code"] == "preconditionFailed"
    assert error["target"] == "ETag"
    assert pc.get(f"{REFERRALS}/{created['id']}").json()["details"]["notes"] == "one"


def test_patch_without_if_match_is_last_writer_wins(pc, created) -> None:
    patch(pc, created, [{"op": "replace", "path": "/details/notes", "value": "one"}])
    response = patch(pc, created, [{"op": "replace", "path": "/details/notes", "value": "two"}])
    assert response.status_code == 204
    assert pc.get(f"{REFERRALS}/{created['id']}").json()["details"]["notes"] == "two"


@pytest.mark.parametrize(
    ("ops", "target"),
    [
        ([{"op": "remove", "path": "/details/notes"}], "op"),
        ([{"op": "copy", "path": "/details/notes", "from": "/name"}], "op"),
        ([{"op": "replace", "path": "/customerProfile/name", "value": "X"}], "path"),
        ([{"op": "replace", "path": "/id", "value": "X"}], "path"),
        ([{"op": "replace", "path": "/details/currency", "value": "XYZ"}], "details.currency"),
        ([{"op": "replace", "path": "/details/dealValue", "value": "much"}], "details.dealValue"),
        ([{"op": "replace", "path": "/team", "value": []}], "team"),
        ([{"op": "replace", "path": "/status", "value": "Open"}], "status"),
        (
            [
                {"op": "replace", "path": "/status", "value": "New"},
                {"op": "replace", "path": "/substatus", "value": "Pending"},
            ],
            "status",
        ),
        ([{"op": "replace", "path": "/status", "value": "Closed"}], "substatus"),
        ([{"op": "replace", "path": "/details/notes"}], "value"),
        (["not an object"], "[0]"),
    ],
)
def test_bad_patches_are_refused_and_change_nothing(pc, created, ops, target: str) -> None:
    response = patch(pc, created, ops)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["target"] == target
    after = pc.get(f"{REFERRALS}/{created['id']}").json()
    assert after["eTag"] == created["eTag"]


@pytest.mark.parametrize("body", [[], {"op": "replace"}, "x"])
def test_patch_body_must_be_a_patch_array(pc, created, body) -> None:
    response = pc.patch(f"{REFERRALS}/{created['id']}", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["target"] == "body"


def test_closed_is_terminal(pc, created) -> None:
    closing = patch(
        pc,
        created,
        [
            {"op": "replace", "path": "/status", "value": "Closed"},
            {"op": "replace", "path": "/substatus", "value": "Won"},
            {"op": "replace", "path": "/statusReason", "value": "signed"},
        ],
    )
    assert closing.status_code == 204
    closed = pc.get(f"{REFERRALS}/{created['id']}").json()
    assert (closed["status"], closed["substatus"]) == ("Closed", "Won")
    assert closed["closedDateTime"]
    again = patch(pc, closed, [{"op": "replace", "path": "/details/notes", "value": "x"}])
    assert again.status_code == 400
    assert again.json()["error"]["target"] == "status"
    assert "terminal" in again.json()["error"]["message"]


def test_patch_unknown_referral_is_404(pc) -> None:
    response = pc.patch(
        f"{REFERRALS}/nope", json=[{"op": "replace", "path": "/details/notes", "value": "x"}]
    )
    assert response.status_code == 404


def test_put_requires_if_match(pc, created) -> None:
    body = {k: v for k, v in created.items() if k != "links"}
    response = pc.put(f"{REFERRALS}/{created['id']}", json=body)
    assert response.status_code == 400
    assert response.json()["error"]["target"] == "If-Match"


def test_put_replaces_the_document_and_keeps_server_fields(pc, created) -> None:
    body = {k: v for k, v in created.items() if k != "links"}
    body["details"] = {**body["details"], "notes": "put"}
    body["id"] = "ignored"
    response = pc.put(
        f"{REFERRALS}/{created['id']}", json=body, headers={"If-Match": created["eTag"]}
    )
    assert response.status_code == 200
    after = response.json()
    assert_referral(after)
    assert after["id"] == created["id"]
    assert after["createdDateTime"] == created["createdDateTime"]
    assert after["details"]["notes"] == "put"
    assert after["eTag"] != created["eTag"]
    stale = pc.put(f"{REFERRALS}/{created['id']}", json=body, headers={"If-Match": created["eTag"]})
    assert stale.status_code == 412


def test_put_validates_like_create(pc, created) -> None:
    body = {k: v for k, v in created.items() if k != "links"}
    body["customerProfile"] = {**body["customerProfile"], "address": {"city": "X"}}
    response = pc.put(
        f"{REFERRALS}/{created['id']}", json=body, headers={"If-Match": created["eTag"]}
    )
    assert response.status_code == 400
    assert response.json()["error"]["target"] == "customerProfile.address.addressLine1"


def test_patched_path_names_match_case_insensitively(pc, created) -> None:
    response = patch(pc, created, [{"OP": "Replace", "PATH": "/Details/Notes", "VALUE": "ci"}])
    assert response.status_code == 204
    assert pc.get(f"{REFERRALS}/{created['id']}").json()["details"]["notes"] == "ci"
