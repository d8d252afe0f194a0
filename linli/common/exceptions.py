"""Domain errors. Services raise these; one place (api.py / views) maps them to HTTP and forms."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a user may see. `message` is user-facing and translated."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(str(message))
        self.message = str(message)
        self.field = field
        if code:
            self.code = code


class ValidationError(DomainError):
    status = 400
    code = "invalid"


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    """The request clashes with the current state (illegal transition, idempotency clash)."""

    status = 409
    code = "conflict"


class TooManyRequests(DomainError):
    """The actor did this too often in a short time; the message says when to try again."""

    status = 429
    code = "throttled"


def require(allowed: bool, message: str) -> None:
    """Refuse an action the actor may not take. Services call this with a policy predicate
    (the same predicate pages use to show or hide the button), so pages, API and tasks agree."""
    if not allowed:
        raise PermissionDenied(message)
