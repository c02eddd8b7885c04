"""GT365 guest invitations: ``POST {gt365_url}/api/InviteGuest`` with a Graph app-only token.

GT365 invites through Graph on the caller's behalf and takes seconds per call, so its read
timeout is at least :data:`READ_TIMEOUT_S`. It answers 201 with the invitation, 400 for missing
or incorrect data (rejected) and 500 otherwise; a 500 after a create is an uncertain outcome like
any other. As with Graph, re-inviting an address is harmless, so :meth:`GT365Invitations.resolve`
returns ``{}`` and an uncertain invitation is simply sent again.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

import httpx

from refsync.records import RemoteObject, Target
from refsync.settings import Settings

from ._http import field, invitation_object, json_object, send

__all__ = ["READ_TIMEOUT_S", "GT365Invitations"]

READ_TIMEOUT_S = 120.0


class GT365Invitations:
    """Invites guest users through the GT365 API."""

    target: str = Target.GT365_INVITATION.value

    def __init__(self, client: httpx.AsyncClient, settings: Settings) -> None:
        self._client = client
        self._url = f"{settings.gt365_url}/api/InviteGuest"
        base = settings.request_timeout_s
        self._timeout = httpx.Timeout(max(base, READ_TIMEOUT_S), connect=min(10.0, base),
                                      pool=max(base, READ_TIMEOUT_S))

    def __repr__(self) -> str:
        return f"GT365Invitations(url={self._url!r})"

    async def create(self, payload: Mapping[str, Any]) -> RemoteObject:
        what = "invite guest (GT365)"
        response = await send(self._client, "POST", self._url, what=what, creates=True,
                              json=dict(payload), timeout=self._timeout)
        body = json_object(response, what=what, creates=True)
        remote_id = field(body, "id")
        return invitation_object(response, body, remote_id, payload=payload, what=what)

    async def resolve(self, keys: Collection[str], since: datetime) -> dict[str, RemoteObject]:
        """Always ``{}``: re-inviting the same address is harmless (see the module docstring)."""
        return {}
