"""Domain errors: what a caller did wrong, in words they can act on, each with its code
(shared/refusals.py) and parameters for programs."""

from shared.refusals import Refusal


class DirectoryError(Refusal):
    pass


class NotFound(DirectoryError):
    """No such office, department, staff member or key (or not one the caller may see): HTTP 404."""


class AlreadyExists(DirectoryError):
    """An office, department or staff member with that id exists already: HTTP 409."""


class Refused(DirectoryError):
    """The caller's roles or office do not allow this change: HTTP 403; nothing recorded."""


class Invalid(DirectoryError):
    """The change does not fit the directory now (an unknown office, a revoked key): HTTP 409."""
