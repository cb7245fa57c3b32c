"""The auditor's tools on a real SQLite store: a tampered stored event is named by `verify`; the
evidence pack holds events, hashes and checks as JSON and HTML; `as-of` shows what was known then."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from services.projection import bootstrap
from services.projection.entrypoints.audit import cli
from services.projection.settings import ProjectionSettings
from tests.projection.scenario import build
from tests.projection.support import feed

runner = CliRunner()


@pytest.fixture
def scenario_store(tmp_path: Path):
    scenario = build("audit", offices=("hk-central", "kln-east"), per_office=12, seed=5)
    app = bootstrap.application(ProjectionSettings(store="sqlite", state_dir=tmp_path))
    feed(app, scenario.events())
    app.close()
    env = {"PROJECTION_STORE": "sqlite", "PROJECTION_STATE_DIR": str(tmp_path)}
    return scenario, tmp_path, env


def test_verify_reports_an_intact_chain(scenario_store) -> None:
    _, _, env = scenario_store
    result = runner.invoke(cli, ["verify"], env=env)
    assert result.exit_code == 0, result.output
    assert "chain intact" in result.output
    # what it proves, said to a non-expert (the walk-through saw '411/411' then 'chain intact: 249 events')
    assert "none altered, removed, inserted or reordered since recorded" in " ".join(result.output.split())


def test_one_tampered_stored_event_is_named_by_verify(scenario_store) -> None:
    scenario, folder, env = scenario_store
    story = scenario.stories[4]
    database = sqlite3.connect(folder / "stores" / "projection.sqlite")
    rows = database.execute(
        "select originator_id, originator_version, state from stored_events where topic like '%Received'"
    ).fetchall()
    target = next(r for r in rows if r[0] == story.complaint_id.hex and b"ComplaintRegistered" in r[2])
    altered = target[2].replace(b"Please fix it.", b"Nothing to fix.")
    assert altered != target[2]
    database.execute(
        "update stored_events set state = ? where originator_id = ? and originator_version = ?",
        (altered, target[0], target[1]),
    )
    database.commit()
    database.close()

    app = bootstrap.application(ProjectionSettings(store="sqlite", state_dir=folder))
    try:
        findings = app.verify()
        registered = story.tell()[0]
        assert [(f.kind, f.office_id, f.event_id) for f in findings] == [
            ("altered", story.office_id, str(registered.event_id))
        ]
    finally:
        app.close()
    result = runner.invoke(cli, ["verify"], env=env)
    assert result.exit_code == 1
    assert "altered" in result.output


def test_export_writes_an_evidence_pack_for_a_complaint(scenario_store, tmp_path: Path) -> None:
    scenario, _, env = scenario_store
    story = scenario.stories[0]
    out = tmp_path / "evidence"
    result = runner.invoke(
        cli,
        [
            "export",
            "--complaint",
            str(story.complaint_id),
            "--out",
            str(out),
            "--at",
            scenario.now.isoformat(),
        ],
        env=env,
    )
    assert result.exit_code == 0, result.output
    pack = json.loads((out / "evidence.json").read_text())
    assert pack["chain_verified"] is True
    [complaint] = pack["complaints"]
    assert [e["event_id"] for e in complaint["events"]] == sorted(
        (str(e.event_id) for e in story.tell()), key=[str(e.event_id) for e in story.tell()].index
    )
    assert all(len(e["digest"]) == 64 and e["chain"]["hash"] for e in complaint["events"])
    assert [c["step"] for c in complaint["checks"]] == [
        "recorded",
        "handled",
        "result",
        "reply",
        "return-visit",
    ]
    html = (out / "evidence.html").read_text()
    assert story.reference in html and "verified" in html
    # a non-expert is told what they are looking at, what each status means and why a step is as it is
    assert "How to read this pack" in html and "everything has a return visit" in html
    assert "overdue (not done and past its limit" in html and "All times are UTC" in html
    assert "<th>why</th>" in html and "None</code>" not in html, "a person's own act has no 'caused by'"
    caused = [t for t in complaint["timeline"] if t["causation_id"]]
    causes = {t["event_id"]: t["summary"] for t in complaint["timeline"]}
    assert caused and any(
        causes[t["causation_id"]] + "<br><code>" in html for t in caused if t["causation_id"] in causes
    )


def test_export_of_an_office_week_holds_its_complaints_and_statistics(scenario_store, tmp_path: Path) -> None:
    scenario, _, env = scenario_store
    out = tmp_path / "week"
    result = runner.invoke(cli, ["export", "--office", "kln-east", "--week", "2026-W45", "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output
    pack = json.loads((out / "evidence.json").read_text())
    expected = [s for s in scenario.stories if s.office_id == "kln-east"]
    assert pack["statistics"]["complaints"] == len(expected) == len(pack["complaints"])


def test_as_of_shows_a_complaint_as_it_was_known_then(scenario_store) -> None:
    scenario, _, env = scenario_store
    story = next(s for s in scenario.stories if s.validity != "invalid")
    early = story.received_at + timedelta(minutes=5)
    result = runner.invoke(cli, ["as-of", early.isoformat(), "--complaint", str(story.complaint_id)], env=env)
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    known = sorted(t["type"].rsplit(".", 1)[1] for t in body["timeline"])
    # The SLA's hand-over and resolution clocks started; the hand-over's half-time warning came at 5 minutes.
    assert known == [
        "CaseOpened", "ClockStarted", "ClockStarted", "ComplaintRegistered", "ComplaintTriaged", "DeadlineWarning",
    ]  # fmt: skip
    assert body["state"] == "routed"
    # `export` and `replay` take the instant as --at: so does as-of (an auditor on `make up` typed it so)
    flagged = runner.invoke(cli, ["as-of", "--at", early.isoformat(), "--complaint", str(story.complaint_id)], env=env)
    assert flagged.exit_code == 0 and json.loads(flagged.output) == body, flagged.output
    later = runner.invoke(cli, ["as-of", scenario.now.isoformat(), "--office", "hk-central"], env=env)
    stats = json.loads(later.output)["statistics"]
    assert stats["complaints"] == sum(s.office_id == "hk-central" for s in scenario.stories)


def test_with_encryption_at_rest_a_tampered_stored_event_is_named_too(tmp_path: Path) -> None:
    from eventsourcing.cryptography import AESCipher

    scenario = build("cipher", offices=("hk-central",), per_office=6, seed=4)
    settings = ProjectionSettings(store="sqlite", state_dir=tmp_path, cipher_key=AESCipher.create_key(32))
    app = bootstrap.application(settings)
    feed(app, scenario.events())
    app.close()
    story = scenario.stories[2]
    database = sqlite3.connect(tmp_path / "stores" / "projection.sqlite")
    (state,) = database.execute(
        "select state from stored_events where originator_id = ? and originator_version = 2",
        (story.complaint_id.hex,),
    ).fetchone()
    assert b"Please fix it." not in state  # encrypted at rest
    flipped = state[:40] + bytes([state[40] ^ 0x01]) + state[41:]
    database.execute(
        "update stored_events set state = ? where originator_id = ? and originator_version = 2",
        (flipped, story.complaint_id.hex),
    )
    database.commit()
    database.close()

    app = bootstrap.application(settings)
    try:
        findings = app.verify()
    finally:
        app.close()
    assert ("altered", "hk-central", f"{story.complaint_id.hex}/v2") in [
        (f.kind, f.office_id, f.event_id.replace("-", "")) for f in findings
    ]
    assert {f.office_id for f in findings} == {"hk-central"}


def test_verify_without_the_store_s_key_says_so_and_names_nothing_altered(tmp_path: Path) -> None:
    """An auditor who runs `audit verify` beside `make up` without PROJECTION_CIPHER_KEY was shown every
    stored event as 'altered': a false alarm of tampering. Now: exit 2, saying which key is missing."""
    from eventsourcing.cryptography import AESCipher

    key = AESCipher.create_key(32)
    scenario = build("audit-key", offices=("hk-central",), per_office=6, seed=7)
    app = bootstrap.application(ProjectionSettings(store="sqlite", state_dir=tmp_path, cipher_key=key))
    feed(app, scenario.events())
    app.close()
    env = {"PROJECTION_STORE": "sqlite", "PROJECTION_STATE_DIR": str(tmp_path), "PROJECTION_CIPHER_KEY": None}
    for command in (["verify"], ["as-of", scenario.now.isoformat()]):
        keyless = runner.invoke(cli, command, env=env)
        assert keyless.exit_code == 2, keyless.output
        assert "PROJECTION_CIPHER_KEY" in keyless.output and "altered" not in keyless.output
    keyed = runner.invoke(cli, ["verify"], env={**env, "PROJECTION_CIPHER_KEY": key})
    assert keyed.exit_code == 0 and "chain intact" in keyed.output, keyed.output


def test_every_time_in_the_evidence_pack_s_tables_is_utc_as_it_says() -> None:
    """Found on `make up`: the pack says "All times are UTC", yet a complaint an office received at
    00:23 in Hong Kong showed its 'recorded' limit and its clocks' start as '…+08:00' beside UTC times,
    and a step not yet owed showed 'None' as its due time."""
    from services.projection.adapters.export import render_html

    step = {
        "step": "recorded",
        "rule": "everything recorded",
        "status": "done",
        "violation": False,
        "due_at": "2026-12-01T01:23:00+08:00",
        "done_at": "2026-11-30T16:23:40.666700+00:00",
        "note": None,
    }
    waiting = {
        "step": "reply",
        "rule": "everything has a result",
        "status": "waiting",
        "violation": False,
        "due_at": None,
        "done_at": None,
        "note": None,
    }
    started = {
        "event_id": "e1",
        "type": "complaints.sla.ClockStarted",
        "summary": "hand-over clock started",
        "occurred_at": "2026-12-01T00:23:00+08:00",
        "actor": {"id": "system:sla", "role": "system"},
        "causation_id": None,
        "digest": "ab" * 32,
    }
    pack = {"subject": "complaint c1", "judged_at": "2026-11-30T16:34:43.569594+00:00", "policy_version": 1,
            "hash": "sha256", "chain_verified": True, "chain_findings": [],
            "complaints": [{"complaint": {"office_reference": "HK-W-001", "complaint_id": "c1",
                                          "office_id": "hk-central", "sequence_number": 1, "validity": "valid",
                                          "severity": "important", "business_area": "public-facilities"},
                            "state": "closed", "checks": [step, waiting],
                            "events": [{"event_id": "e1", "chain": {"office_id": "hk-central", "position": 1}}],
                            "timeline": [started]}]}  # fmt: skip
    page = render_html(pack)
    assert "All times are UTC" in page
    assert "+08:00" not in page and "None" not in page
    assert "2026-11-30T17:23:00Z" in page  # the recorded limit, 01:23 in Hong Kong
    assert "2026-11-30T16:23:00Z" in page  # the clock's start, 00:23 in Hong Kong
    assert "2026-11-30T16:23:40Z" in page and "Judged at 2026-11-30T16:34:43Z" in page


def test_as_of_without_an_instant_asks_for_one_and_with_two_asks_for_one_only(scenario_store) -> None:
    """Found on `make up`: `audit as-of` with no instant said "give the instant once", as if given twice."""
    scenario, _, env = scenario_store
    none = runner.invoke(cli, ["as-of"], env=env)
    assert none.exit_code == 2 and "none was given" in " ".join(none.output.split()), none.output
    assert "once" not in none.output
    at = scenario.now.isoformat()
    both = runner.invoke(cli, ["as-of", at, "--at", at], env=env)
    assert both.exit_code == 2 and "give the instant once" in " ".join(both.output.split()), both.output


def test_an_auditor_names_a_complaint_by_the_reference_the_desk_shows(scenario_store, tmp_path: Path) -> None:
    """Found on `make up`: `as-of --complaint HK-CENTRAL-20261201-YPAA2` was refused ("should be a valid
    UUID"); an auditor reads references on the desk, the dashboard and the receipts, not ids. The reference
    (any case) names the same complaint as its id; an unknown one is said so."""
    scenario, _, env = scenario_store
    story = next(s for s in scenario.stories if s.validity != "invalid")
    at = scenario.now.isoformat()
    by_id = runner.invoke(cli, ["as-of", at, "--complaint", str(story.complaint_id)], env=env)
    by_reference = runner.invoke(cli, ["as-of", at, "--complaint", story.reference.lower()], env=env)
    assert by_reference.exit_code == 0, by_reference.output
    assert json.loads(by_reference.output) == json.loads(by_id.output)
    out = tmp_path / "by-reference"
    pack = runner.invoke(cli, ["export", "--complaint", story.reference, "--out", str(out), "--at", at], env=env)
    assert pack.exit_code == 0 and str(story.complaint_id) in (out / "evidence.json").read_text(), pack.output
    unknown = runner.invoke(cli, ["as-of", at, "--complaint", "NO-SUCH-REF-1"], env=env)
    assert unknown.exit_code != 0 and "NO-SUCH-REF-1" in unknown.output, unknown.output
