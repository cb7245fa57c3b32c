"""Times that cannot lie and text that cannot break: the same bounds over HTTP and on the office topic.

Reproductions of issue 12: a `received_at` of 9999 (or year 1 at +14:00) was answered 201 and then
stopped every process that added an hour to it; a `received_at` in 2099 started every clock in 2099; a
lone surrogate or a NaN literal was a 500. Each is now a 422 naming the field, and nothing is recorded.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.intake import bootstrap
from services.intake.adapters.office_topic import OfficeTopicHandler, signed_submission
from services.intake.entrypoints.http import create_app
from services.intake.settings import IntakeSettings
from shared.bus.consumer import Delivery, Rejected
from shared.contracts import MalformedMessage, OfficeRegistrationSubmitted, RegistrationForm, decode_message
from shared.contracts.bounds import RegistrationWindow, check_registration_times
from shared.contracts.topics import OFFICE_REGISTRATIONS
from shared.signing import OfficeSigner, OfficeSigningKeys
from tests.support import T0, form, write_keys, write_signing_keys

NOW = T0 + timedelta(hours=1)


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
    )


@pytest.fixture
def client(settings: IntakeSettings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, clock=lambda: NOW), raise_server_exceptions=False) as client:
        yield client


def post(client: TestClient, keys: dict[str, str], body: dict | str | bytes):
    content = body if isinstance(body, str | bytes) else json.dumps(body)
    headers = {"X-Office-Key": keys["hk-central/reception"], "Content-Type": "application/json"}
    return client.post("/complaints", content=content, headers=headers)


def recorded(client: TestClient) -> int:
    return client.app.state.intake.process_recorder.max_notification_id() or 0


def refused(response, field: str) -> str:
    """The reason given for `field`, after checking the answer is a 422 naming it."""
    return problem_of(response, field)["msg"]  # type: ignore[no-any-return]


def problem_of(response, field: str) -> dict:
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "request.invalid"
    problems = [e for e in response.json()["detail"] if field in e["loc"]]
    assert problems, response.json()
    return problems[0]  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("times", "field", "reason", "code"),
    [
        ({"received_at": "9999-12-31T23:59:00Z"}, "received_at", "outside the years", "instant_out_of_range"),
        (
            {"occurred_at": "0001-01-01T00:00+14:00", "received_at": "0001-01-01T01:00+14:00"},
            "received_at",
            "not a representable instant",
            "instant_out_of_range",
        ),
        ({"received_at": "2099-01-01T00:00:00Z"}, "received_at", "in the future", "bounds.in_future"),
        ({"received_at": (NOW + timedelta(minutes=6)).isoformat()}, "received_at", "at most 5 minutes after now",
         "bounds.in_future"),
        ({"received_at": (NOW - timedelta(days=3700)).isoformat()}, "received_at", "more than 3653 days before now",
         "bounds.too_long_ago"),
        ({"occurred_at": "1990-01-01T00:00:00Z"}, "occurred_at", "more than 3653 days before received_at",
         "bounds.occurred_too_long_before_received"),
        ({"occurred_at": (T0 + timedelta(minutes=1)).isoformat()}, "received_at", "must not be after received_at",
         "occurred_after_received"),
    ],
)  # fmt: skip
def test_times_outside_their_window_are_422_naming_the_field_and_nothing_is_recorded(
    client, keys, times, field, reason, code
) -> None:
    body = form() | times
    if "occurred_at" not in times:
        body["occurred_at"] = body["received_at"] if "received_at" in times else body["occurred_at"]
    response = post(client, keys, body)

    assert reason in refused(response, field)
    problem = problem_of(response, field)  # the code (ours) or pydantic's type (the contract's own check)
    assert problem.get("code", problem["type"]) == code, problem
    assert problem.get("params", problem.get("ctx", {})).get("value") or code == "occurred_after_received"
    assert recorded(client) == 0


def test_times_at_the_edges_of_the_window_are_accepted(client, keys) -> None:
    latest = post(client, keys, form("EDGE-1", received_at=(NOW + timedelta(minutes=5)).isoformat()))
    oldest = NOW - timedelta(days=3653)
    earliest = post(client, keys, form("EDGE-2", occurred_at=oldest.isoformat(), received_at=oldest.isoformat()))

    assert (latest.status_code, earliest.status_code) == (201, 201)


def test_the_window_is_a_setting(tmp_path, keys) -> None:
    settings = IntakeSettings(
        store="memory", state_dir=tmp_path, keys_file=tmp_path / "keys.json", received_max_age_days=30,
        received_future_skew_minutes=0,
    )  # fmt: skip
    with TestClient(create_app(settings, clock=lambda: NOW)) as client:
        old = (NOW - timedelta(days=31)).isoformat()
        ahead = (NOW + timedelta(minutes=1)).isoformat()
        assert "more than 30 days before now" in refused(
            post(client, keys, form(occurred_at=old, received_at=old)), "received_at"
        )
        assert "at most 0 minutes after now" in refused(post(client, keys, form(received_at=ahead)), "received_at")


@pytest.mark.parametrize(
    ("raw", "loc"),
    [
        (json.dumps(form(object="lift \ud800")), ["body", "object"]),
        (json.dumps(form(complainant={"name": "\udfff", "contact": "+852 1234"})), ["body", "complainant", "name"]),
        (json.dumps(form()).replace('"channel": "phone"', '"channel": NaN'), ["body", "channel"]),
        (json.dumps(form()).replace('"channel": "phone"', '"channel": -Infinity'), ["body", "channel"]),
        (json.dumps(form()).replace('"channel": "phone"', '"channel": 1e999'), ["body", "channel"]),
    ],
)
def test_lone_surrogates_and_nan_literals_are_422_not_500(client, keys, raw, loc) -> None:
    response = post(client, keys, raw)

    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == loc
    assert recorded(client) == 0


@pytest.mark.parametrize(
    "raw",
    [b'{"object": "\xff\xfe"}', b"[" * 50_000 + b"]" * 50_000, b'{"object": ' + b"[" * 900 + b"]" * 900 + b"}"],
)
def test_bodies_that_are_not_json_text_are_422_json_invalid(tmp_path, keys, raw) -> None:
    settings = IntakeSettings(store="memory", keys_file=tmp_path / "keys.json", max_body_bytes=200_000)
    with TestClient(create_app(settings, clock=lambda: NOW)) as client:
        response = post(client, keys, raw)

    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"


# -- the office-facing topic: the same bounds; a refusal is a dead letter (Rejected), never a crash ---------


def delivery(message: OfficeRegistrationSubmitted, signers: dict[str, OfficeSigner]) -> Delivery:
    wire = signed_submission(signers["hk-central"], message.form)
    headers = {k: v.decode() for k, v in wire.headers}
    return Delivery(decode_message(wire), OFFICE_REGISTRATIONS.name, 0, 0, None, headers, wire.value)


def test_the_topic_refuses_a_2099_registration_with_the_reason_and_records_nothing(settings, signers) -> None:
    app = bootstrap.application(settings)
    keys = OfficeSigningKeys.load(settings.office_signing_keys_file)
    handler = OfficeTopicHandler(keys, lambda: NOW, settings.registration_window(), keyring=app.sealing_keyring())
    future = RegistrationForm(**form(received_at="2099-01-01T00:00:00+00:00"))
    uow = app.unit_of_work()
    try:
        with pytest.raises(Rejected, match="received_at: 2099-01-01T00:00:00\\+00:00 is in the future"):
            handler(uow, delivery(OfficeRegistrationSubmitted(form=future), signers))
        assert list(uow.aggregates) == []
        handler(uow, delivery(OfficeRegistrationSubmitted(form=RegistrationForm(**form())), signers))
        assert len(list(uow.aggregates)) == 2  # the office's ledger and the complaint
    finally:
        app.close()


def test_a_9999_registration_injected_on_the_topic_cannot_be_decoded_so_it_is_a_dead_letter(signers) -> None:
    # An office system that skips the contract's checks: the consumer turns MalformedMessage into a dead letter.
    forged = RegistrationForm.model_construct(**(RegistrationForm(**form()).__dict__ | {"received_at": datetime.max}))
    wire = signed_submission(signers["hk-central"], forged)

    with pytest.raises(MalformedMessage, match="received_at"):
        decode_message(wire)


def test_http_and_topic_share_one_check() -> None:
    window = RegistrationWindow()
    check_registration_times(T0, T0, NOW, window)
    with pytest.raises(ValueError, match="received_at"):
        check_registration_times(T0, datetime(2099, 1, 1, tzinfo=UTC), NOW, window)


def test_a_body_that_is_not_json_at_all_is_422_and_its_bytes_do_not_break_the_answer(client, keys) -> None:
    headers = {"X-Office-Key": keys["hk-central/reception"], "Content-Type": "text/plain"}

    response = client.post("/complaints", content=b"\xff\xfe not json", headers=headers)

    assert response.status_code == 422
    assert recorded(client) == 0


def test_openapi_documents_that_out_of_bounds_and_unparseable_bodies_are_422(client) -> None:
    answer = client.get("/openapi.json").json()["paths"]["/complaints"]["post"]["responses"]["422"]
    assert "json_invalid" in answer["description"] and "out of bounds" in answer["description"]


def test_a_lone_surrogate_on_the_topic_cannot_be_decoded_so_it_is_a_dead_letter(signers) -> None:
    forged = RegistrationForm.model_construct(**(RegistrationForm(**form()).__dict__ | {"object": "lift \ud800"}))
    wire = signed_submission(signers["hk-central"], forged)

    with pytest.raises(MalformedMessage, match="object"):
        decode_message(wire)
