"""What the notifier keeps of a complaint's registration, and for how long after the complaint closes.

From intake's `ComplaintRegistered` (the one author of both) it keeps, by complaint id:
- **the reference** staff and the complainant know the complaint by: the office's own reference and the
  office's sequence number (`R-1 (Hong Kong Central office no. 42)`), for the staff mails and the
  complainant's mails alike; no personal data;
- **the complainant's sealed contact** (`personal`: ciphertext under the person's own data key, opened
  through the keyring only when a mail or text is sent, so an erased person gets nothing), for their
  updates; None for a registration published before sealing (v1: not kept in clear).

**How long after the complaint closes.** A closed complaint can open again: a person judges a complaint
closed as invalid valid after all (followup's `ComplaintReopened`; DOMAIN.md: a person's judgement
replaces the automatic one everywhere, and a valid complaint is handled, replied to and visited again).
Its complainant must then hear of it, its progress and its final reply, so `CaseClosed` no longer
deletes the entry: it marks it closed, a reopening marks it open again, and an entry closed longer than
the window (`NOTIFIER_CONTACT_KEEP_AFTER_CLOSE_DAYS`, 30) is forgotten (a tombstone), keeping the
complainant's data no longer than a reopening can still need it. The marks are the latest close and
the latest reopening heard, by their own times, so the outcome does not depend on the order the
notifier hears them in (a re-read old event changes nothing): closed when the latest close is later
than the latest reopening.

**The return visit's invitation follows the reply.** The return-visit clock starts when the department
records its result, usually before the supervisor has agreed the reply; a complainant asked "were you
satisfied with how your complaint was handled?" before being told how would read them out of order. An
invitation heard before this round's reply (none heard, or none since the latest reopening) waits
here (`invitation`) and is sent right after the reply; one heard after it is sent at once. Once the
visit is made or the case closed, a waiting invitation is dropped: it would invite to a visit past.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

from pydantic import BaseModel

from shared.contracts.intake import ComplaintRegistered, SealedPersonal

from .receipts import OfficeNames, reference, reference_in
from .written import complainant_language

DEFAULT_KEEP_AFTER_CLOSE = timedelta(days=30)


class WaitingInvitation(BaseModel):
    """A return visit's invitation (followup's `ReturnVisitScheduled`) heard before the reply it follows."""

    event_id: UUID
    scheduled_at: datetime
    due_at: datetime


class KeptContact(BaseModel):
    """A registration as the notifier keeps it: the sealed personal data as intake published it
    (ciphertext and person id: never the clear contact; None for a v1 registration) and the reference
    (no personal data), with the complaint's latest close and reopening heard."""

    personal: SealedPersonal | None = None
    reference: str
    office_reference: str
    language: str | None = None  # the form's, else the script it was written in (written.py); None: not known
    # The office and its number, so each mail names the office in its language (kept before: None).
    office_id: str | None = None
    sequence_number: int | None = None
    closed_at: datetime | None = None  # the latest CaseClosed heard (None: never closed)
    reopened_at: datetime | None = None  # the latest reopening heard (ComplaintReopened, CaseReopened)
    replied_at: datetime | None = None  # the latest reply heard (CustomerReplied)
    # That latest reply was an invalid complaint's explanation (`explanation_only`): its close says how
    # the complainant may have it judged again (updates.closing). False for a contact kept before.
    reply_explained: bool = False
    invitation: WaitingInvitation | None = None  # a return visit's invitation waiting for the reply

    def reference_in(self, language: str, office_name: OfficeNames | None) -> str:
        if self.office_id is None or self.sequence_number is None:
            return self.reference  # kept before the office travelled: as it was
        office = office_name(language) if office_name else self.office_id
        return reference_in(language, self.office_reference, office, self.sequence_number)

    @property
    def closed(self) -> bool:
        """Closed now: the latest close heard is later than the latest reopening heard."""
        return self.closed_at is not None and (self.reopened_at is None or self.closed_at > self.reopened_at)

    def heard_closed(self, at: datetime) -> KeptContact:
        """After a `CaseClosed` at `at` (heard again, or an older one re-read: no change). An invitation
        still waiting for a reply is moot once the case closed after it."""
        latest = at if self.closed_at is None else max(self.closed_at, at)
        return self.past_visit(at).model_copy(update={"closed_at": latest})

    def past_visit(self, at: datetime) -> KeptContact:
        """After the return visit was made (or the case closed) at `at`: an invitation scheduled before
        then, still waiting for the reply, is not sent (it would invite to a visit already made)."""
        if self.invitation is None or self.invitation.scheduled_at > at:
            return self
        return self.invited()

    def heard_reopened(self, at: datetime) -> KeptContact:
        """After a reopening at `at` (`ComplaintReopened` after a close, `CaseReopened` before one)."""
        latest = at if self.reopened_at is None else max(self.reopened_at, at)
        return self.model_copy(update={"reopened_at": latest})

    @property
    def replied(self) -> bool:
        """This round has its reply: one heard, and later than the latest reopening."""
        return self.replied_at is not None and (self.reopened_at is None or self.replied_at > self.reopened_at)

    def heard_replied(self, at: datetime, explained: bool = False) -> KeptContact:
        """After a `CustomerReplied` at `at`, an invalid complaint's explanation when `explained` (an
        older one re-read: no change)."""
        if self.replied_at is not None and at <= self.replied_at:
            return self
        return self.model_copy(update={"replied_at": at, "reply_explained": explained})

    def awaiting_reply(self, invitation: WaitingInvitation) -> KeptContact:
        """The invitation waits for this round's reply (a later one replaces an earlier: one visit owed)."""
        return self.model_copy(update={"invitation": invitation})

    def invited(self) -> KeptContact:
        """The waiting invitation was sent."""
        return self.model_copy(update={"invitation": None})

    def forgettable(self, now: datetime, keep_after_close: timedelta) -> bool:
        """Closed for longer than the window: nothing can reopen it and still need the contact."""
        return self.closed and self.closed_at is not None and now - self.closed_at > keep_after_close


def kept_contact(event: ComplaintRegistered) -> KeptContact:
    """What is kept of a registration: its reference always; its contact when intake sealed it (a
    registration published before sealing, v1 in clear, keeps no contact: its complainant gets a
    receipt and no update, as before)."""
    personal = event.payload.form.personal
    sealed = personal if personal.legacy_clear is None and personal.sealed else None
    form = event.payload.form
    return KeptContact(
        personal=sealed, reference=reference(event), office_reference=form.office_reference,
        language=complainant_language(form),
        office_id=event.office_id, sequence_number=event.payload.sequence_number,
    )  # fmt: skip
