"""How each target takes changes to an object refsync already sent.

Partner Center referrals are patched on the allow-listed paths, and never once Closed (a terminal
status: Won, Lost, Declined, Expired). The legacy API, Graph and GT365 have no update: a changed
row of an invitee already invited is left alone unless the run asks to resend.
"""

from __future__ import annotations

from refsync.models import PATCHABLE_PATHS
from refsync.planner import UpdatePolicy
from refsync.records import Target

_CLOSED = frozenset({"Closed"})


def update_policy(target: Target | str, *, resend: bool = False) -> UpdatePolicy:
    """The :class:`UpdatePolicy` of ``target``."""
    if Target(target) is Target.REFERRAL:
        return UpdatePolicy(patchable=frozenset(PATCHABLE_PATHS), frozen_statuses=_CLOSED)
    return UpdatePolicy(patchable=None, resend=resend)
