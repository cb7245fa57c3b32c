"""Domain errors: what a caller did wrong, in words they can act on, each with its code
(shared/refusals.py) and parameters for programs."""

from shared.refusals import Refusal


class TriageError(Refusal):
    pass


class DecisionNotFound(TriageError):
    """No triage decision for this complaint (or not for your office)."""

    def __init__(self, complaint_id: object) -> None:
        super().__init__("complaint.not_found", "no such complaint")
        self.complaint_id = complaint_id


class NotYetTriaged(TriageError):
    """The complaint is known but not judged yet: nothing to override."""


class InvalidOverride(TriageError):
    """The override names a value the aspect cannot take, or changes nothing."""
