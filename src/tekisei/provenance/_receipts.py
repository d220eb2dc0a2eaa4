"""Signed verification receipts: a compact JWS (RFC 7515, EdDSA over Ed25519, RFC 8037)
whose payload says what a check found, verifiable offline with the issuer's published
JWK Set (RFC 7517)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from typing import Annotated, Any, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import BaseModel, ConfigDict, Field, ValidationError

RECEIPT_TYPE = "tekisei-receipt+jws"
MAX_RECEIPT = 8192
"""Characters of the longest receipt accepted for checking."""
_B64URL = re.compile(r"[A-Za-z0-9_-]*")


class ReceiptError(ValueError):
    """A receipt that cannot be relied on (malformed, unknown key, bad signature)."""


class Receipt(BaseModel):
    """What a receipt states about one verification."""

    model_config = ConfigDict(extra="forbid")

    version: Literal[1] = 1
    iss: Annotated[str, Field(min_length=1, max_length=500)]
    """The deployment that checked (its public address)."""
    iat: Annotated[int, Field(ge=0)]
    """When, in whole seconds since the epoch (UTC)."""
    kind: Literal["text", "image"]
    verdict: Annotated[str, Field(max_length=40)]
    scheme: Annotated[str, Field(max_length=100)]
    sha256: Annotated[str, Field(pattern="^[0-9a-f]{64}$")]
    """SHA-256 of the checked input: the text's UTF-8 bytes, or the image file."""
    key_id: Annotated[str | None, Field(max_length=40)] = None
    """The watermark key, only when the caller belonged to the key's organisation."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise ReceiptError("the receipt is not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise ReceiptError("the receipt is not base64url") from None


def _raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def jwk(key: Ed25519PublicKey) -> dict[str, str]:
    """The public key as a JWK, with its RFC 7638 thumbprint as ``kid``."""
    x = _b64(_raw(key))
    canonical = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": x}, separators=(",", ":"))
    kid = _b64(hashlib.sha256(canonical.encode("ascii")).digest())
    return {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "alg": "EdDSA", "use": "sig"}


def sign_receipt(receipt: Receipt, key: Ed25519PrivateKey) -> str:
    """The receipt as a compact JWS signed with ``key``."""
    header = {"alg": "EdDSA", "typ": RECEIPT_TYPE, "kid": jwk(key.public_key())["kid"]}
    signing_input = (
        _b64(json.dumps(header, separators=(",", ":")).encode("ascii"))
        + "."
        + _b64(receipt.model_dump_json(exclude_none=True).encode("utf-8"))
    )
    return signing_input + "." + _b64(key.sign(signing_input.encode("ascii")))


def _public_keys(jwks: Any) -> dict[str, Ed25519PublicKey]:
    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    if not isinstance(keys, list):
        raise ReceiptError('the key file is not a JWK Set ({"keys": [...]})')
    found: dict[str, Ed25519PublicKey] = {}
    for item in keys:
        if not (
            isinstance(item, dict)
            and item.get("kty") == "OKP"
            and item.get("crv") == "Ed25519"
            and isinstance(item.get("x"), str)
        ):
            continue  # another kind of key: not one receipts are signed with
        try:
            key = Ed25519PublicKey.from_public_bytes(_unb64(item["x"]))
        except (ReceiptError, ValueError):
            continue
        found[jwk(key)["kid"]] = key  # the thumbprint, whatever "kid" the file claims
    return found


def verify_receipt(token: str, jwks: Any, *, issuer: str | None = None) -> Receipt:
    """The receipt's statement, once its signature is verified with a key of ``jwks``
    (a parsed JWK Set); with ``issuer``, it must also name that deployment.

    Raises:
        ReceiptError: malformed, another algorithm than EdDSA (``none`` included), a key
            not in the set, a bad signature, or another issuer.
    """
    token = token.strip()
    if len(token) > MAX_RECEIPT:
        raise ReceiptError("the receipt is too long")
    parts = token.split(".")
    if len(parts) != 3:
        raise ReceiptError("a receipt has three parts separated by dots")
    try:
        header = json.loads(_unb64(parts[0]))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ReceiptError("the receipt's header is not JSON") from None
    if not isinstance(header, dict) or header.get("alg") != "EdDSA":
        raise ReceiptError("the receipt is not signed with EdDSA")
    if header.get("typ") != RECEIPT_TYPE or set(header) - {"alg", "typ", "kid"}:
        raise ReceiptError("the receipt is not a tekisei receipt")
    key = _public_keys(jwks).get(str(header.get("kid")))
    if key is None:
        raise ReceiptError("the receipt was signed with a key that is not in the key set")
    try:
        key.verify(_unb64(parts[2]), f"{parts[0]}.{parts[1]}".encode("ascii"))
    except (InvalidSignature, UnicodeEncodeError):
        raise ReceiptError("the receipt's signature does not match") from None
    try:
        statement = Receipt.model_validate_json(_unb64(parts[1]))
    except ValidationError:
        raise ReceiptError("the receipt's payload is not a receipt") from None
    if issuer is not None and statement.iss != issuer:
        raise ReceiptError(f"the receipt was issued by {statement.iss}, not {issuer}")
    return statement


def input_digest(data: bytes) -> str:
    """The SHA-256 a receipt records for an input."""
    return hashlib.sha256(data).hexdigest()
