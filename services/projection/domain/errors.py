"""Domain errors of the projection: what a caller asked for that is not there."""


class ProjectionError(Exception):
    pass


class ComplaintNotFound(ProjectionError):
    """No such complaint, or not one the caller's office may see (never reveal which)."""


class UnknownPeriod(ProjectionError):
    """A period key that is not an ISO week ('2026-W45') or a month ('2026-11')."""


class UnknownOffice(ProjectionError):
    """An office nobody knows: the directory never named it, no figure of units serves it, and nothing
    of it was recorded (a mistyped id, which would otherwise read as an office without complaints)."""

    def __init__(self, office_id: str) -> None:
        super().__init__(office_id)
        self.office_id = office_id
