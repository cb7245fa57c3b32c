"""`deploy/local/try-it.sh` records the example complaint "received just now, so its clocks start now".
Under `make demo` the services' now is demo time (`.state/demo.env`: every service's clock runs
DEMO_TIME_FACTOR times faster from one instant, shared/clock.py), hours ahead of the wall clock within
minutes: found on the walk, a complaint tried a few minutes into a demo was received hours before the
services' now, so it was registered late (a concealment signal), its hand-over already breached and the
escalation mails sent at once. The script now writes the services' now. Run against a small real HTTP
server standing in for intake, which keeps the body it was sent."""

from __future__ import annotations

import json
import os
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


class Intake(ThreadingHTTPServer):
    bodies: list[dict[str, Any]]


class Keep(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        assert isinstance(self.server, Intake)
        self.server.bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        answer = b'{"complaint_id": "00000000-0000-0000-0000-000000000001", "sequence_number": 1}'
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def intake() -> Iterator[Intake]:
    server = Intake(("127.0.0.1", 0), Keep)
    server.bodies = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def try_it(state: Path, intake: Intake) -> dict[str, Any]:
    env = {**os.environ, "STATE_DIR": str(state), "INTAKE_HTTP_PORT": str(intake.server_address[1])}
    done = subprocess.run(
        ["bash", "deploy/local/try-it.sh", "hk-central"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0 and "(HTTP 201)" in done.stdout, done.stdout + done.stderr
    [body] = intake.bodies
    return body


def state_folder(tmp_path: Path, demo: tuple[datetime, int] | None) -> Path:
    (tmp_path / "dev-keys.txt").write_text("hk-central/reception\tck_a-development-key\n")
    if demo:
        epoch, factor = demo
        (tmp_path / "demo.env").write_text(
            "".join(
                f"{s}_TIME_FACTOR={factor}\n{s}_CLOCK_EPOCH={epoch:%Y-%m-%dT%H:%M:%SZ}\n" for s in ("INTAKE", "SLA")
            )
        )
    return tmp_path


def test_under_make_demo_the_complaint_is_received_at_the_services_demo_now(tmp_path: Path, intake: Intake) -> None:
    epoch = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)  # a demo started 10 minutes ago
    before = epoch + (datetime.now(UTC) - epoch) * 60
    body = try_it(state_folder(tmp_path, (epoch, 60)), intake)
    after = epoch + (datetime.now(UTC) - epoch) * 60
    received = datetime.fromisoformat(body["received_at"])
    # demo time: ten hours on from the epoch, not the wall's ten minutes (to the second the script writes)
    assert before - timedelta(minutes=2) <= received <= after + timedelta(minutes=2), (before, received, after)
    occurred = datetime.fromisoformat(body["occurred_at"])
    assert occurred == received - timedelta(minutes=20)


def test_without_a_demo_it_is_received_at_the_wall_clock_s_now(tmp_path: Path, intake: Intake) -> None:
    start = datetime.now(UTC).replace(microsecond=0)
    body = try_it(state_folder(tmp_path, None), intake)
    received = datetime.fromisoformat(body["received_at"])
    assert start <= received <= datetime.now(UTC) + timedelta(seconds=1)
    assert datetime.fromisoformat(body["occurred_at"]) == received - timedelta(minutes=20)
