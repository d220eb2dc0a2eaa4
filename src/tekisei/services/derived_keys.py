"""Keys derived from the deployment secret (``TEKISEI_SECRET_KEY`` or
``<data_dir>/secret.key``, see :meth:`Settings.secret`).

Each purpose has its own ``info`` string, so that no two purposes share a key and one
key leaking reveals neither the secret nor another key. An ``info`` string never changes
once data was sealed or signed with its key: the key would no longer open it.
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from tekisei.config import Settings

__all__ = ["derived_key"]


def derived_key(settings: Settings, info: bytes) -> bytes:
    """The 32-byte key for the purpose ``info``: HKDF-SHA256 (no salt) of the deployment
    secret's UTF-8 bytes."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(
        settings.secret().encode("utf-8")
    )
