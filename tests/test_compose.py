"""docker-compose.yml cannot run here (no Docker engine), so this keeps it honest: every service's
command exists in the code, and every setting it passes is one the service actually reads."""

from __future__ import annotations

import importlib
import importlib.util
import json
import re
from pathlib import Path

import pytest
import yaml

from shared.keyring import KeyringSettings
from shared.settings import DeploymentSettings, KafkaSettings, LogSettings, ServiceSettings

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
BROKERS = {name: spec for name, spec in COMPOSE["services"].items() if name.startswith("kafka-")}
INFRASTRUCTURE = {*BROKERS, "postgres"}
APP_SERVICES = {name: spec for name, spec in COMPOSE["services"].items() if name not in INFRASTRUCTURE}


def _settings_classes() -> dict[str, type[ServiceSettings]]:
    found = {}
    for package in sorted((ROOT / "services").iterdir()):
        if (package / "settings.py").exists():
            module = importlib.import_module(f"services.{package.name}.settings")
            for value in vars(module).values():
                if isinstance(value, type) and issubclass(value, ServiceSettings) and value is not ServiceSettings:
                    found[value.model_config["env_prefix"]] = value
    return found


def _target(command: list[str]) -> str:
    """The Python module (or module:attribute) a compose command runs."""
    if command[0] == "uvicorn":
        return command[1]
    assert command[:2] == ["python", "-m"], f"unexpected command {command}"
    return command[2]


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_each_command_exists(name: str) -> None:
    target = _target(APP_SERVICES[name]["command"])
    module_name, _, attribute = target.partition(":")
    assert importlib.util.find_spec(module_name) is not None, f"{name}: no module {module_name}"
    if attribute:
        assert hasattr(importlib.import_module(module_name), attribute), f"{name}: no {target}"


@pytest.mark.parametrize("name", sorted(APP_SERVICES))
def test_each_setting_is_read_by_the_service(name: str) -> None:
    classes = _settings_classes()
    known: set[str] = {f"KAFKA_{f}".upper() for f in KafkaSettings.model_fields}
    known |= {f"COMPLAINTS_{f}".upper() for f in DeploymentSettings.model_fields}
    known |= {f"LOG_{f}".upper() for f in LogSettings.model_fields}
    known |= {f"KEYRING_{f}".upper() for f in KeyringSettings.model_fields}
    for prefix, settings_class in classes.items():
        known |= {f"{prefix}{field}".upper() for field in settings_class.model_fields}
    unknown = set(APP_SERVICES[name].get("environment", {})) - known
    assert not unknown, f"{name} passes settings no service reads: {sorted(unknown)}"


def test_every_service_process_of_the_procfile_is_deployed() -> None:
    procfile = (ROOT / "deploy" / "Procfile").read_text().splitlines()
    processes = {line.split(":", 1)[0] for line in procfile if line and not line.startswith("#")}
    assert processes <= set(APP_SERVICES), f"not in docker-compose.yml: {sorted(processes - set(APP_SERVICES))}"


def test_services_use_the_production_store() -> None:
    for name, spec in APP_SERVICES.items():
        stores = {v for k, v in spec.get("environment", {}).items() if k.endswith("_STORE")}
        assert stores <= {"postgres"}, f"{name} does not use PostgreSQL: {stores}"


def test_every_service_package_is_deployed_with_its_settings() -> None:
    packages = {p.name for p in (ROOT / "services").iterdir() if (p / "bootstrap.py").exists()}
    prefixes = {prefix.rstrip("_").lower() for prefix in _settings_classes()}
    deployed = {name.split("-", 1)[0] for name in APP_SERVICES}
    assert packages <= prefixes, f"services without a settings class: {sorted(packages - prefixes)}"
    assert packages <= deployed, f"services missing from docker-compose.yml: {sorted(packages - deployed)}"


def _procfile_processes() -> list[str]:
    lines = (ROOT / "deploy" / "Procfile").read_text().splitlines()
    return [line.split(":", 1)[0] for line in lines if line and not line.startswith("#")]


def test_the_long_running_services_are_exactly_the_procfile_processes() -> None:
    restarted = {name for name, spec in APP_SERVICES.items() if spec.get("restart")}
    assert restarted == set(_procfile_processes()), "deploy/Procfile and docker-compose.yml list other processes"


@pytest.mark.parametrize("name", _procfile_processes())
def test_each_process_is_restarted_and_checked_on_its_own_health_port(name: str) -> None:
    """A process that dies is restarted by the engine; its health check asks the port where the
    process serves its health (the HTTP port; the relay's and worker's health ports)."""
    spec = APP_SERVICES[name]
    assert spec.get("restart") in {"always", "unless-stopped", "on-failure"}, f"{name}: no restart policy"
    test = spec["healthcheck"]["test"]
    assert test[:4] == ["CMD", "python", "-m", "shared.health"], f"{name}: {test}"
    assert importlib.util.find_spec("shared.health") is not None
    service, kind = name.split("-", 1)
    settings_class = _settings_classes()[f"{service.upper()}_"]
    environment = {k.removeprefix(f"{service.upper()}_").lower(): v for k, v in spec["environment"].items()}
    settings = settings_class.model_validate({k: v for k, v in environment.items() if k in settings_class.model_fields})
    if kind == "http":
        command = spec["command"]
        expected = int(command[command.index("--port") + 1])
        assert expected == settings.http_port, f"{name} serves on {expected}, its settings say {settings.http_port}"
    else:
        expected = settings.health_port(kind)
        assert settings.health_bind_host == "0.0.0.0", f"{name}: health reachable only inside its container"
        assert settings.health_address(kind) == f"{name}:{expected}", f"{name}: the HTTP app looks elsewhere"
    assert test[4] == f"http://127.0.0.1:{expected}/health/live", f"{name}: checks {test[4]}, serves on {expected}"


def test_processes_log_with_the_rate_limited_configuration() -> None:
    config = json.loads((ROOT / "deploy" / "logging.json").read_text())
    assert config["filters"]["rate_limit"]["()"] == "shared.logs.RateLimit"
    for name in _procfile_processes():
        command = APP_SERVICES[name]["command"]
        if command[0] == "uvicorn":
            assert command[command.index("--log-config") + 1] == "deploy/logging.json", name


def test_production_mode_and_each_service_gets_only_its_own_secrets() -> None:
    """issue 13: compose runs in production mode, with no development secret written in it, and no
    process receives another service's secrets."""
    secret_suffixes = ("_CIPHER_KEY", "_COMPLAINANT_SALT", "_POSTGRES_PASSWORD")
    for name, spec in APP_SERVICES.items():
        environment = spec.get("environment", {})
        if name == "topics":
            continue
        assert environment.get("COMPLAINTS_ENV") == "production", name
        service = name.split("-", 1)[0].upper()
        # The keyring's secrets go only to the services that seal or open personal data (docs/privacy.md).
        holds_keyring = "keyring" in _settings_classes()[f"{service}_"].model_fields
        for key, value in environment.items():
            if key.startswith("KEYRING_"):
                assert holds_keyring, f"{name} receives the keyring's {key} but never opens personal data"
            elif key.endswith(secret_suffixes):
                assert key.startswith(f"{service}_"), f"{name} receives {key}"
            if key.endswith((*secret_suffixes, "_MASTER_KEY")):
                assert str(value).startswith("${") and ":?" in str(value), f"{name}: {key} is written in the file"
    assert "TRIAGE_COMPLAINANT_SALT" in APP_SERVICES["triage-worker"]["environment"]


def _default(value: str) -> str:
    """What `${NAME:-default}` becomes when NAME is not set."""
    found = re.fullmatch(r"\$\{\w+:-([^}]*)\}", str(value))
    return found.group(1) if found else str(value)


def test_kafka_is_three_kraft_brokers_like_the_helm_chart() -> None:
    """issue 11: the Helm chart's topology: three nodes, each broker and controller, one quorum; internal
    topics with three copies and two in sync; no unclean leader election."""
    assert sorted(BROKERS) == ["kafka-1", "kafka-2", "kafka-3"]
    environments = {name: spec["environment"] for name, spec in BROKERS.items()}
    assert {spec["image"] for spec in BROKERS.values()} == {"apache/kafka:4.1.0"}
    assert sorted(env["KAFKA_NODE_ID"] for env in environments.values()) == ["1", "2", "3"]
    assert len({_default(env["CLUSTER_ID"]) for env in environments.values()}) == 1
    voters = "1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093"
    for name, env in environments.items():
        assert env["KAFKA_PROCESS_ROLES"] == "broker,controller", name
        assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == voters, name
        assert env["KAFKA_ADVERTISED_LISTENERS"] == f"PLAINTEXT://{name}:9092", name
        assert env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == "3", name
        assert env["KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR"] == "3", name
        assert env["KAFKA_TRANSACTION_STATE_LOG_MIN_ISR"] == "2", name
        assert env["KAFKA_MIN_INSYNC_REPLICAS"] == "2", name
        assert env["KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE"] == "false", name
        assert BROKERS[name]["healthcheck"]["test"], name
    assert len({volume for spec in BROKERS.values() for volume in spec["volumes"]}) == 3  # one disk each


def test_every_process_reaches_all_brokers_and_writes_three_copies_two_in_sync() -> None:
    talking = {name for name, spec in APP_SERVICES.items() if "KAFKA_BOOTSTRAP_SERVERS" in spec.get("environment", {})}
    assert {"topics", "notifier-worker", "intake-relay", "projection-worker"} <= talking  # the desk speaks HTTP only
    for name in talking:
        spec = APP_SERVICES[name]
        environment = spec["environment"]
        kafka = KafkaSettings.model_validate(
            {k.removeprefix("KAFKA_").lower(): _default(v) for k, v in environment.items() if k.startswith("KAFKA_")}
        )
        assert set(kafka.bootstrap_servers.split(",")) == {f"{broker}:9092" for broker in BROKERS}, name
        assert (kafka.replication_factor, kafka.min_insync_replicas) == (3, 2), name
        waits_for = set(spec.get("depends_on", {}))
        assert set(BROKERS) <= waits_for, f"{name} starts before every broker is healthy: {sorted(waits_for)}"


def test_the_topics_job_keeps_the_office_topic_as_long_as_the_setting_s_default() -> None:
    """issue 13: the office topic's retention (complainants in clear) is a setting the topics job reads;
    compose's default is the setting's own (docs/privacy.md)."""
    from shared.settings import KafkaSettings

    value = APP_SERVICES["topics"]["environment"]["KAFKA_OFFICE_TOPIC_RETENTION_HOURS"]
    assert _default(value) == str(KafkaSettings().office_topic_retention_hours)
