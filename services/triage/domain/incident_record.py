"""Which mass incident a complaint belongs to, and every complaint of it, read from an incident window's
whole log.

The window's state forgets members and incidents too old to grow (`IncidentWindow`: only recent ones
can still share a time window with something new); its log keeps them all. A supervisor looking at
one complaint of an incident, days later, must still see the others: this folds the log's incident
events (announced, joined, moved out, superseded) without forgetting anything, so the answer is the
same a week or a year after the incident as on its day.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class IncidentMember:
    complaint_id: str
    office_id: str
    received_at: str


@dataclass(frozen=True)
class IncidentTold:
    """Who was told of the incident, once: the group's roles (`scope` 'group') or an office's (its id), at
    which complaint, when, with how many complaints it then held (later members told nobody again)."""

    scope: str
    complaint_id: str
    at: str
    complaints: int


@dataclass(frozen=True)
class IncidentRecord:
    """An incident as its window recorded it: its id, place and facility, its members by received time,
    and who was told of it (of it or of an incident it superseded)."""

    cluster_id: str
    incident_key: str
    window_start: str
    members: tuple[IncidentMember, ...]
    told: tuple[IncidentTold, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "cluster_id": self.cluster_id,
            "incident_key": self.incident_key,
            "window_start": self.window_start,
            "members": [
                {"complaint_id": m.complaint_id, "office_id": m.office_id, "received_at": m.received_at}
                for m in self.members
            ],
            "told": [
                {"scope": t.scope, "complaint_id": t.complaint_id, "at": t.at, "complaints": t.complaints}
                for t in self.told
            ],
        }


def incident_of(complaint_id: str, incident_key: str, events: Iterable[Any]) -> IncidentRecord | None:
    """The incident holding `complaint_id` after the window's `events` (its stored domain events, in
    order), or None when it is in none. Events are read by their class name and attributes, as the
    aggregate's `@event` methods recorded them."""
    seen: dict[str, dict[str, str]] = {}  # every member ever added: office and received time
    clusters: dict[str, dict[str, Any]] = {}
    for e in events:
        kind = type(e).__name__
        if kind == "MemberAdded":
            member = e.member
            seen[str(member["complaint_id"])] = {
                "office_id": str(member.get("office_id", "")),
                "received_at": str(member.get("received_at", "")),
            }
        elif kind == "ClusterDetected":
            inherited = [
                t for gone in getattr(e, "supersedes", None) or [] for t in clusters.get(gone, {}).get("told", [])
            ]
            for gone in getattr(e, "supersedes", None) or []:
                clusters.pop(gone, None)
            clusters[e.cluster_id] = {"members": list(e.members), "window_start": e.window_start, "told": inherited}
        elif kind == "LeadersTold" and e.cluster_id in clusters:
            notice = IncidentTold(e.scope, e.complaint_id, e.told_at, len(e.members))
            clusters[e.cluster_id]["told"].append(notice)
        elif kind == "MemberJoined" and e.cluster_id in clusters:
            if e.complaint_id not in clusters[e.cluster_id]["members"]:
                clusters[e.cluster_id]["members"].append(e.complaint_id)
        elif kind == "MembersMoved" and e.cluster_id in clusters:
            clusters[e.cluster_id]["members"] = [m for m in clusters[e.cluster_id]["members"] if m not in e.members]
        elif kind == "ClusterSuperseded":
            gone = clusters.pop(e.cluster_id, None)
            if gone is not None and e.by in clusters:
                clusters[e.by]["told"] += gone.get("told", [])
        elif kind == "ClusterRevised" and e.cluster_id in clusters:
            clusters[e.cluster_id]["window_start"] = e.window_start
    for cluster_id, cluster in clusters.items():
        if complaint_id in cluster["members"]:
            members = [
                IncidentMember(m, seen.get(m, {}).get("office_id", ""), seen.get(m, {}).get("received_at", ""))
                for m in cluster["members"]
            ]
            members.sort(key=lambda m: (m.received_at, m.complaint_id))
            told = tuple(cluster.get("told", []))
            return IncidentRecord(cluster_id, incident_key, cluster["window_start"], tuple(members), told)
    return None
