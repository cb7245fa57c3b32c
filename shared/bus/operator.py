"""The operator's view of what a service could not use: its dead letters and its relay's quarantine.

    python -m shared.bus.operator --service projection list
    python -m shared.bus.operator --service projection show <id>
    python -m shared.bus.operator --service projection redrive <id> --by ops/alice --reason "fixed in 1.4"

`list` shows both kinds with their reasons; `show` one in full (a dead letter with its original value,
from the service's own store: it may hold personal data, so this reads the store directly and prints
nothing anywhere else). `redrive` records a request, with who and why, in the service's store: for a
dead letter, the service's worker handles the original message again (exactly once, in the transaction
that records the outcome); for a quarantined record, the relay publishes it again in the transaction
that moves its position (exactly once). Both outcomes show in `list`/`show` afterwards.

Settings come from the environment as for the service itself (`<SERVICE>_STORE`, `_STATE_DIR`, ...).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import typer
from eventsourcing.application import AggregateNotFoundError

from shared.clock import utc_now
from shared.eventstore import readable_without_a_key
from shared.settings import ServiceSettings

from .deadletters import DeadLetterRecord, letters_in
from .quarantine import QuarantinedRecord, quarantined_in


@dataclass(frozen=True)
class ServiceWiring:
    """Where a service's settings, application and worker (its tracked consumer) are built."""

    settings: str
    application: str
    consumer: str | None

    def load(self, path: str) -> Any:
        module, _, name = path.partition(":")
        return getattr(importlib.import_module(module), name)

    def make_settings(self, **overrides: Any) -> ServiceSettings:
        settings: ServiceSettings = self.load(self.settings)(**overrides)
        return settings

    def make_application(self, settings: ServiceSettings) -> Any:
        return self.load(self.application)(settings)

    def make_consumer(self, settings: ServiceSettings, app: Any) -> Any:
        return self.load(self.consumer)(settings, app) if self.consumer else None


# Every service, by name: the one place that knows how to build each worker (tests derive the
# consumed topics from it, so a new subscription is covered by the poison corpus automatically).
SERVICES: dict[str, ServiceWiring] = {
    "intake": ServiceWiring(
        "services.intake.settings:IntakeSettings",
        "services.intake.bootstrap:application",
        "services.intake.bootstrap:office_topic_consumer",
    ),
    **{
        name: ServiceWiring(
            f"services.{name}.settings:{name.capitalize()}Settings",
            f"services.{name}.bootstrap:application",
            f"services.{name}.bootstrap:consumer",
        )
        for name in ("triage", "handling", "sla", "followup", "projection")
    },
    # A relay and no worker: its quarantined records only (it consumes nothing, so it has no dead letters).
    "directory": ServiceWiring(
        "services.directory.settings:DirectorySettings", "services.directory.bootstrap:application", None
    ),
}

cli = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="List, show and redrive a service's dead letters and quarantined relay records.",
)
_state: dict[str, Any] = {}


@cli.callback()
def choose(service: str = typer.Option(..., help=f"One of: {', '.join(SERVICES)}.")) -> None:
    """Pick the service whose store to read."""
    if service not in SERVICES:
        raise typer.BadParameter(f"unknown service {service!r}; one of {', '.join(SERVICES)}")
    _state.clear()
    _state["wiring"], _state["service"] = SERVICES[service], service


def _app() -> Any:
    if "app" not in _state:
        wiring: ServiceWiring = _state["wiring"]
        settings = wiring.make_settings()
        app = wiring.make_application(settings)
        if settings.cipher_key is None and not readable_without_a_key(app):
            app.close()
            name = settings.setting_name("cipher_key")
            typer.echo(
                f"the {_state['service']} store cannot be read without its key: it is encrypted at rest and {name} "
                f"is not set. Give the service's cipher key; under `make up` it is in .state/dev.env:\n"
                f"  set -a; . <(grep '^{name.removesuffix('CIPHER_KEY')}' .state/dev.env); set +a",
                err=True,
            )
            raise typer.Exit(2)
        _state["app"] = app
    return _state["app"]


def _status(redrives: list[Any], done: Callable[[], bool]) -> str:
    if not redrives:
        return "open"
    last = redrives[-1]
    if last.outcome is None:
        return "redrive pending"
    return "redriven" if done() else f"redrive failed: {last.outcome}"


def describe_letter(letter: DeadLetterRecord) -> dict[str, Any]:
    data = letter.letter.model_dump(mode="json", exclude={"type", "schema_version", "value"})
    return {
        "kind": "dead-letter",
        "id": str(letter.id),
        "status": _status(letter.redrives, lambda: letter.redriven),
        **data,
        "redrives": [vars(r) | {"requested_at": r.requested_at.isoformat()} for r in letter.redrives],
    }


def describe_quarantine(record: QuarantinedRecord) -> dict[str, Any]:
    return {
        "kind": "quarantined",
        "id": str(record.id),
        "status": _status(record.redrives, lambda: record.redriven),
        "service": record.service,
        "notification_id": record.notification_id,
        "slot": record.slot,
        "stage": record.stage,
        "reason": record.reason,
        "topic": record.topic,
        "key": record.key,
        "size": record.size,
        "at": record.at.isoformat(),
        "redrives": [vars(r) | {"requested_at": r.requested_at.isoformat()} for r in record.redrives],
    }


@cli.command("list")
def list_all(open_only: bool = typer.Option(False, "--open", help="Only what still needs an operator.")) -> None:
    """Every dead letter and quarantined relay record of the service, with its reason."""
    app = _app()
    rows = [describe_letter(letter) for letter in letters_in(app)]
    rows += [describe_quarantine(record) for record in quarantined_in(app)]
    if open_only:
        rows = [row for row in rows if row["status"] != "redriven"]
    if not rows:
        typer.echo("no dead letters or quarantined records")
    for row in rows:
        where = (
            f"{row['origin_topic']}[{row['origin_partition']}]@{row['origin_offset']}"
            if row["kind"] == "dead-letter"
            else f"notification {row['notification_id']} ({row['slot']}, {row['stage']})"
        )
        reason = (row.get("error") or row.get("reason") or "").splitlines()[0]
        typer.echo(f"{row['id']}\t{row['kind']}\t{row['status']}\t{where}\t{reason}")


def _find(item_id: str) -> DeadLetterRecord | QuarantinedRecord:
    try:
        found = _app().repository.get(UUID(item_id))
    except (ValueError, AggregateNotFoundError):
        raise typer.BadParameter(f"no dead letter or quarantined record {item_id}") from None
    if not isinstance(found, DeadLetterRecord | QuarantinedRecord):
        raise typer.BadParameter(f"{item_id} is neither a dead letter nor a quarantined record")
    return found


@cli.command()
def show(item_id: str, value: bool = typer.Option(False, help="Print the original value too.")) -> None:
    """One dead letter or quarantined record in full."""
    found = _find(item_id)
    if isinstance(found, DeadLetterRecord):
        data = describe_letter(found)
        if value and found.sealed is not None:  # the operator's CLI holds no keyring: a redrive opens it
            data["value"] = f"sealed under person {found.sealed.person_id} (personal data; a redrive opens it)"
        elif value:
            data["value"] = found.text if found.text is not None else f"base64:{found.value_base64}"
    else:
        data = describe_quarantine(found)
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


@cli.command()
def redrive(
    item_id: str,
    by: str = typer.Option(..., help="Who asks (recorded)."),
    reason: str = typer.Option(..., help="Why now: what was fixed (recorded)."),
) -> None:
    """Ask for a dead letter to be handled again, or a quarantined record to be published again."""
    found = _find(item_id)
    if found.pending_redrive is not None:
        raise typer.BadParameter(f"{item_id} already has a redrive pending")
    if found.redriven:
        raise typer.BadParameter(f"{item_id} was redriven already")
    found.request_redrive(by, reason, utc_now())
    _app().save(found)
    worker = "the worker" if isinstance(found, DeadLetterRecord) else "the relay"
    typer.echo(f"redrive of {item_id} requested; {worker} takes it next")


if __name__ == "__main__":
    cli()
