"""The directory's aggregates and rules, without I/O: every change says who and why, a change equal to
the state records nothing, rotation revokes the old key, and who may change what."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.directory.domain import access
from services.directory.domain.errors import Invalid, Refused
from services.directory.domain.keys import ApiKey
from services.directory.domain.office import Office, check_zone
from services.directory.domain.staff import StaffMember, check_contacts, check_roles

T0 = datetime(2026, 11, 30, 9, tzinfo=UTC)
WHO = {"by": "group/admin", "role": "admin", "reason": "set up", "at": T0}


def test_an_office_records_who_and_why_and_a_repeat_changes_nothing() -> None:
    office = Office("hk-central", "HK Central", "Asia/Hong_Kong", 1200, **WHO)
    office.change(None, None, 1500, None, "group/admin", "admin", "new tower", T0 + timedelta(hours=1))
    office.change(None, None, 1500, None, "group/admin", "admin", "again", T0 + timedelta(hours=2))
    events = office.collect_events()
    assert [type(e).__name__ for e in events] == ["Created", "Changed"]
    assert (events[1].by, events[1].reason, events[1].units_served) == ("group/admin", "new tower", 1500)
    assert office.units_served == 1500


def test_an_unknown_time_zone_is_refused() -> None:
    with pytest.raises(Invalid, match="time zone"):
        check_zone("Mars/Olympus")


def test_staff_changes_keep_the_rest_of_the_record() -> None:
    member = StaffMember("hk-central/amy", "Amy", "hk-central", None, ["leader"],
                         check_contacts({"email": "amy@example.com"}), **WHO)  # fmt: skip
    member.change({"roles": ["manager", "leader"]}, "hk-central/manager", "manager", "promoted", T0)
    assert member.roles == ["leader", "manager"] and member.contacts["email"] == "amy@example.com"
    member.change({"active": False}, "hk-central/manager", "manager", "left", T0)
    assert [type(e).__name__ for e in member.collect_events()] == ["Added", "Changed", "Changed"]


@pytest.mark.parametrize(
    "contacts", [{"email": "not-an-address"}, {"phone": "call me"}, {"webhook_to": "+852 1"}, {"fax": "1"}]
)
def test_bad_contacts_are_refused(contacts: dict[str, str]) -> None:
    with pytest.raises(Invalid):
        check_contacts(contacts)


def test_roles_are_words_and_at_least_one() -> None:
    with pytest.raises(Invalid):
        check_roles([])
    with pytest.raises(Invalid):
        check_roles(["Leader!"])
    assert check_roles(["leader", "leader", "admin"]) == ["admin", "leader"]


def test_a_key_is_live_until_it_expires_or_is_revoked() -> None:
    key = ApiKey(uuid4(), "a" * 64, "hk-central/amy", "hk-central", ["leader"], T0 + timedelta(days=1), None, **WHO)
    assert key.live(T0) and not key.live(T0 + timedelta(days=1))
    key.revoke("group/admin", "admin", "lost", T0 + timedelta(hours=1))
    key.revoke("group/admin", "admin", "lost again", T0 + timedelta(hours=2))
    assert not key.live(T0 + timedelta(hours=1))
    assert [type(e).__name__ for e in key.collect_events()] == ["Issued", "Revoked"]


def test_a_key_cannot_expire_before_it_is_issued() -> None:
    with pytest.raises(Invalid):
        ApiKey(uuid4(), "a" * 64, "x", None, ["admin"], T0, None, **WHO)


def test_an_office_manager_manages_their_own_office_only() -> None:
    access.require_office_manager({"manager"}, "hk-central", "hk-central", "adding staff")
    with pytest.raises(Refused):
        access.require_office_manager({"manager"}, "hk-central", "kln-east", "adding staff")
    with pytest.raises(Refused):
        access.require_office_manager({"manager"}, "hk-central", None, "adding group staff")
    with pytest.raises(Refused):
        access.require_office_manager({"supervisor"}, "hk-central", "hk-central", "adding staff")
    access.require_office_manager({"admin"}, None, "kln-east", "adding staff")


@given(st.sets(st.sampled_from(sorted(access.GROUP_WIDE_ROLES | {"leader", "manager", "receptionist"}))))
def test_a_manager_never_grants_a_group_wide_role(granted: set[str]) -> None:
    if granted & access.GROUP_WIDE_ROLES:
        with pytest.raises(Refused):
            access.require_grantable({"manager"}, granted)
    else:
        access.require_grantable({"manager"}, granted)
    access.require_grantable({"admin"}, granted)
