"""The legacy v1 referrals API: the key carried in the notes, continuation-token paging."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

from connectors.destinations import LegacyReferrals
from connectors.destinations.legacy_referrals import CONTINUATION, key_of, with_key_marker
from refsync.errors import TransientError
from refsync.settings import Settings

from .mock_api import Recorder

pytestmark = pytest.mark.unit

SINCE = datetime(2026, 11, 22, tzinfo=UTC)


def test_the_key_rides_in_the_notes_and_comes_back() -> None:
    payload = {"externalReferenceId": "CRM-7", "Details": {"Notes": "big deal", "dealValue": 5}}
    body = with_key_marker(payload)
    assert body["Details"] == {"Notes": "big deal\n[refsync key: CRM-7]", "dealValue": 5}
    assert payload["Details"] == {"Notes": "big deal", "dealValue": 5}  # input untouched
    assert with_key_marker(body)["Details"]["Notes"] == body["Details"]["Notes"]  # no repeat
    echoed = {k: v for k, v in body.items() if k != "externalReferenceId"}
    assert key_of(echoed) == "CRM-7"
    assert key_of({"details": {"notes": "no marker"}}) is None
    assert key_of({"ExternalReferenceId": "X"}) == "X"


def test_payload_without_notes_gets_only_the_marker() -> None:
    assert with_key_marker({"externalReferenceId": "K"})["details"] == {
        "notes": "[refsync key: K]"}
    assert with_key_marker({"name": "no key"}) == {"name": "no key"}


def _item(rid: str, key: str) -> dict[str, object]:
    return {"id": rid, "status": "New", "details": {"notes": f"n\n[refsync key: {key}]"}}


def _paged(request: httpx.Request) -> httpx.Response:
    token = request.headers.get(CONTINUATION)
    links: dict[str, object] = {"self": {"uri": "/v1/referrals?pageSize=100", "headers": []}}
    if token is None:
        links["next"] = {"uri": "/v1/referrals?pageSize=100", "method": "GET",
                         "headers": [{"key": CONTINUATION, "value": "page-2"}]}
        return httpx.Response(200, json={"totalCount": 2, "items": [_item("a", "K1"),
                                                                      _item("b", "K2")],
                                         "links": links})
    assert token == "page-2"
    return httpx.Response(200, json={"totalCount": 1, "items": [_item("c", "K3")],
                                     "links": links})


@pytest.mark.anyio
async def test_list_all_follows_the_continuation_header(settings: Settings) -> None:
    recorder = Recorder(_paged)
    async with recorder.client(settings) as client:
        items = [o async for o in LegacyReferrals(client, settings).list_all()]
    assert [(o.id, o.key) for o in items] == [("a", "K1"), ("b", "K2"), ("c", "K3")]
    first, second = recorder.requests
    assert first.url.params["pageSize"] == "100"
    assert CONTINUATION not in first.headers
    assert second.headers[CONTINUATION] == "page-2"
    assert str(second.url) == "https://pc.test/v1/referrals?pageSize=100"


@pytest.mark.anyio
async def test_resolve_matches_keys_from_the_notes(settings: Settings) -> None:
    recorder = Recorder(_paged)
    async with recorder.client(settings) as client:
        found = await LegacyReferrals(client, settings).resolve(["K3", "K9"], SINCE)
    assert {k: v.id for k, v in found.items()} == {"K3": "c"}


@pytest.mark.anyio
async def test_create_sends_the_marker(settings: Settings) -> None:
    def created(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        body.pop("externalReferenceId")  # the v1 API drops what it does not know
        return httpx.Response(201, json=body | {"id": "new-1"})

    recorder = Recorder(created)
    async with recorder.client(settings) as client:
        obj = await LegacyReferrals(client, settings).create(
            {"externalReferenceId": "CRM-1", "customerProfile": {"name": "Contoso"}})
    assert (obj.id, obj.key) == ("new-1", "CRM-1")


@pytest.mark.anyio
async def test_a_repeated_continuation_is_an_error_not_a_loop(settings: Settings) -> None:
    def stuck(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"items": [], "links": {"next": {
            "uri": "/v1/referrals?pageSize=100",
            "headers": [{"key": CONTINUATION, "value": "same"}]}}})

    recorder = Recorder(stuck)
    async with recorder.client(settings) as client:
        with pytest.raises(TransientError, match="repeated"):
            [o async for o in LegacyReferrals(client, settings).list_all()]
