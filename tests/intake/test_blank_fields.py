"""A required text of only spaces is refused like an empty one, on HTTP and on the office topic alike.
Found walking through `make up` as an office system would: `{"complainant": {"name": "  "}, ...,
"description": "   "}` was recorded as complaint no. 9 (201), a complaint nobody can read or reply to,
while `""` was a 422."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from services.intake import bootstrap
from services.intake.adapters.office_topic import signed_submission
from services.intake.entrypoints.http import create_app
from services.intake.settings import IntakeSettings
from shared.contracts import RegistrationForm, WireMessage
from shared.contracts.topics import DEAD_LETTERS
from tests.intake.test_office_topic import publish
from tests.kafka_support import read_topic, run_until
from tests.support import T0, form, write_keys, write_signing_keys

BLANKS: list[tuple[dict[str, Any], list[str]]] = [
    ({"complainant": {"name": "   ", "contact": "+852 9123 4567"}}, ["body", "complainant", "name"]),
    ({"description": " \n\t "}, ["body", "description"]),
    ({"customer_request": "\u3000"}, ["body", "customer_request"]),  # an ideographic space, as typed in Chinese
    ({"unit_address": "  "}, ["body", "unit_address"]),
    ({"object": " "}, ["body", "object"]),
    ({"received_by": "  "}, ["body", "received_by"]),
]


@pytest.fixture
def client(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    keys = write_keys(tmp_path / "keys.json")
    settings = IntakeSettings(store="sqlite", state_dir=tmp_path, keys_file=tmp_path / "keys.json")
    with TestClient(create_app(settings, clock=lambda: T0 + timedelta(hours=1))) as client:
        yield client, keys


@pytest.mark.parametrize(("blank", "loc"), BLANKS)
def test_a_required_text_of_only_spaces_is_a_422_naming_it_and_nothing_is_recorded(
    client: tuple[TestClient, dict[str, str]], blank: dict[str, Any], loc: list[str]
) -> None:
    http, keys = client
    answer = http.post("/complaints", json=form(**blank), headers={"X-Office-Key": keys["hk-central/reception"]})

    assert answer.status_code == 422, answer.text
    [problem] = answer.json()["detail"]
    assert problem["loc"] == loc and problem["type"] == "string_blank"
    assert "blank" in problem["msg"]
    assert (http.app.state.intake.process_recorder.max_notification_id() or 0) == 0  # type: ignore[attr-defined]


def test_text_with_spaces_around_it_is_recorded_as_typed(client: tuple[TestClient, dict[str, str]]) -> None:
    http, keys = client
    answer = http.post(
        "/complaints", json=form(description="  部𨋢又壞  "), headers={"X-Office-Key": keys["hk-central/reception"]}
    )
    assert answer.status_code == 201


@pytest.mark.kafka
async def test_a_blank_text_on_the_office_topic_is_a_dead_letter_saying_so(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    write_keys(tmp_path / "keys.json")
    signers = write_signing_keys(tmp_path / "office-signing-keys.json")
    settings = IntakeSettings(
        store="sqlite", state_dir=tmp_path, keys_file=tmp_path / "keys.json",
        office_signing_keys_file=tmp_path / "office-signing-keys.json", kafka_bootstrap_servers=kafka_bootstrap,
    )  # fmt: skip
    tag = uuid.uuid4().hex[:8]
    blank = signed_submission(signers["hk-central"], RegistrationForm(**form(f"{tag}-1", description="   ")))
    good = signed_submission(signers["hk-central"], RegistrationForm(**form(f"{tag}-2")))
    same_key = tag.encode()
    await publish(kafka_bootstrap, [WireMessage(same_key, m.value, m.headers) for m in (blank, good)])

    intake = bootstrap.application(settings)
    worker = bootstrap.office_topic_consumer(settings, intake, clock=lambda: T0 + timedelta(hours=1))
    await run_until(lambda: worker.progress.handled + worker.progress.dead_lettered >= 2, worker.run)
    relay = bootstrap.relay(settings, intake)
    await relay.start()
    while await relay.publish_next_batch():
        pass
    await relay.stop()
    intake.close()

    [letter] = [
        json.loads(r.value)
        for r in await read_topic(kafka_bootstrap, DEAD_LETTERS.name, keep=lambda r: r.key == same_key, expect=1)
    ]
    assert "description is blank" in letter["error"], letter["error"]
    assert worker.progress.dead_lettered == 1 and worker.progress.handled == 1  # the good one after it went on


@pytest.mark.parametrize(
    ("blank", "loc"),
    [
        ({"summary": "   "}, ["body", "summary"]),
        ({"complainant": {"name": " ", "contact": "+852 9123 4567"}}, ["body", "complainant", "name"]),
        ({"unit_address": "\u3000"}, ["body", "unit_address"]),
    ],
)
def test_a_hotline_call_with_a_text_of_only_spaces_is_refused_too(
    client: tuple[TestClient, dict[str, str]], blank: dict[str, Any], loc: list[str]
) -> None:
    """The hotline's call record (found the same way: `"summary": "   "` was recorded, 201)."""
    http, keys = client
    record = {
        "office_id": "hk-central", "hotline_reference": "HL-2026-0009", "reported_at": T0.isoformat(),
        "complainant": {"name": "Chan Tai Man", "contact": "+852 9123 4567"}, "unit_address": "Block 3",
        "summary": "The office would not record my complaint about the car park.",
    } | blank  # fmt: skip
    answer = http.post("/hotline/calls", json=record, headers={"X-Office-Key": keys["group/hotline"]})

    assert answer.status_code == 422, answer.text
    [problem] = answer.json()["detail"]
    assert problem["loc"] == loc and problem["type"] == "string_blank"
    assert (http.app.state.intake.process_recorder.max_notification_id() or 0) == 0  # type: ignore[attr-defined]
