"""The whole system as processes, as `make up` runs it: every line of deploy/Procfile (the six services'
HTTP app, relay and worker; not the notifier), on free ports, with this run's state folder, store and
broker. Everything the benchmark learns it asks through public interfaces: each process's health
endpoint (lag, handled counts, unpublished notifications), the HTTP APIs, Kafka topics, /proc."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from shared.contracts.topics import signing_services
from shared.signing import ensure_service_keys
from tests.fixtures.ports import free_port

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("intake", "triage", "handling", "sla", "followup", "projection")
KINDS = ("http", "relay", "worker")
VARIABLE = re.compile(r"\$\{(\w+)(?::-([^}]*))?\}")


def procfile_commands(env: dict[str, str], root: Path = ROOT) -> dict[str, list[str]]:
    """`<service>-<kind>` -> argv, from `root`'s deploy/Procfile, `${NAME:-default}` filled in from `env`."""
    found = {}
    for line in (root / "deploy" / "Procfile").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, command = (part.strip() for part in line.split(":", 1))
        if name.split("-", 1)[0] not in SERVICES:
            continue
        words = shlex.split(VARIABLE.sub(lambda m: env.get(m[1]) or (m[2] or ""), command))
        if words[0].startswith(".venv/"):
            words[0] = str(root / words[0])
        found[name] = words
    return found


def cpu_seconds(pid: int) -> float | None:
    """CPU seconds (user + system) the process has used since it started, from /proc; None when unknown."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mib(pid: int) -> float | None:
    """The process's peak resident set (VmHWM) in MiB, from /proc (Linux); None when unknown."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


@dataclass
class Postgres:
    host: str
    port: int
    user: str
    password: str
    dbname: str


@dataclass
class System:
    """The 18 processes of one run. `start()` / `stop()` may be called again (a restart keeps the stores)."""

    workdir: Path
    servers: str
    store: str = "sqlite"
    postgres: Postgres | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    # py-spy records each relay and worker into this folder (`bench.system --profile DIR`), raw format.
    profile_dir: Path | None = None
    # The tree whose services run (its deploy/Procfile, its code; its .venv, or a link to one): another
    # tree than this one (a copy of main's) runs the same bench on the code before a change.
    root: Path = ROOT
    ports: dict[str, int] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    started_at: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for service in SERVICES:
            for kind in KINDS:
                self.ports[f"{service}-{kind}"] = free_port()
        (self.workdir / "logs").mkdir(parents=True, exist_ok=True)

    def env(self) -> dict[str, str]:
        env = dict(os.environ) | {
            "KAFKA_BOOTSTRAP_SERVERS": self.servers,
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(self.root),
            "INTAKE_OFFICE_SIGNING_KEYS_FILE": str(self.workdir / "office-signing-keys.json"),
        }
        # Each publishing service's event signing key, made once per bench as `make up` makes them.
        public = self.workdir / "event-signing-keys.json"
        signers = ensure_service_keys(self.workdir / "dev.env", public, signing_services())
        env |= {f"{s.upper()}_EVENT_SIGNING_KEY": signer.to_setting() for s, signer in signers.items()}
        env["COMPLAINTS_EVENT_SIGNING_KEYS_FILE"] = str(public)
        for service in SERVICES:
            up = service.upper()
            env |= {
                f"{up}_STORE": self.store,
                f"{up}_STATE_DIR": str(self.workdir),
                f"{up}_KEYS_FILE": str(self.workdir / "keys.json"),
                f"{up}_HTTP_PORT": str(self.ports[f"{service}-http"]),
                f"{up}_RELAY_HEALTH_PORT": str(self.ports[f"{service}-relay"]),
                f"{up}_WORKER_HEALTH_PORT": str(self.ports[f"{service}-worker"]),
            }
            if self.postgres is not None:
                pg = self.postgres
                env |= {
                    f"{up}_POSTGRES_HOST": pg.host,
                    f"{up}_POSTGRES_PORT": str(pg.port),
                    f"{up}_POSTGRES_USER": pg.user,
                    f"{up}_POSTGRES_PASSWORD": pg.password,
                    f"{up}_POSTGRES_DBNAME": pg.dbname,
                }
        return env | self.extra_env

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def start(self, names: list[str] | None = None) -> None:
        commands = procfile_commands(self.env(), self.root)
        for name in names or list(commands):
            log = (self.workdir / "logs" / f"{name}.log").open("ab")
            command = commands[name]
            if self.profile_dir is not None and (not name.endswith("-http") or os.environ.get("BENCH_PROFILE_ALL")):
                spy = str(Path(commands[name][0]).parent / "py-spy")
                out = self.profile_dir / f"{name}-{len(list(self.profile_dir.glob(name + '-*')))}.txt"
                command = [
                    spy,
                    "record",
                    "--nonblocking",
                    *(["--idle"] if os.environ.get("BENCH_PROFILE_ALL") else ["--gil"]),
                    "-r",
                    "100",
                    "-f",
                    "raw",
                    "-o",
                    str(out),
                    "--",
                    *command,
                ]
            self.started_at[name] = time.perf_counter()
            self.procs[name] = subprocess.Popen(
                command, cwd=self.root, env=self.env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )

    def stop(self, timeout: float = 20) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                if self.profile_dir is not None:  # py-spy writes its profile when its child ends, not on SIGTERM
                    os.kill(self._service_pid(proc.pid), signal.SIGTERM)
                else:
                    os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for proc in self.procs.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        self.procs.clear()

    def dead(self) -> list[str]:
        return [name for name, proc in self.procs.items() if proc.poll() is not None]

    def health(self, client: httpx.Client, name: str, path: str = "/health") -> dict[str, Any] | None:
        try:
            response = client.get(self.url(name) + path, timeout=2)
        except httpx.TransportError:
            return None
        try:
            body = response.json()
        except ValueError:
            body = {}
        body["_status"] = response.status_code
        return dict(body)

    def wait_ready(self, names: list[str], timeout: float = 300) -> dict[str, float]:
        """Seconds from each process's start to its readiness: an HTTP app answers `/health/live` (its
        start-up work done), a relay or worker `/health/ready` (position read / partitions owned)."""
        ready: dict[str, float] = {}
        restarts: dict[str, int] = {}
        deadline = time.monotonic() + timeout
        with httpx.Client() as client:
            while len(ready) < len(names):
                for name in [n for n in self.dead() if n in names]:
                    # As supervisord would: a process that dies while starting is started again (twice).
                    tail = self.log_tail(name)
                    if restarts.get(name, 0) >= 2:
                        raise RuntimeError(f"{name} exited three times while starting; its log ends:\n{tail}")
                    restarts[name] = restarts.get(name, 0) + 1
                    print(f"{name} exited while starting (started again); its log ends:\n{tail}", flush=True)
                    self.start([name])
                if time.monotonic() > deadline:
                    raise RuntimeError(f"not ready after {timeout} s: {sorted(set(names) - set(ready))}")
                for name in names:
                    if name in ready:
                        continue
                    path = "/health/live" if name.endswith("-http") else "/health/ready"
                    answer = self.health(client, name, path)
                    if answer is not None and answer["_status"] == 200:
                        ready[name] = time.perf_counter() - self.started_at[name]
                time.sleep(0.05)
        return ready

    def log_tail(self, name: str, lines: int = 15) -> str:
        path = self.workdir / "logs" / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def snapshot(self, client: httpx.Client) -> dict[str, dict[str, Any]]:
        """Each relay's and worker's health details (None entries for one that did not answer)."""
        return {name: self.health(client, name) or {} for name in self.ports if not name.endswith("-http")}

    def cpu(self) -> dict[str, float | None]:
        """CPU seconds each process has used so far (its process tree's root: under --profile, py-spy's
        child is the service's process, so its own figure is read)."""
        return {name: cpu_seconds(self._service_pid(proc.pid)) for name, proc in self.procs.items()}

    def _service_pid(self, pid: int) -> int:
        if self.profile_dir is None:
            return pid
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            return pid
        return int(children[0]) if children else pid

    def peak_rss(self) -> dict[str, float | None]:
        return {name: peak_rss_mib(self._service_pid(proc.pid)) for name, proc in self.procs.items()}


def quiet(snapshot: dict[str, dict[str, Any]]) -> bool:
    """Nothing left to do anywhere: every worker's lag is 0, every relay has published everything."""
    for name, details in snapshot.items():
        if name.endswith("-worker") and details.get("lag") != 0:
            return False
        if name.endswith("-relay") and details.get("notifications_behind") not in (0, None):
            return False
        if not details:
            return False
    return True


def handled(snapshot: dict[str, dict[str, Any]]) -> dict[str, int]:
    """Messages each worker handled (or dead-lettered) since it started."""
    return {
        name.removesuffix("-worker"): int(d.get("handled") or 0) + int(d.get("dead_lettered") or 0)
        for name, d in snapshot.items()
        if name.endswith("-worker")
    }
