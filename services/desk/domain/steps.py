"""Which of a complaint's forms can be taken at its step: the services that own the steps say it.

Handling's case (`GET /cases/{id}`) and follow-up's (`GET /complaints/{id}`) each answer `steps`: for
every step a person can ask of them, null if it is taken now, else the refusal its command would give
(`{detail, code, params}`), from the very check the command runs (`Case.refusal_of`,
`FollowUpCase.refusal_of`). The desk knows no order of steps: it offers what they take and says the
others' refusals (`adapters/problems.sentence_of`), so that "Record a return visit" is not offered to
reception before the department has a result. A service that did not answer, or answered without
`steps`, is not second-guessed: its forms stay offered and the service judges them.
"""

from __future__ import annotations

from typing import Any

Refusal = tuple[str, dict[str, Any]]  # a service's refusal code and its parameters

# The desk's forms, named as their services name the steps (a test keeps them equal to the services' own).
HANDLING_FORMS = (
    "accept", "hand-over", "accept-hand-over", "cause", "proposal", "approval", "rejection", "execution",
    "result", "progress", "commitment", "commitment-kept",
)  # fmt: skip
FOLLOWUP_FORMS = ("reply", "visit", "close", "waiver", "waiver-withdrawal")


def handling_case(case: dict[str, Any] | None, validity: str | None, handling_answered: bool) -> dict[str, Any] | None:
    """Handling's case as the steps read it. Handling opens no case for a complaint judged invalid (its 404,
    now and later): every department's step is then refused as handling refuses a case that stood down,
    "no handling is needed". A case not opened yet for a valid one, or handling not answering: None."""
    if case is None and handling_answered and validity == "invalid":
        return {"steps": {form: {"code": "handling.judged_invalid", "params": {}} for form in HANDLING_FORMS}}
    return case


def _said(answer: dict[str, Any] | None, form: str) -> Refusal | None:
    refusal = ((answer or {}).get("steps") or {}).get(form)
    return None if refusal is None else (str(refusal["code"]), dict(refusal.get("params") or {}))


def not_now(form: str, case: dict[str, Any] | None, followup: dict[str, Any] | None) -> Refusal | None:
    """The refusal its service gives `form` at the complaint's step now; None when it can be taken (or
    when the owning service did not say, so it is left to judge)."""
    if form in HANDLING_FORMS:
        return _said(case, form)
    if form in FOLLOWUP_FORMS:
        return _said(followup, form)
    return None
