"""Domain errors: what a caller did wrong, in words they can act on."""


class SlaError(Exception):
    pass


class ClocksNotFound(SlaError):
    """No clocks for this complaint (or not for the caller's office)."""


class OutOfOrder(SlaError):
    """The action does not fit the clock's state now (HTTP 409); nothing was recorded."""


class Inadmissible(SlaError):
    """A policy or calendar outside the limits that keep every clock computable (HTTP 422, field by
    field); nothing was recorded."""

    def __init__(self, problems: list[tuple[tuple[str | int, ...], str]]) -> None:
        super().__init__("; ".join(f"{'.'.join(map(str, path))}: {why}" for path, why in problems))
        self.problems = problems
