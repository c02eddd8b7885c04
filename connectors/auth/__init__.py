"""Authentication against Microsoft Entra ID through MSAL.

Two identities, two token sources:

* :class:`AppOnlyTokenSource` — client credentials, for Microsoft Graph invitations and GT365
  (scope :data:`GRAPH_SCOPE`);
* :class:`DelegatedTokenSource` — App+User, for Partner Center (scope
  :data:`PARTNER_CENTER_SCOPE`): :func:`device_code_login` signs in once and persists MSAL's
  cache owner-only; later runs acquire silently and refresh mid-run.

:class:`MsalAuth` plugs either into httpx; :func:`auth_for_target` picks the right one for a
destination. Tokens never appear in a ``repr``, a log line or an exception message.
"""

from __future__ import annotations

import httpx

from refsync.records import Target
from refsync.settings import Settings

from .app_only import AppOnlyTokenSource
from .delegated import AuthStatus, DelegatedTokenSource, auth_status, device_code_login, logout
from .httpx_auth import MsalAuth
from .token_cache import FileTokenCache
from .tokens import GRAPH_SCOPE, PARTNER_CENTER_SCOPE, AccessToken, TokenSource

__all__ = [
    "GRAPH_SCOPE",
    "PARTNER_CENTER_SCOPE",
    "AccessToken",
    "AppOnlyTokenSource",
    "AuthStatus",
    "DelegatedTokenSource",
    "FileTokenCache",
    "MsalAuth",
    "TokenSource",
    "auth_for_target",
    "auth_status",
    "device_code_login",
    "logout",
    "scope_for_target",
]

_DELEGATED = frozenset({Target.REFERRAL, Target.LEGACY_REFERRAL})


def scope_for_target(target: Target | str) -> str:
    """The MSAL scope a target's API wants: Partner Center's, or Graph's (GT365 included)."""
    return PARTNER_CENTER_SCOPE if Target(target) in _DELEGATED else GRAPH_SCOPE


def auth_for_target(
    target: Target | str, settings: Settings, *, http_client: httpx.Client | None = None
) -> MsalAuth:
    """The :class:`MsalAuth` for ``target``: delegated for Partner Center, app-only otherwise.

    Call ``auth.token_source.close()`` when the run ends to release the token client.

    Raises:
        ValueError: ``target`` is not a :class:`~refsync.records.Target` value.
        refsync.errors.ConfigurationError: app-only access without a client secret.
    """
    kind = Target(target)
    source: TokenSource
    if kind in _DELEGATED:
        source = DelegatedTokenSource(settings, http_client=http_client)
    else:
        source = AppOnlyTokenSource(settings, http_client=http_client)
    return MsalAuth(source, scope_for_target(kind))
