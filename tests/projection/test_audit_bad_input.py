"""The auditor's CLI given what an auditor mistypes: a wrong store folder, another store's key, an office
that is not there, an instant or a week that is no such thing. Found walking the running system: each
ended in a false assurance (`verify` made an empty store in the mistyped folder and called its chain
intact, exit 0; a misspelt office was an intact empty chain, zero complaints, an empty evidence pack),
a false alarm (another store's key: every event 'altered') or a traceback. Now each stops with exit 2,
saying what is wrong and what to give, and makes nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psycopg
import pytest
from eventsourcing.cryptography import AESCipher
from typer.testing import CliRunner

from services.projection import bootstrap
from services.projection.entrypoints.audit import cli
from services.projection.settings import ProjectionSettings
from tests.projection.scenario import build
from tests.projection.support import feed

runner = CliRunner()


def said(result) -> str:  # type: ignore[no-untyped-def]
    """The output as one line: rich wraps it at the terminal's width."""
    return " ".join(result.output.replace("│", " ").split())


@pytest.fixture(scope="module")
def encrypted_store(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("audited")
    key = AESCipher.create_key(32)
    scenario = build("audit-input", offices=("hk-central", "kln-east"), per_office=4, seed=11)
    app = bootstrap.application(ProjectionSettings(store="sqlite", state_dir=folder, cipher_key=key))
    feed(app, scenario.events())
    app.close()
    env = {"PROJECTION_STORE": "sqlite", "PROJECTION_STATE_DIR": str(folder), "PROJECTION_CIPHER_KEY": key}
    return scenario, env


def test_a_mistyped_store_folder_is_refused_and_nothing_is_made_there(encrypted_store, tmp_path: Path) -> None:
    scenario, env = encrypted_store
    wrong = tmp_path / "not-the-state-dir"
    at = scenario.now.isoformat()
    for command in (["verify"], ["as-of", at], ["export", "--office", "hk-central", "--week", "2026-W45",
                                                "--out", str(tmp_path / "pack")], ["replay"]):  # fmt: skip
        result = runner.invoke(cli, command, env={**env, "PROJECTION_STATE_DIR": str(wrong)})
        assert result.exit_code == 2, (command, result.output)
        assert f"no projection store at {wrong / 'stores' / 'projection.sqlite'}" in said(result), result.output
        assert "chain intact" not in result.output
    assert not wrong.exists()  # no empty store made where the auditor pointed by mistake
    assert not (tmp_path / "pack").exists()


def test_a_store_holding_nothing_is_not_called_intact(tmp_path: Path) -> None:
    (tmp_path / "stores").mkdir()
    (tmp_path / "stores" / "projection.sqlite").touch()  # e.g. another tool's empty file
    result = runner.invoke(cli, ["verify"], env={"PROJECTION_STORE": "sqlite", "PROJECTION_STATE_DIR": str(tmp_path)})
    assert result.exit_code == 2, result.output
    assert "holds no record at all" in said(result) and "chain intact" not in result.output


def test_a_memory_store_is_refused() -> None:
    result = runner.invoke(cli, ["verify"], env={"PROJECTION_STORE": "memory"})
    assert result.exit_code == 2 and "nothing to audit" in said(result), result.output


def test_another_store_s_key_is_said_so_and_no_event_is_called_altered(encrypted_store) -> None:
    scenario, env = encrypted_store
    other = AESCipher.create_key(32)
    for command in (["verify"], ["as-of", scenario.now.isoformat()]):
        result = runner.invoke(cli, command, env={**env, "PROJECTION_CIPHER_KEY": other})
        assert result.exit_code == 2, (command, result.output)
        assert "cannot be read with the PROJECTION_CIPHER_KEY given" in said(result), result.output
        assert "altered" not in result.output.replace("altered events are named", "")
    right = runner.invoke(cli, ["verify"], env=env)
    assert right.exit_code == 0 and "chain intact" in right.output, right.output


@pytest.mark.parametrize("typed", ["HK-Central", "hk-centrl"])
def test_an_office_the_store_holds_nothing_of_is_refused_naming_those_it_holds(  # type: ignore[no-untyped-def]
    encrypted_store, tmp_path, typed
) -> None:
    scenario, env = encrypted_store
    at = scenario.now.isoformat()
    out = tmp_path / "pack"
    for command in (["verify", "--office", typed], ["as-of", at, "--office", typed],
                    ["export", "--office", typed, "--week", "2026-W45", "--out", str(out)]):  # fmt: skip
        result = runner.invoke(cli, command, env=env)
        assert result.exit_code == 2, (command, result.output)
        text = said(result)
        assert f"holds nothing of office '{typed}'" in text, text
        assert "Offices in the store: hk-central, kln-east" in text, text
        assert ("Did you mean 'hk-central'?" in text) == (typed == "HK-Central"), text
        assert "chain intact" not in text
    assert not out.exists()
    # the office as the store names it is audited as before
    known = runner.invoke(cli, ["as-of", at, "--office", "hk-central"], env=env)
    assert known.exit_code == 0 and json.loads(known.output)["scope"] == "hk-central", known.output


def test_an_instant_or_a_week_that_is_no_such_thing_is_said_so_without_a_traceback(  # type: ignore[no-untyped-def]
    encrypted_store, tmp_path
) -> None:
    _, env = encrypted_store
    instant = runner.invoke(cli, ["as-of", "yesterday"], env=env)
    assert instant.exit_code == 2, instant.output
    assert "'yesterday' is not an instant: give one like 2026-11-05T12:00:00+08:00" in said(instant)
    for week in ("2026-W99", "garbage"):
        result = runner.invoke(
            cli, ["export", "--office", "hk-central", "--week", week, "--out", str(tmp_path / week)], env=env
        )
        assert result.exit_code == 2, result.output
        assert f"'{week}' is not an ISO week: give one like 2026-W45" in said(result), result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)


def test_the_evidence_pack_s_paths_are_printed_whole_to_copy(encrypted_store, tmp_path: Path) -> None:
    """Found on `make up`: 'evidence for complaint …:' then the pack's path broken onto the next line at
    the terminal's width, so a copied path missed its start or end."""
    _, env = encrypted_store
    out = tmp_path / ("a-folder-with-a-long-name-" * 3)
    result = runner.invoke(cli, ["export", "--office", "hk-central", "--week", "2026-W45", "--out", str(out)], env=env)
    assert result.exit_code == 0, result.output
    assert f"{out / 'evidence.json'}, {out / 'evidence.html'}" in result.output, result.output


def _postgres_env(database: Any) -> dict[str, str]:
    return {
        "PROJECTION_STORE": "postgres",
        "PROJECTION_POSTGRES_HOST": database.host,
        "PROJECTION_POSTGRES_PORT": str(database.port),
        "PROJECTION_POSTGRES_USER": database.user,
        "PROJECTION_POSTGRES_PASSWORD": database.password,
        "PROJECTION_POSTGRES_DBNAME": database.dbname,
    }


def _tables(database: Any) -> list[str]:
    with psycopg.connect(
        host=database.host, port=database.port, user=database.user, password=database.password,
        dbname=database.dbname,
    ) as connection:  # fmt: skip
        rows = connection.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
    return sorted(row[0] for row in rows)


def test_a_database_without_the_projection_is_refused_and_nothing_is_made_there(postgres_database: Any) -> None:
    """An auditor who names another database (another service's, or a new one) is told so; opening the
    store there used to create the projection's empty tables first."""
    env = _postgres_env(postgres_database)
    for command in (["verify"], ["replay"]):
        result = runner.invoke(cli, command, env=env)
        assert result.exit_code == 2, (command, result.output)
        assert f"no projection store in the database {postgres_database.dbname}" in said(result), result.output
    assert _tables(postgres_database) == []


def test_a_database_that_cannot_be_opened_is_said_so_without_a_traceback(postgres_database: Any) -> None:
    env = _postgres_env(postgres_database) | {"PROJECTION_POSTGRES_DBNAME": "no_such_database_here"}
    result = runner.invoke(cli, ["verify"], env=env)
    assert result.exit_code == 2, result.output
    assert "cannot open the database no_such_database_here" in said(result), result.output
    assert "Traceback" not in result.output


def test_the_projection_s_database_is_audited(postgres_database: Any) -> None:
    scenario = build("audit-postgres", offices=("hk-central", "kln-east"), per_office=3, seed=5)
    settings = ProjectionSettings(
        store="postgres", postgres_host=postgres_database.host, postgres_port=postgres_database.port,
        postgres_user=postgres_database.user, postgres_password=postgres_database.password,
        postgres_dbname=postgres_database.dbname,
    )  # fmt: skip
    app = bootstrap.application(settings)
    feed(app, scenario.events())
    app.close()
    result = runner.invoke(cli, ["verify"], env=_postgres_env(postgres_database))
    assert result.exit_code == 0, result.output
    assert "chain intact" in result.output
