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
