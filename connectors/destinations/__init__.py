"""Destination adapters, one per file, and the registry that opens one by target name.

Each satisfies :class:`refsync.protocols.Destination`; those whose API allows it also satisfy
:class:`~refsync.protocols.Updatable` (Partner Center v1.0) and
:class:`~refsync.protocols.Listable` (both Partner Center APIs). All of them send through
:mod:`connectors.destinations._http`, so every destination classifies answers the same way.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from refsync.errors import ConfigurationError
from refsync.protocols import Destination
from refsync.records import Target
from refsync.settings import Settings

from .graph_invitations import GraphInvitations
from .gt365 import GT365Invitations
from .legacy_referrals import LegacyReferrals
from .partner_center import PartnerCenterReferrals

__all__ = [
    "GT365Invitations",
    "GraphInvitations",
    "LegacyReferrals",
    "PartnerCenterReferrals",
    "open_destination",
]

_REGISTRY: dict[Target, Callable[[httpx.AsyncClient, Settings], Destination]] = {
    Target.REFERRAL: PartnerCenterReferrals,
    Target.LEGACY_REFERRAL: LegacyReferrals,
    Target.GRAPH_INVITATION: GraphInvitations,
    Target.GT365_INVITATION: GT365Invitations,
}


def open_destination(
    target: Target | str, client: httpx.AsyncClient, settings: Settings
) -> Destination:
    """The destination for ``target``, sending through ``client``.

    ``client`` must carry the right auth for the target (see
    :func:`connectors.auth.auth_for_target`).

    Raises:
        ConfigurationError: ``target`` is not a known target; the message lists the valid ones.
    """
    try:
        kind = Target(target)
    except ValueError:
        valid = ", ".join(t.value for t in Target)
        raise ConfigurationError(f"unknown target {target!r}; valid targets: {valid}") from None
    return _REGISTRY[kind](client, settings)
