"""One run of the pipeline's workers, for the scale-out test (tests/e2e/test_scale_out.py).

A run is every service's store in one PostgreSQL database (the library names tables after each
application) and its own consumer groups. `Run.workers()` makes one instance of every scaled worker
(intake, triage, handling, follow-up, projection); a second instance is the same call in another
process:

    python -m tests.e2e.scaleout <run.json>

runs one instance of each until killed (the test SIGKILLs it mid-stream and starts it again).
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections.abc import Callable, Coroutine
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from services.followup import bootstrap as followup_boot
from services.followup.settings import FollowupSettings
from services.handling import bootstrap as handling_boot
from services.handling.settings import HandlingSettings
from services.intake import bootstrap as intake_boot
from services.intake.settings import IntakeSettings
from services.projection import bootstrap as projection_boot
from services.projection.settings import ProjectionSettings
from services.sla import bootstrap as sla_boot
from services.sla.settings import SlaSettings
from services.triage import bootstrap as triage_boot
from services.triage.settings import TriageSettings
from shared.eventstore import ServiceApplication

Loop = Callable[[asyncio.Event], Coroutine[Any, Any, None]]


@dataclass(frozen=True)
class Run:
    name: str
    servers: str
    state_dir: str
    keys_file: str
    signing_keys_file: str
    postgres: dict[str, Any]  # host, port, user, password, dbname

    def common(self, service: str) -> dict[str, Any]:
        pg = self.postgres
        return {
            "store": "postgres",
            "state_dir": Path(self.state_dir) / service,
            "kafka_bootstrap_servers": self.servers,
            "keys_file": Path(self.keys_file),
            "postgres_host": pg["host"],
            "postgres_port": pg["port"],
            "postgres_user": pg["user"],
            "postgres_password": pg["password"],
            "postgres_dbname": pg["dbname"],
            "postgres_pool_size": 3,
            "consumer_batch_size": 50,  # several batches per partition, so a kill lands mid-stream
        }

    def group(self, service: str) -> str:
        return f"{service}-{self.name}"

    def settings(self) -> dict[str, Any]:
        return {
            "intake": IntakeSettings(**self.common("intake"), office_signing_keys_file=Path(self.signing_keys_file)),
            "triage": TriageSettings(**self.common("triage"), consumer_group=self.group("triage")),
            "handling": HandlingSettings(**self.common("handling"), consumer_group=self.group("handling")),
            "sla": SlaSettings(**self.common("sla"), consumer_group=self.group("sla")),
            "followup": FollowupSettings(**self.common("followup"), consumer_group=self.group("followup")),
            "projection": ProjectionSettings(**self.common("projection"), consumer_group=self.group("projection")),
        }

    def applications(self) -> dict[str, ServiceApplication]:
        s = self.settings()
        return {
            "intake": intake_boot.application(s["intake"]),
            "triage": triage_boot.application(s["triage"]),
            "handling": handling_boot.application(s["handling"]),
            "sla": sla_boot.application(s["sla"]),
            "followup": followup_boot.application(s["followup"]),
            "projection": projection_boot.application(s["projection"]),
        }

    def workers(self, apps: dict[str, Any]) -> list[Any]:
        """One instance of every scaled worker (the SLA's worker is not among them: its scheduler's
        claims across instances are another change; it runs once, in the test process)."""
        s = self.settings()
        return [
            intake_boot.office_topic_consumer(s["intake"], apps["intake"]),
            triage_boot.consumer(s["triage"], apps["triage"]),
            handling_boot.consumer(s["handling"], apps["handling"]),
            followup_boot.consumer(s["followup"], apps["followup"]),
            projection_boot.consumer(s["projection"], apps["projection"]),
        ]

    def sla_consumer(self, apps: dict[str, Any]) -> Any:
        return sla_boot.consumer(self.settings()["sla"], apps["sla"])

    def relays(self, apps: dict[str, Any]) -> list[Any]:
        """One relay of each service per run (the projection's publishes nothing compared here)."""
        s = self.settings()
        return [
            intake_boot.relay(s["intake"], apps["intake"]),
            triage_boot.relay(s["triage"], apps["triage"]),
            handling_boot.relay(s["handling"], apps["handling"]),
            sla_boot.relay(s["sla"], apps["sla"]),
            followup_boot.relay(s["followup"], apps["followup"]),
        ]

    def dump(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self)))

    @classmethod
    def load(cls, path: Path) -> Run:
        return cls(**json.loads(path.read_text()))


async def _second_instance(run: Run) -> None:
    apps = run.applications()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    workers = run.workers(apps)
    print("instance started", flush=True)
    await asyncio.gather(*(worker.run(stop) for worker in workers))


if __name__ == "__main__":
    asyncio.run(_second_instance(Run.load(Path(sys.argv[1]))))
