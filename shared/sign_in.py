"""Signing in at an OpenID Connect issuer from a terminal, as a person does in a browser: the
authorization-code flow with PKCE, the issuer's login form posted with the user and password, the code
traded for an access token. For the development issuer (deploy/oidc) and scripts; the tests sign in
through it too.

    python -m shared.sign_in hk-central/reception          # password from OIDC_DEV_PASSWORD or asked
    curl -H "Authorization: Bearer $(python -m shared.sign_in group/auditor)" http://127.0.0.1:8000/complaints
"""

from __future__ import annotations

import base64
import hashlib
import html
import os
import re
import secrets
from urllib.parse import parse_qs, urljoin, urlparse

import httpx
import typer

DEFAULT_REDIRECT_URI = "http://127.0.0.1/callback"


class SignInRefused(PermissionError):
    """The issuer did not sign the person in (unknown user, wrong password) or refused the request."""


def sign_in(
    issuer: str,
    user: str,
    password: str,
    *,
    audience: str = "urn:complaints:api",
    client_id: str = "complaints-web",
    redirect_uri: str = DEFAULT_REDIRECT_URI,
) -> str:
    """The access token (a JWT for `audience`) the issuer gives `user` after its login form."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    state = secrets.token_urlsafe(12)
    params = {"client_id": client_id, "response_type": "code", "scope": "openid complaints",
              "redirect_uri": redirect_uri, "code_challenge": challenge, "code_challenge_method": "S256",
              "state": state, "resource": audience}  # fmt: skip
    with httpx.Client(base_url=issuer.rstrip("/"), timeout=10) as client:
        page = _follow(client, client.get("/auth", params=params), redirect_uri)
        found = re.search(r'<form[^>]*action="([^"]+)"', page.text)
        if page.status_code != 200 or found is None:
            raise SignInRefused(f"the issuer showed no login form ({page.status_code}): {_error(page)}")
        answer = client.post(html.unescape(found[1]), data={"username": user, "password": password})
        if answer.status_code == 401:
            raise SignInRefused(f"the issuer refused {user}: unknown user or wrong password")
        location = _follow(client, answer, redirect_uri).headers.get("location", "")
        query = parse_qs(urlparse(location).query)
        if "code" not in query or query.get("state") != [state]:
            raise SignInRefused(f"no code came back: {query.get('error_description') or location}")
        token = client.post("/token", data={"grant_type": "authorization_code", "code": query["code"][0],
                                            "redirect_uri": redirect_uri, "client_id": client_id,
                                            "code_verifier": verifier, "resource": audience})  # fmt: skip
        if token.status_code != 200:
            raise SignInRefused(f"the token endpoint refused the code: {token.text[:200]}")
        return str(token.json()["access_token"])


def _follow(client: httpx.Client, response: httpx.Response, redirect_uri: str) -> httpx.Response:
    """Follow the issuer's redirects (its cookies kept), stopping at the client's redirect URI."""
    for _ in range(10):
        location = response.headers.get("location")
        if response.status_code not in (301, 302, 303, 307, 308) or location is None:
            return response
        if location.startswith(redirect_uri):
            return response
        response = client.get(urljoin(str(response.url), location))
    raise SignInRefused("the issuer redirected too many times")


def _error(page: httpx.Response) -> str:
    found = re.findall(r"<pre><strong>(\w+)</strong>: ([^<]*)</pre>", page.text)
    return "; ".join(f"{k}: {html.unescape(v)}" for k, v in found) or page.text[:200]


def main(
    user: str,
    issuer: str = typer.Option("http://127.0.0.1:8010", envvar="OIDC_ISSUER", help="The issuer's URL."),
    audience: str = typer.Option("urn:complaints:api", envvar="OIDC_AUDIENCE"),
    client_id: str = typer.Option("complaints-web", help="complaints-web-short: a token that lives 2 s."),
) -> None:
    """Sign USER in and print the access token (send it as `Authorization: Bearer <token>`)."""
    password = os.environ.get("OIDC_DEV_PASSWORD") or typer.prompt(f"password for {user}", hide_input=True)
    typer.echo(sign_in(issuer, user, password, audience=audience, client_id=client_id))


if __name__ == "__main__":
    typer.run(main)
