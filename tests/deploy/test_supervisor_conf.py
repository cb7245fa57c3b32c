"""`make up`'s supervisord configuration is made from deploy/Procfile: every process, restarted on its
own, its log rotated; ports from the environment."""

from __future__ import annotations

import configparser
import importlib.util
from pathlib import Path

import pytest
from supervisor.datatypes import RestartUnconditionally
from supervisor.options import ServerOptions

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("supervisord_conf", ROOT / "deploy" / "local" / "supervisord_conf.py")
assert spec is not None and spec.loader is not None
supervisord_conf = importlib.util.module_from_spec(spec)
spec.loader.exec_module(supervisord_conf)


def _procfile_names() -> list[str]:
    lines = (ROOT / "deploy" / "Procfile").read_text().splitlines()
    return [line.split(":", 1)[0] for line in lines if line and not line.startswith("#")]


def test_every_procfile_process_is_supervised_restarted_and_rotated(tmp_path: Path) -> None:
    text = supervisord_conf.config(supervisord_conf.processes(env={}), tmp_path)
    parser = configparser.RawConfigParser()
    parser.read_string(text)
    programs = [s.removeprefix("program:") for s in parser.sections() if s.startswith("program:")]
    assert programs == _procfile_names()
    assert parser.get("group:complaints", "programs").split(",") == programs
    for name in programs:
        section = f"program:{name}"
        assert parser.get(section, "autorestart") == "true"
        assert int(parser.get(section, "startretries")) >= 10
        assert parser.get(section, "stdout_logfile") == str(tmp_path / "logs" / f"{name}.log")
        assert parser.get(section, "stdout_logfile_maxbytes") == "10MB"
        assert parser.get(section, "command").startswith(str(ROOT / ".venv" / "bin"))


def test_supervisord_itself_reads_the_configuration(tmp_path: Path) -> None:
    (tmp_path / "logs").mkdir()
    path = tmp_path / "supervisord.conf"
    path.write_text(supervisord_conf.config(supervisord_conf.processes(env={}), tmp_path))
    options = ServerOptions()
    options.realize(args=["-c", str(path)])
    [group] = options.process_group_configs
    assert [p.name for p in group.process_configs] == _procfile_names()
    assert all(p.autorestart is RestartUnconditionally for p in group.process_configs)


def test_ports_come_from_the_environment_with_the_procfile_defaults() -> None:
    defaults = supervisord_conf.http_ports(supervisord_conf.processes(env={}))
    assert defaults["intake-http"] == 8001 and defaults["projection-http"] == 8000
    moved = supervisord_conf.http_ports(supervisord_conf.processes(env={"INTAKE_HTTP_PORT": "18001"}))
    assert moved["intake-http"] == 18001 and moved["projection-http"] == 8000


def test_each_process_gets_only_its_own_service_s_secrets(tmp_path: Path) -> None:
    """issue 13: under `make up` every process used to get every service's cipher key."""
    env_file = tmp_path / "dev.env"
    services = ("INTAKE", "TRIAGE", "HANDLING", "SLA", "FOLLOWUP", "PROJECTION")
    env_file.write_text(
        "".join(f"{s}_CIPHER_KEY=key-of-{s.lower()}==\n" for s in services) + "TRIAGE_COMPLAINANT_SALT=s\n"
    )
    text = supervisord_conf.config(
        supervisord_conf.processes(env={}), tmp_path, secrets=supervisord_conf.read_secrets(env_file)
    )
    (tmp_path / "logs").mkdir()
    path = tmp_path / "supervisord.conf"
    path.write_text(text)
    options = ServerOptions()
    options.realize(args=["-c", str(path)])
    [group] = options.process_group_configs
    for process in group.process_configs:
        service = process.name.split("-", 1)[0]
        environment = process.environment or {}
        if service.upper() in services:  # the services with an event store (the notifier keeps none)
            assert environment.get(f"{service.upper()}_CIPHER_KEY") == f"key-of-{service}=="
        others = {k for k in environment if not k.startswith(f"{service.upper()}_")}
        assert not others, f"{process.name} also gets {sorted(others)}"
        assert ("TRIAGE_COMPLAINANT_SALT" in environment) == (service == "triage")


def test_the_development_issuer_is_supervised_with_its_own_password_only(tmp_path: Path) -> None:
    env_file = tmp_path / "dev.env"
    env_file.write_text("INTAKE_CIPHER_KEY=k==\nOIDC_DEV_PASSWORD=pw-of-the-dev-users\n")
    commands = supervisord_conf.processes(env={}, extra=(ROOT / "deploy" / "Procfile.dev",))
    development = ["oidc-issuer", "notifier-sms-sink", "notifier-mail-sink"]
    assert list(commands)[-3:] == development and list(commands)[:-3] == _procfile_names()
    parser = configparser.RawConfigParser()
    parser.read_string(supervisord_conf.config(commands, tmp_path, secrets=supervisord_conf.read_secrets(env_file)))
    assert parser.get("program:oidc-issuer", "environment") == 'OIDC_DEV_PASSWORD="pw-of-the-dev-users"'
    assert parser.get("program:oidc-issuer", "autorestart") == "true"
    assert "OIDC" not in parser.get("program:intake-http", "environment")


def test_each_publishing_service_s_processes_get_its_own_event_signing_key_only(tmp_path: Path) -> None:
    """issue 13, item 4: `make up`'s development signing keys (shared.signing.ensure_service_keys, as
    up.sh makes them) reach each service's processes alone, whole (supervisord reads them back)."""
    from shared.contracts.topics import signing_services
    from shared.signing import ServiceSigner, ensure_service_keys

    env_file = tmp_path / "dev.env"
    signers = ensure_service_keys(env_file, tmp_path / "event-signing-keys.json", signing_services())
    (tmp_path / "logs").mkdir()
    path = tmp_path / "supervisord.conf"
    path.write_text(
        supervisord_conf.config(
            supervisord_conf.processes(env={}), tmp_path, secrets=supervisord_conf.read_secrets(env_file)
        )
    )
    options = ServerOptions()
    options.realize(args=["-c", str(path)])
    [group] = options.process_group_configs
    for process in group.process_configs:
        service = process.name.split("-", 1)[0]
        keys = {k: v for k, v in (process.environment or {}).items() if k.endswith("_EVENT_SIGNING_KEY")}
        if service in signers:
            given = ServiceSigner.from_setting(keys.pop(f"{service.upper()}_EVENT_SIGNING_KEY"))
            assert given.record == signers[service].record  # the same key pair
        assert keys == {}, f"{process.name} also gets {sorted(keys)}"


def test_the_development_sms_sink_is_supervised_with_the_gateway_secret_and_without_the_issuer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`make up` without node leaves the issuer out, never the SMS sink; the sink gets the notifier's
    secrets (the gateway secret it checks signatures with), no other service's."""
    env_file = tmp_path / "dev.env"
    env_file.write_text(
        "NOTIFIER_SMS_GATEWAY_SECRET=s3cret-of-the-gateway\nOIDC_DEV_PASSWORD=pw\nINTAKE_CIPHER_KEY=k\n"
    )
    args = ["--state", str(tmp_path), "--secrets", str(env_file), "--with", str(ROOT / "deploy" / "Procfile.dev")]
    assert supervisord_conf.main([*args, "--without", "oidc-issuer"]) == 0
    parser = configparser.RawConfigParser()
    parser.read_string(capsys.readouterr().out)
    assert not parser.has_section("program:oidc-issuer")
    command = parser.get("program:notifier-sms-sink", "command")
    assert "-m services.notifier.entrypoints.sms_sink --port 8025 --out" in command
    assert (
        parser.get("program:notifier-sms-sink", "environment") == 'NOTIFIER_SMS_GATEWAY_SECRET="s3cret-of-the-gateway"'
    )
