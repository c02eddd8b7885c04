"""Partner Center Referrals v1.0: create, get, list (OData), PATCH (JSON Patch), PUT.

Behaviour follows API_NOTES §1 and the contract. Two things matter most to the pipeline and are
reproduced on purpose: ``externalReferenceId`` is neither unique nor filterable, and outgoing
referrals come back ``Active``/``Accepted`` whatever status was sent.
"""

from __future__ import annotations

import base64
import copy
import json
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from sandbox.contract import referral_schema
from sandbox.errors import ApiError, pc_error
from sandbox.identity import (
    PARTNER_CENTER,
    REFERRALS_ADMIN,
    Registration,
    TokenError,
    TokenService,
    bearer,
)
from sandbox.odata import FilterError, compile_filter, parse_orderby
from sandbox.store import Store
from sandbox.timefmt import format_ticks, now_ticks, parse_ticks
from sandbox.validation import (
    SERVER_FIELDS,
    ValidationFailure,
    check_referral,
    check_transition,
    coerce_at,
    patch_path,
    read_referral,
)
from sandbox.web import Request, Response

KIND = "referral"
PAGE_SIZE = 100
PARTNER_ORG_ID = "sandbox-partner"
PARTNER_ORG_NAME = "Sandbox Partner Ltd"


def new_etag() -> str:
    """An opaque, quoted eTag like Partner Center's (``"\\"<guid>\\""`` in JSON)."""
    return f'"{uuid.uuid4()}"'


def _invalid(exc: ValidationFailure) -> ApiError:
    return pc_error(400, exc.code, exc.message, exc.target)


def _body(req: Request) -> Any:
    try:
        return req.json()
    except (ValueError, UnicodeDecodeError):
        raise pc_error(
            400, "invalidRequest", "the request body is not valid JSON", "body"
        ) from None


class PartnerCenter:
    """The referral routes; each method takes a request and returns a response or raises."""

    def __init__(self, store: Store, tokens: TokenService, registration: Registration) -> None:
        self.store, self.tokens, self.registration = store, tokens, registration
        self.base_url = ""

    # -- auth ---------------------------------------------------------------------------------

    def authorize(self, req: Request) -> dict[str, Any]:
        """Check the bearer token: audience Partner Center, delegated, Referrals Admin.

        Raises:
            ApiError: 401 for a missing/invalid/expired/wrong-audience token; 403 for an
                app-only token or a user without the Referrals Admin role.
        """
        try:
            claims = self.tokens.verify(bearer(req.header("authorization")), PARTNER_CENTER)
        except TokenError as exc:
            raise pc_error(401, "unauthenticated", str(exc), www_authenticate="Bearer") from None
        if claims.get("idtyp") != "user":
            raise pc_error(
                403,
                "accessDenied",
                "Partner Center Referrals accepts delegated (App+User) tokens only; app-only "
                "tokens are refused. Sign in a user in the Referrals Admin role (device code) "
                "and use the refresh token for unattended runs.",
            )
        user = self.registration.user_by_oid(str(claims.get("oid")))
        if user is None or REFERRALS_ADMIN not in user.partner_roles:
            raise pc_error(
                403, "accessDenied", "the signed-in user is not in the Referrals Admin role"
            )
        return claims

    # -- helpers ------------------------------------------------------------------------------

    def _present(self, doc: dict[str, Any]) -> dict[str, Any]:
        out = dict(doc)
        out["links"] = {
            "self": {"uri": f"/engagements/referrals/{doc['id']}", "method": "GET"},
            "relatedReferrals": {
                "uri": f"/engagements/referrals?$filter=engagementId eq '{doc['engagementId']}'",
                "method": "GET",
            },
        }
        return out

    def _load(self, rid: str) -> dict[str, Any]:
        doc = self.store.get(KIND, rid)
        if doc is None:
            raise pc_error(404, "itemNotFound", f"referral {rid} was not found", "id")
        return doc

    def _save(self, doc: dict[str, Any]) -> None:
        ticks = now_ticks()
        doc["updatedDateTime"] = format_ticks(ticks)
        doc["eTag"] = new_etag()
        if doc.get("status") == "Closed" and "closedDateTime" not in doc:
            doc["closedDateTime"] = doc["updatedDateTime"]
        self.store.put(KIND, doc["id"], doc)

    def _written(self, req: Request, doc: dict[str, Any], status: int) -> Response:
        headers = {"etag": doc["eTag"]}
        prefer = (req.header("prefer") or "").lower()
        if status == 200 and "return=representation" not in prefer and req.method == "PATCH":
            return Response(204, b"", headers)
        return Response.json(status, self._present(doc), headers)

    def _check_if_match(self, req: Request, doc: dict[str, Any], *, required: bool) -> None:
        if_match = req.header("if-match")
        if if_match is None:
            if required:
                raise pc_error(400, "invalidRequest", "the If-Match header is required", "If-Match")
            return
        if if_match.strip() != "*" and if_match.strip() != doc["eTag"]:
            raise pc_error(
                412,
                "preconditionFailed",
                "The referral was modified since it was read: the If-Match eTag is stale.",
                "ETag",
            )

    # -- routes -------------------------------------------------------------------------------

    def create(self, req: Request) -> Response:
        """``POST /v1.0/engagements/referrals`` → 201 with the stored referral."""
        self.authorize(req)
        try:
            doc = read_referral(_body(req))
            for name in SERVER_FIELDS:
                doc.pop(name, None)
            check_referral(doc)
        except ValidationFailure as exc:
            raise _invalid(exc) from None
        if doc.get("status") == "Closed":
            raise pc_error(400, "invalidRequest", "a referral cannot be created Closed", "status")
        ticks = now_ticks()
        doc["id"] = str(uuid.uuid4())
        doc.setdefault("engagementId", str(uuid.uuid4()))
        doc.setdefault("organizationId", PARTNER_ORG_ID)
        doc.setdefault("organizationName", PARTNER_ORG_NAME)
        doc["direction"] = "Outgoing"
        doc["status"], doc["substatus"] = "Active", "Accepted"
        doc["createdDateTime"] = format_ticks(ticks)
        doc["acceptedDateTime"] = doc["createdDateTime"]
        self._save(doc)
        response = self._written(req, doc, 201)
        response.headers["location"] = f"{self.base_url}/v1.0/engagements/referrals/{doc['id']}"
        return response

    def get(self, req: Request, rid: str) -> Response:
        """``GET …/referrals/{id}``."""
        self.authorize(req)
        doc = self._load(rid)
        return Response.json(200, self._present(doc), {"etag": doc["eTag"]})

    def patch(self, req: Request, rid: str) -> Response:
        """``PATCH …/referrals/{id}`` with a JSON Patch of ``replace``/``add`` operations."""
        self.authorize(req)
        current = self._load(rid)
        self._check_if_match(req, current, required=False)
        operations = _body(req)
        if not isinstance(operations, list) or not operations:
            raise pc_error(
                400, "invalidRequest", "the body must be a non-empty JSON Patch array", "body"
            )
        doc = copy.deepcopy(current)
        try:
            for index, operation in enumerate(operations):
                _apply(doc, operation, index)
            if current["status"] == "Closed":
                raise ValidationFailure(
                    "status", "a Closed referral is terminal and cannot be changed"
                )
            check_referral(doc)
            check_transition(current["status"], doc["status"])
        except ValidationFailure as exc:
            raise _invalid(exc) from None
        self._save(doc)
        return self._written(req, doc, 200)

    def put(self, req: Request, rid: str) -> Response:
        """``PUT …/referrals/{id}``: the whole document, ``If-Match`` required (deprecated)."""
        self.authorize(req)
        current = self._load(rid)
        self._check_if_match(req, current, required=True)
        try:
            doc = read_referral(_body(req))
            for name in SERVER_FIELDS:
                doc.pop(name, None)
            for name in ("id", "engagementId", "createdDateTime", "direction", "acceptedDateTime"):
                doc[name] = current[name]
            doc.setdefault("status", current["status"])
            doc.setdefault(
                "substatus", current["substatus"] if doc["status"] == current["status"] else None
            )
            if doc.get("substatus") is None:
                doc.pop("substatus")
            if current["status"] == "Closed":
                raise ValidationFailure(
                    "status", "a Closed referral is terminal and cannot be changed"
                )
            check_referral(doc)
            check_transition(current["status"], doc["status"])
        except ValidationFailure as exc:
            raise _invalid(exc) from None
        self._save(doc)
        return self._written(req, doc, 200)

    def list(self, req: Request) -> Response:
        """``GET …/referrals`` with ``$filter``, ``$orderby``, ``$top``, ``$skip``, ``$count``,
        ``$select`` and ``$skiptoken``; pages of 100 linked by ``@odata.nextLink``."""
        self.authorize(req)
        query = {k.lower(): v for k, v in req.query.items()}
        try:
            predicate = compile_filter(query["$filter"]) if query.get("$filter") else None
        except FilterError as exc:
            raise pc_error(400, "invalidRequest", str(exc), "$filter") from None
        try:
            order = parse_orderby(query["$orderby"]) if query.get("$orderby") else []
        except FilterError as exc:
            raise pc_error(400, "invalidRequest", str(exc), "$orderby") from None
        top = _int_param(query, "$top")
        skip = _int_param(query, "$skip") or 0
        offset = _skiptoken(query.get("$skiptoken"))
        select = _select(query.get("$select"))
        count = query.get("$count", "false").lower()
        if count not in ("true", "false"):
            raise pc_error(400, "invalidRequest", "$count must be true or false", "$count")

        items = [d for d in self.store.all(KIND) if predicate is None or predicate(d)]
        if order and order[0][0] == "createdDateTime":
            # The store keeps creation order and creation times strictly increase, so the
            # first key decides everything: no sort needed.
            if order[0][1]:
                items.reverse()
        else:
            for field, descending in reversed(order):
                items.sort(key=_time_key(field), reverse=descending)
        total = len(items)
        items = items[skip:]
        if top is not None:
            items = items[:top]
        page = items[offset : offset + PAGE_SIZE]
        body: dict[str, Any] = {"@odata.context": f"{self.base_url}/v1.0/$metadata#referrals"}
        if count == "true":
            body["@odata.count"] = total
        body["value"] = [_project(self._present(d), select) for d in page]
        if offset + PAGE_SIZE < len(items):
            params = {k: v for k, v in req.query.items() if k.lower() != "$skiptoken"}
            params["$skiptoken"] = _encode_token(offset + PAGE_SIZE)
            body["@odata.nextLink"] = f"{self.base_url}{req.path}?" + "&".join(
                f"{_quote(k)}={_quote(v)}" for k, v in params.items()
            )
        return Response.json(200, body)


def _time_key(field: str) -> Callable[[dict[str, Any]], int]:
    def key(doc: dict[str, Any]) -> int:
        return parse_ticks(doc[field])

    return key


def _quote(text: str) -> str:
    return quote(text, safe="$'(),:/")


def _apply(doc: dict[str, Any], operation: Any, index: int) -> None:
    if not isinstance(operation, dict):
        raise ValidationFailure(f"[{index}]", "each operation must be an object")
    op_fields = {str(k).lower(): v for k, v in operation.items()}
    op = str(op_fields.get("op", "replace")).lower()
    if op not in ("replace", "add"):
        raise ValidationFailure("op", f"operation {op!r} is not supported; use replace or add")
    path = patch_path(op_fields.get("path"))
    if "value" not in op_fields:
        raise ValidationFailure("value", f"operation {index} has no value")
    value = coerce_at(path, op_fields["value"])
    parts = path.strip("/").split("/")
    target: dict[str, Any] = doc
    for part in parts[:-2] if parts[-1] == "-" else parts[:-1]:
        target = target.setdefault(part, {})
    if parts[-1] == "-":
        target.setdefault(parts[-2], []).append(value)
    else:
        target[parts[-1]] = value


def _int_param(query: dict[str, str], name: str) -> int | None:
    raw = query.get(name)
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise pc_error(
            400, "invalidRequest", f"{name} must be a non-negative integer", name
        ) from None
    if value < 0:
        raise pc_error(400, "invalidRequest", f"{name} must be a non-negative integer", name)
    return value


def _encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset}).encode()).decode().rstrip("=")


def _skiptoken(raw: str | None) -> int:
    if not raw:
        return 0
    try:
        padded = raw + "=" * (-len(raw) % 4)
        offset = int(json.loads(base64.urlsafe_b64decode(padded))["o"])
    except (ValueError, KeyError, TypeError):
        raise pc_error(400, "invalidRequest", "the $skiptoken is not valid", "$skiptoken") from None
    if offset < 0:
        raise pc_error(400, "invalidRequest", "the $skiptoken is not valid", "$skiptoken")
    return offset


def _select(raw: str | None) -> list[str] | None:
    if not raw:
        return None
    known = {name.lower(): name for name in referral_schema()["properties"]}
    fields = []
    for item in raw.split(","):
        name = known.get(item.strip().lower())
        if name is None:
            raise pc_error(400, "invalidRequest", f"'{item.strip()}' is not a property", "$select")
        fields.append(name)
    return fields


def _project(doc: dict[str, Any], select: list[str] | None) -> dict[str, Any]:
    if select is None:
        return doc
    return {name: doc[name] for name in select if name in doc}
