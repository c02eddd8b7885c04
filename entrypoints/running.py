"""Turning a finished flow run into what a person sees and the exit code a scheduler reads."""

from __future__ import annotations

import asyncio
from typing import Any

import click

from flows.sync import RunOutcome


async def call_flow(flow_fn: Any, **parameters: Any) -> Any:
    """Await a flow (a Prefect flow call is awaitable, not a coroutine)."""
    return await flow_fn(**parameters)


def run_flow(flow_fn: Any, **parameters: Any) -> RunOutcome:
    """Run a flow here and return its :class:`RunOutcome`; re-raise the error it ended in."""
    state = asyncio.run(call_flow(flow_fn, **parameters, return_state=True))
    result = state.result(raise_on_failure=False)
    if isinstance(result, RunOutcome):
        return result
    if isinstance(result, BaseException):
        raise result
    raise click.ClickException(f"the flow ended without an outcome: {state.message}")


def print_outcome(outcome: RunOutcome) -> int:
    """Print the summary and where the files went; 0 if all good, 1 if rows failed."""
    click.echo(outcome.summary)
    for path in outcome.result_paths:
        click.echo(f"results:  {path}")
    for kind, path in sorted(outcome.report_paths.items()):
        click.echo(f"report ({kind}): {path}")
    if outcome.alerting:
        click.echo(f"{outcome.alerting} rows failed or were rejected", err=True)
        return 1
    return 0
