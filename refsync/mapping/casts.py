"""Type casts, vectorised over one column: text, integer, decimal, boolean, date, date-time.

Dates accept date cells, text in the given formats (ISO 8601 always), and Excel serial numbers in
either date system: 1900 (Windows; serial 1 is 1900-01-01 and Lotus's phantom 1900-02-29 is
skipped by counting from 1899-12-30) or 1904 (old Mac workbooks; serial 0 is 1904-01-02 -
counting from 1904-01-01).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

import numpy as np
import pandas as pd

from refsync.mapping import spec as s
from refsync.mapping.transforms import Mask, Step, run_text_chain
from refsync.mapping.values import as_text, map_distinct

__all__ = ["apply_cast"]

_EXCEL_ORIGIN = {1900: pd.Timestamp("1899-12-30"), 1904: pd.Timestamp("1904-01-01")}
_OFFSET = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")
# a number, optionally with an ISO currency code or symbol before or after it ("EUR 1.250,00")
_AMOUNT = re.compile(
    r"^\s*(?:[A-Za-z]{3}|[$€£¥])?\s*([+-]?[\d][\d.,' \u00a0\u202f]*)\s*(?:[A-Za-z]{3}|[$€£¥])?\s*$"
)


def _numbers(series: pd.Series, decimal: str, thousands: str | None) -> tuple[pd.Series, Mask]:
    """Floats (NaN where missing) and the mask of present values that are not numbers."""
    present = series.notna().to_numpy()
    kind = pd.api.types.infer_dtype(series, skipna=True)
    if kind in ("integer", "floating", "mixed-integer-float", "empty"):
        values = pd.to_numeric(series, errors="coerce").astype(float)
    else:
        if thousands is None:
            thousands = "," if decimal == "." else "."
        text = as_text(series).str.extract(_AMOUNT, expand=False)
        for space in (" ", "\u00a0", "\u202f", "'"):
            text = text.str.replace(space, "", regex=False)
        text = text.str.replace(thousands, "", regex=False)
        if decimal != ".":
            text = text.str.replace(decimal, ".", regex=False)
        values = pd.to_numeric(text, errors="coerce").astype(float)
    bad = present & ~np.isfinite(values.to_numpy())
    return values, bad


def _numbers_out(values: pd.Series, bad: Mask) -> pd.Series:
    """Python numbers in canonical form: integral values as int (15000.0 -> 15000)."""
    array = values.to_numpy(dtype=float)
    keep = ~(np.isnan(array) | bad)
    out = np.full(len(array), None, dtype=object)
    whole = keep & (np.mod(array, 1) == 0) & (np.abs(array) < 2**53)
    out[whole] = array[whole].astype(np.int64).tolist()
    fractional = keep & ~whole
    out[fractional] = array[fractional].tolist()
    return pd.Series(out, index=values.index, dtype=object)


def _integer(t: s.IntegerCast, series: pd.Series) -> Step:
    values, bad = _numbers(series, ".", t.thousands_separator)
    array = values.to_numpy(dtype=float)
    bad = bad | (np.isfinite(array) & (np.mod(array, 1) != 0))
    return _numbers_out(values, bad), bad, "not a whole number"


def _decimal(t: s.DecimalCast, series: pd.Series) -> Step:
    values, bad = _numbers(series, t.decimal_separator, t.thousands_separator)
    if t.places is not None:
        values = values.round(t.places)
    return _numbers_out(values, bad), bad, "not a number"


def _boolean(t: s.BooleanCast, series: pd.Series) -> Step:
    true_values = {v.lower() for v in t.true_values}
    false_values = {v.lower() for v in t.false_values}

    def convert(value: Any) -> bool:
        if isinstance(value, bool | np.bool_):
            return bool(value)
        if isinstance(value, int | float | np.integer | np.floating) and value in (0, 1):
            return bool(value)
        text = str(value).strip().lower()
        if text in true_values:
            return True
        if text in false_values:
            return False
        raise ValueError(value)

    out, bad = map_distinct(series, convert)
    return out, bad, f"not a yes/no value (true: {', '.join(t.true_values)})"


def _moments(
    series: pd.Series, formats: tuple[str, ...], epoch: int, tz: str
) -> tuple[pd.Series, Mask]:
    """Parse into UTC timestamps; naive values are read in ``tz``. Returns values and bad mask."""
    present = series.notna().to_numpy()
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        return series.dt.tz_convert("UTC"), np.zeros(len(series), dtype=bool)
    if pd.api.types.is_datetime64_dtype(series.dtype):
        return _localise(series, tz), np.zeros(len(series), dtype=bool)
    kind = pd.api.types.infer_dtype(series, skipna=True)
    if kind in ("integer", "floating", "mixed-integer-float"):
        numbers = pd.to_numeric(series, errors="coerce")
        naive = _EXCEL_ORIGIN[epoch] + pd.to_timedelta(numbers, unit="D")
        return _localise(naive.dt.round("s"), tz), np.zeros(len(series), dtype=bool)
    result = pd.Series(pd.NaT, index=series.index, dtype="datetime64[us, UTC]")
    types = series.map(type)
    cells = types.isin((dt.datetime, dt.date, pd.Timestamp)).to_numpy()
    numbers = types.isin((int, float, np.int64, np.float64)).to_numpy()
    if cells.any():
        try:
            stamps = pd.to_datetime(series[cells])
        except (TypeError, ValueError):  # naive and aware cells together: one by one
            stamps = pd.to_datetime(series[cells].map(pd.Timestamp), utc=True)
        result[cells] = _moments(stamps, (), epoch, tz)[0]
    if numbers.any():
        result[numbers] = _moments(series[numbers].astype(float), (), epoch, tz)[0]
    text = ~cells & ~numbers & present
    if text.any():
        strings = as_text(series[text]).str.strip()
        parsed = pd.Series(pd.NaT, index=strings.index, dtype="datetime64[us, UTC]")
        for fmt in (*formats, "ISO8601"):
            todo = parsed.isna().to_numpy()
            if not todo.any():
                break
            chunk = strings[todo]
            offset = chunk.str.contains(_OFFSET, regex=True).to_numpy(dtype=bool)
            if offset.any():
                parsed[chunk.index[offset]] = pd.to_datetime(
                    chunk[offset], format=fmt, errors="coerce", utc=True
                )
            if (~offset).any():
                naive = pd.to_datetime(chunk[~offset], format=fmt, errors="coerce")
                parsed[chunk.index[~offset]] = _localise(naive, tz)
        result[text] = parsed
    bad = present & result.isna().to_numpy()
    return result, bad


def _localise(naive: pd.Series, tz: str) -> pd.Series:
    if isinstance(naive.dtype, pd.DatetimeTZDtype):
        return naive.dt.tz_convert("UTC")
    return naive.dt.tz_localize(tz, ambiguous="NaT", nonexistent="shift_forward").dt.tz_convert(
        "UTC"
    )


def _format(moments: pd.Series, unit: Literal["D", "s"]) -> pd.Series:
    """ISO 8601 text of UTC moments: ``unit`` "D" for dates, "s" for date-times (with ``Z``)."""
    stamps = moments.dt.tz_convert(None).to_numpy(dtype=f"datetime64[{unit}]")
    text = np.datetime_as_string(stamps, unit=unit).astype(object)
    if unit == "s":
        text = text + "Z"
    text[np.isnat(stamps)] = None
    return pd.Series(text, index=moments.index, dtype=object)


def _date(t: s.DateCast, series: pd.Series) -> Step:
    # a date has no time zone: read and write it as UTC so that it never shifts a day
    moments, bad = _moments(series, t.formats, t.excel_epoch, "UTC")
    formats = f" ({', '.join(t.formats)} or ISO 8601)" if t.formats else " (ISO 8601)"
    return _format(moments, "D"), bad, "not a date" + formats


def _datetime(t: s.DatetimeCast, series: pd.Series) -> Step:
    moments, bad = _moments(series, t.formats, t.excel_epoch, t.timezone)
    formats = f" ({', '.join(t.formats)} or ISO 8601)" if t.formats else " (ISO 8601)"
    return _format(moments, "s"), bad, "not a date-time" + formats


def apply_cast(cast: s.CastSpec, series: pd.Series) -> Step:
    """Cast ``series``; values that do not convert are reported and become ``None``."""
    match cast:
        case s.StringCast():
            return run_text_chain((), series), None, ""
        case s.IntegerCast():
            return _integer(cast, series)
        case s.DecimalCast():
            return _decimal(cast, series)
        case s.BooleanCast():
            return _boolean(cast, series)
        case s.DateCast():
            return _date(cast, series)
        case s.DatetimeCast():
            return _datetime(cast, series)
    raise AssertionError(f"unhandled cast {cast!r}")
