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
    ├── QueueUnavailable     Redis, the job queue, is down                 -> HTTP 503
    └── DevnodeError         the local development node cannot be run      (CLI only)

The HTTP status of each class is set in exactly one place, `search_api.errors`.

A message a person may read is written as a template marked with `N_` and its
parameters, `InvalidRequest(N_("No record %(id)s."), id=stable_id)`: `str(error)` is the
English sentence (logs, JSON for programs), `error.translated(gettext)` the reader's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

__all__ = [
    "N_",
    "Conflict",
    "DevnodeError",
    "EvidenceError",
    "Forbidden",
    "IndexUnavailable",
    "InvalidRequest",
    "Message",
    "NotFound",
    "QueueUnavailable",
    "SigningUnavailable",
    "TooLarge",
    "TooManyAttempts",
    "Unauthorized",
]


def N_(message: str) -> str:
    """Marks a string for the catalog where it is defined; it is translated where shown."""
    return message


class Message(str):
    """An English sentence that can also be written in the reader's language.

    It is a `str` (the English, so logs, JSON and `==` see plain text) that keeps its
    template and parameters; parameters that are themselves messages are translated too.
    A template not in the catalog (a plain string) translates to itself.
    """

    template: str
    params: Mapping[str, object]

    def __new__(cls, template: str, /, **params: object) -> Message:
        return cls.worded(template % params if params else template, template, params)

    @classmethod
    def worded(cls, english: str, template: str, params: Mapping[str, object]) -> Message:
        """A message whose English is written apart from its template (a third party's
        wording kept as it was, for programs that read it)."""
        made = super().__new__(cls, english)
        made.template, made.params = template, dict(params)
        return made

    def __str__(self) -> str:
        return self  # keeps the template through `str(error)`

    def translated(self, gettext: Callable[[str], str]) -> str:
        text = gettext(self.template)
        if not self.params:
            return text
        shown = {
            name: value.translated(gettext) if isinstance(value, Message) else value
            for name, value in self.params.items()
        }
        return text % shown


class EvidenceError(Exception):
    """Base class; the message is safe to show to the caller."""

    def __init__(self, message: str = "", /, **params: object) -> None:
        self.message = message if isinstance(message, Message) else Message(message, **params)
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    def translated(self, gettext: Callable[[str], str]) -> str:
        """The message in the language `gettext` translates into."""
        return self.message.translated(gettext)


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


class QueueUnavailable(EvidenceError):
    """The job queue cannot take work right now; nothing was accepted, retrying may work."""


class SigningUnavailable(EvidenceError):
    """The instance has no usable signing key, so no package can be signed."""


class DevnodeError(EvidenceError):
    """A prerequisite of the development node is missing or it failed to start."""
