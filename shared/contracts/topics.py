"""The topic registry: every topic, its partitions, what it is keyed by and which events it carries.

Topics are created up front from this registry (`python -m shared.bus.topics create`), never by
accident: the broker runs with auto-creation off.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Cleanup(StrEnum):
    DELETE = "delete"  # an event log: kept forever (retention -1)
    COMPACT = "compact"  # a projection: the latest value per key


@dataclass(frozen=True, kw_only=True)
class Topic:
    name: str
    key: str
    event_types: tuple[str, ...]
    description: str
    # Can its messages name a complainant (name, contact, unit)? A decision every topic must state (no
    # default): dead letters from such a topic are published without their value.
    personal_data: bool
    partitions: int = 6
    cleanup: Cleanup = Cleanup.DELETE
    extra_config: dict[str, str] = field(default_factory=dict)
    # Who writes it (one author per fact: a service's relay, or a system outside) and which services
    # read it (each service's inbound table subscribes to exactly these; a test keeps them true).
    producer: str = ""
    consumers: tuple[str, ...] = ()
    # The services whose relay signature a record on it must carry (shared/signing.py): every consumer
    # refuses a record no key of theirs signed. Empty: not checked here (the office topic is signed by
    # the offices and checked by intake; the relays' own topics and the dead letters have no consumer).
    authors: tuple[str, ...] = ()

    def config(self) -> dict[str, str]:
        # The broker stamps each record (LogAppendTime): a producer's clock is not trusted, and one
        # more than an hour ahead would otherwise have every record refused (a relay crash loop).
        # Business time is the event's own `occurred_at`; order is the offset.
        base = {"cleanup.policy": self.cleanup.value, "message.timestamp.type": "LogAppendTime"}
        if self.cleanup is Cleanup.DELETE:
            base |= {"retention.ms": "-1", "retention.bytes": "-1"}
        return base | self.extra_config


# The office-facing topic carries complainants in clear (what office systems send): kept only until intake
# has surely read it. The default, 3 days, outlasts a weekend with nobody on call; intake's lag alert
# (`consumer_lag` on this topic, docs/operations.md) fires within minutes of intake stopping. The
# deployment's setting is KAFKA_OFFICE_TOPIC_RETENTION_HOURS (docs/privacy.md). Segments roll hourly, so
# the broker deletes a record within about an hour of its retention (a segment goes only as a whole).
DEFAULT_OFFICE_TOPIC_RETENTION_HOURS = 72
OFFICE_TOPIC_RETENTION_MS = DEFAULT_OFFICE_TOPIC_RETENTION_HOURS * 3600 * 1000
OFFICE_TOPIC_SEGMENT_MS = 3600 * 1000

INTAKE_EVENTS = Topic(
    name="complaints.intake.events",
    key="complaint_id",
    event_types=("complaints.intake.ComplaintRegistered",),
    description="Complaints recorded by the offices.",
    personal_data=True,
    producer="intake",
    consumers=("triage", "sla", "projection"),
    authors=("intake",),
)
TRIAGE_EVENTS = Topic(
    name="complaints.triage.events",
    key="complaint_id",
    event_types=(
        "complaints.triage.ComplaintTriaged",
        "complaints.triage.SeverityRegraded",
        "complaints.triage.DecisionOverridden",
        "complaints.triage.DecisionConfirmed",
        "complaints.triage.IncidentClusterDetected",
    ),
    description=(
        "Triage's judgement of each complaint, re-grades, human overrides (who and why; every service "
        "honours them), human confirmations (which settle a review flag) and mass incidents."
    ),
    personal_data=False,
    producer="triage",
    consumers=("handling", "sla", "followup", "projection"),
    authors=("triage",),
)
HANDLING_EVENTS = Topic(
    name="complaints.handling.events",
    key="complaint_id",
    event_types=(
        "complaints.handling.CaseOpened",
        "complaints.handling.CaseAccepted",
        "complaints.handling.HandOverRequested",
        "complaints.handling.HandOverAccepted",
        "complaints.handling.CauseRecorded",
        "complaints.handling.SolutionProposed",
        "complaints.handling.SolutionApproved",
        "complaints.handling.SolutionRejected",
        "complaints.handling.SolutionCarriedOut",
        "complaints.handling.ResultRecorded",
        "complaints.handling.ProgressReported",
        "complaints.handling.CommitmentMade",
        "complaints.handling.CommitmentKept",
        "complaints.handling.CaseReopened",
    ),
    description="The responsible department's work on each case, from acceptance to result.",
    personal_data=False,
    producer="handling",
    consumers=("sla", "followup", "projection"),
    authors=("handling",),
)
SLA_EVENTS = Topic(
    name="complaints.sla.events",
    key="complaint_id",
    event_types=(
        "complaints.sla.ClockStarted",
        "complaints.sla.DeadlineWarning",
        "complaints.sla.DeadlineBreached",
        "complaints.sla.ClockStopped",
        "complaints.sla.ClockSuperseded",
        "complaints.sla.ExtensionRequested",
        "complaints.sla.ExtensionDecided",
        "complaints.sla.RegradeRequested",
    ),
    description=(
        "Time limits, decided here alone: clocks started, stopped and superseded, warnings, breaches, "
        "decided extensions, re-grade requests. Follow-up and the projection read every deadline from it."
    ),
    personal_data=False,
    producer="sla",
    consumers=("triage", "followup", "projection"),
    authors=("sla",),
)
FOLLOWUP_EVENTS = Topic(
    name="complaints.followup.events",
    key="complaint_id",
    event_types=(
        "complaints.followup.CustomerReplied",
        "complaints.followup.ReturnVisitScheduled",
        "complaints.followup.ReturnVisitMade",
        "complaints.followup.StepWaived",
        "complaints.followup.WaiverWithdrawn",
        "complaints.followup.CaseClosed",
        "complaints.followup.ComplaintReopened",
    ),
    description="Reply to the customer, return visits, recorded waivers, closing, and reopening a closed "
    "complaint a person judged valid.",
    personal_data=False,
    producer="followup",
    consumers=("handling", "sla", "projection"),
    authors=("followup",),
)
NOTIFICATIONS = Topic(
    name="complaints.notifications",
    key="complaint_id",
    event_types=("complaints.notifications.NotificationRequested",),
    description=(
        "Who must be told now (major complaints, mass incidents, warnings, breaches): a mail/SMS gateway reads it."
    ),
    personal_data=False,
    producer="triage and sla",
    consumers=("projection",),
    authors=("triage", "sla"),
)
HOTLINE_REPORTS = Topic(
    name="complaints.hotline.reports",
    key="complaint_id (the hotline report's id)",
    event_types=("complaints.hotline.ComplaintReported",),
    description="Complaints the group's own hotline took about an office; the office must register them.",
    personal_data=True,
    producer="intake (POST /hotline/calls)",
    consumers=("projection",),
    authors=("intake",),
)
PRIVACY_ERASURES = Topic(
    name="complaints.privacy.erasures",
    key="the erasure's id",
    event_types=("complaints.privacy.PersonErased",),
    description="Audit record of every data subject's erasure: who, why, when, which person id (no personal data).",
    personal_data=False,
    producer="intake (POST /privacy/persons/{person_id}/erasure, or its CLI)",
    consumers=(),
    authors=("intake",),
)
PROJECTION_COMPLAINT_HISTORY = Topic(
    name="complaints.projection.complaint-history",
    key="complaint_id",
    event_types=("complaints.projection.ComplaintHistoryUpdated",),
    description="The projection's latest history of each complaint: timeline, state, record-rule checks.",
    cleanup=Cleanup.COMPACT,
    personal_data=False,
    producer="projection",
    consumers=(),
    authors=("projection",),
)
PROJECTION_OFFICE_STATISTICS = Topic(
    name="complaints.projection.office-stats",
    key="office_id",
    event_types=("complaints.projection.OfficeStatisticsUpdated",),
    description="The projection's latest statistics of each office.",
    cleanup=Cleanup.COMPACT,
    personal_data=False,
    producer="projection",
    consumers=(),
    authors=("projection",),
)
OFFICE_REGISTRATIONS = Topic(
    name="complaints.office.registrations",
    key="office_reference",
    event_types=("complaints.office.RegistrationSubmitted",),
    description="Office systems publish registration forms here instead of calling intake's HTTP API.",
    personal_data=True,
    producer="office systems (signed)",
    consumers=("intake",),
    # The only topic where a complainant travels in clear (what offices send): kept 3 days by default
    # (KAFKA_OFFICE_TOPIC_RETENTION_HOURS); intake stores and re-publishes it sealed (docs/privacy.md).
    extra_config={
        "retention.ms": str(OFFICE_TOPIC_RETENTION_MS),
        "retention.bytes": "-1",
        "segment.ms": str(OFFICE_TOPIC_SEGMENT_MS),
    },
)
DEAD_LETTERS = Topic(
    name="complaints.dead-letters",
    key="origin key",
    event_types=("complaints.bus.DeadLetter",),
    description="Messages a consumer could not use, with the error and their origin.",
    personal_data=False,
    producer="every service's relay",
    consumers=(),
)
RELAY_POSITIONS = Topic(
    name="complaints.relay.positions",
    key="service/store instance",
    event_types=(),
    description=(
        "Each outbox relay's last published notification id, written in the same Kafka "
        "transaction as the events it published."
    ),
    partitions=1,
    cleanup=Cleanup.COMPACT,
    # Every relay writes a record per batch: rolled every 10 minutes and compacted within the hour,
    # the partition holds each relay's last position and the last hour's records, whatever the
    # history (a relay's start reads it from the end: shared/bus/relay.py). Kafka's defaults (a
    # 7-day active segment, never compacted) let it grow with every batch ever published.
    extra_config={"segment.ms": "600000", "min.cleanable.dirty.ratio": "0.1", "max.compaction.lag.ms": "3600000"},
    personal_data=False,
    producer="every service's relay",
    consumers=(),
)

PROJECTION_REPORTS = Topic(
    name="complaints.projection.reports",
    key="office id or 'group' / period",
    event_types=("complaints.projection.ReportPublished",),
    description=(
        "Each scheduled report the projection wrote (scope, period, files and their SHA-256s, where the API "
        "serves it): the notifier mails it to the office's managers and the group's recipients."
    ),
    personal_data=False,
    producer="projection",
    consumers=(),  # the notifier (a faust worker, not a tracked consumer's inbound table)
    authors=("projection",),
)

DIRECTORY_EVENTS = Topic(
    name="complaints.directory.events",
    key="entity ('office:<id>', 'department:<office>/<code>', 'staff:<id>', 'key:<id>')",
    event_types=(
        "complaints.directory.OfficeChanged",
        "complaints.directory.DepartmentChanged",
        "complaints.directory.StaffMemberChanged",
        "complaints.directory.ApiKeyChanged",
    ),
    description=(
        "Administration: offices (name, time zone, units served), departments, staff (roles, contacts) and "
        "their keys (hashes only), each event the entity's whole state with who changed it and why. "
        "Office calendars are the SLA's. Read, each keeping the latest state per entity, by the notifier "
        "(staff and contacts), the projection (units served, and the offices' names it shows), intake (each "
        "office's time zone: the region its complainants' phone numbers are read in) and every HTTP app (its "
        "table of live keys); "
        "the SLA's worker (a tracked consumer) keeps each office's time zone, which its clocks run in. "
        "Compacted: the latest state of every entity ever named stays (a revoked key, a staff member who "
        "left: no tombstones), older states go; the history of who changed what and why is the "
        "directory's event store (its `/history` queries)."
    ),
    # Every reader keeps the latest state per entity and never an older one, and no two entities share
    # a key, so a reader starting on the compacted topic ends where the full history would have led it;
    # start-up then reads the live entities, not every change ever made. A segment rolls (only on a
    # write) after an hour or 1 MiB, whichever first, and is compacted within about an hour after that:
    # the active segment, never compacted, holds at most a MiB of changes per partition even after a
    # burst of them (a migration) followed by silence (docs/performance.md: the directory catch-up).
    cleanup=Cleanup.COMPACT,
    extra_config={
        "segment.ms": "3600000",
        "segment.bytes": "1048576",
        "min.cleanable.dirty.ratio": "0.1",
        "max.compaction.lag.ms": "3600000",
    },
    # Staff names, e-mail addresses and phone numbers: personal data (of staff, not of complainants).
    personal_data=True,
    producer="directory",
    consumers=("sla",),
    authors=("directory",),
)

NOTIFIER_DELIVERIES = Topic(
    name="complaints.notifier.deliveries",
    key="notification id/staff id/channel",
    event_types=(),
    description=(
        "The notifier's faust table of deliveries (sent or dead-lettered), its changelog: a redelivered "
        "notification is not sent twice. As many partitions as complaints.notifications, as faust demands."
    ),
    # Staff ids and outcomes only: no complainant's name or contact, no address of anyone.
    personal_data=False,
    partitions=6,
    cleanup=Cleanup.COMPACT,
    # Entries past the notifier's age rule are tombstoned (NOTIFIER_LEDGER_KEEP_DAYS, services/notifier).
    # The worker restores the whole changelog at every start: segments roll hourly and are compacted
    # within a day (at 10 % dirty sooner), and a tombstone is kept a day after (a restore under way
    # still sees it), so what it reads is the entries its age rule keeps, not every delivery ever made.
    extra_config={
        "segment.ms": "3600000",
        "min.cleanable.dirty.ratio": "0.1",
        "max.compaction.lag.ms": "86400000",
        "delete.retention.ms": "86400000",
    },
)

NOTIFIER_CONTACTS = Topic(
    name="complaints.notifier.contacts",
    key="complaint id",
    event_types=(),
    description=(
        "The notifier's faust table of what it keeps of intake's registrations: the office reference staff "
        "mails name a complaint by, and the complainant's contact, to send progress, a promise, the reply, "
        "the return-visit invitation, a reopening and the close, sealed as intake published it; deleted (a "
        "tombstone) once "
        "the complaint has been closed longer than NOTIFIER_CONTACT_KEEP_AFTER_CLOSE_DAYS (a reopening "
        "within it still reaches the complainant). As many partitions as the topics it is read with."
    ),
    # Sealed personal data (ciphertext + person id): nothing in clear, but it is about a complainant.
    personal_data=True,
    partitions=6,
    cleanup=Cleanup.COMPACT,
)

NOTIFIER_OPERATOR = Topic(
    name="complaints.notifier.operator",
    key="dead letter id",
    event_types=(),
    description=(
        "What operators decided about the notifier's failed deliveries (its dead letters): a retry asked "
        "for (who, why) and its outcome, a dismissal (who, why). Written by the notifier's operator CLI and "
        "its worker, each record signed with the notifier's key, read by both; in the partition of the "
        "delivery's origin, so the worker that owns its ledger entry takes the retry. A record the notifier "
        "did not sign (forged, altered, or written before records were signed) is refused: shown as such, "
        "never acted on. Kept forever: the history of every decision."
    ),
    # Letter ids, origins, operators' names and reasons: no complainant's data (the CLI asks operators
    # not to quote any in a reason; a dead letter's value never travels here).
    personal_data=False,
    partitions=6,
    producer="notifier (its operator CLI and its worker)",
    consumers=(),  # the notifier's faust worker and its operator CLI (not a tracked consumer's inbound table)
    # Whoever may write the topic could otherwise have mail sent again: the CLI and the worker sign with
    # NOTIFIER_EVENT_SIGNING_KEY, and both refuse what the notifier did not sign.
    authors=("notifier",),
)

ALL_TOPICS: tuple[Topic, ...] = (
    INTAKE_EVENTS,
    TRIAGE_EVENTS,
    HANDLING_EVENTS,
    SLA_EVENTS,
    FOLLOWUP_EVENTS,
    NOTIFICATIONS,
    HOTLINE_REPORTS,
    PRIVACY_ERASURES,
    PROJECTION_COMPLAINT_HISTORY,
    PROJECTION_OFFICE_STATISTICS,
    PROJECTION_REPORTS,
    OFFICE_REGISTRATIONS,
    DIRECTORY_EVENTS,
    DEAD_LETTERS,
    RELAY_POSITIONS,
    NOTIFIER_DELIVERIES,
    NOTIFIER_CONTACTS,
    NOTIFIER_OPERATOR,
)


def signing_services() -> tuple[str, ...]:
    """Every service that signs what it publishes (each holds a signing key)."""
    return tuple(sorted({author for topic in ALL_TOPICS for author in topic.authors}))


def topic_named(name: str) -> Topic | None:
    return next((topic for topic in ALL_TOPICS if topic.name == name), None)


def topic_for_event_type(event_type: str) -> Topic:
    for topic in ALL_TOPICS:
        if event_type in topic.event_types:
            return topic
    raise LookupError(f"no topic carries events of type {event_type!r}")
