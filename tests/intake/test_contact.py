"""A complainant's contact must reach them: a valid phone number (read in the office's region) or an
e-mail address; "abc" is a 422 naming the field over HTTP and a dead letter with the reason on the
office topic, and nothing is recorded (not even a person in the keyring). Stored registrations whose
contact would be refused today still read.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import phonenumbers
import pytest
from fastapi.testclient import TestClient
from httpx import Response
from hypothesis import assume, given
from hypothesis import strategies as st

from services.intake import bootstrap
from services.intake.adapters.office_regions import OfficeRegions, region_of_zone
from services.intake.adapters.office_topic import OfficeTopicHandler
from services.intake.domain.complaint import Complaint
from services.intake.domain.contact import check_contact
from services.intake.domain.errors import ContactRefused
from services.intake.domain.ledger import OfficeLedger
from services.intake.entrypoints.http import create_app
from services.intake.settings import IntakeSettings
from shared.auth import Principal
from shared.bus.consumer import Rejected
from shared.contracts import OfficeRegistrationSubmitted, PersonalData, RegistrationForm
from shared.contracts.directory import OfficeChanged
from shared.contracts.envelope import Actor
from shared.personal import seal_form
from shared.signing import OfficeSigner, OfficeSigningKeys
from tests.intake.test_bounds import delivery
from tests.support import T0, form, write_keys, write_signing_keys

NOW = T0 + timedelta(hours=1)

# -- the rule itself (pure) --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("contact", "region"),
    [
        ("+852 9123 4567", "HK"),
        ("9123 4567", "HK"),  # the office's own numbers need no country code
        ("2345 6789", "HK"),  # a fixed line
        ("+86 138 0013 8000", "HK"),  # another region's number, with its country code
        ("0755 8888 6666", "CN"),  # a Shenzhen office's fixed line, as written there
        ("138 0013 8000", "CN"),
        ("lau@example.com", "HK"),
        ("  Tai.Man@Mail.HK ", "HK"),
        ("陳大文@例子.香港", "HK"),  # an internationalised address
    ],
)
def test_phone_numbers_valid_in_the_region_and_email_addresses_are_accepted(contact: str, region: str) -> None:
    check_contact(contact, region)


@pytest.mark.parametrize(
    ("contact", "region"),
    [
        ("abc", "HK"),
        ("n/a", "HK"),
        ("+852 0000 0000", "HK"),  # no such number
        ("12345678", "HK"),
        ("0755 8888 6666", "HK"),  # Shenzhen's way of writing it, at a Hong Kong office: no country code
        ("9123 4567", "CN"),
        ("555-1234x", "HK"),
        ("lau@", "HK"),
        ("@mail.hk", "HK"),
        ("lau@localhost", "HK"),
        ("lau wing@example.com", "HK"),
    ],
)
def test_anything_else_is_refused_naming_the_field_and_what_is_accepted_never_the_value(
    contact: str, region: str
) -> None:
    with pytest.raises(ContactRefused) as refused:
        check_contact(contact, region)
    reason = refused.value.reason
    assert reason.startswith("complainant.contact ")
    assert "phone number" in reason and "e-mail address" in reason and f"valid in {region}" in reason
    assert contact.strip() not in reason  # reasons are stored in dead letters and logged


WITH_COUNTRY = [phonenumbers.PhoneNumberFormat.E164, phonenumbers.PhoneNumberFormat.INTERNATIONAL,
                phonenumbers.PhoneNumberFormat.RFC3966]  # fmt: skip


@given(
    region=st.sampled_from(["HK", "CN", "MO", "GB"]),
    kind=st.sampled_from([phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE]),
    tail=st.integers(min_value=0, max_value=9999),
    office=st.sampled_from(["HK", "CN"]),
    style=st.sampled_from(WITH_COUNTRY),
)
def test_any_valid_number_is_accepted_with_its_country_code_anywhere_and_without_it_at_home(
    region: str, kind: int, tail: int, office: str, style: int
) -> None:
    example = phonenumbers.example_number_for_type(region, kind)
    national = str(example.national_number)
    number = phonenumbers.parse(f"+{example.country_code}{national[:-4]}{tail:04d}")
    assume(phonenumbers.is_valid_number(number))
    check_contact(phonenumbers.format_number(number, style), office)
    check_contact(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL), region)


# -- where the office's region comes from: its time zone, as the directory says ----------------------


def test_a_time_zone_stands_for_its_country_and_the_directory_says_each_offices_zone() -> None:
    assert region_of_zone("Asia/Hong_Kong") == "HK"
    assert region_of_zone("Asia/Shanghai") == "CN"
    assert region_of_zone("UTC") is None and region_of_zone(None) is None
    regions = OfficeRegions("HK", {"sz-futian": "Asia/Shanghai"})
    assert regions.region("sz-futian") == "CN"
    assert regions.region("unknown-office") == "HK"  # no word from the directory yet: the default
    regions.apply(
        OfficeChanged.model_validate(
            {
                "event_id": "00000000-0000-0000-0000-000000000001",
                "entity": "office:mo-taipa",
                "change": "created",
                "occurred_at": T0,
                "actor": Actor(id="group/admin", role="admin"),
                "reason": "new office",
                "payload": {"office_id": "mo-taipa", "name": "Taipa", "time_zone": "Asia/Macau", "units_served": 1},
            }
        )
    )
    assert regions.region("mo-taipa") == "MO"


def test_a_default_region_libphonenumber_does_not_know_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="not a region libphonenumber knows"):
        IntakeSettings(default_phone_region="ZZ")


# -- over HTTP and on the office topic --------------------------------------------------------------


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, str]:
    return write_keys(tmp_path / "keys.json")


@pytest.fixture
def signers(tmp_path: Path) -> dict[str, OfficeSigner]:
    return write_signing_keys(tmp_path / "office-signing-keys.json")


@pytest.fixture
def settings(tmp_path: Path, keys: dict[str, str], signers: dict[str, OfficeSigner]) -> IntakeSettings:
    return IntakeSettings(
        store="sqlite",
        state_dir=tmp_path,
        keys_file=tmp_path / "keys.json",
        office_signing_keys_file=tmp_path / "office-signing-keys.json",
        office_time_zones={"kln-east": "Asia/Shanghai"},  # as if the directory said so (tests need none)
    )


@pytest.fixture
def client(settings: IntakeSettings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, clock=lambda: NOW), raise_server_exceptions=False) as client:
        yield client


def post(client: TestClient, key: str, body: dict) -> Response:
    return client.post("/complaints", json=body, headers={"X-Office-Key": key})


def test_http_refuses_a_contact_that_reaches_nobody_with_a_422_and_records_nothing(client, keys) -> None:
    intake = client.app.state.intake
    answer = post(client, keys["hk-central/reception"], form("HK-C-1", complainant={"name": "Chan", "contact": "abc"}))

    assert answer.status_code == 422, answer.text
    [problem] = answer.json()["detail"]
    assert problem["loc"] == ["body", "complainant", "contact"]
    assert problem["type"] == "contact_invalid"
    assert "phone number" in problem["msg"] and "e-mail address" in problem["msg"] and "abc" not in problem["msg"]
    assert (intake.process_recorder.max_notification_id() or 0) == 0
    refused = PersonalData(name="Chan", contact="abc", unit_address=form("x")["unit_address"])
    assert intake.find_person(refused) is None  # refused before sealing: no person was made


def test_http_reads_a_number_without_country_code_in_the_offices_region(client, keys) -> None:
    shenzhen_line = {"name": "Chan", "contact": "0755 8888 6666"}
    assert post(client, keys["hk-central/reception"], form("C-2", complainant=shenzhen_line)).status_code == 422
    assert post(client, keys["kln-east/reception"], form("C-2", complainant=shenzhen_line)).status_code == 201
    with_code = {"name": "Chan", "contact": "+86 755 8888 6666"}
    assert post(client, keys["hk-central/reception"], form("C-3", complainant=with_code)).status_code == 201
    e_mail = {"name": "Chan", "contact": "chan.tm@example.com"}
    assert post(client, keys["hk-central/reception"], form("C-4", complainant=e_mail)).status_code == 201


def test_the_topic_refuses_it_as_a_dead_letter_with_the_reason(settings, signers) -> None:
    app = bootstrap.application(settings)
    keys = OfficeSigningKeys.load(settings.office_signing_keys_file)
    handler = OfficeTopicHandler(
        keys, lambda: NOW, settings.registration_window(), keyring=app.sealing_keyring(), phone_region=app.phone_region
    )
    bad = RegistrationForm(**form("T-1", complainant={"name": "Chan", "contact": "12345678"}))
    uow = app.unit_of_work()
    try:
        with pytest.raises(Rejected, match=r"complainant\.contact is neither a valid phone number nor an e-mail"):
            handler(uow, delivery(OfficeRegistrationSubmitted(form=bad), signers))
        assert list(uow.aggregates) == []
    finally:
        app.close()


def test_a_registration_stored_before_the_rule_still_reads(settings) -> None:
    app = bootstrap.application(settings)
    try:
        old = RegistrationForm(**form("OLD-1", complainant={"name": "Chan", "contact": "abc"}))
        sealed = seal_form(old, app.sealing_keyring(), T0).model_dump(mode="json")
        ledger = OfficeLedger("hk-central")
        complaint_id = Complaint.create_id("hk-central", "OLD-1")
        number = ledger.next_number(complaint_id)
        app.save(
            ledger,
            Complaint("hk-central", "OLD-1", number, sealed, T0, "hk-central/reception", "receptionist", None),
        )
        view = app.registration("hk-central", complaint_id)
        assert view.form.complainant.contact == "abc"
        reception = Principal("hk-central/reception", "hk-central", frozenset({"receptionist"}))
        with pytest.raises(ContactRefused):  # a new registration with it is refused all the same
            app.register(
                "hk-central",
                reception,
                RegistrationForm(**form("NEW-1", complainant={"contact": "abc"} | {"name": "Chan"})),
                NOW,
            )
    finally:
        app.close()


# -- a complainant who gives no contact (an anonymous letter, a caller who will not say) --------------


@pytest.mark.parametrize("name", ["Anonymous", "匿名", "无名氏", "Mrs Lee"])
def test_a_complaint_without_a_contact_is_recorded_and_recognises_nobody(client, keys, name: str) -> None:
    intake = client.app.state.intake
    first = post(client, keys["hk-central/reception"], form("A-1", complainant={"name": name}))
    second = post(client, keys["hk-central/reception"], form("A-2", complainant={"name": name, "contact": None}))

    assert first.status_code == 201, first.text
    assert second.status_code == 201, second.text
    stored = [intake.repository.get(UUID(answer.json()["complaint_id"])) for answer in (first, second)]
    people = {complaint.form.personal.person_id for complaint in stored}
    if name == "Mrs Lee":  # a real name with the same unit: the same person, as with a contact
        assert len(people) == 1
    else:  # "Anonymous" of one unit twice is two people nobody can tell apart, not one person
        assert len(people) == 2
    opened = intake.registration("hk-central", UUID(first.json()["complaint_id"])).form
    assert opened.complainant.contact is None and opened.complainant.name == name


def test_a_contact_of_only_spaces_is_still_refused_as_blank_not_taken_for_none(client, keys) -> None:
    answer = post(client, keys["hk-central/reception"], form("A-3", complainant={"name": "Chan", "contact": "   "}))
    assert answer.status_code == 422, answer.text
    assert (client.app.state.intake.process_recorder.max_notification_id() or 0) == 0
