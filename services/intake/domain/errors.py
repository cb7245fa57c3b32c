"""Domain errors: what a caller did wrong, in words they can act on, each with its code
(shared/refusals.py) and parameters for programs."""

from shared.refusals import Param, Refusal, RefusalCode


class IntakeError(Refusal):
    pass


class ReferenceReused(IntakeError):
    """The office reference already names a different complaint."""

    def __init__(self, office_reference: str) -> None:
        super().__init__(
            "intake.reference_reused",
            f"office reference {office_reference!r} already registered a complaint with different "
            "details; use a new reference for a new complaint",
            office_reference=office_reference,
        )


class TimeOutOfBounds(IntakeError):
    """A time on the form lies outside its sane window (shared.contracts.bounds): nothing is recorded."""

    def __init__(self, field: str, reason: str, code: RefusalCode, params: dict[str, Param]) -> None:
        super().__init__(code, f"{field}: {reason}", **params)
        self.field = field
        self.reason = reason


class ContactRefused(IntakeError):
    """The complainant's contact is neither a valid phone number nor an e-mail address (domain/contact.py)."""

    field = ("complainant", "contact")

    def __init__(self, code: RefusalCode, reason: str, region: str, accepted: str) -> None:
        super().__init__(code, reason, region=region, accepted=accepted)
        self.reason = reason


class BlankField(IntakeError):
    """A field the form requires holds only spaces (or other white space): a complaint nobody can read or
    reply to. Refused like an empty one (422 `string_blank` naming it; a dead letter on the office topic)."""

    def __init__(self, field: tuple[str, ...]) -> None:
        self.field = field
        self.reason = f"{'.'.join(field)} is blank: it holds only spaces; fill it in"
        super().__init__("intake.blank_field", self.reason, field=".".join(field))


class UnknownOffice(IntakeError):
    """A hotline call names an office the directory (the author of which offices exist) never announced:
    recorded, it would stand for ever as a call an office that does not exist failed to register."""

    field = ("office_id",)

    def __init__(self, office_id: str) -> None:
        self.reason = f"office {office_id!r} is not an office the directory knows; check the office id"
        super().__init__("intake.unknown_office", self.reason, office_id=office_id)


class ComplaintNotFound(IntakeError):
    def __init__(self, complaint_id: object) -> None:
        super().__init__("complaint.not_found", "no such complaint")
        self.complaint_id = complaint_id


class HotlineReferenceReused(IntakeError):
    """The hotline reference already names a different call."""

    def __init__(self, hotline_reference: str) -> None:
        super().__init__(
            "intake.hotline_reference_reused",
            f"hotline reference {hotline_reference!r} already recorded a call with different details; "
            "use a new reference for a new call",
            hotline_reference=hotline_reference,
        )
