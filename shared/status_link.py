"""The complainant's private status link: `<desk>/status/<token>`, where the token is the complaint id
signed with HMAC-SHA256 under a secret only the desk (which shows the page) and the notifier (which puts
the link in the receipt) hold. Whoever has the link sees that one complaint's progress, nothing else;
no one can make a link for another complaint without the secret.

Here, in shared/, because two services make or read it and services never import each other:

    from shared.status_link import status_link
    status_link("https://desk.example", complaint_id, secret, lang="zh-Hant")

The token is `<complaint id as 32 hex>.<first 32 hex of the HMAC>` (128 bits of MAC): short enough for
a text message, URL-safe, and checked in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import quote
from uuid import UUID

MAC_HEX = 32
PURPOSE = b"complaints.status-link.v1:"  # a key used for nothing else signs nothing else


def status_token(complaint_id: UUID, secret: str) -> str:
    mac = hmac.new(secret.encode(), PURPOSE + complaint_id.hex.encode(), hashlib.sha256).hexdigest()
    return f"{complaint_id.hex}.{mac[:MAC_HEX]}"


def read_status_token(token: str, secret: str) -> UUID | None:
    """The complaint id the token was made for, or None when it was not made with `secret` (forged,
    altered, truncated or garbage)."""
    head, dot, mac = token.partition(".")
    if not dot or len(head) != 32 or len(mac) != MAC_HEX:
        return None
    try:
        complaint_id = UUID(hex=head)
    except ValueError:
        return None
    expected = status_token(complaint_id, secret)
    return complaint_id if hmac.compare_digest(expected.encode(), token.encode()) else None


def status_link(base_url: str, complaint_id: UUID, secret: str, lang: str | None = None) -> str:
    """The link to put in the complainant's receipt. `lang` (en, zh-Hant, zh-Hans) opens the page in
    the complainant's language; it is not signed (it changes only the words)."""
    link = f"{base_url.rstrip('/')}/status/{status_token(complaint_id, secret)}"
    return f"{link}?lang={quote(lang)}" if lang else link
