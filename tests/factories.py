"""Factories for test and benchmark inputs: a CRM leads table of any size, and its mapping."""

from __future__ import annotations

import random
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

COUNTRIES = [("US", "+1425555{:04d}"), ("DE", "+4930555{:04d}"), ("GB", "+44207555{:04d}"),
             ("FR", "+3315555{:04d}"), ("NL", "+3120555{:04d}")]
EPOCH = datetime(2026, 1, 1, tzinfo=UTC)

LEADS_MAPPING = """\
version: 1
name: {name}
target: {{type: partner_center.referral}}
source:
  type: sql
  table: leads
  primary_key: [id]
  watermark: modified_on
key: lead_ref
fields:
  name: {{column: topic, required: true}}
  type: {{constant: Independent}}
  customerProfile.name: {{column: company, required: true}}
  customerProfile.address.addressLine1: {{column: street, required: true}}
  customerProfile.address.city: {{column: city, required: true}}
  customerProfile.address.country: {{column: country, transforms: [country], required: true}}
  customerProfile.team[0].firstName: {{column: first_name, required: true}}
  customerProfile.team[0].lastName: {{column: last_name, required: true}}
  customerProfile.team[0].email: {{column: email, required: true}}
  customerProfile.team[0].phoneNumber: {{column: phone, required: true}}
  consent:
    constant:
      consentToToShareInfoWithOthers: false
      consentToContact: true
      consentToShareReferralWithMicrosoftSellers: true
  details.dealValue: {{column: deal_value, cast: decimal, required: true}}
  details.currency: {{constant: USD}}
  details.closingDateTime: {{column: close_date, cast: datetime, required: true}}
  details.requirements.solutions: {{constant: [{{id: SOL-34104-EBA}}]}}
  team[0]:
    constant: {{firstName: Luke, lastName: Johnson, email: luke.johnson@fabrikam.com,
               phoneNumber: "+14258828080"}}
write_back:
  remote_id: referral_id
  status: referral_status
  synced_at: referral_synced_at
  error: referral_error
"""


def leads_table(metadata: sa.MetaData) -> sa.Table:
    return sa.Table(
        "leads", metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("lead_ref", sa.String(40), nullable=False),
        sa.Column("topic", sa.String(200)), sa.Column("company", sa.String(200)),
        sa.Column("street", sa.String(200)), sa.Column("city", sa.String(100)),
        sa.Column("country", sa.String(2)), sa.Column("first_name", sa.String(100)),
        sa.Column("last_name", sa.String(100)), sa.Column("email", sa.String(200)),
        sa.Column("phone", sa.String(40)), sa.Column("deal_value", sa.Numeric(12, 2)),
        sa.Column("close_date", sa.DateTime(timezone=True)),
        sa.Column("modified_on", sa.DateTime(timezone=True)),
        sa.Column("referral_id", sa.String(64)), sa.Column("referral_status", sa.String(32)),
        sa.Column("referral_synced_at", sa.DateTime(timezone=True)),
        sa.Column("referral_error", sa.Text),
    )


def lead_rows(count: int, *, seed: int = 7, start: int = 1) -> list[dict[str, object]]:
    """``count`` valid leads with unique references and increasing modified_on times."""
    rng = random.Random(seed)
    rows = []
    for number in range(start, start + count):
        country, phone = COUNTRIES[number % len(COUNTRIES)]
        rows.append({
            "id": number, "lead_ref": f"LEAD-{seed}-{number:07d}",
            "topic": f"Cloud migration {number}", "company": f"Contoso {number} Ltd",
            "street": f"{number} Main Street", "city": "Springfield", "country": country,
            "first_name": "Ada", "last_name": f"Lovelace{number}",
            "email": f"ada{number}@contoso{number % 97}.example",
            "phone": phone.format(number % 10_000),
            "deal_value": rng.randint(1_000, 500_000),
            "close_date": EPOCH + timedelta(days=180 + number % 90),
            "modified_on": EPOCH + timedelta(minutes=number),
        })
    return rows


def make_crm(url: str, count: int, *, seed: int = 7, batch: int = 5_000) -> sa.Table:
    """Create (or replace) the ``leads`` table at ``url`` with ``count`` rows."""
    engine = sa.create_engine(url)
    metadata = sa.MetaData()
    table = leads_table(metadata)
    metadata.drop_all(engine)
    metadata.create_all(engine)
    with engine.begin() as conn:
        for start in range(1, count + 1, batch):
            conn.execute(sa.insert(table),
                         lead_rows(min(batch, count - start + 1), seed=seed, start=start))
    engine.dispose()
    return table


def write_leads_mapping(path: Path, *, name: str = "crm-leads") -> Path:
    path.write_text(textwrap.dedent(LEADS_MAPPING.format(name=name)))
    return path
