"""Mass incidents: complaints about one incident (same site, same area) within a time window, across
offices. More than five distinct complainants make a cluster, detected once; later complaints in
the cluster's window (or up to a window before it, as arrival order is not time order) join it.

This is a windowed aggregate kept in triage's own event store and saved with the Kafka position in
the tracked consumer's transaction, so a cluster is decided exactly once even across crashes and
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
    """What adding a member did: a new cluster (all its members), or joining an existing one."""

    cluster_id: str
    new_members: list[str]
    detected: bool


class IncidentWindow(Aggregate):
    @staticmethod
    def create_id(incident_key: str, **_: Any) -> UUID:
        return derived_id("incident-window", incident_key)

    @event("Opened")
    def __init__(self, incident_key: str) -> None:
        self.incident_key = incident_key
        self.members: list[dict[str, Any]] = []  # not yet in a cluster
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
    ) -> ClusterChange | None:
        if any(complaint_id in c["members"] for c in self.clusters) or any(
            m["complaint_id"] == complaint_id for m in self.members
        ):
            return None  # seen already
        for cluster in self.clusters:
            start, end = datetime.fromisoformat(cluster["window_start"]), datetime.fromisoformat(cluster["window_end"])
            # Complaints arrive out of time order (different partitions): one received up to a
            # window before the cluster's start belongs to the same incident, as does one inside it.
            if start - window <= received_at <= end:
                self._joined(cluster_id=cluster["cluster_id"], complaint_id=complaint_id, event_id=event_id)
                return ClusterChange(cluster["cluster_id"], [complaint_id], detected=False)
        member = {
            "complaint_id": complaint_id,
            "complainant_key": complainant_key,
            "office_id": office_id,
            "received_at": received_at.isoformat(),
            "event_id": event_id,
        }
        self._member_added(member=member, cutoff=(received_at - 2 * window).isoformat())
        return self._detect(complaint_id, office_id, event_id, window, more_than, rules_version)

    def _detect(
        self,
        completed_by: str,
        office_id: str,
        causation_id: str,
        window: timedelta,
        more_than: int,
        rules_version: int,
    ) -> ClusterChange | None:
        ordered = sorted(self.members, key=lambda m: (m["received_at"], m["complaint_id"]))
        for first in ordered:
            start = datetime.fromisoformat(first["received_at"])
            end = start + window
            inside = [m for m in ordered if start <= datetime.fromisoformat(m["received_at"]) <= end]
            complainants = {m["complainant_key"] for m in inside}
            if len(complainants) > more_than:
                cluster_id = str(derived_id("incident-cluster", self.incident_key, start.isoformat()))
                self._detected(
                    cluster_id=cluster_id,
                    incident_key=self.incident_key,
                    members=[m["complaint_id"] for m in inside],
                    caused_by=[m["event_id"] for m in inside],
                    offices=sorted({m["office_id"] for m in inside}),
                    complainants=len(complainants),
                    window_start=start.isoformat(),
                    window_end=end.isoformat(),
                    completed_by=completed_by,
                    causation_id=causation_id,
                    office_id=office_id,
                    rules_version=rules_version,
                    more_than=more_than,
                )
                return ClusterChange(cluster_id, [m["complaint_id"] for m in inside], detected=True)
        return None

    @event("MemberAdded")
    def _member_added(self, member: dict[str, Any], cutoff: str) -> None:
        # Members too old to share a window with anything new are forgotten (they stay in the log).
        self.members = [m for m in self.members if m["received_at"] >= cutoff] + [member]

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
        self.members = [m for m in self.members if m["complaint_id"] not in members]

    @event("MemberJoined")
    def _joined(self, cluster_id: str, complaint_id: str, event_id: str) -> None:
        for cluster in self.clusters:
            if cluster["cluster_id"] == cluster_id:
                cluster["members"].append(complaint_id)
