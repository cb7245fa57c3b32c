"""Signing in at the OpenID Connect issuer by redirect: the authorization-code flow with PKCE, the desk
being a public client (`DESK_OIDC_CLIENT_ID`) whose callback is `<desk>/sign-in/callback`. The access
token that comes back is verified like the services verify it (shared/oidc.py) and is what the desk
forwards for the person. The issuer's endpoints come from its discovery document."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

import httpx


class SignInFailed(RuntimeError):
    """The issuer refused, or answered without a token."""


@dataclass(frozen=True)
class Pending:
    """What the desk keeps (in an encrypted cookie) between sending the person off and their return."""

    state: str
    verifier: str
    next_url: str


class IssuerFlow:
    def __init__(self, issuer: str, client_id: str, audience: str, client: httpx.AsyncClient) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self.audience = audience
        self.client = client
        self._endpoints: dict[str, str] | None = None

    async def endpoints(self) -> dict[str, str]:
        if self._endpoints is None:
            answer = await self.client.get(f"{self.issuer}/.well-known/openid-configuration", timeout=5)
            document = answer.json()
            if str(document.get("issuer", "")).rstrip("/") != self.issuer:
                raise SignInFailed("the discovery document names another issuer")
            self._endpoints = {k: str(document[k]) for k in ("authorization_endpoint", "token_endpoint")}
        return self._endpoints

    async def start(self, redirect_uri: str, next_url: str) -> tuple[str, Pending]:
        """Where to send the person, and what to remember until they come back."""
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        pending = Pending(secrets.token_urlsafe(16), verifier, next_url)
        params = {"client_id": self.client_id, "response_type": "code", "scope": "openid complaints",
                  "redirect_uri": redirect_uri, "code_challenge": challenge, "code_challenge_method": "S256",
                  "state": pending.state, "resource": self.audience}  # fmt: skip
        return f"{(await self.endpoints())['authorization_endpoint']}?{urlencode(params)}", pending

    async def finish(self, code: str, pending: Pending, redirect_uri: str) -> str:
        """The access token for the code the issuer sent the person back with."""
        answer = await self.client.post(
            (await self.endpoints())["token_endpoint"],
            data={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
                  "client_id": self.client_id, "code_verifier": pending.verifier, "resource": self.audience},
        )  # fmt: skip
        token = answer.json().get("access_token") if answer.status_code == 200 else None
        if not isinstance(token, str):
            raise SignInFailed(f"the issuer gave no access token ({answer.status_code})")
        return token
