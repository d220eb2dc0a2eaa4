"""Every key derived from the deployment secret is the one derived before they shared
:func:`derived_key`: the same HKDF-SHA256 with the same info string, so what was sealed
or signed with it still opens or verifies."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from tekisei.config import Settings, load_settings
from tekisei.provenance import seal, unseal
from tekisei.services import eval_jobs, mfa, provenance, receipts, signing, sso
from tekisei.services.derived_keys import derived_key

SECRET = "a deployment secret kept for years"

# (purpose, how tekisei derives it, its info string, the key derived before (hex)).
KEYS: list[tuple[str, Callable[[Settings], bytes], bytes, str]] = [
    ("watermark secrets", provenance.master_key, b"tekisei provenance key sealing v1",
     "c4c9fcd390825698d2f30a37c90bce3c6abd0125da7365c558598b50f687dbf0"),
    ("authenticator secrets", mfa.sealing_key, b"tekisei mfa secret sealing v1",
     "642cf0fd4c87204e59185b56ef26695e5fb4ad6271e2c1a254f779264caa793d"),
    ("client secrets", sso.sso_key, b"tekisei sso client secret v1",
     "539d46e210d05d92887128747a8499147c32433425b0be0a86d0be5ecbf2894d"),
    ("run API keys", eval_jobs.secrets_key, b"tekisei evaluation run keys v1",
     "e38235cbfb7ed8a5ef4d99fe06a9cbb48b00f0f46fa7cdebfbbef6132bf7bcfa"),
]  # fmt: skip


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(secret_key=SECRET, data_dir=tmp_path)


def _hkdf(info: bytes) -> bytes:
    """The derivation written out independently of tekisei."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(
        SECRET.encode("utf-8")
    )


@pytest.mark.parametrize(("purpose", "derive", "info", "before"), KEYS, ids=[k[0] for k in KEYS])
def test_each_sealing_key_is_the_one_derived_before(
    settings: Settings, purpose: str, derive: Callable[[Settings], bytes], info: bytes, before: str
) -> None:
    assert derive(settings) == derived_key(settings, info) == _hkdf(info) == bytes.fromhex(before)
    sealed_before = seal(b"kept since last year", _hkdf(info), purpose)
    assert unseal(sealed_before, derive(settings), purpose) == b"kept since last year"


def _raw(public: object) -> bytes:
    return public.public_bytes(  # type: ignore[attr-defined,no-any-return]
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )


def test_the_receipt_and_checkpoint_keys_are_the_ones_derived_before(settings: Settings) -> None:
    """Receipts and audit checkpoints signed before still verify: the same Ed25519 keys."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    for key, info, before in (
        (receipts.receipt_key(settings), b"tekisei provenance receipt signing key v1",
         "f1ee0069a3b7d6c2e5c47c11ee100db79ffc7a4c1be575f17ed8ab2c9e440696"),
        (signing.signer_for(settings).key, b"tekisei audit checkpoint signing key v1",
         "712fbf7d288a50687bab5ee21b165f57bcf719ce36df179b5d43f2b5dbe1b8ef"),
    ):  # fmt: skip
        assert _hkdf(info) == bytes.fromhex(before)
        expected = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(before)).public_key()
        assert _raw(key.public_key()) == _raw(expected)


def test_each_purpose_has_a_key_of_its_own(settings: Settings) -> None:
    keys = [derive(settings) for _, derive, _, _ in KEYS]
    assert len(set(keys)) == len(keys)
    other = load_settings(secret_key=SECRET + "!", data_dir=settings.data_dir)
    assert all(derive(other) != key for (_, derive, _, _), key in zip(KEYS, keys, strict=True))
