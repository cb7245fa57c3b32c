"""Throughput of intake over HTTP, the outbox relay and a tracked consumer, beside raw aiokafka.

`make bench` (or `python -m bench.run --complaints 2000`). Uses KAFKA_BOOTSTRAP_SERVERS if set, else
starts the project's local broker on a bench port with a throw-away state folder. Every rate is
printed with its ratio to the raw baseline measured in the same run, on the same broker: absolute
numbers vary by machine, ratios say where the time goes.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import httpx
import typer
from rich.console import Console
from rich.table import Table

from services.intake import bootstrap
from services.intake.settings import IntakeSettings
from shared.auth import make_dev_keys
from shared.bus import kafka
from shared.bus.consumer import TrackedConsumer
from shared.contracts.topics import INTAKE_EVENTS, signing_services
from shared.eventstore import store_environment
from shared.signing import ensure_service_keys
from tests.fixtures.ports import free_port
from tests.kafka_support import TallyApplication, tally_handler
from tests.support import form

ROOT = Path(__file__).resolve().parents[1]
console = Console()
cli = typer.Typer(add_completion=False)


@contextmanager
def broker(port: int):
    if servers := os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield servers
        return
    state = Path(tempfile.mkdtemp(prefix="bench-kafka-"))
    env = os.environ | {
        "KAFKA_PORT": str(port),
        "KAFKA_CONTROLLER_PORT": str(port + 1),
        "KAFKA_STATE_DIR": str(state),
    }
    script = str(ROOT / "deploy" / "kafka" / "kafka.sh")
    subprocess.run(["bash", script, "start"], env=env, check=True)
    try:
        yield f"127.0.0.1:{port}"
    finally:
        subprocess.run(["bash", script, "stop"], env=env, check=False)
        shutil.rmtree(state, ignore_errors=True)


# The raw produce writes to a topic of its own, shaped as intake's: its filler records must not reach
# the tracked consumer measured later, which would dead-letter them (unsigned) instead of applying them.
RAW_TOPIC = dataclasses.replace(INTAKE_EVENTS, name="bench.raw-produce")


async def raw_produce(servers: str, count: int, value: bytes) -> float:
    """Acknowledged produce rate (acks=all, idempotent): every future awaited."""
    await kafka.create_topics(servers, [RAW_TOPIC])
    producer = kafka.producer(servers)
    await producer.start()
    try:
        start = time.perf_counter()
        futures = [await producer.send(RAW_TOPIC.name, value, key=str(uuid.uuid4()).encode()) for _ in range(count)]
        await asyncio.gather(*futures)
        return count / (time.perf_counter() - start)
    finally:
        await producer.stop()


async def raw_consume(servers: str, count: int) -> float:
    consumer = kafka.consumer(servers, group_id=None, topics=[INTAKE_EVENTS.name])
    await consumer.start()
    try:
        seen, start = 0, time.perf_counter()
        deadline = start + 120
        while seen < count and time.perf_counter() < deadline:
            for records in (await consumer.getmany(timeout_ms=500, max_records=1000)).values():
                seen += len(records)
        return seen / (time.perf_counter() - start)
    finally:
        await consumer.stop()


async def post_complaints(url: str, key: str, count: int, concurrency: int) -> float:
    tag = uuid.uuid4().hex[:8]
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(count):
        queue.put_nowait(n)

    async def worker(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            n = queue.get_nowait()
            response = await client.post("/complaints", json=form(f"{tag}-{n}"), headers={"X-Office-Key": key})
            response.raise_for_status()

    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        start = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        return count / (time.perf_counter() - start)


async def wait_for_http(url: str) -> None:
    async with httpx.AsyncClient(base_url=url) as client:
        for _ in range(100):
            try:
                if (await client.get("/health/live")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not start")


async def bench(
    servers: str, complaints: int, concurrency: int, workdir: Path, workers: int = 1
) -> list[tuple[str, float, str]]:
    await kafka.wait_for_broker(servers)
    await kafka.create_topics(servers)
    rows: list[tuple[str, float, str]] = []

    records, plain = make_dev_keys()
    keys_file = workdir / "keys.json"
    keys_file.write_text("[" + ",".join(r.model_dump_json() for r in records) + "]")
    settings = IntakeSettings(store="sqlite", state_dir=workdir, keys_file=keys_file, kafka_bootstrap_servers=servers)

    value_size = 1600  # about one published ComplaintRegistered

    console.print(f"[bold]raw aiokafka produce[/] ({complaints} messages of {value_size} bytes)")
    raw_rate = await raw_produce(servers, complaints, b"x" * value_size)
    rows.append(("raw aiokafka produce (acks=all), msgs/s", raw_rate, "baseline"))

    port = free_port()
    env = os.environ | {
        "INTAKE_STORE": "sqlite",
        "INTAKE_STATE_DIR": str(workdir),
        "INTAKE_KEYS_FILE": str(keys_file),
        "KAFKA_BOOTSTRAP_SERVERS": servers,
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "services.intake.entrypoints.http:create_app",
            "--factory",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--workers",
            str(workers),
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        await wait_for_http(url)
        console.print(f"[bold]intake over HTTP[/] ({complaints} POSTs, {concurrency} concurrent)")
        http_rate = await post_complaints(url, plain["hk-central/reception"], complaints, concurrency)
    finally:
        server.terminate()
        server.wait(30)
    what = f"intake POST /complaints ({workers} uvicorn worker(s)), complaints/s"
    rows.append((what, http_rate, f"{http_rate / raw_rate:.3f} x raw produce"))

    app = bootstrap.application(settings)
    relay = bootstrap.relay(settings, app)
    await relay.start()
    console.print("[bold]outbox relay[/] (the store's whole notification log)")
    start = time.perf_counter()
    while await relay.publish_next_batch():
        pass
    elapsed = time.perf_counter() - start
    await relay.stop()
    published = relay.progress.published_messages
    rows.append(
        (
            "relay -> Kafka, events/s (transactional)",
            published / elapsed,
            f"{published / elapsed / raw_rate:.3f} x raw produce",
        )
    )
    app.close()

    console.print("[bold]raw aiokafka consume[/] and [bold]tracked consumer[/]")
    raw_consume_rate = await raw_consume(servers, published)
    rows.append(("raw aiokafka consume, msgs/s", raw_consume_rate, "baseline"))
    tally = TallyApplication(env=store_environment(settings.model_copy(update={"service_name": "tally"})))
    consumer = TrackedConsumer(
        group_id=f"bench-{uuid.uuid4().hex[:6]}",
        topics=[INTAKE_EVENTS.name],
        app=tally,
        handle=tally_handler,
        bootstrap_servers=servers,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    start = time.perf_counter()
    while consumer.progress.handled + consumer.progress.dead_lettered < published:  # none expected
        await asyncio.sleep(0.05)
    elapsed = time.perf_counter() - start
    stop.set()
    await task
    tally.close()
    handled = consumer.progress.handled + consumer.progress.dead_lettered
    rows.append(
        (
            "tracked consumer (effects + tracking in SQLite), msgs/s",
            handled / elapsed,
            f"{handled / elapsed / raw_consume_rate:.3f} x raw consume",
        )
    )
    return rows


@cli.command()
def main(
    complaints: int = typer.Option(2000, help="How many complaints to post and publish."),
    concurrency: int = typer.Option(16, help="Concurrent HTTP clients."),
    port: int = typer.Option(19592, help="Port of the bench broker (when KAFKA_BOOTSTRAP_SERVERS is unset)."),
    workers: int = typer.Option(1, help="uvicorn worker processes for intake's HTTP API."),
) -> None:
    """Print each rate beside the raw Kafka baseline of the same run."""
    with broker(port) as servers, tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        # The relay signs every record as in production (shared/signing.py): its cost is in its rate.
        signers = ensure_service_keys(Path(tmp) / "dev.env", Path(tmp) / "event-signing-keys.json", signing_services())
        os.environ.update({f"{s.upper()}_EVENT_SIGNING_KEY": signer.to_setting() for s, signer in signers.items()})
        os.environ["COMPLAINTS_EVENT_SIGNING_KEYS_FILE"] = str(Path(tmp) / "event-signing-keys.json")
        rows = asyncio.run(bench(servers, complaints, concurrency, Path(tmp), workers))
    table = Table(title=f"complaints bench ({complaints} complaints, broker {servers})")
    table.add_column("what")
    table.add_column("rate", justify="right")
    table.add_column("ratio")
    for what, rate, ratio in rows:
        table.add_row(what, f"{rate:,.0f}", ratio)
    console.print(table)


if __name__ == "__main__":
    cli()
