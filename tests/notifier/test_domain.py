"""Pure tests: who holds a role where, the Message-ID and the signed body, the back-off."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from services.notifier.adapters import directory_file
from services.notifier.adapters.directory_events import LiveDirectory
from services.notifier.domain import messages
from services.notifier.domain.directory import Directory
from services.notifier.domain.errors import http_status_is_permanent, smtp_code_is_permanent
from services.notifier.domain.retry import RetryPolicy
from services.notifier.settings import DEVELOPMENT_ENDPOINTS
from shared.contracts import Actor
from shared.contracts.directory import StaffMemberChanged, StaffRecord
from shared.contracts.notifications import Recipient

from .support import HOOK_SECRET, directory, major

DIRECTORY = Directory.model_validate(directory())


def ids(people: object) -> list[str]:
    return [a.staff.id for a in people.addressees]  # type: ignore[attr-defined]


# --- role -> people ------------------------------------------------------------------------------


def test_the_leaders_of_the_addressed_office_and_nobody_else() -> None:
    resolution = DIRECTORY.resolve([Recipient(role="leader", office_id="office-a")])
    assert ids(resolution) == ["office-a/leader-1", "office-a/leader-2"]
    assert resolution.unfilled == ()


def test_a_group_role_reaches_the_group_staff_not_an_office_holding_the_same_name() -> None:
    data = directory()
    data["staff"].append(
        {"id": "office-b/ceo", "name": "X", "office_id": "office-b", "roles": ["company-leader"], "email": "x@b.test"}
    )
    resolution = Directory.model_validate(data).resolve([Recipient(role="company-leader", office_id=None)])
    assert ids(resolution) == ["group/ceo"]


def test_a_person_holding_two_requested_roles_is_told_once_with_both() -> None:
    resolution = DIRECTORY.resolve(
        [Recipient(role="supervisor", office_id="office-a"), Recipient(role="leader", office_id="office-a")]
    )
    assert ids(resolution) == ["office-a/sup", "office-a/leader-2", "office-a/leader-1"]
    assert resolution.addressees[1].roles == ("supervisor", "leader")


def test_a_role_nobody_holds_is_reported_not_dropped() -> None:
    wanted = Recipient(role="director", office_id="office-a")
    resolution = DIRECTORY.resolve([wanted, Recipient(role="leader", office_id="office-c")])
    assert resolution.addressees == ()
    assert resolution.unfilled == (wanted, Recipient(role="leader", office_id="office-c"))


def test_the_ladder_of_a_breach_reaches_the_manager_and_the_company_leader() -> None:
    event = major(roles=("manager",), group_roles=("company-leader",))
    assert ids(DIRECTORY.resolve(event.payload.recipients)) == ["office-a/manager", "group/ceo"]


def test_a_directory_naming_an_unknown_office_or_endpoint_is_refused() -> None:
    data = directory()
    data["staff"][0]["office_id"] = "office-z"
    with pytest.raises(ValidationError, match="unknown office"):
        Directory.model_validate(data)
    data = directory()
    data["staff"][1]["webhook"]["endpoint"] = "pager"
    with pytest.raises(ValidationError, match="unknown endpoint"):
        Directory.model_validate(data)


def test_the_development_directory_loads_and_covers_every_role_the_publishers_name() -> None:
    """`make up` seeds the directory service with services/directory/dev_seed.json; the notifier reads
    those staff from its events, with the development endpoints."""
    seed = json.loads((Path(__file__).parents[2] / "services/directory/dev_seed.json").read_text())
    dev = LiveDirectory(directory_file.endpoints(directory_file.read(DEVELOPMENT_ENDPOINTS)))
    for n, person in enumerate(seed["staff"]):
        dev.apply(StaffMemberChanged(
            type="complaints.directory.StaffMemberChanged", schema_version=1, event_id=uuid4(),
            entity=f"staff:{person['staff_id']}", change="added", occurred_at=datetime(2026, 11, 30, tzinfo=UTC),
            actor=Actor(id="system:directory-seed", role="admin"), reason=f"seed {n}",
            payload=StaffRecord(**person),
        ))  # fmt: skip
    for office in ("hk-central", "kln-east", "sz-futian"):
        for role in ("supervisor", "leader", "manager"):
            assert dev.holders(Recipient(role=role, office_id=office)), (office, role)
    assert dev.holders(Recipient(role="company-leader", office_id=None))


# --- Message-ID and bodies -----------------------------------------------------------------------


def test_the_message_id_is_derived_from_notification_and_recipient() -> None:
    one, other = uuid4(), uuid4()
    first = messages.message_id(one, "office-a/leader-1", "n.test")
    assert first == messages.message_id(one, "office-a/leader-1", "n.test")
    assert first != messages.message_id(one, "office-a/leader-2", "n.test")
    assert first != messages.message_id(other, "office-a/leader-1", "n.test")
    assert first.startswith("<") and first.endswith("@n.test>")


@given(st.uuids(), st.text(min_size=1, max_size=40))
def test_message_ids_are_stable_and_well_formed(notification_id: object, staff_id: str) -> None:
    value = messages.message_id(notification_id, staff_id, "n.test")  # type: ignore[arg-type]
    assert value == messages.message_id(notification_id, staff_id, "n.test")  # type: ignore[arg-type]
    assert value.count("@") == 1 and " " not in value


def test_an_email_composed_twice_is_the_same_bytes() -> None:
    event = major()
    person = DIRECTORY.resolve(event.payload.recipients).addressees[0]
    first = messages.email(event, person, sender="n@n.test", domain="n.test")
    again = messages.email(event, person, sender="n@n.test", domain="n.test")
    assert first.as_bytes() == again.as_bytes()
    assert first["Message-ID"] == messages.message_id(event.event_id, "office-a/leader-1", "n.test")
    assert first["To"] == "Lee One <leader1@office-a.test>"
    assert str(event.complaint_id) in first.get_content()


def test_the_webhook_body_is_signed_with_the_endpoints_secret() -> None:
    event = major()
    person = DIRECTORY.resolve(event.payload.recipients).addressees[0]
    body = messages.webhook_body(event, person)
    assert body == messages.webhook_body(event, person)
    header = messages.signature(HOOK_SECRET, body)
    assert messages.signature_valid(HOOK_SECRET, body, header)
    assert not messages.signature_valid("another-secret-of-length", body, header)
    assert not messages.signature_valid(HOOK_SECRET, body + b" ", header)


# --- back-off ------------------------------------------------------------------------------------


def test_back_off_doubles_up_to_its_cap() -> None:
    assert RetryPolicy(attempts=5, first_delay=1, max_delay=5).delays() == [1, 2, 4, 5]
    assert RetryPolicy(attempts=1).delays() == []


@given(st.integers(1, 12), st.floats(0, 10), st.floats(1, 4), st.floats(0, 100))
def test_back_off_never_shrinks_and_never_passes_its_cap(
    attempts: int, first: float, factor: float, cap: float
) -> None:
    delays = RetryPolicy(attempts=attempts, first_delay=first, factor=factor, max_delay=cap).delays()
    assert len(delays) == attempts - 1
    assert delays == sorted(delays)
    assert all(0 <= d <= cap for d in delays)


@pytest.mark.parametrize(
    ("status", "permanent"),
    [(400, True), (404, True), (410, True), (408, False), (429, False), (500, False), (503, False)],
)
def test_which_http_answers_are_final(status: int, permanent: bool) -> None:
    assert http_status_is_permanent(status) is permanent


@pytest.mark.parametrize(("code", "permanent"), [(550, True), (554, True), (451, False), (421, False), (None, False)])
def test_which_smtp_replies_are_final(code: int | None, permanent: bool) -> None:
    assert smtp_code_is_permanent(code) is permanent
