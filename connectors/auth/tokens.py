"""What an access token is to refsync, and where one comes from.

A :class:`TokenSource` is synchronous because MSAL is; :class:`connectors.auth.MsalAuth` calls
it off the event loop. Tokens are held as :class:`AccessToken`, whose ``repr`` never shows the
token itself, so that a stray ``print`` or log call cannot leak it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Protocol

__all__ = ["GRAPH_SCOPE", "PARTNER_CENTER_SCOPE", "AccessToken", "TokenSource"]

PARTNER_CENTER_SCOPE = "https://api.partner.microsoft.com/.default"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"


@dataclass(frozen=True, slots=True)
class AccessToken:
    """A bearer token, the moment (epoch seconds) it stops being accepted, and its lifetime."""

    value: str = field(repr=False)
    expires_at: float
    lifetime_s: float

    @classmethod
    def from_msal(cls, value: str, expires_in: float, *, now: float | None = None) -> AccessToken:
        start = time.time() if now is None else now
        return cls(value=value, expires_at=start + float(expires_in), lifetime_s=float(expires_in))

    def usable(self, *, margin_s: float = 60.0, now: float | None = None) -> bool:
        """True while the token has more than a safety margin left.

        The margin is ``margin_s``, capped at a quarter of the token's lifetime so that very
        short-lived tokens (a test sandbox's) are still used rather than refreshed every request.
        """
        current = time.time() if now is None else now
        return self.expires_at - current > min(margin_s, self.lifetime_s / 4)


class TokenSource(Protocol):
    """Acquires access tokens for one identity (an app, or an app acting for a user)."""

    def acquire(self, scope: str, *, force_refresh: bool = False) -> AccessToken:
        """Return a token for ``scope``; ``force_refresh`` skips every cached access token.

        Raises:
            refsync.errors.AuthError: no token can be had without the user (not signed in,
                consent revoked, credentials refused).
            refsync.errors.TransientError: the token service is unreachable or overloaded.
        """
        ...

    def close(self) -> None:
        """Release the HTTP client this source owns, if any."""
        ...
