"""A business area the group adds through triage's rules flows through every service: triage publishes
it, and handling, the SLA, follow-up and the projection read it off the wire and act (the chain of
handlers as their consumers call them, each message encoded and decoded as on Kafka)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from services.followup import bootstrap as followup_boot
from services.followup.adapters.inbound import CaseFacts
from services.followup.settings import FollowupSettings
from services.handling import bootstrap as handling_boot
from services.handling.adapters.inbound import HandlingHandler
from services.handling.settings import HandlingSettings
from services.intake import bootstrap as intake_boot
from services.intake.adapters.outbound import translate as intake_translate
from services.intake.settings import IntakeSettings
from services.projection import bootstrap as projection_boot
from services.projection.settings import ProjectionSettings
from services.sla import bootstrap as sla_boot
from services.sla.adapters.inbound import ClockFacts
from services.sla.settings import SlaSettings
from services.triage import bootstrap as triage_boot
from services.triage.adapters.inbound import TriageHandler
from services.triage.adapters.outbound import translate as triage_translate
from services.triage.settings import TriageSettings
from shared.auth import Principal
from shared.bus.consumer import Delivery
from shared.contracts import IntegrationEvent, RegistrationForm, decode_message, encode
from shared.contracts.topics import topic_for_event_type
from shared.contracts.triage import ComplaintTriaged
from shared.eventstore import ServiceApplication
from tests.projection.support import feed
from tests.support import T0, form
from tests.triage.test_rules_vocabulary import with_pets

CLERK = Principal("kln-east/reception", "kln-east", frozenset({"receptionist"}))


def published(app: ServiceApplication, translate: Callable[[Any], Iterable[Any]]) -> list[IntegrationEvent]:
    """What the service's relay would publish, each message through the wire format and back."""
    found = []
    for notification in app.process_recorder.select_notifications(1, 1000):
        for publication in translate(app.mapper.to_domain_event(notification)):
            message = publication.message
            wire = encode(
                message, key=message.key, source="/tests", event_id=str(message.event_id), time=message.occurred_at
            )
            found.append(decode_message(wire))
    return found


def deliver(
    app: ServiceApplication, handler: Callable[[Any, Delivery], None], messages: list[IntegrationEvent]
) -> None:
    uow = app.unit_of_work()
    for offset, message in enumerate(messages):
        handler(uow, Delivery(message, topic_for_event_type(message.type).name, 0, offset, message.key))
    app.commit(uow)


def test_a_complaint_of_an_added_area_is_handled_timed_followed_up_and_counted(tmp_path: Path) -> None:
    memory: dict[str, Any] = {"store": "memory", "state_dir": tmp_path}
    intake = intake_boot.application(IntakeSettings(**memory))
    triage = triage_boot.application(TriageSettings(**memory), lambda: T0)
    handling = handling_boot.application(HandlingSettings(**memory))
    sla = sla_boot.application(SlaSettings(**memory))
    followup = followup_boot.application(FollowupSettings(**memory))
    projection = projection_boot.application(ProjectionSettings(**memory, office_units={}))
    triage.adopt_rules(with_pets(), "group/dashboard", "group", "pets are a new business area", T0)

    described = form(
        "KE-PETS-1",
        object="Dogs barking in the corridor",  # what the complaint is about (triage weighs it first)
        description="The neighbour's dogs keep barking all night; a pet owner ignores us.",
    )
    intake.register("kln-east", CLERK, RegistrationForm(**described), T0)
    [registered] = published(intake, intake_translate)
    deliver(triage, TriageHandler(triage), [registered])
    triaged = [m for m in published(triage, triage_translate) if isinstance(m, ComplaintTriaged)]

    assert [m.payload.business_area for m in triaged] == ["pets"]
    deliver(handling, HandlingHandler(handling), triaged)
    deliver(sla, ClockFacts(sla), [registered, *triaged])
    deliver(followup, CaseFacts(followup), triaged)
    feed(projection, [registered, *triaged])

    case = handling.case(None, registered.complaint_id)
    assert case.department == "customer-service"  # the route the rules gave the new area
    assert sla.clocks(None, registered.complaint_id).clocks  # its clocks run like any complaint's
    assert followup.case(None, registered.complaint_id).validity == "valid"  # follow-up knows it
    stats = projection.statistics(None, T0)
    assert [(c["category"], c["count"]) for c in stats["categories"]] == [("pets", 1)]
