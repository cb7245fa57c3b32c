"""Domain errors: what a caller did wrong, in words they can act on."""


class IntakeError(Exception):
    pass


class ReferenceReused(IntakeError):
    """The office reference already names a different complaint."""

    def __init__(self, office_reference: str) -> None:
        super().__init__(
            f"office reference {office_reference!r} already registered a complaint with different "
            "details; use a new reference for a new complaint"
        )


class TimeOutOfBounds(IntakeError):
    """A time on the form lies outside its sane window (shared.contracts.bounds): nothing is recorded."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class ContactRefused(IntakeError):
    """The complainant's contact is neither a valid phone number nor an e-mail address (domain/contact.py)."""

    field = ("complainant", "contact")

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class BlankField(IntakeError):
    """A field the form requires holds only spaces (or other white space): a complaint nobody can read or
    reply to. Refused like an empty one (422 `string_blank` naming it; a dead letter on the office topic)."""

    def __init__(self, field: tuple[str, ...]) -> None:
        self.field = field
        self.reason = f"{'.'.join(field)} is blank: it holds only spaces; fill it in"
        super().__init__(self.reason)


class UnknownOffice(IntakeError):
    """A hotline call names an office the directory (the author of which offices exist) never announced:
    recorded, it would stand for ever as a call an office that does not exist failed to register."""

    field = ("office_id",)

    def __init__(self, office_id: str) -> None:
        self.reason = f"office {office_id!r} is not an office the directory knows; check the office id"
        super().__init__(self.reason)


class ComplaintNotFound(IntakeError):
    pass


class HotlineReferenceReused(IntakeError):
    """The hotline reference already names a different call."""

    def __init__(self, hotline_reference: str) -> None:
        super().__init__(
            f"hotline reference {hotline_reference!r} already recorded a call with different details; "
            "use a new reference for a new call"
        )
