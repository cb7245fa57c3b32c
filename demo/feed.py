"""`make demo`: several offices record complaints through intake and work them through handling and
follow-up over HTTP, while triage, SLA and the projection react on their own.

The story: ordinary complaints in English and Chinese; a power outage in one building that more than
five customers report from two offices (a mass incident); a case handled late; a dissatisfied customer
whose case reopens; a customer who cannot be reached. The group hotline sends two calls about an
office: the office registers one (quoting the hotline reference); the other becomes a concealment
signal once the time to register it has passed.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import typer
from rich.console import Console
from rich.progress import Progress

from services.intake.entrypoints.hotline import send_calls
from shared.clock import Clock, accelerated, utc_now
from shared.contracts.hotline import HotlineCallRecord

from .scenario import ORDINARY, OUTAGE, Case

console = Console()
cli = typer.Typer(add_completion=False)

INTAKE, HANDLING, FOLLOWUP = "http://127.0.0.1:8001", "http://127.0.0.1:8003", "http://127.0.0.1:8005"


def load_keys(path: Path) -> dict[str, str]:
    if not path.exists():
        raise typer.BadParameter(f"{path} is missing: run `make up` first")
    return dict(line.split("\t") for line in path.read_text().splitlines() if line)


class Office:
    """Calls the services as one office's people would, each with their own key."""

    def __init__(self, office: str, keys: dict[str, str], clock: Clock) -> None:
        self.office = office
        self.keys = keys
        self.clock = clock
        self.http = httpx.Client(timeout=10)

    def key(self, role: str) -> dict[str, str]:
        return {"X-Office-Key": self.keys[f"{self.office}/{role}"]}

    def register(self, case: Case, reference: str) -> str:
        now = self.clock()
        body = {
            "office_reference": reference,
            "complainant": {"name": case.complainant, "contact": case.contact},
            "unit_address": case.unit,
            "channel": case.channel,
            "occurred_at": (now - timedelta(minutes=20)).isoformat(),
            "received_at": now.isoformat(),
            "object": case.object,
            "description": case.description,
            "customer_request": case.request,
            "received_by": f"{self.office} reception",
        }
        response = self.http.post(f"{INTAKE}/complaints", json=body, headers=self.key("reception"))
        response.raise_for_status()
        return str(response.json()["complaint_id"])

    def handle(self, complaint_id: str, case: Case, reopened: bool = False) -> None:
        case_url = f"{HANDLING}/cases/{complaint_id}"
        wait_until(lambda: self.http.get(case_url, headers=self.key("staff")).status_code == 200, "the case to open")
        steps: list[tuple[str, str, dict[str, Any]]] = [
            ("acceptance", "staff", {}),
            ("cause", "staff", {"cause": f"Checked on site: {case.object}.", "responsible_person": "duty engineer"}),
            ("proposal", "staff", {"kind": "repair", "description": f"Fix: {case.request}"}),
            ("approval", "leader", {"note": "Approved."}),
            ("execution", "staff", {"notes": "Done on site, photos on file."}),
            ("result", "staff", {"result": f"Resolved: {case.request}", "resolved": True}),
        ]
        if reopened:  # the department keeps its acceptance; it finds the cause again, then proposes anew
            steps = steps[1:]
        for step, role, body in steps:
            self.http.post(f"{case_url}/{step}", json=body, headers=self.key(role)).raise_for_status()

    def follow_up(self, complaint_id: str, outcome: str) -> None:
        url = f"{FOLLOWUP}/complaints/{complaint_id}"
        wait_until(lambda: self._has_result(url), "follow-up to hear of the result")
        self.http.post(
            f"{url}/reply",
            json={"channel": "phone", "summary": "We explained what was done."},
            headers=self.key("supervisor"),
        ).raise_for_status()
        if outcome == "unreachable":
            self.visit(url, {"outcome": "unreachable", "remarks": "No answer."})
            return  # the retries come later (`retry_unreachable`): follow-up refuses them sooner
        if outcome == "dissatisfied-then-satisfied":
            self.visit(url, {"outcome": "dissatisfied", "satisfaction": 2, "remarks": "Still unhappy."})
            return  # the case reopens to handling; the feed handles it again later
        self.visit(url, {"outcome": "satisfied", "satisfaction": 5, "acknowledged": True})
        self.http.post(
            f"{url}/close",
            json={
                "cause": "See the handling record.",
                "lessons": "Respond faster.",
                "improvement": "Weekly checks.",
                "responsibility": "Duty team.",
            },
            headers=self.key("supervisor"),
        ).raise_for_status()

    def visit(self, url: str, body: dict[str, Any]) -> None:
        self.http.post(f"{url}/return-visits", json=body, headers=self.key("reception")).raise_for_status()

    def retry_unreachable(self, complaint_id: str, attempts: int = 2) -> None:
        """The second and third tries of an unreachable customer, each once follow-up's retry interval
        (FOLLOWUP_VISIT_RETRY_HOURS) has passed in demo time: it refuses a try sooner with 409."""
        url = f"{FOLLOWUP}/complaints/{complaint_id}"
        interval = timedelta(hours=float(os.environ.get("FOLLOWUP_VISIT_RETRY_HOURS", "2")))
        for _ in range(attempts):
            visits = self.http.get(url, headers=self.key("supervisor")).json()["visits"]
            due = datetime.fromisoformat(visits[-1]["at"]) + interval

            def passed(due: datetime = due) -> bool:
                return self.clock() >= due

            try:
                wait_until(passed, "the next try of an unreachable customer", 300)
            except RuntimeError:  # real time (no `make demo`): the next try is hours away
                console.print(f"[yellow]{complaint_id}: next try of the unreachable customer due {due}[/]")
                return
            self.visit(url, {"outcome": "unreachable", "remarks": "No answer."})

    def _has_result(self, url: str) -> bool:
        # A result not yet replied to: the first one, or a reopened case's next one.
        response = self.http.get(url, headers=self.key("supervisor"))
        return response.status_code == 200 and len(response.json()["results"]) > len(response.json()["replies"])


def demo_clock(env_file: Path) -> Clock:
    """The services' time: accelerated when `make demo` started them so (see shared/clock.py)."""
    if not env_file.exists():
        return utc_now
    env = dict(line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line)
    factor, epoch = float(env["INTAKE_TIME_FACTOR"]), datetime.fromisoformat(env["INTAKE_CLOCK_EPOCH"])
    console.print(f"demo time runs {factor:g}x faster from {epoch.isoformat()}")
    return accelerated(epoch, factor)


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"timed out waiting for {what}")


def reopened_case(office: Office, complaint_id: str) -> bool:
    response = office.http.get(f"{HANDLING}/cases/{complaint_id}", headers=office.key("staff"))
    return response.json()["stage"] == "accepted"


@cli.command()
def main(
    keys_file: Path = typer.Option(Path(".state/dev-keys.txt"), help="The plain development keys of `make up`."),
    pace: float = typer.Option(0.5, help="Seconds between two complaints."),
    demo_env: Path = typer.Option(Path(".state/demo.env"), help="Demo time settings written by `make demo`."),
) -> None:
    """Feed the running system (after `make up` or `make demo`) with several offices' complaints."""
    keys = load_keys(keys_file)
    clock = demo_clock(demo_env)
    offices = {office: Office(office, keys, clock) for office in sorted({c.office for c in ORDINARY + OUTAGE})}
    run = uuid.uuid4().hex[:6]
    registered: list[tuple[str, Case]] = []
    with Progress(console=console) as progress:
        task = progress.add_task("registering complaints", total=len(ORDINARY) + len(OUTAGE))
        for n, case in enumerate(ORDINARY + OUTAGE):
            complaint_id = offices[case.office].register(case, f"DEMO-{run}-{n:03d}")
            registered.append((complaint_id, case))
            progress.advance(task)
            time.sleep(pace)
        task = progress.add_task("handling and following up", total=len(registered))
        reopened: list[tuple[str, Case]] = []
        for complaint_id, case in registered:
            office = offices[case.office]
            if case.outcome != "late":  # the late one stays unhandled: its clocks run out
                office.handle(complaint_id, case)
                if case.outcome != "no-visit":  # handled, but nobody calls back: a missing return visit
                    office.follow_up(complaint_id, case.outcome)
                if case.outcome == "dissatisfied-then-satisfied":
                    reopened.append((complaint_id, case))
            progress.advance(task)
        for complaint_id, case in registered:
            if case.outcome == "unreachable":  # tried again only after the retry interval (demo time)
                console.print(f"trying an unreachable customer again, hours apart in demo time: {complaint_id}")
                offices[case.office].retry_unreachable(complaint_id)
        for complaint_id, case in reopened:
            console.print(f"reopened after a dissatisfied visit: {complaint_id}")
            office = offices[case.office]
            wait_until(lambda o=office, c=complaint_id: reopened_case(o, c), "handling to reopen the case")
            office.handle(complaint_id, case, reopened=True)
            office.follow_up(complaint_id, "satisfied")
    hotline_calls(offices, keys, clock, run)
    console.print(
        f"[green]done:[/] {len(registered)} complaints; open the dashboard at http://127.0.0.1:8000/dashboard"
    )


def hotline_calls(offices: dict[str, Office], keys: dict[str, str], clock: Clock, run: str) -> None:
    """Two calls to the group hotline about an office: it registers the first and forgets the second."""
    key = keys.get("group/hotline")
    if key is None:  # keys made before the hotline had one: `make clean && make up` makes it
        console.print("[yellow]no group/hotline key: hotline calls skipped[/]")
        return
    case = next(c for c in ORDINARY if c.office == "kln-east")
    references = [f"HL-{run}-1", f"HL-{run}-2"]
    calls = [
        HotlineCallRecord(
            office_id=case.office,
            hotline_reference=reference,
            reported_at=clock(),
            complainant={"name": case.complainant, "contact": case.contact},
            unit_address=case.unit,
            summary=f"Called the group hotline: {case.description}",
        )
        for reference in references
    ]
    with httpx.Client(base_url=INTAKE, timeout=10) as client:
        for sent in send_calls(calls, client, key):
            console.print(f"hotline call {sent.hotline_reference}: {sent.status} {sent.detail}")
    offices[case.office].register(case, references[0])  # the office quotes the first as its reference


if __name__ == "__main__":
    cli()
