"""Entra ID's OIDC discovery, keys, token endpoint and device-code endpoint for the sandbox tenant.

Grants: ``client_credentials`` (client secret; app-only token with the app's roles),
``urn:ietf:params:oauth:grant-type:device_code`` and ``refresh_token`` (delegated tokens for a
signed-in user, as MSAL's public client flows expect: ``id_token``, ``client_info``,
``refresh_token``). Device codes are approved through ``POST /_sandbox/devicecode`` or at once
with ``--auto-approve``.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any

from sandbox.errors import oauth_error
from sandbox.identity import (
    GRAPH,
    PARTNER_CENTER,
    Registration,
    TokenService,
    User,
    parse_scopes,
)
from sandbox.store import Store
from sandbox.web import Request, Response

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
DEVICE_CODE_LIFETIME_S = 900
REFRESH_KIND = "refresh_token"


@dataclass
class DeviceCode:
    """One pending device-code sign-in."""

    device_code: str
    user_code: str
    scope: str
    expires_at: float
    user: User | None = None
    denied: bool = False


class Entra:
    """The identity routes plus the switches tests flip (auto-approve, app roles)."""

    def __init__(
        self,
        store: Store,
        tokens: TokenService,
        registration: Registration,
        *,
        auto_approve: bool,
        app_roles: list[str],
    ) -> None:
        self.store, self.tokens, self.registration = store, tokens, registration
        self.auto_approve = auto_approve
        self.app_roles = app_roles
        self.base_url = ""
        self.device_codes: dict[str, DeviceCode] = {}

    def known_tenant(self, tenant: str) -> None:
        """Raise 400 unless ``tenant`` is this tenant's id or domain."""
        reg = self.registration
        if tenant.lower() not in (reg.tenant_id.lower(), reg.tenant_domain.lower()):
            raise oauth_error(
                400,
                "invalid_request",
                f"Tenant '{tenant}' not found. Check the tenant id in the authority.",
                90002,
            )

    def discovery(self, tenant: str) -> Response:
        """``GET /{tenant}/v2.0/.well-known/openid-configuration``."""
        self.known_tenant(tenant)
        base = f"{self.base_url}/{self.registration.tenant_id}"
        return Response.json(
            200,
            {
                "issuer": self.tokens.issuer,
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                "jwks_uri": f"{base}/discovery/v2.0/keys",
                "response_types_supported": ["code", "id_token", "code id_token", "token id_token"],
                "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_post",
                    "client_secret_basic",
                ],
                "scopes_supported": ["openid", "profile", "email", "offline_access"],
                "grant_types_supported": ["client_credentials", "refresh_token", DEVICE_GRANT],
                "tenant_region_scope": "WW",
            },
        )

    def keys(self, tenant: str) -> Response:
        """``GET /{tenant}/discovery/v2.0/keys``: the public signing key."""
        self.known_tenant(tenant)
        return Response.json(200, {"keys": [self.tokens.jwk]})

    # -- device code ----------------------------------------------------------------------

    def devicecode(self, req: Request, tenant: str) -> Response:
        """``POST /{tenant}/oauth2/v2.0/devicecode``."""
        self.known_tenant(tenant)
        form = req.form()
        self._check_client_id(form)
        scope = form.get("scope", "")
        self._resource(scope)
        code = DeviceCode(
            device_code=secrets.token_urlsafe(32),
            user_code="".join(secrets.choice("ABCDEFGHJKLMNPQRSTUVWXYZ23456789") for _ in range(9)),
            scope=scope,
            expires_at=time.time() + DEVICE_CODE_LIFETIME_S,
        )
        if self.auto_approve:
            code.user = self.registration.admin
        self.device_codes[code.device_code] = code
        uri = f"{self.base_url}/_sandbox/device"
        return Response.json(
            200,
            {
                "device_code": code.device_code,
                "user_code": code.user_code,
                "verification_uri": uri,
                "expires_in": DEVICE_CODE_LIFETIME_S,
                "interval": 5,
                "message": (
                    f"To sign in, use a web browser to open the page {uri} and enter the code "
                    f"{code.user_code} to authenticate (sandbox: POST /_sandbox/devicecode)."
                ),
            },
        )

    def approve(self, user_code: str, upn: str | None, *, deny: bool = False) -> DeviceCode | None:
        """Approve (or deny) the pending sign-in with ``user_code`` as user ``upn``."""
        for code in self.device_codes.values():
            if (
                code.user_code.upper() == user_code.strip().upper()
                and code.expires_at > time.time()
            ):
                if deny:
                    code.denied = True
                    return code
                user = self.registration.admin if upn is None else self.registration.user(upn)
                if user is None:
                    return None
                code.user = user
                return code
        return None

    def pending(self) -> list[dict[str, Any]]:
        """Device codes waiting for approval (user code and scope only)."""
        now = time.time()
        return [
            {"user_code": c.user_code, "scope": c.scope}
            for c in self.device_codes.values()
            if c.user is None and not c.denied and c.expires_at > now
        ]

    # -- token ----------------------------------------------------------------------------

    def token(self, req: Request, tenant: str) -> Response:
        """``POST /{tenant}/oauth2/v2.0/token``."""
        self.known_tenant(tenant)
        form = req.form()
        self._basic_auth(req, form)
        grant = form.get("grant_type", "")
        if grant == "client_credentials":
            return self._client_credentials(form)
        if grant == DEVICE_GRANT:
            return self._device(form)
        if grant == "refresh_token":
            return self._refresh(form)
        raise oauth_error(
            400, "unsupported_grant_type", f"The grant type '{grant}' is not supported.", 70003
        )

    def _basic_auth(self, req: Request, form: dict[str, str]) -> None:
        header = req.header("authorization") or ""
        if header.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(header[6:]).decode()
            except ValueError:
                raise oauth_error(401, "invalid_client", "Malformed basic auth.", 7000215) from None
            client_id, _, secret = decoded.partition(":")
            form.setdefault("client_id", client_id)
            form.setdefault("client_secret", secret)

    def _check_client_id(self, form: dict[str, str]) -> None:
        if form.get("client_id") != self.registration.client_id:
            raise oauth_error(
                400,
                "unauthorized_client",
                f"Application with identifier '{form.get('client_id')}' was not found in the "
                "directory.",
                700016,
            )
        secret = form.get("client_secret")
        if secret is not None and not secrets.compare_digest(
            secret.encode(), self.registration.client_secret.encode()
        ):
            raise oauth_error(401, "invalid_client", "Invalid client secret provided.", 7000215)

    def _resource(self, scope: str) -> tuple[str, list[str], list[str]]:
        try:
            resource, names, oidc = parse_scopes(scope)
        except ValueError as exc:
            raise oauth_error(400, "invalid_resource", str(exc), 500011) from None
        return resource or GRAPH, names, oidc

    def _client_credentials(self, form: dict[str, str]) -> Response:
        self._check_client_id(form)
        if "client_assertion" in form:
            raise oauth_error(
                401,
                "invalid_client",
                "No certificate credential is registered for this app.",
                700027,
            )
        if not form.get("client_secret"):
            raise oauth_error(
                401,
                "invalid_client",
                "The request body must contain the parameter 'client_secret' or "
                "'client_assertion'.",
                7000218,
            )
        resource, names, _ = self._resource(form.get("scope", ""))
        if names != [".default"]:
            raise oauth_error(
                400,
                "invalid_scope",
                "The client credentials flow needs exactly one scope of the form "
                "'<resource>/.default'.",
                1002012,
            )
        roles = list(self.app_roles) if resource == GRAPH else []
        token, life = self.tokens.access_token(resource, user=None, roles=roles)
        return Response.json(
            200,
            {
                "token_type": "Bearer",
                "expires_in": life,
                "ext_expires_in": life,
                "access_token": token,
            },
        )

    def _device(self, form: dict[str, str]) -> Response:
        self._check_client_id(form)
        code = self.device_codes.get(form.get("device_code", ""))
        if code is None:
            raise oauth_error(400, "invalid_grant", "The device code is not valid.", 70000)
        if code.expires_at <= time.time():
            self.device_codes.pop(code.device_code, None)
            raise oauth_error(400, "expired_token", "The device code has expired.", 70020)
        if code.denied:
            self.device_codes.pop(code.device_code, None)
            raise oauth_error(400, "authorization_declined", "The user declined.", 70019)
        if code.user is None:
            raise oauth_error(
                400,
                "authorization_pending",
                "The user has not yet finished authenticating.",
                70016,
            )
        self.device_codes.pop(code.device_code, None)
        return self._user_tokens(code.user, code.scope)

    def _refresh(self, form: dict[str, str]) -> Response:
        self._check_client_id(form)
        raw = form.get("refresh_token", "")
        record = self.store.get(REFRESH_KIND, _digest(raw))
        if record is None or record["client_id"] != self.registration.client_id:
            raise oauth_error(
                400, "invalid_grant", "The refresh token is invalid or was revoked.", 9002313
            )
        user = self.registration.user_by_oid(record["oid"])
        if user is None:
            raise oauth_error(400, "invalid_grant", "The user no longer exists.", 50034)
        return self._user_tokens(user, form.get("scope", ""))

    def _user_tokens(self, user: User, scope: str) -> Response:
        resource, names, oidc = self._resource(scope)
        if resource == PARTNER_CENTER:
            scp = "user_impersonation"
        else:
            scp = " ".join(n for n in names if n != ".default") or "User.Read"
        token, life = self.tokens.access_token(resource, user=user, scp=scp)
        granted = [f"{resource}/{n}" for n in names] or [f"{resource}/{scp}"]
        body: dict[str, Any] = {
            "token_type": "Bearer",
            "scope": " ".join(granted + oidc),
            "expires_in": life,
            "ext_expires_in": life,
            "access_token": token,
            "client_info": self.tokens.client_info(user),
        }
        if "openid" in oidc or "profile" in oidc:
            body["id_token"] = self.tokens.id_token(user)
        if "offline_access" in oidc:
            refresh = secrets.token_urlsafe(48)
            self.store.put(
                REFRESH_KIND,
                _digest(refresh),
                {
                    "client_id": self.registration.client_id,
                    "oid": user.oid,
                    "issued": int(time.time()),
                },
            )
            body["refresh_token"] = refresh
        return Response.json(200, body)

    def admin_token(self, payload: dict[str, Any]) -> dict[str, Any]:
        """Mint a token without a sign-in (``POST /_sandbox/token``).

        ``scope`` picks the audience. Partner Center tokens are delegated (as ``user``, default
        the admin) unless ``app_only`` is true; Graph tokens are app-only with the app's roles
        unless ``user`` is given. ``lifetime_s`` overrides the token lifetime.
        """
        resource, _, _ = self._resource(str(payload.get("scope", "")))
        upn = payload.get("user")
        app_only = bool(payload.get("app_only", resource == GRAPH and upn is None))
        lifetime = payload.get("lifetime_s")
        life = int(lifetime) if lifetime is not None else None
        if app_only:
            roles = list(self.app_roles) if resource == GRAPH else []
            token, expires = self.tokens.access_token(
                resource, user=None, roles=roles, lifetime_s=life
            )
        else:
            user = self.registration.admin if upn is None else self.registration.user(str(upn))
            if user is None:
                raise ValueError(f"no user {upn!r} in the sandbox tenant")
            scp = "user_impersonation" if resource == PARTNER_CENTER else "User.Read"
            token, expires = self.tokens.access_token(resource, user=user, scp=scp, lifetime_s=life)
        return {"token_type": "Bearer", "access_token": token, "expires_in": expires}


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
