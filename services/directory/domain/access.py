"""Who may change what in the directory: the group's administrators everything; an office's manager
its own office's departments, staff and their keys, with office roles only (never a group-wide role,
so a manager cannot make a key that sees other offices)."""

from __future__ import annotations

from collections.abc import Iterable

from .errors import Refused

ADMIN_ROLE = "admin"
OFFICE_MANAGER_ROLE = "manager"
# Roles that reach beyond one office: only an administrator grants them.
GROUP_WIDE_ROLES = frozenset({"admin", "group", "auditor", "hotline", "privacy", "company-leader"})
READING_ROLES = frozenset({"admin", "group", "auditor"})


def is_admin(roles: Iterable[str]) -> bool:
    return ADMIN_ROLE in set(roles)


def require_admin(roles: Iterable[str], what: str) -> None:
    if not is_admin(roles):
        raise Refused(
            "directory.admin_needed", f"{what} needs the group's '{ADMIN_ROLE}' role", what=what, role=ADMIN_ROLE
        )


def require_office_manager(roles: Iterable[str], caller_office: str | None, office_id: str | None, what: str) -> None:
    """An administrator, or the manager of `office_id` (a group-level entity: administrators only)."""
    held = set(roles)
    if ADMIN_ROLE in held:
        return
    if OFFICE_MANAGER_ROLE in held and office_id is not None and caller_office == office_id:
        return
    raise Refused(
        "directory.manager_needed",
        f"{what} needs the '{ADMIN_ROLE}' role or the manager's role in office {office_id!r}",
        what=what, role=ADMIN_ROLE, office_id=office_id,
    )  # fmt: skip


def require_grantable(roles: Iterable[str], granted: Iterable[str]) -> None:
    """A manager grants office roles only."""
    if is_admin(roles):
        return
    beyond = sorted(set(granted) & GROUP_WIDE_ROLES)
    if beyond:
        raise Refused("directory.roles_not_grantable", f"only an administrator grants the roles {beyond}", roles=beyond)


def may_read(roles: Iterable[str], caller_office: str | None, office_id: str | None) -> bool:
    held = set(roles)
    if held & READING_ROLES:
        return True
    return OFFICE_MANAGER_ROLE in held and office_id is not None and caller_office == office_id
