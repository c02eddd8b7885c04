"""Payload factories and an opener for running destinations against the real sandbox."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from connectors.auth import MsalAuth, auth_for_target, device_code_login
from connectors.destinations import open_destination
from connectors.http import build_async_client, build_client, new_correlation_id
from refsync.protocols import Destination
from refsync.records import Target
from refsync.settings import Settings, load_settings

DELEGATED = (Target.REFERRAL, Target.LEGACY_REFERRAL)
ROUTES = {
    Target.REFERRAL: "POST /v1.0/engagements/referrals",
    Target.LEGACY_REFERRAL: "POST /v1/referrals",
    Target.GRAPH_INVITATION: "POST /v1.0/invitations",
    Target.GT365_INVITATION: "POST /api/InviteGuest",
}


def new_key() -> str:
    return f"CRM-{uuid.uuid4().hex[:10]}"


def referral(key: str) -> dict[str, Any]:
    """A complete Partner Center v1.0 referral (the shape of Microsoft's own example)."""
    person = {"firstName": "Luke", "lastName": "Johnson", "phoneNumber": "+14255550100",
              "email": "luke.johnson@fabrikam.example"}
    return {
        "externalReferenceId": key,
        "name": f"Deal {key}",
        "type": "Independent",
        "qualification": "SalesQualified",
        "status": "New",
        "substatus": "Pending",
        "customerProfile": {
            "name": "AdventureWorks",
            "size": "10to50employees",
            "address": {"addressLine1": "One Microsoft Way", "city": "Redmond",
                        "state": "WA", "postalCode": "98052", "country": "US"},
            "team": [{"firstName": "John", "lastName": "Doe", "phoneNumber": "+14255550101",
                      "email": "john.doe@adventure-works.example"}],
        },
        "consent": {"consentToToShareInfoWithOthers": True, "consentToContact": True,
                    "consentToShareReferralWithMicrosoftSellers": False},
        "details": {
            "notes": "bicycle store chain",
            "dealValue": 15000,
            "currency": "USD",
            "closingDateTime": "2027-06-30T00:00:00Z",
            "requirements": {"solutions": [{"id": "SOL-34104-EBA", "name": "Insights",
                                            "type": "Name"}]},
        },
        "team": [person],
    }


def payload_for(target: Target, key: str) -> dict[str, Any]:
    """A payload the target accepts, identified by ``key``."""
    if target is Target.REFERRAL:
        return referral(key)
    if target is Target.LEGACY_REFERRAL:
        return {"externalReferenceId": key, "status": "New",
                "customerProfile": {"name": "Contoso"}, "details": {"dealValue": 10}}
    email = f"{key.lower()}@partner.example"
    if target is Target.GRAPH_INVITATION:
        return {"invitedUserEmailAddress": email,
                "inviteRedirectUrl": "https://myapps.microsoft.com"}
    return {"invitedUserEmailAddress": email, "requestedBy": "refsync tests"}


def bad_payload_for(target: Target) -> dict[str, Any]:
    """A payload the target must refuse (a required property is missing)."""
    if target is Target.REFERRAL:
        return {"externalReferenceId": new_key(), "type": "Independent"}
    if target is Target.LEGACY_REFERRAL:
        return {"externalReferenceId": new_key(), "status": "New"}
    return {"inviteRedirectUrl": "https://myapps.microsoft.com"}


def expected_key(target: Target, key: str) -> str:
    return key if target in DELEGATED else f"{key.lower()}@partner.example"


def sandbox_settings(config_path: Path | None, tmp_path: Path, **overrides: Any) -> Settings:
    assert config_path is not None
    return load_settings(config_path, token_cache=str(tmp_path / "token-cache.json"),
                         **overrides)


@dataclass
class Opened:
    destination: Destination
    client: httpx.AsyncClient
    auth: MsalAuth | None


@asynccontextmanager
async def open_target(target: Target, settings: Settings, *, sign_in: bool = True,
                      with_auth: bool = True) -> AsyncIterator[Opened]:
    """The destination for ``target`` over TLS with real MSAL, signed in when delegated."""
    token_http = build_client(settings)
    auth: MsalAuth | None = None
    try:
        if with_auth:
            if sign_in and target in DELEGATED:
                device_code_login(settings, echo=lambda _: None, http_client=token_http)
            auth = auth_for_target(target, settings, http_client=token_http)
        async with build_async_client(settings, correlation_id=new_correlation_id(),
                                      auth=auth) as client:
            yield Opened(open_destination(target, client, settings), client, auth)
    finally:
        if auth is not None:
            auth.token_source.close()
        token_http.close()
