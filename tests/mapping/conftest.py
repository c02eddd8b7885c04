"""Helpers for the mapping tests: read a shipped sample the way a source hands it over."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from refsync.mapping import CompiledMapping, compile_mapping, load_mapping
from refsync.records import MappedRow

ROOT = Path(__file__).resolve().parents[2]
MAPPINGS = ROOT / "mappings"
SAMPLES = ROOT / "data" / "samples"


def read_sheet(path: Path, *, sheet: str | int = 0, header_row: int = 1) -> pd.DataFrame:
    """A sheet as a DataFrame whose index is the spreadsheet row number of each data row."""
    frame = pd.read_excel(path, sheet_name=sheet, header=header_row - 1, engine="calamine")
    frame.index = range(header_row + 1, header_row + 1 + len(frame))
    return frame


def read_csv(
    path: Path, *, header_row: int = 1, skip_prefixes: tuple[str, ...] = (), **options: object
) -> pd.DataFrame:
    """A CSV file as a DataFrame indexed by line number, every cell kept as text; rows whose
    first cell starts with one of ``skip_prefixes`` are left out (as the source does)."""
    frame = pd.read_csv(path, skiprows=header_row - 1, dtype=str, keep_default_na=False,
                        skip_blank_lines=False, **options)  # type: ignore[call-overload]
    frame.index = range(header_row + 1, header_row + 1 + len(frame))
    if skip_prefixes:
        frame = frame[~frame.iloc[:, 0].str.startswith(skip_prefixes)]
    return frame.replace("", None)


def compiled(name: str) -> CompiledMapping:
    return compile_mapping(load_mapping(MAPPINGS / name))


def by_row(rows: list[MappedRow]) -> dict[int, MappedRow]:
    return {r.row_number: r for r in rows}


@pytest.fixture
def write_mapping(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Write YAML text to a mapping file and return its path."""

    def write(text: str, name: str = "mapping.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write
