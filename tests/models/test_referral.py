"""The Partner Center referral models against the contract and Microsoft's example payload."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from refsync.models import PATCHABLE_PATHS, Referral, ReferralCreate

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
# the request body of Microsoft's "Invite an organization" page, as published (PascalCase keys,
# booleans as strings and all)
SEED = Path(__file__).with_name("invite_an_organization.json")
CONTRACT = ROOT / "sandbox" / "contracts" / "partner-center-referrals.swagger.json"


def seed_payload() -> dict[str, Any]:
    return json.loads(SEED.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def complete() -> dict[str, Any]:
    return {
        "externalReferenceId": "LEAD-1",
        "name": "Copilot rollout",
        "type": "Independent",
        "customerProfile": {
            "name": "Contoso",
            "address": {"addressLine1": "1 Main St", "city": "Redmond", "country": "US"},
        },
        "consent": {"consentToContact": True},
        "details": {
            "dealValue": 15000, "currency": "USD", "closingDateTime": "2027-03-31T00:00:00Z",
            "requirements": {"solutions": [{"id": "SOL-1"}]},
        },
        "team": [{"firstName": "Ana", "lastName": "Lopez", "phoneNumber": "+14255550100",
                  "email": "ana@fabrikam.com"}],
    }


def test_microsofts_example_payload_validates_and_comes_out_camel_case() -> None:
    referral = Referral.model_validate(seed_payload())
    out = referral.to_payload()
    assert out["externalReferenceId"] == "MyCRMID1234"
    assert out["type"] == "Shared"
    assert out["consent"]["consentToToShareInfoWithOthers"] is True
    assert out["details"]["requirements"]["industries"] == [{"id": "Retail & Consumer Goods"}]
    assert out["inviteContext"]["notes"].startswith("Hi Microsoft")


def test_a_complete_new_referral_validates() -> None:
    assert ReferralCreate.model_validate(complete()).to_payload() == {
        **complete(), "details": {**complete()["details"], "dealValue": 15000.0}
    }


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda p: p.update(type="Joint"), "Input should be 'Independent' or 'Shared'"),
        (lambda p: p["customerProfile"]["address"].update(country="USA"), "ISO 3166-1 alpha-2"),
        (lambda p: p["details"].update(currency="Dollars"), "ISO 4217"),
        (lambda p: p["details"].update(dealValue=-5), "greater than or equal to 0"),
        (lambda p: p["details"].update(closingDateTime="next week"), "ISO 8601"),
        (lambda p: p["customerProfile"].update(size="huge"), "1to9employees"),
        (lambda p: p["team"][0].update(email="not-an-address"), "not an e-mail address"),
        (lambda p: p.update(colour="red"), "Extra inputs are not permitted"),
        (lambda p: p["details"].pop("currency"), "a new referral needs details.currency"),
        (lambda p: p.pop("team"), "a new referral needs team"),
        (lambda p: p["team"][0].pop("phoneNumber"), "every team member needs"),
        (lambda p: p.update(team=[p["team"][0]] * 51), "at most 50 items"),
        (lambda p: p.pop("consent"), "Field required"),
    ],
)
def test_the_model_refuses_what_partner_center_refuses(change: Any, expected: str) -> None:
    payload = complete()
    change(payload)
    with pytest.raises(ValidationError, match=re.escape(expected)):
        ReferralCreate.model_validate(payload)


def test_patchable_paths_are_the_contracts_allow_list() -> None:
    contract = json.loads(CONTRACT.read_text(encoding="utf-8"))
    definition = contract["definitions"][
        "Microsoft.Partner.Service.PartnerReferrals.Contracts.V3.UpdateReferralDetails"
    ]
    assert frozenset(definition["items"]["properties"]["path"]["enum"]) == PATCHABLE_PATHS


def test_every_contract_property_has_a_field() -> None:
    contract = json.loads(CONTRACT.read_text(encoding="utf-8"))
    properties = contract["definitions"][
        "Microsoft.Partner.Service.PartnerReferrals.Contracts.V3.Referral"
    ]["properties"]
    fields = {(f.serialization_alias or name) for name, f in Referral.model_fields.items()}
    assert set(properties) <= fields
