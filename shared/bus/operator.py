"""The operator's view of what a service could not use: its dead letters and its relay's quarantine.

    python -m shared.bus.operator --service projection list [--all]
    python -m shared.bus.operator --service projection show <id>
    python -m shared.bus.operator --service projection redrive <id> --by ops/alice --reason "fixed in 1.4"
    python -m shared.bus.operator --service projection dismiss <id> --by ops/alice --reason "test traffic"

`list` shows both kinds that still need an operator, with their reasons (`--all`: the history too,
redriven and dismissed ones with their outcome); `show` one in full (a dead letter with its original value,
from the service's own store: it may hold personal data, so this reads the store directly and prints
nothing anywhere else). `redrive` records a request, with who and why, in the service's store: for a
dead letter, the service's worker handles the original message again (exactly once, in the transaction
that records the outcome); for a quarantined record, the relay publishes it again in the transaction
that moves its position (exactly once). Both outcomes show in `list`/`show` afterwards. `dismiss`
records, with who and why, that one needs nothing more: it leaves the `list` of what needs attention
(and the worker's count of open dead letters) and stays in `list --all` with its dismissal. Nothing
is deleted. The rules (what needs attention, what may be dismissed or redriven) are `shared/attention.py`.

Settings come from the environment as for the service itself (`<SERVICE>_STORE`, `_STATE_DIR`, ...).
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass
from typing import Any, NoReturn
from uuid import UUID

import typer
from eventsourcing.application import AggregateNotFoundError

from shared.attention import Refused, needs_attention, redrive_refusal, status
from shared.clock import utc_now
from shared.eventstore import first_events_read
from shared.settings import ServiceSettings, Store

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
    if service == "notifier":  # a faust worker with no event store: its own CLI reads its topics
        raise typer.BadParameter(
            "the notifier keeps no store: its failed deliveries are `python -m services.notifier.entrypoints.operator`"
        )
    if service not in SERVICES:
        raise typer.BadParameter(f"unknown service {service!r}; one of {', '.join(SERVICES)}")
    _state.clear()
    _state["wiring"], _state["service"] = SERVICES[service], service


def _app() -> Any:
    """The chosen service's store, opened only when it is one to act on; else stop (exit 2) saying what to
    set. A mistyped state folder once made an empty store there and answered that nothing needed
    attention; another store's key ended in a traceback."""
    if "app" not in _state:
        wiring: ServiceWiring = _state["wiring"]
        service = _state["service"]
        settings = wiring.make_settings()
        prefix = settings.setting_name("cipher_key").removesuffix("CIPHER_KEY")
        if settings.store is Store.SQLITE and not settings.sqlite_path.is_file():
            typer.echo(
                f"no {service} store at {settings.sqlite_path}: nothing to list there (none is made). Point "
                f"{prefix}STATE_DIR at the service's state folder (under `make up`, .state)",
                err=True,
            )
            raise typer.Exit(2)
        app = wiring.make_application(settings)
        if not first_events_read(app):
            app.close()
            name = settings.setting_name("cipher_key")
            given = "is not set" if settings.cipher_key is None else "given is not this store's (it reads none of it)"
            typer.echo(
                f"the {service} store cannot be read: it is encrypted at rest and {name} {given}. Give the "
                f"service's cipher key; under `make up` it is in .state/dev.env:\n"
                f"  set -a; . <(grep '^{prefix}' .state/dev.env); set +a",
                err=True,
            )
            raise typer.Exit(2)
        _state["app"] = app
    return _state["app"]


def _dismissal(record: DeadLetterRecord | QuarantinedRecord) -> dict[str, str] | None:
    d = record.dismissal
    return None if d is None else {"by": d.by, "reason": d.reason, "at": d.at.isoformat()}


def describe_letter(letter: DeadLetterRecord) -> dict[str, Any]:
    data = letter.letter.model_dump(mode="json", exclude={"type", "schema_version", "value"})
    return {
        "kind": "dead-letter",
        "id": str(letter.id),
        "status": status(letter),
        **data,
        "redrives": [vars(r) | {"requested_at": r.requested_at.isoformat()} for r in letter.redrives],
        "dismissal": _dismissal(letter),
    }


def describe_quarantine(record: QuarantinedRecord) -> dict[str, Any]:
    return {
        "kind": "quarantined",
        "id": str(record.id),
        "status": status(record),
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
        "dismissal": _dismissal(record),
    }


def listed_rows(records: list[DeadLetterRecord | QuarantinedRecord], everything: bool) -> list[dict[str, Any]]:
    """What `list` prints: what needs attention, or (`everything`) the whole history."""
    chosen = [r for r in records if everything or needs_attention(r)]
    return [describe_letter(r) if isinstance(r, DeadLetterRecord) else describe_quarantine(r) for r in chosen]


@cli.command("list")
def list_all(
    everything: bool = typer.Option(False, "--all", help="The history too: redriven and dismissed ones."),
    _open: bool = typer.Option(False, "--open", hidden=True, help="What needs attention (the default now)."),
) -> None:
    """The dead letters and quarantined relay records that need an operator, with their reasons."""
    app = _app()
    records: list[DeadLetterRecord | QuarantinedRecord] = [*letters_in(app), *quarantined_in(app)]
    rows = listed_rows(records, everything)
    if not rows:
        typer.echo(
            "no dead letters or quarantined records" + ("" if everything else " need attention (--all: history)")
        )
    for row in rows:
        where = (
            f"{row['origin_topic']}[{row['origin_partition']}]@{row['origin_offset']}"
            if row["kind"] == "dead-letter"
            else f"notification {row['notification_id']} ({row['slot']}, {row['stage']})"
        )
        reason = (row.get("error") or row.get("reason") or "").splitlines()[0]
        if row["dismissal"] is not None:
            d = row["dismissal"]
            reason = f"{reason} [dismissed by {d['by']} at {d['at']}: {d['reason']}]"
        typer.echo(f"{row['id']}\t{row['kind']}\t{row['status']}\t{where}\t{reason}")


def refuse(message: str) -> NoReturn:
    """A request that cannot apply: said plainly on stderr (no usage box that wraps the reason), exit 2."""
    typer.echo(f"refused: {message}", err=True)
    raise typer.Exit(2)


def _find(item_id: str) -> DeadLetterRecord | QuarantinedRecord:
    try:
        found = _app().repository.get(UUID(item_id))
    except (ValueError, AggregateNotFoundError):
        refuse(f"no dead letter or quarantined record {item_id} in the {_state['service']} store")
    if not isinstance(found, DeadLetterRecord | QuarantinedRecord):
        refuse(f"{item_id} is neither a dead letter nor a quarantined record")
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
    try:
        redrive_refusal(found, by, reason)
    except Refused as refused:
        refuse(f"{item_id}: {refused}")
    found.request_redrive(by, reason, utc_now())
    _app().save(found)
    worker = "the worker" if isinstance(found, DeadLetterRecord) else "the relay"
    typer.echo(f"redrive of {item_id} requested; {worker} takes it next")


@cli.command()
def dismiss(
    item_id: str,
    by: str = typer.Option(..., help="Who decides (recorded)."),
    reason: str = typer.Option(..., help="Why it needs nothing more (recorded)."),
) -> None:
    """Record that a dead letter or quarantined record needs nothing more (it stays in `list --all`)."""
    found = _find(item_id)
    try:
        found.dismiss(by, reason, utc_now())
    except Refused as refused:
        refuse(f"{item_id}: {refused}")
    _app().save(found)
    typer.echo(f"{item_id} dismissed by {by}: {reason}; it stays in `list --all`")


if __name__ == "__main__":
    cli()
