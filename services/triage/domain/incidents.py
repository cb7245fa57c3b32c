"""Mass incidents: complaints about one incident (same place, same facility: see `incident_place`)
from more than five distinct customers within a time window, across offices.

The rule is a property of the *set* of complaints, so that arrival order (complaints reach triage
from different partitions, later than they were received) does not decide who is in an incident:

    a complaint belongs to a mass incident when some window of `window` length that contains its
    received time holds complaints of more than `more_than` distinct customers.

Adding a complaint can only add members (never remove one), so every re-grade stays true as more
complaints arrive. A new member joins the incident it shares a qualifying window with (the earliest
one if it bridges two: incidents already announced are not merged), else it and the others of its
window make a new incident, announced once. Customers are distinct unless they share an identity
key (the same phone, or the same name and flat: see `identity`).

This is a windowed aggregate kept in triage's own event store and saved with the Kafka position in
the tracked consumer's transaction, so an incident is decided exactly once even across crashes and
redeliveries (see the service README for why not faust).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from shared.contracts import derived_id


@dataclass(frozen=True)
class ClusterChange:
    """What adding a member did: a new cluster (all its members), or members joining an existing one."""

    cluster_id: str
    new_members: list[str]
    detected: bool


def distinct_customers(members: list[dict[str, Any]]) -> int:
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


def mass_incident_members(members: list[dict[str, Any]], window: timedelta, more_than: int) -> set[str]:
    """The set rule, over a whole set of members (used by tests and to check the aggregate)."""
    inside: set[str] = set()
    for first in members:
        start = datetime.fromisoformat(first["received_at"])
        group = [m for m in members if start <= datetime.fromisoformat(m["received_at"]) <= start + window]
        if distinct_customers(group) > more_than:
            inside.update(m["complaint_id"] for m in group)
    return inside


class IncidentWindow(Aggregate):
    @staticmethod
    def create_id(incident_key: str, **_: Any) -> UUID:
        return derived_id("incident-window", incident_key)

    @event("Opened")
    def __init__(self, incident_key: str) -> None:
        self.incident_key = incident_key
        self.members: list[dict[str, Any]] = []  # recent members, in a cluster or not
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
    ) -> ClusterChange | None:
        """Add one complaint; returns the cluster it completed or joined, if any. `persons` are its
        complainant's identity keys; `keep_for` how late a complaint may arrive and still count
        (members older than that before the newest one are forgotten; they stay in the log)."""
        if any(m["complaint_id"] == complaint_id for m in self.members) or any(
            complaint_id in c["members"] for c in self.clusters
        ):
            return None  # seen already
        member = {
            "complaint_id": complaint_id,
            "complainant_key": complainant_key,
            "persons": sorted(set(persons or [complainant_key])),
            "office_id": office_id,
            "received_at": received_at.isoformat(),
            "event_id": event_id,
        }
        newest = max([received_at, *(datetime.fromisoformat(m["received_at"]) for m in self.members)])
        self._member_added(member=member, cutoff=(newest - max(keep_for or window * 2, window * 2)).isoformat())
        return self._detect(complaint_id, received_at, office_id, event_id, window, more_than, rules_version)

    def _detect(
        self,
        added: str,
        received_at: datetime,
        office_id: str,
        causation_id: str,
        window: timedelta,
        more_than: int,
        rules_version: int,
    ) -> ClusterChange | None:
        # Only windows that contain the new member can have changed.
        qualifying: dict[str, dict[str, Any]] = {}
        times = {m["complaint_id"]: datetime.fromisoformat(m["received_at"]) for m in self.members}
        for first in self.members:
            start = times[first["complaint_id"]]
            if not start <= received_at <= start + window:
                continue
            inside = [m for m in self.members if start <= times[m["complaint_id"]] <= start + window]
            if distinct_customers(inside) > more_than:
                qualifying.update({m["complaint_id"]: m for m in inside})
        if added not in qualifying:
            return None
        fresh = [m for m in qualifying.values() if not m.get("cluster_id")]
        fresh.sort(key=lambda m: (m["received_at"], m["complaint_id"]))
        touched = {m["cluster_id"] for m in qualifying.values() if m.get("cluster_id")}
        known = [c for c in self.clusters if c["cluster_id"] in touched]
        if known:
            cluster = min(known, key=lambda c: (c["window_start"], c["cluster_id"]))
            for m in fresh:
                self._joined(
                    cluster_id=cluster["cluster_id"],
                    complaint_id=m["complaint_id"],
                    event_id=m["event_id"],
                    received_at=m["received_at"],
                )
            return ClusterChange(cluster["cluster_id"], [m["complaint_id"] for m in fresh], detected=False)
        start, end = fresh[0]["received_at"], fresh[-1]["received_at"]
        cluster_id = str(derived_id("incident-cluster", self.incident_key, start))
        self._detected(
            cluster_id=cluster_id,
            incident_key=self.incident_key,
            members=[m["complaint_id"] for m in fresh],
            caused_by=[m["event_id"] for m in fresh],
            offices=sorted({m["office_id"] for m in fresh}),
            complainants=distinct_customers(fresh),
            window_start=start,
            window_end=end,
            completed_by=added,
            causation_id=causation_id,
            office_id=office_id,
            rules_version=rules_version,
            more_than=more_than,
        )
        return ClusterChange(cluster_id, [m["complaint_id"] for m in fresh], detected=True)

    @event("MemberAdded")
    def _member_added(self, member: dict[str, Any], cutoff: str) -> None:
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
    ) -> None:
        self.clusters.append(
            {"cluster_id": cluster_id, "members": list(members), "window_start": window_start, "window_end": window_end}
        )
        for m in self.members:
            if m["complaint_id"] in members:
                m["cluster_id"] = cluster_id

    @event("MemberJoined")
    def _joined(self, cluster_id: str, complaint_id: str, event_id: str, received_at: str = "") -> None:
        for cluster in self.clusters:
            if cluster["cluster_id"] == cluster_id:
                cluster["members"].append(complaint_id)
                # The incident lasts as long as its members (kept in memory while it can still grow).
                cluster["last_member_at"] = max(cluster.get("last_member_at", ""), received_at)
        for m in self.members:
            if m["complaint_id"] == complaint_id:
                m["cluster_id"] = cluster_id
