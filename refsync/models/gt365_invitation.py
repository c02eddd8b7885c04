"""GT365 ``POST {base}/api/InviteGuest``: a guest invitation brokered by the GT365 service."""

from __future__ import annotations

from typing import Annotated

import orjson
from pydantic import AfterValidator, Field

from refsync.models._base import ApiModel, Email, HttpsUrl

__all__ = ["DEFAULT_REDIRECT_URL", "MORE_MAX_CHARS", "Gt365Invitation"]

DEFAULT_REDIRECT_URL = "https://invitations.microsoft.com"
MORE_MAX_CHARS = 4000


def _fits(value: dict[str, str]) -> dict[str, str]:
    if len(orjson.dumps(value).decode()) > MORE_MAX_CHARS:
        raise ValueError(f"more must serialise to at most {MORE_MAX_CHARS} characters")
    return value


class Gt365Invitation(ApiModel):
    """An invite request; ``more`` carries custom key/values, at most 4000 characters as JSON."""

    invited_user_email_address: Email
    invite_redirect_url: HttpsUrl = DEFAULT_REDIRECT_URL
    send_invitation_message: bool | None = None
    invited_user_display_name: str | None = Field(default=None, max_length=256)
    requested_by: str | None = None
    more: Annotated[dict[str, str], AfterValidator(_fits)] | None = None
