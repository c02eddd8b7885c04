"""Microsoft Graph ``POST /v1.0/invitations``: invite a guest user (B2B collaboration)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from refsync.models._base import ApiModel, Email, HttpsUrl, Text

__all__ = ["EmailAddress", "GraphInvitation", "InvitedUser", "MessageInfo", "Recipient"]


class EmailAddress(ApiModel):
    address: Email
    name: str | None = None


class Recipient(ApiModel):
    email_address: EmailAddress


class MessageInfo(ApiModel):
    """``invitedUserMessageInfo``: Graph accepts at most one cc recipient."""

    customized_message_body: str | None = None
    message_language: str | None = Field(default=None, pattern=r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]+)*$")
    cc_recipients: list[Recipient] | None = Field(default=None, max_length=1)


class InvitedUser(ApiModel):
    id: Text


class GraphInvitation(ApiModel):
    """An invitation request; ``resetRedemption`` needs the existing guest's ``invitedUser.id``."""

    invited_user_email_address: Email
    invite_redirect_url: HttpsUrl
    invited_user_display_name: str | None = Field(default=None, max_length=256)
    send_invitation_message: bool | None = None
    invited_user_type: Literal["Guest", "Member"] | None = None
    invited_user_message_info: MessageInfo | None = None
    reset_redemption: bool | None = None
    invited_user: InvitedUser | None = None
