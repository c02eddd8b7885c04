"""Builders of test inputs: workbooks via openpyxl, and hand-made packages for what openpyxl
cannot write (formulas with cached values, DTDs, zip bombs, lying zip directories)."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def xlsx(path: Path, rows: Iterable[Sequence[Any]], *, title: str = "Leads",
         hidden_columns: Sequence[str] = (), merged: Sequence[str] = (),
         extra_sheets: Sequence[tuple[str, str]] = (), first_hidden: bool = False) -> Path:
    """An .xlsx whose first sheet holds ``rows`` from A1 (None leaves a cell empty).

    ``extra_sheets`` are (name, state) pairs added after it ("visible", "hidden", "veryHidden");
    ``first_hidden`` inserts a hidden metadata sheet *before* the data sheet, as Dynamics does.
    """
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    for letter in hidden_columns:
        sheet.column_dimensions[letter].hidden = True
    for cells in merged:
        sheet.merge_cells(cells)
    for name, state in extra_sheets:
        extra = book.create_sheet(name)
        extra.sheet_state = state
        extra.append(["meta", "data"])
    if first_hidden:
        meta = book.create_sheet("hiddenSheet", 0)
        meta.sheet_state = "hidden"
        meta.append(["entity", "lead"])
    book.save(path)
    return path


def package(path: Path, sheet_xml: str, *, shared: Sequence[str] = (),
            prolog: str = DECL, extra: dict[str, bytes] | None = None) -> Path:
    """A minimal .xlsx from raw sheet XML (``<sheetData>`` content and what surrounds it)."""
    content_types = (
        f'{DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>'
    )
    sst = "".join(f"<si><t>{s}</t></si>" for s in shared)
    parts = {
        "[Content_Types].xml": content_types,
        "_rels/.rels": (
            f'{DECL}<Relationships xmlns="{PKG_NS}"><Relationship Id="rId1" '
            f'Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'{DECL}<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><sheets>'
            '<sheet name="Leads" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'{DECL}<Relationships xmlns="{PKG_NS}">'
            f'<Relationship Id="rId1" Type="{REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{REL_NS}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>"
        ),
        "xl/sharedStrings.xml": (
            f'{DECL}<sst xmlns="{MAIN_NS}" count="{len(shared)}" '
            f'uniqueCount="{len(shared)}">{sst}</sst>'
        ),
        "xl/worksheets/sheet1.xml": f'{prolog}<worksheet xmlns="{MAIN_NS}">{sheet_xml}</worksheet>',
    }
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return path
