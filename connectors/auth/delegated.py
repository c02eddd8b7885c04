"""Delegated (App+User) tokens for Partner Center: sign in once, then acquire silently.

Partner Center's referrals API accepts only a user's token. The user signs in once with the
device-code flow (``refsync auth login``); MSAL's token cache, holding the refresh token, is kept
in ``settings.token_cache`` (owner-only, see :mod:`connectors.auth.token_cache`). Every later run,
including unattended nightly ones, acquires silently from that cache and refreshes when the access
token expires or the API refuses it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import msal

from connectors.http import build_client
from refsync.errors import AuthError
from refsync.settings import Settings

from ._msal import LOGIN_HINT, call_msal, msal_options, token_from_result
from .token_cache import FileTokenCache
from .tokens import PARTNER_CENTER_SCOPE, AccessToken

__all__ = ["AuthStatus", "DelegatedTokenSource", "auth_status", "device_code_login", "logout"]


class DelegatedTokenSource:
    """Tokens for the user signed in with :func:`device_code_login`, from the persisted cache."""

    def __init__(self, settings: Settings, *, http_client: httpx.Client | None = None) -> None:
        self._settings = settings
        self.cache = FileTokenCache(settings.token_cache)
        self._owns_client = http_client is None
        self._http = http_client if http_client is not None else build_client(settings)
        self._app: msal.PublicClientApplication | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"DelegatedTokenSource(token_cache={str(self._settings.token_cache)!r})"

    def __enter__(self) -> DelegatedTokenSource:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def application(self) -> msal.PublicClientApplication:
        """The MSAL public-client application, built (authority discovered) on first use."""
        with self._lock:
            if self._app is None:
                self._app = call_msal(
                    "sign-in",
                    lambda: msal.PublicClientApplication(
                        self._settings.client_id,
                        token_cache=self.cache,
                        **msal_options(self._settings, self._http),
                    ),
                )
            return self._app

    def account(self) -> dict[str, Any] | None:
        """The signed-in account in the cache, if any (read without network access)."""
        accounts = list(self.cache.search(self.cache.CredentialType.ACCOUNT))
        return accounts[0] if accounts else None

    def acquire(self, scope: str, *, force_refresh: bool = False) -> AccessToken:
        """A token for ``scope`` from the cache, refreshed with the refresh token when needed.

        Raises:
            AuthError: nobody is signed in, or the refresh token no longer works; the message
                tells the user to run ``refsync auth login``.
        """
        if self.account() is None:
            raise AuthError(f"not signed in to Partner Center; {LOGIN_HINT}")
        app = self.application()
        accounts = app.get_accounts()
        if not accounts:
            raise AuthError(f"not signed in to Partner Center; {LOGIN_HINT}")
        result: dict[str, Any] | None = call_msal(
            "Partner Center sign-in",
            lambda: app.acquire_token_silent_with_error(
                [scope], account=accounts[0], force_refresh=force_refresh
            ),
        )
        self.cache.save()
        return token_from_result(result, what="Partner Center sign-in")

    def login(self, scope: str, echo: Callable[[str], None]) -> str:
        """Run the device-code flow; return the signed-in username."""
        app = self.application()
        flow: dict[str, Any] = call_msal(
            "device-code sign-in", lambda: app.initiate_device_flow(scopes=[scope])
        )
        if "user_code" not in flow:
            token_from_result(flow, what="device-code sign-in")
        echo(str(flow.get("message") or
                 f"To sign in, open {flow['verification_uri']} and enter the code "
                 f"{flow['user_code']}"))
        result: dict[str, Any] = call_msal(
            "device-code sign-in", lambda: app.acquire_token_by_device_flow(flow)
        )
        token_from_result(result, what="device-code sign-in")
        claims = result.get("id_token_claims") or {}
        username = str(claims.get("preferred_username") or claims.get("upn") or "")
        signed_in = next(
            (a for a in app.get_accounts() if not username or a.get("username") == username),
            None,
        )
        if signed_in is None:
            raise AuthError(
                "device-code sign-in: the token service returned no account (no id_token); "
                "silent sign-in would be impossible"
            )
        for other in app.get_accounts():
            if other.get("home_account_id") != signed_in.get("home_account_id"):
                app.remove_account(other)
        self.cache.save()
        return str(signed_in.get("username") or username)

    def close(self) -> None:
        if self._owns_client:
            self._http.close()


def device_code_login(
    settings: Settings,
    *,
    scope: str = PARTNER_CENTER_SCOPE,
    echo: Callable[[str], None],
    http_client: httpx.Client | None = None,
) -> str:
    """Sign in interactively once with the device-code flow and persist the token cache.

    ``echo`` receives the instruction to show the user (verification URL and code). The call
    returns when the user has approved (or raises when the code expires or is declined). Any other
    account in the cache is removed, so that later silent runs act as exactly this user.

    Returns:
        The signed-in username.
    """
    with DelegatedTokenSource(settings, http_client=http_client) as source:
        return source.login(scope, echo)


@dataclass(frozen=True, slots=True)
class AuthStatus:
    """Who is signed in and until when the cached access token is good; never the token."""

    username: str
    access_token_expires_at: datetime | None
    has_refresh_token: bool


def auth_status(settings: Settings, *, scope: str = PARTNER_CENTER_SCOPE) -> AuthStatus | None:
    """Read the persisted cache (no network); None when nobody is signed in."""
    cache = FileTokenCache(settings.token_cache)
    accounts = list(cache.search(cache.CredentialType.ACCOUNT))
    if not accounts:
        return None
    account = accounts[0]
    home = account.get("home_account_id")
    expiries = [
        int(entry["expires_on"])
        for entry in cache.search(cache.CredentialType.ACCESS_TOKEN, target=[scope])
        if entry.get("home_account_id") == home and str(entry.get("expires_on", "")).isdigit()
    ]
    refresh = any(
        entry.get("home_account_id") == home
        for entry in cache.search(cache.CredentialType.REFRESH_TOKEN)
    )
    return AuthStatus(
        username=str(account.get("username") or home or "unknown"),
        access_token_expires_at=(
            datetime.fromtimestamp(max(expiries), tz=UTC) if expiries else None
        ),
        has_refresh_token=refresh,
    )


def logout(settings: Settings) -> bool:
    """Delete the persisted token cache; True if there was one."""
    return FileTokenCache(settings.token_cache).delete()
