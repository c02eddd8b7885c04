"""Graph invitations (guests, refusals, throttling, $batch), GT365 InviteGuest, legacy v1."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.sandbox.conftest import PC_SCOPE

pytestmark = pytest.mark.integration

INVITATIONS = "/v1.0/invitations"


def invite(email: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "invitedUserEmailAddress": email or f"guest.{uuid.uuid4().hex[:8]}@outside.example",
        "inviteRedirectUrl": "https://myapps.microsoft.com",
        **extra,
    }


def test_invitation_is_201_with_ids_and_redeem_url(sandbox, graph) -> None:
    response = graph.post(
        INVITATIONS, json=invite(invitedUserDisplayName="Guest One", sendInvitationMessage=True)
    )
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "PendingAcceptance"
    assert body["invitedUser"]["id"] != body["id"]
    assert "ticket=" in body["inviteRedeemUrl"]
    assert body["sendInvitationMessage"] is True
    assert body["invitedUserType"] == "Guest"
    assert sandbox.stats()["objects"]["invitation"] == 1


def test_reinviting_a_guest_keeps_the_user_and_issues_a_new_ticket(sandbox, graph) -> None:
    first = graph.post(INVITATIONS, json=invite("repeat@outside.example")).json()
    second = graph.post(INVITATIONS, json=invite("Repeat@Outside.example")).json()
    assert second["invitedUser"]["id"] == first["invitedUser"]["id"]
    assert second["id"] != first["id"]
    assert second["inviteRedeemUrl"] != first["inviteRedeemUrl"]
    assert sandbox.stats()["objects"]["guest"] == 1


def test_members_and_verified_domains_are_refused(sandbox, graph) -> None:
    tenant = sandbox.state()["tenant"]
    own = graph.post(INVITATIONS, json=invite(f"someone@{tenant['domain']}"))
    assert own.status_code == 400
    assert "is a verified domain of this directory" in own.json()["error"]["message"]
    member = next(u["upn"] for u in tenant["users"] if u["upn"].endswith("fabrikam.example"))
    existing = graph.post(INVITATIONS, json=invite(member))
    assert existing.status_code == 400
    assert "already exists in the directory" in existing.json()["error"]["message"]
    assert sandbox.stats()["objects"]["invitation"] == 0


@pytest.mark.parametrize(
    "body",
    [
        {"inviteRedirectUrl": "https://x.example"},
        invite("no-at-sign.example"),
        invite("two@@example.org"),
        invite("a@b"),
        {"invitedUserEmailAddress": "x@outside.example"},
        invite(inviteRedirectUrl="not a url"),
        invite(invitedUserType="Admin"),
        invite(sendInvitationMessage="yes"),
        invite(invitedUserMessageInfo={"ccRecipients": [{}, {}]}),
        invite(resetRedemption=True),
        ["not", "an", "object"],
    ],
)
def test_bad_invitations_are_400(sandbox, graph, body: Any) -> None:
    response = graph.post(INVITATIONS, json=body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "BadRequest"
    assert error["innerError"]["request-id"]
    assert sandbox.stats()["objects"]["invitation"] == 0


def test_reset_redemption_needs_the_existing_guest_id(graph) -> None:
    first = graph.post(INVITATIONS, json=invite("reset@outside.example")).json()
    again = graph.post(
        INVITATIONS,
        json=invite(
            "reset@outside.example",
            resetRedemption=True,
            invitedUser={"id": first["invitedUser"]["id"]},
        ),
    )
    assert again.status_code == 201
    assert again.json()["resetRedemption"] is True


def test_graph_throttles_at_150_per_5_seconds_with_fractional_retry_after(sandbox, graph) -> None:
    statuses = [graph.post(INVITATIONS, json=invite()).status_code for _ in range(151)]
    assert statuses[:150] == [201] * 150
    assert statuses[150] == 429
    throttled = graph.post(INVITATIONS, json=invite())
    assert throttled.status_code == 429
    retry_after = throttled.headers["retry-after"]
    assert "." in retry_after
    assert 0 < float(retry_after) <= 5
    assert throttled.json()["error"]["code"] == "TooManyRequests"
    assert sandbox.stats()["objects"]["invitation"] == 150


def test_batch_answers_each_request_inside(sandbox, graph) -> None:
    requests = [
        {
            "id": "1",
            "method": "POST",
            "url": "/invitations",
            "body": invite(),
            "headers": {"Content-Type": "application/json"},
        },
        {"id": "2", "method": "POST", "url": "/invitations", "body": invite("bad")},
        {"id": "3", "method": "GET", "url": "/users"},
    ]
    response = graph.post("/v1.0/$batch", json={"requests": requests})
    assert response.status_code == 200
    inner = {r["id"]: r for r in response.json()["responses"]}
    assert inner["1"]["status"] == 201
    assert inner["1"]["body"]["invitedUser"]["id"]
    assert inner["2"]["status"] == 400
    assert inner["3"]["status"] == 404
    assert sandbox.stats()["objects"]["invitation"] == 1


def test_batch_items_count_toward_the_throttle(sandbox, graph) -> None:
    sandbox.set_faults(graph_throttle_per_5s=5)
    requests = [
        {"id": str(i), "method": "POST", "url": "/invitations", "body": invite()} for i in range(7)
    ]
    inner = graph.post("/v1.0/$batch", json={"requests": requests}).json()["responses"]
    assert [r["status"] for r in inner] == [201] * 5 + [429] * 2
    assert float(inner[-1]["headers"]["retry-after"]) > 0


@pytest.mark.parametrize(
    "body",
    [
        {
            "requests": [
                {"id": str(i), "method": "POST", "url": "/invitations", "body": {}}
                for i in range(21)
            ]
        },
        {"requests": []},
        {
            "requests": [
                {"id": "1", "method": "POST", "url": "/invitations"},
                {"id": "1", "method": "POST", "url": "/invitations"},
            ]
        },
        {"nope": 1},
    ],
)
def test_bad_batches_are_400(sandbox, graph, body: Any) -> None:
    assert graph.post("/v1.0/$batch", json=body).status_code == 400
    assert sandbox.stats()["objects"]["invitation"] == 0


# -- GT365 ------------------------------------------------------------------------------------


def test_gt365_invites_with_a_graph_token(sandbox, graph) -> None:
    response = graph.post(
        "/api/InviteGuest",
        json={
            "invitedUserEmailAddress": "gt@outside.example",
            "sendInvitationMessage": True,
            "requestedBy": "ops@partner.example",
            "more": {"ticket": "42"},
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {
        "id",
        "invitedUserEmailAddress",
        "inviteRedeemUrl",
        "status",
        "sendInvitationMessage",
    }
    assert body["status"] == "PendingAcceptance"
    assert body["sendInvitationMessage"] is True
    stored = sandbox.state()["gt365_invitations"]
    assert [s["id"] for s in stored] == [body["id"]]
    assert stored[0]["requestedBy"] == "ops@partner.example"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"invitedUserEmailAddress": "nope"},
        {"invitedUserEmailAddress": "x@outside.example", "more": "x" * 4001},
        {"invitedUserEmailAddress": "x@outside.example", "sendInvitationMessage": "y"},
        {"invitedUserEmailAddress": "x@outside.example", "inviteRedirectUrl": "nope"},
        [1],
    ],
)
def test_gt365_bad_data_is_400(sandbox, graph, body: Any) -> None:
    response = graph.post("/api/InviteGuest", json=body)
    assert response.status_code == 400
    assert response.json()["message"]
    assert sandbox.stats()["objects"]["gt365_invitation"] == 0


def test_gt365_other_failures_are_500_with_a_message(sandbox, graph) -> None:
    domain = sandbox.state()["tenant"]["domain"]
    response = graph.post("/api/InviteGuest", json={"invitedUserEmailAddress": f"a@{domain}"})
    assert response.status_code == 500
    assert "verified domain" in response.json()["message"]


def test_gt365_refuses_a_missing_token(sandbox) -> None:
    with sandbox.client() as client:
        response = client.post("/api/InviteGuest", json={"invitedUserEmailAddress": "a@b.example"})
    assert response.status_code == 401


def test_gt365_is_slow_when_configured(sandbox, graph) -> None:
    sandbox.set_faults(gt365_latency_ms=300)
    response = graph.post("/api/InviteGuest", json={"invitedUserEmailAddress": "s@outside.example"})
    assert response.status_code == 201
    assert response.elapsed.total_seconds() >= 0.3


# -- legacy v1 ------------------------------------------------------------------------------


def test_legacy_create_and_list_with_continuation_token(sandbox) -> None:
    token = sandbox.token(PC_SCOPE, app_only=True)  # v1 accepts app-only credentials
    with sandbox.client(headers={"authorization": f"Bearer {token}"}) as client:
        created = [
            client.post(
                "/v1/referrals/",
                json={
                    "OrganizationName": "Fabrikam",
                    "CustomerProfile": {"Name": f"Customer {i}"},
                    "Status": "new",
                },
            ).json()
            for i in range(5)
        ]
        assert all(c["status"] == "New" and c["id"] for c in created)
        seen: list[str] = []
        headers: dict[str, str] = {}
        while True:
            page = client.get("/v1/referrals", params={"pageSize": 2}, headers=headers).json()
            assert page["totalCount"] == len(page["items"]) <= 2
            seen += [item["id"] for item in page["items"]]
            nxt = page["links"].get("next")
            if nxt is None:
                break
            (header,) = nxt["headers"]
            assert header["key"] == "MS-ContinuationToken"
            headers = {"MS-ContinuationToken": header["value"]}
    assert seen == [c["id"] for c in created]


@pytest.mark.parametrize(
    ("request_args", "status"),
    [
        ({"method": "POST", "url": "/v1/referrals/", "json": {"status": "New"}}, 400),
        (
            {
                "method": "POST",
                "url": "/v1/referrals/",
                "json": {"customerProfile": {"name": "x"}, "status": "Lost"},
            },
            400,
        ),
        ({"method": "GET", "url": "/v1/referrals", "params": {"pageSize": 101}}, 400),
        (
            {"method": "GET", "url": "/v1/referrals", "headers": {"MS-ContinuationToken": "%%%"}},
            400,
        ),
    ],
)
def test_legacy_bad_requests(sandbox, pc, request_args: dict[str, Any], status: int) -> None:
    assert pc.request(**request_args).status_code == status
    assert sandbox.stats()["objects"]["legacy_referral"] == 0


def test_legacy_needs_a_partner_center_token(sandbox, graph) -> None:
    assert graph.get("/v1/referrals").status_code == 401
