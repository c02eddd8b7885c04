"""A hand-written stand-in for Entra ID's token service, served through httpx.MockTransport.

Just enough OAuth for real MSAL to run its client-credentials, device-code and refresh-token
grants in unit tests without a socket: discovery, the token endpoint and the device-code
endpoint. Tokens are opaque random strings; the id token is an unsigned JWT (MSAL reads its
claims, it does not verify signatures).
"""

from __future__ import annotations

import base64
import json
import secrets
import time
import urllib.parse
from dataclasses import dataclass, field

import httpx

TENANT = "contoso.onmicrosoft.com"
AUTHORITY_HOST = "https://login.test"
CLIENT_ID = "11111111-2222-3333-4444-555555555555"
CLIENT_SECRET = "s3cr3t-value-for-tests"
USERNAME = "admin@contoso.onmicrosoft.com"


def _b64(data: dict[str, object]) -> str:
    raw = json.dumps(data).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@dataclass
class FakeEntra:
    """Counts grants, issues tokens, and can be told to refuse or approve."""

    expires_in: int = 3600
    approved: bool = True
    refuse_refresh: bool = False
    grants: list[str] = field(default_factory=list)
    issued: list[str] = field(default_factory=list)
    refresh_tokens: set[str] = field(default_factory=set)

    @property
    def issuer(self) -> str:
        return f"{AUTHORITY_HOST}/{TENANT}/v2.0"

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def client(self) -> httpx.Client:
        return httpx.Client(transport=self.transport())

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.endswith("/v2.0/.well-known/openid-configuration"):
            base = f"{AUTHORITY_HOST}/{TENANT}/oauth2/v2.0"
            return httpx.Response(200, json={
                "issuer": self.issuer,
                "authorization_endpoint": f"{base}/authorize",
                "token_endpoint": f"{base}/token",
                "device_authorization_endpoint": f"{base}/devicecode",
            })
        form = dict(urllib.parse.parse_qsl(request.content.decode()))
        if path.endswith("/oauth2/v2.0/devicecode"):
            return httpx.Response(200, json={
                "device_code": "dc-" + secrets.token_hex(8),
                "user_code": "ABCD-EFGH",
                "verification_uri": f"{AUTHORITY_HOST}/devicelogin",
                "expires_in": 900,
                "interval": 1,
                "message": f"Open {AUTHORITY_HOST}/devicelogin and enter ABCD-EFGH",
            })
        if path.endswith("/oauth2/v2.0/token"):
            return self._token(form)
        return httpx.Response(404, json={"error": "not_found"})

    def _token(self, form: dict[str, str]) -> httpx.Response:
        grant = form.get("grant_type", "")
        self.grants.append(grant)
        if grant == "client_credentials":
            if form.get("client_secret") != CLIENT_SECRET:
                return httpx.Response(401, json={
                    "error": "invalid_client",
                    "error_description": f"AADSTS7000215: Invalid client secret provided "
                                         f"client_secret={form.get('client_secret')}",
                })
            return self._issue(user=False)
        if grant.endswith("device_code"):
            if not self.approved:
                return httpx.Response(400, json={"error": "authorization_declined",
                                                  "error_description": "declined"})
            return self._issue(user=True)
        if grant == "refresh_token":
            if self.refuse_refresh or form.get("refresh_token") not in self.refresh_tokens:
                return httpx.Response(400, json={
                    "error": "invalid_grant",
                    "error_description": "AADSTS700082: The refresh token has expired.",
                })
            return self._issue(user=True)
        return httpx.Response(400, json={"error": "unsupported_grant_type"})

    def _issue(self, *, user: bool) -> httpx.Response:
        token = "at-" + secrets.token_hex(16)
        self.issued.append(token)
        body: dict[str, object] = {
            "token_type": "Bearer",
            "access_token": token,
            "expires_in": self.expires_in,
        }
        if user:
            refresh = "rt-" + secrets.token_hex(16)
            self.refresh_tokens.add(refresh)
            now = int(time.time())
            claims = {"iss": self.issuer, "aud": CLIENT_ID, "sub": "user-1", "oid": "oid-1",
                      "tid": "tid-1", "preferred_username": USERNAME, "iat": now,
                      "nbf": now, "exp": now + 3600}
            body.update({
                "refresh_token": refresh,
                "scope": "https://api.partner.microsoft.com/.default openid profile "
                         "offline_access",
                "id_token": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.",
                "client_info": _b64({"uid": "oid-1", "utid": "tid-1"}),
            })
        return httpx.Response(200, json=body)
