"""The shipped Dynamics 365 "Export to Excel" mapping over its sample workbook."""

from __future__ import annotations

import pytest

from refsync.models import ReferralCreate
from refsync.records import Target
from tests.mapping.conftest import SAMPLES, by_row, compiled, read_sheet

pytestmark = pytest.mark.unit


@pytest.fixture(scope="module")
def rows():  # type: ignore[no-untyped-def]
    mapping = compiled("dynamics365-leads.yaml")
    frame = read_sheet(SAMPLES / "dynamics365-leads.xlsx")
    return mapping.map_frame(frame)


def test_every_row_has_one_result_in_order(rows) -> None:  # type: ignore[no-untyped-def]
    assert [r.row_number for r in rows] == list(range(2, 62))
    assert sum(r.is_valid for r in rows) == 50
    assert sum(r.filtered for r in rows) == 3
    assert sum(bool(r.errors) for r in rows) == 7


def test_valid_rows_are_referrals_partner_center_accepts(rows) -> None:  # type: ignore[no-untyped-def]
    for row in rows:
        if row.is_valid:
            ReferralCreate.model_validate(row.payload)
            assert row.payload["externalReferenceId"] == row.key
            assert len(row.payload_hash) == 64


def test_first_lead_maps_to_exact_values(rows) -> None:  # type: ignore[no-untyped-def]
    row = by_row(rows)[2]
    assert row.key == "c3253b9d-e762-4a0d-9c06-420cc15acea1"
    assert str(row.watermark) == "2026-10-20 07:38:00"
    assert row.source_id == ()
    assert row.payload == {
        "externalReferenceId": "c3253b9d-e762-4a0d-9c06-420cc15acea1",
        "name": "Azure Virtual Desktop - Fourth Coffee",
        "type": "Independent",
        "status": "New",
        "substatus": "Pending",
        "qualification": "SalesQualified",
        "customerProfile": {
            "name": "Fourth Coffee",
            "size": "51to250employees",
            "address": {
                "addressLine1": "191 Rue de Rivoli", "city": "Paris", "state": "Île-de-France",
                "postalCode": "75008", "country": "FR",
            },
            "team": [{
                "firstName": "Ben", "lastName": "Jensen",
                "email": "ben.jensen@fourthcoffee.example", "phoneNumber": "+33123256209",
            }],
        },
        "consent": {
            "consentToToShareInfoWithOthers": False,
            "consentToContact": True,
            "consentToShareReferralWithMicrosoftSellers": True,
        },
        "details": {
            "dealValue": 494500,
            "currency": "EUR",
            "closingDateTime": "2027-01-20T00:00:00Z",
            "notes": "Renewal coming up; evaluating a move from on-premises. "
                     "(Dynamics 365 lead source: Partner)",
            "requirements": {"solutions": [{"id": "SOL-34104-EBA"}]},
        },
        "team": [{
            "firstName": "Tomás", "lastName": "Herrera", "email": "tomas.herrera@fabrikam.com",
            "phoneNumber": "+34911234567",
        }],
    }


def test_bad_rows_name_column_value_and_reason(rows) -> None:  # type: ignore[no-untyped-def]
    errors = {r.row_number: [str(e) for e in r.errors] for r in rows if r.errors}
    assert errors == {
        6: ["Country/Region='Atlantis': not a known country (ISO 3166 name or code)"],
        11: ["Email: a value is required"],
        17: ["Est. Value='TBD': not a number"],
        24: ["Est. Close Date='31/02/2027': not a date-time (%m/%d/%Y or ISO 8601)"],
        32: ["Currency='Bitcoin': not in the lookup table (US Dollar, Euro, Pound Sterling, "
             "Canadian Dollar, Australian Dollar, Swedish Krona, Swiss Franc, Yen)"],
        39: ["Company Name: a value is required"],
        46: ["Business Phone='12345': not a valid phone number (give it with +country code, "
             "or a region)"],
    }
    for row in rows:
        if row.errors:
            assert row.payload is None
            assert row.payload_hash is None


def test_closed_leads_are_filtered_not_invalid(rows) -> None:  # type: ignore[no-untyped-def]
    filtered = [r for r in rows if r.filtered]
    assert [r.row_number for r in filtered] == [14, 28, 53]
    assert all(r.payload is None and not r.errors and r.key for r in filtered)


def test_mapping_metadata() -> None:
    mapping = compiled("dynamics365-leads.yaml")
    assert mapping.target is Target.REFERRAL
    assert mapping.spec.key == "(Do Not Modify) Lead"
    assert mapping.spec.watermark == "(Do Not Modify) Modified On"
    assert mapping.checksum == mapping.spec.checksum
    assert len(mapping.checksum) == 64
    assert mapping.spec.write_back is not None
    assert mapping.spec.write_back.remote_id == "Partner Center Referral ID"


def test_chunks_map_the_same_as_the_whole(rows) -> None:  # type: ignore[no-untyped-def]
    mapping = compiled("dynamics365-leads.yaml")
    frame = read_sheet(SAMPLES / "dynamics365-leads.xlsx")
    pieces = [mapping.map_frame(frame.iloc[i:i + 7]) for i in range(0, len(frame), 7)]
    assert [r for piece in pieces for r in piece] == rows
