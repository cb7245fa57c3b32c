"""The notifier's metrics say what its counts say, at each scrape."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from services.notifier.adapters.metrics import notifier_registry
from services.notifier.application import Counts
from shared.metrics import render


def _values(counts: Counts) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = render(notifier_registry(lambda: counts)).decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_deliveries_are_counted_by_outcome_as_they_happen() -> None:
    counts = Counts()
    registry = notifier_registry(lambda: counts)
    counts.notifications, counts.sent, counts.failed_attempts, counts.dead_lettered = 3, 5, 2, 1
    counts.repeats_skipped, counts.receipts, counts.unprocessable = 4, 1, 2
    found = _values(counts)
    assert found[("notifier_unprocessable_total", ())] == 2
    assert found[("notifier_notifications_total", ())] == 3
    assert found[("notifier_deliveries_total", (("outcome", "sent"),))] == 5
    assert found[("notifier_deliveries_total", (("outcome", "failed_attempt"),))] == 2
    assert found[("notifier_deliveries_total", (("outcome", "dead_lettered"),))] == 1
    assert found[("notifier_deliveries_total", (("outcome", "repeat_skipped"),))] == 4
    assert found[("notifier_receipts_total", ())] == 1
    counts.retries_sent, counts.retries_failed = 2, 1  # an operator's retries (entrypoints/operator.py)
    found = _values(counts)
    assert found[("notifier_operator_retries_total", (("outcome", "sent"),))] == 2
    assert found[("notifier_operator_retries_total", (("outcome", "failed"),))] == 1
    counts.stale, counts.ledger_forgotten = 3, 7  # the ledger's age rule (domain/ledger_age.py)
    found = _values(counts)
    assert found[("notifier_stale_records_total", ())] == 3
    assert found[("notifier_ledger_forgotten_total", ())] == 7
    counts.contacts_forgotten, counts.reopened_unreachable = 2, 1  # contacts kept after close (domain/kept.py)
    found = _values(counts)
    assert found[("notifier_contacts_forgotten_total", ())] == 2
    assert found[("notifier_reopened_unreachable_total", ())] == 1
    counts.operator_refused = 3  # operator records the notifier did not sign (adapters/operator_log.py)
    assert _values(counts)[("notifier_operator_records_refused_total", ())] == 3
    counts.sent += 1  # read at the next scrape, not frozen at registration
    assert b'notifier_deliveries_total{outcome="sent"} 6.0' in render(registry)


def test_the_workers_health_endpoint_serves_them() -> None:
    from types import SimpleNamespace

    from starlette.testclient import TestClient

    from services.notifier.bootstrap import health_endpoint
    from services.notifier.settings import NotifierSettings
    from shared.health import health_app

    service = SimpleNamespace(counts=Counts(sent=7))
    endpoint = health_endpoint(NotifierSettings(), SimpleNamespace(consumer=None), service)  # type: ignore[arg-type]
    with TestClient(health_app(endpoint)) as client:
        answer = client.get("/metrics")
    assert answer.status_code == 200
    assert 'notifier_deliveries_total{outcome="sent"} 7.0' in answer.text
