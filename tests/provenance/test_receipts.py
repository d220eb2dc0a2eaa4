"""Signed receipts of verifications: a compact JWS over the verdict, verified offline
with the deployment's published key set; anything altered, unsigned, signed with another
key or by another deployment is refused; the command needs no database."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from tekisei.cli.app import app
from tekisei.config import load_settings
from tekisei.provenance import Receipt, ReceiptError, input_digest, jwk, sign_receipt
from tekisei.services import receipts

SECRET = "a" * 40
OTHER_SECRET = "b" * 40


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def statement(**changes: object) -> Receipt:
    fields: dict[str, object] = {
        "iss": "https://ai.example.jp",
        "iat": 1_800_000_000,
        "kind": "text",
        "verdict": "watermark_detected",
        "scheme": "keyed-kgw-v1",
        "sha256": input_digest("本文".encode()),
    }
    return Receipt.model_validate(fields | changes)


def deployment(secret: str = SECRET) -> tuple[Ed25519PrivateKey, dict[str, object]]:
    settings = load_settings(secret_key=secret)
    return receipts.receipt_key(settings), receipts.key_set(settings)


def test_a_receipt_verifies_offline_with_the_published_keys() -> None:
    key, keys = deployment()
    token = sign_receipt(statement(key_id="k-acme-1"), key)
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header == {
        "alg": "EdDSA",
        "typ": "tekisei-receipt+jws",
        "kid": jwk(key.public_key())["kid"],
    }
    checked = receipts.check_receipt(token, keys, data="本文".encode())
    assert checked.statement == statement(key_id="k-acme-1") and checked.input_matches is True
    assert receipts.check_receipt(token, keys, data=b"other").input_matches is False
    # The same secret gives the same key after a restart; the key is no other key's.
    assert deployment()[1] == keys
    assert all("d" not in k for k in keys["keys"])  # type: ignore[attr-defined]  # no private half


def _tampered_payload(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["verdict"] = "not_detected"
    return ".".join([header, _b64(json.dumps(claims).encode()), signature])


def _tampered_signature(token: str) -> str:
    header, payload, signature = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(signature + "=="))
    raw[0] ^= 1
    return ".".join([header, payload, _b64(bytes(raw))])


def _unsigned(token: str) -> str:
    payload = token.split(".")[1]
    return ".".join([_b64(b'{"alg":"none","typ":"tekisei-receipt+jws"}'), payload, ""])


def _other_alg(token: str) -> str:
    _, payload, signature = token.split(".")
    kid = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))["kid"]
    header = {"alg": "HS256", "typ": "tekisei-receipt+jws", "kid": kid}
    return ".".join([_b64(json.dumps(header).encode()), payload, signature])


@pytest.mark.parametrize(
    ("forge", "reason"),
    [
        (_tampered_payload, "signature does not match"),
        (_tampered_signature, "signature does not match"),
        (_unsigned, "not signed with EdDSA"),
        (_other_alg, "not signed with EdDSA"),
        (lambda t: t + ".x", "three parts"),
        (lambda t: "*" + t, "not base64url"),
        (lambda t: "x" * 9000, "too long"),
        (lambda t: "", "three parts"),
    ],
)
def test_altered_or_unsigned_receipts_are_refused(forge: object, reason: str) -> None:
    key, keys = deployment()
    token = sign_receipt(statement(), key)
    with pytest.raises(ReceiptError, match=reason):
        receipts.check_receipt(forge(token), keys)  # type: ignore[operator]


def test_a_receipt_of_another_deployment_or_key_is_refused() -> None:
    _, keys = deployment()
    other_key, other_keys = deployment(OTHER_SECRET)
    theirs = sign_receipt(statement(), other_key)
    assert receipts.check_receipt(theirs, other_keys).statement.verdict == "watermark_detected"
    with pytest.raises(ReceiptError, match="not in the key set"):
        receipts.check_receipt(theirs, keys)
    # A key set that claims the other deployment's kid for our key does not help.
    lying = {"keys": [dict(keys["keys"][0], kid=jwk(other_key.public_key())["kid"])]}  # type: ignore[index]
    with pytest.raises(ReceiptError, match="not in the key set"):
        receipts.check_receipt(theirs, lying)
    with pytest.raises(ReceiptError, match="not a JWK Set"):
        receipts.check_receipt(theirs, ["not", "a", "set"])
    mine = sign_receipt(statement(), deployment()[0])
    with pytest.raises(ReceiptError, match=r"issued by https://ai\.example\.jp, not"):
        receipts.check_receipt(mine, keys, issuer="https://elsewhere.example")


def test_a_payload_that_is_not_a_receipt_is_refused_even_when_signed() -> None:
    key, keys = deployment()
    kid = jwk(key.public_key())["kid"]
    header = _b64(json.dumps({"alg": "EdDSA", "typ": "tekisei-receipt+jws", "kid": kid}).encode())
    payload = _b64(b'{"iss": "x", "admin": true}')
    signature = _b64(key.sign(f"{header}.{payload}".encode()))
    with pytest.raises(ReceiptError, match="payload is not a receipt"):
        receipts.check_receipt(f"{header}.{payload}.{signature}", keys)


def test_the_command_verifies_a_receipt_and_the_input_offline(tmp_path: Path) -> None:
    key, keys = deployment()
    image = tmp_path / "checked.png"
    image.write_bytes(b"\x89PNG image bytes")
    token = sign_receipt(
        statement(
            kind="image", verdict="trusted", scheme="c2pa", sha256=input_digest(image.read_bytes())
        ),
        key,
    )
    (tmp_path / "keys.json").write_text(json.dumps(keys))
    (tmp_path / "receipt.jws").write_text(token + "\n")
    env = {"TEKISEI_DATABASE_URL": "sqlite:////nonexistent/none.db", "LANG": "C.UTF-8"}
    runner = CliRunner()

    def run(*args: str) -> object:
        return runner.invoke(app, ["provenance", "verify-receipt", *args], env=env)

    ok = run(str(tmp_path / "receipt.jws"), "--jwks", str(tmp_path / "keys.json"),
             "--file", str(image), "--lang", "en")  # fmt: skip
    assert ok.exit_code == 0, ok.output  # type: ignore[attr-defined]
    assert "receipt valid" in ok.output and "hash matches" in ok.output  # type: ignore[attr-defined]
    other = tmp_path / "other.png"
    other.write_bytes(b"\x89PNG other")
    changed = run(token, "--jwks", str(tmp_path / "keys.json"), "--file", str(other), "--json")
    assert changed.exit_code == 1  # type: ignore[attr-defined]
    assert json.loads(changed.output)["input_matches"] is False  # type: ignore[attr-defined]
    forged = run(_tampered_payload(token), "--jwks", str(tmp_path / "keys.json"), "--lang", "ja")
    assert forged.exit_code == 1  # type: ignore[attr-defined]
    assert "署名が一致しません" in forged.output  # type: ignore[attr-defined]
    _, other_keys = deployment(OTHER_SECRET)
    (tmp_path / "theirs.json").write_text(json.dumps(other_keys))
    elsewhere = run(token, "--jwks", str(tmp_path / "theirs.json"), "--lang", "ja")
    assert elsewhere.exit_code == 1 and "鍵のファイルにありません" in elsewhere.output  # type: ignore[attr-defined]
