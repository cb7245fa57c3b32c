"""The hotline's CLI: send call records of the group hotline (or any channel outside the offices) to
intake's `POST /hotline/calls`, with a `hotline` key.

    python -m services.intake.entrypoints.hotline send calls.jsonl --url http://127.0.0.1:8001
    (the key from --key or INTAKE_HOTLINE_KEY)

The file holds one `HotlineCallRecord` per line (JSON Lines) or a JSON array of them. Every record is
checked against the contract before any is sent, so a bad file sends nothing. Sending the same file
again is harmless: intake records each reference once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import httpx
import typer
from pydantic import ValidationError

from shared.contracts.hotline import HotlineCallRecord
from shared.web import KEY_HEADER

cli = typer.Typer(add_completion=False, help="Send the group hotline's call records to intake.")


class BadCallFile(ValueError):
    pass


def read_calls(text: str) -> list[HotlineCallRecord]:
    """Every call of a JSON Lines file or a JSON array, validated; BadCallFile names the first bad one."""
    stripped = text.strip()
    if stripped.startswith("["):
        items = [(i, item) for i, item in enumerate(json.loads(stripped), start=1)]
        where = "item"
    else:
        items = [(n, json.loads(line)) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
        where = "line"
    calls = []
    for n, item in items:
        try:
            calls.append(HotlineCallRecord.model_validate(item))
        except ValidationError as error:
            raise BadCallFile(f"{where} {n}: {error}") from None
    return calls


@dataclass(frozen=True)
class Sent:
    hotline_reference: str
    status: int
    detail: str

    @property
    def ok(self) -> bool:
        return self.status in (200, 201)


def send_calls(calls: Iterable[HotlineCallRecord], client: httpx.Client, key: str) -> list[Sent]:
    """POST each call; 201 recorded, 200 already recorded, anything else is reported with its detail."""
    results = []
    for call in calls:
        response = client.post(
            "/hotline/calls",
            content=call.model_dump_json(),
            headers={
                KEY_HEADER: key,
                "Content-Type": "application/json",
            },
        )
        detail = "recorded" if response.status_code == 201 else "already recorded"
        if response.status_code not in (200, 201):
            detail = str(response.json().get("detail", response.text)) if _is_json(response) else response.text
        results.append(Sent(call.hotline_reference, response.status_code, detail))
    return results


def _is_json(response: httpx.Response) -> bool:
    return response.headers.get("content-type", "").startswith("application/json")


@cli.command()
def send(
    calls_file: Path = typer.Argument(..., exists=True, dir_okay=False, help="JSON Lines or a JSON array."),
    url: str = typer.Option("http://127.0.0.1:8001", help="Intake's base URL."),
    key: str = typer.Option(..., envvar="INTAKE_HOTLINE_KEY", help="A key with the hotline role."),
) -> None:
    """Send every call record of CALLS_FILE; exit 1 if any was refused."""
    try:
        calls = read_calls(calls_file.read_text(encoding="utf-8"))
    except (BadCallFile, json.JSONDecodeError) as error:
        typer.echo(f"nothing sent: {error}", err=True)
        raise typer.Exit(2) from None
    with httpx.Client(base_url=url, timeout=30) as client:
        results = send_calls(calls, client, key)
    for result in results:
        typer.echo(f"{result.hotline_reference}\t{result.status}\t{result.detail}")
    refused = [r for r in results if not r.ok]
    typer.echo(f"{len(results) - len(refused)} of {len(results)} call(s) recorded", err=True)
    if refused:
        raise typer.Exit(1)


if __name__ == "__main__":
    cli()
