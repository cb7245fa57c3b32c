"""Create the registry's topics: `python -m shared.bus.topics create [--bootstrap-servers H:P]`, each
with `KAFKA_REPLICATION_FACTOR` copies and `KAFKA_MIN_INSYNC_REPLICAS` (see docs/operations.md), and the
office topic kept `KAFKA_OFFICE_TOPIC_RETENTION_HOURS` (72; set again on an existing topic: docs/privacy.md)."""

from __future__ import annotations

import asyncio

import typer

from shared.contracts.topics import ALL_TOPICS, OFFICE_REGISTRATIONS
from shared.settings import KafkaSettings

from .kafka import ensure_topics, wait_for_broker

cli = typer.Typer(add_completion=False, help=__doc__)


def office_topic_overrides(settings: KafkaSettings) -> dict[str, dict[str, str]]:
    """The office topic's retention from the deployment's setting (KAFKA_OFFICE_TOPIC_RETENTION_HOURS)."""
    retention_ms = settings.office_topic_retention_hours * 3600 * 1000
    return {OFFICE_REGISTRATIONS.name: {"retention.ms": str(retention_ms)}}


@cli.command()
def create(bootstrap_servers: str = typer.Option(None, help="Defaults to KAFKA_BOOTSTRAP_SERVERS.")):
    """Create every registered topic that does not exist yet, with KAFKA_REPLICATION_FACTOR copies and
    KAFKA_MIN_INSYNC_REPLICAS (1/1 locally; 3/2 in production); set an existing one's configuration
    to the registry's where it differs."""
    settings = KafkaSettings()
    servers = bootstrap_servers or settings.bootstrap_servers

    async def run() -> tuple[list[str], list[str]]:
        await wait_for_broker(servers)
        return await ensure_topics(
            servers,
            replication_factor=settings.replication_factor,
            min_insync_replicas=settings.min_insync_replicas,
            overrides=office_topic_overrides(settings),
        )

    created, reconfigured = asyncio.run(run())
    replicas = f"replication {settings.replication_factor}, min.insync.replicas {settings.min_insync_replicas}"
    retention = f"{OFFICE_REGISTRATIONS.name} kept {settings.office_topic_retention_hours} h"
    typer.echo(f"topics: created {len(created)} ({', '.join(created) or 'all existed'}; {replicas}; {retention})")
    if reconfigured:
        typer.echo(f"topics: set to the registry's configuration: {', '.join(reconfigured)}")


@cli.command("list")
def list_topics() -> None:
    """Print the registry: name, partitions, cleanup, personal data, key and event types."""
    for topic in ALL_TOPICS:
        types = ", ".join(topic.event_types) or "-"
        personal = "personal-data" if topic.personal_data else "-"
        typer.echo(f"{topic.name}\t{topic.partitions}\t{topic.cleanup}\t{personal}\tkey={topic.key}\t{types}")


if __name__ == "__main__":
    cli()
