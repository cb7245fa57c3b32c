"""Domain errors: what a caller did wrong, in words they can act on."""


class FollowupError(Exception):
    pass


class CaseNotFound(FollowupError):
    """No follow-up case for this complaint (or not for the caller's office)."""


class OutOfOrder(FollowupError):
    """The action does not fit the case's state now (HTTP 409); nothing was recorded."""
