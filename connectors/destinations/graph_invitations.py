"""Microsoft Graph guest invitations: ``POST /v1.0/invitations`` (app-only, ``User.Invite.All``).

The key is the invitee's e-mail address. Re-inviting an existing guest is safe: Graph answers with
the same guest user and a fresh redemption link, and creates no second user. That is why
:meth:`GraphInvitations.resolve` returns ``{}``: after an uncertain outcome, sending the invitation
again is the cheapest correct way to learn its result (the ledger keeps it from happening on every
run). The remote id is the guest *user's* id (``invitedUser.id``), stable across re-invitations,
not the one-off invitation id, which stays in ``body``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

import httpx

from refsync.records import RemoteObject, Target
from refsync.settings import Settings

from ._http import field, invitation_object, json_object, send

__all__ = ["GraphInvitations"]


class GraphInvitations:
    """Invites guest users into the tenant through Microsoft Graph."""

    target: str = Target.GRAPH_INVITATION.value

    def __init__(self, client: httpx.AsyncClient, settings: Settings) -> None:
        self._client = client
        self._url = f"{settings.graph_url}/v1.0/invitations"

    def __repr__(self) -> str:
        return f"GraphInvitations(url={self._url!r})"

    async def create(self, payload: Mapping[str, Any]) -> RemoteObject:
        what = "invite guest (Graph)"
        response = await send(self._client, "POST", self._url, what=what, creates=True,
                              json=dict(payload))
        body = json_object(response, what=what, creates=True)
        user = field(body, "invitedUser")
        user_id = field(user, "id") if isinstance(user, dict) else None
        remote_id = user_id or field(body, "id")
        return invitation_object(response, body, remote_id, payload=payload, what=what)

    async def resolve(self, keys: Collection[str], since: datetime) -> dict[str, RemoteObject]:
        """Always ``{}``: re-inviting the same address is harmless (see the module docstring)."""
        return {}
