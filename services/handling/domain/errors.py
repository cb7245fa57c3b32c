"""Domain errors: what a caller did wrong, in words they can act on."""


class HandlingError(Exception):
    pass


class CaseNotFound(HandlingError):
    """No case for this complaint (or not for your office)."""


class OutOfOrder(HandlingError):
    """The step does not follow from where the case is: nothing was recorded."""
