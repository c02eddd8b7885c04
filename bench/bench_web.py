"""Benchmark the bulk-invite page: upload-to-preview time and preview page size by sheet size.

Run: ``.venv/bin/python bench/bench_web.py [--rows N ...]`` (default 1,000 and 10,000: the page's
default row limit).

For each size an Entra "Bulk invite users" CSV is built (one row in twenty invalid), uploaded to
the ASGI app in-process through httpx (no network, no sandbox: the preview sends nothing), and
timed from the POST to the rendered preview page (storing, the untrusted-file checks, header
recognition, mapping, planning against an empty SQLite ledger, rendering every row). Then the
preview page alone is fetched again (the ledger read and the render) and the status endpoint
once. Peak memory of the process is read from ``getrusage`` at the end.

Prints a table and writes ``bench/results/web.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import platform
import re
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from entrypoints.web import WebConfig, create_app  # noqa: E402

HEADERS = [
    "Email address to invite [inviteeEmail] Required",
    "Redirection url [inviteRedirectURL] Required",
    "Send invitation message (true or false) [sendEmail]",
    "Customized invitation message [customizedMessageBody]",
]
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def write_sheet(path: Path, rows: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["version:v1.0"])
        writer.writerow(HEADERS)
        for i in range(rows):
            url = "" if i % 20 == 7 else "https://myapps.microsoft.com"
            writer.writerow([f"guest{i}@contoso.example", url, "false", f"Welcome {i}"])


async def measure(rows: int, work: Path) -> dict[str, float | int]:
    config = work / "refsync.toml"
    config.write_text(f'tenant_id = "bench"\nclient_id = "bench"\n'
                      f'ledger_url = "sqlite:///{work / "ledger.db"}"\n')
    app = create_app(WebConfig(data_dir=work / "web", mappings_dir=ROOT / "mappings",
                               config=config, max_upload_bytes=64 * 1024 * 1024,
                               max_rows=rows + 10))
    sheet = work / f"guests-{rows}.csv"
    write_sheet(sheet, rows)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://127.0.0.1", follow_redirects=True) as client:
        home = await client.get("/")
        match = _CSRF.search(home.text)
        assert match
        started = time.perf_counter()
        page = await client.post("/uploads", data={"csrf": match.group(1), "kind": "auto"},
                                 files={"file": (sheet.name, sheet.read_bytes())})
        upload_s = time.perf_counter() - started
        assert page.status_code == 200, re.findall(r"id=\"problem\">([^<]*)", page.text)
        assert "Preview: nothing has been sent" in page.text
        started = time.perf_counter()
        again = await client.get(page.url.path)
        preview_s = time.perf_counter() - started
        started = time.perf_counter()
        status = await client.get(f"{page.url.path}/status.json")
        status_s = time.perf_counter() - started
        assert status.status_code == 200
    app.state.web.close()
    return {"rows": rows, "file_kib": sheet.stat().st_size // 1024,
            "upload_to_preview_s": round(upload_s, 3), "preview_page_s": round(preview_s, 3),
            "rows_per_s": round(rows / preview_s), "page_kib": len(again.content) // 1024,
            "status_ms": round(status_s * 1000, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000, 10_000])
    args = parser.parse_args()
    results = []
    for rows in args.rows:
        with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
            results.append(asyncio.run(measure(rows, Path(tmp))))
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'rows':>7} {'file KiB':>9} {'upload→preview s':>17} {'preview s':>10} "
          f"{'rows/s':>8} {'page KiB':>9} {'status ms':>10}")
    for r in results:
        print(f"{r['rows']:>7} {r['file_kib']:>9} {r['upload_to_preview_s']:>17} "
              f"{r['preview_page_s']:>10} {r['rows_per_s']:>8} {r['page_kib']:>9} "
              f"{r['status_ms']:>10}")
    print(f"peak RSS {peak_mib:.0f} MiB")
    out = ROOT / "bench" / "results" / "web.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"benchmark": "web", "python": platform.python_version(),
                               "results": results, "peak_rss_mib": round(peak_mib)}, indent=2))


if __name__ == "__main__":
    main()
