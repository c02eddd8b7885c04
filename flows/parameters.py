"""The parameters of the flows, validated before anything is opened.

Prefect stores flow parameters on its server, so a secret must never be one: a SQL source whose
URL carries a password is given as ``env:VARIABLE`` and read from the worker's environment.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from refsync.errors import ConfigurationError


class SyncParameters(BaseModel):
    """What one sync run reads, with what mapping, over which window."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mapping: Path
    source: str = Field(min_length=1, description="File path, SQLAlchemy URL, or env:VARIABLE.")
    config: Path | None = None
    since: datetime | None = None
    until: datetime | None = None
    full: bool = False
    resend: bool = False
    chunk_size: int = Field(default=500, ge=1, le=100_000)
    output_dir: Path | None = None

    @model_validator(mode="after")
    def _window(self) -> SyncParameters:
        if self.since and self.until and self.since >= self.until:
            raise ValueError("since must be before until")
        if self.full and (self.since or self.until):
            raise ValueError("full resync takes no since/until window")
        return self

    def source_location(self) -> str:
        """The source as a path or URL, reading ``env:VARIABLE`` from the environment."""
        if self.source.startswith("env:"):
            name = self.source[4:]
            value = os.environ.get(name)
            if not value:
                raise ConfigurationError(f"source env:{name} names an unset variable")
            return value
        return self.source


def parse_parameters(model: type[SyncParameters], **values: object) -> SyncParameters:
    """Validate flow parameters, turning pydantic's error into a clear ConfigurationError."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'parameters'}: {err['msg']}"
            for err in exc.errors(include_input=False, include_url=False)
        )
        raise ConfigurationError(f"invalid parameters: {problems}") from None
