"""`mount(api)` on the projection's app: the page and its assets are served without a key, with a strict
Content-Security-Policy, and the read-only JSON API (and its OpenAPI document) is left as it was."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from services.projection import bootstrap
from services.projection.dashboard import CONTENT_SECURITY_POLICY, STATIC_DIR, TEMPLATES_DIR, mount
from services.projection.entrypoints.http import create_app
from services.projection.settings import ProjectionSettings
from tests.support import write_keys


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    folder = tmp_path_factory.mktemp("dashboard-mount")
    settings = ProjectionSettings(store="sqlite", state_dir=folder, keys_file=folder / "keys.json")
    write_keys(settings.keys_file)
    app = bootstrap.application(settings)
    api = create_app(settings, app_instance=app)
    plain_spec = TestClient(api).get("/openapi.json").json()
    mount(api)
    api.openapi_schema = None  # the document is cached: rebuild it with the page mounted
    with TestClient(api) as test_client:
        test_client.plain_spec = plain_spec  # type: ignore[attr-defined]
        yield test_client
    app.close()


def test_the_page_is_served_with_a_strict_content_security_policy(client: TestClient) -> None:
    answer = client.get("/dashboard")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "connect-src 'self'" in CONTENT_SECURITY_POLICY and "default-src 'none'" in CONTENT_SECURITY_POLICY
    assert 'src="/dashboard/static/dashboard.js"' in answer.text
    assert client.get("/dashboard/", follow_redirects=False).headers["location"] == "/dashboard"


@pytest.mark.parametrize("asset", ["dashboard.js", "dashboard.css"])
def test_the_assets_are_served(client: TestClient, asset: str) -> None:
    answer = client.get(f"/dashboard/static/{asset}")
    assert answer.status_code == 200
    assert answer.text == (STATIC_DIR / asset).read_text()
    assert client.get("/dashboard/static/../__init__.py").status_code == 404


def test_nothing_on_the_page_points_outside_its_origin() -> None:
    for path in [*Path(STATIC_DIR).iterdir(), *Path(TEMPLATES_DIR).iterdir()]:
        text = path.read_text()
        assert "http://" not in text.replace("http://www.w3.org/2000/svg", ""), path.name  # SVG namespace only
        assert "https://" not in text and "//cdn" not in text, path.name
        assert ".innerHTML" not in text, path.name  # data is written as text, never parsed as markup


def test_the_api_stays_read_only_and_the_page_stays_out_of_its_document(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["paths"] == client.plain_spec["paths"]  # type: ignore[attr-defined]
    assert client.get("/statistics").status_code == 401  # the data still needs a key
