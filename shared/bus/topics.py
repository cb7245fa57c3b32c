"""Create the registry's topics: `python -m shared.bus.topics create [--bootstrap-servers H:P]`."""

from __future__ import annotations

import asyncio

import typer

from shared.contracts.topics import ALL_TOPICS
from shared.settings import KafkaSettings

from .kafka import create_topics, wait_for_broker

cli = typer.Typer(add_completion=False, help=__doc__)


@cli.command()
def create(bootstrap_servers: str = typer.Option(None, help="Defaults to KAFKA_BOOTSTRAP_SERVERS.")):
    """Create every registered topic that does not exist yet."""
    servers = bootstrap_servers or KafkaSettings().bootstrap_servers

    async def run() -> list[str]:
        await wait_for_broker(servers)
        return await create_topics(servers)

    created = asyncio.run(run())
    typer.echo(f"topics: created {len(created)} ({', '.join(created) or 'all existed'})")


@cli.command("list")
def list_topics() -> None:
    """Print the registry: name, partitions, cleanup, personal data, key and event types."""
    for topic in ALL_TOPICS:
        types = ", ".join(topic.event_types) or "-"
        personal = "personal-data" if topic.personal_data else "-"
        typer.echo(f"{topic.name}\t{topic.partitions}\t{topic.cleanup}\t{personal}\tkey={topic.key}\t{types}")


if __name__ == "__main__":
    cli()
