"""``refsync apply PLAN``: run a reviewed plan exactly, or refuse it whole."""

from __future__ import annotations

from pathlib import Path

import click

from entrypoints.commands._options import config_option
from entrypoints.running import print_outcome, run_flow


@click.command("apply")
@click.argument("plan_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@config_option
@click.option("--output-dir", type=click.Path(file_okay=False, path_type=Path))
def command(plan_file: Path, config: Path | None, output_dir: Path | None) -> int:
    """Send exactly what PLAN_FILE says; refuse it if the mapping, source or ledger moved on."""
    from flows.plan import apply_plan

    return print_outcome(run_flow(apply_plan, plan_file=str(plan_file),
                                  config=str(config) if config else None,
                                  output_dir=str(output_dir) if output_dir else None))
