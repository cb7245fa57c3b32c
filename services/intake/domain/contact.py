"""A complainant's contact must reach them: a phone number valid where the office is, or an e-mail address.

The form's `contact` is the one way the office replies and returns to the customer (DOMAIN.md §8-9),
and the keyring recognises the person by it: "abc" reaches nobody and recognises nobody. A complainant
who gives none (an anonymous letter, a caller who will not say) is recorded without one (`null`): better
an honest gap than a made-up "n/a" that the keyring would take for a person. What is
accepted is decided here, once, for HTTP and the office-facing topic alike (libphonenumber and
email-validator, not a pattern of our own):

- with an `@`: an e-mail address by its syntax (`email_validator`, no DNS look-up: an office's form must
  not wait on the network, and a domain that answers nothing today may tomorrow);
- otherwise: a phone number libphonenumber finds valid, read in the office's region (its own numbers
  written without a country code, "9123 4567" in Hong Kong, "0755 8888 6666" in Shenzhen), or in any
  region when written with its country code ("+86 138 0013 8000" at a Hong Kong office).

Only new registrations are held to it: what is stored already (and opened views, whose contact may read
`[erased]`) is never checked again, and the contract keeps its old bounds so old events still read.
A refusal names the field and what is accepted, never the value (reasons are stored in dead letters
and logged: docs/privacy.md).
"""

from __future__ import annotations

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from .errors import ContactRefused

__all__ = ["ContactRefused", "accepted", "check_contact"]


def accepted(region: str) -> str:
    """What a contact may be, in words (the refusal's second half)."""
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    written = phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL) if example else None
    local = f", e.g. {written}" if written else ""
    return (
        f"a phone number valid in {region} (the office's region{local}), a number of another region written "
        "with its country code (e.g. +86 138 0013 8000), or an e-mail address (name@example.com)"
    )


def check_contact(contact: str | None, region: str) -> None:
    """Raise ContactRefused unless `contact` is a valid phone number (read in `region`, an ISO 3166
    code such as 'HK', when it has no country code) or a valid e-mail address. None (no contact given)
    passes: a complaint without one is still recorded (DOMAIN: everything is recorded)."""
    if contact is None:
        return
    text = contact.strip()
    if "@" in text:
        try:
            validate_email(text, check_deliverability=False)
        except EmailNotValidError:
            raise ContactRefused(
                "intake.contact_not_email",
                f"complainant.contact is not a valid e-mail address; give {accepted(region)}",
                region,
                accepted(region),
            ) from None
        return
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ContactRefused(
            "intake.contact_invalid",
            f"complainant.contact is neither a valid phone number nor an e-mail address; give {accepted(region)}",
            region,
            accepted(region),
        )
