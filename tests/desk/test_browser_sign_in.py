"""Signing in at the desk by redirect, in headless Chromium: the desk sends the person to the development
OpenID Connect issuer (deploy/oidc, node), they sign in on its login page, and come back signed in with
their role and office; from then on the services receive their access token. Skipped where node is
missing, as the other sign-in tests are."""

from __future__ import annotations

import os
import secrets
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from services.desk.adapters.services import Services
from services.desk.entrypoints.http import create_app
from services.desk.settings import DeskSettings
from tests.desk.system import bound_socket, serve
from tests.fixtures.oidc import OIDC_DIR, ensure_installed

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def by(driver: Any, testid: str) -> Any:
    return driver.find_element("css selector", f'[data-testid="{testid}"]')


@pytest.fixture(scope="module")
def desk_with_issuer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, list[httpx.Request]]]:
    reason = ensure_installed()
    if reason:
        pytest.skip(reason)
    sock, issuer_sock = bound_socket(), bound_socket()
    desk_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    issuer_port = issuer_sock.getsockname()[1]
    issuer_sock.close()  # the issuer (node) binds it itself
    issuer = f"http://127.0.0.1:{issuer_port}"
    password = secrets.token_urlsafe(18)
    env = os.environ | {"OIDC_PORT": str(issuer_port), "OIDC_DEV_PASSWORD": password,
                        "OIDC_REDIRECT_URIS": f"{desk_url}/sign-in/callback"}  # fmt: skip
    node = subprocess.Popen(["node", str(OIDC_DIR / "issuer.mjs")], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)  # fmt: skip
    seen: list[httpx.Request] = []

    def services(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/complaints":
            return httpx.Response(200, json={"total": 0, "limit": 500, "offset": 0, "items": []})
        return httpx.Response(404, json={"detail": "no such complaint"})

    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert node.poll() is None and time.monotonic() < deadline, "the development issuer did not start"
            time.sleep(0.2)
        folder = tmp_path_factory.mktemp("desk-oidc")
        settings = DeskSettings(keys_file=folder / "none.json", oidc_issuer=issuer,
                                **{f"{s}_url": f"http://{s}" for s in ("intake", "triage", "handling", "sla",
                                                                         "followup", "projection")})  # fmt: skip
        served = serve(create_app(settings, Services(settings, transport=httpx.MockTransport(services))), "desk", sock)
        try:
            yield desk_url, password, seen
        finally:
            served.server.should_exit = True
            served.thread.join(timeout=15)
            sock.close()
    finally:
        node.terminate()
        try:
            node.wait(timeout=5)
        except subprocess.TimeoutExpired:
            node.kill()
            node.wait(timeout=5)


def test_a_person_signs_in_at_the_issuer_and_comes_back_to_the_desk(
    chromium_driver: Any, desk_with_issuer: tuple[str, str, list[httpx.Request]]
) -> None:
    desk_url, password, seen = desk_with_issuer
    driver = chromium_driver
    driver.delete_all_cookies()
    driver.get(f"{desk_url}/sign-in?lang=zh-Hant")
    by(driver, "sign-in-issuer").click()
    # The issuer's own login page (not the desk's): the person types their user and password there.
    driver.find_element("css selector", 'input[name="username"]').send_keys("kln-east/supervisor")
    driver.find_element("css selector", 'input[name="password"]').send_keys(password)
    driver.find_element("css selector", 'button[type="submit"]').click()
    deadline = time.monotonic() + 30
    while not driver.current_url.startswith(f"{desk_url}/queue"):
        assert time.monotonic() < deadline, f"not back at the desk: {driver.current_url}"
        time.sleep(0.1)
    assert by(driver, "who").text == "kln-east/supervisor"
    assert by(driver, "nav-register").text == "登記投訴"  # the language chosen before leaving is kept
    bearer = {r.headers.get("authorization", "") for r in seen}
    assert len(bearer) == 1 and next(iter(bearer)).startswith("Bearer ey")
    assert all("x-office-key" not in r.headers for r in seen)


def test_a_callback_without_the_desk_s_own_state_signs_nobody_in(
    desk_with_issuer: tuple[str, str, list[httpx.Request]],
) -> None:
    desk_url, _, _ = desk_with_issuer
    answer = httpx.get(f"{desk_url}/sign-in/callback", params={"code": "forged", "state": "forged"})
    assert answer.status_code == 303 and answer.headers["location"] == "/sign-in?problem=token-refused"
    assert "desk_session" not in answer.cookies
