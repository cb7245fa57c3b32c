"""Prometheus metrics of every process: a real relay's and worker's `/metrics` on the real broker
(lag per partition, handled, dead letters by reason class, published messages, backlog), an HTTP
app's request latency by route template, and the SLA's clocks counted from what its relay publishes."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from services.intake import bootstrap
from services.intake.adapters.office_topic import signed_submission
from services.intake.entrypoints.http import create_app
from services.intake.settings import IntakeSettings
from shared.bus import kafka
from shared.bus.consumer import Rejected, dead_letter_class
from shared.bus.deadletters import letters_in
from shared.contracts import MalformedMessage, RegistrationForm, WireMessage, encode
from shared.contracts.catalogue import decode
from shared.contracts.catalogue_doc import GOLDEN_DIR
from shared.contracts.topics import INTAKE_EVENTS, OFFICE_REGISTRATIONS
from shared.health import relay_endpoint, serving, worker_endpoint
from shared.metrics import RelayMetrics, render
from tests.fixtures.ports import free_port
from tests.support import T0, form, write_keys, write_signing_keys

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def samples(text: str) -> Samples:
    """Every sample of a scrape, by name and sorted labels."""
    found: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def total(found: Samples, name: str, **labels: str) -> float:
    """The sum of `name`'s samples whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(value for (n, lbls), value in found.items() if n == name and wanted <= set(lbls))


def _settings(tmp_path: Path, bootstrap_servers: str) -> IntakeSettings:
    return IntakeSettings(
        store="sqlite",
        state_dir=tmp_path,
        keys_file=tmp_path / "keys.json",
        kafka_bootstrap_servers=bootstrap_servers,
        relay_health_port=free_port(),
        worker_health_port=free_port(),
    )


async def _until(check: Callable[[], Any], seconds: float = 30.0) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        try:
            value = await check()
        except httpx.TransportError:
            value = None
        if value or time.monotonic() > deadline:
            return value
        await asyncio.sleep(0.2)


def test_http_app_counts_requests_by_route_template_never_the_raw_path(tmp_path: Path) -> None:
    keys = write_keys(tmp_path / "keys.json")
    settings = _settings(tmp_path, "127.0.0.1:1")
    with TestClient(create_app(settings, app_instance=bootstrap.application(settings))) as client:
        reception = {"X-Office-Key": keys["hk-central/reception"]}
        assert client.post("/complaints", json=form("HK-M-1"), headers=reception).status_code == 201
        for n in range(3):
            client.get(f"/complaints/{n}-no-such-complaint", headers=reception)
        client.get("/no/such/route/at-all")
        scrape = client.get("/metrics")
    assert scrape.status_code == 200
    assert scrape.headers["content-type"].startswith("text/plain")
    found = samples(scrape.text)
    count = "http_request_duration_seconds_count"
    assert total(found, count, method="POST", route="/complaints", status="201") == 1
    routes = {dict(labels)["route"] for name, labels in found if name == count}
    assert "unmatched" in routes
    assert not any("no-such" in route or "at-all" in route for route in routes), routes
    assert total(found, "complaints_process_info", service="intake", process="http") == 1
    assert "/metrics" not in client.app.openapi()["paths"]


def test_dead_letters_are_counted_by_reason_class() -> None:
    assert dead_letter_class(MalformedMessage("garbage")) == "decode"
    assert dead_letter_class(Rejected("bad signature")) == "refused"
    assert dead_letter_class(ValueError("handler bug")) == "failed"


def _golden_wire(type_name: str, **payload: Any) -> Any:
    data = json.loads((GOLDEN_DIR / f"{type_name}.v1.json").read_text(encoding="utf-8"))
    data["payload"] |= payload
    message: Any = decode(type_name, data)
    return encode(message, key=message.key, source="/sla", event_id=str(message.event_id), time=message.occurred_at)


def test_sla_clocks_are_counted_by_event_clock_and_level_from_what_the_relay_published() -> None:
    metrics = RelayMetrics()
    metrics.published(
        [
            ("complaints.sla.events", _golden_wire("complaints.sla.ClockStarted")),
            ("complaints.sla.events", _golden_wire("complaints.sla.DeadlineWarning", fraction=0.8)),
            ("complaints.sla.events", _golden_wire("complaints.sla.DeadlineBreached", escalation_level=2)),
            ("complaints.sla.events", _golden_wire("complaints.sla.DeadlineBreached", escalation_level=9)),
        ]
    )
    found = samples(render(metrics.registry).decode())
    assert total(found, "sla_clock_events_total", event="started") == 1
    assert total(found, "sla_clock_events_total", event="warned", level="0.8") == 1
    assert total(found, "sla_clock_events_total", event="breached", level="2") == 1
    assert total(found, "sla_clock_events_total", event="breached", level="5+") == 1
    assert total(found, "relay_messages_published_total", type="complaints.sla.DeadlineBreached") == 2


@pytest.mark.kafka
async def test_relay_and_worker_metrics_count_lag_handled_and_dead_letters_on_the_real_broker(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    """One partition holds 2 good registrations, 1 forged (refused) and 4 that are no CloudEvents
    (decode). The worker takes one message a batch and is held at its first: its lag shows; let go,
    it counts 2 handled and 5 dead letters by class, with lag 0; the relay publishes them all."""
    write_keys(tmp_path / "keys.json")
    signers = write_signing_keys(tmp_path / "office-signing-keys.json")
    settings = _settings(tmp_path, kafka_bootstrap).model_copy(
        update={"consumer_batch_size": 1, "office_signing_keys_file": tmp_path / "office-signing-keys.json"}
    )
    tag = uuid.uuid4().hex[:8]
    good = [signed_submission(signers["hk-central"], RegistrationForm(**form(f"{tag}-{n}"))) for n in (1, 2)]
    # signed by another office's key for hk-central: refused
    forged = signed_submission(signers["kln-east"], RegistrationForm(**form(f"{tag}-3")), office_id="hk-central")
    poison = [WireMessage(b"", b"poison %d" % n, []) for n in range(4)]
    producer = kafka.producer(kafka_bootstrap)
    await producer.start()
    for message in [good[0], *poison, forged, good[1]]:  # one key: one partition, in this order
        await producer.send_and_wait(
            OFFICE_REGISTRATIONS.name, message.value, key=tag.encode(), headers=message.headers
        )
    await producer.stop()

    app = bootstrap.application(settings)
    relay = bootstrap.relay(settings, app)
    worker = bootstrap.office_topic_consumer(settings, app, clock=lambda: T0 + timedelta(hours=1))
    held, let_go = threading.Event(), threading.Event()
    process = worker.process_partition_batch

    def holding_the_first(partition: Any, records: Any) -> None:
        if not held.is_set():
            held.set()
            let_go.wait(30)
        process(partition, records)

    worker.process_partition_batch = holding_the_first  # type: ignore[method-assign]
    stop = asyncio.Event()
    probe = httpx.AsyncClient(timeout=5)
    relay_url = f"http://{settings.health_address('relay')}/metrics"
    worker_url = f"http://{settings.health_address('worker')}/metrics"

    async def run_relay() -> None:
        async with serving(relay_endpoint(settings, relay)):
            await relay.run(stop)

    async def run_worker() -> None:
        async with serving(worker_endpoint(settings, worker)):
            await worker.run(stop)

    tasks = [asyncio.create_task(run_relay()), asyncio.create_task(run_worker())]
    try:

        async def behind() -> Samples | None:
            found = samples((await probe.get(worker_url)).text)
            return found if held.is_set() and total(found, "consumer_lag") >= 6 else None

        found = await _until(behind)
        let_go.set()
        assert found, (await probe.get(worker_url)).text
        # 6 behind the held one (7 if a rebalance sent the worker back to the start meanwhile)
        [lagging] = [dict(lbls) for (n, lbls), v in found.items() if n == "consumer_lag" and v >= 6]
        assert lagging["topic"] == OFFICE_REGISTRATIONS.name
        assert total(found, "consumer_records_handled_total") == 0

        async def worker_done() -> Samples | None:
            found = samples((await probe.get(worker_url)).text)
            done = total(found, "consumer_records_handled_total") + total(found, "consumer_dead_letters_total")
            return (
                found
                if done == 7
                and total(found, "consumer_lag") == 0
                and ("consumer_lag", tuple(sorted(lagging.items()))) in found
                else None
            )

        found = await _until(worker_done)
        assert found, (await probe.get(worker_url)).text
        assert total(found, "consumer_records_handled_total", topic=OFFICE_REGISTRATIONS.name) == 2
        assert total(found, "consumer_dead_letters_total", reason="decode") == 4
        assert total(found, "consumer_dead_letters_total", reason="refused") == 1
        assert total(found, "consumer_dead_letters_total", reason="failed") == 0
        assert total(found, "consumer_dead_letters_open") == 5  # nobody has looked at them yet
        # Lag is reported per partition once Kafka told its end (an idle partition may not have yet).
        assert total(found, "consumer_lag", partition=lagging["partition"]) == 0
        partitions = {dict(lbls)["partition"] for (n, lbls) in found if n == "consumer_lag"}
        assert partitions <= {str(p) for p in range(OFFICE_REGISTRATIONS.partitions)}
        assert total(found, "consumer_assigned_partitions") == OFFICE_REGISTRATIONS.partitions
        assert total(found, "consumer_batch_size_count") == 7  # one message a batch
        assert total(found, "consumer_commit_duration_seconds_count") >= 2
        assert total(found, "process_resident_memory_bytes") > 0

        async def relay_done() -> Samples | None:
            found = samples((await probe.get(relay_url)).text)
            published = total(found, "relay_messages_published_total", topic=INTAKE_EVENTS.name)
            return found if published == 2 and total(found, "relay_notifications_behind") == 0 else None

        found = await _until(relay_done)
        assert found, (await probe.get(relay_url)).text
        # The worker's dead letters are stored events too: the relay publishes them.
        assert total(found, "relay_messages_published_total", type="complaints.bus.DeadLetter") == 5
        assert total(found, "relay_notifications_published_total") == app.process_recorder.max_notification_id()
        assert total(found, "relay_commit_duration_seconds_count") >= 1
        assert total(found, "relay_quarantines_total") == 0

        # An operator dismisses one (who and why): it no longer counts as open; nothing else changes.
        letter = letters_in(app)[0]
        letter.dismiss("ops/alice", "a load test's garbage", T0 + timedelta(hours=2))
        app.save(letter)
        found = samples((await probe.get(worker_url)).text)
        assert total(found, "consumer_dead_letters_open") == 4
        assert total(found, "consumer_dead_letters_total") == 5
    finally:
        let_go.set()
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        await probe.aclose()
        app.close()
