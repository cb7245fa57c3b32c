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


# -- which pages a person can use, and where they land --------------------------------------------------


class Page(StrEnum):
    """The desk's pages, in the order of its navigation."""

    QUEUE = "/queue"
    REGISTER = "/register"
    SEARCH = "/search"
    HOTLINE = "/hotline"
    ADMIN = "/admin"
    PRIVACY = "/privacy"


# The group's roles that read every office's complaints (shared/web.py GROUP_ROLES); any office role reads
# its own office's. Hotline, admin and privacy keys each do one job and read no complaint.
READING_ROLES = frozenset({"group", "auditor"})
ADMIN_ROLES = frozenset({"admin", "manager", "group", "auditor"})  # the directory shows each what they may
PRIVACY_ROLES = frozenset({"privacy"})  # intake's: finding and erasing data subjects, group-wide only


def usable(page: Page, roles: frozenset[str], office_id: str | None) -> bool:
    """Whether a person's roles can use a page at all (the services still judge each call)."""
    if page in (Page.QUEUE, Page.SEARCH):
        return office_id is not None or bool(roles & READING_ROLES)
    if page is Page.REGISTER:
        return Action.REGISTER in allowed(roles, office_id)
    if page is Page.HOTLINE:
        return Action.HOTLINE in allowed(roles, office_id)
    if page is Page.ADMIN:
        return bool(roles & ADMIN_ROLES)
    return office_id is None and bool(roles & PRIVACY_ROLES)


def needed_roles(page: Page) -> list[str]:
    """The roles a page needs, to say so to someone whose roles do not include one."""
    office = sorted({r for rs in ACTION_ROLES.values() for r in rs} - {"hotline"})
    return {
        Page.QUEUE: office + sorted(READING_ROLES),
        Page.SEARCH: office + sorted(READING_ROLES),
        Page.REGISTER: sorted(ACTION_ROLES[Action.REGISTER]),
        Page.HOTLINE: sorted(ACTION_ROLES[Action.HOTLINE]),
        Page.ADMIN: sorted(ADMIN_ROLES),
        Page.PRIVACY: sorted(PRIVACY_ROLES),
    }[page]


def pages(roles: frozenset[str], office_id: str | None) -> list[Page]:
    """The pages offered in a person's navigation, in order."""
    return [page for page in Page if usable(page, roles, office_id)]


def landing(roles: frozenset[str], office_id: str | None) -> str:
    """Where a person lands after signing in: their first usable page (the queue for office staff and the
    group's readers, the hotline's form, administration, the privacy page); the queue if none."""
    offered = pages(roles, office_id)
    return offered[0].value if offered else Page.QUEUE.value


def page_of(path: str) -> Page | None:
    """The page a desk path belongs to (None: a complaint's page, the status page, anything else)."""
    first = "/" + path.split("?", 1)[0].strip("/").split("/", 1)[0]
    return next((page for page in Page if page.value == first), None)


def destination(next_url: str, roles: frozenset[str], office_id: str | None) -> str:
    """After sign-in: the page asked for when the person can use it, else their landing page."""
    page = page_of(next_url)
    if page is not None and not usable(page, roles, office_id):
        return landing(roles, office_id)
    return next_url
