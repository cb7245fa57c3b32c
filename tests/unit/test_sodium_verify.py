"""libsodium's Ed25519 verification, the fast path of every record's author check, never accepts what
OpenSSL's (the check as it was) refuses; and the check's answer is OpenSSL's whatever libsodium says."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.signing import (
    AUTHOR_KEY_HEADER,
    AUTHOR_SIGNATURE_HEADER,
    ServiceKeyRecord,
    ServiceSigningKeys,
    record_signing_input,
    sodium_verifies,
)

L = 2**252 + 27742317777372353535851937790883648493  # the group order: S + L is S written non-canonically


def openssl_verifies(public_key: bytes, signature: bytes, data: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, data)
    except (InvalidSignature, ValueError):
        return False
    return True


def _flip(blob: bytes, bit: int) -> bytes:
    at = bit % (len(blob) * 8)
    return blob[: at // 8] + bytes([blob[at // 8] ^ (1 << (at % 8))]) + blob[at // 8 + 1 :]


@settings(max_examples=300, deadline=None)
@given(
    seed=st.binary(min_size=32, max_size=32),
    data=st.binary(max_size=600),
    how=st.sampled_from(["valid", "signature bit", "data bit", "key bit", "random signature", "S + L", "other key"]),
    bit=st.integers(min_value=0, max_value=10_000),
    noise=st.binary(min_size=64, max_size=64),
)
def test_libsodium_agrees_with_openssl(seed: bytes, data: bytes, how: str, bit: int, noise: bytes) -> None:
    private = Ed25519PrivateKey.from_private_bytes(seed)
    public = private.public_key().public_bytes_raw()
    signature = private.sign(data)
    if how == "signature bit":
        signature = _flip(signature, bit)
    elif how == "data bit" and data:
        data = _flip(data, bit)
    elif how == "key bit":
        public = _flip(public, bit)
    elif how == "random signature":
        signature = noise
    elif how == "S + L":
        s = int.from_bytes(signature[32:], "little") + L
        signature = signature[:32] + s.to_bytes(32, "little")
    elif how == "other key":
        public = Ed25519PrivateKey.from_private_bytes(noise[:32]).public_key().public_bytes_raw()
    fast, slow = sodium_verifies(public, signature, data), openssl_verifies(public, signature, data)
    assert fast == slow or (slow and not fast)  # libsodium accepts nothing OpenSSL refuses
    if how == "valid":
        assert fast and slow


def test_what_libsodium_refuses_openssl_still_decides() -> None:
    """A small-order public key (the identity point) with R = identity and S = 0 satisfies the
    verification equation for any message: OpenSSL accepts it, libsodium refuses small-order points;
    the author check's answer stays OpenSSL's, as it was before the fast path."""
    identity = bytes([1]) + bytes(31)
    signature = identity + bytes(32)
    record = ServiceKeyRecord(key_id="odd-key", service="intake", public_key=base64.b64encode(identity).decode())
    headers = [(AUTHOR_KEY_HEADER, b"odd-key"), (AUTHOR_SIGNATURE_HEADER, base64.b64encode(signature))]
    data = record_signing_input("complaints.intake.events", b"k", b"{}", headers)
    assert not sodium_verifies(identity, signature, data)
    assert openssl_verifies(identity, signature, data)
    keys = ServiceSigningKeys([record])
    assert keys.verify("complaints.intake.events", ["intake"], b"k", b"{}", headers, datetime.now(UTC)) == "intake"
