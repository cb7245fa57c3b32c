"""Traces: off by default (nothing stored or published changes); on, one trace runs from an HTTP
request through the store, the relay and Kafka (the CloudEvents `traceparent` extension) into the
consumer that handles the message, and on into what that consumer records."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from services.intake import bootstrap
from services.intake.entrypoints.http import create_app
from services.intake.settings import IntakeSettings
from shared import tracing
from shared.bus.consumer import TrackedConsumer
from shared.contracts.topics import INTAKE_EVENTS
from shared.eventstore import store_environment
from tests.fixtures.ports import free_port
from tests.kafka_support import Tally, TallyApplication, read_topic, run_until, tally_handler
from tests.support import form, write_keys


def _settings(tmp_path: Path, servers: str = "127.0.0.1:1") -> IntakeSettings:
    return IntakeSettings(
        store="sqlite",
        state_dir=tmp_path,
        keys_file=tmp_path / "keys.json",
        kafka_bootstrap_servers=servers,
        relay_health_port=free_port(),
        worker_health_port=free_port(),
    )


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    tracing.configure_tracing("test", "process", exporter=exporter)
    yield exporter
    tracing.disable_tracing()


def _raw_states(app: Any) -> list[bytes]:
    mapper = app.mapper
    states = []
    for notification in app.process_recorder.select_notifications(1, 1000):
        state = notification.state
        if mapper.cipher:
            state = mapper.cipher.decrypt(state)
        if mapper.compressor:
            state = mapper.compressor.decompress(state)
        states.append(state)
    return states


def test_tracing_is_off_by_default_and_stores_nothing_more(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    assert tracing.configure_tracing("intake", "http") is None and not tracing.enabled()
    keys = write_keys(tmp_path / "keys.json")
    settings = _settings(tmp_path)
    app = bootstrap.application(settings)
    with TestClient(create_app(settings, app_instance=app)) as client:
        reception = {"X-Office-Key": keys["hk-central/reception"], "traceparent": f"00-{'a' * 32}-{'b' * 16}-01"}
        assert client.post("/complaints", json=form("HK-T-0"), headers=reception).status_code == 201
    assert not any(tracing.TRACE_KEY.encode() in state for state in _raw_states(app))
    assert tracing.extensions_for(f"00-{'a' * 32}-{'b' * 16}-01") is None
    app.close()


@pytest.mark.kafka
async def test_one_trace_from_the_post_through_the_relay_and_kafka_into_the_consumer(
    kafka_bootstrap: str, tmp_path: Path, spans: InMemorySpanExporter
) -> None:
    keys = write_keys(tmp_path / "keys.json")
    settings = _settings(tmp_path, kafka_bootstrap)
    intake = bootstrap.application(settings)
    reference = f"HK-TR-{uuid.uuid4().hex[:8]}"
    with TestClient(create_app(settings, app_instance=intake)) as client:
        answer = client.post(
            "/complaints", json=form(reference), headers={"X-Office-Key": keys["hk-central/reception"]}
        )
        assert answer.status_code == 201, answer.text
    [server] = [s for s in spans.get_finished_spans() if s.kind is SpanKind.SERVER and "complaints" in s.name]
    trace_id = f"{server.context.trace_id:032x}"
    # The stored event keeps the trace it was recorded under; reading it takes the trace off again.
    assert any(trace_id.encode() in state for state in _raw_states(intake))

    relay = bootstrap.relay(settings, intake)
    await relay.start()
    while await relay.publish_next_batch():
        pass
    await relay.stop()
    [record] = await read_topic(
        kafka_bootstrap, INTAKE_EVENTS.name, keep=lambda r: reference.encode() in r.value, expect=1
    )
    headers = {k: v.decode() for k, v in record.headers}
    assert headers[tracing.HEADER].split("-")[1] == trace_id

    tally_settings = IntakeSettings(store="sqlite", state_dir=tmp_path / "tally").model_copy(
        update={"service_name": "tally"}
    )
    (tmp_path / "tally").mkdir()
    tally = TallyApplication(env=store_environment(tally_settings))
    consumer = TrackedConsumer(
        group_id=f"tally-{uuid.uuid4().hex[:6]}",
        topics=[INTAKE_EVENTS.name],
        app=tally,
        handle=tally_handler,
        bootstrap_servers=kafka_bootstrap,
    )
    complaint_id = answer.json()["complaint_id"]
    await run_until(lambda: tally.count_of(complaint_id) == 1, consumer.run)

    [handled] = [s for s in spans.get_finished_spans() if s.kind is SpanKind.CONSUMER]
    assert f"{handled.context.trace_id:032x}" == trace_id  # the same trace, across the outbox and Kafka
    assert handled.parent is not None and handled.parent.is_remote
    assert handled.attributes["messaging.destination.name"] == INTAKE_EVENTS.name
    # What the consumer recorded carries its span on: the next relay continues the trace from there.
    span_id = f"{handled.context.span_id:016x}"
    assert any(f"{trace_id}-{span_id}".encode() in state for state in _raw_states(tally))
    tally.repository.get(Tally.create_id(uuid.UUID(complaint_id)))  # the domain reads it as before
    tally.close()
    intake.close()


def test_a_log_line_written_inside_a_span_names_its_trace(spans: InMemorySpanExporter) -> None:
    import logging

    from shared import logs

    record = logging.LogRecord("tests.trace", logging.INFO, __file__, 1, "inside", (), None)
    with tracing.tracer().start_as_current_span("work") as span:
        line = logs.formatter("json").format(record)
    assert f'"trace_id": "{span.get_span_context().trace_id:032x}"' in line
    assert '"trace_id"' not in logs.formatter("json").format(record)
