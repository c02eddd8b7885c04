"""Translating MSAL's answers and failures into refsync's error tree.

MSAL reports most failures as a result dict with ``error``/``error_description``, some as
exceptions (``MsalServiceError`` for a 5xx from the token service, ``ValueError`` for an authority
it cannot discover) and lets the HTTP client's own exceptions through. Every one of them is
turned here into :class:`~refsync.errors.AuthError` (the user or the app must act),
:class:`~refsync.errors.TransientError` (try later) or :class:`~refsync.errors.ConfigurationError`
(the settings are wrong), with the description redacted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import httpx
import msal

from connectors.http import transport_error
from refsync.errors import AuthError, ConfigurationError, TransientError
from refsync.secrets import redact
from refsync.settings import Settings

from .tokens import AccessToken

T = TypeVar("T")

LOGIN_HINT = "run `refsync auth login` to sign in"
# Token-service errors that a later attempt may not repeat (RFC 6749 §5.2 plus Entra's own).
_TRANSIENT_CODES = frozenset({"temporarily_unavailable", "server_error", "service_unavailable"})
# Errors that mean the stored sign-in no longer works: only the user can fix them.
_SIGN_IN_AGAIN = frozenset({"invalid_grant", "interaction_required", "consent_required",
                            "login_required", "expired_token"})


def msal_options(settings: Settings, http_client: httpx.Client) -> dict[str, Any]:
    """The constructor options every MSAL application in refsync gets."""
    return {
        "authority": settings.authority,
        "http_client": http_client,
        "instance_discovery": False,
    }


def known_secrets(settings: Settings) -> tuple[str, ...]:
    secret = settings.client_secret
    return (secret.get_secret_value(),) if secret is not None else ()


def token_from_result(result: dict[str, Any] | None, *, what: str,
                      secrets: Iterable[str] = ()) -> AccessToken:
    """The :class:`AccessToken` in an MSAL result, or the classified error it describes."""
    if result and "access_token" in result:
        return AccessToken.from_msal(str(result["access_token"]), float(result["expires_in"]))
    if not result:
        raise AuthError(f"{what}: no token available; {LOGIN_HINT}")
    code = str(result.get("error") or "unknown_error")
    description = redact(str(result.get("error_description") or ""), secrets)
    first_line = description.splitlines()[0] if description else ""
    message = f"{what}: token service answered {code}" + (f": {first_line}" if first_line else "")
    if code in _TRANSIENT_CODES:
        raise TransientError(message)
    if code in _SIGN_IN_AGAIN:
        raise AuthError(f"{message}; {LOGIN_HINT}")
    raise AuthError(message)


def call_msal(what: str, func: Callable[[], T], *, secrets: Iterable[str] = ()) -> T:
    """Run one MSAL call, translating the exceptions it lets through."""
    try:
        return func()
    except httpx.HTTPError as exc:
        raise transport_error(exc, what=f"{what} (token service)", creates=False) from exc
    except msal.exceptions.MsalServiceError as exc:
        raise TransientError(f"{what}: token service failed: {redact(str(exc), secrets)}") from exc
    except ValueError as exc:
        # MSAL raises ValueError for an authority whose discovery document it cannot use.
        raise ConfigurationError(
            f"{what}: cannot use the authority ({redact(str(exc), secrets)}); "
            "check authority_host, tenant_id and ca_bundle"
        ) from exc
