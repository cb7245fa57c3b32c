"""A throwaway PostgreSQL cluster of its own (initdb + pg_ctl on a port of its own), for tests that
stop or restart the server: the suite's shared server must never be restarted under other tests."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg


def _bin() -> Path | None:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]))
    return versions[-1].parent if versions else None


class ThrowawayPostgres:
    """`start()`, `restart()`, `stop()`; the role `complaints` / `complaints` owns database `complaints`."""

    def __init__(self, port: int) -> None:
        self.bin = _bin()
        self.port = port
        # Its own folder under /tmp (a test's tmp_path is root's alone; the server runs as postgres).
        self.folder = Path(tempfile.mkdtemp(prefix=f"throwaway-pg-{port}-"))
        self.folder.chmod(0o755)
        self.data = self.folder / "data"
        self.log = self.folder / "postgres.log"
        self.options = f"-p {port} -k {self.folder} -c listen_addresses=127.0.0.1 -c max_connections=60"

    @staticmethod
    def unavailable() -> str | None:
        """Why this machine cannot run one (None: it can)."""
        if _bin() is None:
            return "PostgreSQL's server binaries are not installed (deploy/postgres/local.sh installs them)"
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                return "running as root without a postgres OS user to run the server as"
        return None

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if os.geteuid() == 0:  # the server refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        # The server inherits pg_ctl's output: never a pipe that the test would wait on.
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd="/")

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        if not self.data.exists():
            self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", self.options, "-w", "start")
        with psycopg.connect(self.conninfo("postgres", "postgres"), autocommit=True) as db:
            if not db.execute("SELECT 1 FROM pg_roles WHERE rolname = 'complaints'").fetchone():
                db.execute("CREATE ROLE complaints LOGIN PASSWORD 'complaints'")
                db.execute("CREATE DATABASE complaints OWNER complaints")

    def restart(self, down_seconds: float = 0) -> float:
        """Restart (fast: open connections are cut), staying down `down_seconds` in between (a
        crash and a slow recovery, a failover); return the seconds it was away."""
        began = time.monotonic()
        if down_seconds:
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
            time.sleep(down_seconds)
            self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", self.options, "-w", "start")
        else:
            self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-m", "fast", "-w", "restart")
        return time.monotonic() - began

    def stop(self) -> None:
        if self.data.exists():
            subprocess.run(
                (["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else [])
                + [str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
                capture_output=True,
                cwd="/",
                check=False,
            )
        shutil.rmtree(self.folder, ignore_errors=True)

    def conninfo(self, user: str = "complaints", dbname: str = "complaints") -> str:
        return f"host=127.0.0.1 port={self.port} user={user} dbname={dbname} password=complaints"

    def settings(self) -> dict[str, object]:
        return {
            "store": "postgres",
            "postgres_host": "127.0.0.1",
            "postgres_port": self.port,
            "postgres_user": "complaints",
            "postgres_password": "complaints",
            "postgres_dbname": "complaints",
        }
