"""Injected faults: what the client sees, what was committed, and that a seed repeats them."""

from __future__ import annotations

import httpx
import pytest

from tests.sandbox.conftest import PC_SCOPE, REFERRALS

pytestmark = pytest.mark.integration

CREATE = "POST /v1.0/engagements/referrals"


def test_drop_after_commit_commits_then_drops_the_connection(sandbox, pc, make_referral) -> None:
    sandbox.set_faults(drop_after_commit=1.0)
    payload = make_referral()
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        pc.post(REFERRALS, json=payload)
    stored = sandbox.state()["referrals"]
    assert [r["externalReferenceId"] for r in stored] == [payload["externalReferenceId"]]
    assert sandbox.stats()["requests"][CREATE] == {"dropped": 1}
    sandbox.set_faults(drop_after_commit=0)
    listed = pc.get(
        REFERRALS, params={"$filter": f"createdDateTime ge {stored[0]['createdDateTime']}"}
    )
    assert [r["externalReferenceId"] for r in listed.json()["value"]] == [
        payload["externalReferenceId"]
    ]


def test_drop_after_commit_spares_refused_requests(sandbox, pc, make_referral) -> None:
    sandbox.set_faults(drop_after_commit=1.0)
    response = pc.post(REFERRALS, json=make_referral(type="Bogus"))
    assert response.status_code == 400


def test_error_rate_answers_500_or_503_and_commits_nothing(sandbox, pc, make_referral) -> None:
    sandbox.set_faults(error_rate=1.0)
    responses = [pc.post(REFERRALS, json=make_referral()) for _ in range(12)]
    assert {r.status_code for r in responses} == {500, 503}
    assert all(r.headers["retry-after"] == "1" for r in responses if r.status_code == 503)
    assert all(r.json()["error"]["code"] for r in responses)
    assert sandbox.stats()["objects"]["referral"] == 0


def test_error_after_commit_answers_500_but_the_object_exists(sandbox, pc, make_referral) -> None:
    sandbox.set_faults(error_after_commit_rate=1.0)
    response = pc.post(REFERRALS, json=make_referral())
    assert response.status_code == 500
    assert sandbox.stats()["objects"]["referral"] == 1


def test_rate_limit_429_with_retry_after_and_peak_rate(sandbox, pc, make_referral) -> None:
    sandbox.set_faults(rate_limit_per_s=5)
    statuses = [pc.post(REFERRALS, json=make_referral()) for _ in range(8)]
    assert [r.status_code for r in statuses[:5]] == [201] * 5
    limited = [r for r in statuses if r.status_code == 429]
    assert limited
    assert limited[0].headers["retry-after"].isdigit()
    body = limited[0].json()
    assert body["statusCode"] == 429
    assert "Rate limit is exceeded" in body["message"]
    stats = sandbox.stats()
    assert stats["objects"]["referral"] == 5
    assert stats["peak_rate_per_s"][CREATE] >= 8
    assert stats["requests"][CREATE]["429"] == len(limited)


def test_per_route_rate_limit_leaves_other_routes_alone(sandbox, pc, make_referral) -> None:
    sandbox.set_faults(rate_limits={"GET /v1.0/engagements/referrals": 1})
    assert pc.get(REFERRALS).status_code == 200
    assert pc.get(REFERRALS).status_code == 429
    assert pc.post(REFERRALS, json=make_referral()).status_code == 201


def test_latency_is_added(sandbox, pc) -> None:
    sandbox.set_faults(latency_ms=250)
    response = pc.get(REFERRALS)
    assert response.status_code == 200
    assert response.elapsed.total_seconds() >= 0.25


def test_exponential_latency_has_a_tail(sandbox, pc) -> None:
    sandbox.set_faults(latency_jitter_ms=20, latency_distribution="exponential")
    first = [pc.get(REFERRALS).elapsed.total_seconds() for _ in range(15)]
    assert max(first) >= 0.02
    with sandbox.client() as client:
        bad = client.post("/_sandbox/faults", json={"latency_distribution": "pareto"})
    assert bad.status_code == 400


def test_a_hung_route_never_answers(sandbox, pc) -> None:
    sandbox.set_faults(hang_routes=["GET /v1.0/engagements/referrals"])
    with pytest.raises(httpx.ReadTimeout):
        pc.get(REFERRALS, timeout=0.5)
    assert sandbox.stats()["requests"]["GET /v1.0/engagements/referrals"] == {"hung": 1}


def test_faults_can_be_limited_to_routes(sandbox, pc, graph, make_referral) -> None:
    sandbox.set_faults(error_rate=1.0, routes=["POST /v1.0/invitations"])
    assert pc.post(REFERRALS, json=make_referral()).status_code == 201
    response = graph.post(
        "/v1.0/invitations",
        json={
            "invitedUserEmailAddress": "x@outside.example",
            "inviteRedirectUrl": "https://x.example",
        },
    )
    assert response.status_code in (500, 503)
    assert response.json()["error"]["innerError"]["request-id"]


def test_token_endpoint_is_not_faulted_unless_named(sandbox) -> None:
    sandbox.set_faults(error_rate=1.0)
    with sandbox.client() as client:
        response = client.post(
            f"/{sandbox.tenant_id}/oauth2/v2.0/token",
            data={
                "grant_type": "client_credentials",
                "client_id": sandbox.client_id,
                "client_secret": sandbox.client_secret,
                "scope": PC_SCOPE,
            },
        )
    assert response.status_code == 200


def _statuses(sandbox, pc, make_referral, count: int) -> list[int]:
    return [pc.post(REFERRALS, json=make_referral()).status_code for _ in range(count)]


def test_faults_repeat_exactly_under_the_same_seed(sandbox, pc, make_referral) -> None:
    sandbox.set_faults(error_rate=0.5)
    first = _statuses(sandbox, pc, make_referral, 24)
    sandbox.reset()
    sandbox.set_faults(error_rate=0.5)
    second = _statuses(sandbox, pc, make_referral, 24)
    assert first == second
    assert {201} < set(first)


def test_start_options_set_faults_and_a_different_seed_differs(
    start_sandbox, sandbox, pc, make_referral
) -> None:
    sandbox.set_faults(error_rate=0.5)
    session_run = _statuses(sandbox, pc, make_referral, 24)
    with start_sandbox("--seed", "99", "--error-rate", "0.5", "--latency-ms", "1") as proc:
        with proc.client() as admin:
            faults = admin.get("/_sandbox/faults").json()
            assert (faults["error_rate"], faults["latency_ms"]) == (0.5, 1.0)
            token = admin.post("/_sandbox/token", json={"scope": PC_SCOPE}).json()["access_token"]
            admin.post("/_sandbox/faults", json={"error_rate": 0})
            admin.post("/_sandbox/reset")
            assert admin.get("/_sandbox/faults").json()["error_rate"] == 0.5
        with proc.client(headers={"authorization": f"Bearer {token}"}) as client:
            other = [client.post(REFERRALS, json=make_referral()).status_code for _ in range(24)]
    assert other != session_run


@pytest.mark.parametrize(
    "faults",
    [
        {"nonsense": 1},
        {"error_rate": 2},
        {"latency_ms": -1},
        {"hang_routes": "x"},
        {"error_statuses": [404]},
        {"rate_limits": {"x": "fast"}},
        {"graph_throttle_per_5s": 1.5},
    ],
)
def test_bad_fault_settings_are_refused(sandbox, faults) -> None:
    with sandbox.client() as client:
        response = client.post("/_sandbox/faults", json=faults)
    assert response.status_code == 400
    assert sandbox.stats()["faults"]["error_rate"] == 0


def test_unknown_routes_are_404_and_wrong_methods_405(pc) -> None:
    assert pc.get("/v2.0/nothing").status_code == 404
    assert pc.delete(f"{REFERRALS}/x").status_code == 405
