"""Domain errors: what a caller did wrong, in words they can act on, each with its code
(shared/refusals.py) and parameters for programs."""

from shared.refusals import Refusal


class SlaError(Refusal):
    pass


class ClocksNotFound(SlaError):
    """No clocks for this complaint (or not for the caller's office)."""

    def __init__(self, complaint_id: object) -> None:
        super().__init__("complaint.not_found", "no such complaint")
        self.complaint_id = complaint_id


class OutOfOrder(SlaError):
    """The action does not fit the clock's state now (HTTP 409); nothing was recorded."""


class Inadmissible(SlaError):
    """A policy or calendar outside the limits that keep every clock computable (HTTP 422, field by
    field); nothing was recorded."""

    def __init__(self, problems: list[tuple[tuple[str | int, ...], Refusal]]) -> None:
        super().__init__("request.invalid", "; ".join(f"{'.'.join(map(str, path))}: {why}" for path, why in problems))
        self.problems = problems  # each with its own code (sla.*) and parameters
