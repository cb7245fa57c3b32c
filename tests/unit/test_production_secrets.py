"""issue 13: in production (`COMPLAINTS_ENV=production`) no process starts with a development secret,
and the refusal names the setting."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from services.followup.settings import FollowupSettings
from services.handling.settings import HandlingSettings
from services.intake.settings import IntakeSettings
from services.projection.settings import ProjectionSettings
from services.sla.settings import SlaSettings
from services.triage.settings import TriageSettings
from shared.contracts.topics import signing_services
from shared.keyring import KeyringSettings
from shared.settings import DevelopmentSecret, Environment, ServiceSettings
from shared.signing import add_public_record, new_service_key

ROOT = Path(__file__).resolve().parents[2]
KEY = "q0b5sYcY6m2l5wVn2Jq8u2k4m0u1oZz3y5d2d7a8bXU="  # a 32-byte base64 key, not a default
SETTINGS: list[type[ServiceSettings]] = [
    IntakeSettings,
    TriageSettings,
    HandlingSettings,
    SlaSettings,
    FollowupSettings,
    ProjectionSettings,
]


@pytest.fixture(autouse=True)
def production_signing_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Real (not development) event signing keys for every service, in place of the session's."""
    public = tmp_path / "event-signing-keys.json"
    for service in signing_services():
        signer = new_service_key(service)
        add_public_record(public, signer.record)
        monkeypatch.setenv(f"{service.upper()}_EVENT_SIGNING_KEY", signer.to_setting())
    monkeypatch.setenv("COMPLAINTS_EVENT_SIGNING_KEYS_FILE", str(public))


@pytest.mark.parametrize("settings_class", SETTINGS, ids=lambda c: c.__name__)
def test_production_refuses_a_missing_cipher_key_and_the_development_database_password(settings_class) -> None:
    prefix = settings_class.model_config["env_prefix"]
    with pytest.raises(ValueError, match=f"{prefix}CIPHER_KEY is not set") as refused:
        settings_class(environment="production", store="postgres")
    assert f"{prefix}POSTGRES_PASSWORD is the development password" in str(refused.value)
    assert "COMPLAINTS_ENV=production" in str(refused.value)


@pytest.mark.parametrize("settings_class", SETTINGS, ids=lambda c: c.__name__)
def test_production_starts_with_real_secrets_and_development_accepts_the_defaults(settings_class) -> None:
    extra: dict[str, object] = (
        {"complainant_salt": "a-real-secret-salt-of-length"} if settings_class is TriageSettings else {}
    )
    if "keyring" in settings_class.model_fields:  # the services that seal or open personal data
        extra["keyring"] = KeyringSettings(master_key=KEY, environment="production")
    real = settings_class(
        environment="production", store="postgres", cipher_key=KEY, postgres_password="s3cr3t!", **extra
    )
    assert real.environment is Environment.PRODUCTION
    assert settings_class(store="postgres").environment is Environment.DEVELOPMENT  # development: defaults are fine


def test_production_refuses_the_development_complainant_salt_and_a_short_one() -> None:
    real = {"environment": "production", "cipher_key": KEY}
    with pytest.raises(ValueError, match="TRIAGE_COMPLAINANT_SALT is the development salt"):
        TriageSettings(**real)
    with pytest.raises(ValueError, match="TRIAGE_COMPLAINANT_SALT is shorter than 16 characters"):
        TriageSettings(**real, complainant_salt="short")


@pytest.mark.parametrize("settings_class", SETTINGS, ids=lambda c: c.__name__)
def test_production_refuses_the_development_keyring_master_key(settings_class) -> None:
    if "keyring" not in settings_class.model_fields:
        pytest.skip(f"{settings_class.__name__} holds no keyring: it never sees personal data")
    extra = {"complainant_salt": "a-real-secret-salt-of-length"} if settings_class is TriageSettings else {}
    with pytest.raises(ValueError, match="KEYRING_MASTER_KEY is the development master key"):
        settings_class(environment="production", cipher_key=KEY, **extra)


def test_production_refuses_a_memory_store() -> None:
    with pytest.raises(ValueError, match="INTAKE_STORE is `memory`"):
        IntakeSettings(environment="production", cipher_key=KEY, store="memory")


def test_the_mode_comes_from_complaints_env(monkeypatch) -> None:
    monkeypatch.setenv("COMPLAINTS_ENV", "production")
    with pytest.raises(ValueError, match="SLA_CIPHER_KEY is not set"):
        SlaSettings()
    assert issubclass(DevelopmentSecret, ValueError)


@pytest.mark.parametrize(
    ("command", "setting"),
    [
        ([sys.executable, "-m", "services.intake.entrypoints.relay"], "INTAKE_CIPHER_KEY"),
        ([sys.executable, "-m", "services.triage.entrypoints.worker"], "TRIAGE_COMPLAINANT_SALT"),
        (
            [
                sys.executable,
                "-m",
                "uvicorn",
                "services.projection.entrypoints.http:create_app",
                "--factory",
                "--port",
                "0",
            ],
            "PROJECTION_CIPHER_KEY",
        ),
    ],
    ids=["intake-relay", "triage-worker", "projection-http"],
)
def test_a_real_process_refuses_to_start_and_says_which_setting(command, setting, tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.endswith(("_CIPHER_KEY", "_COMPLAINANT_SALT"))}
    env |= {"COMPLAINTS_ENV": "production", "KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:9"}
    env |= {"TRIAGE_CIPHER_KEY": KEY, "TRIAGE_STATE_DIR": str(tmp_path), "INTAKE_STATE_DIR": str(tmp_path)}
    env |= {"PROJECTION_STATE_DIR": str(tmp_path)}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert setting in done.stderr and "COMPLAINTS_ENV=production refuses to start" in done.stderr


def test_production_refuses_a_sign_in_issuer_over_plain_http() -> None:
    with pytest.raises(ValueError, match="HANDLING_OIDC_ISSUER is not https"):
        HandlingSettings(environment="production", cipher_key=KEY, oidc_issuer="http://127.0.0.1:8010")
    assert HandlingSettings(environment="production", cipher_key=KEY, oidc_issuer="https://id.example").oidc_issuer
