"""Who exists in the sandbox tenant, and the signed tokens that prove it.

The registration (tenant, app, secret, users) and the RSA signing key are kept in the state
directory with owner-only permissions, so a restart keeps accepting tokens issued before it.
Access tokens are RS256 JWTs carrying ``aud``, ``scp`` (delegated) or ``roles`` (app-only), like
Entra ID's; APIs verify them with :meth:`TokenService.verify`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

PARTNER_CENTER = "https://api.partner.microsoft.com"
GRAPH = "https://graph.microsoft.com"
RESOURCES = (PARTNER_CENTER, GRAPH)
REFERRALS_ADMIN = "Referrals Admin"
INVITE_ROLE = "User.Invite.All"
OIDC_SCOPES = frozenset({"openid", "profile", "offline_access", "email"})


@dataclass
class User:
    """A directory member who can sign in with the device code flow."""

    upn: str
    oid: str
    name: str
    partner_roles: list[str] = field(default_factory=list)


@dataclass
class Registration:
    """The tenant, its one registered app and its users, as persisted in ``registration.json``."""

    tenant_id: str
    tenant_domain: str
    client_id: str
    client_secret: str
    users: list[User]

    @property
    def admin(self) -> User:
        return self.users[0]

    def user(self, upn: str) -> User | None:
        """Find a user by UPN (case-insensitive)."""
        wanted = upn.lower()
        return next((u for u in self.users if u.upn.lower() == wanted), None)

    def user_by_oid(self, oid: str) -> User | None:
        return next((u for u in self.users if u.oid == oid), None)

    @property
    def verified_domains(self) -> tuple[str, ...]:
        return (self.tenant_domain, "sandbox.example")


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def load_registration(state_dir: Path) -> Registration:
    """Read the registration from ``state_dir``, creating a fresh tenant on first start."""
    path = state_dir / "registration.json"
    if path.exists():
        raw = json.loads(path.read_text())
        raw["users"] = [User(**u) for u in raw["users"]]
        return Registration(**raw)
    tenant_id = str(uuid.uuid4())
    domain = f"sandbox{tenant_id[:8]}.onmicrosoft.com"
    registration = Registration(
        tenant_id=tenant_id,
        tenant_domain=domain,
        client_id=str(uuid.uuid4()),
        client_secret=secrets.token_urlsafe(32),
        users=[
            User(f"admin@{domain}", str(uuid.uuid4()), "Sandbox Admin", [REFERRALS_ADMIN]),
            User(f"viewer@{domain}", str(uuid.uuid4()), "Sandbox Viewer", []),
            User("member.user@fabrikam.example", str(uuid.uuid4()), "Fabrikam Member", []),
        ],
    )
    _write_private(path, json.dumps(asdict(registration), indent=2).encode())
    return registration


def _load_signing_key(state_dir: Path) -> rsa.RSAPrivateKey:
    path = state_dir / "signing-key.pem"
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if isinstance(key, rsa.RSAPrivateKey):
            return key
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    _write_private(
        path,
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )
    return key


class TokenError(Exception):
    """The bearer token is missing, malformed, expired or meant for someone else."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class TokenService:
    """Mint and verify the tenant's JWTs."""

    def __init__(self, state_dir: Path, registration: Registration, lifetime_s: int) -> None:
        self.registration = registration
        self.lifetime_s = lifetime_s
        self.issuer = ""
        self._key = _load_signing_key(state_dir)
        self._public = self._key.public_key()
        numbers = self._public.public_numbers()
        self.kid = hashlib.sha256(str(numbers.n).encode()).hexdigest()[:16]
        self.jwk = {
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": self.kid,
            "n": _b64url(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")),
            "e": _b64url(numbers.e.to_bytes(3, "big")),
        }
        # Tokens minted before this instant are refused (expire_all). Compared with the token's
        # sub-second mint time, since ``iat`` has whole seconds and a token minted in the same
        # second right after expire_all must still work.
        self._revoked_before = 0.0
        self._cache: dict[str, dict[str, Any]] = {}

    def set_base_url(self, base_url: str) -> None:
        """Tokens name the issuer ``{base_url}/{tenant}/v2.0``, as discovery announces."""
        self.issuer = f"{base_url}/{self.registration.tenant_id}/v2.0"

    def _sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.kid})

    def access_token(
        self,
        audience: str,
        *,
        user: User | None,
        roles: list[str] | None = None,
        scp: str | None = None,
        lifetime_s: int | None = None,
    ) -> tuple[str, int]:
        """Mint an access token; returns it and its lifetime in seconds."""
        now = int(time.time())
        life = self.lifetime_s if lifetime_s is None else lifetime_s
        reg = self.registration
        claims: dict[str, Any] = {
            "aud": audience,
            "iss": self.issuer,
            "iat": now,
            "nbf": now - 5,
            "exp": now + life,
            "tid": reg.tenant_id,
            "appid": reg.client_id,
            "azp": reg.client_id,
            "jti": secrets.token_hex(8),
            "ver": "2.0",
            "sbx_minted": time.time(),
        }
        if user is None:
            claims.update(idtyp="app", oid=reg.client_id, sub=reg.client_id)
            if roles:
                claims["roles"] = roles
        else:
            claims.update(
                idtyp="user",
                oid=user.oid,
                sub=user.oid,
                upn=user.upn,
                name=user.name,
                scp=scp or "user_impersonation",
            )
        return self._sign(claims), life

    def id_token(self, user: User) -> str:
        """An OIDC id token for MSAL's account cache (audience: the client id)."""
        now = int(time.time())
        reg = self.registration
        return self._sign(
            {
                "aud": reg.client_id,
                "iss": self.issuer,
                "iat": now,
                "nbf": now - 5,
                "exp": now + 3600,
                "sub": user.oid,
                "oid": user.oid,
                "tid": reg.tenant_id,
                "preferred_username": user.upn,
                "name": user.name,
                "ver": "2.0",
            }
        )

    def client_info(self, user: User) -> str:
        """The ``client_info`` blob MSAL uses to key its cache by home account."""
        info = {"uid": user.oid, "utid": self.registration.tenant_id}
        return _b64url(json.dumps(info).encode())

    def expire_all(self) -> None:
        """Make every token issued so far invalid (the "token expired mid-run" fault)."""
        self._revoked_before = time.time()
        self._cache.clear()

    def verify(self, token: str, audience: str) -> dict[str, Any]:
        """Return the claims of a valid token for ``audience``.

        Raises:
            TokenError: with a message saying which check failed.
        """
        claims = self._cache.get(token)
        if claims is None:
            try:
                claims = jwt.decode(
                    token,
                    self._public,
                    algorithms=["RS256"],
                    options={"verify_aud": False, "verify_exp": False},
                )
            except jwt.PyJWTError as exc:
                raise TokenError(
                    f"the access token is malformed or its signature is invalid ({exc})"
                ) from exc
            if len(self._cache) > 10000:
                self._cache.clear()
            self._cache[token] = claims
        now = time.time()
        minted = claims.get("sbx_minted", claims.get("iat", 0))
        if claims.get("exp", 0) <= now or minted < self._revoked_before:
            raise TokenError("the access token has expired")
        # The port in the issuer may change across restarts; the signature and tenant decide.
        tenant = self.registration.tenant_id
        issuer = str(claims.get("iss", ""))
        if not issuer.endswith(f"/{tenant}/v2.0") or claims.get("tid") != tenant:
            raise TokenError("the access token was issued by another tenant or authority")
        if claims.get("aud") != audience:
            raise TokenError(
                f"the access token's audience {claims.get('aud')!r} is not {audience!r}"
            )
        return claims


def bearer(header: str | None) -> str:
    """Extract the token from an ``Authorization: Bearer`` header or raise :class:`TokenError`."""
    if not header:
        raise TokenError("no Authorization header: a bearer token is required")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenError("the Authorization header is not a bearer token")
    return token.strip()


def parse_scopes(scope: str) -> tuple[str | None, list[str], list[str]]:
    """Split an OAuth ``scope`` string into (resource, resource scope names, OIDC scopes).

    Raises:
        ValueError: more than one resource is named, or a resource is not one the sandbox serves.
    """
    resource: str | None = None
    names: list[str] = []
    oidc: list[str] = []
    for item in scope.split():
        if item.lower() in OIDC_SCOPES:
            oidc.append(item.lower())
            continue
        if "://" not in item:
            item = f"{GRAPH}/{item}"
        host_end = item.index("/", item.index("://") + 3) if item.count("/") > 2 else len(item)
        res, name = item[:host_end].rstrip("/"), item[host_end + 1 :]
        if res.lower() not in RESOURCES:
            raise ValueError(f"the resource {res!r} is not registered in this tenant")
        if resource is not None and resource != res.lower():
            raise ValueError("scopes for more than one resource were requested")
        resource = res.lower()
        names.append(name)
    return resource, names, oidc
