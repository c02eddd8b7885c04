"""Entra-style tokens: real MSAL for all three grants, and every wrong token refused."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import httpx
import msal
import pytest

from tests.fixtures.sandbox import SandboxHandle
from tests.sandbox.conftest import GRAPH_SCOPE, PC_SCOPE, REFERRALS

pytestmark = pytest.mark.integration


@pytest.fixture
def http_client(sandbox: SandboxHandle) -> Iterator[httpx.Client]:
    """The httpx client MSAL uses: TLS verified against the sandbox CA (API_NOTES §5)."""
    with httpx.Client(verify=sandbox.ssl_context()) as client:
        yield client


def confidential(sandbox: SandboxHandle, http_client: httpx.Client, secret: str | None = None):
    return msal.ConfidentialClientApplication(
        sandbox.client_id,
        client_credential=secret or sandbox.client_secret,
        authority=f"{sandbox.base_url}/{sandbox.tenant_id}",
        instance_discovery=False,
        azure_region=False,
        http_client=http_client,
    )


def public(sandbox: SandboxHandle, http_client: httpx.Client) -> msal.PublicClientApplication:
    return msal.PublicClientApplication(
        sandbox.client_id,
        authority=f"{sandbox.base_url}/{sandbox.tenant_id}",
        instance_discovery=False,
        http_client=http_client,
    )


def claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_msal_client_credentials_graph_token_is_cached(sandbox, http_client) -> None:
    app = confidential(sandbox, http_client)
    first = app.acquire_token_for_client([GRAPH_SCOPE])
    assert first["token_source"] == "identity_provider", first
    assert first["expires_in"] > 300
    second = app.acquire_token_for_client([GRAPH_SCOPE])
    assert second["token_source"] == "cache"
    body = claims(first["access_token"])
    assert body["aud"] == "https://graph.microsoft.com"
    assert body["roles"] == ["User.Invite.All"]
    assert body["tid"] == sandbox.tenant_id


def test_msal_client_credentials_partner_center_token_is_refused_as_app_only(
    sandbox, http_client, make_referral
) -> None:
    result = confidential(sandbox, http_client).acquire_token_for_client([PC_SCOPE])
    assert claims(result["access_token"])["aud"] == "https://api.partner.microsoft.com"
    with sandbox.client(headers={"authorization": f"Bearer {result['access_token']}"}) as client:
        response = client.post(REFERRALS, json=make_referral())
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "accessDenied"
    assert "delegated" in response.json()["error"]["message"]
    assert sandbox.state()["referrals"] == []


def test_msal_wrong_secret_is_invalid_client(sandbox, http_client) -> None:
    result = confidential(sandbox, http_client, secret="not-the-secret").acquire_token_for_client(
        [GRAPH_SCOPE]
    )
    assert result["error"] == "invalid_client"
    assert "access_token" not in result


def test_msal_device_code_auto_approved_then_refresh_token(
    sandbox, http_client, make_referral
) -> None:
    app = public(sandbox, http_client)
    flow = app.initiate_device_flow(scopes=[PC_SCOPE])
    assert flow["user_code"]
    assert "message" in flow
    result = app.acquire_token_by_device_flow(flow)
    assert "access_token" in result, result
    assert result["id_token_claims"]["preferred_username"].startswith("admin@")
    token = claims(result["access_token"])
    assert token["aud"] == "https://api.partner.microsoft.com"
    assert token["scp"]
    with sandbox.client(headers={"authorization": f"Bearer {result['access_token']}"}) as client:
        assert client.post(REFERRALS, json=make_referral()).status_code == 201

    sandbox.reset()  # clears deals, not sign-ins
    (account,) = app.get_accounts()
    refreshed = app.acquire_token_silent([PC_SCOPE], account=account, force_refresh=True)
    assert refreshed is not None
    assert refreshed["token_source"] == "identity_provider"
    assert refreshed["access_token"] != result["access_token"]
    by_rt = app.acquire_token_by_refresh_token(result["refresh_token"], scopes=[PC_SCOPE])
    assert "access_token" in by_rt, by_rt


def test_msal_device_code_waits_for_manual_approval(sandbox, http_client) -> None:
    sandbox.settings(auto_approve=False)
    app = public(sandbox, http_client)
    flow = app.initiate_device_flow(scopes=[PC_SCOPE])
    pending = app.acquire_token_by_device_flow(flow, exit_condition=lambda flow: True)
    assert pending["error"] == "authorization_pending"
    sandbox.approve_device_code(flow["user_code"])
    flow["latest_attempt_at"] = 0  # the approval is the event we waited for, not the interval
    result = app.acquire_token_by_device_flow(flow, exit_condition=lambda flow: True)
    assert "access_token" in result, result


def test_device_code_denied(sandbox, http_client) -> None:
    sandbox.settings(auto_approve=False)
    app = public(sandbox, http_client)
    flow = app.initiate_device_flow(scopes=[PC_SCOPE])
    sandbox.deny_device_code(flow["user_code"])
    result = app.acquire_token_by_device_flow(flow, exit_condition=lambda flow: True)
    assert result["error"] == "authorization_declined"


def test_user_without_referrals_admin_role_is_forbidden(
    sandbox, http_client, make_referral
) -> None:
    sandbox.settings(auto_approve=False)
    app = public(sandbox, http_client)
    flow = app.initiate_device_flow(scopes=[PC_SCOPE])
    viewer = next(
        u["upn"] for u in sandbox.state()["tenant"]["users"] if u["upn"].startswith("viewer@")
    )
    sandbox.approve_device_code(flow["user_code"], user=viewer)
    result = app.acquire_token_by_device_flow(flow, exit_condition=lambda flow: True)
    with sandbox.client(headers={"authorization": f"Bearer {result['access_token']}"}) as client:
        response = client.post(REFERRALS, json=make_referral())
    assert response.status_code == 403
    assert "Referrals Admin" in response.json()["error"]["message"]


def _forged(sandbox: SandboxHandle) -> str:
    good = sandbox.token(PC_SCOPE)
    header, _payload, signature = good.split(".")
    body = claims(good)
    body["exp"] += 3600
    forged = base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("missing", "no Authorization header"),
        ("not-bearer", "not a bearer"),
        ("malformed", "malformed"),
        ("forged", "signature"),
        ("expired", "expired"),
        ("graph-audience", "audience"),
    ],
)
def test_partner_center_refuses_wrong_tokens_with_401(sandbox, case: str, reason: str) -> None:
    headers = {
        "missing": {},
        "not-bearer": {"authorization": "Basic dXNlcjpwYXNz"},
        "malformed": {"authorization": "Bearer not.a.jwt"},
        "forged": {"authorization": f"Bearer {_forged(sandbox)}"},
        "expired": {"authorization": f"Bearer {sandbox.token(PC_SCOPE, lifetime_s=-1)}"},
        "graph-audience": {"authorization": f"Bearer {sandbox.token(GRAPH_SCOPE, user=None)}"},
    }[case]
    with sandbox.client(headers=headers) as client:
        response = client.get(REFERRALS)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
    assert reason in response.json()["error"]["message"]
    assert response.headers["www-authenticate"] == "Bearer"


def test_tokens_expire_mid_run(sandbox, pc) -> None:
    assert pc.get(REFERRALS).status_code == 200
    sandbox.expire_tokens()
    response = pc.get(REFERRALS)
    assert response.status_code == 401
    assert "expired" in response.json()["error"]["message"]
    fresh = sandbox.token(PC_SCOPE)  # minted within the same second: must work
    assert pc.get(REFERRALS, headers={"authorization": f"Bearer {fresh}"}).status_code == 200


def test_graph_refuses_partner_center_audience(sandbox) -> None:
    token = sandbox.token(PC_SCOPE)
    with sandbox.client(headers={"authorization": f"Bearer {token}"}) as client:
        response = client.post("/v1.0/invitations", json={})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "InvalidAuthenticationToken"


def test_graph_without_invite_role_is_403(start_sandbox, tmp_path) -> None:
    with start_sandbox("--no-invite-role") as proc:
        with httpx.Client(verify=proc.ssl_context()) as http:
            app = msal.ConfidentialClientApplication(
                proc.client_id,
                client_credential=proc.client_secret,
                authority=f"{proc.base_url}/{proc.tenant_id}",
                instance_discovery=False,
                azure_region=False,
                http_client=http,
            )
            token = app.acquire_token_for_client([GRAPH_SCOPE])["access_token"]
        assert "roles" not in claims(token)
        with proc.client(headers={"authorization": f"Bearer {token}"}) as client:
            response = client.post(
                "/v1.0/invitations",
                json={
                    "invitedUserEmailAddress": "guest@outside.example",
                    "inviteRedirectUrl": "https://example.org",
                },
            )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "Authorization_RequestDenied"


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"grant_type": "password"}, "unsupported_grant_type"),
        (
            {"grant_type": "client_credentials", "scope": "https://unknown.example/.default"},
            "invalid_resource",
        ),
        (
            {"grant_type": "client_credentials", "scope": "https://graph.microsoft.com/User.Read"},
            "invalid_scope",
        ),
        ({"grant_type": "refresh_token", "refresh_token": "nope"}, "invalid_grant"),
    ],
)
def test_token_endpoint_errors(sandbox: SandboxHandle, form: dict[str, str], error: str) -> None:
    form = {"client_id": sandbox.client_id, "client_secret": sandbox.client_secret, **form}
    with sandbox.client() as client:
        response = client.post(f"/{sandbox.tenant_id}/oauth2/v2.0/token", data=form)
    assert response.status_code == 400
    assert response.json()["error"] == error
    assert sandbox.client_secret not in response.text


def test_unknown_tenant_is_refused(sandbox: SandboxHandle) -> None:
    with sandbox.client() as client:
        response = client.get("/someone-else/v2.0/.well-known/openid-configuration")
    assert response.status_code == 400
    assert "AADSTS90002" in response.json()["error_description"]


def test_confidential_client_redeems_a_refresh_token_for_unattended_runs(
    sandbox, http_client, make_referral
) -> None:
    """The secure application model: consent once (device code), then refresh with the secret."""
    flow_app = public(sandbox, http_client)
    signed_in = flow_app.acquire_token_by_device_flow(
        flow_app.initiate_device_flow(scopes=[PC_SCOPE])
    )
    unattended = confidential(sandbox, http_client)
    result = unattended.acquire_token_by_refresh_token(
        signed_in["refresh_token"], scopes=[PC_SCOPE]
    )
    assert "access_token" in result, result
    assert claims(result["access_token"])["upn"].startswith("admin@")
    with sandbox.client(headers={"authorization": f"Bearer {result['access_token']}"}) as client:
        assert client.post(REFERRALS, json=make_referral()).status_code == 201
