"""Compile a mapping once; map DataFrame chunks column by column into payloads and row errors.

For each chunk the engine works per column, not per row: it resolves header spellings, applies
the row filter, then runs every field's pipeline (source → transforms → lookup → cast → default →
required) over whole columns. Only the last steps touch rows one by one: nesting the columns into
payload dicts, validating the chunk's payloads against the target model in one pydantic call, and
hashing them. A bad value marks its row invalid with a :class:`~refsync.records.FieldError`; it
never stops the other rows.
"""

from __future__ import annotations

import contextlib
import gc
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel

from refsync.errors import ConfigurationError
from refsync.hashing import normalise_numbers, payload_hashes
from refsync.mapping.casts import apply_cast
from refsync.mapping.nesting import Nester, Tree
from refsync.mapping.paths import Segment, annotation_at, format_path, parse_path
from refsync.mapping.spec import (
    Condition,
    FieldSpec,
    Join,
    MappingSpec,
    Phone,
    Split,
    StringCast,
    Trim,
)
from refsync.mapping.targets import target_info
from refsync.mapping.transforms import Mask, run_text_chain, run_transforms
from refsync.mapping.validation import ChunkValidator, Problem, is_plain_text
from refsync.mapping.values import (
    blanks_to_none,
    map_distinct,
    missing,
    mostly_distinct,
    python_values,
    text_of,
    to_objects,
)
from refsync.records import FieldError, MappedRow, Target
from refsync.source_spec import SqlSourceSpec

__all__ = ["CompiledMapping", "compile_mapping"]

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]+)\}")
Errors = defaultdict[int, list[FieldError]]


@dataclass(frozen=True, slots=True)
class _Field:
    path: str
    segments: tuple[Segment, ...]
    spec: FieldSpec
    region_field: str | None


def compile_mapping(spec: MappingSpec) -> CompiledMapping:
    """Prepare ``spec`` for mapping chunks (field order, payload shape, the validator)."""
    return CompiledMapping(spec)


class CompiledMapping:
    """A mapping ready to run: :meth:`map_frame` turns one chunk into :class:`MappedRow`s."""

    def __init__(self, spec: MappingSpec) -> None:
        self.spec = spec
        self.target: Target = spec.target.type
        self.checksum: str = spec.checksum
        info = target_info(self.target)
        self._key_field = info.key_field
        self._key_chain = (str.strip, str.lower) if info.key_is_email else (str.strip,)
        self._fields = _ordered(
            _Field(
                path,
                parse_path(path),
                field,
                next((t.region_field for t in field.transforms if isinstance(t, Phone)), None),
            )
            for path, field in spec.fields.items()
        )
        # the key as a field: trimmed text from the key column (what _keys makes of it)
        key = _Field(info.key_field, (info.key_field,),
                     FieldSpec(column=spec.key, transforms=(Trim(),)), None)
        fields = (key, *self._fields)
        self._by_depth = sorted(fields, key=lambda f: -len(f.segments))
        self._tree: Tree = {}
        for field in fields:
            node = self._tree
            for segment in field.segments[:-1]:
                node = node.setdefault(segment, {})  # type: ignore[assignment]
            node[field.segments[-1]] = field.path
        self._constants = {
            f.path: normalise_numbers(f.spec.constant) for f in self._fields if f.spec.has_constant
        }
        self._nester = Nester(self._tree, self._constants)
        self._validator = ChunkValidator(
            info.model,
            {f.path: f.segments for f in fields},
            checked=[f.path for f in fields if _trusted(f, info.model)],
        )
        self._primary_key: tuple[str, ...] = (
            spec.source.primary_key if isinstance(spec.source, SqlSourceSpec) else ()
        )

    # --- columns -------------------------------------------------------------------------------

    def _columns_used(self) -> dict[str, tuple[str | int, ...]]:
        """Every source column the mapping reads, with where in the file it is named."""
        used: dict[str, tuple[str | int, ...]] = {self.spec.key: ("key",)}
        if self.spec.watermark:
            used.setdefault(self.spec.watermark, ("watermark",))
        for column in self._primary_key:
            used.setdefault(column, ("source", "primary_key"))
        for i, condition in enumerate(self.spec.filter):
            used.setdefault(condition.column, ("filter", i, "column"))
        for field in self._fields:
            for column in field.spec.source_columns():
                used.setdefault(column, ("fields", field.path))
        return used

    def _resolve_headers(self, frame: pd.DataFrame) -> pd.DataFrame:
        present = set(frame.columns)
        renames: dict[str, str] = {}
        for column, alternatives in self.spec.headers.items():
            if column not in present:
                found = next((h for a in alternatives for h in _matching(a, frame.columns)), None)
                if found is not None:
                    renames[found] = column
        if renames:
            frame = frame.rename(columns=renames)
            present = set(frame.columns)
        missing = [(c, loc) for c, loc in self._columns_used().items() if c not in present]
        if missing:
            problems = "; ".join(
                f"{self.spec.where(*loc)}: column {c!r} is not in the source" for c, loc in missing
            )
            available = ", ".join(repr(str(c)) for c in frame.columns)
            raise ConfigurationError(f"{problems} (the source has: {available})")
        return frame

    # --- mapping -------------------------------------------------------------------------------

    def map_frame(self, frame: pd.DataFrame) -> list[MappedRow]:
        """Map one chunk (index = source row numbers) into one MappedRow per row, in order.

        Raises:
            ConfigurationError: a column the mapping reads is missing from the chunk.
        """
        with _collector_paused():
            return self._map_frame(frame)

    def _map_frame(self, frame: pd.DataFrame) -> list[MappedRow]:
        frame = self._resolve_headers(frame)
        n = len(frame)
        errors: Errors = defaultdict(list)  # position in the chunk -> that row's errors

        keys = self._keys(frame[self.spec.key], errors)
        filtered = self._filtered(frame)
        kept = np.flatnonzero(~filtered)
        work = frame if len(kept) == n else frame.iloc[kept]

        fields: dict[str, _Leaf] = {self._key_field: _Leaf(keys.to_numpy()[kept])}
        for field in self._fields:
            if field.path in self._constants:
                continue
            region = None
            if field.region_field in self._constants:
                region = pd.Series([self._constants[field.region_field]] * len(work),
                                   index=work.index, dtype=object)
            elif field.region_field is not None:
                region = pd.Series(fields[field.region_field].values, index=work.index,
                                   dtype=object)
            fields[field.path] = self._run_field(field, work, region, errors, kept)

        ok = ~np.isin(kept, np.fromiter(errors, dtype=np.intp, count=len(errors)))
        good = kept[ok]
        everyone = bool(ok.all())
        leaves = {p: f.values if everyone else f.values[ok] for p, f in fields.items()}
        factorized = {
            p: (f.codes if everyone else f.codes[ok], f.distinct)
            for p, f in fields.items() if f.codes is not None and f.distinct is not None
        }
        present = {
            p: factorized[p][0] >= 0 if p in factorized else ~missing(v)
            for p, v in leaves.items()
        }
        payloads = self._nester.build(leaves, present)
        for problem in self._validator.validate(leaves, payloads, present, factorized):
            pos = int(good[problem.row])
            errors[pos].append(self._model_error(problem, frame, pos))

        valid = np.flatnonzero(~np.isin(good, np.fromiter(errors, dtype=np.intp)))
        kept_payloads = (
            [payloads[i] for i in valid.tolist()] if len(valid) < len(payloads) else payloads
        )
        payload_at = np.full(n, None, dtype=object)
        hash_at = np.full(n, None, dtype=object)
        payload_at[good[valid]] = kept_payloads
        hash_at[good[valid]] = payload_hashes(kept_payloads)
        errors_at: list[tuple[FieldError, ...]] = [()] * n
        for pos, found in errors.items():
            if not filtered[pos]:  # a filtered row is only filtered, whatever its key
                errors_at[pos] = tuple(found)

        index = frame.index.to_numpy()
        row_numbers = index.tolist() if index.dtype.kind in "iu" else [int(r) for r in index]
        watermarks = (
            python_values(frame[self.spec.watermark]) if self.spec.watermark else [None] * n
        )
        ids: list[tuple[Any, ...]] = (
            list(zip(*(python_values(frame[c]) for c in self._primary_key), strict=True))
            if self._primary_key else [()] * n
        )
        return list(map(MappedRow._make, zip(
            row_numbers, keys.tolist(), payload_at.tolist(), hash_at.tolist(), errors_at, ids,
            watermarks, filtered.tolist(), strict=True,
        )))

    def _keys(self, raw: pd.Series, errors: Errors) -> pd.Series:
        """Key per row (``None`` when empty); a key transform that fails is a row error."""
        column = raw
        for column, bad, message in run_transforms(self.spec.key_transforms, raw):  # noqa: B007
            for i in np.flatnonzero(bad).tolist() if bad is not None else ():
                errors[i].append(FieldError(message, column=self.spec.key,
                                            value=_shown(raw.iloc[i]), field=self._key_field))
        keys = run_text_chain(self._key_chain, column)
        for empty in np.flatnonzero(keys.isna().to_numpy()).tolist():
            if empty not in errors:
                errors[empty].append(
                    FieldError("the key is empty", column=self.spec.key, field=self._key_field)
                )
        return keys

    def _filtered(self, frame: pd.DataFrame) -> Mask:
        keep = np.ones(len(frame), dtype=bool)
        for condition in self.spec.filter:
            keep &= _holds(condition, frame[condition.column])
        return ~keep

    def _run_field(
        self,
        field: _Field,
        frame: pd.DataFrame,
        region: pd.Series | None,
        errors: Errors,
        positions: np.ndarray[Any, np.dtype[np.intp]],
    ) -> _Leaf:
        """Run one field's pipeline over the chunk; its problems become the rows' errors.

        A field read from one column with few distinct values (a country, a currency, a date)
        runs its pipeline once per distinct source value, and the result is spread back to the
        rows: one hash of the column instead of one per step, and the validator reuses it.
        """
        spec = field.spec
        column = spec.source_columns()[0] if spec.source_columns() else None
        raw = frame[column] if column is not None else None
        codes: np.ndarray[Any, np.dtype[np.intp]] | None = None
        if raw is not None and spec.column is not None and region is None \
                and not mostly_distinct(raw):
            codes, picks = _first_of_each(raw)
            series = self._source(spec, raw.iloc[picks])
        else:
            series = self._source(spec, frame)
        series, problems, empty = _pipeline(spec, series, region)
        values = series.to_numpy()

        def report(bad: Mask, message: str) -> None:
            for i in np.flatnonzero(bad).tolist():
                value = None if raw is None else _shown(raw.iloc[i])
                errors[int(positions[i])].append(
                    FieldError(message, column=column, value=value, field=field.path)
                )

        for bad, message in problems:
            report(bad if codes is None else bad[codes], message)
        if empty is not None:
            # only rows that reached here empty without an earlier error for this field
            for i in np.flatnonzero(empty if codes is None else empty[codes]).tolist():
                pos = int(positions[i])
                if not any(e.field == field.path for e in errors.get(pos, ())):
                    value = None if raw is None else _shown(raw.iloc[i])
                    errors[pos].append(FieldError("a value is required", column=column,
                                                  value=value, field=field.path))
        if codes is None:
            return _Leaf(values)
        gone = missing(values)
        return _Leaf(values[codes], np.where(gone[codes], -1, codes), values.tolist())

    @staticmethod
    def _source(spec: FieldSpec, frame: pd.DataFrame | pd.Series) -> pd.Series:
        """The field's raw values: a column (``frame`` may be that column alone), the list of
        several columns' values, or a rendered template."""
        if spec.column is not None:
            column = frame if isinstance(frame, pd.Series) else frame[spec.column]
            if column.dtype.kind in "biufmM":  # typed: casts read it as it is, much faster
                return column
            return blanks_to_none(column)
        assert isinstance(frame, pd.DataFrame)
        if spec.columns is not None:
            texts = [run_text_chain((), frame[c]).tolist() for c in spec.columns]
            lists = [[v for v in vals if v is not None] or None
                     for vals in zip(*texts, strict=True)]
            return pd.Series(lists, index=frame.index, dtype=object)
        assert spec.template is not None
        return _render(spec.template, frame)

    def _model_error(self, problem: Problem, frame: pd.DataFrame, pos: int) -> FieldError:
        """Name the source column behind a model error where one field covers its location."""
        loc = problem.loc
        path = format_path(loc) or None
        field = next(
            (f for f in self._by_depth if tuple(loc[: len(f.segments)]) == f.segments), None
        )
        if field is None or not field.spec.source_columns():
            shown = None if isinstance(problem.value, dict | list) else _shown(problem.value)
            return FieldError(problem.message, value=shown, field=path)
        column = field.spec.source_columns()[0]
        return FieldError(problem.message, column=column, value=_shown(frame[column].iloc[pos]),
                          field=path)


@dataclass(frozen=True, slots=True)
class _Leaf:
    """A field's values in a chunk; for a field run per distinct value also ``codes`` (per row,
    an index into ``distinct``, -1 where the value is missing) and those ``distinct`` values."""

    values: np.ndarray[Any, Any]
    codes: np.ndarray[Any, np.dtype[np.intp]] | None = None
    distinct: list[Any] | None = None


def _first_of_each(
    column: pd.Series,
) -> tuple[np.ndarray[Any, np.dtype[np.intp]], np.ndarray[Any, np.dtype[np.intp]]]:
    """Per row, the index of its value among the column's distinct values (missing ones
    counting as one value), and the position of each distinct value's first row."""
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    codes = np.asarray(codes, dtype=np.intp)
    # codes appear in order of first appearance, so each first row raises the running maximum
    rising = np.diff(np.maximum.accumulate(codes), prepend=-1) > 0
    picks = np.flatnonzero(rising)
    absent = codes < 0
    if absent.any():
        picks = np.append(picks, np.flatnonzero(absent)[0])
        codes = np.where(absent, len(uniques), codes)
    return codes, picks


def _pipeline(
    spec: FieldSpec, series: pd.Series, region: pd.Series | None
) -> tuple[pd.Series, list[tuple[Mask, str]], Mask | None]:
    """A field's steps after its source: transforms, lookup, cast, ranges, default, then the
    canonical engine column. Returns it, each step's (bad values, why), and when the field is
    required, which values ended up empty."""
    problems: list[tuple[Mask, str]] = []

    def note(bad: Mask | None, message: str) -> None:
        if bad is not None and bad.any():
            problems.append((bad, message))

    steps = run_transforms(spec.transforms, series, region)
    for _, bad, message in steps:
        note(bad, message)
    if steps:
        series = steps[-1][0]
    if spec.lookup is not None:
        series, bad, message = _lookup(spec, series)
        note(bad, message)
    if spec.cast is not None:
        series, bad, message = apply_cast(spec.cast, series)
        note(bad, message)
        if bad is not None and bad.any():
            series = series.where(~bad, None)
    if spec.ranges is not None:
        series, bad, message = _bands(spec, series)
        note(bad, message)
    if spec.has_default:
        series = series.where(series.notna(), normalise_numbers(spec.default))
    if series.dtype != object:
        series = to_objects(series)
    if pd.api.types.infer_dtype(series, skipna=True) in _UNNORMALISED:
        # raw numbers from the source (no cast): canonical form, as casts produce it
        series = map_distinct(series, normalise_numbers)[0]
    empty = missing(series.to_numpy()) if spec.required else None
    return series, problems, empty


def _matching(alternative: str, headers: Iterable[Any]) -> list[str]:
    """Headers an alternative spelling names: itself, or any holding a ``[token]``."""
    names = [str(h) for h in headers]
    if alternative.startswith("[") and alternative.endswith("]"):
        return [h for h in names if alternative in h]
    return [h for h in names if h == alternative]


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a chunk is mapped.

    A chunk allocates hundreds of thousands of small dicts, lists and tuples, none in a reference
    cycle; the collector's passes over them find nothing and cost about a fifth of the mapping
    time. It is switched back on afterwards (if it was on), and reference counting frees memory
    as usual. Before that, what the chunk made is moved to the oldest generation in one step
    (``freeze`` then ``unfreeze``), so that the first young-generation pass does not walk all of
    it either; that is skipped when the process keeps objects frozen of its own.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
        if was_enabled:
            gc.enable()


def _trusted(field: _Field, model: type[BaseModel]) -> bool:
    """Whether every value of ``field`` passes its type without a look: a constant (checked
    when the file was loaded), or text the engine made for a plain text field."""
    return field.spec.has_constant or (
        _yields_text(field.spec) and is_plain_text(annotation_at(model, field.segments))
    )


def _yields_text(spec: FieldSpec) -> bool:
    """Whether every value the field's pipeline produces is non-empty text (or missing)."""
    if spec.lookup is not None or spec.ranges is not None or spec.has_default:
        return False
    if spec.cast is not None:
        return isinstance(spec.cast, StringCast)
    text, listy = spec.template is not None, spec.columns is not None
    for transform in spec.transforms:
        if isinstance(transform, Split):
            text, listy = False, True
        elif isinstance(transform, Join):
            text, listy = text or listy, False
        else:  # text functions, country and phone all return text
            text = True
    return text and not listy


def _ordered(fields: Any) -> list[_Field]:
    """Fields whose phone region comes from another field run after that field."""
    pending = list(fields)
    done: list[_Field] = []
    names: set[str] = set()
    while pending:
        ready = [f for f in pending if f.region_field is None or f.region_field in names]
        if not ready:
            raise ConfigurationError(
                "phone region_field references form a cycle: "
                + ", ".join(f.path for f in pending)
            )
        for f in ready:
            pending.remove(f)
            done.append(f)
            names.add(f.path)
    return done


def _shown(value: Any) -> str | None:
    """A source value as an error message shows it."""
    if value is None or (not isinstance(value, list | dict) and pd.isna(value)):
        return None
    return text_of(value)


def _render(template: str, frame: pd.DataFrame) -> pd.Series:
    """Fill ``{Column}`` placeholders; a row with every placeholder empty is empty.

    Each distinct combination of the placeholders' values is rendered once, unless one of the
    columns is mostly distinct (free text), where rendering row by row is cheaper.
    """
    literals, columns = _template_parts(template)
    raws = [frame[c] for c in columns]
    if raws and not any(mostly_distinct(raw) for raw in raws):
        distinct = [_first_of_each(raw) for raw in raws]
        sizes = [len(picks) for _, picks in distinct]
        if math.prod(sizes) < 2**62:
            key = np.zeros(len(frame), dtype=np.int64)
            radices = [math.prod(sizes[:i]) for i in range(len(sizes))]
            for (codes, _), radix in zip(distinct, radices, strict=True):
                key += codes.astype(np.int64) * radix
            combos, inverse = np.unique(key, return_inverse=True)
            texts = [
                run_text_chain((), raw.iloc[picks]).to_numpy()[combos // radix % size].tolist()
                for raw, (_, picks), radix, size in zip(raws, distinct, radices, sizes,
                                                         strict=True)
            ]
            rendered = np.array(_fill(literals, texts, len(combos)), dtype=object)
            return pd.Series(rendered[inverse.reshape(-1)], index=frame.index, dtype=object)
    filled = _fill(literals, [run_text_chain((), raw).tolist() for raw in raws], len(frame))
    return pd.Series(filled, index=frame.index, dtype=object)


def _template_parts(template: str) -> tuple[list[str], list[str]]:
    """The literal texts around a template's placeholders (``{{``/``}}`` unescaped), and the
    placeholders' columns: ``len(literals) == len(columns) + 1``."""
    literals, columns = [""], []
    position = 0
    for match in _PLACEHOLDER.finditer(template):
        literals[-1] += template[position:match.start()]
        position = match.end()
        if match.group(1) is None:
            literals[-1] += match.group(0)[0]
        else:
            columns.append(match.group(1))
            literals.append("")
    literals[-1] += template[position:]
    return literals, columns


def _fill(literals: list[str], texts: list[list[str | None]], count: int) -> list[str | None]:
    """Rows of text: ``literals`` with each row's values between them, stripped; ``None`` where
    the text is empty or (when there are placeholders) every value is missing."""
    if not texts:
        return [literals[0].strip() or None] * count
    head, tail = literals[0], literals[1:]
    out: list[str | None] = []
    for values in zip(*texts, strict=True):
        if all(v is None for v in values):
            out.append(None)
            continue
        text = head
        for value, literal in zip(values, tail, strict=True):
            text += (value or "") + literal
        out.append(text.strip() or None)
    return out


def _lookup(spec: FieldSpec, series: pd.Series) -> tuple[pd.Series, Mask, str]:
    assert spec.lookup is not None
    table = spec.lookup
    values = {
        (k.strip() if table.case_sensitive else k.strip().lower()): normalise_numbers(v)
        for k, v in table.values.items()
    }
    default = normalise_numbers(table.default)

    def find(value: Any) -> Any:
        text = text_of(value).strip()
        found = values.get(text if table.case_sensitive else text.lower(), _MISSING)
        if found is _MISSING:
            if table.has_default:
                return default
            raise ValueError(value)
        return found

    out, bad = map_distinct(series, find)
    known = ", ".join(list(table.values)[:10])
    return out, bad, f"not in the lookup table ({known})"


_MISSING = object()
_UNNORMALISED = frozenset({"floating", "mixed-integer-float", "decimal"})


def _bands(spec: FieldSpec, series: pd.Series) -> tuple[pd.Series, Mask, str]:
    assert spec.ranges is not None
    numbers = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    present = series.notna().to_numpy()
    out = np.full(len(series), None, dtype=object)
    placed = np.zeros(len(series), dtype=bool)
    for band in spec.ranges:
        inside = ~placed & ~np.isnan(numbers)
        if band.up_to is not None:
            inside &= numbers <= band.up_to
        fill = np.empty((), dtype=object)
        fill[()] = normalise_numbers(band.value)  # 0-d: a list value stays one value
        out[inside] = fill
        placed |= inside
    bad = present & ~placed
    return pd.Series(out, index=series.index, dtype=object), bad, "not a number in any band"


def _holds(condition: Condition, column: pd.Series) -> Mask:
    text = run_text_chain((str.strip,), column)
    present = text.notna().to_numpy()
    result: Any
    if condition.empty is not None:
        result = ~present if condition.empty else present
    elif condition.not_empty is not None:
        result = present if condition.not_empty else ~present
    elif condition.equals is not None:
        result = (text == condition.equals).to_numpy(dtype=bool, na_value=False)
    elif condition.not_equals is not None:
        result = ~(text == condition.not_equals).to_numpy(dtype=bool, na_value=False)
    elif condition.in_ is not None:
        result = text.isin(condition.in_).to_numpy()
    elif condition.not_in is not None:
        result = ~text.isin(condition.not_in).to_numpy()
    else:
        assert condition.matches is not None
        result = text.str.fullmatch(condition.matches).to_numpy(dtype=bool, na_value=False)
    return np.asarray(result, dtype=bool)


def rows_summary(rows: Sequence[MappedRow]) -> dict[str, int]:
    """Counts of valid, invalid and filtered rows (for previews and benchmarks)."""
    valid = sum(1 for r in rows if r.is_valid)
    filtered = sum(1 for r in rows if r.filtered)
    return {"valid": valid, "invalid": len(rows) - valid - filtered, "filtered": filtered}
