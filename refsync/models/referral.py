"""Partner Center Referrals API v1.0: the referral document (``/v1.0/engagements/referrals``).

Shapes follow Microsoft's connector contract (``partner-center-referrals.swagger.json``) and the
"Invite an organization" example. :class:`Referral` is the document as the API defines it (server
fields included, so a response body validates too). :class:`ReferralCreate` adds what Partner
Center demands of a new deal beyond the contract (its bulk upload rules: deal name, customer
address, value, currency, close date, at least one solution and one team member, at most 50 of
each); the mapping engine validates every payload it builds against it.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from refsync.models._base import (
    ApiModel,
    CountryCode,
    CurrencyCode,
    Email,
    IsoDateTime,
    Text,
)

__all__ = [
    "PATCHABLE_PATHS",
    "Address",
    "Consent",
    "ContactPreference",
    "CustomerProfile",
    "Details",
    "IdRef",
    "InviteContext",
    "Member",
    "Referral",
    "ReferralCreate",
    "Requirements",
    "Solution",
]

PATCHABLE_PATHS: frozenset[str] = frozenset({
    "/status",
    "/substatus",
    "/statusReason",
    "/salesStage",
    "/externalReferenceId",
    "/details/dealValue",
    "/details/currency",
    "/details/closingDateTime",
    "/details/notes",
    "/details/requirements/solutions",
    "/details/requirements/solutions/-",
    "/team",
    "/team/-",
    "/customerProfile/team",
    "/customerProfile/team/-",
    "/campaignId",
    "/referralProgram",
    "/consent/consentToShareReferralWithMicrosoftSellers",
})
"""JSON Patch paths accepted by ``PATCH …/referrals/{id}`` (ops ``replace`` and ``add``)."""

ReferralType = Literal["Independent", "Shared"]
Qualification = Literal["None", "Direct", "MarketingQualified", "SalesQualified"]
CustomerSize = Literal[
    "1to9employees", "10to50employees", "51to250employees", "251to1000employees",
    "1001to5000employees", "5001to10000employees", "10001to20000employees",
    "Morethan20000employees",
    # the older bands, still accepted
    "1to50employees", "51to500employees", "Morethan500employees",
]
Status = Literal["New", "Active", "Closed"]
Substatus = Literal["Pending", "Received", "Accepted", "Won", "Lost", "Declined", "Expired"]
AssistanceRequestCode = Literal[
    "Unknown", "GeneralOrOther", "CustomerTechnicalArchitecture", "ProofOfConceptOrDemo",
    "QuotesOrLicensing", "PostSalesCustomerSuccess", "WorkloadSpecificValueProposition",
]
MAX_ITEMS = 50


class ContactPreference(ApiModel):
    disable_notifications: bool | None = None
    locale: str | None = None


class Member(ApiModel):
    """A person on the partner's team or the customer's team."""

    first_name: Text | None = None
    last_name: Text | None = None
    phone_number: Text | None = None
    email: Email | None = None
    contact_preference: ContactPreference | None = None


class Address(ApiModel):
    address_line1: Text | None = None
    address_line2: str | None = None
    city: Text | None = None
    state: str | None = None
    postal_code: str | None = None
    region: str | None = None
    country: CountryCode | None = None


class CustomerProfile(ApiModel):
    name: Text
    size: CustomerSize | None = None
    address: Address | None = None
    team: list[Member] | None = Field(default=None, max_length=MAX_ITEMS)
    ids: list[Any] | None = None


class Consent(ApiModel):
    consent_to_to_share_info_with_others: bool | None = None
    consent_to_contact: bool | None = None
    consent_to_share_referral_with_microsoft_sellers: bool | None = None
    # spelled this way in Microsoft's "Invite an organization" example
    consent_to_microsoft_to_contact_specific_partners: bool | None = None


class IdRef(ApiModel):
    id: Text


class Solution(ApiModel):
    id: Text
    name: str | None = None
    type: Literal["None", "Category", "Name"] | None = None


class Requirements(ApiModel):
    industries: list[IdRef] | None = None
    products: list[IdRef] | None = None
    services: list[IdRef] | None = None
    solutions: list[Solution] | None = Field(default=None, max_length=MAX_ITEMS)
    offers: list[Any] | None = None
    additional_requirements: dict[str, Any] | None = None


class Details(ApiModel):
    notes: str | None = None
    deal_value: float | None = Field(default=None, ge=0)
    currency: CurrencyCode | None = None
    closing_date_time: IsoDateTime | None = None
    customer_action: str | None = None
    customer_requested_contact: bool | None = None
    requirements: Requirements | None = None


class InviteContext(ApiModel):
    notes: str | None = None
    assistance_request_code: AssistanceRequestCode | None = None
    invited_by: dict[str, str] | None = None


class TargetRef(ApiModel):
    id: Text
    type: Literal["BusinessProfileLocation", "SolutionProfile"] | None = None


class Referral(ApiModel):
    """A referral document as the v1.0 API defines it (request or response)."""

    id: str | None = None
    engagement_id: str | None = None
    organization_id: str | None = None
    organization_name: str | None = None
    external_reference_id: str | None = None
    name: str | None = None
    type: ReferralType
    qualification: Qualification | None = None
    status: Status | None = None
    substatus: Substatus | None = None
    status_reason: str | None = None
    sales_stage: str | None = None
    direction: Literal["Incoming", "Outgoing"] | None = None
    campaign_id: str | None = None
    referral_program: str | None = None
    customer_profile: CustomerProfile
    consent: Consent
    details: Details
    team: list[Member] | None = Field(default=None, max_length=MAX_ITEMS)
    invite_context: InviteContext | None = None
    target: list[TargetRef] | None = None
    tracking_info: dict[str, Any] | None = None
    e_tag: str | None = Field(
        default=None, validation_alias="eTag", serialization_alias="eTag"
    )
    created_date_time: str | None = None
    updated_date_time: str | None = None
    expiration_date_time: str | None = None
    accepted_date_time: str | None = None
    closed_date_time: str | None = None
    links: dict[str, Any] | None = None
    tags: list[Any] | None = None
    favorite: bool | None = None
    call_to_action: str | None = None
    referral_source: str | None = None
    # set by the server only
    odata_context: str | None = Field(
        default=None, validation_alias="@odata.context", serialization_alias="@odata.context"
    )
    last_modified_via: str | None = None
    last_run_id: str | None = None
    mpn_id: str | None = None
    registrations: list[Any] | None = None
    registration_status: str | None = None
    quality: str | None = None
    is_spam: bool | None = None


class ReferralCreate(Referral):
    """A new referral as Partner Center accepts it: the contract plus the bulk upload's demands."""

    external_reference_id: Text
    name: Text

    @model_validator(mode="after")
    def _complete_deal(self) -> ReferralCreate:
        missing: list[str] = []
        address = self.customer_profile.address
        for path, value in (
            ("customerProfile.address.addressLine1", address and address.address_line1),
            ("customerProfile.address.city", address and address.city),
            ("customerProfile.address.country", address and address.country),
            ("details.dealValue", self.details.deal_value),
            ("details.currency", self.details.currency),
            ("details.closingDateTime", self.details.closing_date_time),
        ):
            if value is None:
                missing.append(path)
        requirements = self.details.requirements
        if not (requirements and requirements.solutions):
            missing.append("details.requirements.solutions")
        if not self.team:
            missing.append("team")
        if missing:
            raise ValueError("a new referral needs " + ", ".join(missing))
        for member in self.team or ():
            if None in (member.first_name, member.last_name, member.phone_number, member.email):
                raise ValueError(
                    "every team member needs firstName, lastName, phoneNumber and email"
                )
        return self
