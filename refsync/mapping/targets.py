"""What the engine knows per target: the payload model, where the key goes, how it is normalised.

The key column fills the field that identifies a row remotely: ``externalReferenceId`` for
referrals, ``invitedUserEmailAddress`` for invitations. E-mail keys are lower-cased, because an
address is one identity however it is capitalised, and the ledger must see one key for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from refsync.mapping.paths import Segment, check_path, format_path, nest, parse_path
from refsync.models import CREATE_MODELS
from refsync.records import Target

if TYPE_CHECKING:
    from refsync.mapping.spec import MappingFile

__all__ = ["TargetInfo", "check_fields", "target_info"]


@dataclass(frozen=True, slots=True)
class TargetInfo:
    model: type[BaseModel]
    key_field: str
    key_is_email: bool


_TARGETS = {
    Target.REFERRAL: TargetInfo(CREATE_MODELS[Target.REFERRAL], "externalReferenceId", False),
    Target.LEGACY_REFERRAL: TargetInfo(
        CREATE_MODELS[Target.LEGACY_REFERRAL], "externalReferenceId", False
    ),
    Target.GRAPH_INVITATION: TargetInfo(
        CREATE_MODELS[Target.GRAPH_INVITATION], "invitedUserEmailAddress", True
    ),
    Target.GT365_INVITATION: TargetInfo(
        CREATE_MODELS[Target.GT365_INVITATION], "invitedUserEmailAddress", True
    ),
}


def target_info(target: Target) -> TargetInfo:
    return _TARGETS[target]


def check_fields(mapping: MappingFile) -> None:
    """Refuse field paths the target does not have, and constants it would refuse.

    Raises ValueError naming the field; the loader turns it into a ConfigurationError with the
    line of that field.
    """
    info = target_info(mapping.target.type)
    parsed: dict[str, tuple[Segment, ...]] = {}
    for path, spec in mapping.fields.items():
        try:
            segments = parse_path(path)
            check_path(info.model, segments)
        except ValueError as exc:
            raise ValueError(f"fields.{path}: {exc}") from None
        if path == info.key_field:
            raise ValueError(
                f"fields.{path}: {info.key_field} is filled from the key column "
                f"({mapping.key!r}); remove this field"
            )
        parsed[path] = segments
        for transform in spec.transforms:
            region_field = getattr(transform, "region_field", None)
            if region_field is not None and region_field not in mapping.fields:
                raise ValueError(
                    f"fields.{path}: region_field {region_field!r} is not a field of this mapping"
                )
    ordered = sorted(parsed.items(), key=lambda item: item[1].__len__())
    for i, (path, segments) in enumerate(ordered):
        for other, other_segments in ordered[i + 1:]:
            if other_segments[: len(segments)] == segments:
                raise ValueError(
                    f"fields.{other}: {path} is already set as a whole; set it or its parts"
                )
    for path, spec in mapping.fields.items():
        candidates: list[tuple[str, Any]] = []
        if spec.has_constant:
            candidates.append(("constant", spec.constant))
        if spec.lookup is not None and spec.cast is None:
            candidates += [(f"lookup value {k!r}", v) for k, v in spec.lookup.values.items()]
        if spec.has_default:
            candidates.append(("default", spec.default))
        candidates += [(f"band value up to {b.up_to}", b.value) for b in spec.ranges or ()]
        for what, value in candidates:
            if value is not None:
                _check_value(info.model, parsed[path], path, what, value)


def _check_value(
    model: type[BaseModel], segments: tuple[Segment, ...], path: str, what: str, value: Any
) -> None:
    """Validate ``value`` at ``segments`` alone; report only errors that fall inside it."""
    try:
        model.model_validate(nest(segments, value))
    except ValidationError as exc:
        names = tuple(s for s in segments if isinstance(s, str))
        for error in exc.errors(include_url=False):
            loc_names = tuple(s for s in error["loc"] if isinstance(s, str))
            if loc_names[: len(names)] == names and error["type"] != "missing":
                inner = format_path(tuple(error["loc"]))
                raise ValueError(
                    f"fields.{path}: {what} {value!r} is refused at {inner}: {error['msg']}"
                ) from None
