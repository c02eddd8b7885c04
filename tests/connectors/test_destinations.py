"""One behaviour over every destination: answers are classified the same everywhere."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from connectors.destinations import (
    GraphInvitations,
    GT365Invitations,
    LegacyReferrals,
    PartnerCenterReferrals,
    open_destination,
)
from refsync.errors import (
    AuthError,
    ConfigurationError,
    RejectedError,
    TransientError,
    UncertainOutcome,
)
from refsync.protocols import Destination, Listable, Updatable
from refsync.records import Target
from refsync.settings import Settings

from .mock_api import Recorder, answer, fail_with

pytestmark = pytest.mark.unit

TARGETS = list(Target)
CREATED: dict[Target, dict[str, Any]] = {
    Target.REFERRAL: {
        "id": "r-1", "externalReferenceId": "CRM-1", "status": "Active", "eTag": '"e1"',
        "createdDateTime": "2026-11-22T03:00:00.1234567Z",
    },
    Target.LEGACY_REFERRAL: {
        "Id": "l-1", "ExternalReferenceId": "CRM-1", "Status": "New",
        "CreatedDateTime": "2026-11-22T03:00:00Z",
    },
    Target.GRAPH_INVITATION: {
        "id": "inv-1", "invitedUserEmailAddress": "a@b.test", "status": "PendingAcceptance",
        "invitedUser": {"id": "user-1"},
    },
    Target.GT365_INVITATION: {
        "id": "gt-1", "invitedUserEmailAddress": "a@b.test", "status": "PendingAcceptance",
    },
}
EXPECTED_ID = {Target.REFERRAL: "r-1", Target.LEGACY_REFERRAL: "l-1",
               Target.GRAPH_INVITATION: "user-1", Target.GT365_INVITATION: "gt-1"}
EXPECTED_KEY = {Target.REFERRAL: "CRM-1", Target.LEGACY_REFERRAL: "CRM-1",
                Target.GRAPH_INVITATION: "a@b.test", Target.GT365_INVITATION: "a@b.test"}


async def _create(target: Target, settings: Settings, recorder: Recorder) -> Any:
    async with recorder.client(settings) as client:
        destination = open_destination(target, client, settings)
        return await destination.create({"externalReferenceId": "CRM-1"})


@pytest.mark.anyio
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("status", [200, 201])
async def test_create_returns_the_remote_object(target: Target, status: int,
                                                settings: Settings) -> None:
    recorder = Recorder(answer(status, CREATED[target], **{"request-id": "req-9"}))
    obj = await _create(target, settings, recorder)
    assert obj.id == EXPECTED_ID[target]
    assert obj.key == EXPECTED_KEY[target]
    assert obj.request_id == "req-9"
    assert obj.status is not None
    assert [r.method for r in recorder.requests] == ["POST"]
    sent = json.loads(recorder.requests[0].content)
    assert sent["externalReferenceId"] == "CRM-1"


@pytest.mark.anyio
async def test_partner_center_create_keeps_etag_and_creation_time(settings: Settings) -> None:
    obj = await _create(Target.REFERRAL, settings, Recorder(answer(201, CREATED[Target.REFERRAL])))
    assert obj.etag == '"e1"'
    assert obj.created_at == datetime(2026, 11, 22, 3, 0, 0, 123456, tzinfo=UTC)
    assert obj.body["externalReferenceId"] == "CRM-1"


@pytest.mark.anyio
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("status", [400, 404, 409, 422])
async def test_refused_payloads_are_rejected_with_code_and_target(target: Target, status: int,
                                                                  settings: Settings) -> None:
    body = {"error": {"code": "invalidRequest", "message": "dealValue must be positive",
                      "target": "details.dealValue"}}
    with pytest.raises(RejectedError) as info:
        await _create(target, settings, Recorder(answer(status, body, **{"request-id": "q1"})))
    error = info.value
    assert (error.status, error.code, error.target) == (status, "invalidRequest",
                                                        "details.dealValue")
    assert "dealValue must be positive" in str(error)
    assert "q1" in str(error)


@pytest.mark.anyio
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("status", [401, 403])
async def test_unauthorised_is_fatal(target: Target, status: int, settings: Settings) -> None:
    body = {"error": {"code": "unauthenticated", "message": "token Bearer eyJa.eyJb.sig bad"}}
    with pytest.raises(AuthError) as info:
        await _create(target, settings, Recorder(answer(status, body)))
    assert "eyJ" not in str(info.value)


@pytest.mark.anyio
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize(("header", "expected"), [("7", 7.0), ("2.128", 2.128)])
async def test_throttling_is_transient_with_retry_after(target: Target, header: str,
                                                        expected: float,
                                                        settings: Settings) -> None:
    body = {"statusCode": 429, "message": "Rate limit is exceeded. Try again in 57 seconds."}
    with pytest.raises(TransientError) as info:
        await _create(target, settings, Recorder(answer(429, body, **{"Retry-After": header})))
    assert not isinstance(info.value, UncertainOutcome)
    assert info.value.status == 429
    assert info.value.retry_after == expected


@pytest.mark.anyio
async def test_retry_after_falls_back_to_the_message(settings: Settings) -> None:
    body = {"statusCode": 429, "message": "Rate limit is exceeded. Try again in 57 seconds."}
    with pytest.raises(TransientError) as info:
        await _create(Target.REFERRAL, settings, Recorder(answer(429, body)))
    assert info.value.retry_after == 57.0


@pytest.mark.anyio
async def test_retry_after_as_http_date(settings: Settings) -> None:
    with pytest.raises(TransientError) as info:
        await _create(Target.REFERRAL, settings, Recorder(
            answer(429, {}, **{"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})))
    assert info.value.retry_after == 0.0  # a date in the past: retry now


@pytest.mark.anyio
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors_after_a_create_are_uncertain(target: Target, status: int,
                                                          settings: Settings) -> None:
    with pytest.raises(UncertainOutcome) as info:
        await _create(target, settings, Recorder(answer(status, {"message": "boom"})))
    assert info.value.status == status


@pytest.mark.anyio
@pytest.mark.parametrize("target", TARGETS)
async def test_connection_refused_is_transient_not_uncertain(target: Target,
                                                             settings: Settings) -> None:
    with pytest.raises(TransientError) as info:
        await _create(target, settings, Recorder(fail_with(httpx.ConnectError)))
    assert not isinstance(info.value, UncertainOutcome)


@pytest.mark.anyio
@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("exc_type",
                         [httpx.ReadTimeout, httpx.RemoteProtocolError, httpx.ReadError])
async def test_lost_answer_to_a_create_is_uncertain(target: Target,
                                                    exc_type: type[httpx.TransportError],
                                                    settings: Settings) -> None:
    with pytest.raises(UncertainOutcome):
        await _create(target, settings, Recorder(fail_with(exc_type)))


@pytest.mark.anyio
@pytest.mark.parametrize("target", TARGETS)
async def test_2xx_without_a_readable_body_is_uncertain(target: Target,
                                                        settings: Settings) -> None:
    def garbled(request: httpx.Request) -> httpx.Response:
        return httpx.Response(201, content=b"<html>oops</html>")

    with pytest.raises(UncertainOutcome):
        await _create(target, settings, Recorder(garbled))


@pytest.mark.anyio
async def test_registry_opens_each_target_with_its_abilities(settings: Settings) -> None:
    async with httpx.AsyncClient() as client:
        opened = {t: open_destination(t, client, settings) for t in Target}
        assert isinstance(opened[Target.REFERRAL], PartnerCenterReferrals)
        assert isinstance(opened[Target.LEGACY_REFERRAL], LegacyReferrals)
        assert isinstance(opened[Target.GRAPH_INVITATION], GraphInvitations)
        assert isinstance(opened[Target.GT365_INVITATION], GT365Invitations)
        for target, destination in opened.items():
            assert isinstance(destination, Destination)
            assert destination.target == target.value
        assert isinstance(opened[Target.REFERRAL], Updatable)
        assert isinstance(opened[Target.REFERRAL], Listable)
        assert isinstance(opened[Target.LEGACY_REFERRAL], Listable)
        assert not isinstance(opened[Target.GRAPH_INVITATION], Updatable)


@pytest.mark.anyio
async def test_unknown_target_lists_the_valid_ones(settings: Settings) -> None:
    async with httpx.AsyncClient() as client:
        with pytest.raises(ConfigurationError) as info:
            open_destination("salesforce.lead", client, settings)
    assert "salesforce.lead" in str(info.value)
    for target in Target:
        assert target.value in str(info.value)


@pytest.mark.anyio
@pytest.mark.parametrize("target", [Target.GRAPH_INVITATION, Target.GT365_INVITATION])
async def test_invitations_resolve_to_nothing_without_a_call(target: Target,
                                                             settings: Settings) -> None:
    recorder = Recorder(answer(500))
    async with recorder.client(settings) as client:
        destination = open_destination(target, client, settings)
        assert await destination.resolve(["a@b.test"], datetime.now(UTC)) == {}
    assert recorder.requests == []


@pytest.mark.anyio
async def test_gt365_waits_long_for_an_answer(settings: Settings) -> None:
    recorder = Recorder(answer(201, CREATED[Target.GT365_INVITATION]))
    await _create(Target.GT365_INVITATION, settings, recorder)
    timeout = recorder.requests[0].extensions["timeout"]
    assert timeout["read"] >= 120
    assert timeout["connect"] <= settings.request_timeout_s
