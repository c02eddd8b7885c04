"""App-only tokens (client credentials) for Microsoft Graph and GT365.

The application acts as itself with its client secret; no user is involved, so nothing is
persisted: MSAL keeps the token in memory and a new process simply asks again.
"""

from __future__ import annotations

import threading
from typing import Any

import httpx
import msal

from connectors.http import build_client
from refsync.errors import ConfigurationError
from refsync.settings import Settings

from ._msal import call_msal, known_secrets, msal_options, token_from_result
from .tokens import AccessToken

__all__ = ["AppOnlyTokenSource"]


class AppOnlyTokenSource:
    """Client-credentials tokens for ``settings.client_id`` in ``settings.tenant_id``.

    The MSAL application (and with it the authority discovery request) is built on first use,
    so that constructing a source never touches the network.
    """

    def __init__(self, settings: Settings, *, http_client: httpx.Client | None = None) -> None:
        if settings.client_secret is None:
            raise ConfigurationError(
                "client_secret is not set; app-only access (Graph, GT365) needs the "
                "application's client secret (REFSYNC_CLIENT_SECRET)"
            )
        self._settings = settings
        self._owns_client = http_client is None
        self._http = http_client if http_client is not None else build_client(settings)
        self._app: msal.ConfidentialClientApplication | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"AppOnlyTokenSource(client_id={self._settings.client_id!r})"

    def _application(self) -> msal.ConfidentialClientApplication:
        with self._lock:
            if self._app is None:
                secret = self._settings.client_secret
                assert secret is not None
                self._app = call_msal(
                    "app-only sign-in",
                    lambda: msal.ConfidentialClientApplication(
                        self._settings.client_id,
                        client_credential=secret.get_secret_value(),
                        **msal_options(self._settings, self._http),
                    ),
                    secrets=known_secrets(self._settings),
                )
            return self._app

    def acquire(self, scope: str, *, force_refresh: bool = False) -> AccessToken:
        """A token for ``scope`` (e.g. ``https://graph.microsoft.com/.default``)."""
        app = self._application()
        if force_refresh:
            _forget_access_tokens(app, scope)
        secrets = known_secrets(self._settings)
        result: dict[str, Any] | None = call_msal(
            "app-only sign-in", lambda: app.acquire_token_for_client(scopes=[scope]),
            secrets=secrets,
        )
        return token_from_result(result, what="app-only sign-in", secrets=secrets)

    def close(self) -> None:
        if self._owns_client:
            self._http.close()


def _forget_access_tokens(app: msal.ClientApplication, scope: str) -> None:
    cache = app.token_cache
    for entry in list(cache.search(cache.CredentialType.ACCESS_TOKEN, target=[scope])):
        cache.remove_at(entry)
