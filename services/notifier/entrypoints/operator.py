"""The operator's view of the notifier's failed deliveries: list, show, retry, dismiss.

    python -m services.notifier.entrypoints.operator list [--all]
    python -m services.notifier.entrypoints.operator show <id>
    python -m services.notifier.entrypoints.operator retry <id> --by ops/alice --reason "mailbox fixed"
    python -m services.notifier.entrypoints.operator retry --all-open --by ops/alice --reason "SMTP relay back"
    python -m services.notifier.entrypoints.operator dismiss <id> --by ops/alice --reason "told by phone"

The notifier keeps no event store (services/notifier/README.md): a delivery it gave up on after its
retries is a dead letter on `complaints.dead-letters`, and each operator's decision a record on
`complaints.notifier.operator` (adapters/operator_log.py). `list` folds both (domain/failures.py) and
shows what needs attention: who or what it was for, why it failed, when, after how many attempts;
`--all` the history too (sent on a retry, dismissed, with who and why). `retry` asks the worker that
owns the delivery to try it once more (it reports `sent`, or why not, beside the request); `dismiss`
records that it needs nothing more. Nothing is deleted. Settings: `KAFKA_BOOTSTRAP_SERVERS`,
`NOTIFIER_APP_ID` (whose letters), as for the worker, and the notifier's signing key
(`NOTIFIER_EVENT_SIGNING_KEY`; the public keys in `COMPLAINTS_EVENT_SIGNING_KEYS_FILE`): every decision is
signed with it, and the worker takes only signed ones, so whoever can merely write the topic cannot have
mail resent. Records the notifier did not sign (forged, altered, or written before records were signed)
are shown by `list` (a section of their own) and `show` (`refused`), and count for nothing: re-decide.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, NoReturn

import typer

from shared.attention import Refused, check_who_and_why, dismiss_refusal, redrive_refusal
from shared.bus.authors import AuthorCheck, signer_from_settings
from shared.clock import utc_now
from shared.signing import ServiceSigner

from ..adapters.operator_log import append, read_failures_and_refusals
from ..domain.failures import RETRYABLE, Dismissed, FailedDelivery, RefusedRecord, RetryRequested, find
from ..settings import NotifierSettings

cli = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="List, show, retry and dismiss the notifier's failed deliveries.",
)


def _settings() -> NotifierSettings:
    return NotifierSettings()


def _failures_and_refusals() -> tuple[list[FailedDelivery], list[RefusedRecord]]:
    settings = _settings()
    authors = AuthorCheck.from_settings(settings)
    return asyncio.run(read_failures_and_refusals(settings.kafka_bootstrap_servers, settings.app_id, authors))


def _failures() -> list[FailedDelivery]:
    return _failures_and_refusals()[0]


def _signer() -> ServiceSigner:
    """The notifier's signing key: a decision the worker would refuse unsigned is not written at all."""
    signer = signer_from_settings(_settings())
    if signer is None:
        refuse(
            "NOTIFIER_EVENT_SIGNING_KEY is not set: the worker takes only decisions signed with the notifier's "
            "key (under `make up`: set -a; . <(grep '^NOTIFIER_' .state/dev.env); set +a)"
        )
    return signer


def refuse(message: str) -> NoReturn:
    """A request that cannot apply: said plainly on stderr, exit 2, nothing written."""
    typer.echo(f"refused: {message}", err=True)
    raise typer.Exit(2)


def describe(failure: FailedDelivery) -> dict[str, Any]:
    letter = failure.letter
    return {
        "id": str(failure.id),
        "status": failure.status,
        "subject": failure.subject,
        "kind": failure.kind,
        "retryable": failure.retryable,
        "error": letter.error,
        "complaint": letter.key,
        "origin": f"{letter.origin_topic}[{letter.origin_partition}]@{letter.origin_offset}",
        "first_failed_at": failure.failures[0].at.isoformat(),
        "last_failed_at": failure.failures[-1].at.isoformat(),
        "failures": [{"at": f.at.isoformat(), "attempts": f.attempts, "error": f.error} for f in failure.failures],
        "attempts": failure.attempts,
        "retries": [
            {
                "request_id": str(r.request_id),
                "by": r.by,
                "reason": r.reason,
                "requested_at": r.requested_at.isoformat(),
                "outcome": r.outcome,
            }
            for r in failure.retries
        ],
        "dismissal": None
        if failure.dismissal is None
        else {"by": failure.dismissal.by, "reason": failure.dismissal.reason, "at": failure.dismissal.at.isoformat()},
        # records about it the notifier did not sign: what they claim, never acted on
        "refused": [r.describe() for r in failure.refused],
    }


def line(failure: FailedDelivery) -> str:
    """One row of `list`: id, status, what, when it last failed, attempts, why."""
    why = failure.letter.error.splitlines()[0]
    if failure.dismissal is not None:
        d = failure.dismissal
        why = f"{why} [dismissed by {d.by} at {d.at.isoformat()}: {d.reason}]"
    if failure.refused:
        why = f"{why} [{len(failure.refused)} unsigned operator record(s) refused: `show` them]"
    times = f"{len(failure.failures)} failure(s), {failure.attempts} attempt(s)"
    when = failure.failures[-1].at.isoformat()
    return f"{failure.id}\t{failure.status}\t{failure.subject}\t{when}\t{times}\t{why}"


def retry_refusal(failure: FailedDelivery, by: str, reason: str) -> None:
    """Raises `Refused` unless the worker may be asked to try this delivery again."""
    redrive_refusal(failure, by, reason, verb="retry")
    if not failure.retryable:
        raise Refused(
            f"only a failed delivery ({RETRYABLE}) can be retried; a {failure.kind} letter is not a delivery "
            "that failed (fix its cause, e.g. the directory, and dismiss it)"
        )


def _get(failures: list[FailedDelivery], item_id: str) -> FailedDelivery:
    found = find(failures, item_id)
    if found is None:
        refuse(f"no failed delivery {item_id} of the notifier (`list --all` shows every one)")
    return found


def _ask_retry(failure: FailedDelivery, by: str, reason: str, signer: ServiceSigner) -> None:
    letter = failure.letter
    request = RetryRequested(
        letter_id=failure.id, request_id=failure.next_request_id(), origin_topic=letter.origin_topic,
        origin_partition=letter.origin_partition, origin_offset=letter.origin_offset, by=by, reason=reason,
        at=utc_now(),
    )  # fmt: skip
    asyncio.run(append(_settings().kafka_bootstrap_servers, request, letter.origin_partition, signer))


@cli.command("list")
def list_failures(
    everything: bool = typer.Option(False, "--all", help="The history too: sent on retry, dismissed."),
) -> None:
    """The failed deliveries that need an operator (who/what, when, attempts, why)."""
    found, refused = _failures_and_refusals()
    failures = [f for f in found if everything or f.needs_attention]
    if not failures:
        typer.echo("no failed deliveries" + ("" if everything else " need attention (--all: history)"))
    for failure in failures:
        typer.echo(line(failure))
    if refused:
        typer.echo(f"refused: {len(refused)} operator record(s) the notifier did not sign (never acted on):")
        for record in refused:
            typer.echo(f"  {record.describe()}")


@cli.command()
def show(item_id: str) -> None:
    """One failed delivery in full: each failure, each retry and its outcome, its dismissal."""
    typer.echo(json.dumps(describe(_get(_failures(), item_id)), indent=2, ensure_ascii=False))


@cli.command()
def retry(
    item_id: str | None = typer.Argument(None, help="The failed delivery's id (or --all-open)."),
    all_open: bool = typer.Option(False, "--all-open", help="Every failed delivery that needs attention."),
    by: str = typer.Option(..., help="Who asks (recorded)."),
    reason: str = typer.Option(..., help="Why now: what was fixed (recorded)."),
) -> None:
    """Ask the worker to try a failed delivery (or every open one) once more; it records the outcome."""
    if (item_id is None) == (not all_open):
        refuse("give one id, or --all-open (not both)")
    try:
        check_who_and_why(by, reason)
    except Refused as refused:
        refuse(str(refused))
    signer = _signer()
    failures = _failures()
    if item_id is not None:
        failure = _get(failures, item_id)
        try:
            retry_refusal(failure, by, reason)
        except Refused as refused:
            refuse(f"{item_id}: {refused}")
        chosen = [failure]
    else:
        chosen = []
        for failure in (f for f in failures if f.needs_attention):
            try:
                retry_refusal(failure, by, reason)
            except Refused as refused:  # not retryable, or a retry pending: said, and left
                typer.echo(f"left out {failure.id}: {refused}")
                continue
            chosen.append(failure)
    for failure in chosen:
        _ask_retry(failure, by, reason, signer)
        typer.echo(f"retry of {failure.id} requested; the worker takes it next (`show {failure.id}`: its outcome)")
    if not chosen:
        typer.echo("no failed delivery to retry (none open and retryable)")


@cli.command()
def dismiss(
    item_id: str,
    by: str = typer.Option(..., help="Who decides (recorded)."),
    reason: str = typer.Option(..., help="Why it needs nothing more (recorded)."),
) -> None:
    """Record that a failed delivery needs nothing more (it stays in `list --all`)."""
    signer = _signer()
    failure = _get(_failures(), item_id)
    try:
        dismiss_refusal(failure, by, reason)
    except Refused as refused:
        refuse(f"{item_id}: {refused}")
    record = Dismissed(letter_id=failure.id, by=by, reason=reason, at=utc_now())
    asyncio.run(append(_settings().kafka_bootstrap_servers, record, failure.letter.origin_partition, signer))
    typer.echo(f"{failure.id} dismissed by {by}: {reason}; it stays in `list --all`")


if __name__ == "__main__":
    cli()
