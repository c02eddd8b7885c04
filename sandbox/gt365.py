"""GT365 ``POST /api/InviteGuest``: a slow wrapper around Graph invitations.

It takes a Graph app-only token of the caller's tenant, answers 201 with a short invitation
record, 400 for missing or incorrect data and 500 for anything else (including Graph refusing
the guest), and takes seconds to do it (``gt365_latency_ms``).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from sandbox.errors import ApiError, gt365_error
from sandbox.faults import FaultEngine
from sandbox.graph import Graph, InviteRefused, absolute_url, valid_email
from sandbox.web import Request, Response

KIND = "gt365_invitation"
DEFAULT_REDIRECT = "https://invitations.microsoft.com"
MAX_MORE = 4000


class Gt365:
    """The single GT365 route."""

    def __init__(self, graph: Graph, faults: FaultEngine) -> None:
        self.graph, self.faults = graph, faults

    async def invite(self, req: Request) -> Response:
        """``POST /api/InviteGuest``."""
        delay = self.faults.faults.gt365_latency_ms / 1000.0
        if delay:
            await asyncio.sleep(delay)
        try:
            self.graph.authorize(req)
        except ApiError as exc:
            if exc.response.status == 401:
                raise gt365_error(
                    401,
                    "Unauthorized: a valid Graph bearer token is required.",
                    www_authenticate="Bearer",
                ) from None
            raise gt365_error(
                500,
                "Graph refused the call: insufficient privileges (User.Invite.All is required).",
            ) from None
        try:
            body = req.json()
        except ValueError:
            raise gt365_error(400, "The request body is not valid JSON.") from None
        if not isinstance(body, dict):
            raise gt365_error(400, "The request body must be a JSON object.")
        data = {str(k).lower(): v for k, v in body.items()}
        email = data.get("inviteduseremailaddress")
        if not email:
            raise gt365_error(400, "invitedUserEmailAddress is required.")
        if not valid_email(email):
            raise gt365_error(400, f"'{email}' is not a valid email address.")
        more: Any = data.get("more")
        if more is not None:
            size = len(more) if isinstance(more, str) else len(json.dumps(more))
            if size > MAX_MORE:
                raise gt365_error(400, f"'more' may hold at most {MAX_MORE} characters.")
        send = data.get("sendinvitationmessage", False)
        if not isinstance(send, bool):
            raise gt365_error(400, "sendInvitationMessage must be true or false.")
        redirect = data.get("inviteredirecturl") or DEFAULT_REDIRECT
        if not absolute_url(redirect):
            raise gt365_error(400, "inviteRedirectUrl must be an absolute http(s) URL.")
        wait = self.graph.throttle.acquire(self.faults.faults.graph_throttle_per_5s)
        if wait is not None:
            raise gt365_error(500, "Graph throttled the invitation (429); retry later.")
        try:
            invitation = self.graph.create_invitation(
                {
                    "invitedUserEmailAddress": email,
                    "inviteRedirectUrl": redirect,
                    "invitedUserDisplayName": data.get("inviteduserdisplayname"),
                    "sendInvitationMessage": send,
                }
            )
        except InviteRefused as exc:
            raise gt365_error(500, f"Graph refused the invitation: {exc.message}") from None
        record = {
            "id": invitation["id"],
            "invitedUserEmailAddress": email,
            "inviteRedeemUrl": invitation["inviteRedeemUrl"],
            "status": "PendingAcceptance",
            "sendInvitationMessage": send,
        }
        self.graph.store.put(
            KIND,
            record["id"],
            {
                **record,
                "requestedBy": data.get("requestedby"),
                "more": more,
                "invitedUserId": invitation["invitedUser"]["id"],
            },
        )
        return Response.json(201, record)
