"""Domain errors: what a caller did wrong, in words they can act on."""


class SlaError(Exception):
    pass


class ClocksNotFound(SlaError):
    """No clocks for this complaint (or not for the caller's office)."""


class OutOfOrder(SlaError):
    """The action does not fit the clock's state now (HTTP 409); nothing was recorded."""
