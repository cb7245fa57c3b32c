"""Domain errors: what a caller did wrong, in words they can act on, each with its code
(shared/refusals.py) and parameters for programs."""

from shared.refusals import Refusal


class HandlingError(Refusal):
    pass


class CaseNotFound(HandlingError):
    """No case for this complaint (or not for your office)."""

    def __init__(self, complaint_id: object) -> None:
        super().__init__("handling.case_not_found", "no such case")
        self.complaint_id = complaint_id


class OutOfOrder(HandlingError):
    """The step does not follow from where the case is: nothing was recorded."""


class UnknownDepartment(HandlingError):
    """A hand-over names no department routing knows for the office ('Engineering Dept', a typo):
    nothing was recorded (HTTP 422)."""

    def __init__(self, typed: str, departments: list[str]) -> None:
        known = f"one of {departments}" if departments else "a department's code, e.g. 'engineering'"
        super().__init__(
            "handling.unknown_department",
            f"no department {typed!r} that routing knows; name {known}",
            value=typed,
            departments=departments,
        )
