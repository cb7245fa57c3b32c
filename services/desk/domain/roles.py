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
    EXTEND = "extend"  # sla: ask for overtime on a running clock
    DECIDE_EXTENSION = "decide-extension"  # sla: approve or reject the overtime asked for
    WAIVE = "waive"  # follow-up: waive the return visit (or withdraw the waiver), with why
    HOTLINE = "hotline"  # intake: the group hotline's call record


ACTION_ROLES: dict[Action, frozenset[str]] = {
    Action.REGISTER: frozenset({"receptionist", "supervisor", "manager"}),
    Action.OVERRIDE: frozenset({"supervisor", "manager", "leader"}),
    Action.HANDLE: frozenset({"department-staff", "supervisor", "leader"}),
    Action.APPROVE: frozenset({"leader"}),
    Action.REPLY: frozenset({"supervisor", "manager"}),
    Action.VISIT: frozenset({"receptionist", "department-staff", "supervisor", "manager"}),
    Action.CLOSE: frozenset({"supervisor", "manager"}),
    Action.EXTEND: frozenset({"department-staff", "supervisor", "leader", "manager"}),
    Action.DECIDE_EXTENSION: frozenset({"manager"}),
    Action.WAIVE: frozenset({"supervisor", "manager"}),
    Action.HOTLINE: frozenset({"hotline"}),
}

# The group's hotline records calls about any office; every other action changes an office's own
# complaint: a group or auditor key reads, never acts.
GROUP_ACTIONS = frozenset({Action.HOTLINE})
OFFICE_ACTIONS = frozenset(Action) - GROUP_ACTIONS


def allowed(roles: frozenset[str], office_id: str | None) -> frozenset[Action]:
    """The actions a person with `roles` in `office_id` (None: the group) is offered."""
    scope = GROUP_ACTIONS if office_id is None else OFFICE_ACTIONS
    return frozenset(action for action in scope if roles & ACTION_ROLES[action])
