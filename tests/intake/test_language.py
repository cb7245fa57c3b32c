"""The registration form's optional `language` through intake's HTTP API: recorded, read back, and
published in clear beside the sealed personal data (the notifier writes to the complainant in it)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from services.intake.adapters.outbound import translate
from shared.contracts.intake import ComplaintRegistered
from tests.intake.test_http import client, keys  # noqa: F401 (the fixtures)
from tests.support import form


def _registered(app_client: TestClient) -> list[ComplaintRegistered]:
    intake = app_client.app.state.intake  # type: ignore[attr-defined]
    notifications = intake.notification_log.select(start=1, limit=10)
    events: list[Any] = [p.message for n in notifications for p in translate(intake.mapper.to_domain_event(n))]
    return [e for e in events if isinstance(e, ComplaintRegistered)]


def test_the_complainants_language_is_recorded_and_published_in_clear(client: TestClient, keys) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    headers = {"X-Office-Key": keys["hk-central/reception"]}
    answer = client.post("/complaints", json=form("HK-LANG-1", language="zh-Hans"), headers=headers)
    assert answer.status_code == 201
    assert client.get(f"/complaints/{answer.json()['complaint_id']}", headers=headers).json()["form"]["language"] == (
        "zh-Hans"
    )
    client.post("/complaints", json=form("HK-LANG-2"), headers=headers)  # not recorded: null
    first, second = _registered(client)
    assert first.payload.form.language == "zh-Hans" and second.payload.form.language is None
    assert first.payload.form.personal.sealed  # the personal data sealed, the language beside it


def test_a_language_the_desk_does_not_speak_is_refused_with_the_field_named(client: TestClient, keys) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    answer = client.post(
        "/complaints", json=form(language="fr"), headers={"X-Office-Key": keys["hk-central/reception"]}
    )
    assert answer.status_code == 422 and "language" in answer.text
