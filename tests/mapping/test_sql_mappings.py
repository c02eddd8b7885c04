"""The SuiteCRM (MariaDB) and Odoo (PostgreSQL) mappings against their sample databases."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.sources import open_source
from refsync.models import ReferralCreate
from refsync.records import MappedRow
from refsync.source_spec import SqlSourceSpec
from tests.fixtures.databases import load_script
from tests.mapping.conftest import SAMPLES, compiled

pytestmark = pytest.mark.integration


def mapped(name: str, url: str, script: Path) -> dict[str, MappedRow]:
    """Load the sample database, read it through the SQL source, map every chunk."""
    load_script(url, script)
    mapping = compiled(name)
    assert isinstance(mapping.spec.source, SqlSourceSpec)
    rows: list[MappedRow] = []
    with open_source(mapping.spec.source, url) as source:
        for chunk in source.chunks(5):
            rows += mapping.map_frame(chunk)
    assert [r.row_number for r in rows] == list(range(1, len(rows) + 1))
    for row in rows:
        if row.is_valid:
            ReferralCreate.model_validate(row.payload)
    return {str(r.key): r for r in rows}


def errors_of(rows: dict[str, MappedRow]) -> dict[str, list[str]]:
    return {key: [str(e) for e in r.errors] for key, r in rows.items() if r.errors}


def test_suitecrm_leads_with_emails_through_the_relation_table(mariadb_url: str) -> None:
    rows = mapped("suitecrm-leads.yaml", mariadb_url, SAMPLES / "suitecrm.sql")
    assert len(rows) == 15  # the deleted lead is not read
    assert errors_of(rows) == {
        "8aba3981-9d3a-415a-bfe6-f0cc17f8d956": ["email: a value is required"],
        "ad403aa7-6dc2-4c25-a314-770e95945f43": ["opportunity_amount='about 50k': not a number"],
        "fac2f4a2-4933-46fc-ab80-8dae4192bfb1": [
            "primary_address_country='Atlantis': not a known country (ISO 3166 name or code)",
            "phone_work='0121 063 1453': not a valid phone number (give it with +country code, "
            "or a region)",
        ],
    }
    assert [k for k, r in rows.items() if r.filtered] == ["327e4a2c-29d2-4f62-b72f-46058187b662"]
    row = rows["15f147a4-4e56-4596-8280-d928a75e7046"]
    assert row.source_id == ("15f147a4-4e56-4596-8280-d928a75e7046",)
    assert str(row.watermark) == "2026-11-02 12:13:00"
    assert row.payload == {
        "externalReferenceId": "15f147a4-4e56-4596-8280-d928a75e7046",
        "name": "Graphic Design Institute: CIO Jonas Visser",
        "type": "Independent",
        "customerProfile": {
            "name": "Graphic Design Institute",
            "address": {"addressLine1": "282 High Holborn", "city": "London",
                        "postalCode": "EC1A 1BB", "country": "GB"},
            "team": [{"firstName": "Jonas", "lastName": "Visser",
                      "email": "jonas.visser@graphicdesigninstitute.example",
                      "phoneNumber": "+441216708042"}],
        },
        "consent": {"consentToToShareInfoWithOthers": False, "consentToContact": True,
                    "consentToShareReferralWithMicrosoftSellers": True},
        "details": {"dealValue": 139000, "currency": "GBP",
                    "closingDateTime": "2027-10-21T00:00:00Z", "notes": "Wants a Copilot pilot.",
                    "requirements": {"solutions": [{"id": "SOL-34104-EBA"}]}},
        "team": [{"firstName": "Luke", "lastName": "Johnson", "email": "luke.johnson@fabrikam.com",
                  "phoneNumber": "+14258828080"}],
    }
    # the lead with a second, non-primary address gets its primary one
    emails = [r.payload["customerProfile"]["team"][0]["email"] for r in rows.values()
              if r.is_valid]
    assert "old.address@example.org" not in emails


def test_odoo_opportunities_through_foreign_keys(postgres_url: str) -> None:
    rows = mapped("odoo-crm-lead.yaml", postgres_url, SAMPLES / "odoo.sql")
    # 14 records: one is still a lead, one is archived
    assert sorted(rows, key=lambda k: int(k.rsplit("-", 1)[1])) == [
        f"odoo-crm-lead-{i}" for i in (1, 2, 3, 5, 6, 7, 9, 10, 11, 12, 13, 14)
    ]
    assert errors_of(rows) == {
        "odoo-crm-lead-3": ["country_code: a value is required"],
        "odoo-crm-lead-6": ["date_deadline: a value is required"],
        "odoo-crm-lead-10": ["email_from='sales at contoso': not an e-mail address"],
    }
    assert [k for k, r in rows.items() if r.filtered] == ["odoo-crm-lead-11"]  # stage Won
    row = rows["odoo-crm-lead-1"]
    assert row.source_id == (1,)
    assert row.payload == {
        "externalReferenceId": "odoo-crm-lead-1",
        "name": "Fabric data platform (Wingtip Toys)",
        "type": "Independent",
        "qualification": "SalesQualified",
        "customerProfile": {
            "name": "Wingtip Toys",
            "address": {"addressLine1": "Keizersgracht 272", "city": "Amsterdam",
                        "postalCode": "1012 AB", "country": "NL"},
            "team": [{"firstName": "Quinn", "lastName": "Hansen",
                      "email": "quinn.hansen@wingtiptoys.example", "phoneNumber": "+31101928458"}],
        },
        "consent": {"consentToToShareInfoWithOthers": False, "consentToContact": True,
                    "consentToShareReferralWithMicrosoftSellers": True},
        "details": {"dealValue": 231000, "currency": "EUR",
                    "closingDateTime": "2027-12-03T00:00:00Z",
                    "requirements": {"solutions": [{"id": "SOL-34104-EBA"}]}},
        "team": [{"firstName": "Luke", "lastName": "Johnson", "email": "luke.johnson@fabrikam.com",
                  "phoneNumber": "+49309018201"}],
    }
    notes = [r.payload["details"].get("notes") for r in rows.values() if r.is_valid]
    assert "Wants Azure landing zone help." in notes  # HTML stripped
