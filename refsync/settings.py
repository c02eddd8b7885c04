"""One settings object for endpoints, identity, trust and storage.

Values come, strongest first, from keyword arguments, ``REFSYNC_*`` environment variables, and a
TOML file named by ``--config`` or ``REFSYNC_CONFIG``. Secrets are :class:`SecretStr`, so neither
``repr`` nor a validation error ever shows them; :func:`load_settings` builds its error message
from field names only, never from the offending input.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from refsync.errors import ConfigurationError

CONFIG_ENV = "REFSYNC_CONFIG"


class Settings(BaseSettings):
    """Where the APIs are, who refsync is to them, what it trusts and where it keeps state."""

    model_config = SettingsConfigDict(env_prefix="REFSYNC_", extra="forbid", frozen=True)

    tenant_id: str = Field(description="Entra tenant (directory) id or domain.")
    client_id: str = Field(description="Application (client) id registered in Entra ID.")
    client_secret: SecretStr | None = Field(
        default=None, description="Client secret for app-only grants (Graph, GT365)."
    )
    authority_host: str = Field(
        default="https://login.microsoftonline.com",
        description="Entra ID host; the authority is {authority_host}/{tenant_id}.",
    )
    partner_center_url: str = "https://api.partner.microsoft.com"
    graph_url: str = "https://graph.microsoft.com"
    gt365_url: str = "https://gt365api.atwork-it.com"
    ca_bundle: Path | None = Field(
        default=None, description="PEM file of extra CAs to trust (the sandbox's CA)."
    )
    ledger_url: str = Field(
        default="sqlite:///.refsync/ledger.db", description="SQLAlchemy URL of the ledger."
    )
    token_cache: Path = Field(
        default=Path(".refsync/token-cache.json"),
        description="MSAL token cache file (owner-only permissions).",
    )
    output_dir: Path = Field(
        default=Path(".refsync/runs"), description="Where result workbooks and reports go."
    )
    max_concurrency: int = Field(default=8, ge=1, le=256)
    max_requests_per_second: float | None = Field(
        default=None, gt=0,
        description="Pace requests evenly at this rate (a known API limit); none: adapt only.",
    )
    request_timeout_s: float = Field(default=30.0, gt=0)
    retry_budget: int = Field(default=1000, ge=0, description="Retries allowed per run.")

    @field_validator("authority_host", "partner_center_url", "graph_url", "gt365_url")
    @classmethod
    def _https_only(cls, value: str) -> str:
        if not value.startswith("https://"):
            raise ValueError("must be an https:// URL (TLS is always verified)")
        return value.rstrip("/")

    @property
    def authority(self) -> str:
        return f"{self.authority_host}/{self.tenant_id}"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The TOML file arrives through init kwargs (see load_settings) below the environment.
        return (env_settings, init_settings)


def load_settings(
    config_file: Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Read settings from ``config_file`` (or ``$REFSYNC_CONFIG``) and the environment.

    Raises:
        ConfigurationError: the file is missing or not TOML, or a setting is missing or invalid.
            The message names the file and the settings, never their values.
    """
    env = os.environ if environ is None else environ
    path = config_file or (Path(env[CONFIG_ENV]) if env.get(CONFIG_ENV) else None)
    values: dict[str, Any] = {}
    if path is not None:
        values.update(_read_toml(path))
    values.update(overrides)
    base_dir = path.parent if path is not None else Path.cwd()
    for key in ("ca_bundle", "token_cache", "output_dir"):
        if isinstance(values.get(key), str) and not Path(values[key]).is_absolute():
            values[key] = str(base_dir / values[key])
    try:
        return Settings(**values)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}"
            for err in exc.errors(include_input=False, include_url=False)
        )
        where = f" in {path}" if path else ""
        raise ConfigurationError(f"invalid configuration{where}: {problems}") from None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigurationError(f"configuration file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{path} is not valid TOML: {exc}") from None
