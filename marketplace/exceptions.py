"""Domain exceptions: raised by services, mapped once to a flash message,
a JSON error (errors.py) and a CLI exit code."""

from flask_babel import lazy_gettext as _l


class DomainError(Exception):
    """A rule said no. `status` and `code` are what the API answers."""

    status = 409
    code = "conflict"
    message = _l("This action is not possible now.")

    def __init__(self, message=None, *, field: str | None = None):
        if message is not None:
            self.message = message
        self.field = field
        super().__init__(str(self.message))


class NotAllowed(DomainError):
    status = 403
    code = "forbidden"
    message = _l("You are not allowed to do this.")


class NotFound(DomainError):
    status = 404
    code = "not_found"
    message = _l("Not found.")


class InvalidInput(DomainError):
    """A field fails a rule; `field` names it."""

    status = 422
    code = "validation"
    message = _l("Please check what you entered.")


class Conflict(DomainError):
    status = 409
    code = "conflict"
