"""Partner Center's legacy referrals API (2018, "invite a participant"): ``/v1/referrals``.

The v1 referral has no ``externalReferenceId``: the API drops properties it does not know, so
the key would be lost and an uncertain create could never be matched again. The adapter therefore
carries the key in the one free-text field the API keeps, ``details.notes``, as a last line
``[refsync key: <key>]`` (:func:`with_key_marker`), and reads it back from there
(:func:`key_of`). An explicit ``externalReferenceId`` in an answer, should the API ever echo one,
wins.

It has no time filter either, so :meth:`LegacyReferrals.resolve` reads every referral
(``pageSize`` at most 100) and matches the key on the client, stopping as soon as every key is
found. Pages are chained by the ``links.next`` envelope, whose ``headers`` carry the
``MS-ContinuationToken`` to send with the next request. Property names are matched
case-insensitively because the legacy documentation spells them in PascalCase.
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator, AsyncIterator, Collection, Mapping
from contextlib import aclosing
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

import httpx

from refsync.errors import TransientError, UncertainOutcome
from refsync.records import RemoteObject, Target
from refsync.settings import Settings

from ._http import field, json_object, parse_datetime, request_id, send, send_read

__all__ = ["PAGE_SIZE", "LegacyReferrals", "key_of", "with_key_marker"]

PAGE_SIZE = 100
CONTINUATION = "MS-ContinuationToken"
_MAX_PAGES = 100_000
KEY_FIELD = "externalReferenceId"
_MARKER = re.compile(r"\[refsync key: (?P<key>.+?)\]\s*\Z")


def with_key_marker(payload: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``payload`` whose ``details.notes`` ends with the key marker line.

    The payload's own notes are kept; a marker already present (a resend) is not repeated.
    """
    body = dict(payload)
    key = field(body, KEY_FIELD)
    if key is None or str(key) == "":
        return body
    details_name = next((k for k in body if k.casefold() == "details"), "details")
    details = dict(body.get(details_name) or {})
    notes_name = next((k for k in details if k.casefold() == "notes"), "notes")
    notes = str(details.get(notes_name) or "")
    marker = f"[refsync key: {key}]"
    if not notes.rstrip().endswith(marker):
        notes = f"{notes.rstrip()}\n{marker}" if notes.strip() else marker
    details[notes_name] = notes
    body[details_name] = details
    return body


def key_of(body: Mapping[str, Any]) -> str | None:
    """The key of a v1 referral: its ``externalReferenceId``, else the notes marker."""
    explicit = field(body, KEY_FIELD)
    if explicit is not None:
        return str(explicit)
    details = field(body, "details")
    notes = field(details, "notes") if isinstance(details, dict) else None
    match = _MARKER.search(notes) if isinstance(notes, str) else None
    return match.group("key") if match else None


class LegacyReferrals:
    """Creates and lists referrals through the v1 API."""

    target: str = Target.LEGACY_REFERRAL.value

    def __init__(self, client: httpx.AsyncClient, settings: Settings) -> None:
        self._client = client
        self._url = f"{settings.partner_center_url}/v1/referrals"

    def __repr__(self) -> str:
        return f"LegacyReferrals(url={self._url!r})"

    @staticmethod
    def _remote(body: Mapping[str, Any], response: httpx.Response | None) -> RemoteObject:
        key = key_of(body)
        status = field(body, "status")
        etag = field(body, "eTag") or (response.headers.get("ETag") if response else None)
        return RemoteObject(
            id=str(field(body, "id")),
            key=str(key) if key is not None else None,
            etag=str(etag) if etag is not None else None,
            status=str(status) if status is not None else None,
            created_at=parse_datetime(field(body, "createdDateTime")),
            request_id=request_id(response) if response is not None else None,
            body=dict(body),
        )

    async def create(self, payload: Mapping[str, Any]) -> RemoteObject:
        what = "create legacy referral"
        response = await send(self._client, "POST", self._url, what=what, creates=True,
                              json=with_key_marker(payload))
        body = json_object(response, what=what, creates=True)
        if not field(body, "id"):
            raise UncertainOutcome(f"{what}: {response.status_code} without an id", status=None)
        return self._remote(body, response)

    async def resolve(self, keys: Collection[str], since: datetime) -> dict[str, RemoteObject]:
        """The referrals whose key is one of ``keys``; ``since`` cannot narrow the v1 listing."""
        wanted = set(keys)
        found: dict[str, RemoteObject] = {}
        if not wanted:
            return found
        async with aclosing(self._pages(what="resolve legacy referrals")) as pages:
            async for obj in pages:
                if obj.key in wanted and obj.key not in found:
                    found[obj.key] = obj
                    if len(found) == len(wanted):
                        break
        return found

    def list_all(self) -> AsyncIterator[RemoteObject]:
        return self._pages(what="list legacy referrals")

    async def _pages(self, *, what: str) -> AsyncGenerator[RemoteObject]:
        url = self._url
        params: dict[str, str | int] | None = {"pageSize": PAGE_SIZE}
        headers: dict[str, str] = {}
        seen: set[str] = set()
        for _ in range(_MAX_PAGES):
            response = await send_read(self._client, url, what=what, params=params,
                                       headers=headers)
            body = json_object(response, what=what)
            items = field(body, "items")
            if not isinstance(items, list):
                raise TransientError(f"{what}: page without an 'items' list", status=None)
            for item in items:
                if isinstance(item, dict) and field(item, "id"):
                    yield self._remote(item, response)
            step = _next_page(body)
            if step is None:
                return
            next_uri, headers = step
            url = urljoin(str(response.url), next_uri) if next_uri else url
            params = None if next_uri else params
            marker = f"{url}|{headers.get(CONTINUATION, '')}"
            if marker in seen:
                raise TransientError(f"{what}: the server repeated a page", status=None)
            seen.add(marker)
        raise TransientError(f"{what}: more than {_MAX_PAGES} pages", status=None)


def _next_page(body: Mapping[str, Any]) -> tuple[str | None, dict[str, str]] | None:
    """``(uri, headers)`` of ``links.next``; None on the last page."""
    links = field(body, "links")
    nxt = field(links, "next") if isinstance(links, dict) else None
    if not isinstance(nxt, dict):
        return None
    headers: dict[str, str] = {}
    for entry in field(nxt, "headers") or []:
        if isinstance(entry, dict) and field(entry, "key") and field(entry, "value") is not None:
            headers[str(field(entry, "key"))] = str(field(entry, "value"))
    uri = field(nxt, "uri")
    if not uri and not headers:
        return None
    return (str(uri) if uri else None), headers
