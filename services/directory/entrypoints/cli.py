"""The directory's CLI: the same commands as its HTTP API, sent with your key, so the API's rules
(administrators; an office's manager for their own office) hold for the CLI too.

    python -m services.directory.entrypoints.cli offices list --key $KEY
    ... offices add hk-north "Hong Kong North" Asia/Hong_Kong 9000 --reason "opened"
    ... offices set hk-north --units 9500 --reason "a tower handed over"
    ... offices set hk-north --name-zh-hant 香港北區管理處 --name-zh-hans 香港北区管理处 --reason "mails"
    ... departments add hk-north engineering Engineering --reason "..."
    ... staff add hk-north/amy "Amy Wong" --office hk-north --role leader --email amy@example.com --reason "..."
    ... staff set hk-north/amy --active false --reason "left"
    ... staff set hk-north/amy --language zh-Hant --reason "reads Chinese"
    ... keys issue hk-north/amy --office hk-north --role leader --expires 2027-03-01T00:00Z --reason "..."
    ... keys rotate <key-id> --reason "..."      ... keys revoke <key-id> --reason "..."
    (the key from --key or DIRECTORY_KEY; the API from --url or DIRECTORY_URL, default http://127.0.0.1:8007)

`seed-dev` is different: it writes the development offices, staff and keys (`make up`'s key file) into
the directory's own store as directory commands, so they are events like any other; run by `make up`.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import typer

from shared.auth import KeyRecord, Principal, hash_key
from shared.web import KEY_HEADER

from .. import bootstrap
from ..application import DirectoryApplication
from ..settings import DirectorySettings

cli = typer.Typer(add_completion=False, help="Offices, departments, staff and keys (every change with a reason).")
offices_cli = typer.Typer(help="Offices: name, time zone, units served.")
departments_cli = typer.Typer(help="An office's departments.")
staff_cli = typer.Typer(help="Staff: roles, office, contacts.")
keys_cli = typer.Typer(help="Keys: issue (shown once), rotate, revoke.")
cli.add_typer(offices_cli, name="offices")
cli.add_typer(departments_cli, name="departments")
cli.add_typer(staff_cli, name="staff")
cli.add_typer(keys_cli, name="keys")

URL = typer.Option("http://127.0.0.1:8007", envvar="DIRECTORY_URL", help="The directory's API.")
KEY = typer.Option(..., envvar="DIRECTORY_KEY", help="Your key (an administrator's or an office manager's).")
REASON = typer.Option(..., help="Why: recorded with the change and your key's actor.")
DEV_SEED = Path(__file__).parent.parent / "dev_seed.json"


def _call(method: str, url: str, key: str, path: str, body: dict[str, Any] | None = None) -> Any:
    answer = httpx.request(method, url.rstrip("/") + path, headers={KEY_HEADER: key}, json=body, timeout=30)
    if answer.status_code >= 400:
        typer.echo(f"{answer.status_code}: {answer.text}", err=True)
        raise typer.Exit(1)
    typer.echo(json.dumps(answer.json(), indent=2, ensure_ascii=False))
    return answer.json()


def _given(**fields: Any) -> dict[str, Any]:
    return {name: value for name, value in fields.items() if value is not None}


@offices_cli.command("list")
def offices_list(url: str = URL, key: str = KEY) -> None:
    _call("GET", url, key, "/offices")


NAME_ZH_HANT = typer.Option(None, "--name-zh-hant", help="The office's name in Traditional Chinese.")
NAME_ZH_HANS = typer.Option(None, "--name-zh-hans", help="The office's name in Simplified Chinese.")


def _names(zh_hant: str | None, zh_hans: str | None) -> dict[str, str]:
    return _given(**{"zh-Hant": zh_hant, "zh-Hans": zh_hans})


@offices_cli.command("add")
def offices_add(
    office_id: str, name: str, time_zone: str, units_served: int, reason: str = REASON,
    name_zh_hant: str | None = NAME_ZH_HANT, name_zh_hans: str | None = NAME_ZH_HANS, url: str = URL, key: str = KEY,
) -> None:  # fmt: skip
    body = {"office_id": office_id, "name": name, "time_zone": time_zone, "units_served": units_served}
    body |= {"names": _names(name_zh_hant, name_zh_hans)}
    _call("POST", url, key, "/offices", body | {"reason": reason})


@offices_cli.command("set")
def offices_set(
    office_id: str, reason: str = REASON, name: str | None = None, time_zone: str | None = None,
    units: int | None = None, active: bool | None = None,
    name_zh_hant: str | None = NAME_ZH_HANT, name_zh_hans: str | None = NAME_ZH_HANS, url: str = URL, key: str = KEY,
) -> None:  # fmt: skip
    """The names given (--name-zh-hant, --name-zh-hans) replace the office's names per language as a whole."""
    names = _names(name_zh_hant, name_zh_hans) or None
    body = _given(name=name, time_zone=time_zone, units_served=units, active=active, names=names)
    _call("PATCH", url, key, f"/offices/{office_id}", body | {"reason": reason})


@departments_cli.command("list")
def departments_list(office_id: str, url: str = URL, key: str = KEY) -> None:
    _call("GET", url, key, f"/offices/{office_id}/departments")


@departments_cli.command("add")
def departments_add(office_id: str, code: str, name: str, reason: str = REASON, url: str = URL, key: str = KEY) -> None:
    _call("POST", url, key, f"/offices/{office_id}/departments", {"code": code, "name": name, "reason": reason})


@departments_cli.command("set")
def departments_set(
    office_id: str, code: str, reason: str = REASON, name: str | None = None, active: bool | None = None,
    url: str = URL, key: str = KEY,
) -> None:  # fmt: skip
    _call(
        "PATCH",
        url,
        key,
        f"/offices/{office_id}/departments/{code}",
        _given(name=name, active=active) | {"reason": reason},
    )


def _contacts(email: str | None, phone: str | None, webhook: str | None, webhook_to: str | None) -> dict[str, Any]:
    return _given(email=email, phone=phone, webhook_endpoint=webhook, webhook_to=webhook_to)


@staff_cli.command("list")
def staff_list(office: str | None = None, url: str = URL, key: str = KEY) -> None:
    _call("GET", url, key, "/staff" + (f"?office_id={office}" if office else ""))


@staff_cli.command("add")
def staff_add(
    staff_id: str, name: str, role: list[str] = typer.Option(..., help="A role held (repeat for more)."),
    office: str | None = typer.Option(None, help="The office (none: the group's own staff)."),
    department: str | None = None, email: str | None = None, phone: str | None = None,
    webhook: str | None = typer.Option(None, help="A webhook endpoint the notifier knows, e.g. sms-gateway."),
    webhook_to: str | None = None, reason: str = REASON, url: str = URL, key: str = KEY,
    language: str | None = typer.Option(None, help="The language of their mails: en, zh-Hant or zh-Hans."),
) -> None:  # fmt: skip
    body = {"staff_id": staff_id, "name": name, "office_id": office, "department": department, "roles": role,
            "contacts": _contacts(email, phone, webhook, webhook_to), "language": language,
            "reason": reason}  # fmt: skip
    _call("POST", url, key, "/staff", body)


@staff_cli.command("set")
def staff_set(
    staff_id: str, reason: str = REASON, name: str | None = None, office: str | None = None,
    department: str | None = None, role: list[str] | None = typer.Option(None, help="The roles held (all of them)."),
    email: str | None = None, phone: str | None = None, webhook: str | None = None, webhook_to: str | None = None,
    active: bool | None = None, url: str = URL, key: str = KEY,
    language: str | None = typer.Option(None, help="The language of their mails: en, zh-Hant or zh-Hans."),
) -> None:  # fmt: skip
    contacts = _contacts(email, phone, webhook, webhook_to)
    body = _given(name=name, office_id=office, department=department, roles=role or None,
                  contacts=contacts or None, active=active, language=language)  # fmt: skip
    _call("PATCH", url, key, f"/staff/{staff_id}", body | {"reason": reason})


@keys_cli.command("list")
def keys_list(office: str | None = None, url: str = URL, key: str = KEY) -> None:
    _call("GET", url, key, "/keys" + (f"?office_id={office}" if office else ""))


@keys_cli.command("issue")
def keys_issue(
    actor_id: str, role: list[str] = typer.Option(..., help="A role the key carries (repeat for more)."),
    office: str | None = typer.Option(None, help="The key's office (none: group-wide)."),
    expires: datetime | None = typer.Option(None, help="When it stops working (ISO 8601 with zone)."),
    reason: str = REASON, url: str = URL, key: str = KEY,
) -> None:  # fmt: skip
    body = {"actor_id": actor_id, "office_id": office, "roles": role,
            "expires_at": expires.isoformat() if expires else None, "reason": reason}  # fmt: skip
    _call("POST", url, key, "/keys", body)


@keys_cli.command("rotate")
def keys_rotate(key_id: str, reason: str = REASON, url: str = URL, key: str = KEY) -> None:
    _call("POST", url, key, f"/keys/{key_id}/rotation", {"reason": reason})


@keys_cli.command("revoke")
def keys_revoke(key_id: str, reason: str = REASON, url: str = URL, key: str = KEY) -> None:
    _call("POST", url, key, f"/keys/{key_id}/revocation", {"reason": reason})


# -- development seed --------------------------------------------------------------------------

SEEDER = Principal("system:directory-seed", None, frozenset({"admin"}))


def seed(app: DirectoryApplication, data: dict[str, Any], keys: list[KeyRecord], plain: dict[str, str],
         now: datetime) -> list[str]:  # fmt: skip
    """Record what is not recorded yet (offices, staff, keys by hash); return what was added."""
    added: list[str] = []
    reason = "development seed (make up)"
    known_offices = {o.office_id: o for o in app.offices(SEEDER)}
    for office in data["offices"]:
        known = known_offices.get(office["office_id"])
        if known is not None and office.get("names") and not known.names:  # seeded before names existed
            app.change_office(SEEDER, office["office_id"], reason, now, names=office["names"])
            added.append(f"names of office {office['office_id']}")
        if known is None:
            app.create_office(SEEDER, office["office_id"], office["name"], office["time_zone"],
                              office["units_served"], reason, now, names=office.get("names"))  # fmt: skip
            added.append(f"office {office['office_id']}")
    known_staff = {s.staff_id: s for s in app.staff(SEEDER)}
    for member in data["staff"]:
        seeded = known_staff.get(member["staff_id"])
        if seeded is not None and member.get("language") and getattr(seeded, "language", None) is None:
            # seeded before languages existed
            app.change_staff(SEEDER, member["staff_id"], {"language": member["language"]}, reason, now)
            added.append(f"language of staff {member['staff_id']}")
        if seeded is None:
            app.add_staff(SEEDER, member["staff_id"], member["name"], member["office_id"], member["roles"],
                          member["contacts"], reason, now, language=member.get("language"))  # fmt: skip
            added.append(f"staff {member['staff_id']}")
    known_keys = {k.key_sha256 for k in app.keys(SEEDER)}
    for record in keys:
        raw = plain.get(record.actor_id)
        if raw is None or hash_key(raw) != record.key_sha256 or record.key_sha256 in known_keys:
            continue
        app.issue_key(SEEDER, record.actor_id, record.office_id, record.roles, None, reason, now, raw_key=raw)
        added.append(f"key {record.actor_id}")
    return added


@cli.command("seed-dev")
def seed_dev(
    keys_file: Path = typer.Option(Path(".state/keys.json"), help="The hashed development keys."),
    plain_keys: Path = typer.Option(Path(".state/dev-keys.txt"), help="The plain development keys."),
    data: Path = typer.Option(DEV_SEED, help="Development offices and staff."),
) -> None:
    """Record the development offices, staff and keys in the directory's store (once; idempotent)."""
    settings = DirectorySettings()
    app = bootstrap.application(settings)
    try:
        records = [KeyRecord.model_validate(r) for r in json.loads(keys_file.read_text())]
        plain = dict(line.split("\t", 1) for line in plain_keys.read_text().splitlines() if "\t" in line)
        added = seed(app, json.loads(data.read_text()), records, {a: k.strip() for a, k in plain.items()},
                     settings.clock()())  # fmt: skip
    finally:
        app.close()
    typer.echo(
        f"directory: {len(added)} development entries recorded" + (f" ({', '.join(added[:5])}, ...)" if added else "")
    )


if __name__ == "__main__":
    cli()
