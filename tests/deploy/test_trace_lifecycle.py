"""One complaint step is one trace across all six services, on the real broker.

"One trace per complaint step": a step is what one person's act sets going. The receptionist's
POST registers a complaint; everything that follows from it without another person acting —
triage judging it, handling opening the case, the SLA starting its clocks, follow-up and the
projection hearing each of those facts, and the projection's read side writing them — belongs to
the POST's trace. A later act (a handler posting a result, a supervisor's reply) starts its own
trace from its own request; it is tied to the complaint by the events' causation, not by the trace.

Every service runs in this process with its own store, consumer group and outbox relay (as in
tests/e2e/test_full_lifecycle.py); spans go to one in-memory exporter.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Coroutine, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from services.followup import bootstrap as followup_boot
from services.followup.settings import FollowupSettings
from services.handling import bootstrap as handling_boot
from services.handling.entrypoints.http import create_app as handling_http
from services.handling.settings import HandlingSettings
from services.intake import bootstrap as intake_boot
from services.intake.entrypoints.http import create_app as intake_http
from services.intake.settings import IntakeSettings
from services.projection import bootstrap as projection_boot
from services.projection.entrypoints.http import create_app as projection_http
from services.projection.settings import ProjectionSettings
from services.sla import bootstrap as sla_boot
from services.sla.domain.clocks import ComplaintClocks
from services.sla.settings import SlaSettings
from services.triage import bootstrap as triage_boot
from services.triage.settings import TriageSettings
from shared import tracing
from shared.clock import SimulatedClock
from shared.contracts.topics import HANDLING_EVENTS, INTAKE_EVENTS, SLA_EVENTS, TRIAGE_EVENTS
from tests.e2e.test_full_lifecycle import eventually
from tests.fixtures.ports import free_port
from tests.support import T0, form, write_keys

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

SERVICES = ("triage", "handling", "sla", "followup", "projection")


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    tracing.configure_tracing("test", "lifecycle", exporter=exporter)
    yield exporter
    tracing.disable_tracing()


def _hex(trace_id: int) -> str:
    return f"{trace_id:032x}"


def _key(span: Any) -> Any:
    return (span.attributes or {}).get("messaging.kafka.message.key")


def _of(span: Any, service: str) -> bool:
    return str((span.attributes or {}).get("messaging.consumer.group.name", "")).startswith(f"{service}-")


async def test_one_trace_runs_from_the_post_through_every_service_to_the_projection_and_the_next_step_is_another(
    kafka_bootstrap: str, tmp_path: Path, spans: InMemorySpanExporter
) -> None:
    run = uuid.uuid4().hex[:8]
    keys_file = tmp_path / "keys.json"
    keys = write_keys(keys_file)

    def common(name: str) -> dict[str, Any]:
        return {
            "store": "sqlite",
            "state_dir": tmp_path / name,
            "kafka_bootstrap_servers": kafka_bootstrap,
            "keys_file": keys_file,
            "relay_health_port": free_port(),
            "worker_health_port": free_port(),
        }

    clock = SimulatedClock(T0)
    intake_s = IntakeSettings(**common("intake"))
    triage_s = TriageSettings(**common("triage"), consumer_group=f"triage-{run}")
    handling_s = HandlingSettings(**common("handling"), consumer_group=f"handling-{run}")
    sla_s = SlaSettings(**common("sla"), consumer_group=f"sla-{run}")
    followup_s = FollowupSettings(**common("followup"), consumer_group=f"followup-{run}")
    projection_s = ProjectionSettings(**common("projection"), consumer_group=f"projection-{run}")

    intake = intake_boot.application(intake_s)
    triage = triage_boot.application(triage_s, clock)
    handling = handling_boot.application(handling_s)
    sla = sla_boot.application(sla_s)
    followup = followup_boot.application(followup_s)
    projection = projection_boot.application(projection_s)
    apps = (intake, triage, handling, sla, followup, projection)

    loops: list[Callable[[asyncio.Event], Coroutine[Any, Any, None]]] = [
        intake_boot.relay(intake_s, intake).run,
        triage_boot.consumer(triage_s, triage, clock).run,
        triage_boot.relay(triage_s, triage).run,
        handling_boot.consumer(handling_s, handling, clock).run,
        handling_boot.relay(handling_s, handling).run,
        sla_boot.consumer(sla_s, sla, clock).run,
        sla_boot.relay(sla_s, sla).run,
        followup_boot.consumer(followup_s, followup, clock).run,
        followup_boot.relay(followup_s, followup).run,
        projection_boot.consumer(projection_s, projection, clock).run,
    ]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(loop(stop)) for loop in loops]
    try:
        with TestClient(intake_http(intake_s, app_instance=intake)) as client:
            answer = client.post(
                "/complaints", json=form(f"TRACE-{run}"), headers={"X-Office-Key": keys["hk-central/reception"]}
            )
        assert answer.status_code == 201, answer.text
        cid = answer.json()["complaint_id"]
        [post] = [s for s in spans.get_finished_spans() if s.kind is SpanKind.SERVER and "complaints" in s.name]
        trace_id = _hex(post.context.trace_id)

        def topics_of(service: str) -> set[str]:
            return {
                str((s.attributes or {})["messaging.destination.name"])
                for s in spans.get_finished_spans()
                if s.kind is SpanKind.CONSUMER and _of(s, service) and _key(s) == cid
            }

        def consumed_by() -> dict[str, set[str]]:
            """Per service: the traces of its consumer spans for this complaint's messages."""
            seen: dict[str, set[str]] = {}
            for span in spans.get_finished_spans():
                attributes = span.attributes or {}
                if span.kind is SpanKind.CONSUMER and _key(span) == cid:
                    service = str(attributes["messaging.consumer.group.name"]).split("-")[0]
                    seen.setdefault(service, set()).add(_hex(span.context.trace_id))
            return seen

        # The automatic chain: registration -> triage -> case opened / clocks started -> projection.
        clocks_id = ComplaintClocks.create_id(uuid.UUID(cid))
        await eventually(lambda: sla.repository.get(clocks_id).severity is not None, "the SLA heard the triage")
        chain = {INTAKE_EVENTS.name, TRIAGE_EVENTS.name, HANDLING_EVENTS.name, SLA_EVENTS.name}
        await eventually(lambda: chain <= topics_of("projection"), "the projection heard every service")
        await eventually(lambda: set(SERVICES) <= set(consumed_by()), f"every service consumed: {consumed_by()}")
        assert consumed_by() == {service: {trace_id} for service in SERVICES}, trace_id

        # The read side's write and the SSE push are in the trace too, under the projection's spans.
        projection.refresh()
        with TestClient(projection_http(projection_s, app_instance=projection)) as reader:
            reception = {"X-Office-Key": keys["hk-central/reception"]}
            with reader.stream("GET", "/stream", params={"after": 0, "once": True}, headers=reception) as answer:
                assert cid in "".join(answer.iter_text())
        finished = spans.get_finished_spans()
        projection_spans = {
            s.context.span_id
            for s in finished
            if s.kind is SpanKind.CONSUMER and _of(s, "projection") and _hex(s.context.trace_id) == trace_id
        }
        for name in ("projection read-side write", "projection SSE push"):
            inside = [s for s in finished if s.name == name and _hex(s.context.trace_id) == trace_id]
            assert inside, f"no {name} span in the complaint's trace"
            assert all(s.parent is not None and s.parent.span_id in projection_spans for s in inside), name

        # A person's next act is the next step: its own trace, from its own request, on every hop.
        clock.advance(timedelta(minutes=2))
        with TestClient(handling_http(handling_s, handling, clock)) as handling_api:
            staff = {"X-Office-Key": keys["hk-central/staff"]}
            accepted = handling_api.post(f"/cases/{cid}/acceptance", json={}, headers=staff)
            assert accepted.status_code == 200, accepted.text
        [request] = [s for s in spans.get_finished_spans() if s.kind is SpanKind.SERVER and "acceptance" in s.name]
        step = _hex(request.context.trace_id)
        assert step != trace_id
        # The services that handle handling's fact: the SLA (its clock) and the projection (it reads
        # everything). Triage and follow-up pass the step's records over unread (shared/bus/consumer.py:
        # a type their handler does not want), so they open no span for them.
        after = {"sla", "projection"}
        await eventually(lambda: all(len(consumed_by().get(service, ())) == 2 for service in after), "heard the step")
        passed_over = {"triage", "followup"}
        assert consumed_by() == (
            {"handling": {trace_id}}
            | {service: {trace_id, step} for service in after}
            | {service: {trace_id} for service in passed_over}
        )
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 60)
        for app in apps:
            app.close()
