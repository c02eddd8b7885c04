"""Read a mapping file: YAML with line numbers, validated into a :class:`MappingSpec`.

Every mistake becomes a :class:`~refsync.errors.ConfigurationError` whose message names the file,
the line and the field (``mappings/x.yaml:14: fields.details.dealValue.cast.type: …``), because
the person who reads it is editing that file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from refsync.errors import ConfigurationError
from refsync.mapping.spec import MappingSpec

__all__ = ["load_mapping", "parse_mapping"]

MAX_MAPPING_BYTES = 1_000_000
MAX_MAPPING_NODES = 200_000  # after aliases are expanded: no "billion laughs"


class _TooLarge(Exception):
    pass
Loc = tuple[str | int, ...]


def load_mapping(path: Path) -> MappingSpec:
    """Load and validate the mapping file at ``path``.

    Raises:
        ConfigurationError: the file is missing, too large, not YAML, or not a valid mapping;
            the message names the file, line and field.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigurationError(f"cannot read mapping file {path}: {exc.strerror}") from exc
    return parse_mapping(data, path)


def parse_mapping(data: bytes, path: Path) -> MappingSpec:
    """Validate mapping file content ``data``; ``path`` is what messages and the spec name."""
    if len(data) > MAX_MAPPING_BYTES:
        raise ConfigurationError(
            f"{path}: a mapping file may hold at most {MAX_MAPPING_BYTES} bytes"
        )
    yaml = YAML(typ="rt", pure=True)
    yaml.allow_duplicate_keys = False
    try:
        document = yaml.load(data)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark is not None else ""
        raise ConfigurationError(
            f"{path}{line}: not valid YAML: {exc.problem or exc.context}"
        ) from exc
    except YAMLError as exc:
        raise ConfigurationError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(document, CommentedMap):
        raise ConfigurationError(f"{path}:1: a mapping file is a YAML mapping (key: value lines)")
    budget = [MAX_MAPPING_NODES]
    try:
        content = _plain(document, budget)
    except _TooLarge:
        raise ConfigurationError(
            f"{path}: more than {MAX_MAPPING_NODES} values once YAML aliases are expanded"
        ) from None
    lines = dict(_lines(document, ()))
    for reserved in ("path", "checksum"):
        if reserved in content:
            at = lines.get((reserved,), 1)
            raise ConfigurationError(
                f"{path}:{at}: {reserved}: refsync sets this itself; remove it"
            )
    try:
        spec = MappingSpec.model_validate(
            {**content, "path": path, "checksum": hashlib.sha256(data).hexdigest()}
        )
    except ValidationError as exc:
        raise ConfigurationError(_describe(exc, path, lines)) from None
    spec._lines.update(lines)
    return spec


def _describe(exc: ValidationError, path: Path, lines: dict[Loc, int]) -> str:
    problems = []
    for error in exc.errors(include_url=False, include_input=False):
        loc = _schema_loc(tuple(error["loc"]))
        message = str(error["msg"]).removeprefix("Value error, ")
        if not loc and message.startswith("fields."):
            # whole-file checks name the field they refuse at the start of the message
            name, _, message = message.removeprefix("fields.").partition(": ")
            loc = ("fields", name)
        line = _line_of(loc, lines)
        field = ".".join(str(p) for p in loc) or "(top level)"
        problems.append(f"{path}:{line}: {field}: {message}")
    return "invalid mapping file:\n  " + "\n  ".join(dict.fromkeys(problems))


def _schema_loc(loc: Loc) -> Loc:
    """Drop pydantic's union tags (``spreadsheet``, ``function-after[...]``) from a location."""
    return tuple(
        p for p in loc
        if not (isinstance(p, str) and (p.startswith(("function-", "tagged-union")) or "[" in p))
    )


def _line_of(loc: Loc, lines: dict[Loc, int]) -> int:
    for end in range(len(loc), -1, -1):
        line = lines.get(loc[:end])
        if line is not None:
            return line
    return 1


def _lines(node: Any, loc: Loc) -> Iterator[tuple[Loc, int]]:
    """The 1-based line of every key and list item, by location."""
    if isinstance(node, CommentedMap):
        for key in node:
            yield (*loc, str(key)), node.lc.key(key)[0] + 1
            yield from _lines(node[key], (*loc, str(key)))
    elif isinstance(node, CommentedSeq):
        for index, item in enumerate(node):
            yield (*loc, index), node.lc.item(index)[0] + 1
            yield from _lines(item, (*loc, index))


def _plain(node: Any, budget: list[int]) -> Any:
    """ruamel's round-trip types → plain dict/list/str/int/float/bool, within a node budget."""
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooLarge
    if isinstance(node, CommentedMap):
        return {str(k): _plain(v, budget) for k, v in node.items()}
    if isinstance(node, CommentedSeq):
        return [_plain(v, budget) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    if type(node).__name__ == "ScalarBoolean":
        return bool(node)
    if isinstance(node, str):
        return str(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return node
