"""Target field paths (``customerProfile.team[0].email``) and where they lead in a payload model.

A mapping names each target field by its path in the JSON payload: dotted camelCase keys, with
``[n]`` for the n-th element of a list. Paths are checked against the target's pydantic model when
the mapping is loaded, so a misspelt field is caught before any row is read.
"""

from __future__ import annotations

import re
import types
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

Segment = str | int
_SEGMENT = re.compile(r"([A-Za-z_@][A-Za-z0-9_.@]*?)((?:\[\d+\])*)$")


def parse_path(path: str) -> tuple[Segment, ...]:
    """Split ``a.b[0].c`` into ``("a", "b", 0, "c")``; raise ValueError on a malformed path."""
    segments: list[Segment] = []
    for part in path.split("."):
        match = _SEGMENT.fullmatch(part)
        if not part or match is None or "." in match.group(1):
            raise ValueError(
                f"malformed field path {path!r} (expected e.g. details.notes or team[0].email)"
            )
        segments.append(match.group(1))
        segments.extend(int(i) for i in re.findall(r"\[(\d+)\]", match.group(2)))
    return tuple(segments)


def format_path(segments: tuple[Segment, ...]) -> str:
    """The inverse of :func:`parse_path`."""
    out = ""
    for segment in segments:
        if isinstance(segment, int):
            out += f"[{segment}]"
        else:
            out += f".{segment}" if out else segment
    return out


def unwrap(annotation: Any) -> Any:
    """Strip ``Annotated`` and ``X | None`` down to the one type that matters."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def _fields_by_alias(model: type[BaseModel]) -> dict[str, Any]:
    """JSON name -> the field's type with its constraints (``Annotated[type, *metadata]``)."""
    out: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        alias = info.serialization_alias or info.alias or name
        annotation = info.annotation
        out[alias] = Annotated[annotation, *info.metadata] if info.metadata else annotation
    return out


def annotation_at(model: type[BaseModel], segments: tuple[Segment, ...]) -> Any:
    """The type (with its constraints) a value at ``segments`` must have in ``model``'s JSON.

    Raises ValueError when the path leads nowhere, naming the valid fields where it went astray.
    """
    current: Any = model
    walked: list[Segment] = []
    for segment in segments:
        current = unwrap(current)
        if isinstance(segment, int):
            if get_origin(current) is not list:
                where = format_path(tuple(walked))
                raise ValueError(f"{where} is not a list; [{segment}] needs one")
            current = get_args(current)[0]
        elif isinstance(current, type) and issubclass(current, BaseModel):
            fields = _fields_by_alias(current)
            if segment not in fields:
                where = format_path(tuple(walked)) or current.__name__
                raise ValueError(
                    f"{where} has no field {segment!r}; valid: {', '.join(sorted(fields))}"
                )
            current = fields[segment]
        elif get_origin(current) is dict or current is Any:
            current = Any
        else:
            raise ValueError(f"{format_path(tuple(walked))} is a value, not an object")
        walked.append(segment)
    return current


def check_path(model: type[BaseModel], segments: tuple[Segment, ...]) -> None:
    """Raise ValueError unless ``segments`` lead somewhere in ``model``'s JSON shape."""
    annotation_at(model, segments)


def nest(segments: tuple[Segment, ...], value: Any) -> Any:
    """Build the smallest payload fragment that holds ``value`` at ``segments``."""
    for segment in reversed(segments):
        value = [value] if isinstance(segment, int) else {segment: value}
    return value
