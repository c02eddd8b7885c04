"""The 2018 Referrals API (``/v1/referrals/``): create, and list with ``pageSize`` and the
``MS-ContinuationToken`` header. It accepts app-only and App+User tokens, as its page says."""

from __future__ import annotations

import base64
import datetime as dt
import json
import uuid
from typing import Any

from sandbox.errors import pc_error
from sandbox.identity import PARTNER_CENTER, Registration, TokenError, TokenService, bearer
from sandbox.store import Store
from sandbox.timefmt import format_ticks, now_ticks
from sandbox.validation import ValidationFailure, bind_object
from sandbox.web import Request, Response

KIND = "legacy_referral"
MAX_PAGE = 100
STATUSES = ("New", "Active", "Closed")
_STR = {"type": "string"}
_PERSON = {
    "type": "object",
    "properties": {k: _STR for k in ("firstName", "lastName", "phoneNumber", "email")},
}
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "organizationId": _STR,
        "organizationName": _STR,
        "status": _STR,
        "referralSource": _STR,
        "referralType": _STR,
        "engagementId": _STR,
        "customerProfile": {
            "type": "object",
            "properties": {
                "name": _STR,
                "size": _STR,
                "address": {
                    "type": "object",
                    "properties": {
                        k: _STR
                        for k in (
                            "addressLine1",
                            "addressLine2",
                            "city",
                            "state",
                            "postalCode",
                            "country",
                        )
                    },
                },
                "team": {"type": "array", "items": _PERSON},
            },
        },
        "details": {
            "type": "object",
            "properties": {
                "notes": _STR,
                "dealValue": {"type": "number"},
                "currency": _STR,
                "closingDateTime": _STR,
            },
        },
        "team": {"type": "array", "items": _PERSON},
        "inviteContext": {"type": "object", "properties": {"notes": _STR}},
    },
}


class LegacyReferrals:
    """``POST /v1/referrals/`` and ``GET /v1/referrals``."""

    def __init__(self, store: Store, tokens: TokenService, registration: Registration) -> None:
        self.store, self.tokens, self.registration = store, tokens, registration
        self.base_url = ""

    def _authorize(self, req: Request) -> None:
        try:
            self.tokens.verify(bearer(req.header("authorization")), PARTNER_CENTER)
        except TokenError as exc:
            raise pc_error(401, "unauthenticated", str(exc), www_authenticate="Bearer") from None

    def create(self, req: Request) -> Response:
        """Store a legacy referral and return it (201)."""
        self._authorize(req)
        try:
            body = req.json()
        except ValueError:
            raise pc_error(400, "invalidRequest", "the body is not valid JSON", "body") from None
        try:
            doc = bind_object(body, SCHEMA, "")
            profile = doc.get("customerProfile")
            if not profile or not profile.get("name"):
                raise ValidationFailure("customerProfile.name", "is required")
            status = {s.lower(): s for s in STATUSES}.get(str(doc.get("status", "New")).lower())
            if status is None:
                raise ValidationFailure("status", f"must be one of {', '.join(STATUSES)}")
        except ValidationFailure as exc:
            raise pc_error(400, "invalidRequest", exc.message, exc.target) from None
        ticks = now_ticks()
        doc.update(
            id=str(uuid.uuid4()),
            status=status,
            engagementId=doc.get("engagementId") or str(uuid.uuid4()),
            createdDateTime=format_ticks(ticks),
            updatedDateTime=format_ticks(ticks),
            expirationDateTime=format_ticks(ticks + 90 * 86400 * 10_000_000),
        )
        self.store.put(KIND, doc["id"], doc)
        return Response.json(201, doc, {"location": f"{self.base_url}/v1/referrals/{doc['id']}"})

    def list(self, req: Request) -> Response:
        """Page through legacy referrals, ``pageSize`` ≤ 100, continuation in a header."""
        self._authorize(req)
        query = {k.lower(): v for k, v in req.query.items()}
        try:
            size = int(query.get("pagesize", str(MAX_PAGE)))
        except ValueError:
            size = -1
        if not 1 <= size <= MAX_PAGE:
            raise pc_error(400, "invalidRequest", f"pageSize must be 1..{MAX_PAGE}", "pageSize")
        offset = _decode(req.header("ms-continuationtoken"))
        items = [
            d
            for d in self.store.all(KIND)
            if ("status" not in query or d["status"].lower() == query["status"].lower())
            and ("engagementid" not in query or d["engagementId"] == query["engagementid"])
        ]
        page = items[offset : offset + size]
        uri = f"/v1/referrals?pageSize={size}"
        links: dict[str, Any] = {"self": {"uri": uri, "method": "GET", "headers": []}}
        if offset + size < len(items):
            links["next"] = {
                "uri": uri,
                "method": "GET",
                "headers": [{"key": "MS-ContinuationToken", "value": _encode(offset + size)}],
            }
        return Response.json(
            200,
            {
                "totalCount": len(page),
                "items": page,
                "links": links,
                "attributes": {"objectType": "Collection"},
            },
        )


def _encode(offset: int) -> str:
    stamp = dt.datetime.now(dt.UTC).isoformat()
    return base64.b64encode(json.dumps({"offset": offset, "at": stamp}).encode()).decode()


def _decode(token: str | None) -> int:
    if not token:
        return 0
    try:
        offset = int(json.loads(base64.b64decode(token, validate=True))["offset"])
    except (ValueError, KeyError, TypeError):
        raise pc_error(
            400, "invalidRequest", "the continuation token is not valid", "MS-ContinuationToken"
        ) from None
    return max(offset, 0)
