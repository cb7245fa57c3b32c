"""issue 13: people sign in through OpenID Connect. Each development user signs in at the real
development issuer (deploy/oidc: oidc-provider on node, the authorization-code flow with PKCE and
its login form), and its bearer token meets the same tenancy rules as the same role's office key, on
intake and on the projection. Expired tokens, tokens of a foreign issuer, for another audience, ID-style
tokens and wrong passwords are refused."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi.testclient import TestClient

from services.intake.entrypoints.http import create_app as intake_app
from services.intake.settings import IntakeSettings
from services.projection import bootstrap as projection_bootstrap
from services.projection.entrypoints.http import create_app as projection_app
from services.projection.settings import ProjectionSettings
from shared.sign_in import SignInRefused
from tests.fixtures.oidc import OIDC_DIR, DevIssuer
from tests.projection.scenario import build
from tests.projection.support import feed
from tests.support import T0, form, write_keys

USERS = {u["sub"]: u for u in json.loads((OIDC_DIR / "users.json").read_text())}
OFFICE_ROLES = ("reception", "staff", "supervisor", "leader", "manager")
PEOPLE = [f"{office}/{role}" for office in ("hk-central", "kln-east") for role in OFFICE_ROLES] + [
    "group/dashboard",
    "group/auditor",
]
REGISTERS = {"reception", "supervisor", "manager"}  # intake's REGISTERING_ROLES, as office keys have them


@pytest.fixture(scope="module")
def tokens(dev_issuer: DevIssuer) -> dict[str, str]:
    """Every development user, signed in once through the issuer's login form."""
    return {person: dev_issuer.sign_in(person) for person in PEOPLE}


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    folder = tmp_path_factory.mktemp("sign-in-keys")
    return folder / "keys.json", write_keys(folder / "keys.json")


@pytest.fixture
def intake(tmp_path: Path, dev_issuer: DevIssuer, keys) -> Iterator[TestClient]:
    settings = IntakeSettings(
        store="sqlite", state_dir=tmp_path, keys_file=keys[0], oidc_issuer=dev_issuer.issuer, oidc_leeway_seconds=0
    )
    with TestClient(intake_app(settings, clock=lambda: T0 + timedelta(hours=1))) as client:
        yield client


def by_key(keys, actor: str) -> dict[str, str]:
    return {"X-Office-Key": keys[1][actor]}


def by_token(tokens: dict[str, str], actor: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[actor]}"}


def test_every_user_s_token_carries_its_office_and_roles(tokens, dev_issuer) -> None:
    for person, token in tokens.items():
        claims = jwt.decode(token, options={"verify_signature": False})
        assert claims["sub"] == person and claims["iss"] == dev_issuer.issuer and claims["aud"] == "urn:complaints:api"
        assert claims.get("office_id") == USERS[person].get("office_id") and claims["roles"] == USERS[person]["roles"]
        assert jwt.get_unverified_header(token)["typ"] == "at+jwt"


@pytest.mark.parametrize("person", PEOPLE)
def test_intake_holds_a_signed_in_person_to_the_same_rules_as_the_same_role_s_key(intake, keys, tokens, person) -> None:
    """Register in one's own office (only the registering roles), read one's own office's complaint, not
    another office's; group roles cannot register; no group role (dashboard, auditor) sees personal data."""
    answers = {}
    for way, credentials in (("key", by_key(keys, person)), ("token", by_token(tokens, person))):
        reference = f"SIGN-{uuid.uuid4().hex[:8]}"
        posted = intake.post("/complaints", json=form(reference), headers=credentials)
        # a complaint of each office, registered with reception keys
        own = "kln-east" if person.startswith("kln-east") else "hk-central"
        other = "hk-central" if own == "kln-east" else "kln-east"
        ids = {
            office: intake.post(
                "/complaints", json=form(f"{reference}-{office}"), headers=by_key(keys, f"{office}/reception")
            ).json()["complaint_id"]
            for office in (own, other)
        }
        read_own = intake.get(f"/complaints/{ids[own]}", headers=credentials)
        read_other = intake.get(f"/complaints/{ids[other]}", headers=credentials)
        answers[way] = (
            posted.status_code,
            posted.json().get("complaint_id") is not None,
            read_own.status_code,
            read_other.status_code,
            read_own.json().get("form", {}).get("complainant", {}).get("name"),
        )
        if posted.status_code == 201:
            recorded = intake.get(f"/complaints/{posted.json()['complaint_id']}", headers=credentials).json()
            assert recorded["registered_by"] == person and recorded["office_id"] == USERS[person]["office_id"]
    assert answers["token"] == answers["key"], f"{person}: token {answers['token']} vs key {answers['key']}"
    role = person.split("/")[1]
    if person.startswith("group/"):
        assert answers["token"][0] == 403 and answers["token"][2:4] == (200, 200)
        assert answers["token"][4] == "(withheld)"  # auditors too: their role needs no personal data
    else:
        assert answers["token"][0] == (201 if role in REGISTERS else 403)
        assert answers["token"][3] == 404  # another office's complaint does not exist for it


@pytest.fixture(scope="module")
def projection(tmp_path_factory, dev_issuer: DevIssuer, keys) -> Iterator[TestClient]:
    folder = tmp_path_factory.mktemp("projection-sign-in")
    settings = ProjectionSettings(store="sqlite", state_dir=folder, keys_file=keys[0], oidc_issuer=dev_issuer.issuer)
    app = projection_bootstrap.application(settings)
    scenario = build("sign-in", offices=("hk-central", "kln-east"), per_office=5, seed=3)
    feed(app, scenario.events())
    with TestClient(projection_app(settings, app_instance=app, clock=lambda: scenario.now)) as client:
        yield client
    app.close()


@pytest.mark.parametrize("person", ["hk-central/supervisor", "kln-east/leader", "group/dashboard", "group/auditor"])
def test_the_projection_lists_for_a_token_exactly_what_it_lists_for_the_key(projection, keys, tokens, person) -> None:
    by_k = projection.get("/complaints", params={"limit": 100}, headers=by_key(keys, person))
    by_t = projection.get("/complaints", params={"limit": 100}, headers=by_token(tokens, person))
    assert by_t.status_code == by_k.status_code == 200
    assert by_t.json() == by_k.json()
    offices = {item["office_id"] for item in by_t.json()["items"]}
    assert offices == ({"hk-central", "kln-east"} if person.startswith("group/") else {person.split("/")[0]})


def foreign_token(
    issuer: str, audience: str = "urn:complaints:api", expires_in: int = 600, kid: str = "foreign", **claims
) -> str:
    """A token signed by a key pair of our own (not the issuer's), however right its claims look."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    payload = {"iss": issuer, "aud": audience, "sub": "hk-central/manager", "office_id": "hk-central",
               "roles": ["manager"], "iat": now, "exp": now + timedelta(seconds=expires_in)} | claims  # fmt: skip
    return jwt.encode(payload, key, algorithm="ES256", headers={"typ": "at+jwt", "kid": kid})


def test_refused_tokens_are_401_with_the_reason(intake, dev_issuer, tokens) -> None:
    real_kid = jwt.get_unverified_header(tokens["hk-central/manager"])["kid"]
    cases = {
        "foreign issuer": (foreign_token("https://elsewhere.example"), "not one the issuer publishes"),
        "foreign issuer, the real kid": (foreign_token("https://elsewhere.example", kid=real_kid), "invalid token"),
        "own issuer's name, foreign key": (foreign_token(dev_issuer.issuer), "not one the issuer publishes"),
        "own issuer's name and kid, foreign key": (foreign_token(dev_issuer.issuer, kid=real_kid), "invalid token"),
        "expired, foreign key": (foreign_token(dev_issuer.issuer, expires_in=-60), "not one the issuer publishes"),
        "not a JWT": ("not-a-token", "invalid token"),
        "garbled signature": (tokens["hk-central/manager"][:-6] + "AAAAAA", "invalid token"),
    }
    for name, (token, reason) in cases.items():
        response = intake.post(
            "/complaints", json=form(f"X-{uuid.uuid4().hex[:6]}"), headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 401, name
        assert reason in response.json()["detail"], (name, response.json())
        assert "Bearer" in response.headers["WWW-Authenticate"]


def test_an_expired_token_from_the_issuer_is_401(intake, dev_issuer) -> None:
    token = dev_issuer.sign_in("hk-central/reception", client_id="complaints-web-short")  # lives 2 s
    headers = {"Authorization": f"Bearer {token}"}
    assert intake.post("/complaints", json=form("EXP-1"), headers=headers).status_code == 201
    time.sleep(3.1)
    response = intake.post("/complaints", json=form("EXP-2"), headers=headers)
    assert response.status_code == 401 and "expired" in response.json()["detail"]


def test_a_token_for_another_audience_is_401(tmp_path, dev_issuer, keys, tokens) -> None:
    settings = IntakeSettings(
        store="memory", keys_file=keys[0], oidc_issuer=dev_issuer.issuer, oidc_audience="urn:billing:api"
    )
    with TestClient(intake_app(settings, clock=lambda: T0 + timedelta(hours=1))) as client:
        response = client.post("/complaints", json=form(), headers=by_token(tokens, "hk-central/reception"))
    assert response.status_code == 401 and "audience" in response.json()["detail"].lower()


def test_a_wrong_password_or_unknown_user_cannot_sign_in(dev_issuer) -> None:
    with pytest.raises(SignInRefused):
        dev_issuer.sign_in("hk-central/reception", password="wrong-password-123")
    with pytest.raises(SignInRefused):
        dev_issuer.sign_in("nobody/at-all")


def test_without_an_issuer_configured_a_bearer_token_is_401(tmp_path, keys, tokens) -> None:
    settings = IntakeSettings(store="memory", keys_file=keys[0])
    with TestClient(intake_app(settings, clock=lambda: T0 + timedelta(hours=1))) as client:
        response = client.post("/complaints", json=form(), headers=by_token(tokens, "hk-central/reception"))
    assert response.status_code == 401 and "not configured" in response.json()["detail"]
