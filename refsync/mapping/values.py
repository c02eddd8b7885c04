"""Vectorised helpers over one column of a chunk: blanks, text, and per-distinct-value work.

Inside the engine a column is an ``object`` Series whose missing cells are ``None`` (never NaN,
NaT or ""). Work that needs Python per value (a country lookup, a phone number) runs once per
*distinct* value of the chunk through :func:`map_distinct`, so a column of repeated values costs
one call per value, not per row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "as_text", "blanks_to_none", "map_distinct", "missing", "mostly_distinct", "python_values",
    "text_of", "to_objects",
]


def missing(values: np.ndarray[Any, Any]) -> np.ndarray[Any, np.dtype[np.bool_]]:
    """Mask of the ``None`` cells of an engine column (an object array).

    Engine columns hold ``None`` and nothing else for a missing cell (:func:`to_objects` sees to
    that), so one comparison with ``None`` per cell suffices: half the cost of ``pd.isna``.
    """
    return np.asarray(values == None, dtype=np.bool_)  # noqa: E711 (elementwise)


def to_objects(series: pd.Series) -> pd.Series:
    """An ``object`` Series with every missing cell (NaN, NaT, None, pd.NA) as ``None``."""
    values = series.to_numpy(dtype=object, na_value=None)
    return pd.Series(values, index=series.index, dtype=object, copy=False)


def python_values(series: pd.Series) -> list[Any]:
    """A column as a list of plain Python values, missing cells as ``None``.

    Naive date-times become :class:`datetime.datetime` straight from numpy, ten times faster
    than making a :class:`pandas.Timestamp` of each (sub-microsecond digits are dropped).
    """
    if series.dtype.kind == "M" and not isinstance(series.dtype, pd.DatetimeTZDtype):
        values: list[Any] = series.to_numpy(dtype="datetime64[us]").tolist()
    else:
        values = to_objects(series).tolist()
    return values


def blanks_to_none(series: pd.Series) -> pd.Series:
    """:func:`to_objects`, and empty text also becomes ``None``."""
    values = series.to_numpy(dtype=object, na_value=None)
    empty = np.asarray(np.equal(values, ""), dtype=np.bool_)
    if empty.any():
        values = values.copy()  # it may be the source frame's own array
        values[empty] = None
    return pd.Series(values, index=series.index, dtype=object, copy=False)


def text_of(value: Any) -> str:
    """A cell value as text (``15000.0`` → ``"15000"``; a midnight date-time → its date)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, float | np.floating):
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date().isoformat()
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    return str(value)


def as_text(series: pd.Series) -> pd.Series:
    """Every present value as text (``15000.0`` → ``"15000"``; a midnight date-time → its date)."""
    if pd.api.types.infer_dtype(series, skipna=True) in ("string", "empty"):
        return series
    return map_distinct(series, text_of)[0]


_SAMPLE = 512


def _map_each(
    series: pd.Series, func: Callable[[Any], Any]
) -> tuple[pd.Series, np.ndarray[Any, np.dtype[np.bool_]]]:
    out: list[Any] = []
    bad: list[int] = []
    append = out.append
    for i, value in enumerate(series.to_numpy(dtype=object, na_value=None).tolist()):
        if value is None:
            append(None)
            continue
        try:
            append(func(value))
        except ValueError:
            append(None)
            bad.append(i)
    mask = np.zeros(len(out), dtype=bool)
    mask[bad] = True
    return pd.Series(out, index=series.index, dtype=object), mask


def mostly_distinct(values: pd.Series | np.ndarray[Any, Any]) -> bool:
    """Whether a long column's first values are mostly distinct (names, e-mails, phones).

    Work per distinct value then only adds a hash per row, so such a column is worked value by
    value; a short column is always de-duplicated (it is cheap either way).
    """
    if len(values) < _SAMPLE * 2:
        return False
    sample = values[:_SAMPLE] if isinstance(values, np.ndarray) else values.iloc[:_SAMPLE]
    return bool(pd.Series(sample, dtype=object).nunique(dropna=True) > _SAMPLE * 0.8)


def map_distinct(
    series: pd.Series, func: Callable[[Any], Any]
) -> tuple[pd.Series, np.ndarray[Any, np.dtype[np.bool_]]]:
    """Apply ``func`` once per distinct present value; a ValueError marks that value as bad.

    Returns the mapped Series (``None`` where missing or bad) and a boolean mask of bad rows.
    A column whose sample is mostly distinct (names, e-mails) skips the de-duplication, which
    would only add a hash per row.
    """
    if mostly_distinct(series):
        return _map_each(series, func)
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    results = np.empty(len(uniques) + 1, dtype=object)
    bad = np.zeros(len(uniques) + 1, dtype=bool)
    for i, value in enumerate(uniques):
        try:
            results[i] = func(value)
        except ValueError:
            bad[i] = True
    results[-1] = None  # code -1: missing
    return pd.Series(results[codes], index=series.index, dtype=object), bad[codes]
