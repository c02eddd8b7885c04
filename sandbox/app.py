"""Wire the services into one route table and apply faults and accounting around each request.

One base URL serves everything on Microsoft's real paths; admin endpoints live under
``/_sandbox/`` and are never subject to faults or counted in the stats.
"""

from __future__ import annotations

import asyncio
import collections
import inspect
import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sandbox.entra import Entra
from sandbox.errors import ApiError, error_for_style, pc_error
from sandbox.faults import FaultEngine, Faults, retry_after_seconds
from sandbox.graph import Graph
from sandbox.gt365 import Gt365
from sandbox.identity import INVITE_ROLE, TokenService, load_registration
from sandbox.legacy import LegacyReferrals
from sandbox.referrals import PartnerCenter
from sandbox.stats import Stats
from sandbox.store import KINDS, Store
from sandbox.web import DROP, Request, Response, _Drop

log = logging.getLogger("sandbox")


@dataclass(frozen=True)
class Options:
    """Everything the command line decides."""

    state_dir: Path
    seed: int = 0
    token_lifetime_s: int = 3600
    auto_approve: bool = False
    invite_role: bool = True
    faults: Faults = field(default_factory=Faults)


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    name: str
    style: str
    handler: Callable[..., Any]
    is_create: bool = False
    faultable: bool = True
    admin: bool = False


class Sandbox:
    """The whole sandbox behind one :meth:`handle` coroutine."""

    def __init__(self, options: Options) -> None:
        options.state_dir.mkdir(parents=True, exist_ok=True)
        self.options = options
        self.registration = load_registration(options.state_dir)
        self.tokens = TokenService(options.state_dir, self.registration, options.token_lifetime_s)
        self.store = Store(options.state_dir / "state.db")
        self.faults = FaultEngine(options.faults, options.seed)
        self.stats = Stats()
        self.entra = Entra(
            self.store,
            self.tokens,
            self.registration,
            auto_approve=options.auto_approve,
            app_roles=self._default_roles(),
        )
        self.referrals = PartnerCenter(self.store, self.tokens, self.registration)
        self.legacy = LegacyReferrals(self.store, self.tokens, self.registration)
        self.graph = Graph(self.store, self.tokens, self.registration, self.faults)
        self.gt365 = Gt365(self.graph, self.faults)
        self.base_url = ""
        self._stopping = asyncio.Event()
        self.routes = self._routes()

    def _default_roles(self) -> list[str]:
        return [INVITE_ROLE] if self.options.invite_role else []

    def set_base_url(self, base_url: str) -> None:
        """Tell every service its public URL (known once the port is bound)."""
        self.base_url = base_url
        self.tokens.set_base_url(base_url)
        for service in (self.entra, self.referrals, self.legacy, self.graph):
            service.base_url = base_url

    def stop(self) -> None:
        """Release hung requests (they are dropped) so shutdown is prompt."""
        self._stopping.set()

    def _routes(self) -> list[Route]:
        t = r"(?P<tenant>[A-Za-z0-9.\-]+)"
        rid = r"(?P<rid>[^/]+)"
        pc, en, rf = self.referrals, self.entra, r"/(?:v1\.0/)?engagements/referrals"
        table: list[tuple[str, str, str, str, Callable[..., Any], dict[str, bool]]] = [
            (
                "GET",
                rf"/{t}/v2\.0/\.well-known/openid-configuration",
                "GET /{tenant}/v2.0/.well-known/openid-configuration",
                "entra",
                lambda req, tenant: en.discovery(tenant),
                {"faultable": False},
            ),
            (
                "GET",
                rf"/{t}/discovery/v2\.0/keys",
                "GET /{tenant}/discovery/v2.0/keys",
                "entra",
                lambda req, tenant: en.keys(tenant),
                {"faultable": False},
            ),
            (
                "POST",
                rf"/{t}/oauth2/v2\.0/token",
                "POST /{tenant}/oauth2/v2.0/token",
                "entra",
                en.token,
                {"faultable": False},
            ),
            (
                "POST",
                rf"/{t}/oauth2/v2\.0/devicecode",
                "POST /{tenant}/oauth2/v2.0/devicecode",
                "entra",
                en.devicecode,
                {"faultable": False},
            ),
            (
                "POST",
                rf"{rf}/?",
                "POST /v1.0/engagements/referrals",
                "pc",
                pc.create,
                {"is_create": True},
            ),
            ("GET", rf"{rf}/?", "GET /v1.0/engagements/referrals", "pc", pc.list, {}),
            ("GET", rf"{rf}/{rid}", "GET /v1.0/engagements/referrals/{id}", "pc", pc.get, {}),
            ("PATCH", rf"{rf}/{rid}", "PATCH /v1.0/engagements/referrals/{id}", "pc", pc.patch, {}),
            ("PUT", rf"{rf}/{rid}", "PUT /v1.0/engagements/referrals/{id}", "pc", pc.put, {}),
            (
                "POST",
                r"/v1/referrals/?",
                "POST /v1/referrals",
                "pc",
                self.legacy.create,
                {"is_create": True},
            ),
            ("GET", r"/v1/referrals/?", "GET /v1/referrals", "pc", self.legacy.list, {}),
            (
                "POST",
                r"/v1\.0/invitations",
                "POST /v1.0/invitations",
                "graph",
                self.graph.invite,
                {"is_create": True},
            ),
            (
                "POST",
                r"/v1\.0/\$batch",
                "POST /v1.0/$batch",
                "graph",
                self.graph.batch,
                {"is_create": True},
            ),
            (
                "POST",
                r"/api/InviteGuest",
                "POST /api/InviteGuest",
                "gt365",
                self.gt365.invite,
                {"is_create": True},
            ),
        ]
        admin: list[tuple[str, str, Callable[..., Any]]] = [
            ("GET", "state", self._state),
            ("GET", "stats", self._stats),
            ("POST", "reset", self._reset),
            ("GET", "faults", self._get_faults),
            ("POST", "faults", self._set_faults),
            ("POST", "token", self._token),
            ("POST", "devicecode", self._approve),
            ("GET", "devicecodes", self._pending),
            ("POST", "expire-tokens", self._expire_tokens),
            ("POST", "settings", self._settings),
        ]
        routes = [
            Route(method, re.compile(pattern + r"\Z", re.IGNORECASE), name, style, handler, **flags)
            for method, pattern, name, style, handler, flags in table
        ]
        routes += [
            Route(
                method,
                re.compile(rf"/_sandbox/{path}/?\Z"),
                f"{method} /_sandbox/{path}",
                "admin",
                handler,
                faultable=False,
                admin=True,
            )
            for method, path, handler in admin
        ]
        return routes

    # -- dispatch ---------------------------------------------------------------------------

    def _match(self, req: Request) -> tuple[Route | None, dict[str, str], bool]:
        path_known = False
        for route in self.routes:
            match = route.pattern.match(req.path)
            if match:
                path_known = True
                if route.method == req.method:
                    return route, match.groupdict(), True
        return None, {}, path_known

    async def handle(self, req: Request) -> Response | _Drop:
        """Answer one request: route, faults, handler, accounting."""
        route, params, path_known = self._match(req)
        if route is None:
            style = "graph" if req.path.startswith("/v1.0/invitations") else "pc"
            status = 405 if path_known else 404
            return _finish(
                req, error_for_style(style, status, f"no route {req.method} {req.path}").response
            )
        if route.admin:
            try:
                return _finish(req, await _call(route.handler, req, params))
            except ApiError as exc:
                return _finish(req, exc.response)
        self.stats.arrived(route.name)
        decision = self.faults.decide(route.name, is_create=route.is_create)
        if decision.hang:  # only routes named in hang_routes, identity routes included
            self.stats.answered(route.name, "hung")
            await self._stopping.wait()
            return DROP
        faulted = route.faultable or route.name in self.faults.faults.routes
        response: Response | None = None
        if faulted and decision.delay_s:
            await asyncio.sleep(decision.delay_s)
        if faulted and decision.throttle_after_s is not None:
            wait = retry_after_seconds(decision.throttle_after_s)
            response = error_for_style(
                route.style,
                429,
                f"Rate limit is exceeded. Try again in {wait} seconds.",
                retry_after=wait,
            ).response
        elif faulted and decision.error_status is not None:
            response = error_for_style(
                route.style,
                decision.error_status,
                "injected fault: the service is unavailable",
                **({"retry_after": "1"} if decision.error_status == 503 else {}),
            ).response
        if response is None:
            try:
                response = await _call(route.handler, req, params)
            except ApiError as exc:
                response = exc.response
            except Exception:
                log.exception("unexpected error in %s", route.name)
                response = error_for_style(route.style, 500, "unexpected sandbox error").response
            if faulted and route.is_create and 200 <= response.status < 300:
                if decision.drop_after_commit:
                    self.stats.answered(route.name, "dropped")
                    return DROP
                if decision.error_after_commit:
                    response = error_for_style(
                        route.style, 500, "injected fault: failed after committing"
                    ).response
        self.stats.answered(route.name, response.status)
        return _finish(req, response)

    # -- admin ------------------------------------------------------------------------------

    def _objects(self) -> dict[str, list[dict[str, Any]]]:
        return {f"{kind}s": list(self.store.all(kind)) for kind in KINDS}

    def _state(self, req: Request) -> Response:
        reg = self.registration
        body: dict[str, Any] = {
            "tenant": {
                "tenant_id": reg.tenant_id,
                "domain": reg.tenant_domain,
                "client_id": reg.client_id,
                "users": [
                    {"upn": u.upn, "oid": u.oid, "partner_roles": u.partner_roles}
                    for u in reg.users
                ],
                "verified_domains": list(reg.verified_domains),
            },
            **self._objects(),
        }
        return Response.json(200, body)

    def _stats(self, req: Request) -> Response:
        counts = collections.Counter(
            r.get("externalReferenceId")
            for r in self.store.all("referral")
            if r.get("externalReferenceId") is not None
        )
        body = self.stats.snapshot()
        body["objects"] = {kind: self.store.count(kind) for kind in KINDS}
        body["duplicate_external_reference_ids"] = sorted(k for k, n in counts.items() if n > 1)
        body["faults"] = asdict(self.faults.faults)
        return Response.json(200, body)

    def _reset(self, req: Request) -> Response:
        self.store.clear()
        self.stats.reset()
        self.faults.reset()
        self.graph.reset()
        self.entra.device_codes.clear()
        self.entra.auto_approve = self.options.auto_approve
        self.entra.app_roles = self._default_roles()
        self.tokens.lifetime_s = self.options.token_lifetime_s
        return Response.json(200, {"reset": True})

    def _get_faults(self, req: Request) -> Response:
        return Response.json(200, asdict(self.faults.faults))

    def _set_faults(self, req: Request) -> Response:
        payload = _admin_json(req)
        try:
            faults = self.faults.update(payload)
        except ValueError as exc:
            raise pc_error(400, "invalidRequest", str(exc), "faults") from None
        return Response.json(200, asdict(faults))

    def _token(self, req: Request) -> Response:
        try:
            return Response.json(200, self.entra.admin_token(_admin_json(req)))
        except ValueError as exc:
            raise pc_error(400, "invalidRequest", str(exc), "scope") from None

    def _approve(self, req: Request) -> Response:
        payload = _admin_json(req)
        code = self.entra.approve(
            str(payload.get("user_code", "")), payload.get("user"), deny=bool(payload.get("deny"))
        )
        if code is None:
            raise pc_error(
                404, "itemNotFound", "no pending device code (or user) matches", "user_code"
            )
        return Response.json(
            200,
            {
                "user_code": code.user_code,
                "denied": code.denied,
                "user": code.user.upn if code.user else None,
            },
        )

    def _pending(self, req: Request) -> Response:
        return Response.json(200, {"pending": self.entra.pending()})

    def _expire_tokens(self, req: Request) -> Response:
        self.tokens.expire_all()
        return Response.json(200, {"expired": True})

    def _settings(self, req: Request) -> Response:
        payload = _admin_json(req)
        if "auto_approve" in payload:
            self.entra.auto_approve = bool(payload["auto_approve"])
        if "app_roles" in payload:
            roles = payload["app_roles"]
            if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
                raise pc_error(
                    400, "invalidRequest", "app_roles must be a list of strings", "app_roles"
                )
            self.entra.app_roles = roles
        if "token_lifetime_s" in payload:
            lifetime = payload["token_lifetime_s"]
            if not isinstance(lifetime, int) or isinstance(lifetime, bool) or lifetime < 1:
                raise pc_error(
                    400,
                    "invalidRequest",
                    "token_lifetime_s must be a positive integer",
                    "token_lifetime_s",
                )
            self.tokens.lifetime_s = lifetime
        return Response.json(
            200,
            {
                "auto_approve": self.entra.auto_approve,
                "app_roles": self.entra.app_roles,
                "token_lifetime_s": self.tokens.lifetime_s,
            },
        )

    def close(self) -> None:
        self.store.close()


def _admin_json(req: Request) -> dict[str, Any]:
    try:
        payload = req.json() if req.body else {}
    except ValueError:
        raise pc_error(400, "invalidRequest", "the body is not JSON", "body") from None
    if not isinstance(payload, dict):
        raise pc_error(400, "invalidRequest", "the body must be a JSON object", "body")
    return payload


async def _call(handler: Callable[..., Any], req: Request, params: dict[str, str]) -> Response:
    result = handler(req, **params)
    if inspect.isawaitable(result):
        result = await result
    assert isinstance(result, Response)
    return result


def _finish(req: Request, response: Response) -> Response:
    response.headers.setdefault("request-id", str(uuid.uuid4()))
    for echoed in ("client-request-id", "ms-correlationid"):
        value = req.header(echoed)
        if value:
            response.headers.setdefault(echoed, value)
    return response
