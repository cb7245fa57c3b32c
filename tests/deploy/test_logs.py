"""Structured logs: JSON lines (or readable ones) naming the service and process, the complaint and
correlation ids of the message being handled, each request's ids; personal data withheld; and the
rate limit still holding back a flood, whether the line comes from `logging` or from structlog."""

from __future__ import annotations

import io
import json
import logging
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog
from aiokafka import ConsumerRecord, TopicPartition
from fastapi.testclient import TestClient

from services.intake import bootstrap
from services.intake.entrypoints.http import create_app
from services.intake.settings import IntakeSettings
from shared import logs
from shared.bus.consumer import Delivery, TrackedConsumer
from shared.contracts import ComplaintRegistered, encode
from shared.contracts.catalogue_doc import GOLDEN_DIR
from shared.contracts.topics import INTAKE_EVENTS
from shared.eventstore import UnitOfWork, store_environment
from tests.fixtures.ports import free_port
from tests.kafka_support import TallyApplication, tally_handler
from tests.support import write_keys


@pytest.fixture
def captured(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """The root logger writing JSON to a buffer, as a production process does."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, dict(logs._identity))
    stream = io.StringIO()
    root.handlers = [logging.StreamHandler(stream)]
    monkeypatch.setenv("LOG_FORMAT", "json")
    logs.configure_logging("INFO", service="intake", process="worker")
    yield stream
    root.handlers, root.level = saved[0], saved[1]
    logs._identity.clear()
    logs._identity.update(saved[2])
    structlog.reset_defaults()


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def _registered() -> ComplaintRegistered:
    data = json.loads((GOLDEN_DIR / "complaints.intake.ComplaintRegistered.v2.json").read_text())
    return ComplaintRegistered.model_validate(data | {"complaint_id": str(uuid.uuid4())})


def test_a_worker_line_is_json_with_the_handled_messages_complaint_and_correlation_ids(
    captured: io.StringIO, tmp_path: Path
) -> None:
    event = _registered()
    wire = encode(event, key=event.key, source="/t", event_id=str(event.event_id))
    record = ConsumerRecord(INTAKE_EVENTS.name, 0, 7, 0, 0, wire.key, wire.value, None, 0, 0, list(wire.headers))
    settings = IntakeSettings(store="memory", state_dir=tmp_path).model_copy(update={"service_name": "tally"})

    def handler(uow: UnitOfWork, delivery: Delivery) -> None:
        logging.getLogger("tests.handler").info("handling %s", "it")
        tally_handler(uow, delivery)

    app = TallyApplication(env=store_environment(settings))
    consumer = TrackedConsumer(
        group_id="tally", topics=[INTAKE_EVENTS.name], app=app, handle=handler, bootstrap_servers="unused:1"
    )
    consumer.process_partition_batch(TopicPartition(INTAKE_EVENTS.name, 0), [record])
    logging.getLogger("tests.handler").info("after")

    during, after = [line for line in lines(captured) if line["logger"] == "tests.handler"]
    assert during["event"] == "handling it" and during["level"] == "info"
    assert (during["service"], during["process"]) == ("intake", "worker")
    assert during["complaint_id"] == str(event.complaint_id)
    assert during["correlation_id"] == str(event.correlation_id)
    assert during["event_type"] == "complaints.intake.ComplaintRegistered"
    assert (during["topic"], during["partition"], during["offset"]) == (INTAKE_EVENTS.name, 0, 7)
    assert "timestamp" in during
    assert "complaint_id" not in after  # bound only around the message's handling
    # The envelope only: nothing of the form (the complainant's name, contact, unit) is bound.
    assert event.payload.form.personal.sealed not in captured.getvalue()
    assert event.payload.form.description not in captured.getvalue()


def test_personal_fields_are_withheld_whoever_passes_them(captured: io.StringIO) -> None:
    logging.getLogger("tests.pd").info("stdlib", extra={"complainant_name": "Chan Tai Man", "contact": "+85291234567"})
    structlog.get_logger("tests.pd").info("structlog", name="Chan Tai Man", unit="Flat 12A")
    text = captured.getvalue()
    assert "Chan Tai Man" not in text and "91234567" not in text and "12A" not in text
    assert [line["event"] for line in lines(captured)] == ["stdlib", "structlog"]
    assert all("[withheld]" in json.dumps(line) for line in lines(captured))


def test_the_rate_limit_holds_back_a_structlog_flood_and_says_how_much(captured: io.StringIO) -> None:
    flood = structlog.get_logger("tests.flood")
    for n in range(1_000):
        flood.warning("the same thing again", n=n)
    kept = lines(captured)
    assert 90 <= len(kept) < 150  # the burst (100) and what refilled meanwhile, whatever the values
    time.sleep(0.15)
    flood.warning("the same thing again", n=-1)
    written = lines(captured)
    assert written[-1]["suppressed"] > 0
    # Every line held back is counted on a later one that passed: nothing vanishes unsaid.
    assert len(written) + sum(line.get("suppressed", 0) for line in written) == 1_001


def test_console_format_is_for_people() -> None:
    record = logging.LogRecord("tests.console", logging.INFO, __file__, 1, "hello %s", ("there",), None)
    text = logs.formatter("console").format(record)
    assert "hello there" in text and not text.lstrip().startswith("{")


def test_an_http_request_carries_and_echoes_its_request_id(tmp_path: Path) -> None:
    write_keys(tmp_path / "keys.json")
    settings = IntakeSettings(
        store="sqlite",
        state_dir=tmp_path,
        keys_file=tmp_path / "keys.json",
        kafka_bootstrap_servers="127.0.0.1:1",
        relay_health_port=free_port(),
        worker_health_port=free_port(),
    )
    with TestClient(create_app(settings, app_instance=bootstrap.application(settings))) as client:
        given = client.get("/health/live", headers={"X-Request-Id": "req-123", "X-Correlation-Id": "corr-9"})
        made = client.get("/health/live")
    assert given.headers["X-Request-Id"] == "req-123"
    assert len(made.headers["X-Request-Id"]) == 32
    assert logs._identity == {"service": "intake", "process": "http"}


def test_a_value_pydantic_echoes_in_an_error_is_withheld(captured: io.StringIO) -> None:
    from shared.contracts.intake import Complainant

    name, contact = "Chan Tai Man" * 30, "+85291234567"  # (a traceback shows source lines, not values)
    try:
        Complainant(name=name, contact=contact[:2])
    except ValueError as error:
        logging.getLogger("tests.echo").warning("handling failed: %s", error)
        logging.getLogger("tests.echo").exception("and with its traceback")
    text = captured.getvalue()
    assert "Chan Tai Man" not in text and "91234567" not in text
    assert "input_value=[withheld]" in text and "string_too_long" in text
