"""The SLA worker's batch reads what its messages need in one bulk load (`ClockFacts.wanted`, prefetched
by the tracked consumer: two queries on PostgreSQL instead of up to four round trips a message), and
ends with the same clocks and the same published events as one message a unit of work."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from services.sla import bootstrap
from services.sla.adapters.inbound import ClockFacts
from services.sla.adapters.outbound import Translator
from services.sla.domain.clocks import ComplaintClocks
from services.sla.settings import SlaSettings
from tests.sla.contract_events import accepted, delivery, registered, result, triaged
from tests.sla.scenario import T0


def messages(complaints: list[uuid.UUID]) -> list[Any]:
    out: list[Any] = []
    for n, c in enumerate(complaints):
        at = T0 + timedelta(minutes=n)
        out += [registered(c, at), triaged(c, at + timedelta(minutes=5))]
    out += [accepted(complaints[0], T0 + timedelta(hours=1)), result(complaints[0], T0 + timedelta(hours=2))]
    return out


def published(app) -> list[dict[str, Any]]:
    translate = Translator(app)
    return [
        p.message.model_dump(mode="json", exclude={"event_id"})
        for n in app.process_recorder.select_notifications(1, 100_000)
        for p in translate(app.mapper.to_domain_event(n))
    ]


def test_a_batch_with_its_reads_prefetched_ends_as_one_message_a_unit_does(store_settings, monkeypatch) -> None:
    complaints = [uuid.uuid4() for _ in range(3)]
    batch = [delivery(m) for m in messages(complaints)]
    reference = bootstrap.application(SlaSettings(store="memory"))
    try:
        handler = ClockFacts(reference)
        for d in batch:
            uow = reference.unit_of_work()
            handler(uow, d)
            reference.commit(uow)
        expected = published(reference)
    finally:
        reference.close()

    app = bootstrap.application(SlaSettings(**store_settings))
    try:
        handler = ClockFacts(app)
        wanted = list(handler.prefetch(batch))
        assert ComplaintClocks.create_id(complaints[0]) in wanted
        uow = app.unit_of_work()
        uow.prefetch(wanted)
        reads: list[Any] = []
        get = app.repository.get
        monkeypatch.setattr(app.repository, "get", lambda *a, **k: reads.append(a) or get(*a, **k))
        for d in batch:
            handler(uow, d)
        app.commit(uow)
        if app.recorder.__class__.__module__.endswith("postgres") or "Postgres" in type(app.recorder).__name__:
            assert reads == []  # every read of the batch came from the one bulk load
        else:
            assert reads  # SQLite has no bulk read: each is read where it is needed (cheap locally)
        # One unit saves aggregate by aggregate: the same events, the log's order across complaints aside.
        assert sorted(published(app), key=repr) == sorted(expected, key=repr)
    finally:
        app.close()
