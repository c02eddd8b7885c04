"""``refsync reconcile``: does Partner Center agree with the ledger and the CRM?"""

from __future__ import annotations

import asyncio
from pathlib import Path

import click

from entrypoints.commands._options import config_option


@click.command("reconcile")
@click.option("--mapping", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Mapping file (YAML).")
@click.option("--source",
              help="Spreadsheet path, SQLAlchemy URL, or env:VARIABLE: also compare with the "
                   "CRM's rows (needed for --write-back).")
@config_option
@click.option("--adopt", is_flag=True,
              help="Record referrals the ledger does not know, by externalReferenceId.")
@click.option("--write-back", is_flag=True,
              help="Write closed deals' endings (Won, Lost, ...) and adopted referrals' ids "
                   "to the mapping's SQL write_back.deal_status and remote_id columns.")
@click.option("--output-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where the reconcile reports go (default: the configured output_dir).")
def command(mapping: Path, source: str | None, config: Path | None, adopt: bool,
            write_back: bool, output_dir: Path | None) -> int:
    """Compare every outgoing referral with the ledger (and the source); report what differs.

    Exits 1 when a finding needs a person: a referral missing remotely, a duplicate, drifted
    fields, or a referral the ledger does not know (and that was not adopted).
    """
    from entrypoints.running import call_flow
    from flows.reconcile import reconcile_flow

    outcome = asyncio.run(call_flow(
        reconcile_flow, mapping=str(mapping), source=source,
        config=str(config) if config else None, adopt=adopt, write_back=write_back,
        output_dir=str(output_dir) if output_dir else None))
    click.echo(outcome.summary)
    for kind, path in sorted(outcome.report_paths.items()):
        click.echo(f"report ({kind}): {path}")
    if outcome.attention > 0:
        click.echo(f"{outcome.attention} findings need attention", err=True)
        return 1
    return 0
