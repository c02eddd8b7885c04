"""Redeem URLs into the results copy, next to the write-back's columns.

The write-back appends what every target has (remote id, status, time, error); a guest's redeem
URL is particular to invitations, and is what an admin who sends no invitation e-mail hands on
to the guest. So after a send the page appends one more column, ``Redeem URL``, to the copy it
offers for download (or fills that column in place when the sheet already has it). Values pass
through :func:`refsync.cells.neutralise` like every other written cell.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path

import openpyxl

from refsync.cells import neutralise

REDEEM_COLUMN = "Redeem URL"


def append_redeem_urls(copy: Path, header_row: int, urls: Mapping[int, str]) -> None:
    """Write ``urls`` (sheet row number -> URL) into ``copy`` under a ``Redeem URL`` column.

    The copy is replaced atomically: a failure leaves the write-back's own copy as it was.
    """
    if not urls:
        return
    if copy.suffix.lower() == ".csv":
        _csv(copy, header_row, urls)
    else:
        _xlsx(copy, header_row, urls)


def _column(header: list[object]) -> int:
    """0-based index of the Redeem URL column: the existing one, else one past the last."""
    folded = [str(h).casefold() if h is not None else "" for h in header]
    if REDEEM_COLUMN.casefold() in folded:
        return folded.index(REDEEM_COLUMN.casefold())
    end = len(folded)
    while end and not folded[end - 1]:
        end -= 1
    return end


def _xlsx(copy: Path, header_row: int, urls: Mapping[int, str]) -> None:
    book = openpyxl.load_workbook(copy)
    sheet = book.active
    assert sheet is not None
    header = [c.value for c in sheet[header_row]] if sheet.max_row >= header_row else []
    col = _column(header) + 1
    sheet.cell(row=header_row, column=col, value=REDEEM_COLUMN)
    for row, url in urls.items():
        sheet.cell(row=row, column=col, value=neutralise(url))
    _replace(copy, book.save)


def _csv(copy: Path, header_row: int, urls: Mapping[int, str]) -> None:
    with copy.open(encoding="utf-8-sig", newline="") as handle:
        sample = handle.read(64 * 1024)
        handle.seek(0)
        try:
            dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, ",;\t|")
        except csv.Error:
            dialect = csv.excel
        records = list(csv.reader(handle, dialect))
    if len(records) < header_row:
        return
    col = _column(list(records[header_row - 1]))
    for number, record in enumerate(records, start=1):
        value = REDEEM_COLUMN if number == header_row else urls.get(number)
        if value is None:
            continue
        record.extend([""] * (col + 1 - len(record)))
        record[col] = neutralise(value)

    def save(path: str) -> None:
        with open(path, "w", encoding="utf-8-sig", newline="") as out:
            csv.writer(out, delimiter=getattr(dialect, "delimiter", ","),
                       lineterminator="\r\n").writerows(records)

    _replace(copy, save)


def _replace(target: Path, save: Callable[[str], None]) -> None:
    handle, name = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=target.suffix,
                                    dir=target.parent)
    os.close(handle)
    try:
        save(name)
        os.replace(name, target)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
