"""The desk's session: an encrypted, authenticated cookie (Fernet: AES-128-CBC + HMAC-SHA256, from the
`cryptography` package the services already use) holding who signed in and the credential the desk
forwards for them. Nothing is kept server-side, so the desk scales and restarts freely; the cookie is
HttpOnly and SameSite=Lax, expires with `DESK_SESSION_MAX_AGE_SECONDS`, and forms carry a CSRF token
kept inside it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import asdict, dataclass

from cryptography.fernet import Fernet, InvalidToken

from .services import Credential

COOKIE = "desk_session"


@dataclass(frozen=True)
class Session:
    actor_id: str
    office_id: str | None
    roles: tuple[str, ...]
    credential_kind: str
    credential: str
    csrf: str

    @property
    def forwarded(self) -> Credential:
        return Credential("key" if self.credential_kind == "key" else "bearer", self.credential)

    @property
    def role_set(self) -> frozenset[str]:
        return frozenset(self.roles)


def new_session(actor_id: str, office_id: str | None, roles: frozenset[str], credential: Credential) -> Session:
    return Session(
        actor_id, office_id, tuple(sorted(roles)), credential.kind, credential.value, secrets.token_urlsafe(24)
    )


class SessionCodec:
    def __init__(self, secret: str, max_age_seconds: int, purpose: str = "session") -> None:
        # A key for this purpose only, derived from the setting (any length) by SHA-256.
        key = hashlib.sha256(f"complaints.desk.{purpose}:{secret}".encode()).digest()
        self._fernet = Fernet(base64.urlsafe_b64encode(key))
        self.max_age = max_age_seconds

    def dumps(self, data: dict[str, object]) -> str:
        return self._fernet.encrypt(json.dumps(data).encode()).decode()

    def loads(self, token: str | None) -> dict[str, object] | None:
        if not token:
            return None
        try:
            value = json.loads(self._fernet.decrypt(token.encode(), ttl=self.max_age))
        except (InvalidToken, ValueError):
            return None
        return value if isinstance(value, dict) else None

    def encode(self, session: Session) -> str:
        return self.dumps(asdict(session))

    def decode(self, token: str | None) -> Session | None:
        data = self.loads(token)
        if data is None:
            return None
        try:
            roles = data["roles"]
            return Session(
                actor_id=str(data["actor_id"]),
                office_id=None if data["office_id"] is None else str(data["office_id"]),
                roles=tuple(str(r) for r in roles) if isinstance(roles, list) else (),
                credential_kind=str(data["credential_kind"]),
                credential=str(data["credential"]),
                csrf=str(data["csrf"]),
            )
        except KeyError:
            return None
