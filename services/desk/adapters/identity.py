"""Who a credential belongs to, for the desk's own pages (which forms to offer, the user's office):
an office key is looked up in the services' hashed key file and the directory's live keys, an access
token is verified against the issuer's published keys exactly as the services do (shared/oidc.py).
The services still judge every call themselves; this only names the person.
"""

from __future__ import annotations

from pathlib import Path

from shared.auth import KeyRegistry, Principal
from shared.directory_keys import service_keys
from shared.oidc import TokenRefused
from shared.web import bearer_verifier

from ..settings import DeskSettings


class Identities:
    def __init__(self, settings: DeskSettings) -> None:
        self.keys_file: Path = settings.keys_file
        self.verifier = bearer_verifier(settings)
        # Keys issued through the directory (COMPLAINTS_DIRECTORY_KEYS), as the services accept them.
        self.directory_keys = service_keys(settings).live

    def by_key(self, raw_key: str) -> Principal | None:
        # Read at each sign-in: keys are added and revoked in the file while the desk runs.
        registry = KeyRegistry.load(self.keys_file) if self.keys_file.exists() else KeyRegistry([])
        registry.live = self.directory_keys
        return registry.authenticate(raw_key.strip())

    def by_token(self, token: str) -> Principal:
        if self.verifier is None:
            raise TokenRefused("sign-in with the issuer is not configured here")
        return self.verifier.verify(token)
