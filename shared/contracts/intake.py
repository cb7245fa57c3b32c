"""Contracts intake publishes and accepts: the registration form and `ComplaintRegistered`."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from .bounds import Instant
from .envelope import Contract, IntegrationEvent, derived_id


class Channel(StrEnum):
    PHONE = "phone"
    WALK_IN = "walk-in"
    TEXT = "text"
    VIDEO = "video"
    APP = "app"
    LETTER = "letter"
    EMAIL = "email"
    HOTLINE = "hotline"


class Language(StrEnum):
    """The languages the desk and the complainant's mails speak (a BCP 47 tag each)."""

    EN = "en"
    ZH_HANT = "zh-Hant"
    ZH_HANS = "zh-Hans"


def _language() -> Any:
    return Field(
        default=None,
        description="The complainant's language, for what is written to them (receipt, updates, status "
        "page); null when not recorded (then the script the complaint is written in, else English and "
        "Traditional Chinese). Not identifying: in clear.",
    )


# What reception writes for a complainant who would not give a name (an anonymous letter, a caller who
# would not say), in the three scripts: such a name is kept as written but recognises nobody (the keyring,
# triage's complainant history), so two anonymous complaints are never taken for one person's.
ANONYMOUS_NAMES: frozenset[str] = frozenset(
    {
        "anonymous", "anon", "unknown", "not given", "n/a", "na", "none", "nil", "-", "--", "?",
        "匿名", "匿名者", "匿名人士", "無名氏", "无名氏", "不詳", "不详", "未知",
        "不願透露", "不愿透露", "唔肯講", "冇講",
    }
)  # fmt: skip


def names_nobody(name: str | None) -> bool:
    """Whether a complainant's name, as written, is one that names nobody (`ANONYMOUS_NAMES`, any case)."""
    # NFKC turns full-width brackets into these
    plain = " ".join(unicodedata.normalize("NFKC", name or "").casefold().split()).strip(" .。()")
    return not plain or plain in ANONYMOUS_NAMES


class Complainant(Contract):
    """Personal data: never logged, shown only to the complainant's own office and to auditors."""

    name: str = Field(min_length=1, max_length=200)
    contact: str | None = Field(
        default=None,
        min_length=3,
        max_length=200,
        description=(
            "Phone number or e-mail; null when the complainant gave none (an anonymous letter, a caller who would"
            " not say). The complaint is recorded all the same; nobody can then be sent a receipt or updates, and"
            " the return visit is a supervisor's recorded waiver."
        ),
    )


class RegistrationForm(Contract):
    """The complaint registration form (DOMAIN.md §1). The office comes from the caller's key."""

    office_reference: str = Field(
        min_length=1,
        max_length=100,
        pattern=r"^[A-Za-z0-9._:/-]+$",
        description="The office's own reference; the same reference twice registers one complaint.",
    )
    complainant: Complainant
    unit_address: str = Field(min_length=1, max_length=300, description="Unit or address.")
    channel: Channel
    # Instants between 1900 and 2200 (UTC); intake also holds them to windows around its own clock
    # (shared.contracts.bounds.check_registration_times), with the reason on refusal.
    occurred_at: Instant = Field(description="When what is complained of happened.")
    received_at: Instant = Field(description="When the office received the complaint.")
    object: str = Field(min_length=1, max_length=300, description="What is complained about.")
    description: str = Field(min_length=1, max_length=4000, description="What happened.")
    customer_request: str = Field(min_length=1, max_length=2000, description="What the customer asks for.")
    received_by: str = Field(min_length=1, max_length=200, description="Who took the complaint.")
    language: Language | None = _language()

    @field_validator("received_at")
    @classmethod
    def _occurred_before_received(cls, received_at: datetime, info: ValidationInfo) -> datetime:
        occurred_at = info.data.get("occurred_at")  # absent when it was refused itself
        if occurred_at is not None and occurred_at > received_at:
            raise PydanticCustomError(  # a type of its own, for programs (the desk words it by it)
                "occurred_after_received", "occurred_at must not be after received_at", {"field": "occurred_at"}
            )
        return received_at


class OriginalTexts(Contract):
    """The free texts as the office (or the hotline) typed them, where they named the complainant or
    another phone or e-mail: sealed with the person, while the texts that travel in clear have those
    replaced by placeholders (shared/redaction.py). Only the texts redaction changed are here."""

    object: str | None = Field(default=None, max_length=300)
    description: str | None = Field(default=None, max_length=4000)
    customer_request: str | None = Field(default=None, max_length=2000)
    summary: str | None = Field(default=None, max_length=4000)


class PersonalData(Contract):
    """Every field of a form that identifies the complainant: what intake seals (docs/privacy.md)."""

    name: str = Field(min_length=1, max_length=200)
    contact: str | None = Field(default=None, min_length=1, max_length=200, description="null: none was given.")
    unit_address: str = Field(min_length=1, max_length=300)
    originals: OriginalTexts | None = Field(
        default=None, description="The free texts before redaction; only inside the sealed data (absent: unchanged)."
    )


class SealedPersonal(Contract):
    """The complainant's personal data, sealed with their own data key (shared/keyring.py). Erasing
    the person destroys the key: `sealed` then opens nowhere, while the person id stays comparable."""

    person_id: UUID = Field(description="The complainant, as the keyring's blind index recognised them.")
    sealed: str = Field(
        default="",
        max_length=32000,  # room for the original free texts (PersonalData.originals), in any script
        description="AES-GCM ciphertext of PersonalData under the person's data key.",
    )
    legacy_clear: PersonalData | None = Field(
        default=None, description="Only in v1 events upcast on read: they were published in clear, before sealing."
    )


class SealedForm(Contract):
    """The registration form as it travels and is stored: what identifies the complainant is sealed."""

    office_reference: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._:/-]+$")
    personal: SealedPersonal
    channel: Channel
    occurred_at: Instant = Field(description="When what is complained of happened.")
    received_at: Instant = Field(description="When the office received the complaint.")
    object: str = Field(min_length=1, max_length=300, description="What is complained about.")
    description: str = Field(min_length=1, max_length=4000, description="What happened.")
    customer_request: str = Field(min_length=1, max_length=2000, description="What the customer asks for.")
    received_by: str = Field(min_length=1, max_length=200, description="Who took the complaint.")
    language: Language | None = _language()

    @classmethod
    def of(cls, form: RegistrationForm, personal: SealedPersonal) -> SealedForm:
        return cls.model_validate(form.model_dump(exclude={"complainant", "unit_address"}) | {"personal": personal})

    def opened(self, data: PersonalData) -> RegistrationForm:
        """The form as the office filled it in, with the personal data `data` (opened, or markers)."""
        return RegistrationForm.model_validate(
            self.model_dump(exclude={"personal"})
            | {"complainant": {"name": data.name, "contact": data.contact}, "unit_address": data.unit_address}
        )


class ComplaintRegisteredPayload(Contract):
    sequence_number: int = Field(ge=1, description="Gapless per office: a gap means a complaint was lost or concealed.")
    form: SealedForm = Field(description="The registration form as the office filled it in, personal data sealed.")
    registered_at: AwareDatetime = Field(description="When intake recorded it.")


class ComplaintRegistered(IntegrationEvent):
    """An office recorded a complaint. Every later event of the complaint follows from this one.
    v2: the complainant's name, contact and unit are sealed (`form.personal`); v1 carried them in clear."""

    type: Literal["complaints.intake.ComplaintRegistered"] = "complaints.intake.ComplaintRegistered"
    schema_version: Literal[2] = 2
    payload: ComplaintRegisteredPayload


def legacy_person_id(contact: str) -> UUID:
    """The person id of a v1 event upcast on read (no keyring saw it): from its contact, so one
    person's old complaints still count as one complainant."""
    return derived_id("legacy-person", contact.strip().lower())


def upcast_registered_v1_v2(data: dict[str, Any]) -> dict[str, Any]:
    """v1 carried the complainant in clear: keep it as `legacy_clear` (it was published so)."""
    payload = dict(data["payload"])
    form = dict(payload["form"])
    complainant = form.pop("complainant")
    unit_address = form.pop("unit_address")
    form["personal"] = {
        "person_id": str(legacy_person_id(str(complainant["contact"]))),
        "sealed": "",
        "legacy_clear": {"name": complainant["name"], "contact": complainant["contact"], "unit_address": unit_address},
    }
    payload["form"] = form
    return data | {"payload": payload}


class OfficeRegistrationSubmitted(Contract):
    """What an office system publishes on the office-facing topic instead of calling HTTP.

    The CloudEvent carries `officeid`, `signingkey` and `signature` extensions: an Ed25519 signature by
    the office system's private key over the office, the key id, the event's id, time, type and source
    and the value (see shared.signing). Intake holds only the public keys, so nothing a service stores
    can sign for an office; an unsigned, forged or replayed registration is a dead letter with the reason.
    """

    type: Literal["complaints.office.RegistrationSubmitted"] = "complaints.office.RegistrationSubmitted"
    schema_version: Literal[1] = 1
    form: RegistrationForm
