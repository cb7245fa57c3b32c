"""The verifier follows the issuer's published keys: found from its discovery document, cached, and
fetched again when a token names a `kid` it does not hold (the issuer rotated), so a rotated key is
accepted at once and a withdrawn one refused. An issuer of our own here (a local HTTP server), so the
keys can be swapped under the verifier."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

from shared.oidc import BearerVerifier, TokenRefused

AUDIENCE = "urn:complaints:api"


class Issuer:
    def __init__(self) -> None:
        self.keys: dict[str, ec.EllipticCurvePrivateKey] = {}
        self.fetches = 0
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/.well-known/openid-configuration":
                    body = {"issuer": issuer.url, "jwks_uri": f"{issuer.url}/jwks"}
                elif self.path == "/jwks":
                    issuer.fetches += 1
                    body = {"keys": [issuer.public_jwk(kid) for kid in issuer.keys]}
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def public_jwk(self, kid: str) -> dict[str, str]:
        jwk = json.loads(ECAlgorithm.to_jwk(self.keys[kid].public_key()))
        return jwk | {"kid": kid, "alg": "ES256", "use": "sig"}

    def rotate(self, kid: str) -> None:
        """Publish a new key and withdraw the others."""
        self.keys = {kid: ec.generate_private_key(ec.SECP256R1())}

    def token(self, kid: str, key: ec.EllipticCurvePrivateKey | None = None) -> str:
        now = datetime.now(UTC)
        claims = {"iss": self.url, "aud": AUDIENCE, "sub": "kln-east/manager", "office_id": "kln-east",
                  "roles": ["manager"], "iat": now, "exp": now + timedelta(minutes=5)}  # fmt: skip
        return jwt.encode(claims, key or self.keys[kid], algorithm="ES256", headers={"typ": "at+jwt", "kid": kid})


@pytest.fixture
def issuer() -> Iterator[Issuer]:
    running = Issuer()
    thread = threading.Thread(target=running.server.serve_forever, daemon=True)
    thread.start()
    yield running
    running.server.shutdown()


def test_a_rotated_key_is_fetched_by_its_kid_and_a_withdrawn_one_refused(issuer: Issuer) -> None:
    issuer.rotate("k1")
    verifier = BearerVerifier(issuer.url, AUDIENCE, cache_seconds=3600)
    first = issuer.token("k1")
    assert verifier.verify(first).office_id == "kln-east"
    assert verifier.verify(first).roles == frozenset({"manager"}) and issuer.fetches == 1  # cached
    old_key = issuer.keys["k1"]

    issuer.rotate("k2")
    assert verifier.verify(issuer.token("k2")).actor_id == "kln-east/manager"  # unknown kid: fetched again
    assert issuer.fetches == 2
    with pytest.raises(TokenRefused, match="not one the issuer publishes"):
        verifier.verify(issuer.token("k1", key=old_key))  # k1 was withdrawn


def test_an_id_token_or_a_token_without_expiry_is_refused(issuer: Issuer) -> None:
    issuer.rotate("k1")
    verifier = BearerVerifier(issuer.url, AUDIENCE)
    now = datetime.now(UTC)
    base = {"iss": issuer.url, "aud": AUDIENCE, "sub": "x", "roles": ["group"], "iat": now}
    id_token = jwt.encode(base | {"exp": now + timedelta(minutes=5)}, issuer.keys["k1"], algorithm="ES256",
                          headers={"kid": "k1", "typ": "JWT"})  # fmt: skip
    with pytest.raises(TokenRefused, match="not an access token"):
        verifier.verify(id_token)
    forever = jwt.encode(base, issuer.keys["k1"], algorithm="ES256", headers={"kid": "k1", "typ": "at+jwt"})
    with pytest.raises(TokenRefused, match="exp"):
        verifier.verify(forever)
