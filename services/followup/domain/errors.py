"""Domain errors: what a caller did wrong, in words they can act on, each with its code
(shared/refusals.py) and parameters for programs."""

from shared.refusals import Refusal


class FollowupError(Refusal):
    pass


class CaseNotFound(FollowupError):
    """No follow-up case for this complaint (or not for the caller's office)."""

    def __init__(self, complaint_id: object) -> None:
        super().__init__("complaint.not_found", "no such complaint")
        self.complaint_id = complaint_id


class OutOfOrder(FollowupError):
    """The action does not fit the case's state now (HTTP 409); nothing was recorded."""
