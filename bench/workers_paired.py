"""Each worker alone over the same topics, two trees alternated: the CPU a message before and after a
change, paired on one filled broker (`bench.workers`' measure, SQLite).

The topics are filled once through the whole system (this tree's code), then, for each service and
round, the worker of `--before` and the worker of `--after` each start alone on a fresh store and read
the same topics from offset 0; the order alternates between rounds (before first in even rounds), so a
neighbour's load that rises or falls does not favour one side. The load average is kept beside each run.

    git archive main | tar -x -C /tmp/main-tree && ln -s "$PWD/.venv" /tmp/main-tree/.venv
    .venv/bin/python -m bench.workers_paired --before /tmp/main-tree --after . --complaints 600 --rounds 2
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import typer

from shared.bus import kafka

from .processes import SERVICES, System
from .run import broker
from .workers import SHARED_FILES, fill, worker_alone

cli = typer.Typer(add_completion=False)


def run(
    servers: str, base: Path, trees: dict[str, Path], complaints: int, services: list[str], rounds: int, timeout: float
) -> list[dict[str, Any]]:
    asyncio.run(kafka.wait_for_broker(servers))
    asyncio.run(kafka.create_topics(servers))
    filled = base / "fill"
    filled.mkdir()
    fill(servers, filled, complaints, 24, timeout)
    runs: list[dict[str, Any]] = []
    for service in services:
        for round_ in range(rounds):
            order = list(trees) if round_ % 2 == 0 else list(reversed(trees))
            for label in order:
                workdir = base / f"{service}-{round_}-{label}"
                workdir.mkdir()
                for file in SHARED_FILES:
                    if (filled / file).exists():
                        shutil.copy2(filled / file, workdir / file)
                load = os.getloadavg()
                figures = worker_alone(System(workdir, servers, root=trees[label]), service, timeout)
                runs.append(figures | {"service": service, "round": round_, "tree": label, "load": load})
    return runs


def table(runs: list[dict[str, Any]]) -> str:
    lines = ["| worker | round | tree | messages | CPU ms a message | msgs/s | load average (1/5/15 min) |"]
    lines.append("| --- | --- | --- | --- | --- | --- | --- |")
    for r in runs:
        load = " / ".join(f"{x:.1f}" for x in r["load"])
        figures = f"{r['messages']:,} | {r['cpu_ms']:.3f} | {r['rate']:,.0f}"
        lines.append(f"| {r['service']} | {r['round']} | {r['tree']} | {figures} | {load} |")
    return "\n".join(lines)


@cli.command()
def main(
    before: Path = typer.Option(..., help="The tree before the change (with a .venv, or a link to one)."),
    after: Path = typer.Option(Path("."), help="The tree after the change."),
    complaints: int = typer.Option(600, help="Complaints of the history the workers read."),
    services: str = typer.Option(",".join(s for s in SERVICES if s != "projection"), help="Workers, comma-separated."),
    rounds: int = typer.Option(2, help="Runs of each tree a worker (the order alternates)."),
    port: int = typer.Option(int(os.environ.get("TEST_KAFKA_PORT", 19594)), help="Port of the bench broker."),
    timeout: float = typer.Option(1800.0, help="Give up a phase after this many seconds."),
    json_out: Path = typer.Option(None, help="Also write the figures as JSON here."),
) -> None:
    trees = {"before": before.resolve(), "after": after.resolve()}
    with (
        broker(port) as servers,
        tempfile.TemporaryDirectory(prefix="bench-paired-", ignore_cleanup_errors=True) as tmp,
    ):
        runs = run(servers, Path(tmp), trees, complaints, services.split(","), rounds, timeout)
    if json_out:
        json_out.write_text(json.dumps(runs, indent=2))
    print(table(runs))


if __name__ == "__main__":
    cli()
