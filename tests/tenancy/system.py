"""Every service's HTTP app in this process, without a broker, for the tenancy matrix.

The apps run on SQLite stores in one folder and share one keyring (as intake, triage and the projection
share it under `make up`). What a relay would publish is carried by hand (`Pipe.pump`): each producer's
notifications go through its own outbound translator, and each integration event through the inbound
handler of every service that subscribes to its topic — the same code the relays and workers run, minus
Kafka. The desk calls the other apps through an ASGI transport with the signed-in person's credential,
as it calls them over HTTP under `make up`.

The story seeded: a complaint in hk-central (its complainant's name, phone and unit are the markers a
leak would show), one in kln-east, and a second hk-central complainant whom the privacy role may erase;
offices, a department, a staff member and a key of each office in the directory."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient

from services.desk.adapters.services import Services
from services.desk.entrypoints.http import create_app as desk_http
from services.desk.settings import DeskSettings
from services.directory import bootstrap as directory_boot
from services.directory.entrypoints.http import create_app as directory_http
from services.directory.settings import DirectorySettings
from services.followup import bootstrap as followup_boot
from services.followup.adapters.inbound import CaseFacts
from services.followup.adapters.outbound import Translator as FollowupTranslator
from services.followup.entrypoints.http import create_app as followup_http
from services.followup.settings import FollowupSettings
from services.handling import bootstrap as handling_boot
from services.handling.adapters.inbound import HandlingHandler
from services.handling.adapters.outbound import CaseTranslator
from services.handling.entrypoints.http import create_app as handling_http
from services.handling.settings import HandlingSettings
from services.intake import bootstrap as intake_boot
from services.intake.adapters.outbound import translate as intake_translate
from services.intake.entrypoints.http import create_app as intake_http
from services.intake.settings import IntakeSettings
from services.projection import bootstrap as projection_boot
from services.projection.adapters.inbound import ProjectionHandler
from services.projection.entrypoints.http import create_app as projection_http
from services.projection.settings import ProjectionSettings
from services.sla import bootstrap as sla_boot
from services.sla.adapters.inbound import ClockFacts
from services.sla.adapters.outbound import Translator as SlaTranslator
from services.sla.entrypoints.http import create_app as sla_http
from services.sla.settings import SlaSettings
from services.triage import bootstrap as triage_boot
from services.triage.adapters.inbound import TriageHandler
from services.triage.adapters.outbound import translate as triage_translate
from services.triage.entrypoints.http import create_app as triage_http
from services.triage.settings import TriageSettings
from shared.bus.consumer import Delivery
from shared.bus.relay import Publication
from shared.keyring import KeyringSettings
from tests.support import T0, form, write_keys

NOW = T0 + timedelta(hours=1)
SESSION_SECRET = "a-tenancy-session-secret-of-enough-length"
STATUS_SECRET = "a-tenancy-status-link-secret-of-enough-length"

# The hk-central complainant: none of these may reach anyone but hk-central's own staff.
HK_PERSON = {"name": "Chan Tai Man", "contact": "+852 9123 4567", "unit_address": "Flat 12B, Block 3, Harbour View"}
HK_MARKERS = ("Chan Tai Man", "9123 4567", "Harbour View")
KLN_PERSON = {"name": "Lee Siu Ming", "contact": "+852 6555 0101", "unit_address": "Flat 3A, Tower 2, Kowloon Bay"}
ERASABLE = {"name": "Wong Mei Ling", "contact": "+852 9876 5432", "unit_address": "Flat 7C, Block 1, Harbour View"}
SERVICES = ("intake", "triage", "handling", "sla", "followup", "projection", "directory")


@dataclass
class Seeded:
    """What the matrix aims at: hk-central's things, and kln-east's complaint."""

    hk_complaint: UUID
    kln_complaint: UUID
    erasable_person: UUID
    clock_key: str
    hk_staff: str = "hk-central/amy-wong"
    hk_department: str = "hkc-lifts"
    hk_key_id: str = ""


@dataclass
class System:
    keys: dict[str, str]
    keys_file: Path
    clients: dict[str, TestClient]
    seeded: Seeded
    apps: dict[str, Any] = field(default_factory=dict)
    rules: dict[str, Any] = field(default_factory=dict)  # triage's rules in force (a valid `PUT /rules`)
    policy: dict[str, Any] = field(default_factory=dict)  # the SLA policy in force (a valid `PUT /policy`)

    def app(self, service: str) -> FastAPI:
        return self.clients[service].app  # type: ignore[return-value]


class Pipe:
    """What the relays and workers would carry, carried in this process (no Kafka)."""

    def __init__(self, apps: dict[str, Any]) -> None:
        self.producers: dict[str, tuple[Any, Callable[[Any], Any]]] = {
            "intake": (apps["intake"], intake_translate),
            "triage": (apps["triage"], triage_translate),
            "handling": (apps["handling"], CaseTranslator(apps["handling"])),
            "sla": (apps["sla"], SlaTranslator(apps["sla"])),
            "followup": (apps["followup"], FollowupTranslator(apps["followup"])),
        }
        self.consumers: dict[str, tuple[Any, Any, tuple[str, ...]]] = {
            "triage": (apps["triage"], TriageHandler(apps["triage"]), tuple(TriageHandler.topic_names())),
            "handling": (apps["handling"], HandlingHandler(apps["handling"]), tuple(HandlingHandler.topic_names())),
            "sla": (apps["sla"], ClockFacts(apps["sla"]), tuple(ClockFacts.topic_names())),
            "followup": (apps["followup"], CaseFacts(apps["followup"]), tuple(CaseFacts.topic_names())),
            "projection": (
                apps["projection"],
                ProjectionHandler(apps["projection"].read),
                tuple(ProjectionHandler.topic_names()),
            ),
        }
        self.read: dict[str, int] = dict.fromkeys(self.producers, 0)
        self.offset = 0

    def pump(self) -> int:
        """Carry everything published since the last pump, until nothing new is published."""
        carried = 0
        while True:
            batch: list[Publication] = []
            for name, (app, translate) in self.producers.items():
                notifications = app.recorder.select_notifications(self.read[name] + 1, 1000)
                for notification in notifications:
                    self.read[name] = notification.id
                    batch += list(translate(app.mapper.to_domain_event(notification)))
            if not batch:
                return carried
            for publication in batch:
                self.offset += 1
                for app, handle, topics in self.consumers.values():
                    if publication.topic in topics:
                        uow = app.unit_of_work()
                        handle(uow, Delivery(publication.message, publication.topic, 0, self.offset, publication.key))
                        app.commit(uow)
                carried += 1
            self.consumers["projection"][0].refresh()


class RoutedTransport(httpx.AsyncBaseTransport):
    """The desk's calls to `http://<service>.test` answered by that service's app in this process."""

    def __init__(self, apps: dict[str, FastAPI]) -> None:
        self.transports = {f"{name}.test": httpx.ASGITransport(app=app) for name, app in apps.items()}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.transports[request.url.host].handle_async_request(request)


@contextlib.contextmanager
def running(folder: Path, issuer: str | None) -> Iterator[System]:
    keys_file = folder / "keys.json"
    keys = write_keys(keys_file)
    keyring = KeyringSettings(sqlite_path=folder / "keyring.sqlite")
    sign_in: dict[str, Any] = {"oidc_issuer": issuer, "oidc_leeway_seconds": 0} if issuer else {}

    def common(name: str) -> dict[str, Any]:
        return {"store": "sqlite", "state_dir": folder / name, "keys_file": keys_file, **sign_in}

    settings = {
        "intake": IntakeSettings(**common("intake"), keyring=keyring),
        "triage": TriageSettings(**common("triage"), keyring=keyring),
        "handling": HandlingSettings(**common("handling")),
        "sla": SlaSettings(**common("sla")),
        "followup": FollowupSettings(**common("followup")),
        "projection": ProjectionSettings(**common("projection"), keyring=keyring),
        "directory": DirectorySettings(**common("directory")),
    }
    apps = {
        "intake": intake_boot.application(settings["intake"]),
        "triage": triage_boot.application(settings["triage"], lambda: NOW),
        "handling": handling_boot.application(settings["handling"]),
        "sla": sla_boot.application(settings["sla"]),
        "followup": followup_boot.application(settings["followup"]),
        "projection": projection_boot.application(settings["projection"]),
        "directory": directory_boot.application(settings["directory"]),
    }
    factories = {
        "intake": intake_http,
        "triage": triage_http,
        "handling": handling_http,
        "sla": sla_http,
        "followup": followup_http,
        "projection": projection_http,
        "directory": directory_http,
    }
    clients: dict[str, TestClient] = {}
    with contextlib.ExitStack() as stack:
        for app in apps.values():  # closed last, after every app's lifespan ended
            stack.callback(app.close)
        for name in SERVICES:
            api = factories[name](settings[name], apps[name], lambda: NOW)
            clients[name] = stack.enter_context(TestClient(api))
        desk_settings = DeskSettings(
            keys_file=keys_file,
            **{f"{name}_url": f"http://{name}.test" for name in SERVICES},
            status_link_secret=STATUS_SECRET,
            status_reader_key=keys["group/dashboard"],
            session_secret=SESSION_SECRET,
            oidc_issuer=issuer,
            oidc_leeway_seconds=0,
        )
        transport = RoutedTransport({name: clients[name].app for name in SERVICES})  # type: ignore[misc]
        desk = desk_http(desk_settings, Services(desk_settings, transport=transport), clock=lambda: NOW)
        clients["desk"] = stack.enter_context(TestClient(desk, follow_redirects=False))
        seeded = seed(clients, keys, Pipe(apps))
        yield System(keys, keys_file, clients, seeded, apps)


def seed(clients: dict[str, TestClient], keys: dict[str, str], pipe: Pipe) -> Seeded:
    def as_(actor: str) -> dict[str, str]:
        return {"X-Office-Key": keys[actor]}

    def ok(answer: httpx.Response) -> Any:
        assert answer.status_code < 300, answer.text
        return answer.json()

    intake = clients["intake"]

    def register(office: str, reference: str, person: dict[str, str]) -> UUID:
        body = form(reference, complainant={"name": person["name"], "contact": person["contact"]},
                    unit_address=person["unit_address"])  # fmt: skip
        return UUID(ok(intake.post("/complaints", json=body, headers=as_(f"{office}/reception")))["complaint_id"])

    hk = register("hk-central", "HK-T-1", HK_PERSON)
    kln = register("kln-east", "KLN-T-1", KLN_PERSON)
    register("hk-central", "HK-T-2", ERASABLE)
    pipe.pump()
    erasable = UUID(
        ok(intake.post("/privacy/persons/lookup", json=ERASABLE, headers=as_("group/privacy")))["person_id"]
    )
    clocks = ok(clients["sla"].get(f"/complaints/{hk}/clocks", headers=as_("hk-central/manager")))["clocks"]
    assert clocks, "the SLA started no clock for the hk-central complaint"
    seeded = Seeded(hk, kln, erasable, clocks[0]["key"])

    directory = clients["directory"]
    for office in ("hk-central", "kln-east"):
        body = {"office_id": office, "name": office.upper(), "time_zone": "Asia/Hong_Kong", "units_served": 1000}
        ok(directory.post("/offices", json=body | {"reason": "opened"}, headers=as_("group/admin")))
    code = {"hk-central": seeded.hk_department, "kln-east": "kln-lifts"}
    staff = {"hk-central": seeded.hk_staff, "kln-east": "kln-east/bob-lam"}
    for office in ("hk-central", "kln-east"):
        ok(directory.post(f"/offices/{office}/departments", headers=as_("group/admin"),
                          json={"code": code[office], "name": "Lifts", "reason": "set up"}))  # fmt: skip
        ok(directory.post("/staff", headers=as_("group/admin"), json={
            "staff_id": staff[office], "name": staff[office].split("/")[1], "office_id": office,
            "department": code[office], "roles": ["department-staff"], "reason": "hired"}))  # fmt: skip
        key = {"actor_id": staff[office], "office_id": office, "roles": ["department-staff"], "reason": "issued"}
        issued = ok(directory.post("/keys", headers=as_("group/admin"), json=key))
        if office == "hk-central":
            seeded.hk_key_id = issued["key_id"]
    return seeded
