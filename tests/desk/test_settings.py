"""The desk in production refuses its development secrets, like every service (COMPLAINTS_ENV)."""

from __future__ import annotations

import pytest

from services.desk.settings import DeskSettings
from shared.settings import Environment


def test_production_refuses_the_development_secrets_naming_each() -> None:
    with pytest.raises(ValueError, match="COMPLAINTS_ENV=production") as refused:
        DeskSettings(environment=Environment.PRODUCTION)
    for name in ("DESK_SESSION_SECRET", "DESK_STATUS_LINK_SECRET", "DESK_STATUS_READER_KEY", "DESK_SECURE_COOKIES"):
        assert name in str(refused.value)


def test_production_starts_with_its_own_secrets() -> None:
    settings = DeskSettings(
        environment=Environment.PRODUCTION,
        session_secret="s" * 40,
        status_link_secret="l" * 40,
        status_reader_key="ck_reader",
        secure_cookies=True,
    )
    assert settings.development_secrets() == []
    with pytest.raises(ValueError, match="DESK_STATUS_LINK_SECRET is shorter"):
        DeskSettings(environment=Environment.PRODUCTION, session_secret="s" * 40, status_link_secret="short",
                     status_reader_key="k", secure_cookies=True)  # fmt: skip


def test_the_services_are_found_at_their_own_ports(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTAKE_HTTP_PORT", "18001")
    settings = DeskSettings()
    assert settings.service_url("intake") == "http://127.0.0.1:18001"
    assert settings.service_url("projection") == "http://127.0.0.1:8000"
    monkeypatch.setenv("DESK_PROJECTION_URL", "http://projection-http:8000/")
    assert DeskSettings().service_url("projection") == "http://projection-http:8000"
