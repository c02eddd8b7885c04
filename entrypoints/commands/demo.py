"""``refsync demo``: the whole job end to end on the sandbox and the bundled sample spreadsheet.

It starts the sandbox in the background, signs in once with the device-code flow (which the
sandbox approves by itself), runs the nightly sync flow over the sample Dynamics 365 export, prints
the summary and where the result workbook and the reports went, and stops the sandbox. Its state,
ledger and outputs live in ``--workdir`` (default ``.demo/``), so a second run creates nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_MAPPING = ROOT / "mappings" / "dynamics365-leads.yaml"
DEFAULT_SOURCE = ROOT / "data" / "samples" / "dynamics365-leads.xlsx"


def add_run_state(config: Path, workdir: Path, *, ledger_url: str | None = None) -> Path:
    """Append where a run keeps its state (ledger, token cache, outputs) to a sandbox config."""
    ledger = ledger_url or f"sqlite:///{workdir / 'ledger.db'}"
    with config.open("a") as handle:
        handle.write(f'ledger_url = "{ledger}"\n'
                     f'token_cache = "{workdir / "token-cache.json"}"\n'
                     f'output_dir = "{workdir / "runs"}"\n')
    return config


@click.command("demo")
@click.option("--workdir", default=Path(".demo"), show_default=True,
              type=click.Path(file_okay=False, path_type=Path),
              help="Where the sandbox state, the ledger and the outputs are kept.")
@click.option("--mapping", default=DEFAULT_MAPPING, show_default=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source", default=DEFAULT_SOURCE, show_default=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path))
def command(workdir: Path, mapping: Path, source: Path) -> int:
    """Run the sync end to end against a local sandbox (nothing leaves this machine)."""
    workdir = workdir.resolve()
    # The demo's Prefect state (its temporary server's database) lives with the demo's, apart
    # from any Prefect profile of the user's. Set before Prefect is first imported.
    os.environ.setdefault("PREFECT_HOME", str(workdir / "prefect"))
    from connectors.auth import device_code_login
    from entrypoints.running import print_outcome, run_flow
    from flows.sync import sync_referrals
    from refsync.settings import load_settings
    from sandbox.launcher import launch_sandbox

    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / "refsync.toml"
    click.echo(f"starting the sandbox (state in {workdir / 'sandbox'}) ...")
    sandbox = launch_sandbox(workdir / "sandbox", "--auto-approve", write_config=config)
    try:
        add_run_state(config, workdir)
        click.echo(f"sandbox at {sandbox.base_url}; signing in (device code) ...")
        user = device_code_login(load_settings(config), echo=click.echo)
        click.echo(f"signed in as {user}; syncing {source.name} with {mapping.name} ...")
        outcome = run_flow(sync_referrals, mapping=str(mapping), source=str(source),
                           config=str(config))
        return print_outcome(outcome)
    finally:
        sandbox.stop()
        click.echo("sandbox stopped")
