"""Which of a complaint's forms can be taken at its step, read from the answers of the services that own
the steps: handling's case (`GET /cases/{id}`: its stage, a hand-over pending) and follow-up's
(`GET /complaints/{id}`: results, replies, visits, waivers, closing, per reopening cycle).

The services decide: each refuses a step out of order (handling's `_require`, follow-up's `OutOfOrder`)
with a refusal code. This module mirrors those checks only so the desk does not offer a form its service
would refuse — "Record a return visit" to reception before the department has a result — and says why
not with the very refusal the service would give (its code and parameters, said by
`adapters/problems.sentence_of`). A service that did not answer (None) is not second-guessed: its forms
stay offered and the service judges them. A test keeps the mirror equal to the services' domains.
"""

from __future__ import annotations

from typing import Any

Refusal = tuple[str, dict[str, Any]]  # a service's refusal code and its parameters

# handling: each form -> the stages its command requires (services/handling/domain/case.py)
_WORKING = ("opened", "accepted", "proposed", "approved", "carried-out")  # Case._open
HANDLING_STAGES: dict[str, tuple[str, ...]] = {
    "accept": ("opened",),
    "hand-over": ("opened", "accepted"),
    "accept-hand-over": _WORKING,
    "cause": ("accepted",),
    "proposal": ("accepted",),
    "approval": ("proposed",),
    "rejection": ("proposed",),
    "execution": ("approved",),
    "result": ("carried-out",),
    "progress": _WORKING,
    "commitment": _WORKING,
    "commitment-kept": _WORKING,
}
FOLLOWUP_FORMS = frozenset({"reply", "visit", "close", "waiver"})


def _handling(form: str, case: dict[str, Any]) -> Refusal | None:
    stage, wanted = str(case.get("stage") or ""), HANDLING_STAGES[form]
    if form == "accept-hand-over" and not case.get("hand_over_to"):
        return "handling.no_hand_over_requested", {}
    if stage not in wanted:
        if stage == "stood-down":
            return "handling.judged_invalid", {}
        if stage == "resulted":
            return "handling.has_result", {}
        return "handling.out_of_order", {"stage": stage, "wanted": list(wanted)}
    if form in ("accept", "hand-over") and case.get("hand_over_to"):
        return "handling.hand_over_pending", {"to_department": case["hand_over_to"]}
    if form == "proposal" and not case.get("cause"):
        return "handling.cause_first", {}
    return None


class _FollowUp:
    """Follow-up's answer, read as its case reads itself (services/followup/domain/case.py)."""

    def __init__(self, answer: dict[str, Any]) -> None:
        self.cycle = int(answer.get("cycle") or 0)
        self.invalid = answer.get("validity") == "invalid"
        self.known = answer.get("validity") is not None or bool(answer.get("results"))
        self.closed = answer.get("closed") is not None
        self.waivers: dict[str, Any] = answer.get("waivers") or {}
        results = answer.get("results") or []
        self.result = results[self.cycle] if len(results) > self.cycle else None
        self.reply = next(
            (r for r in answer.get("replies") or []
             if r.get("cycle") == self.cycle and (self.invalid or not r.get("explanation_only"))),
            None,
        )  # fmt: skip
        self.final_visit = next(
            (v for v in answer.get("visits") or [] if v.get("cycle") == self.cycle and v.get("final")), None
        )


def _followup(form: str, answer: dict[str, Any]) -> Refusal | None:
    fu = _FollowUp(answer)
    if fu.closed:
        return "followup.case_closed", {}
    if form == "reply":
        if fu.reply is not None:
            return "followup.already_replied", {}
        if not fu.invalid and fu.result is None:
            return "followup.no_result_to_reply", {}
    elif form == "visit":
        if "return-visit" in fu.waivers:
            return "followup.return_visit_waived", {"reason": fu.waivers["return-visit"].get("reason", "")}
        if fu.result is None:
            return "followup.no_result_to_visit", {}
        if fu.reply is None:
            return "followup.reply_before_visit", {}
        if fu.final_visit is not None:
            return "followup.return_visit_recorded", {}
    elif form == "close":
        if not fu.known:
            return "followup.nothing_known", {}
        if not fu.invalid and fu.result is None:
            return "followup.no_result", {}
        if fu.reply is None:
            return "followup.not_replied", {}
        if "return-visit" not in fu.waivers:
            if fu.final_visit is None:
                return "followup.return_visit_missing", {}
            if fu.final_visit.get("outcome") == "dissatisfied":
                return "followup.dissatisfied", {}
    elif form == "waiver":
        if "return-visit" in fu.waivers:
            return "followup.already_waived", {"reason": fu.waivers["return-visit"].get("reason", "")}
        if fu.final_visit is not None:
            return "followup.return_visit_recorded", {}
    return None


def handling_case(case: dict[str, Any] | None, validity: str | None, handling_answered: bool) -> dict[str, Any] | None:
    """Handling's case as the steps read it. Handling opens no case for a complaint judged invalid (its 404,
    now and later): that is read as handling's own "no handling needed" stage, so its department's forms
    are not offered there either. A case not opened yet for a valid one, or handling not answering: None."""
    if case is None and handling_answered and validity == "invalid":
        return {"stage": "stood-down"}
    return case


def not_now(form: str, case: dict[str, Any] | None, followup: dict[str, Any] | None) -> Refusal | None:
    """The refusal its service would give `form` at the complaint's step now; None when it can be taken
    (or when the owning service did not answer, so it is left to judge)."""
    if form in HANDLING_STAGES:
        return _handling(form, case) if case is not None else None
    if form in FOLLOWUP_FORMS:
        return _followup(form, followup) if followup is not None else None
    return None
