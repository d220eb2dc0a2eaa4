"""Watermark keys: what the registry keeps of each (never the secret in clear)."""

from __future__ import annotations

import base64
import os
import secrets
from datetime import datetime
from enum import StrEnum

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from pydantic import BaseModel

from tekisei.provenance._kgw import SCHEME, WatermarkParams


class KeyStatus(StrEnum):
    """``active`` keys mark new text; ``rotated`` keys still verify old text; ``retired``
    keys mark nothing and verify nothing: a text carrying a retired key's watermark is
    answered as such (verdict ``key_retired``), never as detected."""

    ACTIVE = "active"
    ROTATED = "rotated"
    RETIRED = "retired"


class WatermarkKey(BaseModel):
    """A key as the registry shows it: id, scheme, parameters, tokenizer and status."""

    key_id: str
    scheme: str = SCHEME
    params: WatermarkParams
    tokenizer_sha256: str
    tokenizer_name: str
    status: KeyStatus
    created_at: datetime
    rotated_at: datetime | None = None
    retired_at: datetime | None = None


class SealError(ValueError):
    """A sealed secret cannot be opened (wrong deployment secret, or altered)."""


def new_secret() -> bytes:
    """A fresh 32-byte watermark secret."""
    return secrets.token_bytes(32)


def new_key_id() -> str:
    """A short public key id, e.g. ``wk-3f9a1c2b7d``."""
    return "wk-" + secrets.token_hex(5)


def seal(secret: bytes, master: bytes, key_id: str) -> str:
    """AES-256-GCM of ``secret`` under ``master``, bound to ``key_id``; base64 text."""
    nonce = os.urandom(12)
    sealed = AESGCM(master).encrypt(nonce, secret, key_id.encode("utf-8"))
    return base64.b64encode(nonce + sealed).decode("ascii")


def unseal(text: str, master: bytes, key_id: str) -> bytes:
    """The secret sealed by :func:`seal`.

    Raises:
        SealError: the deployment secret differs, or the sealed text was altered.
    """
    data = base64.b64decode(text)
    try:
        return AESGCM(master).decrypt(data[:12], data[12:], key_id.encode("utf-8"))
    except InvalidTag:
        raise SealError(
            f"the secret of key {key_id} cannot be opened: the deployment secret "
            "(TEKISEI_SECRET_KEY) is not the one it was sealed with, or it was altered"
        ) from None
