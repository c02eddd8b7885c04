"""The legacy (2018) Partner Center referral, ``POST /v1/referrals/``.

The old API takes the same customer, details, team and invite-context shapes as v1.0 under a
smaller envelope; it has no consent block of its own and no server-side validation of deal
completeness, so only the customer's name and the deal details are demanded.
"""

from __future__ import annotations

from pydantic import Field

from refsync.models._base import ApiModel, Text
from refsync.models.referral import (
    MAX_ITEMS,
    Consent,
    CustomerProfile,
    Details,
    InviteContext,
    Member,
    Qualification,
    ReferralType,
    Status,
    Substatus,
)

__all__ = ["LegacyReferral"]


class LegacyReferral(ApiModel):
    """A referral for the legacy v1 endpoint."""

    id: str | None = None
    engagement_id: str | None = None
    organization_id: str | None = None
    organization_name: str | None = None
    external_reference_id: Text
    name: Text | None = None
    type: ReferralType
    qualification: Qualification | None = None
    status: Status | None = None
    substatus: Substatus | None = None
    referral_source: str | None = None
    customer_profile: CustomerProfile
    consent: Consent | None = None
    details: Details
    team: list[Member] | None = Field(default=None, max_length=MAX_ITEMS)
    invite_context: InviteContext | None = None
    created_date_time: str | None = None
    updated_date_time: str | None = None
    expiration_date_time: str | None = None
