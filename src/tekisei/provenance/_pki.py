"""A deployment's own signing PKI for C2PA: a root CA and a claim-signing leaf (ES256).

C2PA needs a CA → leaf chain (a self-signed end-entity certificate is refused). The
leaf carries the C2PA claim-signing extended key usage. Verification uses the root as
the trust anchor, so nothing is fetched from the network.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tekisei.private import private_dir, write_private

C2PA_CLAIM_SIGNING = x509.ObjectIdentifier("1.3.6.1.4.1.62558.2.1")


@dataclass(frozen=True)
class Pki:
    """Where a deployment's PKI files are."""

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


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
        ]
    )


def init_pki(folder: Path, organisation: str, *, years: int = 5) -> Pki:
    """Create a root CA and a claim-signing leaf in ``folder`` (which must not hold one).

    Raises:
        FileExistsError: a PKI is there already (it is never overwritten).
    """
    pki = Pki(folder)
    if pki.root.exists() or pki.key.exists():
        raise FileExistsError(f"{folder} already holds a signing PKI; it is never overwritten")
    private_dir(folder)
    now = datetime.now(UTC) - timedelta(minutes=5)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = _name(f"{organisation} C2PA root", organisation)
    root = (
        x509.CertificateBuilder()
        .subject_name(root_name)
        .issuer_name(root_name)
        .public_key(root_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=365 * years))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), False)
        .sign(root_key, hashes.SHA256())
    )
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(_name(f"{organisation} content credentials", organisation))
        .issuer_name(root_name)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=365 * years - 1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION, C2PA_CLAIM_SIGNING]),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), False
        )
        .sign(root_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    write_private(pki.root, root.public_bytes(pem))
    write_private(pki.chain, leaf.public_bytes(pem) + root.public_bytes(pem))
    descriptor = os.open(pki.key, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(
            leaf_key.private_bytes(
                pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
    return pki
