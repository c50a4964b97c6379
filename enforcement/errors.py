"""What a service raises when it refuses: a message for the person who asked, and what kind of refusal it is.

The admin shows the message; the API maps the kind to a status (400 invalid, 403 forbidden, 404 not found,
409 conflict with the case's current state). Nothing here is ever a 500.
"""

from django.core.exceptions import ValidationError


class DomainError(Exception):
    status = 400

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = str(message)
        self.field = field


class InvalidInput(DomainError):
    """The request itself is wrong: fix the input and try again."""

    status = 400


class Forbidden(DomainError):
    """This user may not do this to this case."""

    status = 403


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    """The case is not in a state (or no longer in the state) where this is allowed."""

    status = 409


class RuleViolation(Conflict):
    """A rule of the law refuses this action on this case now."""


class StaleCase(Conflict):
    """Someone changed the case after this user loaded it."""


def as_validation_error(error: DomainError) -> ValidationError:
    if error.field:
        return ValidationError({error.field: [error.message]})
    return ValidationError(error.message)
