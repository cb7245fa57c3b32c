"""Sign-in for people: OpenID Connect bearer tokens, verified against the issuer's published keys.

A person signs in at the issuer (`make up` runs a development one, deploy/oidc) and sends its JWT
access token as `Authorization: Bearer <token>`. A token is accepted only if its signature verifies
with a key the issuer publishes (its JWKS, found from its discovery document, fetched and cached; a
`kid` not in the cache makes one refetch, so the issuer can rotate keys), its `iss` is the issuer,
its `aud` holds the audience, it has not expired (`exp`, required) and it is an access token
(`typ: at+jwt`, RFC 9068: an ID token is not a credential for the APIs).

Claims (the names are settings): `sub` → the actor id recorded on events (e.g. `hk-central/reception`),
`office_id` → the office (absent for group users), `roles` → a list of roles (the same roles as the
office keys'). The office of a request comes from the token, as it comes from the key.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import jwt

from .auth import Principal

ALGORITHMS = ["ES256", "ES384", "RS256", "PS256", "EdDSA"]


class TokenRefused(ValueError):
    """The bearer token is not one to accept; the message says why (sent back with the 401)."""


class BearerVerifier:
    def __init__(
        self,
        issuer: str,
        audience: str,
        jwks_url: str | None = None,
        cache_seconds: float = 300.0,
        leeway_seconds: float = 30.0,
        office_claim: str = "office_id",
        roles_claim: str = "roles",
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.audience = audience
        self._jwks_url = jwks_url
        self._cache_seconds = cache_seconds
        self.leeway = leeway_seconds
        self.office_claim = office_claim
        self.roles_claim = roles_claim
        self._client: jwt.PyJWKClient | None = None

    def _keys(self) -> jwt.PyJWKClient:
        # Found lazily: a service starts (and answers with keys) while its issuer is still starting.
        if self._client is None:
            url = self._jwks_url or self._discover()
            self._client = jwt.PyJWKClient(
                url, cache_jwk_set=True, lifespan=int(max(self._cache_seconds, 1)), timeout=5
            )
        return self._client

    def _discover(self) -> str:
        with urllib.request.urlopen(f"{self.issuer}/.well-known/openid-configuration", timeout=5) as answer:
            document = json.loads(answer.read())
        if document.get("issuer", "").rstrip("/") != self.issuer:
            raise TokenRefused(f"the discovery document names another issuer: {document.get('issuer')!r}")
        return str(document["jwks_uri"])

    def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
            if header.get("typ", "").lower() not in {"at+jwt", "application/at+jwt"}:
                raise TokenRefused("not an access token (typ must be at+jwt)")
            key = self._keys().get_signing_key_from_jwt(token)
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=ALGORITHMS,
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except TokenRefused:
            raise
        except jwt.ExpiredSignatureError as error:
            raise TokenRefused("the token has expired") from error
        except jwt.PyJWKClientError as error:
            raise TokenRefused(f"the token's key is not one the issuer publishes ({error})") from error
        except (jwt.PyJWTError, OSError, ValueError, KeyError) as error:
            raise TokenRefused(f"invalid token: {error}") from error
        roles = claims.get(self.roles_claim) or []
        office = claims.get(self.office_claim)
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise TokenRefused(f"the {self.roles_claim!r} claim is not a list of roles")
        if office is not None and not isinstance(office, str):
            raise TokenRefused(f"the {self.office_claim!r} claim is not an office id")
        return Principal(str(claims["sub"]), office, frozenset(roles))
