"""Column-wise chunk validation gives the same verdict as validating every payload on its own."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from refsync.mapping.nesting import Nester
from refsync.mapping.paths import parse_path
from refsync.mapping.validation import ChunkValidator
from refsync.models import GraphInvitation, ReferralCreate

pytestmark = pytest.mark.unit

MEMBER = {"firstName": "Ana", "lastName": "Lopez", "email": "ana@fabrikam.com",
          "phoneNumber": "+14255550100"}
# leaf path -> the values a cell may take (valid ones, invalid ones, missing)
REFERRAL_POOLS: dict[str, list[Any]] = {
    "externalReferenceId": ["L-1", "L-2", None],
    "name": ["Deal", None],
    "type": ["Independent", "Shared", "Joint", None],
    "customerProfile.name": ["Contoso", "", None],
    "customerProfile.size": ["10to50employees", "huge", None],
    "customerProfile.address.addressLine1": ["1 Main St", None],
    "customerProfile.address.city": ["Redmond", None],
    "customerProfile.address.country": ["US", "USA", None],
    "consent": [{"consentToContact": True}, {"consentToContact": "perhaps"}, None],
    "details.dealValue": [15000, 0.5, -1, None],
    "details.currency": ["USD", "Dollars", None],
    "details.closingDateTime": ["2027-03-31T00:00:00Z", "soon", None],
    "details.requirements.solutions": [[{"id": "SOL-1"}], [{"name": "no id"}], [], None],
    "team[0]": [MEMBER, {**MEMBER, "email": "bad"}, {"firstName": "Solo"}, None],
    "team[1].email": ["b@fabrikam.com", "nope", None],
    "team[1].firstName": ["Ben", None],
}
GRAPH_POOLS: dict[str, list[Any]] = {
    "invitedUserEmailAddress": ["a@b.example", "not-an-address", None],
    "inviteRedirectUrl": ["https://myapps.microsoft.com", "http://x", None],
    "sendInvitationMessage": [True, False, "maybe", None],
    "invitedUserMessageInfo.ccRecipients": [
        [{"emailAddress": {"address": "c@d.example"}}],
        [{"emailAddress": {"address": "c@d.example"}}] * 2, None,
    ],
    "invitedUserMessageInfo.customizedMessageBody": ["Hi", None],
}


def verdicts(model: Any, pools: dict[str, list[Any]], picks: list[list[int]]) -> None:
    leaves = {path: parse_path(path) for path in pools}
    tree: dict[Any, Any] = {}
    for path, segments in leaves.items():
        node = tree
        for segment in segments[:-1]:
            node = node.setdefault(segment, {})
        node[segments[-1]] = path
    columns = {}
    for i, (path, pool) in enumerate(pools.items()):
        column = np.empty(len(picks), dtype=object)
        for row, choice in enumerate(picks):
            column[row] = pool[choice[i] % len(pool)]
        columns[path] = column
    payloads = Nester(tree).build(columns)
    problems = ChunkValidator(model, leaves).validate(columns, payloads)
    flagged = {p.row for p in problems}
    for row, payload in enumerate(payloads):
        try:
            model.model_validate(payload)
            valid = True
        except ValidationError:
            valid = False
        assert valid == (row not in flagged), (payload, [p for p in problems if p.row == row])


row_picks = st.lists(st.lists(st.integers(0, 3), min_size=16, max_size=16), min_size=1,
                     max_size=40)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(row_picks)
def test_referral_chunks(picks: list[list[int]]) -> None:
    verdicts(ReferralCreate, REFERRAL_POOLS, picks)


@settings(max_examples=40, deadline=None)
@given(row_picks)
def test_graph_invitation_chunks(picks: list[list[int]]) -> None:
    verdicts(GraphInvitation, GRAPH_POOLS, picks)


def test_errors_name_the_row_and_location() -> None:
    leaves = {"invitedUserEmailAddress": ("invitedUserEmailAddress",),
              "inviteRedirectUrl": ("inviteRedirectUrl",)}
    columns = {"invitedUserEmailAddress": np.array(["a@b.example", "bad"], dtype=object),
               "inviteRedirectUrl": np.array([None, "https://x.example"], dtype=object)}
    payloads = [{"invitedUserEmailAddress": "a@b.example"},
                {"invitedUserEmailAddress": "bad", "inviteRedirectUrl": "https://x.example"}]
    problems = ChunkValidator(GraphInvitation, leaves).validate(columns, payloads)
    assert sorted((p.row, p.loc, p.message) for p in problems) == [
        (0, ("inviteRedirectUrl",), "Field required"),
        (1, ("invitedUserEmailAddress",), "not an e-mail address"),
    ]


def test_nesting_leaves_out_what_is_missing() -> None:
    tree: dict[Any, Any] = {"a": "a", "b": {"c": "b.c", "d": "b.d"}, "l": {0: "l0", 1: "l1"}}
    columns = {
        "a": np.array([1, None, None], dtype=object),
        "b.c": np.array(["x", None, None], dtype=object),
        "b.d": np.array([{"k": 1}, "y", None], dtype=object),
        "l0": np.array([None, 2, None], dtype=object),
        "l1": np.array([3, 4, None], dtype=object),
    }
    assert Nester(tree).build(columns) == [
        {"a": 1, "b": {"c": "x", "d": {"k": 1}}, "l": [3]},
        {"b": {"d": "y"}, "l": [2, 4]},
        {},
    ]


def test_nesting_refuses_names_that_are_not_fields() -> None:
    with pytest.raises(ValueError, match="not a payload field name"):
        Nester({"a); import os; (": "x"})
