"""Triage's commands and queries. Automatic decisions take their time from the events that caused
them; people's commands take `now`. Nothing here reads the wall clock."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from shared.auth import Principal
from shared.contracts import ComplaintRegistered, RegistrationForm
from shared.contracts.sla import RegradeRequested
from shared.eventstore import ServiceApplication, UnitOfWork
from shared.keyring import Keyring
from shared.personal import ERASED, MASKED, open_form

from .domain.complainant import Complainant, recognise_complainant
from .domain.engine import judge
from .domain.errors import DecisionNotFound
from .domain.identity import CONFIRMING, Evidence, IdentityKey, identity_keys
from .domain.incident_place import incident_place
from .domain.incident_record import incident_of
from .domain.incidents import IncidentWindow, announcement_id
from .domain.labels import Explained
from .domain.reading_model import ReadingModel
from .domain.rules import Rules
from .domain.rulesbook import RulesBook
from .domain.second_reading import second_reading
from .domain.triage import Triage
from .domain.vocabulary import rule_areas, rule_departments

SERVICE = "triage"
SYSTEM_ID, SYSTEM_ROLE = f"system:{SERVICE}", "system"
# How late (by its received time, behind the newest one) a complaint may reach an incident window
# and still be counted: complaints come from many partitions and offices, some typed in late.
LATE_ARRIVAL = timedelta(days=2)
# Stands for the business area a complaint's judgement will give, in its incident key before it is judged.
_ANY_AREA = "\x00"
# A member's re-grade for a mass incident tells nobody itself: the incident's window tells the leaders
# once for the incident (domain/incidents.py); a complaint major for a reason of its own still does.
MASS_INCIDENT = "major.mass-incident"


@dataclass(frozen=True)
class DecisionView:
    complaint_id: str
    office_id: str
    triaged: bool
    severity: str
    criteria: list[str]
    decision: dict[str, Any]
    confirmations: list[dict[str, Any]]
    overrides: list[dict[str, Any]]
    # The mass incident it belongs to, with every member (from the window's whole log), or None.
    incident: dict[str, Any] | None = None


class TriageApplication(ServiceApplication):
    name = "triage"
    # Incident windows, busy complainants and the rules book grow: snapshots keep them quick to load.
    snapshotting_intervals = {IncidentWindow: 50, Complainant: 50, RulesBook: 20}

    def __init__(
        self,
        *args: Any,
        complainant_salt: str = "dev-salt",
        reading_model: ReadingModel | None = None,
        model_identity: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.complainant_salt = complainant_salt
        # The reading model beside the rules (TRIAGE_READING_MODEL): its identity is part of every rules
        # version adopted while it runs, so a decision's rules version names the model too. A process that
        # adopts rules but judges nothing (the HTTP app) is given the identity alone (bootstrap.py).
        self.reading_model = reading_model
        self.model_identity = reading_model.identity if reading_model is not None else model_identity
        self._rules_cache: dict[int, Rules] = {}
        # The complainants' keyring (shared/keyring.py): triage opens the sealed form to read the place
        # and recognise the person; its stores keep only the keyring's opaque tokens (bootstrap sets it).
        self.keyring: Keyring | None = None
        self._tokens: dict[tuple[UUID, str, str], str] = {}

    # -- rules ----------------------------------------------------------------------------------------

    def adopt_rules(self, data: dict[str, Any], actor_id: str, actor_role: str, reason: str, now: datetime) -> int:
        """Adopt rules as the next version (or keep the current one if they are the same). With the reading
        model on, the rules carry its identity (`[model] corpus`): a new corpus is a new rules version."""
        if self.model_identity is not None:
            data = {**data, "model": {**data.get("model", {}), "corpus": self.model_identity}}
        for _ in range(10):
            uow = self.unit_of_work()
            book: RulesBook = uow.find(RulesBook.create_id()) or RulesBook()
            uow.add(book)
            book.adopt(data, actor_id, actor_role, reason, now)
            try:
                self.commit(uow)
                return book.rules_version
            except IntegrityError:  # another process adopted at the same moment: look again
                continue
        raise RuntimeError("could not adopt the rules: the rules book is too contended")

    def current_rules(self, uow: UnitOfWork | None = None) -> Rules:
        book: RulesBook | None = (uow or self.unit_of_work()).find(RulesBook.create_id())
        if book is None:
            raise RuntimeError("no rules adopted yet: start triage through its bootstrap")
        if book.rules_version not in self._rules_cache:
            self._rules_cache[book.rules_version] = book.rules
        return self._rules_cache[book.rules_version]

    # -- automatic decisions (called by the inbound handler inside the consumer's unit of work) -------

    def triage_registration(self, uow: UnitOfWork, registered: ComplaintRegistered) -> None:
        complaint_id = str(registered.complaint_id)
        triage: Triage | None = uow.find(Triage.create_id(complaint_id))
        if triage is not None and triage.triaged:
            return  # a re-publication of the same registration
        if triage is None:
            triage = Triage(complaint_id, registered.office_id)
            uow.add(triage)
        rules = self.current_rules(uow)
        form = self.opened_form(registered).model_dump(mode="json")
        keys, known = self._complainant(uow, registered)
        recognised = recognise_complainant(known, complaint_id)
        judgement = judge(form, registered.office_id, rules, recognised.history)
        model = self.reading_model
        if model is not None and rules.data.get("model", {}).get("corpus") == model.identity:
            judgement = second_reading(judgement, form, registered.office_id, model, rules)
        estate_names = rules.data.get("incidents", {}).get("estate_names", {})
        place = incident_place(form, judgement.business_area, registered.office_id, estate_names)
        judgement = replace(
            judgement,
            history={**judgement.history, **recognised.published(rules.recent_history)},
            explanations={**judgement.explanations, "incident": Explained(place.reason, rules.rule("incident.key"))},
        )
        at = registered.occurred_at
        event_id = str(registered.event_id)
        key, incident = keys[0].key, place.key  # the contact's key is the complainant's primary key
        persons = [k.key for k in keys if k.evidence in CONFIRMING]  # who counts as one customer
        triage.triage(
            judgement, rules.version, event_id, key, incident, at, complainant_keys=[k.key for k in keys],
            departments=rule_departments(rules.data, registered.office_id),
        )  # fmt: skip
        if judgement.severity == "major":
            self._escalate(triage, rules, judgement.explanations["severity"].reason, [event_id], at)
        received = registered.payload.form.received_at.astimezone(UTC).isoformat()
        for complainant in known.values():
            if not complainant.knows(complaint_id):
                complainant.note(
                    complaint_id, judgement.business_area, judgement.validity, judgement.promise_mentioned, received
                )
        for earlier_id in judgement.repeats:  # criterion 1 reaches the earlier complaints too
            # Caused by this registration and the earlier one's own (the first time it was raised), so
            # the earlier complaint's timeline links its re-grade to an event it shows.
            earlier: Triage | None = uow.find(Triage.create_id(earlier_id))
            raised = [earlier.registered_event_id] if earlier is not None and earlier.triaged else []
            self._regrade(
                uow,
                rules,
                earlier_id,
                "major",
                "major.promised-service-repeated",
                f"major: the promised service was complained of again (complaint {complaint_id})",
                [event_id, *raised],
                event_id,
                at,
            )
        # Facts heard before the complaint (a cluster, a re-grade request) are applied now; a major one
        # tells the leaders, naming what made it major (a mass incident tells them as an incident).
        pending = [p for p in triage.pending_regrades if p["severity"] == "major" and p["criterion"] != MASS_INCIDENT]
        waited = [c for p in pending for c in p["caused_by"]]
        triage.apply_waiting_regrades()
        if triage.severity == "major" and not triage.escalated and pending:
            self._escalate(triage, rules, "major after facts that arrived before the complaint", waited, at)
        if judgement.validity != "invalid":
            self._add_to_incident_window(uow, rules, triage, registered, key, incident, persons)

    def wanted_for(self, registered: ComplaintRegistered) -> list[UUID]:
        """The aggregates `triage_registration` reads for certain (prefetched together for a batch):
        the rules book, the complaint's decision and its complainant's records."""
        keys = self.identities(registered)
        return [
            RulesBook.create_id(),
            Triage.create_id(str(registered.complaint_id)),
            *(Complainant.create_id(identity.key) for identity in keys),
            *(IncidentWindow.create_id(place) for place in self.places_wanted(registered)),
        ]

    def places_wanted(self, registered: ComplaintRegistered) -> list[str]:
        """The incident windows a registration may join, known before it is judged: its place's key,
        or, where the complaint names no facility, that key with each business area the rules know
        (the judgement picks one). From the rules this process last read: only a hint for the batch's
        bulk read (a window left out is read where it is needed, as before), so no read of its own."""
        if not self._rules_cache:
            return []
        rules = self._rules_cache[max(self._rules_cache)]
        form = self.opened_form(registered).model_dump(mode="json")
        estate_names = rules.data.get("incidents", {}).get("estate_names", {})
        key = incident_place(form, _ANY_AREA, registered.office_id, estate_names).key
        if not key.endswith(f"|area:{_ANY_AREA}"):
            return [key]
        stem = key[: -len(_ANY_AREA)]
        return [stem + area for area in sorted(rule_areas(rules))]

    def _complainant(
        self, uow: UnitOfWork, registered: ComplaintRegistered
    ) -> tuple[list[IdentityKey], dict[IdentityKey, Complainant]]:
        """The complainant's identity keys and what each already knows (new ones start empty)."""
        keys = self.identities(registered)
        known: dict[IdentityKey, Complainant] = {}
        for identity in keys:
            complainant: Complainant = uow.find(Complainant.create_id(identity.key)) or Complainant(identity.key)
            uow.add(complainant)
            known[identity] = complainant
        return keys, known

    def opened_form(self, registered: ComplaintRegistered) -> RegistrationForm:
        """The form with the complainant in clear (through the keyring), or erased markers."""
        return open_form(registered.payload.form, self.keyring)

    def prepare_identities(self, registrations: Sequence[ComplaintRegistered]) -> None:
        """Make the keyring's tokens of a batch's complainants in one keyring commit (a disk sync on
        SQLite) before the batch is handled, instead of one per complaint: `identities` then only
        reads them. Only a warm-up: a registration it cannot prepare is left to `identities`."""
        if self.keyring is None:
            return
        asked: list[tuple[UUID, str, str]] = []
        for registered in registrations:
            personal = registered.payload.form.personal
            if personal.legacy_clear is not None:
                continue
            form = self.opened_form(registered)
            if form.complainant.name in {ERASED, MASKED}:
                continue
            keys = _identity_keys(
                form.complainant.name, form.complainant.contact, form.unit_address, self.complainant_salt
            )
            asked += [(personal.person_id, k.evidence.value, k.key) for k in keys]
        if asked:
            self.keyring.tokens_of(asked)

    def identities(self, registered: ComplaintRegistered) -> list[IdentityKey]:
        """The complainant's identity keys. With a keyring each is the keyring's opaque token for the
        keyed hash (deleted with the person at erasure, so what triage stores links to nobody after);
        a person already erased is known by their person id alone."""
        personal = registered.payload.form.personal
        form = self.opened_form(registered)
        if form.complainant.name in {ERASED, MASKED}:
            return [IdentityKey(Evidence.PHONE, f"person:{personal.person_id}")]
        keys = _identity_keys(form.complainant.name, form.complainant.contact, form.unit_address, self.complainant_salt)
        if not keys:  # no contact and a name that names nobody: a person of their own (the keyring's)
            return [IdentityKey(Evidence.PHONE, f"person:{personal.person_id}")]
        if self.keyring is None or personal.legacy_clear is not None:
            return list(keys)
        tokens = self.keyring.tokens(personal.person_id, [(k.evidence.value, k.key) for k in keys])  # one commit
        return [IdentityKey(k.evidence, token) for k, token in zip(keys, tokens, strict=True)]

    def _add_to_incident_window(
        self,
        uow: UnitOfWork,
        rules: Rules,
        triage: Triage,
        registered: ComplaintRegistered,
        key: str,
        incident: str,
        persons: list[str],
    ) -> None:
        window: IncidentWindow = uow.find(IncidentWindow.create_id(incident)) or IncidentWindow(incident)
        uow.add(window)
        received_at = registered.payload.form.received_at.astimezone(UTC)
        changes = window.add(
            triage.complaint_id,
            key,
            triage.office_id,
            received_at,
            str(registered.event_id),
            timedelta(minutes=rules.incident_window_minutes),
            rules.incident_more_than,
            rules.version,
            persons=persons,
            keep_for=LATE_ARRIVAL,
            registered_at=registered.occurred_at,
            tell=[(r.role, r.office) for r in rules.major_recipients],
            rule=rules.rule("escalation.mass-incident"),
        )
        heard = {m["complaint_id"]: m.get("registered_at") or m["received_at"] for m in window.members}
        registration = {m["complaint_id"]: m["event_id"] for m in window.members}
        for change in changes:
            cluster_event = str(cluster_event_id(change.cluster_id))
            uow.prefetch(Triage.create_id(member_id) for member_id in change.new_members)
            for member_id in change.new_members:
                # Dated by the member's own registration, not by the complaint that happened to
                # complete the incident here: arrival order across partitions (and instances) must
                # not date a grade. The complaint was about a mass incident from the start; the SLA
                # applies the re-grade from its judgement (docs/scaling.md).
                self._regrade(
                    uow,
                    rules,
                    member_id,
                    "major",
                    MASS_INCIDENT,
                    f"major: part of mass incident {change.cluster_id} (more than {rules.incident_more_than} "
                    f"customers about {incident} within {rules.incident_window_minutes} minutes)",
                    # the incident, and the member's own registration (on its timeline; the incident's
                    # announcement is on its first member's)
                    [cluster_event, *([registration[member_id]] if member_id in registration else [])],
                    cluster_event,
                    datetime.fromisoformat(heard[member_id]),
                )

    def _regrade(
        self,
        uow: UnitOfWork,
        rules: Rules,
        complaint_id: str,
        severity: str,
        criterion: str,
        reason: str,
        caused_by: list[str],
        causation_id: str | None,
        at: datetime,
        actor: tuple[str, str] = (SYSTEM_ID, SYSTEM_ROLE),
        office_id: str = "",
    ) -> None:
        triage: Triage | None = uow.find(Triage.create_id(complaint_id))
        if triage is None:  # a fact about a complaint not seen yet: it waits for the complaint
            triage = Triage(complaint_id, office_id)
            uow.add(triage)
        uow.add(triage)
        changed = triage.regrade(
            severity, criterion, reason, rules.rule(f"severity.{criterion}"), caused_by, *actor, causation_id, at
        )
        # Major for a reason of its own tells the leaders (once per complaint), also when it is major
        # already as a member of a mass incident, which told them of the incident, not of it.
        # (`escalate` tells once: a complaint already told of is not told again.)
        if changed and severity == "major" and criterion != MASS_INCIDENT:
            self._escalate(triage, rules, reason, caused_by, at)

    def _escalate(self, triage: Triage, rules: Rules, reason: str, caused_by: list[str], at: datetime) -> None:
        recipients = [
            {"role": r.role, "office_id": triage.office_id if r.office else None} for r in rules.major_recipients
        ]
        triage.escalate(recipients, reason, rules.rule("escalation.major"), caused_by, at)

    def regrade_requested(self, uow: UnitOfWork, request: RegradeRequested) -> None:
        """The SLA service asks for a re-grade (a valid complaint unresolved after a week)."""
        rules = self.current_rules(uow)
        self._regrade(
            uow,
            rules,
            str(request.complaint_id),
            request.payload.severity.value,
            request.payload.criterion,
            request.payload.explanation.reason,
            [str(request.event_id), *map(str, request.payload.explanation.caused_by)],
            str(request.event_id),
            request.occurred_at,
            office_id=request.office_id,
        )

    # -- people ---------------------------------------------------------------------------------------

    def decide(
        self,
        office_id: str | None,
        complaint_id: UUID,
        aspect: str,
        value: str,
        reason: str,
        actor: Principal,
        now: datetime,
    ) -> str:
        """A person confirms or overrides one aspect; returns 'confirmed' or 'overridden'."""
        for _ in range(10):
            uow = self.unit_of_work()
            triage = self._visible(uow, office_id, complaint_id)
            rules = self.current_rules(uow)
            departments = rule_departments(rules.data, triage.office_id)
            outcome = triage.confirm_or_override(
                aspect, value, reason, actor.actor_id, actor.role, now, rules.version, rule_areas(rules), departments
            )
            if aspect == "severity" and value == "major" and outcome == "overridden" and not triage.escalated:
                designated = f"designated major by {actor.actor_id}: {reason}"
                self._escalate(triage, rules, designated, [triage.override_event_id], now)
            if aspect == "validity" and outcome == "overridden":
                decision = triage.judged
                for noted_under in decision.complainant_keys or [decision.complainant_key]:
                    complainant: Complainant | None = uow.find(Complainant.create_id(noted_under))
                    if complainant is not None:
                        uow.add(complainant)
                        complainant.revalidate(triage.complaint_id, value)
            try:
                self.commit(uow)
                return outcome
            except IntegrityError:  # the consumer re-graded it meanwhile: decide on the new state
                continue
        raise RuntimeError("the decision is too contended; try again")

    def _visible(self, uow: UnitOfWork, office_id: str | None, complaint_id: UUID) -> Triage:
        triage: Triage | None = uow.find(Triage.create_id(complaint_id))
        if triage is None or (office_id is not None and triage.office_id != office_id):
            raise DecisionNotFound(complaint_id)
        uow.add(triage)
        return triage

    # -- queries ----------------------------------------------------------------------------------------

    def decision(self, office_id: str | None, complaint_id: UUID) -> DecisionView:
        try:
            triage: Triage = self.repository.get(Triage.create_id(complaint_id))
        except AggregateNotFoundError:
            raise DecisionNotFound(complaint_id) from None
        if office_id is not None and triage.office_id != office_id:
            raise DecisionNotFound(complaint_id)
        return DecisionView(
            complaint_id=triage.complaint_id,
            office_id=triage.office_id,
            triaged=triage.triaged,
            severity=triage.severity,
            criteria=list(triage.criteria),
            decision={}
            if triage.decision is None
            else triage.decision.model_dump(mode="json", exclude={"complainant_key", "complainant_keys"}),
            confirmations=list(triage.confirmations),
            overrides=list(triage.overrides),
            incident=self.incident(triage),
        )

    def incident(self, triage: Triage) -> dict[str, Any] | None:
        """The mass incident the complaint belongs to, every member with its office, read from its
        place's window's log (the window's state forgets incidents too old to grow)."""
        if "major.mass-incident" not in triage.criteria or triage.decision is None:
            return None
        key = triage.decision.incident_key
        found = incident_of(str(triage.complaint_id), key, self.events.get(IncidentWindow.create_id(key)))
        return None if found is None else found.as_dict()


# Pure and costly (keyed hashes): the batch's prefetch and its handling compute the same keys.
_identity_keys = lru_cache(maxsize=4096)(identity_keys)


def cluster_event_id(cluster_id: str) -> UUID:
    """The event id IncidentClusterDetected is published under (the translator uses the same)."""
    return announcement_id(cluster_id)
