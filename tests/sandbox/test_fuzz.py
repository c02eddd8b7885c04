"""Property-based fuzz of the sandbox's endpoints: whatever arrives, no 500 that was not injected,
and every accepted referral still matches Microsoft's contract."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.sandbox.conftest import REFERRALS, VALID_REFERRAL
from tests.sandbox.contract_checks import assert_referral

pytestmark = [pytest.mark.integration]

FUZZ = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(["true", "FALSE", "1e400", "-0", "US", "EUR", "Shared", "Closed", ""])
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(doc, dict):
        for key, value in doc.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            out += _paths(value, (*prefix, index))
    return out


PATHS = _paths(VALID_REFERRAL)


@st.composite
def mutated_referrals(draw: st.DrawFn) -> Any:
    """A valid referral with a few values replaced, keys re-cased or removed; or pure noise."""
    if draw(st.integers(0, 9)) == 0:
        return draw(json_values)
    doc = copy.deepcopy(VALID_REFERRAL)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS))
        parent: Any = doc
        try:
            for key in path[:-1]:
                parent = parent[key]
            action = draw(st.sampled_from(["replace", "delete", "recase"]))
            if action == "replace":
                parent[path[-1]] = draw(json_values)
            elif isinstance(parent, dict) and path[-1] in parent:
                value = parent.pop(path[-1])
                if action == "recase":
                    parent[str(path[-1]).swapcase()] = value
        except (KeyError, IndexError, TypeError):
            continue
    return doc


def _no_uninjected_5xx(response) -> None:
    assert response.status_code < 500, response.text


@FUZZ
@given(body=mutated_referrals())
def test_fuzz_create(sandbox_process, pc, body: Any) -> None:
    response = pc.post(REFERRALS, json=body)
    _no_uninjected_5xx(response)
    if response.status_code == 201:
        assert_referral(response.json())
    else:
        assert response.status_code == 400
        assert response.json()["error"]["target"]


@pytest.fixture
def existing(pc) -> dict[str, Any]:
    response = pc.post(REFERRALS, json=VALID_REFERRAL)
    assert response.status_code == 201
    return dict(response.json())


operations = st.fixed_dictionaries(
    {
        "op": st.sampled_from(["replace", "add", "remove", "test", "REPLACE"]),
        "path": st.sampled_from(
            [
                "/status",
                "/substatus",
                "/details/dealValue",
                "/details/currency",
                "/team/-",
                "/team",
                "/details/requirements/solutions/-",
                "/externalReferenceId",
                "/salesStage",
                "/details/closingDateTime",
                "/consent/consentToShareReferralWithMicrosoftSellers",
                "/customerProfile/team",
                "/id",
                "/nope",
                "",
            ]
        )
        | st.text(max_size=20),
    },
    optional={"value": json_values},
)


@FUZZ
@given(ops=st.lists(operations, max_size=4) | json_values)
def test_fuzz_patch(sandbox_process, pc, existing, ops: Any) -> None:
    response = pc.patch(
        f"{REFERRALS}/{existing['id']}", json=ops, headers={"Prefer": "return=representation"}
    )
    _no_uninjected_5xx(response)
    if response.status_code == 200:
        assert_referral(response.json())


odata_words = st.sampled_from(
    [
        "status",
        "substatus",
        "createdDateTime",
        "updatedDateTime",
        "team/any(t:",
        "t/email",
        "customerProfile/address/country",
        "externalReferenceId",
        "eq",
        "ne",
        "gt",
        "le",
        "and",
        "or",
        "not",
        "(",
        ")",
        "'Active'",
        "'x''y'",
        "2024-01-01T00:00:00Z",
        "2024-13-45",
        "null",
        "true",
        "42",
        ":",
        ",",
        "'",
        "any",
        "all",
    ]
)


@FUZZ
@given(
    filter_=st.lists(odata_words, max_size=12).map(" ".join) | st.text(max_size=40),
    orderby=st.none()
    | st.text(max_size=30)
    | st.sampled_from(["createdDateTime desc", "updatedDateTime asc,createdDateTime"]),
    top=st.none() | st.integers(-5, 300).map(str) | st.text(max_size=5),
    select=st.none() | st.text(max_size=20) | st.just("id,eTag"),
)
def test_fuzz_list_query(sandbox_process, pc, existing, filter_, orderby, top, select) -> None:
    params = {"$filter": filter_}
    for name, value in (("$orderby", orderby), ("$top", top), ("$select", select)):
        if value is not None:
            params[name] = value
    response = pc.get(REFERRALS, params=params)
    _no_uninjected_5xx(response)
    assert response.status_code in (200, 400)


@FUZZ
@given(
    body=json_values
    | st.fixed_dictionaries(
        {
            "invitedUserEmailAddress": st.emails() | st.text(max_size=20),
            "inviteRedirectUrl": st.sampled_from(["https://x.example", "nope", ""])
            | st.text(max_size=10),
        },
        optional={
            "invitedUserMessageInfo": json_values,
            "invitedUserType": json_values,
            "sendInvitationMessage": json_values,
            "resetRedemption": json_values,
            "invitedUser": json_values,
            "invitedUserDisplayName": json_values,
        },
    )
)
def test_fuzz_graph_and_gt365(sandbox_process, sandbox, graph, body: Any) -> None:
    sandbox.set_faults(graph_throttle_per_5s=0)
    for url in ("/v1.0/invitations", "/api/InviteGuest"):
        response = graph.post(url, json=body)
        if url == "/api/InviteGuest" and response.status_code == 500:
            assert response.json()["message"].startswith("Graph refused")
        else:
            _no_uninjected_5xx(response)
    batch = graph.post(
        "/v1.0/$batch",
        json={"requests": [{"id": "1", "method": "POST", "url": "/invitations", "body": body}]},
    )
    _no_uninjected_5xx(batch)


@FUZZ
@given(
    form=st.dictionaries(
        st.sampled_from(
            [
                "grant_type",
                "client_id",
                "client_secret",
                "scope",
                "device_code",
                "refresh_token",
                "client_assertion",
            ]
        ),
        st.text(max_size=30)
        | st.sampled_from(
            [
                "client_credentials",
                "refresh_token",
                "urn:ietf:params:oauth:grant-type:device_code",
                "https://graph.microsoft.com/.default",
                "openid offline_access",
            ]
        ),
    )
)
def test_fuzz_token_endpoint(sandbox_process, sandbox, form: dict[str, str]) -> None:
    with sandbox.client() as client:
        response = client.post(f"/{sandbox.tenant_id}/oauth2/v2.0/token", data=form)
        _no_uninjected_5xx(response)
        assert response.status_code in (200, 400, 401)
        devicecode = client.post(f"/{sandbox.tenant_id}/oauth2/v2.0/devicecode", data=form)
        _no_uninjected_5xx(devicecode)


ROUTES = [
    ("POST", REFERRALS),
    ("GET", REFERRALS),
    ("PATCH", f"{REFERRALS}/x"),
    ("PUT", f"{REFERRALS}/x"),
    ("POST", "/v1/referrals/"),
    ("POST", "/v1.0/invitations"),
    ("POST", "/v1.0/$batch"),
    ("POST", "/api/InviteGuest"),
    ("POST", "/{tenant}/oauth2/v2.0/token"),
    ("POST", "/{tenant}/oauth2/v2.0/devicecode"),
    ("POST", "/_sandbox/faults"),
    ("POST", "/_sandbox/token"),
    ("POST", "/_sandbox/devicecode"),
    ("POST", "/_sandbox/settings"),
]


@FUZZ
@given(
    route=st.sampled_from(ROUTES),
    body=st.binary(max_size=200),
    content_type=st.sampled_from(
        [
            "application/json",
            "application/x-www-form-urlencoded",
            "text/plain; charset=latin-1",
        ]
    ),
    authorization=st.sampled_from(["", "Bearer", "Bearer \u00e9t\u00e9", "Basic %%%"])
    | st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255), max_size=30),
)
def test_fuzz_raw_bytes_everywhere(
    sandbox_process, sandbox, route, body, content_type, authorization
) -> None:
    method, path = route
    headers = {b"content-type": content_type.encode()}
    if authorization:
        headers[b"authorization"] = authorization.encode("latin-1")
    with sandbox.client() as client:
        response = client.request(
            method, path.replace("{tenant}", sandbox.tenant_id), content=body, headers=headers
        )
    _no_uninjected_5xx(response)
    sandbox.reset()
