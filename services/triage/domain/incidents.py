"""Mass incidents: complaints about one incident (same place, same facility: see `incident_place`)
from more than five distinct customers within a time window, across offices.

The rule is a property of the *set* of complaints, so that arrival order (complaints reach triage
from different partitions, and from two instances of the worker, later than they were received)
decides nothing:

    a complaint belongs to a mass incident when some window of `window` length that contains its
    received time holds complaints of more than `more_than` distinct customers.

Which incident a complaint belongs to, and every fact of that incident, is also a function of the
set (`incidents_of`): the complaints are replayed in *business order* — the order the group heard of
them (intake's registration time), then their received time and id — whatever order the worker met
them in. In that replay a complaint that completes a qualifying window with complaints in no
incident announces a new one; one that shares a qualifying window with an incident joins it (the
earliest, if it bridges two: incidents are not merged). An incident's facts:

- its id, derived from the incident key and its *anchor*: its first member by received time;
- the member that completed it in business order (`completed_by`) and when the group heard of that
  member (`established_at`), the members then known (`detected_members`) and their window.

The aggregate keeps the members it has met and, after each one, brings its recorded incidents in
line with the replay: it announces an incident the replay has and it has not, records members that
joined, and revises an incident whose completing member or first window a late arrival changed (a
late arrival earlier than an incident's anchor makes a new anchor, hence a new incident that
supersedes the one announced). Members are never removed; each is re-graded once, dated by its own
registration (application.py says why). Customers are distinct unless they share an identity key
(the same phone, or the same name and flat: see `identity`).

Who is told (`_tell`): the leaders hear of a mass incident once, as an incident, not once per member.
Right after an incident is recorded, the group's roles are told of it (`LeadersTold`, keyed by its
anchor) and each affected office's roles at that office's first member; a member joining later tells
nobody again unless it brings a new office (that office is told, once). An incident that supersedes
others inherits who they told, so nobody is told twice of one incident under a new id. Incidents
recorded before notices existed (each member was then told of on its own) count as told everywhere
their members were.

This is a windowed aggregate kept in triage's own event store and saved with the Kafka position in
the tracked consumer's transaction, so an incident is decided exactly once even across crashes and
redeliveries (see the service README for why not faust).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from shared.contracts import derived_id

Member = dict[str, Any]


@dataclass(frozen=True)
class ClusterChange:
    """Members that entered an incident for the first time (each is re-graded once): those of a newly
    announced incident (`detected`), or members joining a known one."""

    cluster_id: str
    new_members: list[str]
    detected: bool


@dataclass(frozen=True)
class Incident:
    """One incident's facts, as the business-order replay of its place's complaints decides them."""

    cluster_id: str
    anchor: str
    completed_by: str
    established_at: str
    detected_members: tuple[str, ...]
    window_start: str
    window_end: str
    complainants: int
    offices: tuple[str, ...]
    members: tuple[str, ...] = field(default=())


def distinct_customers(members: list[Member]) -> int:
    """How many people: members sharing any identity key are one person (connected components)."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for member in members:
        keys = member.get("persons") or [member["complainant_key"]]
        first = root(keys[0])
        for key in keys[1:]:
            parent[root(key)] = first
    return len({root((m.get("persons") or [m["complainant_key"]])[0]) for m in members})


def mass_incident_members(members: list[Member], window: timedelta, more_than: int) -> set[str]:
    """The set rule, over a whole set of members (used by tests and to check the aggregate)."""
    inside: set[str] = set()
    for first in members:
        start = datetime.fromisoformat(first["received_at"])
        group = [m for m in members if start <= datetime.fromisoformat(m["received_at"]) <= start + window]
        if distinct_customers(group) > more_than:
            inside.update(m["complaint_id"] for m in group)
    return inside


def business_order(member: Member) -> tuple[str, str, str]:
    """When the group heard of it (intake's registration), then when it was received, then its id.
    Stored members from before registration times were kept count as heard when received."""
    return (member.get("registered_at") or member["received_at"], member["received_at"], member["complaint_id"])


def cluster_id_of(incident_key: str, anchor: str) -> str:
    return str(derived_id("incident-cluster", incident_key, anchor))


def announcement_id(cluster_id: str) -> UUID:
    """The event id an incident's `IncidentClusterDetected` is published under: a notice's cause."""
    return derived_id("event", "incident-cluster", cluster_id)


GROUP = "group"  # who a notice told: the group's roles, or an office's (its id)


def incidents_of(
    incident_key: str,
    members: list[Member],
    window: timedelta,
    more_than: int,
    settled: list[Incident] | None = None,
    replay_after: tuple[str, str, str] | None = None,
) -> list[Incident]:
    """Every incident among `members`, replayed in business order: a pure function of the set.
    `settled` are incidents the replay cannot make again (their anchor was forgotten as too old, or
    they were announced before incidents had anchors): their members stay in them, and others may
    join them, but they never make a new one. `replay_after`: the members up to this business-order
    key are already replayed (`settled` holds every incident they make): only later ones are."""
    times = {m["complaint_id"]: datetime.fromisoformat(m["received_at"]) for m in members}
    present: list[tuple[datetime, str]] = []  # sorted by received time
    by_id: dict[str, Member] = {}
    assigned: dict[str, str] = {}
    found: dict[str, dict[str, Any]] = {}  # cluster id -> facts and members, in the replay's order
    pinned: dict[str, str] = {}
    for incident in settled or []:
        found[incident.cluster_id] = {"incident": incident, "members": list(incident.members)}
        pinned.update({m: incident.cluster_id for m in incident.members})
    busy = _busy(times, window, more_than)
    for member in sorted(members, key=business_order):
        cid = member["complaint_id"]
        at = times[cid]
        bisect.insort(present, (at, cid))
        by_id[cid] = member
        if cid in pinned:
            assigned[cid] = pinned[cid]
            continue
        if replay_after is not None and business_order(member) <= replay_after:
            continue
        if cid not in busy:
            continue  # in no window of the whole set with enough complaints: in none of a part of it
        qualifying = _qualifying(present, by_id, at, window, more_than)
        if cid not in qualifying:
            continue
        fresh = sorted((q for q in qualifying if q not in assigned), key=lambda q: (times[q], q))
        touched = {assigned[q] for q in qualifying if q in assigned}
        if touched:
            joined = min(touched, key=lambda c: (found[c]["incident"].window_start, c))
            for q in fresh:
                assigned[q] = joined
                found[joined]["members"].append(q)
            continue
        detected = [by_id[q] for q in fresh]
        cluster_id = cluster_id_of(incident_key, fresh[0])
        found[cluster_id] = {
            "incident": Incident(
                cluster_id=cluster_id,
                anchor=fresh[0],
                completed_by=cid,
                established_at=business_order(member)[0],
                detected_members=tuple(fresh),
                window_start=times[fresh[0]].isoformat(),
                window_end=times[fresh[-1]].isoformat(),
                complainants=distinct_customers(detected),
                offices=tuple(sorted({m["office_id"] for m in detected})),
            ),
            "members": list(fresh),
        }
        for q in fresh:
            assigned[q] = cluster_id
    return [replace(f["incident"], members=tuple(f["members"])) for f in found.values()]


def _busy(times: dict[str, datetime], window: timedelta, more_than: int) -> set[str]:
    """The members of some window holding more than `more_than` complaints (people aside): the only
    ones that can be in a mass incident of the set or of any part of it."""
    ordered = sorted((t, cid) for cid, t in times.items())
    marks = [0] * (len(ordered) + 1)
    end = 0
    for i, (start, _) in enumerate(ordered):
        end = max(end, i)
        while end + 1 < len(ordered) and ordered[end + 1][0] <= start + window:
            end += 1
        if end - i + 1 > more_than:
            marks[i] += 1
            marks[end + 1] -= 1
    busy: set[str] = set()
    running = 0
    for i, (_, cid) in enumerate(ordered):
        running += marks[i]
        if running:
            busy.add(cid)
    return busy


def _qualifying(
    present: list[tuple[datetime, str]], by_id: dict[str, Member], at: datetime, window: timedelta, more_than: int
) -> set[str]:
    """The members of every window holding `at` with more than `more_than` distinct customers. Only
    windows that contain the newest member can have changed; only its neighbours can share one."""
    low = bisect.bisect_left(present, (at - window, ""))
    high = bisect.bisect_right(present, (at + window, "\uffff"))
    near = present[low:high]
    qualifying: set[str] = set()
    for i, (start, _) in enumerate(near):
        if start > at:
            break
        if start + window < at:
            continue
        inside = [cid for t, cid in near[i:] if t <= start + window]
        if len(inside) > more_than and distinct_customers([by_id[c] for c in inside]) > more_than:
            qualifying.update(inside)
    return qualifying


class IncidentWindow(Aggregate):
    @staticmethod
    def create_id(incident_key: str, **_: Any) -> UUID:
        return derived_id("incident-window", incident_key)

    @event("Opened")
    def __init__(self, incident_key: str) -> None:
        self.incident_key = incident_key
        self.members: list[Member] = []  # recent members, in a cluster or not
        self.clusters: list[dict[str, Any]] = []

    def add(
        self,
        complaint_id: str,
        complainant_key: str,
        office_id: str,
        received_at: datetime,
        event_id: str,
        window: timedelta,
        more_than: int,
        rules_version: int,
        persons: list[str] | None = None,
        keep_for: timedelta | None = None,
        registered_at: datetime | None = None,
        tell: Sequence[tuple[str, bool]] = (),
        rule: str = "",
    ) -> list[ClusterChange]:
        """Add one complaint; returns the incidents it (or a member it made canonical) entered.
        `persons` are its complainant's identity keys; `registered_at` when the group heard of it
        (its business order); `keep_for` how late a complaint may arrive and still count (members
        older than that before the newest one are forgotten; they stay in the log). `tell`: who is told
        of a mass incident, (role, of the office?) as the rules' escalation names them; `rule` cites it."""
        if any(m["complaint_id"] == complaint_id for m in self.members) or any(
            complaint_id in c["members"] for c in self.clusters
        ):
            return []  # seen already
        member = {
            "complaint_id": complaint_id,
            "complainant_key": complainant_key,
            "persons": sorted(set(persons or [complainant_key])),
            "office_id": office_id,
            "received_at": received_at.isoformat(),
            "registered_at": (registered_at or received_at).isoformat(),
            "event_id": event_id,
        }
        newest = max([received_at, *(datetime.fromisoformat(m["received_at"]) for m in self.members)])
        self._member_added(member=member, cutoff=(newest - max(keep_for or window * 2, window * 2)).isoformat())
        changes = self._reconcile(window, more_than, rules_version)
        if tell:
            self._tell(tell, rule)
        return changes

    def _members_by_id(self) -> dict[str, Member]:
        return {m["complaint_id"]: m for m in self.members}

    def _tell(self, roles: Sequence[tuple[str, bool]], rule: str) -> None:
        """Tell whoever has not been told of each recorded incident: the group's roles once per incident
        (at its anchor), each office's roles once per incident (at that office's first member in business
        order). Called after every member, so a member joining a told incident tells nobody again."""
        group = [role for role, of_office in roles if not of_office]
        office_roles = [role for role, of_office in roles if of_office]
        known = self._members_by_id()
        for cluster in list(self.clusters):
            members = sorted((known[m] for m in cluster["members"] if m in known), key=business_order)
            if not members:
                continue  # every member forgotten: an old incident, told when it happened
            told = set(_told_in(cluster, known))
            first_of: dict[str, Member] = {}
            for member in members:
                first_of.setdefault(member["office_id"], member)
            due = [(GROUP, known.get(cluster.get("anchor", "")) or members[0], group)] if group else []
            due += [(office, first, office_roles) for office, first in first_of.items() if office_roles]
            for scope, keyed, recipients in due:
                if scope not in told:
                    self._tell_one(cluster, scope, keyed, recipients, members, rule)
                    told.add(scope)

    def _tell_one(
        self, cluster: dict[str, Any], scope: str, keyed: Member, roles: list[str], members: list[Member], rule: str
    ) -> None:
        cluster_id, announced = cluster["cluster_id"], str(announcement_id(cluster["cluster_id"]))
        offices = sorted({m["office_id"] for m in members})
        received = {m["complaint_id"]: m["received_at"] for m in members}
        ids = sorted(cluster["members"], key=lambda m: (received.get(m, ""), m))
        customers = distinct_customers(members)
        facts = f"{len(ids)} complaints from {customers} customers about {self.incident_key} so far"
        whose = (
            f"from offices {', '.join(offices)}; the leaders are" if scope == GROUP
            else f"office {scope}'s first among them; its leaders are"
        )  # fmt: skip
        reason = (
            f"mass incident {cluster_id}: {facts}, {whose} told once for the incident, not once per complaint "
            "(complaints joining it later are listed at the desk)"
        )
        heard = keyed.get("registered_at") or keyed["received_at"]
        self._leaders_told(
            cluster_id=cluster_id,
            incident_key=self.incident_key,
            scope=scope,
            complaint_id=keyed["complaint_id"],
            office_id=keyed["office_id"],
            recipients=[{"role": r, "office_id": None if scope == GROUP else scope} for r in roles],
            members=ids,
            offices=offices,
            customers=customers,
            reason=reason,
            rule=rule,
            # the announcement, and the keyed member's own registration (on its timeline)
            caused_by=[announced, keyed["event_id"]],
            announced_by=announced,
            # dated by what caused it: the announcement, or the office's first member heard later
            told_at=max(cluster.get("established_at") or heard, heard, key=datetime.fromisoformat),
        )

    def incidents(self, window: timedelta, more_than: int) -> list[Incident]:
        """The incidents the business-order replay of the remembered members gives. The recorded ones
        are that replay of the members before the newest, so when the newest comes last in business
        order (complaints of one place met in the order the group heard of them) only it is replayed."""
        remembered = {m["complaint_id"] for m in self.members}
        *earlier, newest = self.members
        replay_after = max(map(business_order, earlier), default=None)
        in_order = replay_after is not None and business_order(newest) > replay_after
        settled = [
            Incident(
                cluster_id=c["cluster_id"],
                anchor=c.get("anchor", ""),
                completed_by=c.get("completed_by", ""),
                established_at=c.get("established_at", ""),
                detected_members=tuple(c.get("detected_members", c["members"])),
                window_start=c["window_start"],
                window_end=c["window_end"],
                complainants=0,
                offices=(),
                members=tuple(c["members"]),
            )
            for c in self.clusters
            if in_order or c.get("anchor", "") not in remembered
        ]
        return incidents_of(
            self.incident_key, self.members, window, more_than, settled, replay_after if in_order else None
        )

    def _reconcile(self, window: timedelta, more_than: int, rules_version: int) -> list[ClusterChange]:
        """Bring the recorded incidents in line with the replay; the members that entered one."""
        changes: list[ClusterChange] = []
        incidents = self.incidents(window, more_than)
        replayed = {i.cluster_id for i in incidents}
        for incident in incidents:
            recorded = {c["cluster_id"]: c for c in self.clusters}
            clustered = {m: c["cluster_id"] for c in recorded.values() for m in c["members"]}
            known = recorded.get(incident.cluster_id)
            entering = [m for m in incident.members if m not in clustered]
            if known is None:
                by_id = self._members_by_id()
                detected = [by_id[m] for m in incident.detected_members]
                self._detected(
                    cluster_id=incident.cluster_id,
                    incident_key=self.incident_key,
                    members=list(incident.detected_members),
                    caused_by=[m["event_id"] for m in detected],
                    offices=list(incident.offices),
                    complainants=incident.complainants,
                    window_start=incident.window_start,
                    window_end=incident.window_end,
                    completed_by=incident.completed_by,
                    causation_id=by_id[incident.completed_by]["event_id"],
                    office_id=by_id[incident.anchor]["office_id"],
                    rules_version=rules_version,
                    more_than=more_than,
                    anchor=incident.anchor,
                    established_at=incident.established_at,
                    # Only an incident the replay no longer has is replaced; one it keeps only
                    # gives up the members that are this one's (moved below).
                    supersedes=sorted({clustered[m] for m in incident.members if m in clustered} - replayed),
                    tells=True,
                )
                for m in incident.members:
                    if m not in incident.detected_members:
                        self._joined(cluster_id=incident.cluster_id, complaint_id=m, event_id=by_id[m]["event_id"],
                                     received_at=by_id[m]["received_at"], tells=True)  # fmt: skip
                if entering:
                    changes.append(ClusterChange(incident.cluster_id, entering, detected=True))
                continue
            for m in incident.members:
                if m not in known["members"]:
                    member = next(x for x in self.members if x["complaint_id"] == m)
                    self._joined(cluster_id=incident.cluster_id, complaint_id=m, event_id=member["event_id"],
                                 received_at=member["received_at"], tells=True)  # fmt: skip
            facts: dict[str, Any] = {
                "completed_by": incident.completed_by,
                "established_at": incident.established_at,
                "detected_members": list(incident.detected_members),
                "window_start": incident.window_start,
                "window_end": incident.window_end,
            }
            if known.get("anchor") and any(known.get(k) != v for k, v in facts.items()):
                self._revised(cluster_id=incident.cluster_id, **facts)
            if entering:
                changes.append(ClusterChange(incident.cluster_id, entering, detected=False))
        holder = {m: i.cluster_id for i in incidents for m in i.members}
        # Members an incident gathered through a bridge that a complaint heard late (earlier in
        # business order) now gives to an incident of their own: they move; nobody is re-graded again.
        for cluster in list(self.clusters):
            if cluster["cluster_id"] in replayed:
                moved = [m for m in cluster["members"] if holder.get(m, cluster["cluster_id"]) != cluster["cluster_id"]]
                if moved:
                    self._moved(cluster_id=cluster["cluster_id"], members=moved, to=[holder[m] for m in moved])
        # An incident met first that the replay folds into an earlier one (a bridging complaint heard
        # late): it is superseded by the one holding its members.
        for cluster in list(self.clusters):
            if cluster["cluster_id"] not in holder.values():
                by = sorted({holder[m] for m in cluster["members"] if m in holder})
                if by:
                    self._superseded(cluster_id=cluster["cluster_id"], by=by[0])
        return changes

    @event("MemberAdded")
    def _member_added(self, member: Member, cutoff: str) -> None:
        # Members too old to share a window with anything new are forgotten (they stay in the log),
        # and so are the clusters that ended before them.
        self.members = [m for m in self.members if m["received_at"] >= cutoff] + [member]
        self.clusters = [c for c in self.clusters if max(c["window_end"], c.get("last_member_at", "")) >= cutoff]

    @event("ClusterDetected")
    def _detected(
        self,
        cluster_id: str,
        incident_key: str,
        members: list[str],
        caused_by: list[str],
        offices: list[str],
        complainants: int,
        window_start: str,
        window_end: str,
        completed_by: str,
        causation_id: str,
        office_id: str,
        rules_version: int,
        more_than: int,
        anchor: str = "",
        established_at: str = "",
        supersedes: list[str] | None = None,
        tells: bool = False,
    ) -> None:
        # Who was told of it: recorded before notices existed (`tells` False), each member was told of
        # on its own, so the group and its offices were; since, nobody yet, but whoever was told of the
        # incidents it supersedes (one incident, not told again under its new id).
        known = self._members_by_id()
        told = [GROUP, *offices] if not tells else sorted(
            {scope for c in self.clusters if c["cluster_id"] in (supersedes or []) for scope in _told_in(c, known)}
        )  # fmt: skip
        # An incident this one supersedes is gone from the state (its members are this one's); the
        # log keeps it, and the announcement names it.
        self.clusters = [c for c in self.clusters if c["cluster_id"] not in (supersedes or [])]
        self.clusters.append(
            {
                "told": told,
                "cluster_id": cluster_id,
                "members": list(members),
                "anchor": anchor,
                "completed_by": completed_by,
                "established_at": established_at,
                "detected_members": list(members),
                "window_start": window_start,
                "window_end": window_end,
            }
        )
        for m in self.members:
            if m["complaint_id"] in members:
                m["cluster_id"] = cluster_id

    @event("MemberJoined")
    def _joined(
        self, cluster_id: str, complaint_id: str, event_id: str, received_at: str = "", tells: bool = False
    ) -> None:
        known = self._members_by_id()
        for cluster in self.clusters:
            if cluster["cluster_id"] == cluster_id:
                cluster["told"] = _told_in(cluster, known)  # before this member (a state from before notices)
                if not tells and complaint_id in known:  # joined before notices: its office was told of it
                    cluster["told"] = sorted({*cluster["told"], known[complaint_id]["office_id"]})
                cluster["members"].append(complaint_id)
                # The incident lasts as long as its members (kept in memory while it can still grow).
                cluster["last_member_at"] = max(cluster.get("last_member_at", ""), received_at)
        for m in self.members:
            if m["complaint_id"] == complaint_id:
                m["cluster_id"] = cluster_id

    @event("ClusterSuperseded")
    def _superseded(self, cluster_id: str, by: str) -> None:
        """An incident met first that the business-order replay folds into an earlier one: its members
        are that one's (they joined it); it is gone from the state, kept in the log. Whoever was told of
        it counts as told of the one holding its members."""
        known = self._members_by_id()
        gone = [c for c in self.clusters if c["cluster_id"] == cluster_id]
        for cluster in self.clusters:
            if cluster["cluster_id"] == by:
                cluster["told"] = sorted({*_told_in(cluster, known), *(s for c in gone for s in _told_in(c, known))})
        self.clusters = [c for c in self.clusters if c["cluster_id"] != cluster_id]

    @event("LeadersTold")
    def _leaders_told(
        self,
        cluster_id: str,
        incident_key: str,
        scope: str,
        complaint_id: str,
        office_id: str,
        recipients: list[dict[str, Any]],
        members: list[str],
        offices: list[str],
        customers: int,
        reason: str,
        rule: str,
        caused_by: list[str],
        announced_by: str,
        told_at: str,
    ) -> None:
        """The group's roles (`scope` 'group') or an office's were told of the incident, once."""
        known = self._members_by_id()
        for cluster in self.clusters:
            if cluster["cluster_id"] == cluster_id:
                cluster["told"] = sorted({*_told_in(cluster, known), scope})

    @event("MembersMoved")
    def _moved(self, cluster_id: str, members: list[str], to: list[str]) -> None:
        """Members the business-order replay holds in another incident (`to`, one per member) leave
        this one; they are already in theirs (detected or joined there first)."""
        for cluster in self.clusters:
            if cluster["cluster_id"] == cluster_id:
                cluster["members"] = [m for m in cluster["members"] if m not in members]

    @event("ClusterRevised")
    def _revised(
        self,
        cluster_id: str,
        completed_by: str,
        established_at: str,
        detected_members: list[str],
        window_start: str,
        window_end: str,
    ) -> None:
        """A complaint heard late but earlier in business order changed which member completed the
        incident (or its first window): the incident's facts follow the replay."""
        for cluster in self.clusters:
            if cluster["cluster_id"] == cluster_id:
                cluster.update(
                    completed_by=completed_by,
                    established_at=established_at,
                    detected_members=list(detected_members),
                    window_start=window_start,
                    window_end=window_end,
                )


def _told_in(cluster: dict[str, Any], known: dict[str, Member]) -> list[str]:
    """Who has been told of a recorded incident. A state from before notices has no record: each of its
    members was told of on its own, so the group and every office of its members were."""
    if "told" in cluster:
        return list(cluster["told"])
    return sorted({GROUP, *(known[m]["office_id"] for m in cluster["members"] if m in known)})
