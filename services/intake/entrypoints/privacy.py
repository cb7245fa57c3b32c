"""The privacy officer's CLI: find a data subject's person id and erase them, through intake's HTTP
API with a `privacy` key (the same authorised, audited path as `POST /privacy/persons/...`).

    python -m services.intake.entrypoints.privacy find --name "Chan Tai Man" --contact "+852 9123 4567" \\
        --unit "Flat 12B, Block 3" --url http://127.0.0.1:8001
    python -m services.intake.entrypoints.privacy erase <person-id> --reason "DSR-2026-017"
    (the key from --key or INTAKE_PRIVACY_KEY)

Rotating the keyring's master key is the keyring's own CLI: `python -m shared.keyring rotate`.
"""

from __future__ import annotations

import json
from uuid import UUID

import httpx
import typer

from shared.web import KEY_HEADER

cli = typer.Typer(add_completion=False, help="Find and erase data subjects (a `privacy` key).")

URL = typer.Option("http://127.0.0.1:8001", help="Intake's address.")
KEY = typer.Option(..., envvar="INTAKE_PRIVACY_KEY", help="A key with the `privacy` role.")


@cli.command()
def find(
    name: str = typer.Option(..., help="The complainant's name as registered."),
    contact: str = typer.Option(..., help="Their phone or e-mail."),
    unit: str = typer.Option(..., help="Their unit or address."),
    url: str = URL,
    key: str = KEY,
) -> None:
    """Print the person id the keyring knows by this contact, or by this name with this unit."""
    response = httpx.post(
        f"{url}/privacy/persons/lookup",
        json={"name": name, "contact": contact, "unit_address": unit},
        headers={KEY_HEADER: key},
        timeout=30,
    )
    if response.status_code == 404:
        typer.echo("nobody known by these")
        raise typer.Exit(1)
    response.raise_for_status()
    typer.echo(response.json()["person_id"])


@cli.command()
def erase(
    person_id: UUID,
    reason: str = typer.Option(..., help="Why: e.g. the data subject's request number."),
    url: str = URL,
    key: str = KEY,
) -> None:
    """Erase the person: their data key and blind-index entries are destroyed (audited)."""
    response = httpx.post(
        f"{url}/privacy/persons/{person_id}/erasure", json={"reason": reason}, headers={KEY_HEADER: key}, timeout=30
    )
    response.raise_for_status()
    typer.echo(json.dumps(response.json(), indent=2))


if __name__ == "__main__":
    cli()
