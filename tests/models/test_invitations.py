"""Graph, GT365 and legacy referral payload models: what the APIs accept and refuse."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pydantic import ValidationError

from refsync.models import CREATE_MODELS, GraphInvitation, Gt365Invitation, LegacyReferral
from refsync.records import Target

pytestmark = pytest.mark.unit


def test_every_target_has_a_create_model() -> None:
    assert set(CREATE_MODELS) == set(Target)


def test_graph_invitation_round_trip_in_camel_case() -> None:
    body = {
        "invitedUserEmailAddress": "guest@contoso.example",
        "inviteRedirectUrl": "https://myapps.microsoft.com",
        "sendInvitationMessage": True,
        "invitedUserMessageInfo": {
            "customizedMessageBody": "Welcome",
            "messageLanguage": "de-DE",
            "ccRecipients": [{"emailAddress": {"address": "owner@fabrikam.example"}}],
        },
    }
    assert GraphInvitation.model_validate(body).to_payload() == body


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"inviteRedirectUrl": "http://intranet"}, "not an https:// URL"),
        ({"invitedUserEmailAddress": "guest"}, "not an e-mail address"),
        ({"invitedUserType": "Visitor"}, "Input should be 'Guest' or 'Member'"),
        ({"invitedUserMessageInfo": {"ccRecipients": [
            {"emailAddress": {"address": "a@b.example"}},
            {"emailAddress": {"address": "c@d.example"}}]}}, "at most 1 item"),
        ({"inviteRedirectUrl": None}, "Input should be a valid string"),
    ],
)
def test_graph_invitation_refusals(change: dict[str, Any], expected: str) -> None:
    body = {"invitedUserEmailAddress": "guest@contoso.example",
            "inviteRedirectUrl": "https://myapps.microsoft.com", **change}
    with pytest.raises(ValidationError, match=re.escape(expected)):
        GraphInvitation.model_validate(body)


def test_gt365_defaults_and_the_size_of_more() -> None:
    invite = Gt365Invitation.model_validate({"invitedUserEmailAddress": "g@x.example"})
    assert invite.to_payload() == {"invitedUserEmailAddress": "g@x.example",
                                   "inviteRedirectUrl": "https://invitations.microsoft.com"}
    with pytest.raises(ValidationError, match="at most 4000 characters"):
        Gt365Invitation.model_validate({"invitedUserEmailAddress": "g@x.example",
                                        "more": {"notes": "x" * 4000}})


def test_legacy_referral_needs_the_customer_and_details() -> None:
    body = {"externalReferenceId": "LEAD-1", "type": "Independent",
            "customerProfile": {"name": "Contoso"}, "details": {"dealValue": 5}}
    assert LegacyReferral.model_validate(body).to_payload()["details"] == {"dealValue": 5.0}
    with pytest.raises(ValidationError, match="customerProfile"):
        LegacyReferral.model_validate({k: v for k, v in body.items() if k != "customerProfile"})
