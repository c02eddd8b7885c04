"""The one error tree of refsync, classified by what the runner must do.

::

    RefsyncError
    ├── FatalError            stop the run at once; retrying cannot help
    │   ├── ConfigurationError    bad settings, mapping file or command-line input
    │   ├── AuthError             401/403, or no token could be acquired
    │   └── InputError            a source the run refuses as a whole (corrupt file, missing sheet)
    ├── TransientError        back off and try again (429, 5xx, network)
    │   └── UncertainOutcome      the request may have been applied; resolve before resending
    └── RowError-like outcomes (recorded per row, the run goes on)
        ├── RejectedError         4xx: the API refused this payload; retried only when it changes
        └── ConflictError         412: the remote object changed since we last read it

Foreign exceptions (httpx, SQLAlchemy, MSAL, openpyxl) are translated at the boundary with
``raise ... from exc`` so that callers handle only these classes. Messages never carry secrets:
whoever builds one passes values through :func:`refsync.secrets.redact` first.
"""

from __future__ import annotations


class RefsyncError(Exception):
    """Base class of every error refsync raises on purpose."""


class FatalError(RefsyncError):
    """Stops the whole run: continuing would only burn through the rows."""

    exit_code = 2


class ConfigurationError(FatalError):
    """Settings, a mapping file or a command-line option is wrong."""


class AuthError(FatalError):
    """No usable token, or the API answered 401/403."""


class InputError(FatalError):
    """A source refused as a whole: nothing from it is sent and nothing is written back."""


class TransientError(RefsyncError):
    """A failure that may pass: throttling, a 5xx, a dropped connection.

    ``retry_after`` is the server's ``Retry-After`` in seconds (fractions allowed), if sent.
    """

    def __init__(self, message: str, *, status: int | None = None,
                 retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class UncertainOutcome(TransientError):
    """The request left this process but no definite answer came back.

    For a create this means a remote object may exist: the ledger row stays ``pending`` and is
    resolved (looked up by ``externalReferenceId``) before it is ever sent again.
    """


class RejectedError(RefsyncError):
    """The API refused this payload (a permanent 4xx). Recorded against the row; the run goes on."""

    def __init__(self, message: str, *, status: int, code: str | None = None,
                 target: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.target = target


class ConflictError(RefsyncError):
    """412 Precondition Failed: the remote object changed since its eTag was recorded."""

    def __init__(self, message: str, *, remote_id: str) -> None:
        super().__init__(message)
        self.remote_id = remote_id
