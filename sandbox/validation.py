"""Read and check a referral the way Partner Center does, refusing it with a named ``target``.

Reading follows ASP.NET model binding: property names match case-insensitively, unknown
properties are ignored, ``"true"`` becomes ``true`` and ``15000`` becomes ``"15000"`` where the
contract says string. Checking follows the documented rules (API_NOTES §1) and, where the
documentation is silent, the stricter reading. Each refusal names the offending field.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Any

import pycountry

from sandbox.contract import patchable_paths, referral_schema
from sandbox.timefmt import parse_ticks

MAX_SOLUTIONS = 50
MAX_TEAM = 50
REFERRAL_TYPES = ("Independent", "Shared")
QUALIFICATIONS = ("None", "Direct", "MarketingQualified", "SalesQualified")
CUSTOMER_SIZES = (
    "1to9employees",
    "10to50employees",
    "51to250employees",
    "251to1000employees",
    "1001to5000employees",
    "5001to10000employees",
    "10001to20000employees",
    "Morethan20000employees",
    "1to50employees",
    "51to500employees",
    "Morethan500employees",
)
ASSISTANCE_CODES = (
    "Unknown",
    "GeneralOrOther",
    "CustomerTechnicalArchitecture",
    "ProofOfConceptOrDemo",
    "QuotesOrLicensing",
    "PostSalesCustomerSuccess",
    "WorkloadSpecificValueProposition",
)
TARGET_TYPES = ("BusinessProfileLocation", "SolutionProfile")
SOLUTION_TYPES = ("None", "Category", "Name")
SALES_STAGES = ("Qualify", "Develop", "Propose", "Close")
SUBSTATUS: dict[str, tuple[str, ...]] = {
    "New": ("Pending", "Received"),
    "Active": ("Accepted",),
    "Closed": ("Won", "Lost", "Declined", "Expired"),
}
NEXT_STATUS: dict[str, tuple[str, ...]] = {
    "New": ("New", "Active", "Closed"),
    "Active": ("Active", "Closed"),
    "Closed": (),
}
SERVER_FIELDS = (
    "id",
    "eTag",
    "createdDateTime",
    "updatedDateTime",
    "direction",
    "@odata.context",
    "links",
    "registrations",
    "registrationStatus",
    "quality",
    "isSpam",
    "tags",
    "acceptedDateTime",
    "closedDateTime",
    "lastModifiedVia",
    "lastRunId",
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z0-9-]{2,}$")


class ValidationFailure(ValueError):
    """A refusal: ``target`` names the field, ``message`` says what is wrong with it."""

    def __init__(self, target: str, message: str, code: str = "invalidRequest") -> None:
        super().__init__(f"{target}: {message}")
        self.target, self.message, self.code = target, message, code


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _where(parent: str, key: str | int) -> str:
    return f"{parent}[{key}]" if isinstance(key, int) else _join(parent, key)


Binder = Callable[[Any, str, "str | int"], Any]
_BINDERS: dict[int, Binder] = {}


def _binder(schema: dict[str, Any]) -> Binder:
    """Compile a schema node into a function binding a JSON value to it.

    Compiled once per node (schemas live as long as the process, so their identity is a safe
    cache key); the error path is only built when something is wrong, since this is the hot path
    of every create.
    """
    cached = _BINDERS.get(id(schema))
    if cached is None:
        cached = _BINDERS[id(schema)] = _compile(schema)
    return cached


def _compile(schema: dict[str, Any]) -> Binder:
    kind = schema.get("type")
    if kind == "object" and isinstance(schema.get("properties"), dict):
        properties: dict[str, Any] = schema["properties"]
        by_lower = {name.lower(): name for name in properties}
        children = {name: _binder(sub) for name, sub in properties.items()}

        def bind_fields(value: Any, parent: str, key: str | int) -> Any:
            if not isinstance(value, dict):
                raise ValidationFailure(_where(parent, key), "must be an object")
            here = _where(parent, key)
            out: dict[str, Any] = {}
            for field, item in value.items():
                if item is None or type(field) is not str:
                    continue
                name = by_lower.get(field.lower())
                if name is not None:
                    out[name] = children[name](item, here, name)
            return out

        return bind_fields
    if kind == "object":

        def bind_any_object(value: Any, parent: str, key: str | int) -> Any:
            if not isinstance(value, dict):
                raise ValidationFailure(_where(parent, key), "must be an object")
            return value

        return bind_any_object
    if kind == "array":
        item_binder = _binder(schema.get("items") or {})

        def bind_array(value: Any, parent: str, key: str | int) -> Any:
            if not isinstance(value, list):
                raise ValidationFailure(_where(parent, key), "must be an array")
            here = _where(parent, key)
            return [
                item_binder(item, here, index)
                for index, item in enumerate(value)
                if item is not None
            ]

        return bind_array
    if kind == "string":

        def bind_string(value: Any, parent: str, key: str | int) -> Any:
            if type(value) is str:
                return value
            if isinstance(value, int | float) and not isinstance(value, bool):
                return str(value)
            raise ValidationFailure(_where(parent, key), "must be a string")

        return bind_string
    if kind in ("number", "integer"):

        def bind_number(value: Any, parent: str, key: str | int) -> Any:
            if isinstance(value, int | float) and not isinstance(value, bool):
                return value
            if isinstance(value, str):
                try:
                    return float(value)
                except ValueError:
                    pass
            raise ValidationFailure(_where(parent, key), "must be a number")

        return bind_number
    if kind == "boolean":

        def bind_boolean(value: Any, parent: str, key: str | int) -> Any:
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.strip().lower() in ("true", "false"):
                return value.strip().lower() == "true"
            raise ValidationFailure(_where(parent, key), "must be true or false")

        return bind_boolean
    return lambda value, parent, key: value


def bind_object(value: Any, schema: dict[str, Any], path: str) -> dict[str, Any]:
    """Bind ``value`` to an object ``schema`` (JSON-Schema-like ``type``/``properties``).

    Raises:
        ValidationFailure: ``value`` is not an object or a property has the wrong JSON type.
    """
    if not isinstance(value, dict):
        raise ValidationFailure(path or "body", "the request body must be a JSON object")
    bound: dict[str, Any] = _binder(schema)(value, "", path)
    return bound


def read_referral(body: Any) -> dict[str, Any]:
    """Bind a request body to the ``Referral`` contract (case-insensitive, unknowns dropped).

    Raises:
        ValidationFailure: the body is not an object or a property has the wrong JSON type.
    """
    if not isinstance(body, dict):
        raise ValidationFailure("referral", "the request body must be a JSON object")
    result: dict[str, Any] = _binder(referral_schema())(body, "", "")
    return result


def coerce_at(path: str, value: Any) -> Any:
    """Bind ``value`` to the contract type found at JSON Pointer ``path`` (``-`` = array item)."""
    schema: dict[str, Any] = referral_schema()
    dotted = ""
    for part in path.strip("/").split("/"):
        if part == "-":
            schema = schema.get("items") or {}
            continue
        props = schema.get("properties") or {}
        name = {k.lower(): k for k in props}.get(part.lower(), part)
        schema = props.get(name, {})
        dotted = _join(dotted, name)
    return _binder(schema)(value, "", dotted)


def _require(obj: dict[str, Any], key: str, path: str) -> Any:
    value = obj.get(key)
    if value is None or (isinstance(value, str | list | dict) and not value):
        raise ValidationFailure(_join(path, key), "is required")
    return value


@cache
def _canonical(allowed: tuple[str, ...]) -> dict[str, str]:
    return {a.lower(): a for a in allowed}


def _enum(obj: dict[str, Any], key: str, allowed: tuple[str, ...], path: str) -> None:
    value = obj.get(key)
    if value is None:
        return
    canonical = _canonical(allowed).get(str(value).lower())
    if canonical is None:
        raise ValidationFailure(_join(path, key), f"must be one of {', '.join(allowed)}")
    obj[key] = canonical


def _email(value: Any, target: str) -> None:
    if not isinstance(value, str) or not _EMAIL.match(value):
        raise ValidationFailure(target, "is not a valid email address")


def _check_person(person: dict[str, Any], path: str, *, phone_required: bool) -> None:
    _require(person, "firstName", path)
    _require(person, "lastName", path)
    _email(_require(person, "email", path), _join(path, "email"))
    if phone_required:
        phone = _require(person, "phoneNumber", path)
        if not re.fullmatch(r"\+?[0-9 ()./-]{4,30}", phone):
            raise ValidationFailure(_join(path, "phoneNumber"), "is not a valid phone number")


def _check_datetime(obj: dict[str, Any], key: str, path: str) -> None:
    value = obj.get(key)
    if value is None:
        return
    try:
        parse_ticks(value)
    except ValueError:
        raise ValidationFailure(_join(path, key), "must be an ISO 8601 UTC date-time") from None


def check_referral(doc: dict[str, Any]) -> None:
    """Apply the documented rules to a bound referral; the first failure is raised.

    Raises:
        ValidationFailure: naming the field, e.g. ``customerProfile.address.country``.
    """
    _require(doc, "type", "")
    _enum(doc, "type", REFERRAL_TYPES, "")
    _enum(doc, "qualification", QUALIFICATIONS, "")
    _enum(doc, "salesStage", SALES_STAGES, "")
    _check_status(doc)

    profile = _require(doc, "customerProfile", "")
    _require(profile, "name", "customerProfile")
    _enum(profile, "size", CUSTOMER_SIZES, "customerProfile")
    address = _require(profile, "address", "customerProfile")
    _require(address, "addressLine1", "customerProfile.address")
    _require(address, "city", "customerProfile.address")
    country = _require(address, "country", "customerProfile.address")
    if len(country) != 2 or pycountry.countries.get(alpha_2=country.upper()) is None:
        raise ValidationFailure(
            "customerProfile.address.country", "must be a 2-letter ISO 3166 country code"
        )
    address["country"] = country.upper()
    contacts = profile.get("team") or []
    if len(contacts) > MAX_TEAM:
        raise ValidationFailure("customerProfile.team", f"at most {MAX_TEAM} contacts")
    for index, contact in enumerate(contacts):
        _check_person(contact, f"customerProfile.team[{index}]", phone_required=False)
    if doc["type"] == "Shared" and not contacts:
        raise ValidationFailure(
            "customerProfile.team",
            "a customer contact is required when the referral is shared with Microsoft",
        )

    _require(doc, "consent", "")
    details = _require(doc, "details", "")
    value = details.get("dealValue")
    if value is not None and (value < 0 or value != value or value in (float("inf"),)):
        raise ValidationFailure("details.dealValue", "must be a non-negative number")
    currency = details.get("currency")
    if currency is not None:
        if len(currency) != 3 or pycountry.currencies.get(alpha_3=currency.upper()) is None:
            raise ValidationFailure("details.currency", "must be an ISO 4217 currency code")
        details["currency"] = currency.upper()
    _check_datetime(details, "closingDateTime", "details")
    requirements = details.get("requirements") or {}
    solutions = requirements.get("solutions") or []
    if len(solutions) > MAX_SOLUTIONS:
        raise ValidationFailure(
            "details.requirements.solutions", f"at most {MAX_SOLUTIONS} solutions"
        )
    for index, solution in enumerate(solutions):
        where = f"details.requirements.solutions[{index}]"
        _require(solution, "id", where)
        _enum(solution, "type", SOLUTION_TYPES, where)
    for group in ("industries", "products", "services"):
        for index, item in enumerate(requirements.get(group) or []):
            _require(item, "id", f"details.requirements.{group}[{index}]")

    team = doc.get("team") or []
    if not team:
        raise ValidationFailure("team", "at least one team member is required")
    if len(team) > MAX_TEAM:
        raise ValidationFailure("team", f"at most {MAX_TEAM} team members")
    for index, member in enumerate(team):
        _check_person(member, f"team[{index}]", phone_required=True)

    invite = doc.get("inviteContext") or {}
    _enum(invite, "assistanceRequestCode", ASSISTANCE_CODES, "inviteContext")
    for index, target in enumerate(doc.get("target") or []):
        _enum(target, "type", TARGET_TYPES, f"target[{index}]")


def _check_status(doc: dict[str, Any]) -> None:
    _enum(doc, "status", tuple(SUBSTATUS), "")
    status = doc.get("status")
    if status is None:
        if doc.get("substatus") is not None:
            raise ValidationFailure("status", "is required when substatus is given")
        return
    allowed = SUBSTATUS[status]
    _enum(doc, "substatus", allowed, "")
    if doc.get("substatus") is None:
        raise ValidationFailure("substatus", f"is required for status {status}")


def check_transition(before: str, after: str) -> None:
    """Refuse a status change that the referral lifecycle does not allow (Closed is terminal).

    Raises:
        ValidationFailure: target ``status``.
    """
    if after not in NEXT_STATUS.get(before, ()):
        if before == "Closed":
            raise ValidationFailure("status", "a Closed referral is terminal and cannot be changed")
        raise ValidationFailure("status", f"cannot change status from {before} to {after}")


def patch_path(path: Any) -> str:
    """Return the allow-listed JSON Patch path matching ``path`` case-insensitively.

    Raises:
        ValidationFailure: target ``path``.
    """
    if isinstance(path, str):
        for allowed in patchable_paths():
            if allowed.lower() == path.lower():
                return allowed
    raise ValidationFailure(
        "path", f"{path!r} cannot be patched; allowed: {', '.join(patchable_paths())}"
    )
