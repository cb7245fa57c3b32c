"""Mass incidents in one incident window (pure domain, no I/O): more than five distinct customers
within the window, the window's bounds, people counted once, and arrival order.

The README promises that *who is in a mass incident* is a property of the set of complaints (so
arrival order does not change any complaint's grade); which incident a bridging complaint joins and
the incident's id may follow arrival order. The property tests check exactly that promise.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from services.triage.domain.incidents import ClusterChange, IncidentWindow, mass_incident_members

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
    changes = []
    for c in complaints:
        change = window.add(
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
        )
        if change is not None:
            changes.append(change)
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
    assert sum(c.detected for c in changes) == 1
