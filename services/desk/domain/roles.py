"""Which of the desk's forms a person is offered, by role. The services decide (each route checks the
roles itself and answers 403); this table only keeps the desk from showing a form its user may not
use. It mirrors the role constants of each service's entrypoints/http.py, and a test keeps it so.
"""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    REGISTER = "register"  # intake
    OVERRIDE = "override"  # triage
    HANDLE = "handle"  # handling: accept, hand over, cause, proposal, execution, result, progress, promise
    APPROVE = "approve"  # handling: approve or reject the solution
    REPLY = "reply"  # follow-up: agree the result and record the reply
    VISIT = "visit"  # follow-up: return visits
    CLOSE = "close"  # follow-up: close with the summary


ACTION_ROLES: dict[Action, frozenset[str]] = {
    Action.REGISTER: frozenset({"receptionist", "supervisor", "manager"}),
    Action.OVERRIDE: frozenset({"supervisor", "manager", "leader"}),
    Action.HANDLE: frozenset({"department-staff", "supervisor", "leader"}),
    Action.APPROVE: frozenset({"leader"}),
    Action.REPLY: frozenset({"supervisor", "manager"}),
    Action.VISIT: frozenset({"receptionist", "department-staff", "supervisor", "manager"}),
    Action.CLOSE: frozenset({"supervisor", "manager"}),
}

# Every action changes an office's complaint: a group or auditor key reads, never acts.
OFFICE_ACTIONS = frozenset(Action)


def allowed(roles: frozenset[str], office_id: str | None) -> frozenset[Action]:
    """The actions a person with `roles` in `office_id` (None: the group) is offered."""
    if office_id is None:
        return frozenset()
    return frozenset(action for action, needed in ACTION_ROLES.items() if roles & needed)
