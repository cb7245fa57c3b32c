"""`deploy/kafka/kafka.sh fetch` decides whether the broker's jars are current by the pom's content, not
its date. Found on a fresh git worktree sharing `KAFKA_JARS_DIR` (as the team's worktrees do): its
pom.xml, checked out after the shared jars were stamped, looked newer, so `make deps` deleted the
shared jars other worktrees' brokers ran from and downloaded them again from Maven Central.

Each run has no `mvn` on its PATH: a fetch it decides to make stops there ("Maven is required", exit 1)
before anything is deleted, so the test can see the decision without a download."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import time
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "deploy" / "kafka" / "kafka.sh"
POM = SCRIPT.parent / "pom.xml"


def fetch(jars: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    tools = tmp_path / "bin"  # what the script needs, and no mvn
    tools.mkdir(exist_ok=True)
    for tool in ("bash", "sha256sum", "cut", "cat", "dirname", "rm", "sh"):
        found = shutil.which(tool)
        if found and not (tools / tool).exists():
            (tools / tool).symlink_to(found)
    env = {"PATH": str(tools), "KAFKA_JARS_DIR": str(jars), "HOME": os.environ.get("HOME", "/tmp")}
    return subprocess.run(["bash", str(SCRIPT), "fetch"], env=env, capture_output=True, text=True, timeout=60)


def jars_stamped(tmp_path: Path, stamp: str, age_seconds: float) -> Path:
    jars = tmp_path / "kafka-jars"
    jars.mkdir()
    (jars / "kafka.jar").write_text("a jar")
    complete = jars / ".complete"
    complete.write_text(stamp)
    then = time.time() - age_seconds
    os.utime(complete, (then, then))  # stamped before the pom was checked out
    return jars


def test_jars_stamped_with_the_pom_s_content_are_current_however_old_the_stamp(tmp_path: Path) -> None:
    jars = jars_stamped(tmp_path, hashlib.sha256(POM.read_bytes()).hexdigest() + "\n", age_seconds=10 * 365 * 86400)
    answer = fetch(jars, tmp_path)
    assert answer.returncode == 0, answer.stderr
    assert "fetching" not in answer.stderr and (jars / "kafka.jar").exists()


def test_jars_stamped_for_another_pom_are_fetched_again(tmp_path: Path) -> None:
    jars = jars_stamped(tmp_path, "0" * 64, age_seconds=0)
    answer = fetch(jars, tmp_path)
    assert answer.returncode == 1 and "Maven is required" in answer.stderr, answer.stderr
    assert (jars / "kafka.jar").exists()  # nothing deleted before the fetch could run
