"""Benchmark the sources: a 1,000,000-row .xlsx read and a 1,000,000-row PostgreSQL table streamed.

Run: ``.venv/bin/python bench/bench_sources.py [--rows N] [--cache DIR] [--skip-postgres]``

1. **xlsx**: a Dynamics-365-like export (12 columns, shared strings, a date column) is generated
   once and cached (default ``/tmp/refsync-bench``; generating it takes a while). The benchmark
   times calamine's raw read of the sheet into Python lists, then refsync's spreadsheet source
   reading the same file into DataFrame chunks (guards, header detection, footer handling
   included), and reports the ratio (goal: at most 1.5x).
2. **postgres**: a 1,000,000-row table is created in a scratch database and streamed through the
   SQL source in chunks of 10,000 rows, in a child process whose peak RSS is read from
   ``/proc/self/status`` (VmHWM; goal: under 1 GB).

3. **write-back**: the results copy and success/error CSVs of the same 1,000,000-row export
   (``close()`` of the spreadsheet write-back), wall and CPU time.

Prints a table and writes ``bench/results/sources.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
import zipfile
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_CACHE = Path(os.environ.get("REFSYNC_BENCH_CACHE", "/tmp/refsync-bench"))
POSTGRES_ADMIN_URL = os.environ.get(
    "REFSYNC_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
HEADERS = [
    "(Do Not Modify) Lead", "Topic", "First Name", "Last Name", "Company Name", "Email",
    "Business Phone", "Country/Region", "City", "Est. Budget", "Created On", "Status Reason",
]
_COUNTRIES = ["Germany", "France", "United States", "Japan", "Brazil", "India", "Kenya"]
_CITIES = ["Berlin", "Paris", "Seattle", "Tokyo", "São Paulo", "Pune", "Nairobi"]
_STATUS = ["New", "Contacted", "Qualified", "Cannot Contact"]
_FIRST = ["Ada", "Grace", "Linus", "Margaret", "Alan", "Barbara", "Dennis", "Frances"]
_LAST = ["Lovelace", "Hopper", "Torvalds", "Hamilton", "Turing", "Liskov", "Ritchie", "Allen"]

_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_OFFICE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006"


def _override(part: str, kind: str) -> str:
    return f'<Override PartName="{part}" ContentType="{_OFFICE}.{kind}+xml"/>'


def _relationship(rel_id: str, kind: str, target: str) -> str:
    return f'<Relationship Id="{rel_id}" Type="{_RELS}/{kind}" Target="{target}"/>'


_CONTENT_TYPES = (
    f'{_DECL}<Types xmlns="{_PKG}/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    + _override("/xl/workbook.xml", "sheet.main")
    + _override("/xl/worksheets/sheet1.xml", "worksheet")
    + _override("/xl/styles.xml", "styles")
    + _override("/xl/sharedStrings.xml", "sharedStrings")
    + "</Types>"
)
_ROOT_RELS = (
    f'{_DECL}<Relationships xmlns="{_PKG}/relationships">'
    + _relationship("rId1", "officeDocument", "xl/workbook.xml")
    + "</Relationships>"
)
_WORKBOOK = (
    f'{_DECL}<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    f'xmlns:r="{_RELS}"><sheets><sheet name="Active Leads" sheetId="1" r:id="rId1"/></sheets>'
    "</workbook>"
)
_WORKBOOK_RELS = (
    f'{_DECL}<Relationships xmlns="{_PKG}/relationships">'
    + _relationship("rId1", "worksheet", "worksheets/sheet1.xml")
    + _relationship("rId2", "styles", "styles.xml")
    + _relationship("rId3", "sharedStrings", "sharedStrings.xml")
    + "</Relationships>"
)
_STYLES = (
    f'{_DECL}<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="1"><fill><patternFill patternType="none"/></fill></fills>'
    '<borders count="1"><border/></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="22" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs></styleSheet>"
)


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def generate_xlsx(path: Path, rows: int) -> None:
    """Write a Dynamics-like export with shared strings, streamed so memory stays flat."""
    strings: dict[str, int] = {}

    def sst(value: str) -> int:
        index = strings.get(value)
        if index is None:
            index = strings[value] = len(strings)
        return index

    letters = [_column_letter(i) for i in range(len(HEADERS))]
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _ROOT_RELS)
        zf.writestr("xl/workbook.xml", _WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        zf.writestr("xl/styles.xml", _STYLES)
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                b'<cols><col min="1" max="1" hidden="1" width="0"/></cols><sheetData>'
            )
            header = "".join(
                f'<c r="{letters[i]}1" t="s"><v>{sst(h)}</v></c>' for i, h in enumerate(HEADERS)
            )
            sheet.write(f'<row r="1">{header}</row>'.encode())
            buffer: list[str] = []
            for n in range(rows):
                r = n + 2
                first, last = _FIRST[n % 8], _LAST[(n // 8) % 8]
                values: list[tuple[str, str]] = [
                    ("s", str(sst(str(uuid.UUID(int=n + 1))))),
                    ("s", str(sst(f"Co-sell opportunity {n % 5000}"))),
                    ("s", str(sst(first))),
                    ("s", str(sst(last))),
                    ("s", str(sst(f"Contoso {n % 20000} Ltd"))),
                    ("s", str(sst(f"{first.lower()}.{n}@contoso{n % 20000}.example"))),
                    ("s", str(sst(f"+49 30 {1000000 + n % 8999999}"))),
                    ("s", str(sst(_COUNTRIES[n % 7]))),
                    ("s", str(sst(_CITIES[n % 7]))),
                    ("n", str(1000 + (n * 37) % 250000)),
                    ("d", f"{45000 + (n % 1500) + (n % 86400) / 86400:.6f}"),
                    ("s", str(sst(_STATUS[n % 4]))),
                ]
                cells = []
                for i, (kind, value) in enumerate(values):
                    ref = f"{letters[i]}{r}"
                    if kind == "s":
                        cells.append(f'<c r="{ref}" t="s"><v>{value}</v></c>')
                    elif kind == "d":
                        cells.append(f'<c r="{ref}" s="1"><v>{value}</v></c>')
                    else:
                        cells.append(f'<c r="{ref}"><v>{value}</v></c>')
                buffer.append(f'<row r="{r}">{"".join(cells)}</row>')
                if len(buffer) >= 5000:
                    sheet.write("".join(buffer).encode())
                    buffer.clear()
            sheet.write("".join(buffer).encode())
            sheet.write(b"</sheetData></worksheet>")
        with zf.open("xl/sharedStrings.xml", "w", force_zip64=True) as handle:
            handle.write(
                b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                + f'count="{len(strings)}" uniqueCount="{len(strings)}">'.encode()
            )
            chunk: list[str] = []
            for value in strings:
                chunk.append(f"<si><t>{escape(value)}</t></si>")
                if len(chunk) >= 10000:
                    handle.write("".join(chunk).encode())
                    chunk.clear()
            handle.write("".join(chunk).encode())
            handle.write(b"</sst>")
    tmp.replace(path)


def cached_xlsx(cache: Path, rows: int) -> Path:
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"leads-{rows}.xlsx"
    if not path.exists():
        started = time.perf_counter()
        generate_xlsx(path, rows)
        print(f"generated {path} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return path


if __name__ == "__main__" and "--generate-only" in sys.argv:
    parser = argparse.ArgumentParser()
    parser.add_argument("--generate-only", action="store_true")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    args = parser.parse_args()
    print(cached_xlsx(args.cache, args.rows))


Timing = tuple[float, float, int]  # wall seconds, CPU seconds (all threads), rows


def _timed(read: Any) -> Timing:
    wall, cpu = time.perf_counter(), time.process_time()
    rows = read()
    return time.perf_counter() - wall, time.process_time() - cpu, rows


def _raw_read(path: Path) -> Timing:
    """calamine alone: open, load the sheet, visit every row (the floor for any reader)."""
    import python_calamine

    def read() -> int:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        rows = sum(1 for _ in book.get_sheet_by_index(0).iter_rows())
        book.close()
        return rows

    return _timed(read)


def _raw_to_python(path: Path) -> Timing:
    """calamine's own list-of-lists export (what pandas' calamine engine builds on)."""
    import python_calamine

    def read() -> int:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        rows = len(book.get_sheet_by_index(0).to_python())
        book.close()
        return rows

    return _timed(read)


def _refsync_read(path: Path, chunk_size: int) -> Timing:
    """refsync's source: guards, fingerprint, header detection, cleaned DataFrame chunks."""
    from connectors.sources import open_source
    from refsync.source_spec import SpreadsheetSourceSpec

    def read() -> int:
        source = open_source(SpreadsheetSourceSpec(), path, key_column="Email")
        rows = sum(len(chunk) for chunk in source.chunks(chunk_size))
        source.close()
        return rows

    return _timed(read)


def bench_xlsx(cache: Path, rows: int, repeats: int, chunk_size: int) -> dict[str, object]:
    path = cached_xlsx(cache, rows)
    raw: list[Timing] = []
    listed: list[Timing] = []
    ours: list[Timing] = []
    for _ in range(repeats):  # interleaved, so a busy neighbour hurts both sides alike
        raw.append(_raw_read(path))
        ours.append(_refsync_read(path, chunk_size))
        listed.append(_raw_to_python(path))
    assert ours[0][2] == raw[0][2] - 1 == rows, (ours[0][2], raw[0][2])

    def best(timings: list[Timing], index: int) -> float:
        return min(t[index] for t in timings)

    return {
        "file": str(path),
        "file_bytes": path.stat().st_size,
        "rows": rows,
        "chunk_size": chunk_size,
        "repeats": repeats,
        "calamine_iter_rows_s": best(raw, 0),
        "calamine_iter_rows_cpu_s": best(raw, 1),
        "calamine_to_python_s": best(listed, 0),
        "calamine_to_python_cpu_s": best(listed, 1),
        "refsync_source_s": best(ours, 0),
        "refsync_source_cpu_s": best(ours, 1),
        "ratio_vs_iter_rows": best(ours, 0) / best(raw, 0),
        "ratio_vs_iter_rows_cpu": best(ours, 1) / best(raw, 1),
        "ratio_vs_to_python": best(ours, 0) / best(listed, 0),
        "goal_ratio": 1.5,
    }


def bench_writeback(cache: Path, rows: int, chunk_size: int) -> dict[str, object]:
    """The results copy plus success/error CSVs for every row of the 1M-row export."""
    import shutil
    import tempfile

    from connectors.sources import SqlSource, open_source
    from connectors.writeback import SpreadsheetWriteBack
    from refsync.records import Outcome, RowResult
    from refsync.source_spec import SpreadsheetSourceSpec

    path = cached_xlsx(cache, rows)
    out = Path(tempfile.mkdtemp(prefix="refsync-bench-writeback-"))
    try:
        source = open_source(SpreadsheetSourceSpec(), path, key_column="Email")
        assert not isinstance(source, SqlSource)
        writeback = SpreadsheetWriteBack(source, out)
        for chunk in source.chunks(chunk_size):
            writeback.write([
                RowResult(int(n), None, Outcome.CREATED, remote_id=f"ref-{n}") for n in chunk.index
            ])
        wall, cpu = time.perf_counter(), time.process_time()
        writeback.close()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        copy_bytes = writeback.files.copy.stat().st_size
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return {"rows": rows, "close_s": wall, "close_cpu_s": cpu, "copy_bytes": copy_bytes}


_STREAM_CHILD = """
import sys, time
sys.path.insert(0, {root!r})

def peak_kib():
    # VmHWM is per address space and starts afresh at exec; getrusage's ru_maxrss would
    # inherit the parent's peak (it survives exec), which is why this child reads /proc.
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise SystemExit("no VmHWM in /proc/self/status")

from connectors.sources import open_source
from refsync.source_spec import SqlSourceSpec
before = peak_kib()
started = time.perf_counter()
source = open_source(SqlSourceSpec(table="leads", primary_key=("id",), watermark="updated_at"),
                     {url!r})
rows = 0
for chunk in source.chunks({chunk_size}):
    rows += len(chunk)
source.close()
elapsed = time.perf_counter() - started
print(rows, elapsed, before, peak_kib())
"""


def bench_postgres(rows: int, chunk_size: int) -> dict[str, object]:
    import sqlalchemy as sa

    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"refsync_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    try:
        engine = sa.create_engine(url)
        started = time.perf_counter()
        with engine.begin() as conn:
            conn.execute(sa.text(
                "CREATE TABLE leads (id bigint PRIMARY KEY, company text, email text, "
                "phone text, country text, city text, budget numeric(12,2), notes text, "
                "created_at timestamptz, updated_at timestamptz NOT NULL)"
            ))
            conn.execute(sa.text(
                "INSERT INTO leads SELECT g, 'Contoso ' || (g % 20000) || ' Ltd', "
                "'lead' || g || '@contoso.example', '+49 30 ' || (1000000 + g), "
                "(ARRAY['DE','FR','US','JP','BR'])[1 + g % 5], 'City ' || (g % 500), "
                "(g % 250000) + 0.5, repeat('x', 40), "
                "timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second', "
                "timestamptz '2025-01-01 00:00:00+00' + g * interval '1 second' "
                "FROM generate_series(1, :rows) AS g"
            ), {"rows": rows})
        load_s = time.perf_counter() - started
        engine.dispose()
        script = _STREAM_CHILD.format(root=str(ROOT), url=url, chunk_size=chunk_size)
        out = subprocess.run(
            [sys.executable, "-c", script], check=True, capture_output=True, text=True,
            env={**os.environ, "DO_NOT_TRACK": "1"},
        ).stdout.split()
        streamed, seconds, before_kib, after_kib = int(out[0]), float(out[1]), int(out[2]), int(
            out[3]
        )
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
    assert streamed == rows, (streamed, rows)
    return {
        "rows": rows,
        "chunk_size": chunk_size,
        "table_load_s": load_s,
        "stream_s": seconds,
        "rows_per_s": rows / seconds,
        "rss_after_imports_mib": before_kib / 1024,
        "peak_rss_mib": after_kib / 1024,
        "goal_peak_rss_mib": 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--chunk-size", type=int, default=10_000)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-xlsx", action="store_true")
    parser.add_argument("--skip-writeback", action="store_true")
    args = parser.parse_args()
    results: dict[str, object] = {"machine": {"cpus": os.cpu_count(), "load": os.getloadavg()}}
    table = []
    if not args.skip_xlsx:
        xlsx = bench_xlsx(args.cache, args.rows, args.repeats, args.chunk_size)
        results["xlsx"] = xlsx
        table += [
            ("xlsx: calamine load + iter_rows (wall / CPU)",
             f"{xlsx['calamine_iter_rows_s']:.2f} s / {xlsx['calamine_iter_rows_cpu_s']:.2f} s"),
            ("xlsx: calamine load + to_python (wall / CPU)",
             f"{xlsx['calamine_to_python_s']:.2f} s / {xlsx['calamine_to_python_cpu_s']:.2f} s"),
            ("xlsx: refsync source, all chunks (wall / CPU)",
             f"{xlsx['refsync_source_s']:.2f} s / {xlsx['refsync_source_cpu_s']:.2f} s"),
            ("xlsx: ratio vs iter_rows, wall (goal <= 1.5)", f"{xlsx['ratio_vs_iter_rows']:.2f}x"),
            ("xlsx: ratio vs iter_rows, CPU", f"{xlsx['ratio_vs_iter_rows_cpu']:.2f}x"),
            ("xlsx: ratio vs to_python, wall", f"{xlsx['ratio_vs_to_python']:.2f}x"),
        ]
    if not args.skip_writeback:
        wb = bench_writeback(args.cache, args.rows, args.chunk_size)
        results["writeback"] = wb
        table += [
            ("write-back: results copy + CSVs (wall / CPU)",
             f"{wb['close_s']:.2f} s / {wb['close_cpu_s']:.2f} s"),
        ]
    if not args.skip_postgres:
        pg = bench_postgres(args.rows, args.chunk_size)
        results["postgres"] = pg
        table += [
            ("postgres: rows streamed", f"{pg['rows']:,}"),
            ("postgres: stream time", f"{pg['stream_s']:.2f} s ({pg['rows_per_s']:,.0f} rows/s)"),
            ("postgres: RSS after imports", f"{pg['rss_after_imports_mib']:.0f} MiB"),
            ("postgres: peak RSS (goal < 1024 MiB)", f"{pg['peak_rss_mib']:.0f} MiB"),
        ]
    width = max(len(k) for k, _ in table) if table else 0
    for key, value in table:
        print(f"{key:<{width}}  {value}")
    out = ROOT / "bench" / "results" / "sources.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str))
    print(f"wrote {out}")


if __name__ == "__main__" and "--generate-only" not in sys.argv:
    main()
