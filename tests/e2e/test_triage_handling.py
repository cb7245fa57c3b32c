"""A complaint's whole story on the real broker: intake -> triage -> handling -> result (and a
dissatisfied return visit reopening it). The events on each topic tell the story in order."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.handling import bootstrap as handling_bootstrap
from services.handling.domain.case import Case
from services.handling.entrypoints.http import create_app as handling_api
from services.handling.settings import HandlingSettings
from services.intake import bootstrap as intake_bootstrap
from services.intake.entrypoints.http import create_app as intake_api
from services.intake.settings import IntakeSettings
from services.triage import bootstrap as triage_bootstrap
from services.triage.domain.triage import Triage
from services.triage.settings import TriageSettings
from shared.contracts import Actor
from shared.contracts.followup import ReturnVisitMade, ReturnVisitMadePayload, VisitOutcome
from shared.contracts.topics import HANDLING_EVENTS, INTAKE_EVENTS, NOTIFICATIONS, TRIAGE_EVENTS
from tests.kafka_support import run_until
from tests.support import T0, form, write_keys
from tests.triage.kafka_helpers import events_on, publish

pytestmark = pytest.mark.kafka


async def drain(relay) -> None:
    await relay.start()
    while await relay.publish_next_batch():
        pass
    await relay.stop()


def found(app, aggregate_id) -> bool:
    return app.unit_of_work().find(aggregate_id) is not None


async def test_intake_triage_handling_result_on_the_real_broker(kafka_bootstrap: str, tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:8]
    keys = write_keys(tmp_path / "keys.json")
    common = {"store": "sqlite", "state_dir": tmp_path, "keys_file": tmp_path / "keys.json"}
    kafka = {"kafka_bootstrap_servers": kafka_bootstrap}
    intake_settings = IntakeSettings(**common, **kafka)
    triage_settings = TriageSettings(**common, **kafka, consumer_group=f"triage-{tag}")
    handling_settings = HandlingSettings(**common, **kafka, consumer_group=f"handling-{tag}")

    # 1. An office records the complaint over HTTP; intake's relay publishes it.
    intake = intake_bootstrap.application(intake_settings)
    with TestClient(intake_api(intake_settings, app_instance=intake)) as client:
        answer = client.post(
            "/complaints",
            json=form(
                f"E2E-{tag}",
                unit_address=f"Flat 3, Block 1, {tag} Gardens",
                description="Sudden power failure in the whole building; all lifts stopped with residents inside.",
            ),
            headers={"X-Office-Key": keys["hk-central/reception"]},
        )
    assert answer.status_code == 201
    complaint_id = answer.json()["complaint_id"]
    await drain(intake_bootstrap.relay(intake_settings, intake))
    intake.close()

    # 2. Triage judges it from the topic; its relay publishes the judgement and the escalation.
    triage = triage_bootstrap.application(triage_settings)
    await run_until(
        lambda: (t := triage.unit_of_work().find(Triage.create_id(complaint_id))) is not None and t.triaged,
        triage_bootstrap.consumer(triage_settings, triage).run,
    )
    await drain(triage_bootstrap.relay(triage_settings, triage))
    triage.close()

    # 3. Handling opens the case from the topic; the department works it over HTTP.
    handling = handling_bootstrap.application(handling_settings)
    await run_until(
        lambda: found(handling, Case.create_id(complaint_id)),
        handling_bootstrap.consumer(handling_settings, handling).run,
    )
    staff = {"X-Office-Key": keys["hk-central/staff"]}
    leader = {"X-Office-Key": keys["hk-central/leader"]}
    steps = [
        ("acceptance", staff, None),
        ("progress", staff, {"message": "Engineers are on site; power back within 2 hours."}),
        ("commitments", staff, {"promise": "power back", "due_at": (T0 + timedelta(hours=2)).isoformat()}),
        ("cause", staff, {"cause": "main breaker tripped", "responsible_person": "electrical contractor"}),
        ("proposal", staff, {"kind": "repair", "description": "replace the breaker; apologise to residents"}),
        ("approval", leader, {"note": "approved"}),
        ("execution", staff, {"notes": "breaker replaced"}),
        ("result", staff, {"result": "power and lifts restored", "resolved": True}),
    ]
    with TestClient(handling_api(handling_settings, app_instance=handling, clock=lambda: T0)) as client:
        for step, who, body in steps:
            answer = client.post(f"/cases/{complaint_id}/{step}", json=body, headers=who)
            assert answer.status_code == 200, (step, answer.text)
    await drain(handling_bootstrap.relay(handling_settings, handling))

    # 4. The customer is dissatisfied at the return visit: the case reopens.
    visit = ReturnVisitMade(
        event_id=uuid.uuid4(),
        complaint_id=uuid.UUID(complaint_id),
        office_id="hk-central",
        occurred_at=T0 + timedelta(days=1),
        actor=Actor(id="hk-central/reception", role="receptionist"),
        correlation_id=uuid.UUID(complaint_id),
        payload=ReturnVisitMadePayload(
            outcome=VisitOutcome.DISSATISFIED, attempt=1, acknowledged=False, remarks="lifts still jerky", final=True
        ),
    )
    await publish(kafka_bootstrap, [visit], source="/followup")
    await run_until(
        lambda: handling.case(None, uuid.UUID(complaint_id)).stage == "accepted",
        handling_bootstrap.consumer(handling_settings, handling).run,
    )
    await drain(handling_bootstrap.relay(handling_settings, handling))
    handling.close()

    # The story, topic by topic, in order.
    key = {complaint_id}
    [registered] = await events_on(kafka_bootstrap, INTAKE_EVENTS.name, key, expect=1, timeout=20)
    [triaged] = await events_on(kafka_bootstrap, TRIAGE_EVENTS.name, key, expect=1, timeout=20)
    [told] = await events_on(kafka_bootstrap, NOTIFICATIONS.name, key, expect=1, timeout=20)
    handled = await events_on(kafka_bootstrap, HANDLING_EVENTS.name, key, expect=10, timeout=30)

    assert registered.type == "complaints.intake.ComplaintRegistered"
    assert triaged.type == "complaints.triage.ComplaintTriaged"
    assert triaged.causation_id == registered.event_id
    assert (triaged.payload.severity, triaged.payload.department) == ("major", "engineering")
    assert told.causation_id == registered.event_id
    assert {r.role for r in told.payload.recipients} == {"supervisor", "leader", "company-leader"}
    assert [e.type.rsplit(".", 1)[1] for e in handled] == [
        "CaseOpened",
        "CaseAccepted",
        "ProgressReported",
        "CommitmentMade",
        "CauseRecorded",
        "SolutionProposed",
        "SolutionApproved",
        "SolutionCarriedOut",
        "ResultRecorded",
        "CaseReopened",
    ]
    assert handled[0].causation_id == triaged.event_id
    assert handled[0].payload.explanation.rule == triaged.payload.explanations["routing"].rule
    assert handled[-1].causation_id == visit.event_id
    assert handled[6].actor.id == "hk-central/leader"
    everything = [registered, triaged, told, *handled]
    assert all(str(e.correlation_id) == complaint_id and e.office_id == "hk-central" for e in everything)
    assert all(e.actor.id and e.occurred_at for e in everything)
