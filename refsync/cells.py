"""Values written into spreadsheets that a person will open.

A cell that starts with ``=``, ``+``, ``-``, ``@`` (or a tab/carriage return) can be run as a
formula by Excel or LibreOffice (CSV/formula injection). Every writer of a workbook or CSV passes
text through :func:`neutralise` so that untrusted data can never become a formula.
"""

from __future__ import annotations

from typing import TypeVar

_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

T = TypeVar("T")


def neutralise(value: T) -> T | str:
    """Prefix text that a spreadsheet would treat as a formula with a single quote."""
    if isinstance(value, str) and value.startswith(_FORMULA_PREFIXES):
        return "'" + value
    return value
