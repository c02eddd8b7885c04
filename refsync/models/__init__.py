"""Payload models, one per target API, and the model each mapping target validates against.

:data:`CREATE_MODELS` names, per :class:`refsync.records.Target`, the model a payload must pass
before it is sent as a create.
"""

from __future__ import annotations

from pydantic import BaseModel

from refsync.models.graph_invitation import GraphInvitation
from refsync.models.gt365_invitation import Gt365Invitation
from refsync.models.legacy_referral import LegacyReferral
from refsync.models.referral import PATCHABLE_PATHS, Referral, ReferralCreate
from refsync.records import Target

__all__ = [
    "CREATE_MODELS",
    "PATCHABLE_PATHS",
    "GraphInvitation",
    "Gt365Invitation",
    "LegacyReferral",
    "Referral",
    "ReferralCreate",
]

CREATE_MODELS: dict[Target, type[BaseModel]] = {
    Target.REFERRAL: ReferralCreate,
    Target.LEGACY_REFERRAL: LegacyReferral,
    Target.GRAPH_INVITATION: GraphInvitation,
    Target.GT365_INVITATION: Gt365Invitation,
}
