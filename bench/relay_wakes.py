"""One relay's CPU beside a worker's position-only commits (issue 10: the relays' idle CPU).

Intake's relay runs alone in a process of its own over a fresh SQLite store and a bench broker; this
process writes that store as intake's worker and HTTP app would: position-only commits (a tracking
record, no event, as a worker's fetch of records it passes over) at `--positions-per-second`, and
registrations (a notification the relay publishes) at `--registrations-per-second`. Printed: the relay
process's CPU seconds over the phase (from /proc), its wakes, its reads of the notification log and how
many of those found nothing, and the load average before and after.

    .venv/bin/python -m bench.relay_wakes --seconds 60 --positions-per-second 20 --registrations-per-second 0
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import typer
from eventsourcing.persistence import Tracking

from bench.run import broker
from services.intake import bootstrap as intake_bootstrap
from services.intake.settings import IntakeSettings
from shared.auth import Principal
from shared.bus import kafka
from shared.contracts import RegistrationForm
from shared.contracts.topics import ALL_TOPICS
from tests.support import T0, form

cli = typer.Typer(add_completion=False)
CLERK = Principal("hk-central/reception", "hk-central", frozenset({"receptionist"}))


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def settings_for(state_dir: str, servers: str) -> IntakeSettings:
    return IntakeSettings(store="sqlite", state_dir=Path(state_dir), kafka_bootstrap_servers=servers)


async def run_relay(state_dir: str, servers: str) -> dict[str, Any]:
    """The relay, its reads counted through the recorder (every read of the log the relay makes)."""
    settings = settings_for(state_dir, servers)
    app = intake_bootstrap.application(settings)
    relay = intake_bootstrap.relay(settings, app)
    counts = {"reads": 0, "empty_reads": 0}
    select = app.process_recorder.select_notifications

    def counted(*args: Any, **kwargs: Any) -> Any:
        found = select(*args, **kwargs)
        counts["reads"] += 1
        counts["empty_reads"] += not found
        return found

    app.process_recorder.select_notifications = counted  # type: ignore[method-assign]
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    running = asyncio.create_task(relay.run(stop))
    while relay.progress.started == 0.0:
        await asyncio.sleep(0.05)
    print("ready", flush=True)
    await running
    assert relay._changes is not None
    return counts | {
        "wakes": relay._changes.wakes,
        "passed_over": getattr(relay._changes, "passed_over", None),
        "published": relay.progress.published_events,
    }


@cli.command()
def main(
    seconds: float = typer.Option(60.0, help="How long the measured phase lasts."),
    positions_per_second: float = typer.Option(20.0, help="Position-only commits a second (a worker's fetches)."),
    registrations_per_second: float = typer.Option(0.0, help="Registrations a second (notifications to publish)."),
    port: int = typer.Option(19592, help="Port of the bench broker (when KAFKA_BOOTSTRAP_SERVERS is unset)."),
    relay: tuple[str, str] = typer.Option(("", ""), hidden=True, help="(the relay's own process: state dir, servers)"),
) -> None:
    if relay[0]:
        print(json.dumps(asyncio.run(run_relay(*relay))), flush=True)
        return
    with broker(port) as servers, tempfile.TemporaryDirectory(prefix="bench-relay-") as state_dir:
        asyncio.run(kafka.wait_for_broker(servers))
        asyncio.run(kafka.create_topics(servers, ALL_TOPICS))
        app = intake_bootstrap.application(settings_for(state_dir, servers))
        child = subprocess.Popen(
            [sys.executable, "-m", "bench.relay_wakes", "--relay", state_dir, servers],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        time.sleep(2.0)  # past the start's own work
        load_before = os.getloadavg()[0]
        cpu_before = cpu_seconds(child.pid)
        started = time.monotonic()
        events = sorted(
            [(i / positions_per_second, "position") for i in range(int(seconds * positions_per_second))]
            + [(i / registrations_per_second, "registration") for i in range(int(seconds * registrations_per_second))]
        )
        offset = 0
        for at, kind in events:
            time.sleep(max(0.0, started + at - time.monotonic()))
            if kind == "position":
                offset += 1
                app.commit(app.unit_of_work(), Tracking("bench/intake.events/0", offset))
            else:
                app.register("hk-central", CLERK, RegistrationForm(**form(uuid.uuid4().hex[:8])), T0)
        time.sleep(max(0.0, started + seconds - time.monotonic()))
        cpu = cpu_seconds(child.pid) - cpu_before
        elapsed = time.monotonic() - started
        load_after = os.getloadavg()[0]
        child.send_signal(signal.SIGTERM)
        out, _ = child.communicate(timeout=60)
        counts = json.loads(out.strip().splitlines()[-1])
        app.close()
    per_minute = cpu / elapsed * 60
    print(
        f"relay CPU {cpu:.3f} s over {elapsed:.1f} s = {per_minute:.2f} s a minute ({cpu / elapsed * 1000:.1f} ms/s); "
        f"load {load_before:.1f} -> {load_after:.1f}; {json.dumps(counts)}"
    )


if __name__ == "__main__":
    cli()
