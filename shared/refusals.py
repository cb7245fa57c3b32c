"""The vocabulary of refusals: every 4xx a service answers names one of these codes, with its parameters.

The English `detail` of an answer is for people reading logs and for existing clients; it may be
reworded. A program (the staff desk, translating the refusal into the page's language) reads `code` and
`params` instead: a code is stable, its parameters are named here, and a new refusal adds a code.
`docs/refusals.md` is generated from `REFUSALS` (`make docs`) and a test keeps it current.

A domain raises a `Refusal` (each service's domain error derives from it) with its code, its English
sentence and its parameters; the service's HTTP entrypoint chooses the status (shared/web.py answers
`{"detail", "code", "params"}`). No FastAPI here: a domain imports this module.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, get_args

# A parameter's value as JSON carries it: ISO instants and ids as strings, counts as numbers.
Param = str | int | float | bool | list[str] | None

RefusalCode = Literal[
    # -- the request itself (shared/web.py) ------------------------------------------------------
    "request.invalid",
    "request.body_too_large",
    "request.not_found",
    "request.method_not_allowed",
    "request.refused",
    # -- who is asking (shared/web.py) ----------------------------------------------------------
    "auth.key_missing",
    "auth.key_unknown",
    "auth.bearer_not_configured",
    "auth.bearer_refused",
    "auth.role_needed",
    "auth.office_key_needed",
    "auth.reading_role_needed",
    "auth.group_privacy_key_needed",
    "auth.other_office",
    # -- any service ---------------------------------------------------------------------------
    "complaint.not_found",
    # -- the times clients send (shared/contracts/bounds.py) -------------------------------------
    "bounds.occurred_after_received",
    "bounds.occurred_too_long_before_received",
    "bounds.in_future",
    "bounds.too_long_ago",
    "bounds.not_in_future",
    "bounds.beyond_horizon",
    # -- intake --------------------------------------------------------------------------------
    "intake.reference_reused",
    "intake.hotline_reference_reused",
    "intake.contact_not_email",
    "intake.contact_invalid",
    "intake.unknown_office",
    "intake.blank_field",
    "intake.reported_in_future",
    "intake.data_subject_not_found",
    # -- triage --------------------------------------------------------------------------------
    "triage.not_yet_triaged",
    "triage.unknown_aspect",
    "triage.value_not_allowed",
    "triage.routing_needs_department",
    "triage.unknown_department",
    "triage.rules_number_out_of_range",
    "triage.rules_unusable",
    "triage.rules_vocabulary",
    # -- handling ------------------------------------------------------------------------------
    "handling.case_not_found",
    "handling.judged_invalid",
    "handling.has_result",
    "handling.out_of_order",
    "handling.hand_over_pending",
    "handling.already_with_department",
    "handling.unknown_department",
    "handling.no_hand_over_requested",
    "handling.cause_first",
    "handling.promise_passed",
    "handling.no_such_commitment",
    "handling.commitment_already_kept",
    "handling.no_open_commitment",
    # -- sla -----------------------------------------------------------------------------------
    "sla.no_such_clock",
    "sla.clock_stopped",
    "sla.clock_ran_out",
    "sla.extension_already_requested",
    "sla.extension_after_deadline",
    "sla.no_extension_awaiting",
    "sla.ran_out_before_decision",
    "sla.office_id_needed",
    "sla.office_not_found",
    "sla.allowance_out_of_limits",
    "sla.too_many_escalation_levels",
    "sla.escalation_too_late",
    "sla.regrade_too_late",
    "sla.calendar_too_few_hours",
    "sla.too_many_holidays",
    # -- followup ------------------------------------------------------------------------------
    "followup.only_return_visit_waived",
    "followup.already_waived",
    "followup.not_waived",
    "followup.waiver_required_by_policy",
    "followup.return_visit_recorded",
    "followup.return_visit_waived",
    "followup.case_closed",
    "followup.already_replied",
    "followup.no_result_to_reply",
    "followup.no_result_to_visit",
    "followup.reply_before_visit",
    "followup.nothing_known",
    "followup.no_result",
    "followup.not_replied",
    "followup.return_visit_missing",
    "followup.dissatisfied",
    "followup.visit_retry_too_soon",
    # -- projection ----------------------------------------------------------------------------
    "projection.offset_and_after",
    "projection.bad_cursor",
    "projection.unknown_period",
    "projection.report_period_mismatch",
    "projection.at_in_future",
    "projection.unknown_office",
    # -- directory -----------------------------------------------------------------------------
    "directory.reason_needed",
    "directory.office_not_found",
    "directory.department_not_found",
    "directory.staff_not_found",
    "directory.key_not_found",
    "directory.office_exists",
    "directory.department_exists",
    "directory.staff_exists",
    "directory.key_exists",
    "directory.read_refused",
    "directory.admin_needed",
    "directory.manager_needed",
    "directory.roles_not_grantable",
    "directory.group_staff_no_department",
    "directory.department_unknown",
    "directory.bad_identifier",
    "directory.bad_staff_id",
    "directory.unknown_time_zone",
    "directory.negative_units",
    "directory.name_language",
    "directory.name_length",
    "directory.name_not_chinese",
    "directory.no_roles",
    "directory.bad_role",
    "directory.unknown_contact_fields",
    "directory.bad_email",
    "directory.bad_phone",
    "directory.webhook_needs_endpoint",
    "directory.bad_language",
    "directory.key_actor_needed",
    "directory.key_revoked",
    "directory.key_expires_before_issue",
]

# What each code means and the parameters it carries (the generated docs/refusals.md lists them).
REFUSALS: dict[RefusalCode, tuple[str, tuple[str, ...]]] = {
    "request.invalid": ("A field is missing, wrong or out of bounds (422): `detail` is the list of problems, "
                        "each with `loc`, `msg` and `type`; a service's own check adds `code` and `params` "
                        "to its problem.", ()),
    "request.body_too_large": ("The body is larger than the service accepts (413).", ("max_bytes",)),
    "request.not_found": ("No such path (404).", ()),
    "request.method_not_allowed": ("The path does not take this method (405).", ()),
    "request.refused": ("Any other refusal of the web framework's own (`status`).", ("status",)),
    "auth.key_missing": ("No office key and no bearer token (401).", ()),
    "auth.key_unknown": ("The office key is not one the service knows (401).", ()),
    "auth.bearer_not_configured": ("A bearer token where sign-in is not configured: send a key (401).", ()),
    "auth.bearer_refused": ("The bearer token was refused (401); `reason` says why, in English.", ("reason",)),
    "auth.role_needed": ("The caller's roles (`held`) include none of those needed (`needed`) (403).",
                         ("needed", "held")),
    "auth.office_key_needed": ("This needs an office's key, not a group's (403).", ()),
    "auth.reading_role_needed": ("Reading complaints needs an office's key or a group reading role (403).",
                                 ("needed", "held")),
    "auth.group_privacy_key_needed": ("A data subject's data needs a group-wide privacy key (403).", ()),
    "auth.other_office": ("An office's key sees only its own office (403).", ()),
    "complaint.not_found": ("No such complaint, or not one the caller's office may see (404).", ()),
    "bounds.occurred_after_received": ("`occurred_at` is later than `received_at` (422).", ("field",)),
    "bounds.occurred_too_long_before_received": ("`occurred_at` lies more than `span` before `received_at` (422).",
                                                 ("field", "value", "span")),
    "bounds.in_future": ("The time lies more than `span` after now (`now`) (422).", ("field", "value", "span", "now")),
    "bounds.too_long_ago": ("The time lies more than `span` before now (422).", ("field", "value", "span")),
    "bounds.not_in_future": ("The time must be later than now (`now`) (422).", ("field", "value", "now")),
    "bounds.beyond_horizon": ("The time lies more than `span` ahead (the horizon) (422).", ("field", "value", "span")),
    "intake.reference_reused": ("The office reference registered another complaint already (409).",
                                ("office_reference",)),
    "intake.hotline_reference_reused": ("The hotline reference recorded another call already (409).",
                                        ("hotline_reference",)),
    "intake.contact_not_email": ("The contact has an @ but is not an e-mail address (422); `accepted` says, in "
                                 "English, what is accepted in the office's `region`.", ("region", "accepted")),
    "intake.contact_invalid": ("The contact is neither a phone number valid in `region` nor an e-mail address "
                               "(422).", ("region", "accepted")),
    "intake.blank_field": ("A required text holds only spaces (422, type `string_blank`): as unfilled as an empty one.",
                           ("field",)),
    "intake.unknown_office": ("The directory never announced the office a hotline call names (422).",
                              ("office_id",)),
    "intake.reported_in_future": ("A hotline call's `reported_at` lies in the future (422).", ("value", "now")),
    "intake.data_subject_not_found": ("Nobody is known by this contact, or this name and unit (404).", ()),
    "triage.not_yet_triaged": ("The complaint is not triaged yet: nothing to confirm or override (409).", ()),
    "triage.unknown_aspect": ("The aspect is not one of `aspects` (422).", ("aspect", "aspects")),
    "triage.value_not_allowed": ("The value is not one the aspect takes (422); `allowed` lists them (for a "
                                 "category, an example).", ("aspect", "value", "allowed")),
    "triage.routing_needs_department": ("A routing names a department (422).", ()),
    "triage.unknown_department": ("A routing override names no department the rules in force route to for the "
                                  "office (422); `departments` lists their codes (each also taken by its word in "
                                  "English, Traditional or Simplified Chinese).", ("value", "departments")),
    "triage.rules_number_out_of_range": ("A number of the rules is not a whole number from `low` to `high` (422).",
                                         ("rule", "low", "high")),
    "triage.rules_unusable": ("The rules cannot judge a complaint (422); `error` says why.", ("error",)),
    "triage.rules_vocabulary": ("The rules name a value no contract accepts (422).", ("problem",)),
    "handling.case_not_found": ("No case for this complaint, or not one the caller's office may see (404).", ()),
    "handling.judged_invalid": ("The complaint was judged invalid: no handling is required (409).", ("step",)),
    "handling.has_result": ("The case has a result already (409).", ("step",)),
    "handling.out_of_order": ("The step needs the case at another stage: it is at `stage`, the step needs one "
                              "of `wanted` (409).", ("step", "stage", "wanted")),
    "handling.hand_over_pending": ("A hand-over to `to_department` is pending (409).", ("step", "to_department")),
    "handling.already_with_department": ("The case is with that department already (409).", ("department",)),
    "handling.unknown_department": ("A hand-over names no department routing knows for the office (422); "
                                    "`departments` lists their codes (each also taken by its word in English, "
                                    "Traditional or Simplified Chinese; empty for a case opened before triage "
                                    "published them: then any department's code).", ("value", "departments")),
    "handling.no_hand_over_requested": ("No hand-over was requested (409).", ()),
    "handling.cause_first": ("A solution is proposed after the cause and the responsible person (409).", ()),
    "handling.no_such_commitment": ("The case has no commitment `number` (it has `commitments`) (409).",
                                    ("number", "commitments")),
    "handling.commitment_already_kept": ("Commitment `number` was kept already, at `kept_at` (409).",
                                         ("number", "kept_at")),
    "handling.no_open_commitment": ("No commitment of the case waits to be kept: none was made, or every one "
                                    "of the `made` was kept (409).", ("step", "made")),
    "handling.promise_passed": ("The promised time has passed (409).", ("due_at",)),
    "sla.no_such_clock": ("No such clock runs for this complaint (409).", ("clock",)),
    "sla.clock_stopped": ("The clock has stopped (409).", ("clock", "outcome")),
    "sla.clock_ran_out": ("The clock ran out at `deadline`: more time is asked for before (409).",
                          ("clock", "deadline")),
    "sla.extension_already_requested": ("The clock has an extension request already; one per clock (409).",
                                        ("clock",)),
    "sla.extension_after_deadline": ("An extension ends after the deadline in force, `deadline` (409).",
                                     ("clock", "deadline")),
    "sla.no_extension_awaiting": ("No extension request on the clock awaits a decision (409).", ("clock",)),
    "sla.ran_out_before_decision": ("The clock ran out at `deadline` before the decision; the breach stands (409).",
                                    ("clock", "deadline")),
    "sla.office_id_needed": ("A group key names the office (`office_id`) (422).", ()),
    "sla.office_not_found": ("No such office, or not one the caller may see (404).", ()),
    "sla.allowance_out_of_limits": ("An allowance is more than 0 and at most `limit` `unit` (422, per field).",
                                    ("unit", "limit", "amount")),
    "sla.too_many_escalation_levels": ("At most `limit` escalation levels (422, per field).", ("limit",)),
    "sla.escalation_too_late": ("An escalation comes at most `limit` times the allowed time after the start "
                                "(422, per field).", ("limit",)),
    "sla.regrade_too_late": ("A re-grade comes at most `limit` days after the start (422, per field).", ("limit",)),
    "sla.calendar_too_few_hours": ("The working week holds `hours` working hours, fewer than `needed` (422).",
                                   ("hours", "needed")),
    "sla.too_many_holidays": ("At most `limit` holidays, not `count` (422).", ("limit", "count")),
    "followup.only_return_visit_waived": ("Only the return visit can be waived; a reply is always owed (409).",
                                          ("step",)),
    "followup.already_waived": (
        "The step is waived already (409); `reason` is the waiver's, `rule` the policy rule that waived it "
        "(`followup.waive.by-person` for a person's waiver, whose reason is their own words).",
        ("step", "reason", "rule"),
    ),
    "followup.not_waived": ("The step is not waived (409).", ("step",)),
    "followup.waiver_required_by_policy": (
        "The policy waived the step while the complaint is judged invalid (409): withdrawn, a visit would be owed "
        "that could never be recorded (no result to visit about); judging it valid withdraws the waiver. "
        "`reason` is the waiver's, `rule` the policy rule that waived it.",
        ("step", "reason", "rule"),
    ),
    "followup.return_visit_recorded": ("This result's return visit is recorded already (409).", ()),
    "followup.return_visit_waived": (
        "The return visit was waived (409); `reason` is the waiver's, `rule` the policy rule that waived it "
        "(`followup.waive.by-person` for a person's waiver, whose reason is their own words).",
        ("reason", "rule"),
    ),
    "followup.case_closed": ("The case is closed (409).", ()),
    "followup.already_replied": ("The customer was replied to for this result already (409).", ()),
    "followup.no_result_to_reply": ("No result to reply with yet: handling records it first (409).", ()),
    "followup.no_result_to_visit": ("No result to visit about yet (409).", ()),
    "followup.reply_before_visit": ("The reply comes before the return visit (409).", ()),
    "followup.nothing_known": ("Nothing is known of the complaint's judgement or result yet (409).", ()),
    "followup.no_result": ("The case has no result yet; it closes after one (409).", ()),
    "followup.not_replied": ("The customer has not been replied to yet (409).", ()),
    "followup.return_visit_missing": ("The return visit is not recorded yet (409).", ()),
    "followup.visit_retry_too_soon": ("An unreachable customer is tried again at least `hours` apart: the last try "
                                      "was at `last_tried`, the next counts from `next_attempt` (409).",
                                      ("last_tried", "next_attempt", "hours")),
    "followup.dissatisfied": ("The customer was dissatisfied: the case reopens to handling, it does not close "
                              "(409).", ()),
    "projection.offset_and_after": ("Either `offset` or `after`, not both (422).", ()),
    "projection.bad_cursor": ("`after` is not a cursor of this list (422).", ("reason",)),
    "projection.unknown_period": ("Not a real period: an ISO week ('2026-W45'), a month ('2026-11') or a year "
                                  "(422).", ("period",)),
    "projection.report_period_mismatch": ("A report of one kind of period takes only its own key (422).",
                                          ("period", "takes", "given")),
    "projection.at_in_future": ("`at` is in the future (422).", ()),
    "projection.unknown_office": ("No office is known by this id (404): the directory never named it and nothing "
                                  "of it was recorded (a mistyped id; an office with no complaint yet is known).",
                                  ("office_id",)),
    "directory.reason_needed": ("Every change says why (409).", ()),
    "directory.office_not_found": ("No such office (404).", ("office_id",)),
    "directory.department_not_found": ("No such department in the office (404).", ("department", "office_id")),
    "directory.staff_not_found": ("No such staff member (404).", ("staff_id",)),
    "directory.key_not_found": ("No such key (404).", ("key_id",)),
    "directory.office_exists": ("The office exists already (409).", ("office_id",)),
    "directory.department_exists": ("The department exists already (409).", ("department", "office_id")),
    "directory.staff_exists": ("The staff member exists already (409).", ("staff_id",)),
    "directory.key_exists": ("A key with this hash was issued already (409).", ()),
    "directory.read_refused": ("Reading the office needs its manager's or the group's role (403).", ("office_id",)),
    "directory.admin_needed": ("This needs the group's administrator role (403).", ("what", "role")),
    "directory.manager_needed": ("This needs the administrator role or the office manager's (403).",
                                 ("what", "role", "office_id")),
    "directory.roles_not_grantable": ("Only an administrator grants these roles (403).", ("roles",)),
    "directory.group_staff_no_department": ("The group's own staff belong to no office's department (409).", ()),
    "directory.department_unknown": ("The staff member's department is not one of the office (409).",
                                     ("department", "office_id")),
    "directory.bad_identifier": ("An id of lower-case letters, digits and '-', starting with a letter or digit "
                                 "(409).", ("kind", "value")),
    "directory.bad_staff_id": ("A staff id of lower-case letters, digits and '/._-' (409).", ("staff_id",)),
    "directory.unknown_time_zone": ("Not an IANA time zone (409).", ("time_zone",)),
    "directory.negative_units": ("Units served cannot be negative (409).", ()),
    "directory.name_language": ("A name's language is not one of `languages` (409).", ("language", "languages")),
    "directory.name_length": ("A name has 1 to 200 characters (409).", ("language",)),
    "directory.name_not_chinese": ("A Chinese name has no Chinese character (409).", ("language", "name")),
    "directory.no_roles": ("A staff member holds at least one role (409).", ()),
    "directory.bad_role": ("A role is lower-case words joined by '-' (409).", ("role",)),
    "directory.unknown_contact_fields": ("Contact fields the directory does not know (409).", ("fields",)),
    "directory.bad_email": ("Not an e-mail address (409).", ("email",)),
    "directory.bad_phone": ("Not a phone number (409).", ("phone",)),
    "directory.webhook_needs_endpoint": ("A webhook address needs its endpoint (409).", ()),
    "directory.bad_language": ("The language is not one of `languages` (409).", ("language", "languages")),
    "directory.key_actor_needed": ("A key speaks for someone: give its actor id (409).", ()),
    "directory.key_revoked": ("The key is revoked: issue a new one instead (409).", ("key_id",)),
    "directory.key_expires_before_issue": ("A key expires after it is issued (409).", ()),
}  # fmt: skip

CODES: tuple[RefusalCode, ...] = get_args(RefusalCode)


class Refusal(Exception):
    """A refusal with its stable `code`, its English sentence (`str(refusal)`) and its `params`."""

    def __init__(self, code: RefusalCode, message: str, **params: Param) -> None:
        super().__init__(message)
        self.code: RefusalCode = code
        self.message = message
        self.params: dict[str, Param] = params


def steps_answer(refusals: Mapping[str, Refusal | None]) -> dict[str, dict[str, Any] | None]:
    """Each step a service would take now (None), or the refusal it would answer, as it answers it
    (`{"detail", "code", "params"}`): what a screen reads to offer a step, or to say why not."""
    return {
        step: None if refusal is None else {"detail": str(refusal), "code": refusal.code, "params": refusal.params}
        for step, refusal in refusals.items()
    }


DOC = Path(__file__).resolve().parent.parent / "docs" / "refusals.md"


def document() -> str:
    """docs/refusals.md: every code, what it means and its parameters."""
    lines = [
        "# Refusals: codes and parameters",
        "",
        "<!-- Generated from shared/refusals.py by `make docs`; tests/unit/test_refusals.py keeps it current. -->",
        "",
        'Every 4xx a service answers is `{"detail": ..., "code": ..., "params": {...}}`. `detail` is the '
        "English sentence (or, for a 422, FastAPI's list of field problems) as before; a program reads `code` "
        "and `params`, which do not change when a sentence is reworded. A 422 answers `request.invalid`; each "
        "problem of its list that a service's own check found carries its own `code` and `params` beside "
        "pydantic's `loc`, `msg` and `type` (FastAPI's own problems have pydantic's `type` and `ctx`; the "
        "contracts' own types there are `instant_out_of_range` (`ctx`: `value`, and `first`, `last` for an "
        "instant outside the years), `time_zone_unknown` (`ctx`: `name`) and `occurred_after_received`).",
        "",
        "| code | meaning | params |",
        "|---|---|---|",
    ]
    for code in CODES:
        meaning, params = REFUSALS[code]
        lines.append(f"| `{code}` | {meaning} | {', '.join(f'`{p}`' for p in params)} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # python -m shared.refusals --write
    if "--write" in sys.argv:
        DOC.write_text(document(), encoding="utf-8")
    else:
        sys.stdout.write(document())
