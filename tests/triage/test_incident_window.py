"""Mass incidents in one incident window (pure domain, no I/O): more than five distinct customers
within the window, the window's bounds, people counted once, and arrival order.

The README promises that the incidents are a property of the set of complaints: who is in one, its
id, the member that completed it and its window are what the business-order replay of the set gives
(`incidents_of`), whatever order triage met the complaints in — any interleaving of partitions, each
in its own order — and every member enters an incident (is re-graded) exactly once. The property
tests check exactly that promise.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from services.triage.domain.incidents import ClusterChange, IncidentWindow, incidents_of, mass_incident_members

T0 = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=120)
LATE = timedelta(days=2)


def complaint(n: int, minutes: float, persons: list[str] | None = None) -> dict[str, Any]:
    return {
        "complaint_id": f"c{n:02d}",
        "persons": persons or [f"p{n}"],
        "received_at": (T0 + timedelta(minutes=minutes)).isoformat(),
        "event_id": f"e{n:02d}",
        "office_id": "hk-central" if n % 2 else "kln-east",
    }


def run(complaints: list[dict[str, Any]]) -> tuple[IncidentWindow, list[ClusterChange]]:
    window = IncidentWindow("telford gardens/block 3|lift")
    changes: list[ClusterChange] = []
    for c in complaints:
        changes += window.add(
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
        )
    return window, changes


def in_incidents(window: IncidentWindow) -> set[str]:
    return {m for c in window.clusters for m in c["members"]}


def test_six_customers_within_the_window_are_one_incident_with_its_members_as_causes() -> None:
    window, changes = run([complaint(n, 10 * n) for n in range(6)])
    [change] = changes
    assert change.detected and sorted(change.new_members) == [f"c{n:02d}" for n in range(6)]
    [detected] = [e for e in window.collect_events() if isinstance(e, IncidentWindow.ClusterDetected)]
    assert detected.complainants == 6 and detected.completed_by == "c05"
    assert sorted(detected.caused_by) == [f"e{n:02d}" for n in range(6)]
    assert detected.offices == ["hk-central", "kln-east"]


def test_five_customers_are_no_incident() -> None:
    _, changes = run([complaint(n, 10 * n) for n in range(5)])
    assert changes == []


def test_the_window_includes_its_bounds_and_nothing_beyond() -> None:
    at_the_edge = [complaint(n, 0 if n < 5 else 120) for n in range(6)]
    assert len(run(at_the_edge)[1]) == 1
    just_beyond = [complaint(n, 0 if n < 5 else 121) for n in range(6)]
    assert run(just_beyond)[1] == []


def test_one_person_under_two_phones_is_one_customer() -> None:
    # c00 and c05 share a name+unit key: five people, not six.
    complaints = [complaint(n, 10 * n, [f"p{n}", "same-name-and-flat" if n in (0, 5) else f"q{n}"]) for n in range(6)]
    assert run(complaints)[1] == []
    assert len(run([*complaints, complaint(6, 65)])[1]) == 1


def test_a_later_complaint_in_the_incidents_window_joins_it() -> None:
    window, changes = run([*(complaint(n, 10 * n) for n in range(6)), complaint(6, 100)])
    assert [c.detected for c in changes] == [True, False]
    assert changes[1].new_members == ["c06"] and changes[1].cluster_id == changes[0].cluster_id
    assert in_incidents(window) == {f"c{n:02d}" for n in range(7)}


def test_a_complaint_far_outside_the_window_does_not_join() -> None:
    window, changes = run([*(complaint(n, 10 * n) for n in range(6)), complaint(6, 60 * 8)])
    assert len(changes) == 1 and "c06" not in in_incidents(window)


def test_a_complaint_typed_in_late_still_completes_its_incident() -> None:
    # Five at 08:00-08:40, then many hours of other complaints, then the sixth of 08:45 arrives.
    early = [complaint(n, 10 * n) for n in range(5)]
    later = [complaint(10 + n, 60 * 20 + 300 * n) for n in range(3)]
    window, changes = run([*early, *later, complaint(5, 45)])
    assert len(changes) == 1 and in_incidents(window) == {f"c{n:02d}" for n in range(6)}


# --- arrival order ---------------------------------------------------------------------------------

complaint_sets = st.lists(
    st.tuples(st.integers(min_value=0, max_value=600), st.integers(min_value=0, max_value=9)),
    min_size=1,
    max_size=16,
).map(lambda drawn: [complaint(n, minutes, [f"p{person}"]) for n, (minutes, person) in enumerate(drawn)])


@settings(max_examples=150, deadline=None)
@given(data=st.data(), complaints=complaint_sets)
def test_who_is_in_a_mass_incident_does_not_depend_on_arrival_order(data: st.DataObject, complaints: list) -> None:
    order = data.draw(st.permutations(complaints))
    window, changes = run(order)
    members = in_incidents(window)
    # The set rule, computed over the whole set at once...
    assert members == mass_incident_members(complaints, WINDOW, 5)
    # ...and every member was re-graded exactly once (detected or joined).
    regraded = [m for c in changes for m in c.new_members]
    assert sorted(regraded) == sorted(members)


@settings(max_examples=100, deadline=None)
@given(
    data=st.data(),
    minutes=st.lists(st.integers(min_value=0, max_value=120), min_size=6, max_size=14),
)
def test_a_burst_within_one_window_is_one_incident_in_any_order(data: st.DataObject, minutes: list[int]) -> None:
    complaints = [complaint(n, m) for n, m in enumerate(minutes)]
    window, changes = run(data.draw(st.permutations(complaints)))
    assert len(window.clusters) == 1
    assert set(window.clusters[0]["members"]) == {c["complaint_id"] for c in complaints}
    # Announced once, or again (superseding) when a complaint received before its first member is met late.
    assert sum(c.detected for c in changes) >= 1
    assert sorted(m for c in changes for m in c.new_members) == sorted(c["complaint_id"] for c in complaints)


# --- the incident's facts: a function of the set, in business order -------------------------------------


def facts(window: IncidentWindow) -> list[tuple[Any, ...]]:
    """What an incident is: id, members, the member that completed it, when, its first window."""
    return sorted(
        (
            c["cluster_id"],
            tuple(sorted(c["members"])),
            c["completed_by"],
            c["established_at"],
            tuple(sorted(c["detected_members"])),
            c["window_start"],
            c["window_end"],
        )
        for c in window.clusters
    )


def replayed(complaints: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    members = [{**c, "registered_at": c.get("registered_at", c["received_at"])} for c in complaints]
    return sorted(
        (
            i.cluster_id,
            tuple(sorted(i.members)),
            i.completed_by,
            i.established_at,
            tuple(sorted(i.detected_members)),
            i.window_start,
            i.window_end,
        )
        for i in incidents_of("telford gardens/block 3|lift", members, WINDOW, 5)
    )


def registered(n: int, minutes: int, delay: int, person: int) -> dict[str, Any]:
    """Received at `minutes`, registered (heard of by the group) `delay` minutes later."""
    made = complaint(n, minutes, [f"p{person}"])
    return {**made, "registered_at": (T0 + timedelta(minutes=minutes + delay)).isoformat()}


# Complaints with their partition: each partition's complaints reach triage in registration order,
# the partitions interleave in any way (one worker polling them, or two instances, one restarted).
partitioned = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=300),  # received, minutes after T0
        st.integers(min_value=0, max_value=90),  # typed in this much later
        st.integers(min_value=0, max_value=9),  # which customer
        st.integers(min_value=0, max_value=5),  # which partition
    ),
    min_size=1,
    max_size=18,
)


def interleaving(data: st.DataObject, drawn: list[tuple[int, int, int, int]]) -> list[dict[str, Any]]:
    queues: dict[int, list[dict[str, Any]]] = {}
    for n, (minutes, delay, person, partition) in enumerate(drawn):
        queues.setdefault(partition, []).append(registered(n, minutes, delay, person))
    for queue in queues.values():
        queue.sort(key=lambda c: (c["registered_at"], c["complaint_id"]))
    order = []
    while queues:
        partition = data.draw(st.sampled_from(sorted(queues)))
        order.append(queues[partition].pop(0))
        if not queues[partition]:
            del queues[partition]
    return order


@settings(max_examples=200, deadline=None)
@given(data=st.data(), drawn=partitioned)
def test_any_interleaving_of_partitions_ends_in_the_same_incident_facts(data: st.DataObject, drawn: list) -> None:
    first, second = interleaving(data, drawn), interleaving(data, drawn)
    (one, one_changes), (two, two_changes) = run(first), run(second)
    # The same incidents, each with the same id, members, completing member, instant and window...
    assert facts(one) == facts(two) == replayed(first)
    # ...who is in one is the set rule...
    assert {m for c in one.clusters for m in c["members"]} == mass_incident_members(first, WINDOW, 5)
    # ...and each member entered an incident (was re-graded) exactly once, in either order.
    for changes, window in ((one_changes, one), (two_changes, two)):
        entered = [m for c in changes for m in c.new_members]
        assert sorted(entered) == sorted(m for c in window.clusters for m in c["members"])


@settings(max_examples=100, deadline=None)
@given(data=st.data(), drawn=partitioned)
def test_a_complaint_met_again_changes_nothing(data: st.DataObject, drawn: list) -> None:
    order = interleaving(data, drawn)
    again = data.draw(st.lists(st.sampled_from(order), max_size=5))
    once, _ = run(order)
    twice, changes = run([*order, *again])
    assert facts(once) == facts(twice)
    assert len(twice.collect_events()) == len(once.collect_events()) + 0 * len(changes)


def test_an_incident_heard_out_of_business_order_is_dated_and_named_as_in_order() -> None:
    # Eight customers 40 s apart, typed in 30 s after; met in two partitions' interleaving where the
    # sixth to complete is not the sixth the group heard of.
    wave = [registered(n, n, 1, n) for n in range(8)]
    in_order, _ = run(wave)
    shuffled, _ = run([wave[i] for i in (7, 6, 4, 2, 0, 1, 3, 5)])
    assert facts(in_order) == facts(shuffled)
    [incident] = in_order.clusters
    assert incident["completed_by"] == "c05" and incident["established_at"] == wave[5]["registered_at"]
    assert incident["anchor"] == "c00"


def test_a_complaint_received_before_an_announced_incident_supersedes_it() -> None:
    wave = [registered(n, 10 + n, 1, n) for n in range(6)]
    # Received and registered first, but its partition lagged: triage meets it after the others.
    window, changes = run([*wave, registered(9, 5, 1, 9)])
    [incident] = window.clusters
    assert incident["anchor"] == "c09" and len(incident["members"]) == 7
    assert incident["completed_by"] == "c04"  # the sixth the group heard of
    assert [c.detected for c in changes] == [True, True]
    assert changes[1].new_members == ["c09"]
    [first, second] = [e for e in window.collect_events() if isinstance(e, IncidentWindow.ClusterDetected)]
    assert second.supersedes == [first.cluster_id]


def test_members_a_bridge_gave_to_an_incident_move_when_their_own_incident_forms_later() -> None:
    """Six people at 08:00 (heard of by 09:30) are one incident; six at 10:01 are another; a complaint
    received at 08:32 but heard of at 10:02 shares a window with each. Met out of order, the 08:00
    incident first gathered five of the 10:01 complaints through the bridge; when the sixth arrives they
    form their own incident (as the business-order replay says), move there, and the 08:00 incident
    stays (it was wrongly superseded before, hypothesis found it). Nobody is re-graded twice."""
    rows = [("c07", 121, 121, 0), ("c12", 121, 121, 5), ("c06", 32, 122, 4), ("c02", 0, 81, 2), ("c00", 0, 32, 0),
            ("c05", 0, 1, 5), ("c04", 0, 27, 4), ("c03", 0, 84, 3), ("c01", 0, 90, 1), ("c08", 121, 121, 1),
            ("c09", 121, 121, 2), ("c10", 121, 121, 3), ("c11", 121, 121, 4)]  # fmt: skip
    order = [registered(int(cid[1:]), minutes, heard - minutes, person) for cid, minutes, heard, person in rows]
    window, changes = run(order)
    assert facts(window) == replayed(order)
    assert sorted(tuple(sorted(c["members"])) for c in window.clusters) == [
        ("c00", "c01", "c02", "c03", "c04", "c05", "c06"),
        ("c07", "c08", "c09", "c10", "c11", "c12"),
    ]
    entered = [m for c in changes for m in c.new_members]
    assert sorted(entered) == sorted(set(entered)) == [f"c{n:02d}" for n in range(13)]
