"""Domain errors: what a caller did wrong, in words they can act on."""


class TriageError(Exception):
    pass


class DecisionNotFound(TriageError):
    """No triage decision for this complaint (or not for your office)."""


class NotYetTriaged(TriageError):
    """The complaint is known but not judged yet: nothing to override."""


class InvalidOverride(TriageError):
    """The override names a value the aspect cannot take, or changes nothing."""
