"""Error bodies in each service's own dialect, raised as :class:`ApiError` by the routes.

Partner Center: ``{"error": {"code", "message", "target", "innerError"}}`` (429 differs:
``{"statusCode": 429, "message": ...}``). Graph: ``{"error": {"code", "message",
"innerError": {"request-id", "date"}}}``. GT365: ``{"message": ...}``. Entra: OAuth error JSON.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sandbox.web import Response


class ApiError(Exception):
    """Stop handling the request and answer with ``response``."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def pc_error(
    status: int, code: str, message: str, target: str | None = None, **headers: str
) -> ApiError:
    """A Partner Center error."""
    body: dict[str, Any] = {"code": code, "message": message}
    if target is not None:
        body["target"] = target
    body["innerError"] = {"code": code, "requestId": str(uuid.uuid4())}
    return ApiError(Response.json(status, {"error": body}, _header_names(headers)))


def graph_error(status: int, code: str, message: str, **headers: str) -> ApiError:
    """A Microsoft Graph error."""
    inner = {
        "request-id": str(uuid.uuid4()),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S"),
    }
    body = {"error": {"code": code, "message": message, "innerError": inner}}
    return ApiError(Response.json(status, body, _header_names(headers)))


def gt365_error(status: int, message: str, **headers: str) -> ApiError:
    """A GT365 error."""
    return ApiError(Response.json(status, {"message": message}, _header_names(headers)))


def oauth_error(status: int, error: str, description: str, code: int) -> ApiError:
    """An Entra ID token endpoint error (``AADSTS`` code in the description)."""
    body = {
        "error": error,
        "error_description": f"AADSTS{code}: {description}",
        "error_codes": [code],
        "timestamp": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ"),
        "trace_id": str(uuid.uuid4()),
        "correlation_id": str(uuid.uuid4()),
    }
    return ApiError(Response.json(status, body))


def _header_names(headers: dict[str, str]) -> dict[str, str]:
    return {name.replace("_", "-").lower(): value for name, value in headers.items()}


def error_for_style(style: str, status: int, message: str, **headers: str) -> ApiError:
    """A generic error (injected fault, throttling, unknown route) in the route's dialect."""
    if style == "graph":
        code = {429: "TooManyRequests", 503: "ServiceUnavailable"}.get(
            status, "InternalServerError"
        )
        if status == 404:
            code = "Request_ResourceNotFound"
        return graph_error(status, code, message, **headers)
    if style == "gt365":
        return gt365_error(status, message, **headers)
    if style == "pc" and status == 429:
        body = {"statusCode": 429, "message": message}
        return ApiError(Response.json(429, body, _header_names(headers)))
    code = {404: "itemNotFound", 429: "tooManyRequests", 503: "serviceUnavailable"}.get(
        status, "internalServerError"
    )
    return pc_error(status, code, message, **headers)
