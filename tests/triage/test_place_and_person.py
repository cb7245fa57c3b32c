"""Triage's application on each store: incidents by building and facility, and the complainant
recognised by phone or by name and flat, with the evidence in the published decision."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from services.triage import bootstrap
from services.triage.application import TriageApplication
from services.triage.domain.rules import load_rules_file
from services.triage.settings import TriageSettings
from shared.auth import Principal
from shared.contracts.triage import ComplainantHistory, ComplaintTriaged, IncidentClusterDetected, SeverityRegraded
from tests.support import T0
from tests.triage.support import registered
from tests.triage.test_application import feed, of_type, published

LIFTS = "The lifts are out of order again, we had to walk up."


@pytest.fixture
def triage(store_settings: dict[str, Any], tmp_path: Path) -> Iterator[TriageApplication]:
    app = bootstrap.application(TriageSettings(**store_settings))
    yield app
    app.close()


def lift_complaint(n: int, address: str, *, obj: str = "Lifts", text: str = LIFTS, office: str = "kln-east") -> Any:
    return registered(text, office_id=office, address=address, obj=obj, at=T0 + timedelta(minutes=5 * n))


def test_five_complaints_about_block_3_lifts_and_one_about_block_12_are_no_mass_incident(triage) -> None:
    for n in range(5):
        feed(triage, lift_complaint(n, f"Flat {'ABCDE'[n]}, {n + 3}/F, Block 3, Telford Gardens"))
    feed(triage, lift_complaint(5, "Flat A, 8/F, Block 12, Telford Gardens"))
    messages = published(triage)
    assert of_type(messages, IncidentClusterDetected) == []
    assert [r for r in of_type(messages, SeverityRegraded) if r.payload.criterion == "major.mass-incident"] == []


def test_six_complaints_about_one_buildings_lifts_in_both_orders_and_scripts_are_one_incident(triage) -> None:
    wave = [
        lift_complaint(0, "Flat B, 12/F, Block 3, 德福花園"),
        lift_complaint(1, "九龍灣德福花園3座5樓A室", obj="𨋢", text="部𨋢又壞咗 要行樓梯", office="hk-central"),
        lift_complaint(2, "德福花园3栋1201", obj="电梯", text="电梯又坏了"),
        lift_complaint(3, "德福花園 Block 3 Flat C 7/F"),
        lift_complaint(4, "香港九龍灣德福花園第三座十樓D室", obj="電梯", text="電梯壞咗"),
        lift_complaint(5, "Flat E, 2/F, Blk 3, 德福花园"),
    ]
    for complaint in wave:
        feed(triage, complaint)
    messages = published(triage)
    [cluster] = of_type(messages, IncidentClusterDetected)
    assert cluster.payload.incident_key == "德福花园/block 3|lift"
    assert set(cluster.payload.member_complaint_ids) == {c.complaint_id for c in wave}
    assert set(cluster.payload.explanation.caused_by) == {c.event_id for c in wave}
    regrades = [r for r in of_type(messages, SeverityRegraded) if r.payload.criterion == "major.mass-incident"]
    assert {r.complaint_id for r in regrades} == {c.complaint_id for c in wave}
    # the incident, and the member's own registration (so its timeline links the re-grade)
    registration = {c.complaint_id: c.event_id for c in wave}
    assert all(r.payload.explanation.caused_by == [cluster.event_id, registration[r.complaint_id]] for r in regrades)
    assert all(r.causation_id == cluster.event_id for r in regrades)
    # Each decision says how its incident key was read.
    first = of_type(messages, ComplaintTriaged)[1]
    assert "block 3 of estate '德福花园'" in first.payload.explanations["incident"].reason
    assert "'𨋢' in the object" in first.payload.explanations["incident"].reason


def _triaged(triage: TriageApplication, complaint: Any) -> ComplaintTriaged:
    feed(triage, complaint)
    return next(m for m in of_type(published(triage), ComplaintTriaged) if m.complaint_id == complaint.complaint_id)


def test_a_repeat_complainant_is_recognised_by_name_and_flat_with_the_evidence(triage) -> None:
    home = "Flat B, 12/F, Block 3, Telford Gardens"
    first = registered("The corridor light is broken.", address=home, name="Chan Tai Man", contact="+852 9123 4567")
    by_phone = registered("Still broken.", address="Block 3, Telford Gardens", name="Mr Chan", contact="852-9123-4567")
    by_name = registered("Still broken!", address="Telford Gardens Blk 3 12/F Flat B", name="CHAN Tai-man")
    elsewhere = registered("Broken.", address="Flat A, 3/F, Block 9, Laguna City", name="Chan Tai Man")
    _triaged(triage, first)
    assert [m.matched_on for m in _triaged(triage, by_phone).payload.history.matches] == [["phone"]]
    history = _triaged(triage, by_name).payload.history
    assert [(m.complaint_id, m.matched_on) for m in history.matches] == [(first.complaint_id, ["name+unit", "name"])]
    assert history.earlier_complaints == 1
    history = _triaged(triage, elsewhere).payload.history
    assert history.matches == [] and history.earlier_complaints == 0
    assert {m.complaint_id for m in history.possible_matches} == {first.complaint_id, by_name.complaint_id}
    assert all(m.matched_on == ["name"] for m in history.possible_matches)


def test_no_name_phone_or_flat_reaches_triages_events_in_clear(triage) -> None:
    complaint = registered("Lift broken", name="Chan Tai Man", contact="+852 9123 4567", obj="Lift")
    feed(triage, complaint)
    stored = " ".join(str(n.state) for n in triage.process_recorder.select_notifications(1, 1000))
    assert "harbour view gardens/block 3|lift" in stored  # the events are readable here, not encrypted
    for secret in ("Chan Tai Man", "chan tai man", "91234567", "9123 4567", "Flat B"):
        assert secret not in stored


def test_a_validity_override_reaches_the_complaint_under_every_identity_key(triage) -> None:
    supervisor = Principal("hk-central/supervisor", "hk-central", frozenset({"supervisor"}))
    home = "Flat B, 12/F, Block 3, Telford Gardens"
    first = registered("The corridor light is broken.", address=home, name="Chan Tai Man", contact="+852 9123 4567")
    feed(triage, first)
    triage.decide(None, first.complaint_id, "validity", "invalid", "not our duty", supervisor, T0)
    again = registered("Light broken.", address=home, name="Chan Tai Man", contact="+852 6000 0000")
    assert _triaged(triage, again).payload.history.invalid_complaints == 1


def test_a_history_published_before_matches_existed_still_reads() -> None:
    old = {"earlier_complaints": 0, "recent_complaint_ids": [], "invalid_complaints": 0, "flagged_for_review": False}
    history = ComplainantHistory.model_validate(old)
    assert history.matches == [] and history.possible_matches == []


def test_estate_names_declared_in_the_rules_group_english_and_chinese_addresses(triage) -> None:
    data = load_rules_file()
    data["incidents"]["estate_names"] = {"Telford Gardens": "德福花園"}
    triage.adopt_rules(data, "group/admin", "group", "Telford Gardens is 德福花園", T0)
    wave = [
        lift_complaint(n, address)
        for n, address in enumerate(
            [
                "Flat B, 12/F, Block 3, Telford Gardens",
                "九龍灣德福花園3座5樓A室",
                "Telford Gardens Blk 3 7/F Flat C",
                "德福花园3栋1201",
                "Flat D, 10/F, Block 3, Telford Gardens, Kowloon Bay",
                "德福花園第三座二樓E室",
            ]
        )
    ]
    for complaint in wave:
        feed(triage, complaint)
    [cluster] = of_type(published(triage), IncidentClusterDetected)
    assert cluster.payload.incident_key == "德福花园/block 3|lift"
    assert set(cluster.payload.member_complaint_ids) == {c.complaint_id for c in wave}
