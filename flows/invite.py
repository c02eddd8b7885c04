"""The ``bulk-invite`` flow: guest invitations from a spreadsheet, once per invitee.

It is the sync machinery with an invitation mapping (Graph, GT365, or any other invitation target
the mapping engine knows): the invitee's e-mail address is the key, so the ledger makes a second
upload of the same sheet invite nobody twice. An invitation cannot be updated, so a row that
changed after its invitee was invited is left alone too; ``resend`` invites every row of the
sheet again (Graph sends the invitation anew; nobody gets a second guest account).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from prefect import flow
from prefect.client.schemas.objects import State
from prefect.states import Completed, Failed

from flows.bootstrap import open_sync_job
from flows.parameters import SyncParameters, parse_parameters
from flows.progress import ProgressEvent, notify
from flows.sync import RunOutcome, run_sync
from refsync.errors import ConfigurationError
from refsync.mapping import load_mapping
from refsync.records import RowResult, Target
from refsync.source_spec import SpreadsheetSourceSpec

INVITATION_TARGETS = frozenset(t for t in Target if t.value.endswith(("invitation", "invite")))
"""The targets a bulk invite may write to: every invitation API the mapping engine knows."""


@flow(name="bulk-invite", log_prints=False)
async def bulk_invite(
    mapping: str,
    source: str,
    config: str | None = None,
    resend: bool = False,
    chunk_size: int = 500,
    output_dir: str | None = None,
) -> State[RunOutcome]:
    """Invite every row of a spreadsheet as a guest; a row already invited is left alone
    unless ``resend`` asks to invite again."""
    params = parse_parameters(SyncParameters, mapping=mapping, source=source, config=config,
                              resend=resend, chunk_size=chunk_size, output_dir=output_dir)
    spec = load_mapping(params.mapping)
    if spec.target.type not in INVITATION_TARGETS:
        known = ", ".join(sorted(t.value for t in INVITATION_TARGETS))
        raise ConfigurationError(f"mapping {spec.name} targets {spec.target.type.value}, not an "
                                 f"invitation API ({known})")
    if not isinstance(spec.source, SpreadsheetSourceSpec):
        raise ConfigurationError(f"mapping {spec.name} reads {spec.source.type}; a bulk invite "
                                 "reads a spreadsheet (.xlsx or .csv)")
    async with open_sync_job(params) as job:
        outcome = await run_sync(job, after_chunk=_report_progress)
    if outcome.alerting:
        return Failed(message=f"{outcome.alerting} invitations failed or were rejected",
                      data=outcome)
    return Completed(data=outcome)


async def _report_progress(frame: pd.DataFrame, results: Sequence[RowResult]) -> bool:
    notify(ProgressEvent(label="invitations", rows=len(frame), requests=0))
    return True
