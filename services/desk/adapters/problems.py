"""A service's refusal in the words of the page the person reads.

The services answer `{detail, code, params}` (shared/refusals.py, docs/refusals.md): `detail` in English
for people, `code` and `params` for programs. FastAPI's 422 is a list of `{loc, type, msg, ctx}`
(`complainant.name: String should have at least 1 character`), a service's own check adding its `code`
and `params` to its problem. A receptionist on a Chinese page needs the form's own label and a reason in
their language; so each 422 problem becomes "label: reason" from the catalogue (by its code, else by
pydantic's error `type`), and any other refusal the sentence of its code; a code the desk does not know
(a service newer than the desk) a sentence saying what kind of refusal it is. The service's own words are
kept after it for whoever supports them. Nothing here reads the English sentences and nothing decides:
the service refused, and its answer is all that is shown.
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
    "commitment": N_("Promise"),
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

# A problem of a 422's list, by its code (a service's own check, shared/refusals.py) or by the type of the
# contracts' own checks (shared/contracts/bounds.py, intake.py): the reason said after the field's label.
REASONS = {
    "occurred_after_received": N_("when it happened cannot be later than when it was received"),
    "bounds.occurred_after_received": N_("when it happened cannot be later than when it was received"),
    "bounds.in_future": N_("is in the future"),
    "bounds.not_in_future": N_("must be later than now"),
    "bounds.beyond_horizon": N_("is too far ahead"),
    "instant_out_of_range": N_("is not a date and time the system accepts (1900-2200)"),
    "bounds.occurred_too_long_before_received": N_("is too long before when it was received"),
    "bounds.too_long_ago": N_("is too long ago"),
    "time_zone_unknown": N_("is not a time zone the system knows (e.g. Asia/Hong_Kong)"),
    # what to give instead is said beside the field, in the page's words (intake's English never shown)
    "intake.contact_not_email": N_("is not a valid e-mail address"),
    "intake.contact_invalid": N_("is neither a phone number valid in %(region)s nor an e-mail address"),
    "intake.unknown_office": N_("is not an office the directory knows: check the office id"),
    "unknown_office": N_("is not an office the directory knows: check the office id"),
    "intake.reported_in_future": N_("is in the future"),
    "intake.blank_field": N_("must be filled in"),
    "triage.value_not_allowed": N_("is not one this decision takes; type one of: %(values)s"),
    "triage.unknown_aspect": N_("is not a decision that can be confirmed or changed"),
    "triage.routing_needs_department": N_("names no department"),
    "triage.unknown_department": N_("is not a department routing knows; type one of: %(departments)s"),
    "handling.unknown_department": N_("is not a department routing knows; type one of: %(departments)s"),
    "triage.rules_number_out_of_range": N_("must be a whole number from %(low)s to %(high)s"),
    "triage.rules_unusable": N_("cannot judge a complaint"),
    "triage.rules_vocabulary": N_("names a value the system does not take: %(problem)s"),
    "sla.allowance_out_of_limits": N_("must be more than 0 and at most %(limit)s"),
    "sla.too_many_escalation_levels": N_("at most %(limit)s levels"),
    "sla.escalation_too_late": N_("comes at most %(limit)s times the allowed time after the start"),
    "sla.regrade_too_late": N_("at most %(limit)s days"),
    "sla.calendar_too_few_hours": N_("leave too little working time: %(hours)s hours a week, at least %(needed)s"),
    "sla.too_many_holidays": N_("at most %(limit)s holidays, not %(count)s"),
}  # fmt: skip

# Triage's values a decision takes are codes the person types, each shown with its word in the page's language.
DECIDED_VALUES = {
    "valid": N_("valid"), "invalid": N_("invalid"), "assisted": N_("assisted"), "effective": N_("effective"),
    "help-seeking": N_("help-seeking"), "consultation": N_("consultation"), "venting": N_("venting"),
    "minor": N_("minor"), "important": N_("important"), "major": N_("major"),
}  # fmt: skip

# Handling's stages, as the page shows the case's stage (a refusal of a step out of order names two).
STAGES = {
    "opened": N_("waiting for the department"), "accepted": N_("accepted"), "proposed": N_("solution proposed"),
    "approved": N_("solution approved"), "carried-out": N_("carried out"), "resulted": N_("has a result"),
    "stood-down": N_("no handling needed"),
}  # fmt: skip

# A refusal of anything but a 422's field problems, by its code: the sentence the page says.
SENTENCES = {
    "request.invalid": N_("The service refused the form."),
    "request.body_too_large": N_("Too long to record: shorten the longest texts."),
    "request.not_found": N_("The service does not know this address."),
    "request.method_not_allowed": N_("The service does not take this request here."),
    "request.refused": N_("The service refused the request."),
    "auth.key_missing": N_("The service did not receive your credential: sign in again."),
    "auth.key_unknown": N_("The service does not know your key: sign in again."),
    "auth.bearer_not_configured": N_("The service does not take sign-ins here: use an office key."),
    "auth.bearer_refused": N_("The service refused your sign-in: sign in again."),
    "auth.role_needed": N_("Your role may not do this (it needs: %(roles)s)."),
    "auth.reading_role_needed": N_("Your role may not do this (it needs: %(roles)s)."),
    "auth.office_key_needed": N_("This needs an office's key; a group key cannot do it."),
    "auth.group_privacy_key_needed": N_("This needs the group's privacy role (not an office's)."),
    "auth.other_office": N_("An office's key sees only its own office."),
    "complaint.not_found": N_("The service does not know this complaint (or it is not your office's)."),
    "intake.reference_reused": N_(
        "This office reference is already used for a complaint with other details: give a new reference."),
    "intake.hotline_reference_reused": N_(
        "This hotline reference is already used for a call with other details: give a new reference."),
    "intake.data_subject_not_found": N_("Nobody is known by this contact, or by this name and unit."),
    "triage.not_yet_triaged": N_("This complaint has not been triaged yet: nothing to confirm or change."),
    "handling.case_not_found": N_("The handling service has no case for this complaint (or not of your office)."),
    "handling.judged_invalid": N_("Not at this step: the complaint was judged invalid; no handling is needed."),
    "handling.has_result": N_(
        "Not at this step: the case has a result already (only a dissatisfied return visit reopens it)."),
    "handling.out_of_order": N_("Not at this step: the case is “%(stage)s”; this needs it “%(wanted)s”."),
    "handling.hand_over_pending": N_("A hand-over to %(to_department)s is pending: it is accepted or not first."),
    "handling.already_with_department": N_("The case is already with %(department)s."),
    "handling.no_hand_over_requested": N_("No hand-over was asked for."),
    "handling.cause_first": N_("Record the cause and the responsible person before proposing a solution."),
    "handling.promise_passed": N_("By: must be later than now."),
    "handling.no_such_commitment": N_("There is no such promise on this case (it has %(commitments)s)."),
    "handling.commitment_already_kept": N_("This promise was kept already (%(kept_at)s)."),
    "handling.no_open_commitment": N_("No promise on this case waits to be kept: make one first."),
    "sla.no_such_clock": N_("No such time limit runs for this complaint."),
    "sla.clock_stopped": N_("This time limit has stopped: nothing more is owed on it."),
    "sla.clock_ran_out": N_("This time limit has run out already: more time is asked for before it does."),
    "sla.extension_already_requested": N_(
        "More time was asked for on this time limit already: one request per time limit."),
    "sla.extension_after_deadline": N_("Until: must be later than the time limit in force; more time ends after it."),
    "sla.no_extension_awaiting": N_("No request for more time on this time limit awaits a decision."),
    "sla.ran_out_before_decision": N_("This time limit ran out before the decision: the breach stands."),
    "sla.office_id_needed": N_("Name the office: a group key reads any office's."),
    "sla.office_not_found": N_("No such office, or not one you may see."),
    "followup.only_return_visit_waived": N_("Only the return visit can be waived; a reply is always owed."),
    "followup.already_waived": N_("This step is waived already (why: %(reason)s)."),
    "followup.not_waived": N_("This step is not waived."),
    "followup.waiver_required_by_policy": N_(
        "The policy waived this step for a complaint judged invalid (why: %(reason)s): withdrawn, a visit would "
        "be owed that could never be recorded. Judge the complaint valid to owe it."),
    "followup.return_visit_recorded": N_("This result's return visit is recorded already."),
    "followup.return_visit_waived": N_("The return visit was waived (why: %(reason)s)."),
    "followup.case_closed": N_("The case is closed."),
    "followup.already_replied": N_("The customer was replied to for this result already."),
    "followup.no_result_to_reply": N_("There is no result to reply with yet: the department records it first."),
    "followup.no_result_to_visit": N_("There is no result to visit about yet."),
    "followup.reply_before_visit": N_("Reply to the customer with the agreed result before the return visit."),
    "followup.nothing_known": N_("Nothing is known of this complaint's judgement or result yet."),
    "followup.no_result": N_("The case has no result yet: it closes after one."),
    "followup.not_replied": N_("The customer has not been replied to yet."),
    "followup.return_visit_missing": N_("The return visit is not recorded yet."),
    "followup.visit_retry_too_soon": N_(
        "An unreachable customer is tried again at least %(hours)s hours apart: the next try counts from "
        "%(next_attempt)s."),
    "followup.dissatisfied": N_(
        "The customer was dissatisfied: the case goes back to the department; it does not close."),
    "projection.offset_and_after": N_("Page by number or from the page before, not both."),
    "projection.bad_cursor": N_("This page link is out of date: start from the first page."),
    "projection.unknown_period": N_("Not a real period: %(period)s."),
    "projection.report_period_mismatch": N_("This report takes one kind of period only."),
    "projection.at_in_future": N_("The report's date is in the future."),
    "projection.unknown_office": N_("No office %(office_id)s is known: check the office's id."),
    "directory.reason_needed": N_("Say why: every change of the directory is recorded with its reason."),
    "directory.office_not_found": N_("No office %(office_id)s."),
    "directory.department_not_found": N_("No department %(department)s in %(office_id)s."),
    "directory.staff_not_found": N_("No staff member %(staff_id)s."),
    "directory.key_not_found": N_("No such key."),
    "directory.office_exists": N_("Office %(office_id)s exists already."),
    "directory.department_exists": N_("Department %(department)s of %(office_id)s exists already."),
    "directory.staff_exists": N_("Staff member %(staff_id)s exists already."),
    "directory.key_exists": N_("A key like this one was issued already."),
    "directory.read_refused": N_("Reading office %(office_id)s needs its manager's role or the group's."),
    "directory.admin_needed": N_("This needs the group's administrator role."),
    "directory.manager_needed": N_("This needs the administrator's role or the manager's of office %(office_id)s."),
    "directory.roles_not_grantable": N_("Only an administrator grants these roles: %(roles)s."),
    "directory.group_staff_no_department": N_("The group's own staff belong to no office's department."),
    "directory.department_unknown": N_("No department %(department)s in %(office_id)s."),
    "directory.bad_identifier": N_(
        "%(value)s: lower-case letters, digits and '-' only, starting with a letter or digit."),
    "directory.bad_staff_id": N_("Staff id %(staff_id)s: lower-case letters, digits and '/._-' only."),
    "directory.unknown_time_zone": N_("%(time_zone)s is not a time zone the system knows (e.g. Asia/Hong_Kong)."),
    "directory.negative_units": N_("Units served cannot be negative."),
    "directory.name_language": N_("A name is given in English, Traditional or Simplified Chinese only."),
    "directory.name_length": N_("A name has 1 to 200 characters."),
    "directory.name_not_chinese": N_("The Chinese name %(name)s has no Chinese character."),
    "directory.no_roles": N_("A staff member holds at least one role."),
    "directory.bad_role": N_("Role %(role)s: lower-case words joined by '-'."),
    "directory.unknown_contact_fields": N_("Contact fields the directory does not know: %(fields)s."),
    "directory.bad_email": N_("%(email)s is not an e-mail address."),
    "directory.bad_phone": N_("%(phone)s is not a phone number."),
    "directory.webhook_needs_endpoint": N_("A webhook address needs its endpoint."),
    "directory.bad_language": N_("The language of their mails is English, Traditional or Simplified Chinese."),
    "directory.key_actor_needed": N_("A key speaks for someone: give the person's id."),
    "directory.key_revoked": N_("This key is revoked: issue a new one instead."),
    "directory.key_expires_before_issue": N_("A key expires after it is issued."),
}  # fmt: skip


class _Said(dict[str, str]):
    """A refusal's parameters as its sentence says them; one the service did not send reads '?'."""

    def __missing__(self, key: str) -> str:
        return "?"


# Follow-up's policy waivers, by their rule (`followup.waive.return-visit.<what>@vN`): the waiver's reason in
# the page's words. A person's waiver (`followup.waive.by-person`) is their own words, shown as written.
POLICY_WAIVER = re.compile(r"^followup\.waive\.return-visit\.(?P<what>[a-z-]+)@v\d+$")
WAIVER_REASONS = {
    "invalid": N_("an invalid complaint is answered with a polite explanation; nothing was handled to visit about"),
    "communication": N_(
        "a %(kind)s communication complaint was answered on the spot; the policy needs no return visit"
    ),
}


def _waiver_reason(rule: object, reason: str, _: Gettext) -> str:
    found = POLICY_WAIVER.match(str(rule or ""))
    if found is None:
        return reason
    what = found["what"]
    if what == "invalid":
        return _(WAIVER_REASONS["invalid"])
    if what in DECIDED_VALUES:  # a communication kind: help-seeking, consultation, venting
        return _(WAIVER_REASONS["communication"]) % {"kind": _(DECIDED_VALUES[what])}
    return reason


def _said(params: dict[str, Any], _: Gettext) -> _Said:
    """Each parameter in the page's words: a stage or a decided value by its word, a list joined; a
    policy waiver's reason by its rule."""
    said = _Said()
    for name, value in params.items():
        if name == "reason" and "rule" in params:
            said[name] = _waiver_reason(params["rule"], str(value), _)
        elif name == "stage" and value in STAGES:
            said[name] = _(STAGES[value])
        elif name == "wanted" and isinstance(value, list):
            said[name] = _(" or ").join(_(STAGES[w]) if w in STAGES else str(w) for w in value)
        elif name == "allowed" and isinstance(value, list):  # an English page: the code alone
            named = {c: _(DECIDED_VALUES[c]) for c in map(str, value) if c in DECIDED_VALUES}
            said[name] = _(", ").join(f"{c} ({named[c]})" if named.get(c, c) != c else c for c in map(str, value))
        elif name == "departments" and value == []:  # a case from before decisions named them
            said[name] = _("the department codes, such as engineering")
        elif isinstance(value, list):
            said[name] = _(", ").join(map(str, value))
        else:
            said[name] = f"{value:g}" if isinstance(value, float) else str(value)
    if "needed" in said:  # the sentences' own names for two of them
        said["roles"] = said["needed"]
    if "allowed" in said:
        said["values"] = said["allowed"]
    return said


def sentence_of(code: str | None, params: dict[str, Any] | None, _: Gettext) -> str | None:
    """A refusal's sentence in the page's language by its code; None for a code the desk does not know."""
    words = SENTENCES.get(code or "")
    return _(words) % _said(params or {}, _) if words else None


def reason_of(problem: dict[str, Any], _: Gettext) -> str:
    """One 422 problem's reason, in the page's language (the service's own words when unknown)."""
    kind, ctx, msg = str(problem.get("type", "")), problem.get("ctx") or {}, str(problem.get("msg", ""))
    code = str(problem.get("code", ""))
    coded = REASONS.get(code) or REASONS.get(kind)
    if coded:
        return _(coded) % _said(problem.get("params") or ctx, _)
    # string_blank (intake's form, every service's FilledIn): a required text of only spaces, as unfilled as empty
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
    service: str,
    status: int,
    detail: str,
    problems: list[dict[str, Any]] | None,
    _: Gettext,
    form: str | None = None,
    code: str | None = None,
    params: dict[str, Any] | None = None,
) -> str:
    """The refusal as the page says it: each field's problem (labelled as `form` labels it), or the
    sentence of its code, or (a code the desk does not know) what kind of refusal it is; with the
    service's own words after it, for support."""
    if status == 422 and problems:
        return "; ".join(f"{field_of(p.get('loc') or [], _, form)}: {reason_of(p, _)}" for p in problems)
    tail = f" [{service} {status}: {detail}]"
    if status < 500 and (said := sentence_of(code, params, _)):
        return said + tail
    if status == 403:
        return _("Your role may not do this.") + tail
    if status == 409 and form in ADMIN_FORMS:  # the directory: exists already, or a value it does not take
        return _("The directory refused the change.") + tail
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
