"""Domain errors: each carries a stable code and a sentence safe to show a caller."""

from pydantic import ValidationError


class FinestraError(Exception):
    """Base of every error the domain raises on purpose."""

    code = "error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationFailed(FinestraError):
    """Input broke a rule; ``field`` names where."""

    code = "invalid_request"


def first_broken_rule(exc: ValidationError, prefix: str = "") -> "ValidationFailed":
    """The first error of a pydantic validation as a :class:`ValidationFailed`, no input."""
    error = exc.errors(include_input=False, include_url=False)[0]
    field = ".".join([prefix, *map(str, error["loc"])] if prefix else map(str, error["loc"]))
    return ValidationFailed(f"breaks the rule {error['type']}", field=field)


class MalformedInput(FinestraError):
    """The input cannot be read at all (not JSON, not MIME); ``field`` names which part."""

    code = "invalid_request"


class NotFound(FinestraError):
    """The thing asked for does not exist, or the caller may not know it exists."""

    code = "not_found"


class Conflict(FinestraError):
    """The change collides with the stored state (a concurrent write, a taken key)."""

    code = "conflict"


class TransitionRefused(FinestraError):
    """The request's process does not allow this change of state."""

    code = "transition_refused"


class Unauthorised(FinestraError):
    """The caller did not prove who it is (a bad or missing signature)."""

    code = "unauthorised"


class Forbidden(FinestraError):
    """The caller is known not to be allowed (a wrong verify token, a wrong role)."""

    code = "forbidden"
