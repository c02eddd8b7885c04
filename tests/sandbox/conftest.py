"""Helpers for the sandbox's own tests: valid payloads and clients holding the right tokens."""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fixtures.sandbox import SandboxHandle

PC_SCOPE = "https://api.partner.microsoft.com/.default"
GRAPH_SCOPE = "https://graph.microsoft.com/.default"
REFERRALS = "/v1.0/engagements/referrals"
SEED_PAYLOAD = Path(__file__).with_name("data") / "invite-an-organization.json"

VALID_REFERRAL: dict[str, Any] = {
    "name": "Contoso rollout",
    "externalReferenceId": "CRM-0001",
    "type": "Independent",
    "qualification": "SalesQualified",
    "customerProfile": {
        "name": "Contoso Ltd",
        "size": "51to250employees",
        "address": {"addressLine1": "1 Main St", "city": "Berlin", "country": "DE"},
        "team": [{"firstName": "Cora", "lastName": "Client", "email": "cora@contoso.example"}],
    },
    "consent": {
        "consentToToShareInfoWithOthers": False,
        "consentToContact": True,
        "consentToShareReferralWithMicrosoftSellers": False,
    },
    "details": {
        "dealValue": 12500.5,
        "currency": "EUR",
        "closingDateTime": "2030-06-30T00:00:00Z",
        "notes": "sandbox test",
        "requirements": {"solutions": [{"id": "SOL-1", "name": "Insights", "type": "Name"}]},
    },
    "team": [
        {
            "firstName": "Pat",
            "lastName": "Partner",
            "phoneNumber": "+49 30 1234567",
            "email": "pat@partner.example",
        },
    ],
}


@pytest.fixture
def make_referral() -> Callable[..., dict[str, Any]]:
    """``make_referral(**overrides)``: a valid create payload with a random externalReferenceId."""

    def make(**overrides: Any) -> dict[str, Any]:
        payload = copy.deepcopy(VALID_REFERRAL)
        payload["externalReferenceId"] = f"CRM-{uuid.uuid4().hex[:10]}"
        payload.update(overrides)
        return payload

    return make


@pytest.fixture
def seed_payload() -> dict[str, Any]:
    """The example body of Microsoft's "Invite an organization" page, verbatim."""
    loaded: dict[str, Any] = json.loads(SEED_PAYLOAD.read_text())
    return loaded


@pytest.fixture
def pc(sandbox: SandboxHandle) -> Iterator[httpx.Client]:
    """A client holding a delegated Partner Center token of the Referrals Admin."""
    token = sandbox.token(PC_SCOPE)
    with sandbox.client(headers={"authorization": f"Bearer {token}"}, timeout=30) as client:
        yield client


@pytest.fixture
def graph(sandbox: SandboxHandle) -> Iterator[httpx.Client]:
    """A client holding an app-only Graph token with User.Invite.All."""
    token = sandbox.token(GRAPH_SCOPE)
    with sandbox.client(headers={"authorization": f"Bearer {token}"}, timeout=30) as client:
        yield client
