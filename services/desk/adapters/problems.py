"""A service's refusal in the words of the page the person reads.

The services answer in English for programs: FastAPI's 422 is a list of `{loc, type, msg, ctx}`
(`complainant.name: String should have at least 1 character`), other refusals a sentence. A
receptionist on a Chinese page needs the form's own label and a reason in their language; so each 422
problem becomes "label: reason" from the catalogue (by pydantic's error `type`, and by the few
sentences of the bounds the services share), and any other refusal a sentence saying what kind it is,
with the service's own words kept after it for whoever supports them. Nothing here decides: the
service refused, and its answer is all that is shown.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from shared.contracts.common import BUSINESS_AREA_PATTERN

Gettext = Callable[[str], str]


def N_(message: str) -> str:
    """Marks a message for the catalogue (pybabel extracts `N_`); translated where it is shown."""
    return message


# A field, by the end of its 422 `loc`, named as the form labels it (message ids of the catalogue).
FIELDS = {
    "office_reference": N_("Office reference"),
    "name": N_("Complainant"),
    "contact": N_("Phone or e-mail"),
    "unit_address": N_("Unit or address"),
    "channel": N_("Channel"),
    "language": N_("Complainant's language"),
    "occurred_at": N_("When it happened"),
    "received_at": N_("When it was received"),
    "reported_at": N_("When"),
    "object": N_("Object of the complaint"),
    "description": N_("What happened"),
    "customer_request": N_("What the customer asks for"),
    "received_by": N_("Received by"),
    "hotline_reference": N_("Hotline reference"),
    "office_id": N_("Office"),
    "cause": N_("Cause"),
    "responsible_person": N_("Responsible person"),
    "lessons": N_("Lessons"),
    "improvement": N_("Improvement"),
    "responsibility": N_("Responsibility"),
    "until": N_("Until"),
    "due_at": N_("By"),
    "reason": N_("Why"),
    "note": N_("Note"),
    "instructions": N_("Instructions"),
    "notes": N_("What was done"),
    "result": N_("Result"),
    "message": N_("Message"),
    "promise": N_("Promise"),
    "outcome": N_("Outcome"),
    "satisfaction": N_("Satisfaction (1-5; none when unreachable)"),
    "remarks": N_("Remarks"),
    "value": N_("Value"),
    "aspect": N_("Decision"),
    "kind": N_("Kind"),
    "clock": N_("Time limit"),
    "approved": N_("Decision"),
    "to_department": N_("Department"),
    "confirm": N_("Type the person id again to confirm"),
    "days": N_("Working days (0 = Monday)"),
    "holidays": N_("Holidays (dates, separated by spaces)"),
    "time_zone": N_("Time zone"),
    "units_served": N_("Units served"),
    "code": N_("Department code"),
    "staff_id": N_("Staff id"),
    "roles": N_("Roles"),
    "email": N_("E-mail"),
    "phone": N_("Phone"),
    "webhook_endpoint": N_("Webhook endpoint"),
    "expires_at": N_("Expires (optional)"),
    "names_zh_hant": N_("Name in Traditional Chinese"),
    "names_zh_hans": N_("Name in Simplified Chinese"),
    "zh-Hant": N_("Name in Traditional Chinese"),  # the directory's 422 names the language: body.names.zh-Hant
    "zh-Hans": N_("Name in Simplified Chinese"),
    "names_remove": N_("Remove a Chinese name"),
}
ADMIN_FORMS = ("office", "office-change", "department", "staff", "staff-change", "key", "key-rotate", "key-revoke",
               "calendar")  # fmt: skip
# Where one field name has two labels, the form's own (a form's name as the desk posts it).
ADMIN = {  # the administration's forms
    "name": N_("Name"),
    "reason": N_("Why (recorded with the change)"),
    "language": N_("Language of their mails"),
}
FORM_FIELDS = {
    "hotline": {"summary": N_("What the customer said"), "reported_at": N_("When the hotline took it")},
    "reply": {"summary": N_("What the customer was told")},
    **{form: ADMIN for form in ADMIN_FORMS},
}
REFERENCE_PATTERN = "^[A-Za-z0-9._:/-]+$"  # the contracts' office and hotline references
CODE_PATTERN = BUSINESS_AREA_PATTERN  # a business area's or a department's code (handling's hand-over)
# The bounds' sentences (shared/contracts/bounds.py), matched on the service's message.
BOUNDS = [
    (
        re.compile(r"occurred_at must not be after received_at"),
        N_("when it happened cannot be later than when it was received"),
    ),
    (re.compile(r"is in the future"), N_("is in the future")),
    (re.compile(r"is not in the future"), N_("must be later than now")),
    (re.compile(r"ahead \(the horizon\)"), N_("is too far ahead")),
    (re.compile(r"is not a representable instant"), N_("is not a date and time the system accepts (1900-2200)")),
    (re.compile(r"before received_at"), N_("is too long before when it was received")),
    (re.compile(r"before now"), N_("is too long ago")),
]


# Triage's refusal of an override's value ("severity cannot be 'huge'; use ['minor', 'important', 'major']"):
# the values it takes are codes the person types, each shown with its word in the page's language.
NOT_A_VALUE = re.compile(r"^\w+ cannot be .*; use \[(?P<values>[^\]]*)\]$")
DECIDED_VALUES = {
    "valid": N_("valid"), "invalid": N_("invalid"), "assisted": N_("assisted"), "effective": N_("effective"),
    "help-seeking": N_("help-seeking"), "consultation": N_("consultation"), "venting": N_("venting"),
    "minor": N_("minor"), "important": N_("important"), "major": N_("major"),
}  # fmt: skip


# The SLA's refusals of more time (its 409s, services/sla/domain/clocks.py), by their English sentence:
# "cannot be done at this step" said nothing of what to change.
TIME_LIMIT_REFUSALS = [
    (re.compile(r"an extension ends after the deadline in force"),
     N_("Until: must be later than the time limit in force; more time ends after it.")),
    (re.compile(r"ran out at .*: overtime is asked before"),
     N_("This time limit has run out already: more time is asked for before it does.")),
    (re.compile(r"already has an extension request"),
     N_("More time was asked for on this time limit already: one request per time limit.")),
    (re.compile(r"has no extension request awaiting a decision"),
     N_("No request for more time on this time limit awaits a decision.")),
    (re.compile(r"already stopped"), N_("This time limit has stopped: nothing more is owed on it.")),
]  # fmt: skip


# Handling's refusal of a step out of order ("cannot record the result: the case is accepted, it must be
# carried-out"): where the case is and where the step needs it, in the stages' words (the case's stage
# as the page shows it).
OUT_OF_ORDER = re.compile(r"the case is (?P<stage>[a-z-]+), it must be (?P<wanted>[a-z -]+)$")
STAGES = {
    "opened": N_("waiting for the department"), "accepted": N_("accepted"), "proposed": N_("solution proposed"),
    "approved": N_("solution approved"), "carried-out": N_("carried out"), "resulted": N_("has a result"),
    "stood-down": N_("no handling needed"),
}  # fmt: skip


def _out_of_order(detail: str, _: Gettext) -> str | None:
    found = OUT_OF_ORDER.search(detail)
    wanted = found["wanted"].split(" or ") if found else []
    if not found or found["stage"] not in STAGES or not all(w in STAGES for w in wanted):
        return None
    stage = STAGES[found["stage"]]
    values = {"stage": _(stage), "wanted": _(" or ").join(_(STAGES[w]) for w in wanted)}
    return _("Not at this step: the case is “%(stage)s”; this needs it “%(wanted)s”.") % values


def reason_of(problem: dict[str, Any], _: Gettext) -> str:
    """One 422 problem's reason, in the page's language (the service's own words when unknown)."""
    kind, ctx, msg = str(problem.get("type", "")), problem.get("ctx") or {}, str(problem.get("msg", ""))
    # intake's string_blank: a required text of only spaces, as unfilled as an empty one
    if kind in ("missing", "string_blank") or (kind == "string_too_short" and ctx.get("min_length") == 1):
        return _("must be filled in")
    if kind == "string_too_short":
        return _("is too short (at least %(n)s characters)") % {"n": ctx.get("min_length")}
    if kind == "string_too_long":
        return _("is too long (at most %(n)s characters)") % {"n": ctx.get("max_length")}
    if kind == "string_pattern_mismatch":
        if ctx.get("pattern") == REFERENCE_PATTERN:
            return _("may hold only letters A-Z, digits and . _ : / - (no spaces)")
        if ctx.get("pattern") == CODE_PATTERN:
            return _(
                "must be a code as routing names it: lower-case words joined by - (e.g. engineering, customer-service)"
            )
        return _("is not in the expected form")
    if kind.startswith(("datetime", "date", "time")):
        return _("is not a date and time the system accepts (1900-2200)")
    if kind in ("enum", "literal_error"):
        return _("is not one of the choices")
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("must be a whole number")
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return _("is out of range")
    if kind == "contact_invalid":  # intake: no valid phone number, no e-mail address (its reason, in brackets,
        # names the office's region: English, kept for support as other refusals keep the service's words)
        sentence = _(
            "This phone or e-mail cannot reach the complainant. Give a phone number (one of another region with "
            "its country code, e.g. +86 138 0013 8000) or an e-mail address."
        )
        return f"{sentence} [{msg}]" if msg else sentence
    if kind == "unknown_office":  # intake: the directory never announced the office a hotline call names
        return _("is not an office the directory knows: check the office id")
    for pattern, words in BOUNDS:
        if pattern.search(msg):
            return _(words)
    if taken := NOT_A_VALUE.match(msg):
        codes = [v.strip().strip("'") for v in taken["values"].split(",") if v.strip()]
        named = {c: _(DECIDED_VALUES[c]) for c in codes if c in DECIDED_VALUES}
        said = [f"{c} ({named[c]})" if named.get(c, c) != c else c for c in codes]  # an English page: the code
        return _("is not one this decision takes; type one of: %(values)s") % {"values": _(", ").join(said)}
    return msg.removeprefix("Value error, ")


def field_of(loc: list[Any], _: Gettext, form: str | None = None) -> str:
    path = [str(p) for p in loc[1:]] if loc and loc[0] in ("body", "query", "path") else [str(p) for p in loc]
    while len(path) > 1 and path[-1].isdigit():  # an item of a list (holidays.0): the list's field
        path.pop()
    label = (FORM_FIELDS.get(form or "", {}).get(path[-1]) or FIELDS.get(path[-1])) if path else None
    return _(label) if label else ".".join(path)


def not_heard_of_yet(service: str, detail: str, _: Gettext) -> str:
    """A form's service answered 404 for a complaint the person can see: it has not heard of it yet."""
    return (
        _(
            "The %(service)s service has not heard of this complaint yet (it is still on its way there); "
            "nothing was recorded: try again shortly."
        )
        % {"service": service}
        + f" [{service} 404: {detail}]"
    )


def no_case_when_invalid(detail: str, _: Gettext) -> str:
    """A department's form on a complaint judged invalid: handling opens no case for one (DOMAIN.md: it is
    replied to and closed), so the form can never be recorded until a person judges it valid."""
    return (
        _(
            "This complaint is judged invalid: no department handles it, so nothing was recorded. It is replied "
            "to and closed; if it is valid after all, a supervisor changes its validity first."
        )
        + f" [handling 404: {detail}]"
    )


def explain(
    service: str, status: int, detail: str, problems: list[dict[str, Any]] | None, _: Gettext, form: str | None = None
) -> str:
    """The refusal as the page says it: each field's problem (labelled as `form` labels it), or what kind
    of refusal it is (with the service's words after it, for support)."""
    if status == 422 and problems:
        return "; ".join(f"{field_of(p.get('loc') or [], _, form)}: {reason_of(p, _)}" for p in problems)
    tail = f" [{service} {status}: {detail}]"
    if status == 403:
        needed = re.search(r"roles \[([^\]]*)\]", detail)
        roles = needed[1].replace("'", "") if needed else ""
        return _("Your role may not do this (it needs: %(roles)s).") % {"roles": roles} + tail
    if status == 409 and form == "register":  # intake: the office reference names another complaint already
        return (
            _("This office reference is already used for a complaint with other details: give a new reference.") + tail
        )
    if status == 409 and form in ADMIN_FORMS:  # the directory: exists already, or a value it does not take
        return _("The directory refused the change.") + tail
    for pattern, words in TIME_LIMIT_REFUSALS:
        if status == 409 and service == "sla" and pattern.search(detail):
            return _(words) + tail
    if status == 409 and service == "handling" and (stage := _out_of_order(detail, _)):
        return stage + tail
    if status == 409:
        return _("This cannot be done at this step of the complaint.") + tail
    if status == 413:
        return _("Too long to record: shorten the longest texts.") + tail
    if status == 422:
        return _("The service refused the form.") + tail
    if status >= 500:
        return (
            _("The %(service)s service cannot be reached now; nothing was recorded. Try again shortly.")
            % {"service": service}
            + tail
        )
    return detail


# The desk's own checks of a form (domain/forms.py, application.py), by their English reason.
FORM_REASONS = {
    "a date and time": N_("is not a date and time the system accepts (1900-2200)"),
    "a whole number": N_("must be a whole number"),
    "the form is stale: reload the page": N_("the form is stale: reload the page"),
    "weekdays as numbers, 0 (Monday) to 6 (Sunday)": N_("weekdays as numbers, 0 (Monday) to 6 (Sunday)"),
    "name, contact and unit are all needed": N_("name, contact and unit are all needed"),
    "say why (e.g. the data subject's request number)": N_("say why (e.g. the data subject's request number)"),
    "type the person id again to confirm the erasure": N_("type the person id again to confirm the erasure"),
    "must be written in Chinese characters": N_("must be written in Chinese characters"),
    "at most 200 characters": N_("is too long (at most 200 characters)"),
    "is not one of the choices": N_("is not one of the choices"),
    "filled in and removed at once": N_("is filled in and asked to be removed at once: choose one"),
}


def explain_form(field: str, reason: str, _: Gettext, form: str | None = None) -> str:
    """A field the desk itself could not read, as the page (and `form`, labelling it) says it."""
    words = FORM_REASONS.get(reason)
    return f"{field_of([field], _, form)}: {_(words) if words else reason}"
