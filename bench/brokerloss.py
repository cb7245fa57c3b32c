"""Recovery from broker loss on a real three-node Kafka cluster (issue 11, item 4).

`python -m bench.brokerloss --complaints 5000` starts `deploy/kafka/cluster.sh` (its own ports:
`--base-port`, default 19170 → brokers 19171-19173), registers complaints through intake while the
scenario of `tests/ops/brokerloss.py` kills one broker and pauses another, and prints:

- kill recovery: seconds from the SIGKILL until every registration acknowledged before it is in the
  projection (leaders move, the relay's producer and the worker find them);
- pause recovery: the same from the paused broker's SIGCONT (while it is paused, one broker of three
  is left: min.insync.replicas 2 stops every write, nothing is lost);
- the history check of the intake topic and of the projection (lost, duplicated, reordered).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

import typer

from tests.ops import brokerloss

cli = typer.Typer(add_completion=False)


@cli.command()
def run(
    complaints: int = 5000,
    rate: float = 100.0,
    pause_seconds: float = 12.0,
    base_port: int = int(os.environ.get("BROKERLOSS_BASE_PORT", "19170")),
) -> None:
    with tempfile.TemporaryDirectory(prefix="brokerloss-") as folder:
        outcome = asyncio.run(
            brokerloss.run(Path(folder), base_port, complaints=complaints, rate=rate, pause_seconds=pause_seconds)
        )
    print(f"{outcome.complaints} complaints registered and acknowledged")
    print(f"kill recovery:  {outcome.timings['kill_recovery_s']:.1f} s (SIGKILL of node 1)")
    pause = outcome.timings["pause_recovery_s"]
    print(f"pause recovery: {pause:.1f} s (from SIGCONT of node 2, paused {pause_seconds:.0f} s)")
    print(f"process restarts (exit codes): {outcome.restarts}")
    print(f"intake topic: {outcome.topic.summary()}")
    print(f"projection:   {outcome.projection.summary()}")
    if not (outcome.topic.ok and outcome.projection.ok):
        raise typer.Exit(1)


if __name__ == "__main__":
    cli()
