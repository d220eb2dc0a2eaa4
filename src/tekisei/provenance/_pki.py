"""Certificates for C2PA signing (ES256): a root CA, claim-signing leaves named after the
organisation they sign for, and a time-stamping certificate.

C2PA needs a CA → leaf chain (a self-signed end-entity certificate is refused). A
claim-signing leaf carries the C2PA claim-signing extended key usage; a time-stamping
certificate carries ``id-kp-timeStamping`` (critical, as RFC 3161 requires). Verification
uses the roots as trust anchors, so nothing is fetched from the network.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tekisei.private import private_dir, write_private

C2PA_CLAIM_SIGNING = x509.ObjectIdentifier("1.3.6.1.4.1.62558.2.1")
NAME_LIMIT = 64
"""X.509's upper bound for a common name and an organisation name (RFC 5280, ub-*), which
the cryptography package counts in UTF-8 bytes: 21 kanji at most."""
_PEM = serialization.Encoding.PEM


@dataclass(frozen=True)
class Pki:
    """Where a single-signer PKI's files are (see :func:`init_pki`)."""

    folder: Path

    @property
    def root(self) -> Path:
        """The root CA certificate (PEM): the trust anchor verifiers use."""
        return self.folder / "root.pem"

    @property
    def chain(self) -> Path:
        """The leaf certificate followed by the root (PEM)."""
        return self.folder / "chain.pem"

    @property
    def key(self) -> Path:
        """The leaf's private key (PKCS#8 PEM, readable by the owner only)."""
        return self.folder / "signer.key"

    def exists(self) -> bool:
        """Whether all three files are there."""
        return self.root.is_file() and self.chain.is_file() and self.key.is_file()

    def signer(self) -> ClaimSigner:
        """The leaf chain and key, read from the files."""
        return ClaimSigner(chain=self.chain.read_bytes(), key=self.key.read_bytes())


@dataclass(frozen=True)
class ClaimSigner:
    """What signs a C2PA claim: the leaf chain (PEM, leaf first) and its key (PKCS#8 PEM)."""

    chain: bytes
    key: bytes

    @property
    def certificate(self) -> x509.Certificate:
        """The leaf certificate."""
        return x509.load_pem_x509_certificates(self.chain)[0]


@dataclass(frozen=True)
class Authority:
    """A certificate authority: its certificate and private key."""

    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    def certificate_pem(self) -> bytes:
        """The certificate (PEM)."""
        return self.certificate.public_bytes(_PEM)

    def key_pem(self) -> bytes:
        """The private key (PKCS#8 PEM, unencrypted: stored with mode 0600)."""
        return key_pem(self.key)


def key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    """``key`` as PKCS#8 PEM."""
    return key.private_bytes(_PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def subject_text(name: str) -> str:
    """``name`` as a certificate subject can hold it: control and format characters
    removed, blanks collapsed, NFC, at most 64 bytes of UTF-8 (cut with "…").

    Raises:
        ValueError: nothing printable is left.
    """
    cleaned = "".join(
        " " if unicodedata.category(c) in {"Cc", "Zl", "Zp", "Zs"} else c
        for c in unicodedata.normalize("NFC", name)
        if unicodedata.category(c) not in {"Cf", "Cs", "Co", "Cn"} or c in "\t\n"
    )
    cleaned = " ".join(cleaned.split())
    if not cleaned:
        raise ValueError("the name has no printable characters for a certificate subject")
    if len(cleaned.encode("utf-8")) > NAME_LIMIT:
        room = NAME_LIMIT - len("…".encode())
        while len(cleaned.encode("utf-8")) > room:
            cleaned = cleaned[:-1]
        cleaned = cleaned.rstrip() + "…"
    return cleaned


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, subject_text(common_name)),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, subject_text(organisation)),
        ]
    )


def _usage(*, sign: bool, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def new_root(
    common_name: str, organisation: str, *, years: int = 10, now: datetime | None = None
) -> Authority:
    """A fresh self-signed root CA (ECDSA P-256) that may issue end-entity certificates."""
    start = (now or datetime.now(UTC)) - timedelta(minutes=5)
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(common_name, organisation)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(sign=False, ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .sign(key, hashes.SHA256())
    )
    return Authority(certificate, key)


def _leaf(
    root: Authority,
    name: x509.Name,
    usages: list[x509.ObjectIdentifier],
    *,
    critical_usage: bool,
    not_before: datetime,
    not_after: datetime,
) -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(root.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(min(not_after, root.certificate.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(sign=True, ca=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage(usages), critical=critical_usage)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root.key.public_key()), False
        )
        .sign(root.key, hashes.SHA256())
    )
    return certificate.public_bytes(_PEM) + root.certificate_pem(), key_pem(key)


def issue_signer(
    root: Authority,
    organisation: str,
    *,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
) -> ClaimSigner:
    """A claim-signing leaf for ``organisation`` (its name as O= and CN=), issued by
    ``root``; valid for two years unless told otherwise (never beyond the root).

    Raises:
        ValueError: the name has nothing printable.
    """
    start = not_before or datetime.now(UTC) - timedelta(minutes=5)
    chain, key = _leaf(
        root,
        _name(organisation, organisation),
        [ExtendedKeyUsageOID.EMAIL_PROTECTION, C2PA_CLAIM_SIGNING],
        critical_usage=False,
        not_before=start,
        not_after=not_after or start + timedelta(days=730),
    )
    return ClaimSigner(chain=chain, key=key)


def issue_time_stamping(root: Authority, deployment: str) -> tuple[bytes, bytes]:
    """A time-stamping certificate chain (PEM) and key (PEM) issued by ``root``: extended
    key usage ``id-kp-timeStamping`` only, critical (RFC 3161 §2.3), valid as long as the
    root."""
    start = datetime.now(UTC) - timedelta(minutes=5)
    return _leaf(
        root,
        _name(f"{subject_text(deployment)[:40]} time-stamping", deployment),
        [ExtendedKeyUsageOID.TIME_STAMPING],
        critical_usage=True,
        not_before=start,
        not_after=root.certificate.not_valid_after_utc,
    )


def load_authority(certificate_pem: bytes, key_pem_bytes: bytes) -> Authority:
    """An authority from its PEM certificate and PEM private key."""
    key = serialization.load_pem_private_key(key_pem_bytes, password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return Authority(x509.load_pem_x509_certificate(certificate_pem), key)


def init_pki(folder: Path, organisation: str, *, years: int = 5) -> Pki:
    """Create a root CA and one claim-signing leaf in ``folder`` (which must not hold one):
    the library's simplest setup, for one signer.

    Raises:
        FileExistsError: a PKI is there already (it is never overwritten).
    """
    pki = Pki(folder)
    if pki.root.exists() or pki.key.exists():
        raise FileExistsError(f"{folder} already holds a signing PKI; it is never overwritten")
    private_dir(folder)
    root = new_root(f"{subject_text(organisation)[:50]} C2PA root", organisation, years=years)
    signer = issue_signer(root, organisation)
    write_private(pki.root, root.certificate_pem())
    write_private(pki.chain, signer.chain)
    descriptor = os.open(pki.key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(signer.key)
    return pki
