"""Domain errors of the projection: what a caller asked for that is not there."""


class ProjectionError(Exception):
    pass


class ComplaintNotFound(ProjectionError):
    """No such complaint, or not one the caller's office may see (never reveal which)."""


class UnknownPeriod(ProjectionError):
    """A period key that is not an ISO week ('2026-W45') or a month ('2026-11')."""
