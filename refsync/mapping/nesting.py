"""Nest a chunk's leaf columns into payload dicts, one per row, leaving out what is missing.

The shape of every payload of a mapping is known when it is compiled: a tree of dicts and lists
whose leaves are target fields. Rows differ only in which leaves are missing (a lead without a
state, without notes), and a chunk holds a handful of such *presence patterns*. For each pattern
:class:`Nester` writes one Python expression that builds exactly the payload of that pattern (a
dict display such as ``{'name': v0, 'customerProfile': {'name': v1, ...}}`` with the missing
leaves, and the dicts and lists they leave empty, already left out), compiles it once, and
evaluates it per row inside a list comprehension. That is several times faster than building
full dicts and deleting the gaps afterwards, which matters when a chunk holds a hundred thousand
rows. Constant leaves are not columns at all: the expression refers to the one value.

The expression holds nothing from the mapping file but field names that the target model defines
(written with ``repr``), positional variables and references to constants, so no text of the
mapping is ever executed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from refsync.mapping.paths import Segment
from refsync.mapping.values import missing

__all__ = ["Nester", "Tree"]

Tree = dict[Segment, "Tree | str"]
Mask = np.ndarray[Any, np.dtype[np.bool_]]
_Builder = Callable[[list[list[Any]], int], list[dict[str, Any]]]
_MAX_PATTERNS = 1024  # compiled builders kept per mapping; more only on pathological data


class Nester:
    """Builds payloads of one tree shape from leaf columns (leaf path -> object array).

    ``constants`` maps leaves whose value is the same for every row to that value; they are
    left out of the columns :meth:`build` takes. A constant ``None`` is a leaf that is never
    there.
    """

    def __init__(self, tree: Tree, constants: Mapping[str, Any] | None = None) -> None:
        self._tree = tree
        self._constants = dict(constants or {})
        self._leaves: list[str] = []
        self._collect(tree)
        self.variables: tuple[str, ...] = tuple(
            p for p in self._leaves if p not in self._constants
        )
        self._builders: dict[frozenset[str], _Builder] = {}
        self._builder(frozenset(self.variables))  # refuses bad names at once

    def _collect(self, node: Tree | str) -> None:
        if isinstance(node, str):
            self._leaves.append(node)
            return
        if not all(isinstance(k, int) for k in node):
            for name in node:
                if not isinstance(name, str) or not name.replace("@", "").replace(
                    ".", ""
                ).isalnum():
                    raise ValueError(f"not a payload field name: {name!r}")
        for child in node.values():
            self._collect(child)

    def build(
        self, leaves: Mapping[str, np.ndarray[Any, Any]], present: Mapping[str, Mask] | None = None
    ) -> list[dict[str, Any]]:
        """One payload per row; every column of :attr:`variables` has one value per row.

        ``present`` may give each column's mask of cells that are there (not ``None``), when
        the caller has it already.
        """
        columns = [leaves[path] for path in self.variables]
        count = len(columns[0]) if columns else 0
        if not count:
            return []
        masks = [
            present[path] if present is not None else ~missing(column)
            for path, column in zip(self.variables, columns, strict=True)
        ]
        partial = [i for i, mask in enumerate(masks) if not mask.all()]
        always = frozenset(
            self.variables[i] for i, mask in enumerate(masks) if mask.all()
        )
        if not partial:
            return self._builder(always)([c.tolist() for c in columns], count)
        out = np.empty(count, dtype=object)
        for members, pattern in _patterns([masks[i] for i in partial], count):
            names = always | {self.variables[partial[j]] for j in pattern}
            picked = [c[members].tolist() for p, c in zip(self.variables, columns, strict=True)
                      if p in names]
            out[members] = self._builder(names)(picked, len(members))
        rows: list[dict[str, Any]] = out.tolist()
        return rows

    def _builder(self, names: frozenset[str]) -> _Builder:
        """The compiled builder of payloads in which exactly ``names`` of the columns are set."""
        builder = self._builders.get(names)
        if builder is not None:
            return builder
        variables = [p for p in self.variables if p in names]
        slots = {p: f"v{i}" for i, p in enumerate(variables)}
        values = {f"c{i}": v for i, v in enumerate(self._constants.values())}
        slots.update({p: f"c{i}" for i, (p, v) in enumerate(self._constants.items())
                      if v is not None})
        expression = _expression(self._tree, slots) or "{}"
        if variables:
            names_list = ", ".join(slots[p] for p in variables)
            source = (f"lambda columns, count: [{expression} "
                      f"for ({names_list},) in zip(*columns)]")
        else:
            source = f"lambda columns, count: [{expression} for _ in range(count)]"
        code = compile(source, "<refsync payload shape>", "eval")
        builder = eval(  # noqa: S307 (see the module docstring)
            code, {"__builtins__": {}, "zip": zip, "range": range, **values}
        )
        if len(self._builders) >= _MAX_PATTERNS:
            self._builders.clear()
        self._builders[names] = builder
        return builder  # type: ignore[no-any-return]


def _expression(node: Tree | str, slots: Mapping[str, str]) -> str | None:
    """Python source building ``node`` from the leaves in ``slots``; ``None`` when empty."""
    if isinstance(node, str):
        return slots.get(node)
    if all(isinstance(k, int) for k in node):
        items = [_expression(node[k], slots) for k in sorted(node)]
        kept = [item for item in items if item is not None]
        return "[" + ", ".join(kept) + "]" if kept else None
    members = [(k, _expression(child, slots)) for k, child in node.items()]
    kept_members = [f"{k!r}: {e}" for k, e in members if e is not None]
    return "{" + ", ".join(kept_members) + "}" if kept_members else None


def _patterns(masks: list[Mask], count: int) -> list[tuple[np.ndarray[Any, Any], list[int]]]:
    """Rows grouped by which of ``masks`` hold for them: (row positions, indices of masks)."""
    if len(masks) < 63:
        key = np.zeros(count, dtype=np.int64)
        for bit, mask in enumerate(masks):
            key |= mask.astype(np.int64) << bit
    else:  # too many for one integer: compare whole rows of the mask matrix
        key = np.unique(np.stack(masks, axis=1), axis=0, return_inverse=True)[1].reshape(-1)
    order = np.argsort(key, kind="stable")
    boundaries = np.flatnonzero(np.diff(key[order])) + 1
    groups = []
    for members in np.split(order, boundaries):
        first = int(members[0])
        groups.append((members, [j for j, mask in enumerate(masks) if mask[first]]))
    return groups
