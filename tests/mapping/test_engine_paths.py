"""The engine's shortcuts change nothing but speed.

A column with few distinct values runs its field's pipeline once per distinct value; a mostly
distinct one (names, e-mails, phones) runs value by value. Which way a column goes depends on
its first values, so each test maps the same rows both ways and once more in small chunks, and
every MappedRow must come out identical: payloads, hashes, errors, order.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data.samples.generate import DYNAMICS_BAD, dynamics_rows
from refsync.hashing import payload_hash
from refsync.mapping import compile_mapping, compiler, parse_mapping, transforms, validation, values
from refsync.mapping.nesting import Nester
from refsync.records import MappedRow
from tests.mapping.conftest import SAMPLES, compiled, read_csv, read_sheet

pytestmark = pytest.mark.unit

MODULES = (values, transforms, compiler, validation)


def both_ways(monkeypatch: pytest.MonkeyPatch, run: Callable[[], list[MappedRow]]
              ) -> tuple[list[MappedRow], list[MappedRow]]:
    """``run()`` with every column taken as mostly distinct, then with none taken so."""
    results = []
    for verdict in (True, False):
        for module in MODULES:
            monkeypatch.setattr(module, "mostly_distinct", lambda _values, v=verdict: v)
        results.append(run())
    monkeypatch.undo()
    return results[0], results[1]


def dynamics_frame(count: int) -> pd.DataFrame:
    rows = dynamics_rows(random.Random(7), count)
    for index, (column, value) in DYNAMICS_BAD.items():
        for start in range(0, count, 60):  # the sample's bad cells, once every 60 rows
            if start + index < count:
                rows[start + index][column] = value
    frame = pd.DataFrame(rows)
    frame.index = range(2, 2 + count)
    return frame


SAMPLE_CASES: dict[str, Callable[[], tuple[str, pd.DataFrame]]] = {
    "dynamics": lambda: ("dynamics365-leads.yaml", dynamics_frame(1500)),
    "salesforce": lambda: ("salesforce-leads.yaml",
                           read_csv(SAMPLES / "salesforce-leads-dataloader.csv")),
    "hubspot": lambda: ("hubspot-contacts.yaml", read_csv(SAMPLES / "hubspot-contacts.csv")),
    "gt365": lambda: ("gt365-invites.yaml",
                      read_sheet(SAMPLES / "gt365-invites.xlsx", sheet="Guests")),
    "org-invites": lambda: ("partner-center-org-invites.yaml",
                            read_sheet(SAMPLES / "partner-center-org-invites.xlsx",
                                       sheet="Invites")),
}


@pytest.mark.parametrize("case", sorted(SAMPLE_CASES))
def test_distinct_and_value_by_value_agree(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    name, frame = SAMPLE_CASES[case]()
    mapping = compiled(name)
    each, distinct = both_ways(monkeypatch, lambda: mapping.map_frame(frame))
    assert each == distinct
    assert any(r.errors for r in each)
    assert any(r.is_valid for r in each)
    chunked = [row for start in range(0, len(frame), 7)
               for row in mapping.map_frame(frame.iloc[start:start + 7])]
    assert chunked == each


def test_hashes_are_the_canonical_payload_hashes() -> None:
    rows = compiled("dynamics365-leads.yaml").map_frame(dynamics_frame(1500))
    valid = [r for r in rows if r.is_valid]
    assert len(valid) > 1000
    for row in valid:
        assert row.payload is not None
        assert row.payload_hash == payload_hash(row.payload)


TEMPLATE_MAPPING = """
version: 1
name: t
target: {type: partner_center.referral}
source: {type: spreadsheet}
key: K
fields:
  name: {column: A, transforms: [trim, {null_if: ["-"]}], default: unnamed}
  type: {constant: Independent}
  customerProfile.name: {template: "{B} & {C}{{x}}"}
  customerProfile.address.state: {column: C, transforms: [upper]}
  details.dealValue: {column: D, cast: {type: decimal, places: 2}}
  details.notes: {template: "{A}/{B}"}
"""

cells = st.sampled_from(["", " ", "-", "a", " a ", "b", "Ba", None, "x y", "12", "1,5"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(cells, cells, cells, cells), min_size=1, max_size=30))
def test_random_cells_map_the_same_both_ways(rows: list[tuple[Any, ...]]) -> None:
    mapping = compile_mapping(parse_mapping(TEMPLATE_MAPPING.encode(), Path("t.yaml")))
    frame = pd.DataFrame(rows, columns=["A", "B", "C", "D"])
    frame["K"] = [f"k{i}" for i in range(len(frame))]
    frame.index = range(2, 2 + len(frame))
    with pytest.MonkeyPatch.context() as patch:
        each, distinct = both_ways(patch, lambda: mapping.map_frame(frame))
    assert each == distinct


def test_nesting_builds_each_presence_pattern_with_constants() -> None:
    tree: dict[Any, Any] = {"k": "k", "c": "c", "n": {"x": "n.x", "none": "none"},
                            "l": {0: "l0", 1: "l1"}}
    nester = Nester(tree, {"c": {"fixed": True}, "none": None})
    assert nester.variables == ("k", "n.x", "l0", "l1")
    columns = {
        "k": np.array(["a", "b", "c", "d"], dtype=object),
        "n.x": np.array([1, None, 3, None], dtype=object),
        "l0": np.array([None, "p", "q", None], dtype=object),
        "l1": np.array(["r", None, "s", None], dtype=object),
    }
    built = nester.build(columns)
    assert built == [
        {"k": "a", "c": {"fixed": True}, "n": {"x": 1}, "l": ["r"]},
        {"k": "b", "c": {"fixed": True}, "l": ["p"]},
        {"k": "c", "c": {"fixed": True}, "n": {"x": 3}, "l": ["q", "s"]},
        {"k": "d", "c": {"fixed": True}},
    ]
    assert built[0]["c"] is built[3]["c"]  # a constant is one value, as before nesting
