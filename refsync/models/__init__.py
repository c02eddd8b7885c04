"""Payload models, one per target API, and the model each mapping target validates against.

:data:`CREATE_MODELS` names, per :class:`refsync.records.Target`, the model a payload must pass
before it is sent as a create.

A rule for model authors: every constraint on a value lives in that field's type (``Annotated``
with constraints or an ``AfterValidator``), and a model-level validator may look only at which
fields are present, never at their values. The mapping engine relies on this to validate a chunk
column-wise (each distinct value once, each distinct shape of payload once) with the same result
as validating every payload; tests/mapping/test_validation.py checks the equivalence.
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
