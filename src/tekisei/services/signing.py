"""The Ed25519 key that signs audit checkpoints, derived from the deployment secret."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from tekisei.config import Settings
from tekisei.services.derived_keys import derived_key

_INFO = b"tekisei audit checkpoint signing key v1"


@dataclass(frozen=True)
class Signer:
    """Signs checkpoint messages; the public half goes into every export."""

    key: Ed25519PrivateKey

    @property
    def public_key(self) -> str:
        """Base64 raw public key."""
        raw = self.key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        return base64.b64encode(raw).decode("ascii")

    @property
    def key_id(self) -> str:
        """First 16 hex digits of the SHA-256 of the raw public key."""
        return key_id(self.public_key)

    def sign(self, message: bytes) -> str:
        """Base64 signature of ``message``."""
        return base64.b64encode(self.key.sign(message)).decode("ascii")


def key_id(public_key: str) -> str:
    """The id of a base64 raw public key."""
    return hashlib.sha256(base64.b64decode(public_key)).hexdigest()[:16]


def signer_for(settings: Settings) -> Signer:
    """The deployment's signer: HKDF-SHA256 of the secret key, so it survives restarts."""
    seed = derived_key(settings, _INFO)
    return Signer(Ed25519PrivateKey.from_private_bytes(seed))


def signature_valid(public_key: str, message: bytes, signature: str) -> bool:
    """Whether ``signature`` (base64) is ``public_key``'s signature of ``message``."""
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key))
        key.verify(base64.b64decode(signature), message)
    except (InvalidSignature, ValueError):
        return False
    return True
