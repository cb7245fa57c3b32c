"""Issue 13's done-when, on the real broker: after erasing one complainant, no store, topic, dead letter,
read-side table or evidence pack yields their name, phone or unit; `audit verify` still passes; the
statistics are unchanged.

Intake, triage, handling, SLA, follow-up and the projection run in this process, each with its own
SQLite store (no at-rest cipher: the bytes on disk are what the services wrote), one keyring, and
their relays and consumers on the broker. A person registers two complaints (and a second person one),
their name, phone, e-mail and flat also written in the description and the request; a copy of a
registration is sent with an unknown type, so the projection dead-letters it; an office system sends
a registration of theirs signed with another office's key, so intake dead-letters it. Before the
erasure the person's data is readable through the keyring (the grep is not vacuous: the office's own
staff read the name in the description as typed); after it every copy reads as erased, and the
office-facing topic no longer holds the refused form in clear.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import Callable, Coroutine
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from services.followup import bootstrap as followup_boot
from services.followup.settings import FollowupSettings
from services.handling import bootstrap as handling_boot
from services.handling.settings import HandlingSettings
from services.intake import bootstrap as intake_boot
from services.intake.adapters.office_topic import signed_submission
from services.intake.entrypoints.http import create_app as intake_http
from services.intake.settings import IntakeSettings
from services.projection import bootstrap as projection_boot
from services.projection.adapters.export import evidence_for_complaint
from services.projection.entrypoints.audit import cli as audit_cli
from services.projection.entrypoints.http import create_app as projection_http
from services.projection.settings import ProjectionSettings
from services.sla import bootstrap as sla_boot
from services.sla.settings import SlaSettings
from services.triage import bootstrap as triage_boot
from services.triage.settings import TriageSettings
from shared.bus import kafka
from shared.clock import SimulatedClock
from shared.contracts import RegistrationForm
from shared.contracts.topics import ALL_TOPICS, DEAD_LETTERS, INTAKE_EVENTS, OFFICE_REGISTRATIONS, PRIVACY_ERASURES
from shared.keyring import KeyringSettings
from shared.personal import ERASED
from tests.kafka_support import read_topic
from tests.support import T0, form, write_keys, write_signing_keys

pytestmark = [pytest.mark.kafka, pytest.mark.slow]

NAME, PHONE, UNIT = "Lau Wing Sze", "+852 6543 2109", "Flat 7D, 23/F, Tower 5, Sunrise Court"
EMAIL = "lau@example.com"
# Every way the person could be written down: the grep looks for each, in every byte it can reach.
NEEDLES = [NAME, NAME.upper(), "Wing Sze", PHONE, "6543 2109", "65432109", UNIT, "Flat 7D", "7D, 23/F", EMAIL]
# What the office typed about them, in its own words: the same identifiers, spelled otherwise too.
TEXTS = {
    "description": f"{NAME.upper()} of {UNIT} says water came through her ceiling from the pipe riser; "
    f"she was at home in 7D, 23/F all day. Call her on 6543 2109 or write to {EMAIL}.",
    "customer_request": f"Ms {NAME} asks for a call back on {PHONE} (or 65432109) before noon; Wing Sze works nights.",
}
OTHER = {"name": "Ho Ka Yan", "contact": "+852 9188 7766"}


async def eventually(condition: Callable[[], bool], what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if condition():
                return
        except Exception:  # not there yet
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        await asyncio.sleep(0.2)


def found_in(data: bytes) -> list[str]:
    return [n for n in NEEDLES if n.encode() in data or json.dumps(n).encode() in data]


async def every_record(servers: str) -> dict[str, bytes]:
    """Every record of every registry topic, raw: key, value and headers, from offset 0. The topics are
    read side by side, each for the same 4 s as alone (one after another took 18 x 4 s per grep)."""
    read = await asyncio.gather(*(read_topic(servers, topic.name, timeout=4, settle=0) for topic in ALL_TOPICS))
    return {
        topic.name: b"\n".join(
            (r.key or b"") + b"|" + (r.value or b"") + b"|" + b"|".join(v for _, v in r.headers) for r in records
        )
        for topic, records in zip(ALL_TOPICS, read, strict=True)
    }


def every_file(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


async def test_an_erased_complainant_is_found_nowhere_and_the_record_stays_whole(
    kafka_bootstrap: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = uuid.uuid4().hex[:8]
    keys_file = tmp_path / "keys.json"
    keys = write_keys(keys_file)
    signers = write_signing_keys(tmp_path / "office-signing-keys.json")
    keyring = KeyringSettings(sqlite_path=tmp_path / "keyring" / "keyring.sqlite")

    def common(name: str) -> dict[str, Any]:
        return {
            "store": "sqlite",
            "state_dir": tmp_path / name,
            "kafka_bootstrap_servers": kafka_bootstrap,
            "keys_file": keys_file,
        }

    clock = SimulatedClock(T0 + timedelta(minutes=30))
    intake_settings = IntakeSettings(
        **common("intake"), keyring=keyring, office_signing_keys_file=tmp_path / "office-signing-keys.json"
    )
    triage_settings = TriageSettings(**common("triage"), consumer_group=f"triage-{run}", keyring=keyring)
    handling_settings = HandlingSettings(**common("handling"), consumer_group=f"handling-{run}")
    sla_settings = SlaSettings(**common("sla"), consumer_group=f"sla-{run}")
    followup_settings = FollowupSettings(**common("followup"), consumer_group=f"followup-{run}")
    projection_settings = ProjectionSettings(
        **common("projection"), consumer_group=f"projection-{run}", keyring=keyring, reports_schedule=False
    )

    intake = intake_boot.application(intake_settings)
    triage = triage_boot.application(triage_settings, clock)
    handling = handling_boot.application(handling_settings)
    sla = sla_boot.application(sla_settings)
    followup = followup_boot.application(followup_settings)
    projection = projection_boot.application(projection_settings)
    apps = (intake, triage, handling, sla, followup, projection)

    loops: list[Callable[[asyncio.Event], Coroutine[Any, Any, None]]] = [
        intake_boot.relay(intake_settings, intake).run,
        intake_boot.office_topic_consumer(intake_settings, intake, clock).run,
        triage_boot.consumer(triage_settings, triage, clock).run,
        triage_boot.relay(triage_settings, triage).run,
        handling_boot.consumer(handling_settings, handling, clock).run,
        handling_boot.relay(handling_settings, handling).run,
        sla_boot.consumer(sla_settings, sla, clock).run,
        sla_boot.relay(sla_settings, sla).run,
        followup_boot.consumer(followup_settings, followup, clock).run,
        followup_boot.relay(followup_settings, followup).run,
        projection_boot.consumer(projection_settings, projection, clock).run,
        projection_boot.relay(projection_settings, projection).run,
    ]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(loop(stop)) for loop in loops]

    def as_(who: str) -> dict[str, str]:
        return {"X-Office-Key": keys[who]}

    person = {"complainant": {"name": NAME, "contact": PHONE}, "unit_address": UNIT, **TEXTS}
    try:
        with (
            TestClient(intake_http(intake_settings, intake, clock)) as intake_api,
            TestClient(projection_http(projection_settings, projection, clock)) as projection_api,
        ):
            # 1. The person registers two complaints (by phone, then in another office by name and flat),
            #    another person one.
            first = intake_api.post(
                "/complaints", json=form(f"P1-{run}", **person), headers=as_("hk-central/reception")
            )
            second_form = form(f"P2-{run}", **person) | {"complainant": {"name": NAME, "contact": EMAIL}}
            second = intake_api.post("/complaints", json=second_form, headers=as_("hk-central/reception"))
            other = intake_api.post(
                "/complaints", json=form(f"O1-{run}", complainant=OTHER), headers=as_("hk-central/reception")
            )
            assert {first.status_code, second.status_code, other.status_code} == {201}, first.text
            ids = [r.json()["complaint_id"] for r in (first, second, other)]

            # 2. A copy of the first registration arrives with a type nobody knows: a dead letter.
            registered = await read_topic(kafka_bootstrap, INTAKE_EVENTS.name, expect=3, timeout=60)
            poison = next(r for r in registered if r.key == ids[0].encode())
            # 2b. An office system sends a registration of theirs signed with another office's key: intake
            #     refuses it into its dead letters (kept sealed under the person's key).
            forged = signed_submission(
                signers["kln-east"], RegistrationForm(**form(f"P3-{run}", **person)), office_id="hk-central"
            )
            producer = kafka.producer(kafka_bootstrap)
            await producer.start()
            try:
                headers = [(k, b"complaints.intake.Unknown" if k == "ce_type" else v) for k, v in poison.headers]
                await producer.send_and_wait(INTAKE_EVENTS.name, poison.value, key=poison.key, headers=headers)
                await producer.send_and_wait(
                    OFFICE_REGISTRATIONS.name, forged.value, key=forged.key, headers=forged.headers
                )
            finally:
                await producer.stop()

            # 3. Every service hears them: triaged, routed, clocks started, all in the projection.
            def everywhere() -> bool:
                projection.refresh()
                views = [projection.complaint(uuid.UUID(i), None) for i in ids]
                return all(v.triaged_at and v.case_opened_at and v.clocks for v in views)

            await eventually(everywhere, "every complaint triaged, routed and clocked in the projection")
            refused = await read_topic(
                kafka_bootstrap, DEAD_LETTERS.name, keep=lambda r: b"office.registrations" in r.value, expect=1
            )
            assert len(refused) == 1 and json.loads(refused[0].value)["origin_topic"] == OFFICE_REGISTRATIONS.name
            assert "is not a signing key of office 'hk-central'" in json.loads(refused[0].value)["error"]
            letters = await read_topic(kafka_bootstrap, DEAD_LETTERS.name, expect=2, timeout=60)
            assert {json.loads(letter.value)["origin_topic"] for letter in letters} == {
                INTAKE_EVENTS.name,  # the unknown copy
                OFFICE_REGISTRATIONS.name,  # the forged registration
            }

            own = projection_api.get(f"/complaints/{ids[0]}", headers=as_("hk-central/supervisor")).json()
            assert own["complaint"]["complainant"] == {"name": NAME, "contact": PHONE}  # readable before
            assert set(found_in(json.dumps(own).encode())) >= {NAME, PHONE, UNIT}  # the grep sees clear text
            # The office's staff read the description as typed; everything published has placeholders.
            assert NAME.upper() in json.dumps(own["timeline"])
            group = projection_api.get(f"/complaints/{ids[0]}", headers=as_("group/dashboard")).json()
            assert "complainant" not in group["complaint"] and NAME not in json.dumps(group)
            assert "[name] of [unit] says water" in json.dumps(group)  # the description, redacted
            # the same person, recognised: whichever of the two triage heard second (they may be on two
            # partitions) counts the other as an earlier complaint
            earlier = [triage.decision(None, uuid.UUID(i)).decision["history"]["earlier_complaints"] for i in ids[:2]]
            assert sorted(earlier) == [0, 1], earlier
            statistics_before = projection.statistics(None, clock())
            rules_before = [projection.history(uuid.UUID(i), None, clock())["checks"] for i in ids]
            assert statistics_before["repeat_complainants"] == 1

            # 4. Nothing reachable holds the clear text even now: it is sealed (or redacted) everywhere, but
            #    for the refused form the office system itself published in clear on the office-facing topic.
            records = await every_record(kafka_bootstrap)
            before = {k: found_in(v) for k, v in records.items() if found_in(v)}
            assert list(before) == [OFFICE_REGISTRATIONS.name], before
            assert b"[name] of [unit] says water" in records[INTAKE_EVENTS.name]

            # 5. The privacy officer erases the person.
            found = intake_api.post(
                "/privacy/persons/lookup", json={"name": NAME, "contact": PHONE, "unit_address": UNIT},
                headers=as_("group/privacy"),
            )  # fmt: skip
            person_id = found.json()["person_id"]
            erased = intake_api.post(
                f"/privacy/persons/{person_id}/erasure", json={"reason": "DSR-1"}, headers=as_("group/privacy")
            )
            assert erased.status_code == 200, erased.text
            assert erased.json()["office_topic_prune_error"] is None, erased.text
            assert erased.json()["office_topic_low_watermarks"], "the handled office-topic records are deleted"
            audit = await read_topic(kafka_bootstrap, PRIVACY_ERASURES.name, expect=1, timeout=60)
            assert len(audit) == 1 and person_id.encode() in audit[0].value

            # 6. Every view of the person reads as erased; the complaints are whole.
            for complaint_id in ids[:2]:
                body = projection_api.get(f"/complaints/{complaint_id}", headers=as_("hk-central/supervisor")).json()
                assert body["complaint"]["complainant"] == {"name": ERASED, "contact": ERASED}
                assert body["complaint"]["unit_address"] == ERASED
                assert body["complaint"]["sequence_number"] is not None
            still = projection_api.get(f"/complaints/{ids[2]}", headers=as_("hk-central/supervisor")).json()
            assert still["complaint"]["complainant"]["name"] == OTHER["name"]  # nobody else is touched
            pack = json.dumps(evidence_for_complaint(projection, uuid.UUID(ids[0]), clock()), ensure_ascii=False)
            assert ERASED in pack and found_in(pack.encode()) == []
            assert projection.statistics(None, clock()) == statistics_before
            assert [projection.history(uuid.UUID(i), None, clock())["checks"] for i in ids] == rules_before  # 4 rules

            # 7. audit verify passes: the chains are over the ciphertext, which erasure does not change.
            for name, value in {
                "PROJECTION_STATE_DIR": str(tmp_path / "projection"),
                "PROJECTION_STORE": "sqlite",
                "PROJECTION_CONSUMER_GROUP": f"projection-{run}",
                "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
                "KEYRING_SQLITE_PATH": str(keyring.sqlite_path),
            }.items():
                monkeypatch.setenv(name, value)
            verified = CliRunner().invoke(audit_cli, ["verify"])
            assert verified.exit_code == 0, verified.output
            assert "chain intact" in verified.output

            # 8. The grep: every byte of every store, the keyring, every topic and the dead letters.
            topics = await every_record(kafka_bootstrap)
            assert topics[DEAD_LETTERS.name], "the dead letter was published"
        # (the HTTP apps are stopped first: their read side follows the store until they stop, and a
        # store closed under it would fail that follower, hiding whatever the grep says)
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 60)
        for app in apps:
            app.close()
        files = every_file(tmp_path)
        assert any("projection" in f for f in files) and any("keyring" in f for f in files)
        hits = {k: found_in(v) for k, v in (files | topics).items() if found_in(v)}
        assert hits == {}, hits
    finally:
        stop.set()
        await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 60)
        for app in apps:
            with contextlib.suppress(Exception):  # closed already after the grep
                app.close()
