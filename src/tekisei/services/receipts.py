"""Signed receipts of verifications: the deployment's receipt key (Ed25519, derived
from the deployment secret), its published JWK Set, and the receipt of a text or image
check."""

from __future__ import annotations

import time
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import BaseModel

from tekisei.config import Settings
from tekisei.provenance import (
    MAX_RECEIPT,
    SCHEME,
    WATERMARK_ALG,
    Detection,
    Receipt,
    ReceiptError,
    input_digest,
    jwk,
    verify_receipt,
)
from tekisei.provenance import sign_receipt as _sign
from tekisei.services.credentials import ImageVerification
from tekisei.services.derived_keys import derived_key
from tekisei.services.provenance import PublicResult

__all__ = [
    "JWKS_PATH",
    "MAX_RECEIPT",
    "ReceiptCheck",
    "ReceiptError",
    "check_receipt",
    "image_receipt",
    "issuer",
    "key_set",
    "receipt_key",
    "text_receipt",
]

_INFO = b"tekisei provenance receipt signing key v1"
JWKS_PATH = "/.well-known/tekisei-receipt-keys.json"


def receipt_key(settings: Settings) -> Ed25519PrivateKey:
    """The deployment's receipt key: HKDF-SHA256 of the secret with its own info string,
    so it survives restarts and is no other key of the deployment."""
    seed = derived_key(settings, _INFO)
    return Ed25519PrivateKey.from_private_bytes(seed)


def key_set(settings: Settings) -> dict[str, Any]:
    """The JWK Set (RFC 7517) a verifier needs to check this deployment's receipts
    offline."""
    return {"keys": [jwk(receipt_key(settings).public_key())]}


def issuer(settings: Settings, fallback: str) -> str:
    """The deployment's public address (``TEKISEI_PUBLIC_URL``), else ``fallback``."""
    return (settings.public_url or fallback).rstrip("/")


def text_receipt(settings: Settings, iss: str, text: str, found: Detection | PublicResult) -> str:
    """A signed receipt of a text check. It names the key only when ``found`` is the
    exact score, which callers get only from their own organisation's keys."""
    statement = Receipt(
        iss=iss,
        iat=int(time.time()),
        kind="text",
        verdict=found.verdict.value,
        scheme=found.scheme if isinstance(found, Detection) else SCHEME,
        sha256=input_digest(text.encode("utf-8")),
        key_id=found.key_id if isinstance(found, Detection) else None,
    )
    return _sign(statement, receipt_key(settings))


def image_verdict(found: ImageVerification) -> tuple[str, str]:
    """The verdict and scheme a receipt records for an image check."""
    if found.c2pa.present:
        return (found.c2pa.state or "invalid").lower(), "c2pa"
    if found.recovered is not None:
        return "recovered", WATERMARK_ALG
    return "not_found", "c2pa"


def image_receipt(settings: Settings, iss: str, data: bytes, found: ImageVerification) -> str:
    """A signed receipt of an image check."""
    verdict, scheme = image_verdict(found)
    statement = Receipt(
        iss=iss,
        iat=int(time.time()),
        kind="image",
        verdict=verdict,
        scheme=scheme,
        sha256=input_digest(data),
    )
    return _sign(statement, receipt_key(settings))


class ReceiptCheck(BaseModel):
    """A receipt whose signature holds: what it states, and whether a given input is the
    one it was issued for."""

    statement: Receipt
    input_matches: bool | None
    """None when no input was given."""


def check_receipt(
    token: str, keys: Any, *, issuer: str | None = None, data: bytes | None = None
) -> ReceiptCheck:
    """Verify a receipt offline against a published key set (parsed JSON), and ``data``'s
    SHA-256 against the one it records.

    Raises:
        ReceiptError: the receipt cannot be relied on (the reason in English).
    """
    statement = verify_receipt(token, keys, issuer=issuer)
    matches = None if data is None else input_digest(data) == statement.sha256
    return ReceiptCheck(statement=statement, input_matches=matches)
