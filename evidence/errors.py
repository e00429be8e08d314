"""One exception tree for the whole project.

    EvidenceError            anything this project raises on purpose
    ├── InvalidRequest       the caller asked for something malformed      -> HTTP 400
    ├── Unauthorized         a credential was given and is not valid       -> HTTP 401
    ├── Forbidden            known caller, not allowed (admin pages)       -> HTTP 403
    ├── NotFound             nothing the caller may see has that id        -> HTTP 404
    ├── Conflict             someone else changed it first                 -> HTTP 409
    ├── TooLarge             an upload over the size limit                 -> HTTP 413
    ├── TooManyAttempts      login attempts over the limit                 -> HTTP 429
    ├── IndexUnavailable     Elasticsearch is down or the index is missing -> HTTP 503
    └── DevnodeError         the local development node cannot be run      (CLI only)

The HTTP status of each class is set in exactly one place, `search_api.errors`.
"""

from __future__ import annotations

__all__ = [
    "Conflict",
    "DevnodeError",
    "EvidenceError",
    "Forbidden",
    "IndexUnavailable",
    "InvalidRequest",
    "NotFound",
    "TooLarge",
    "TooManyAttempts",
    "Unauthorized",
]


class EvidenceError(Exception):
    """Base class; the message is safe to show to the caller."""


class InvalidRequest(EvidenceError):
    """A parameter or query the caller can fix."""


class Unauthorized(EvidenceError):
    """A token or session was presented and is invalid, expired or revoked."""


class Forbidden(EvidenceError):
    """The caller is known but their role may not do this."""


class TooManyAttempts(EvidenceError):
    """Too many failed logins; wait before trying again."""


class Conflict(EvidenceError):
    """An edit was based on an old version; reload and apply it again."""


class TooLarge(EvidenceError):
    """An upload larger than the configured limit."""


class NotFound(EvidenceError):
    """Absent or hidden: the two are deliberately indistinguishable."""


class IndexUnavailable(EvidenceError):
    """Elasticsearch cannot answer right now; retrying later may work."""


class DevnodeError(EvidenceError):
    """A prerequisite of the development node is missing or it failed to start."""
