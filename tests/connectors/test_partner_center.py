"""Partner Center v1.0 referrals: resolve by listing, paging, JSON Patch with eTags."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

from connectors.destinations import PartnerCenterReferrals
from connectors.destinations.partner_center import CLOCK_SKEW
from refsync.errors import ConflictError, RejectedError, TransientError
from refsync.settings import Settings

from .mock_api import Recorder, answer

pytestmark = pytest.mark.unit

BASE = "https://pc.test/v1.0/engagements/referrals"
SINCE = datetime(2026, 11, 22, 3, 0, 0, tzinfo=UTC)
NEXT = f"{BASE}?$filter=whatever&$skiptoken=abc%3D%3D&$orderby=createdDateTime%20asc"


def _referral(rid: str, key: str, created: str = "2026-11-22T03:01:00.0000000Z",
              status: str = "Active") -> dict[str, str]:
    return {"id": rid, "externalReferenceId": key, "createdDateTime": created,
            "status": status, "eTag": f'"etag-{rid}"'}


def _two_pages(request: httpx.Request) -> httpx.Response:
    if "skiptoken" not in str(request.url):
        return httpx.Response(200, json={
            "value": [_referral("r1", "CRM-1"), _referral("r2", "CRM-2")],
            "@odata.nextLink": NEXT,
        })
    return httpx.Response(200, json={
        "value": [_referral("r3", "CRM-3"), _referral("r4", "CRM-1", "2026-11-22T03:05:00Z")],
    })


@pytest.mark.anyio
async def test_resolve_lists_since_the_intent_and_matches_keys_on_the_client(
    settings: Settings,
) -> None:
    recorder = Recorder(_two_pages)
    async with recorder.client(settings) as client:
        found = await PartnerCenterReferrals(client, settings).resolve(
            ["CRM-1", "CRM-3", "CRM-404"], SINCE)
    assert {k: v.id for k, v in found.items()} == {"CRM-1": "r1", "CRM-3": "r3"}
    first, second = recorder.requests
    start = (SINCE - CLOCK_SKEW).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert first.url.params["$filter"] == f"createdDateTime ge {start}"
    assert first.url.params["$orderby"] == "createdDateTime asc"
    assert "externalReferenceId" not in str(first.url)
    assert str(second.url) == NEXT  # the nextLink is followed verbatim


@pytest.mark.anyio
async def test_resolve_stops_paging_once_every_key_is_found(settings: Settings) -> None:
    recorder = Recorder(_two_pages)
    async with recorder.client(settings) as client:
        found = await PartnerCenterReferrals(client, settings).resolve(["CRM-2"], SINCE)
    assert found["CRM-2"].id == "r2"
    assert len(recorder.requests) == 1


@pytest.mark.anyio
async def test_resolve_of_no_keys_sends_nothing(settings: Settings) -> None:
    recorder = Recorder(_two_pages)
    async with recorder.client(settings) as client:
        assert await PartnerCenterReferrals(client, settings).resolve([], SINCE) == {}
    assert recorder.requests == []


@pytest.mark.anyio
async def test_a_naive_since_is_taken_as_utc(settings: Settings) -> None:
    recorder = Recorder(answer(200, {"value": []}))
    async with recorder.client(settings) as client:
        await PartnerCenterReferrals(client, settings).resolve(
            ["k"], datetime(2026, 11, 22, 3, 0, 0))
    assert recorder.requests[0].url.params["$filter"].endswith("T02:55:00.000000Z")


@pytest.mark.anyio
async def test_list_all_follows_every_page(settings: Settings) -> None:
    recorder = Recorder(_two_pages)
    async with recorder.client(settings) as client:
        ids = [o.id async for o in PartnerCenterReferrals(client, settings).list_all()]
    assert ids == ["r1", "r2", "r3", "r4"]


@pytest.mark.anyio
async def test_a_page_link_that_repeats_is_an_error_not_a_loop(settings: Settings) -> None:
    recorder = Recorder(answer(200, {"value": [], "@odata.nextLink": NEXT}))
    async with recorder.client(settings) as client:
        with pytest.raises(TransientError, match="repeated"):
            [o async for o in PartnerCenterReferrals(client, settings).list_all()]
    assert len(recorder.requests) == 2


@pytest.mark.anyio
async def test_a_failing_page_is_transient(settings: Settings) -> None:
    recorder = Recorder(answer(503, {"message": "busy"}, **{"Retry-After": "3"}))
    async with recorder.client(settings) as client:
        with pytest.raises(TransientError) as info:
            await PartnerCenterReferrals(client, settings).resolve(["k"], SINCE)
    assert info.value.retry_after == 3.0
    assert type(info.value) is TransientError  # a read, not an uncertain create


def _patchable(status: str = "Active", patch_status: int = 200) -> Recorder:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json=_referral("r1", "CRM-1", status=status),
                                  headers={"ETag": '"etag-r1"'})
        if patch_status == 412:
            return httpx.Response(412, json={"error": {"code": "preconditionFailed",
                                                       "target": "ETag", "message": "stale"}})
        if patch_status == 204:
            return httpx.Response(204)
        body = _referral("r1", "CRM-1") | {"eTag": '"etag-new"', "salesStage": "Develop"}
        return httpx.Response(200, json=body)
    return Recorder(handler)


PATCH = [{"op": "replace", "path": "/salesStage", "value": "Develop"}]


@pytest.mark.anyio
async def test_update_sends_json_patch_with_if_match(settings: Settings) -> None:
    recorder = _patchable()
    async with recorder.client(settings) as client:
        destination = PartnerCenterReferrals(client, settings)
        await destination.get("r1")
        updated = await destination.update("r1", PATCH, etag='"etag-r1"')
    patch = recorder.requests[-1]
    assert patch.method == "PATCH"
    assert str(patch.url) == f"{BASE}/r1"
    assert patch.headers["If-Match"] == '"etag-r1"'
    assert patch.headers["Prefer"] == "return=representation"
    assert json.loads(patch.content) == PATCH
    assert updated.etag == '"etag-new"'
    assert [r.method for r in recorder.requests] == ["GET", "PATCH"]  # status known: no re-read


@pytest.mark.anyio
async def test_update_reads_the_status_first_when_unknown(settings: Settings) -> None:
    recorder = _patchable()
    async with recorder.client(settings) as client:
        await PartnerCenterReferrals(client, settings).update("r1", PATCH, etag=None)
    assert [r.method for r in recorder.requests] == ["GET", "PATCH"]
    assert "If-Match" not in recorder.requests[-1].headers


@pytest.mark.anyio
async def test_a_closed_deal_is_never_patched(settings: Settings) -> None:
    recorder = _patchable(status="Closed")
    async with recorder.client(settings) as client:
        with pytest.raises(RejectedError, match="Closed") as info:
            await PartnerCenterReferrals(client, settings).update("r1", PATCH, etag='"e"')
    assert info.value.code == "referralClosed"
    assert [r.method for r in recorder.requests] == ["GET"]


@pytest.mark.anyio
async def test_stale_etag_is_a_conflict(settings: Settings) -> None:
    recorder = _patchable(patch_status=412)
    async with recorder.client(settings) as client:
        with pytest.raises(ConflictError) as info:
            await PartnerCenterReferrals(client, settings).update("r1", PATCH, etag='"old"')
    assert info.value.remote_id == "r1"


@pytest.mark.anyio
async def test_update_without_representation_reads_the_result(settings: Settings) -> None:
    recorder = _patchable(patch_status=204)
    async with recorder.client(settings) as client:
        updated = await PartnerCenterReferrals(client, settings).update("r1", PATCH, etag=None)
    assert [r.method for r in recorder.requests] == ["GET", "PATCH", "GET"]
    assert updated.id == "r1"


@pytest.mark.anyio
async def test_get_of_a_missing_referral_is_rejected(settings: Settings) -> None:
    body = {"error": {"code": "itemNotFound", "message": "no such referral"}}
    recorder = Recorder(answer(404, body))
    async with recorder.client(settings) as client:
        with pytest.raises(RejectedError) as info:
            await PartnerCenterReferrals(client, settings).get("r/../x")
    assert info.value.code == "itemNotFound"
    assert recorder.requests[0].url.raw_path.endswith(b"/referrals/r%2F..%2Fx")


@pytest.mark.anyio
async def test_a_failing_page_is_retried_alone_not_the_whole_listing(settings: Settings) -> None:
    failures = {"left": 1}

    def flaky_second_page(request: httpx.Request) -> httpx.Response:
        if "skiptoken" in str(request.url) and failures["left"]:
            failures["left"] -= 1
            return httpx.Response(503, json={"error": {"code": "serviceUnavailable"}},
                                  headers={"Retry-After": "0"})
        return _two_pages(request)

    recorder = Recorder(flaky_second_page)
    async with recorder.client(settings) as client:
        found = await PartnerCenterReferrals(client, settings).resolve(["CRM-3"], SINCE)
    assert found["CRM-3"].id == "r3"
    first_pages = [r for r in recorder.requests if "skiptoken" not in str(r.url)]
    assert len(first_pages) == 1, "the first page was not fetched again"
    assert len(recorder.requests) == 3
