"""Microsoft Graph ``POST /v1.0/invitations`` and ``POST /v1.0/$batch``.

Guests are kept by address: re-inviting one returns the same ``invitedUser.id`` and a fresh
redeem ticket. Members of the directory and addresses in its verified domains are refused as
Graph refuses them. Invitations are throttled at 150 per 5 seconds per tenant (each ``$batch``
item counts), answered with 429 and a fractional ``Retry-After``.
"""

from __future__ import annotations

import re
import secrets
import uuid
from typing import Any
from urllib.parse import urlsplit

import orjson

from sandbox.errors import ApiError, graph_error
from sandbox.faults import FaultEngine, SlidingLimit
from sandbox.identity import GRAPH, INVITE_ROLE, Registration, TokenError, TokenService, bearer
from sandbox.store import Store
from sandbox.web import Request, Response

KIND = "invitation"
GUESTS = "guest"
MAX_BATCH = 20
EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$")
_FIELDS = (
    "invitedUserEmailAddress",
    "inviteRedirectUrl",
    "invitedUserDisplayName",
    "sendInvitationMessage",
    "invitedUserType",
    "invitedUserMessageInfo",
    "resetRedemption",
    "invitedUser",
)


def valid_email(value: Any) -> bool:
    """A plausible mailbox address (``local@domain.tld``)."""
    return isinstance(value, str) and len(value) <= 254 and bool(EMAIL.match(value))


def absolute_url(value: Any) -> bool:
    """An absolute http(s) URL with a host."""
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


class InviteRefused(ValueError):
    """Graph refused the invitation; ``status``/``code`` say how."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class Graph:
    """The invitation routes and the guest directory behind them."""

    def __init__(
        self, store: Store, tokens: TokenService, registration: Registration, faults: FaultEngine
    ) -> None:
        self.store, self.tokens, self.registration, self.faults = (
            store,
            tokens,
            registration,
            faults,
        )
        self.base_url = ""
        self.throttle = SlidingLimit(5.0)

    def reset(self) -> None:
        self.throttle.clear()

    def authorize(self, req: Request) -> dict[str, Any]:
        """Audience Graph and ``User.Invite.All`` (app role, or delegated scope).

        Raises:
            ApiError: 401 ``InvalidAuthenticationToken``; 403 ``Authorization_RequestDenied``.
        """
        try:
            claims = self.tokens.verify(bearer(req.header("authorization")), GRAPH)
        except TokenError as exc:
            raise graph_error(
                401, "InvalidAuthenticationToken", str(exc), www_authenticate="Bearer"
            ) from None
        roles = claims.get("roles") or []
        scopes = str(claims.get("scp", "")).split()
        if INVITE_ROLE not in roles and INVITE_ROLE not in scopes:
            raise graph_error(
                403,
                "Authorization_RequestDenied",
                "Insufficient privileges to complete the operation.",
            )
        return claims

    def _throttled(self) -> float | None:
        return self.throttle.acquire(self.faults.faults.graph_throttle_per_5s)

    def create_invitation(self, body: Any) -> dict[str, Any]:
        """Validate and record one invitation; returns the 201 body.

        Raises:
            InviteRefused: 400 for invalid input, a member or a verified domain.
        """
        if not isinstance(body, dict):
            raise InviteRefused(400, "BadRequest", "The request body must be a JSON object.")
        lowered = {str(k).lower(): v for k, v in body.items()}
        data = {name: lowered.get(name.lower()) for name in _FIELDS}
        email = data["invitedUserEmailAddress"]
        if email is None:
            raise InviteRefused(
                400, "BadRequest", "Required property 'invitedUserEmailAddress' is missing."
            )
        if not valid_email(email):
            raise InviteRefused(400, "BadRequest", "The invited user email address is invalid.")
        if data["inviteRedirectUrl"] is None:
            raise InviteRefused(
                400, "BadRequest", "Required property 'inviteRedirectUrl' is missing."
            )
        if not absolute_url(data["inviteRedirectUrl"]):
            raise InviteRefused(400, "BadRequest", "The inviteRedirectUrl is not a valid URL.")
        user_type = str(data["invitedUserType"] or "Guest")
        if user_type.lower() not in ("guest", "member"):
            raise InviteRefused(400, "BadRequest", "invitedUserType must be Guest or Member.")
        for flag in ("sendInvitationMessage", "resetRedemption"):
            if data[flag] is not None and not isinstance(data[flag], bool):
                raise InviteRefused(400, "BadRequest", f"{flag} must be a boolean.")
        if data["invitedUserDisplayName"] is not None and not isinstance(
            data["invitedUserDisplayName"], str
        ):
            raise InviteRefused(400, "BadRequest", "invitedUserDisplayName must be a string.")
        info = data["invitedUserMessageInfo"] or {}
        if not isinstance(info, dict):
            raise InviteRefused(400, "BadRequest", "invitedUserMessageInfo must be an object.")
        info = {str(k)[0].lower() + str(k)[1:]: v for k, v in info.items() if k}
        cc = info.get("ccRecipients") or []
        if not isinstance(cc, list) or len(cc) > 1:
            raise InviteRefused(400, "BadRequest", "At most one ccRecipient is supported.")
        domain = email.rsplit("@", 1)[1].lower()
        if domain in (d.lower() for d in self.registration.verified_domains):
            raise InviteRefused(
                400,
                "BadRequest",
                f"The invited user's email domain '{domain}' is a verified domain of this "
                "directory.",
            )
        if self.registration.user(email) is not None:
            raise InviteRefused(
                400,
                "BadRequest",
                f"The invited user '{email}' already exists in the directory as a member.",
            )
        key = email.lower()
        guest = self.store.get(GUESTS, key)
        if data["resetRedemption"]:
            wanted = (
                (data["invitedUser"] or {}).get("id")
                if isinstance(data["invitedUser"], dict)
                else None
            )
            if guest is None or wanted != guest["id"]:
                raise InviteRefused(
                    400, "BadRequest", "resetRedemption needs invitedUser.id of an existing guest."
                )
        if guest is None:
            guest = {
                "id": str(uuid.uuid4()),
                "mail": email,
                "displayName": data["invitedUserDisplayName"] or email.split("@")[0],
                "userType": "Guest",
                "invitations": 0,
            }
        guest = {**guest, "invitations": guest["invitations"] + 1}
        self.store.put(GUESTS, key, guest)
        invitation_id = str(uuid.uuid4())
        ticket = secrets.token_hex(16)
        invitation = {
            "@odata.context": f"{self.base_url}/v1.0/$metadata#invitations/$entity",
            "id": invitation_id,
            "inviteRedeemUrl": (
                "https://invitations.microsoft.com/redeem/?tenant="
                f"{self.registration.tenant_id}&user={guest['id']}&ticket={ticket}&ver=2.0"
            ),
            "invitedUserDisplayName": data["invitedUserDisplayName"],
            "invitedUserType": "Member" if user_type.lower() == "member" else "Guest",
            "invitedUserEmailAddress": email,
            "sendInvitationMessage": bool(data["sendInvitationMessage"]),
            "resetRedemption": bool(data["resetRedemption"]),
            "inviteRedirectUrl": data["inviteRedirectUrl"],
            "status": "PendingAcceptance",
            "invitedUserMessageInfo": {
                "messageLanguage": info.get("messageLanguage"),
                "customizedMessageBody": info.get("customizedMessageBody"),
                "ccRecipients": cc,
            },
            "invitedUser": {"id": guest["id"]},
        }
        self.store.put(KIND, invitation_id, invitation)
        return invitation

    def _invite_once(self, req_body: Any) -> Response:
        wait = self._throttled()
        if wait is not None:
            raise graph_error(
                429,
                "TooManyRequests",
                "Too many requests: the invitation limit of this tenant is reached.",
                retry_after=f"{wait:.3f}",
            )
        try:
            return Response.json(201, self.create_invitation(req_body))
        except InviteRefused as exc:
            raise graph_error(exc.status, exc.code, exc.message) from None

    def invite(self, req: Request) -> Response:
        """``POST /v1.0/invitations``."""
        self.authorize(req)
        try:
            body = req.json()
        except ValueError:
            raise graph_error(400, "BadRequest", "The request body is not valid JSON.") from None
        return self._invite_once(body)

    def batch(self, req: Request) -> Response:
        """``POST /v1.0/$batch``: up to 20 invitation requests, each answered inside."""
        try:
            body = req.json()
        except ValueError:
            raise graph_error(400, "BadRequest", "The request body is not valid JSON.") from None
        requests = body.get("requests") if isinstance(body, dict) else None
        if not isinstance(requests, list) or not requests:
            raise graph_error(400, "BadRequest", "The batch must contain a 'requests' array.")
        if len(requests) > MAX_BATCH:
            raise graph_error(
                400, "BadRequest", f"A batch may contain at most {MAX_BATCH} requests."
            )
        ids = [r.get("id") if isinstance(r, dict) else None for r in requests]
        if any(not isinstance(i, str) or not i for i in ids) or len(set(ids)) != len(ids):
            raise graph_error(400, "BadRequest", "Each batch request needs a unique string id.")
        responses = [self._batch_item(req, item) for item in requests]
        return Response.json(200, {"responses": responses})

    def _batch_item(self, outer: Request, item: dict[str, Any]) -> dict[str, Any]:
        url = str(item.get("url", ""))
        path = urlsplit(url).path.lower().removeprefix("/v1.0")
        try:
            if path.strip("/") != "invitations":
                raise graph_error(404, "Request_ResourceNotFound", f"Resource '{url}' not found.")
            if str(item.get("method", "")).upper() != "POST":
                raise graph_error(405, "Request_BadRequest", "Only POST is allowed on invitations.")
            self.authorize(outer)
            response = self._invite_once(item.get("body"))
        except ApiError as exc:
            response = exc.response
        headers = {
            k: v for k, v in response.headers.items() if k in ("content-type", "retry-after")
        }
        return {
            "id": item["id"],
            "status": response.status,
            "headers": headers,
            "body": orjson.loads(response.body) if response.body else None,
        }
