"""Partner Center referrals (co-sell deals), API v1.0: ``/v1.0/engagements/referrals``.

Creates are not idempotent: Partner Center neither dedupes nor filters on
``externalReferenceId``. :meth:`PartnerCenterReferrals.resolve` therefore lists the referrals
created since the intent time (``$filter`` on ``createdDateTime``, ``$orderby``, following
``@odata.nextLink`` verbatim) and matches the key on the client. The time window is widened by
:data:`CLOCK_SKEW` because ``since`` comes from this machine's clock and ``createdDateTime`` from
the server's; extra referrals in the window cost a little paging, a missed one a duplicate deal.

Updates are JSON Patch with ``If-Match`` (a stale eTag is a :class:`ConflictError`) and
``Prefer: return=representation``. A closed deal (Won/Lost/Declined/Expired) is terminal in
Partner Center and is never patched: the refusal is raised before anything is sent.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Collection, Mapping
from contextlib import aclosing
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urljoin

import httpx

from refsync.errors import RejectedError, TransientError, UncertainOutcome
from refsync.records import JsonPatch, RemoteObject, Target
from refsync.settings import Settings

from ._http import field, json_object, parse_datetime, request_id, send, send_read

__all__ = ["CLOCK_SKEW", "PartnerCenterReferrals"]

CLOCK_SKEW = timedelta(minutes=5)
_CLOSED = "closed"
_MAX_PAGES = 100_000


def odata_datetime(moment: datetime) -> str:
    """``moment`` as an OData DateTimeOffset literal in UTC (naive values are taken as UTC)."""
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return aware.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class PartnerCenterReferrals:
    """Creates, finds, reads and patches referrals; lists them all for reconciliation."""

    target: str = Target.REFERRAL.value

    def __init__(self, client: httpx.AsyncClient, settings: Settings) -> None:
        self._client = client
        self._url = f"{settings.partner_center_url}/v1.0/engagements/referrals"
        # Status of the referrals this run created, read, patched or resolved, so that update()
        # knows a closed deal without reading it again. Listings are not remembered: memory
        # stays bounded by the rows of the run, not by the size of the partner's pipeline.
        self._status: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"PartnerCenterReferrals(url={self._url!r})"

    def _item_url(self, remote_id: str) -> str:
        return f"{self._url}/{quote(remote_id, safe='')}"

    def _seen(self, obj: RemoteObject) -> RemoteObject:
        if obj.status is not None:
            self._status[obj.id] = obj.status
        return obj

    def _remote(self, body: Mapping[str, Any], response: httpx.Response | None) -> RemoteObject:
        remote_id = field(body, "id")
        etag = field(body, "eTag") or (response.headers.get("ETag") if response else None)
        status = field(body, "status")
        key = field(body, "externalReferenceId")
        return RemoteObject(
            id=str(remote_id),
            key=str(key) if key is not None else None,
            etag=str(etag) if etag is not None else None,
            status=str(status) if status is not None else None,
            created_at=parse_datetime(field(body, "createdDateTime")),
            request_id=request_id(response) if response is not None else None,
            body=dict(body),
        )

    async def create(self, payload: Mapping[str, Any]) -> RemoteObject:
        """POST one referral; 200 and 201 both mean created."""
        what = "create referral"
        response = await send(self._client, "POST", self._url, what=what, creates=True,
                              json=dict(payload))
        body = json_object(response, what=what, creates=True)
        if not field(body, "id"):
            raise UncertainOutcome(f"{what}: {response.status_code} without an id", status=None)
        return self._seen(self._remote(body, response))

    async def get(self, remote_id: str) -> RemoteObject:
        what = f"read referral {remote_id}"
        response = await send(self._client, "GET", self._item_url(remote_id), what=what)
        return self._seen(self._remote(json_object(response, what=what), response))

    async def update(self, remote_id: str, patch: JsonPatch, *, etag: str | None) -> RemoteObject:
        """Apply ``patch``; with ``etag``, only if the referral is unchanged since it was read.

        Raises:
            RejectedError: the referral is closed (nothing is sent), or the API refused the patch.
            ConflictError: ``etag`` is stale (412).
        """
        status = self._status.get(remote_id)
        if status is None:
            status = (await self.get(remote_id)).status
        if status is not None and status.casefold() == _CLOSED:
            raise RejectedError(
                f"update referral {remote_id}: not sent, the referral is Closed and Partner "
                "Center does not allow editing closed deals",
                status=409, code="referralClosed", target="status",
            )
        what = f"update referral {remote_id}"
        headers = {"Prefer": "return=representation"}
        if etag:
            headers["If-Match"] = etag
        response = await send(self._client, "PATCH", self._item_url(remote_id), what=what,
                              remote_id=remote_id, json=list(patch), headers=headers)
        if response.status_code == httpx.codes.NO_CONTENT or not response.content:
            return await self.get(remote_id)
        return self._seen(self._remote(json_object(response, what=what), response))

    async def resolve(self, keys: Collection[str], since: datetime) -> dict[str, RemoteObject]:
        """The referrals created since ``since`` (minus :data:`CLOCK_SKEW`) with one of ``keys``.

        When a key occurs more than once the earliest-created referral wins, so that every
        resolver adopts the same one.
        """
        wanted = set(keys)
        found: dict[str, RemoteObject] = {}
        if not wanted:
            return found
        params = {
            "$filter": f"createdDateTime ge {odata_datetime(since - CLOCK_SKEW)}",
            "$orderby": "createdDateTime asc",
        }
        async with aclosing(self._pages(params, what="resolve referrals")) as pages:
            async for obj in pages:
                if obj.key in wanted and obj.key not in found:
                    found[obj.key] = self._seen(obj)
                    if len(found) == len(wanted):
                        break
        return found

    def list_all(self) -> AsyncIterator[RemoteObject]:
        """Every referral, oldest first, page by page."""
        return self._pages({"$orderby": "createdDateTime asc"}, what="list referrals")

    async def _pages(
        self, params: dict[str, str], *, what: str
    ) -> AsyncGenerator[RemoteObject]:
        url: str | None = self._url
        query: dict[str, str] | None = params
        seen: set[str] = set()
        for _ in range(_MAX_PAGES):
            if url is None:
                return
            response = await send_read(self._client, url, what=what, params=query)
            body = json_object(response, what=what)
            items = field(body, "value")
            if not isinstance(items, list):
                raise TransientError(f"{what}: page without a 'value' list", status=None)
            for item in items:
                if isinstance(item, dict) and field(item, "id"):
                    yield self._remote(item, None)
            next_link = field(body, "@odata.nextLink")
            if not next_link:
                return
            # The link already holds the whole query (with its $skiptoken): follow it as is.
            url = urljoin(str(response.url), str(next_link))
            query = None
            if url in seen:
                raise TransientError(f"{what}: the server repeated a page link", status=None)
            seen.add(url)
        raise TransientError(f"{what}: more than {_MAX_PAGES} pages", status=None)
