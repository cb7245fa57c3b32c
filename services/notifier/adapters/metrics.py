"""The notifier's Prometheus metrics, read from its running counts at each scrape: notifications
heard, deliveries by outcome (sent, failed attempt, dead-lettered, a repeat skipped), records not
processable (dead-lettered), receipts, complainants' updates, texts to complainants (and those not sent
for want of a gateway), records too old for the ledger's age rule and its entries forgotten."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry

from shared.metrics import process_registry

from ..application import Counts


class CountsCollector(Collector):
    def __init__(self, counts: Callable[[], Counts]) -> None:
        self.counts = counts

    def collect(self) -> Iterator[Metric]:
        counts = self.counts()
        heard = CounterMetricFamily("notifier_notifications", "Notifications requested and heard.")
        heard.add_metric([], counts.notifications)
        yield heard
        deliveries = CounterMetricFamily(
            "notifier_deliveries",
            "Deliveries to one recipient, by outcome: sent, failed_attempt (retried), dead_lettered (given up), "
            "repeat_skipped (the ledger knew it: a redelivery sends nothing twice).",
            labels=["outcome"],
        )
        deliveries.add_metric(["sent"], counts.sent)
        deliveries.add_metric(["failed_attempt"], counts.failed_attempts)
        deliveries.add_metric(["dead_lettered"], counts.dead_lettered)
        deliveries.add_metric(["repeat_skipped"], counts.repeats_skipped)
        yield deliveries
        unauthored = CounterMetricFamily(
            "notifier_unauthored",
            "Records refused unheard: not signed by their topic's service, or altered (shared/bus/authors.py).",
        )
        unauthored.add_metric([], counts.unauthored)
        yield unauthored
        unprocessable = CounterMetricFamily(
            "notifier_unprocessable",
            "Records read but not processable (a person the keyring does not know, a mail that cannot be built): "
            "dead-lettered with the reason, the worker goes on.",
        )
        unprocessable.add_metric([], counts.unprocessable)
        yield unprocessable
        receipts = CounterMetricFamily("notifier_receipts", "Receipts sent to complainants.")
        receipts.add_metric([], counts.receipts)
        yield receipts
        retries = CounterMetricFamily(
            "notifier_operator_retries",
            "Failed deliveries an operator retried (python -m services.notifier.entrypoints.operator retry), by "
            "outcome: sent, or failed (failed again: a new dead letter; or nothing left to send).",
            labels=["outcome"],
        )
        retries.add_metric(["sent"], counts.retries_sent)
        retries.add_metric(["failed"], counts.retries_failed)
        yield retries
        refused = CounterMetricFamily(
            "notifier_operator_records_refused",
            "Records on complaints.notifier.operator the notifier did not sign (forged, altered, or written before "
            "records were signed): refused, nothing done for them; the operator's `list` shows them.",
        )
        refused.add_metric([], counts.operator_refused)
        yield refused
        updates = CounterMetricFamily(
            "notifier_complainant_updates",
            "Progress, promises, replies, return-visit invitations, reopenings and closes for complainants.",
        )
        updates.add_metric([], counts.updates)
        yield updates
        texts = CounterMetricFamily(
            "notifier_sms",
            "Texts sent to complainants reached by phone, by what: receipt, update.",
            labels=["what"],
        )
        texts.add_metric(["receipt"], counts.sms_receipts)
        texts.add_metric(["update"], counts.sms_updates)
        yield texts
        texted = CounterMetricFamily("notifier_sms_segments", "The segments of those texts (what a gateway charges).")
        texted.add_metric([], counts.sms_segments)
        yield texted
        no_gateway = CounterMetricFamily(
            "notifier_sms_no_gateway",
            "Receipts and updates a complainant reached by phone did not get: no NOTIFIER_SMS_GATEWAY_URL.",
        )
        no_gateway.add_metric([], counts.sms_no_gateway)
        yield no_gateway
        stale = CounterMetricFamily(
            "notifier_stale_records",
            "Records handed over again when older than the ledger's age rule (NOTIFIER_LEDGER_KEEP_DAYS less its "
            "margin): not acted on, as their ledger entries may be forgotten.",
        )
        stale.add_metric([], counts.stale)
        yield stale
        forgotten = CounterMetricFamily(
            "notifier_ledger_forgotten", "Ledger entries past the age rule, tombstoned on the changelog."
        )
        forgotten.add_metric([], counts.ledger_forgotten)
        yield forgotten
        contacts = CounterMetricFamily(
            "notifier_contacts_forgotten",
            "Kept contacts of complaints closed longer than NOTIFIER_CONTACT_KEEP_AFTER_CLOSE_DAYS, tombstoned.",
        )
        contacts.add_metric([], counts.contacts_forgotten)
        yield contacts
        unreachable = CounterMetricFamily(
            "notifier_reopened_unreachable",
            "Complaints reopened after their contact was forgotten (or never kept): the complainant is not told.",
        )
        unreachable.add_metric([], counts.reopened_unreachable)
        yield unreachable
        no_contact = CounterMetricFamily(
            "notifier_no_contact",
            "Complaints registered without a contact (anonymous): no receipt and no updates could be sent.",
        )
        no_contact.add_metric([], counts.no_contact)
        yield no_contact


def notifier_registry(counts: Callable[[], Counts]) -> CollectorRegistry:
    registry = process_registry("notifier", "worker")
    registry.register(CountsCollector(counts))
    return registry
