"""Who is told of a mass incident (pure domain, no I/O): the leaders hear of it once, as an incident, not
once per member (a 40-household water cut mailed every company leader 40 times, and more as complaints
kept arriving). The group's roles once per incident, each affected office's once per incident at that
office's first member; a member joining later tells nobody again unless it brings a new office; an
incident that supersedes another does not tell again whoever was told of the one it replaces. Arrival
order varies (partitions interleave), so the rule is property-tested with hypothesis.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from services.triage.domain.incidents import GROUP, IncidentWindow, announcement_id

from .test_incident_window import LATE, WINDOW, complaint, interleaving, partitioned, registered

KEY = "telford gardens/block 3|lift"
TELL = [("supervisor", True), ("leader", True), ("company-leader", False)]


class Run:
    """A window after its complaints, with every event it recorded (collected once)."""

    def __init__(self, window: IncidentWindow) -> None:
        self.window, self.events = window, window.collect_events()
        self.clusters = window.clusters


def run(complaints: list[dict[str, Any]], tell: list[tuple[str, bool]] = TELL) -> Run:
    window = IncidentWindow(KEY)
    for c in complaints:
        window.add(
            c["complaint_id"],
            c["persons"][0],
            c["office_id"],
            datetime.fromisoformat(c["received_at"]),
            c["event_id"],
            WINDOW,
            5,
            1,
            persons=c["persons"],
            keep_for=LATE,
            registered_at=datetime.fromisoformat(c.get("registered_at", c["received_at"])),
            tell=tell,
            rule="escalation.mass-incident@v1",
        )
    return Run(window)


def told(done: Run) -> list[Any]:
    return [e for e in done.events if isinstance(e, IncidentWindow.LeadersTold)]


def detected(done: Run) -> list[Any]:
    return [e for e in done.events if isinstance(e, IncidentWindow.ClusterDetected)]


def test_an_incident_tells_the_group_once_and_each_office_once_at_its_first_member() -> None:
    window = run([complaint(n, 10 * n) for n in range(6)])  # odd: hk-central, even: kln-east
    [incident] = detected(window)
    notices = told(window)
    assert sorted(n.scope for n in notices) == [GROUP, "hk-central", "kln-east"]
    by_scope = {n.scope: n for n in notices}
    group = by_scope[GROUP]
    assert group.complaint_id == "c00" and group.recipients == [{"role": "company-leader", "office_id": None}]
    assert by_scope["kln-east"].complaint_id == "c00" and by_scope["hk-central"].complaint_id == "c01"
    assert by_scope["hk-central"].recipients == [
        {"role": "supervisor", "office_id": "hk-central"},
        {"role": "leader", "office_id": "hk-central"},
    ]
    # Each names the incident: its key, the complaints so far, the offices, and its announcement as cause.
    for notice in notices:
        assert notice.cluster_id == incident.cluster_id and notice.incident_key == KEY
        assert notice.members == [f"c{n:02d}" for n in range(6)] and notice.customers == 6
        assert notice.offices == ["hk-central", "kln-east"]
        assert notice.announced_by == str(announcement_id(incident.cluster_id))
        assert notice.caused_by[0] == notice.announced_by
        assert notice.told_at == incident.established_at
        assert "6 complaints from 6 customers" in notice.reason and incident.cluster_id in notice.reason


def test_members_joining_a_told_incident_tell_nobody_again_unless_they_bring_an_office() -> None:
    wave = [complaint(n, 10 * n) for n in range(6)]
    later = [complaint(6, 70), complaint(7, 80), complaint(8, 90)]
    first_of_a_new_office = {**complaint(9, 95), "office_id": "tsuen-wan"}
    window = run([*wave, *later, first_of_a_new_office, {**complaint(10, 96), "office_id": "tsuen-wan"}])
    assert Counter(n.scope for n in told(window)) == {GROUP: 1, "hk-central": 1, "kln-east": 1, "tsuen-wan": 1}
    [office] = [n for n in told(window) if n.scope == "tsuen-wan"]
    assert office.complaint_id == "c09" and len(office.members) == 10
    assert office.caused_by == [office.announced_by, "e09"]  # the announcement, and its own registration


def test_nobody_named_by_the_rules_is_told_of_nothing() -> None:
    assert told(run([complaint(n, 10 * n) for n in range(6)], tell=[])) == []
    only_offices = run([complaint(n, 10 * n) for n in range(6)], tell=[("leader", True)])
    assert sorted(n.scope for n in told(only_offices)) == ["hk-central", "kln-east"]


def test_an_incident_superseding_a_told_one_tells_only_an_office_nobody_told() -> None:
    wave = [registered(n, 10 + n, 1, n) for n in range(6)]
    # Received first, met last (its partition lagged), at an office the announced incident did not reach.
    lagging = {**registered(9, 5, 1, 9), "office_id": "tsuen-wan"}
    window = run([*wave, lagging])
    first, second = detected(window)
    assert second.supersedes == [first.cluster_id]
    notices = told(window)
    assert [(n.cluster_id, n.scope) for n in notices] == [
        (first.cluster_id, GROUP),
        (first.cluster_id, "kln-east"),
        (first.cluster_id, "hk-central"),
        (second.cluster_id, "tsuen-wan"),
    ]


def test_an_incident_recorded_before_notices_counts_as_told_where_its_members_were() -> None:
    """Its members were each told of on their own then: a member joining it now tells only a new office."""
    window = IncidentWindow(KEY)
    for c in [complaint(n, 10 * n) for n in range(6)]:  # the old way: no notices
        window.add(c["complaint_id"], c["persons"][0], c["office_id"], datetime.fromisoformat(c["received_at"]),
                   c["event_id"], WINDOW, 5, 1, persons=c["persons"], keep_for=LATE)  # fmt: skip
    [cluster] = window.clusters
    del cluster["told"]  # a state (a snapshot) from before notices
    later = [complaint(6, 70), {**complaint(7, 75), "office_id": "tsuen-wan"}]
    for c in later:
        window.add(c["complaint_id"], c["persons"][0], c["office_id"], datetime.fromisoformat(c["received_at"]),
                   c["event_id"], WINDOW, 5, 1, persons=c["persons"], keep_for=LATE, tell=TELL)  # fmt: skip
    assert [n.scope for n in told(Run(window))] == ["tsuen-wan"]


# --- arrival order -----------------------------------------------------------------------------------


def ancestry(done: Run) -> dict[str, set[str]]:
    """Each incident id with the incidents it replaced (superseded on announcement, or folded into it)."""
    of: dict[str, set[str]] = {}
    for e in done.events:
        if isinstance(e, IncidentWindow.ClusterDetected):
            of[e.cluster_id] = {e.cluster_id}.union(*(of.get(s, {s}) for s in e.supersedes or []))
        elif isinstance(e, IncidentWindow.ClusterSuperseded):
            of[e.by] = of.get(e.by, {e.by}) | of.get(e.cluster_id, {e.cluster_id})
    return of


@settings(max_examples=200, deadline=None)
@given(data=st.data(), drawn=partitioned)
def test_any_interleaving_tells_each_incident_and_each_of_its_offices_once(data: st.DataObject, drawn: list) -> None:
    order = interleaving(data, drawn)
    window = run(order)
    notices = told(window)
    # Nobody is told twice of one incident: the group once per incident id, an office once per incident id...
    assert len({(n.cluster_id, n.scope) for n in notices}) == len(notices)
    # ...and an incident superseding another tells nobody it told: the group hears once per incident
    # announced as new, never again under a new id.
    assert sum(n.scope == GROUP for n in notices) == sum(1 for e in detected(window) if not e.supersedes)
    # Nothing lost: for every incident of the set, the group and each office of its members were told of
    # it (or of an incident it replaced).
    office = {c["complaint_id"]: c["office_id"] for c in order}
    replaced = ancestry(window)
    for cluster in window.clusters:
        told_of = {n.scope for n in notices if n.cluster_id in replaced[cluster["cluster_id"]]}
        assert {GROUP, *(office[m] for m in cluster["members"])} <= told_of


@settings(max_examples=100, deadline=None)
@given(data=st.data(), drawn=partitioned)
def test_the_same_members_in_business_order_or_any_order_tell_the_same_people(data: st.DataObject, drawn: list) -> None:
    """In business order (each complaint met when the group heard of it) every incident tells the group
    once and each of its offices once; met in any other order, the same, unless a complaint heard late
    folded two announced incidents into one (both were told when they were announced: README, known
    limit)."""
    order = interleaving(data, drawn)
    in_business_order = sorted(order, key=lambda c: (c["registered_at"], c["received_at"], c["complaint_id"]))
    calm, shuffled = run(in_business_order), run(order)
    office = {c["complaint_id"]: c["office_id"] for c in order}

    def expected(window: Run) -> Counter[str]:
        return Counter(s for c in window.clusters for s in {GROUP, *(office[m] for m in c["members"])})

    assert Counter(n.scope for n in told(calm)) == expected(calm)
    folds = (IncidentWindow.ClusterSuperseded, IncidentWindow.MembersMoved)
    if not any(isinstance(e, folds) for e in shuffled.events):
        assert Counter(n.scope for n in told(shuffled)) == expected(shuffled) == expected(calm)


def test_an_incident_announced_before_notices_tells_only_an_office_its_members_had_not_reached() -> None:
    """Stored before notices, its announcement and joins carry no `tells`: each member was told of on its
    own then, so the group and their offices were; a member joining now from a new office tells that one."""
    window = IncidentWindow(KEY)
    wave = [complaint(n, 10 * n) for n in range(6)]
    for c in wave:
        window._member_added(member={**c, "complainant_key": c["persons"][0], "registered_at": c["received_at"]},
                             cutoff="")  # fmt: skip
    announced = {
        "cluster_id": "old",
        "incident_key": KEY,
        "members": [c["complaint_id"] for c in wave],
        "caused_by": [],
        "offices": ["hk-central", "kln-east"],
        "complainants": 6,
        "window_start": wave[0]["received_at"],
        "window_end": wave[-1]["received_at"],
        "completed_by": "c05",
        "causation_id": "e05",
        "office_id": "kln-east",
        "rules_version": 1,
        "more_than": 5,
        "anchor": "c00",
        "established_at": wave[-1]["received_at"],
    }
    window._detected(**announced)  # as the aggregate recorded it then: no `tells`
    assert window.clusters[0]["told"] == [GROUP, "hk-central", "kln-east"]
    for c in [complaint(6, 70), {**complaint(7, 75), "office_id": "tsuen-wan"}]:
        window.add(c["complaint_id"], c["persons"][0], c["office_id"], datetime.fromisoformat(c["received_at"]),
                   c["event_id"], WINDOW, 5, 1, persons=c["persons"], keep_for=LATE, tell=TELL)  # fmt: skip
    assert [(n.cluster_id, n.scope) for n in told(Run(window))] == [("old", "tsuen-wan")]
