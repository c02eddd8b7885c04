"""Validate a chunk's payloads against the target model, column-wise, with the same verdicts as
validating each payload on its own.

Validating tens of thousands of nested pydantic models row by row costs far more than building
them. But a payload's validity splits into two parts, provided the model keeps to the rule in
:mod:`refsync.models` (value constraints live in field types; model validators look only at which
fields are present):

1. **values**: each leaf value against its field's type. Done once per *distinct* value of each
   leaf column, in one pydantic call per column.
2. **shape**: which fields are present (and the shape of dict/list values). Done once per
   *distinct shape* in the chunk with the whole model, on one representative payload whose values
   all passed step 1.

A row is valid exactly when its values pass and its shape passes.
"""

from __future__ import annotations

import types
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Union, get_args, get_origin

import annotated_types
import numpy as np
import pandas as pd
from pydantic import BaseModel, TypeAdapter, ValidationError

from refsync.mapping.paths import Segment, annotation_at, unwrap
from refsync.mapping.values import missing, mostly_distinct

__all__ = ["ChunkValidator", "Problem", "is_plain_text"]


@dataclass(frozen=True, slots=True)
class Problem:
    """One validation error of one row: where in the payload, what, and the value found."""

    row: int  # position in the chunk's payload list
    loc: tuple[Segment, ...]
    message: str
    value: Any = None


def _message(error: Any) -> str:
    return str(error["msg"]).removeprefix("Value error, ")


def _shape(value: Any) -> Any:
    """What a model-level validator may see of a value: its keys and list lengths, recursively."""
    if isinstance(value, dict):
        return tuple(sorted((k, _shape(v)) for k, v in value.items() if v is not None))
    if isinstance(value, list):
        return tuple(_shape(v) for v in value)
    return 1


class ChunkValidator:
    """Checks payloads built from leaf columns (target path -> values) against ``model``."""

    def __init__(
        self,
        model: type[BaseModel],
        leaves: dict[str, tuple[Segment, ...]],
        *,
        checked: Collection[str] = (),
    ) -> None:
        """``checked``: leaves whose every value is known to pass its type (text produced by
        the engine for a plain text field, constants checked at load); only their presence
        counts toward the shape.
        """
        self._model = TypeAdapter(model)
        self._checked = frozenset(checked)
        self._leaves = leaves
        annotations = {path: annotation_at(model, segments) for path, segments in leaves.items()}
        self._adapters = {
            path: TypeAdapter(list[annotation])  # type: ignore[valid-type]
            for path, annotation in annotations.items()
        }
        self._containers = {path: _may_contain(a) for path, a in annotations.items()}

    def validate(
        self,
        columns: Mapping[str, np.ndarray[Any, Any]],
        payloads: Sequence[dict[str, Any]],
        present: Mapping[str, np.ndarray[Any, np.dtype[np.bool_]]] | None = None,
        factorized: Mapping[str, tuple[np.ndarray[Any, Any], list[Any]]] | None = None,
    ) -> list[Problem]:
        """Every problem of every payload (``payloads[i]`` was built from ``columns[*][i]``).

        Leaves that are the same for every row (constants) need no column: the shape check
        sees them in the payloads. ``present`` may give each column's mask of cells that are
        there, and ``factorized`` a column's codes per row (-1: missing) into its distinct values
        (which may repeat), when the caller has them already.
        """
        problems: list[Problem] = []
        bad_rows = np.zeros(len(payloads), dtype=bool)
        shape_codes: list[np.ndarray[Any, Any]] = []
        for path, values in columns.items():
            if path in self._checked:
                mask = present[path] if present is not None else ~missing(values)
                shape_codes.append(mask.astype(np.int64))
                continue
            containers = self._containers[path]
            if factorized is not None and path in factorized:
                codes, distinct = factorized[path]
            else:
                codes, distinct = _distinct(values, containers)
            problems += self._check_values(path, codes, distinct, bad_rows)
            shape_codes.append(_shape_codes(codes, distinct, containers))
        if not payloads:
            return problems
        for members in _groups(shape_codes, len(payloads)):
            clean = members[~bad_rows[members]]
            representative = int(clean[0] if len(clean) else members[0])
            try:
                self._model.validate_python(payloads[representative])
            except ValidationError as exc:
                for error in exc.errors(include_url=False):
                    loc = tuple(error["loc"])
                    if not len(clean) and self._inside_leaf(loc):
                        continue  # those rows already have their value errors
                    for row in members:
                        problems.append(Problem(int(row), loc, _message(error)))
        return problems

    def _check_values(
        self,
        path: str,
        codes: np.ndarray[Any, Any],
        distinct: list[Any],
        bad_rows: np.ndarray[Any, Any],
    ) -> list[Problem]:
        try:
            self._adapters[path].validate_python(distinct)
        except ValidationError as exc:
            found: list[Problem] = []
            segments = self._leaves[path]
            for error in exc.errors(include_url=False):
                index, *inner = error["loc"]
                rows = np.flatnonzero(codes == int(index))
                bad_rows[rows] = True
                found += [
                    Problem(int(r), (*segments, *inner), _message(error), distinct[int(index)])
                    for r in rows
                ]
            return found
        return []

    def _inside_leaf(self, loc: tuple[Any, ...]) -> bool:
        return any(
            loc[: len(segments)] == segments and len(loc) >= len(segments)
            for segments in self._leaves.values()
        )


def is_plain_text(annotation: Any) -> bool:
    """Whether any non-empty string passes ``annotation`` (``str``, optionally non-empty)."""
    inner = annotation
    while get_origin(inner) in (Union, types.UnionType):
        args = [a for a in get_args(inner) if a is not type(None)]
        if len(args) != 1:
            return False
        inner = args[0]
    if get_origin(inner) is Annotated:
        base, *metadata = get_args(inner)
        return base is str and all(
            isinstance(m, annotated_types.MinLen) and m.min_length <= 1 for m in metadata
        )
    return inner is str


def _may_contain(annotation: Any) -> bool:
    """Whether values of this type may be dicts or lists (compared by identity, shaped)."""
    inner = unwrap(annotation)
    if inner is Any or get_origin(inner) in (list, dict):
        return True
    if get_origin(inner) in (Union, types.UnionType):
        return any(_may_contain(a) for a in get_args(inner))
    return isinstance(inner, type) and issubclass(inner, BaseModel | dict | list)


def _distinct(
    values: np.ndarray[Any, Any], containers: bool
) -> tuple[np.ndarray[Any, Any], list[Any]]:
    """Codes per row (-1: missing) and the distinct values; containers compare by identity."""
    if not containers:
        if mostly_distinct(values):  # hashing every value would cost more than checking it
            present = ~missing(values)
            codes = np.full(len(values), -1, dtype=np.intp)
            codes[present] = np.arange(int(present.sum()))
            return codes, values[present].tolist()
        codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
        return np.asarray(codes), list(uniques)
    seen: dict[int, int] = {}
    distinct: list[Any] = []
    codes = np.empty(len(values), dtype=np.intp)
    for i, value in enumerate(values):
        if value is None:
            codes[i] = -1
            continue
        code = seen.get(id(value))
        if code is None:
            code = seen[id(value)] = len(distinct)
            distinct.append(value)
        codes[i] = code
    return codes, distinct


def _shape_codes(
    codes: np.ndarray[Any, Any], distinct: list[Any], containers: bool
) -> np.ndarray[Any, Any]:
    """Per row: 0 when missing, else a code for the value's shape (1 for every scalar)."""
    if not containers or not distinct:
        return (codes >= 0).astype(np.int64)
    shapes = np.asarray(pd.factorize(pd.Series([_shape(v) for v in distinct], dtype=object))[0])
    return np.where(codes >= 0, shapes[np.maximum(codes, 0)] + 1, 0).astype(np.int64)


def _groups(shape_codes: list[np.ndarray[Any, Any]], count: int) -> list[np.ndarray[Any, Any]]:
    """Row positions grouped by identical shape across all leaves."""
    key = np.zeros(count, dtype=np.int64)
    radix = 1
    for codes in shape_codes:
        size = int(codes.max()) + 1 if len(codes) else 1
        if radix * size >= 2**62:
            # too many combinations for one integer: fall back to comparing whole rows
            stacked = np.stack(shape_codes, axis=1)
            key = np.unique(stacked, axis=0, return_inverse=True)[1].reshape(-1)
            break
        key += codes * radix
        radix *= size
    order = np.argsort(key, kind="stable")
    boundaries = np.flatnonzero(np.diff(key[order])) + 1
    return np.split(order, boundaries)
