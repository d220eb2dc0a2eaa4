"""A deployment's signing PKI on disk: one root CA whose key is kept, a claim-signing
certificate per organisation issued by it, and a time-stamping certificate.

Layout under the folder (files 0600, folders 0700, like every secret tekisei keeps)::

    ca/root.pem, ca/root.key          the deployment root and its private key
    orgs/<id>/signer.pem              the organisation's current signer: its key, then
                                      the chain (leaf, root), in one file written whole
    orgs/<id>/issued/<serial>.pem     every signer certificate ever issued to it
    tsa.pem                           the time-stamping key and chain, likewise
    root.pem, chain.pem, signer.key   a deployment set up before signers were per
                                      organisation: its root stays a trust anchor, so the
                                      images it signed keep validating; its key is unused
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from tekisei.private import private_dir, write_private
from tekisei.provenance._pki import (
    Authority,
    ClaimSigner,
    issue_signer,
    issue_time_stamping,
    load_authority,
    new_root,
    subject_text,
)
from tekisei.provenance._tsa import TimeStampAuthority

RENEW_BEFORE = timedelta(days=30)
"""A signer this close to its expiry is replaced by a new one on next use."""


@dataclass(frozen=True)
class DeploymentPki:
    """Where a deployment's signing PKI is, and how it issues certificates."""

    folder: Path

    @property
    def root_certificate(self) -> Path:
        """The deployment root (PEM)."""
        return self.folder / "ca" / "root.pem"

    @property
    def root_key(self) -> Path:
        """The deployment root's private key (PKCS#8 PEM, 0600)."""
        return self.folder / "ca" / "root.key"

    @property
    def legacy_root(self) -> Path:
        """The root of a deployment set up before per-organisation signers."""
        return self.folder / "root.pem"

    def has_root(self) -> bool:
        """Whether the deployment root and its key are there."""
        return self.root_certificate.is_file() and self.root_key.is_file()

    def exists(self) -> bool:
        """Whether signing was set up (a root with its key, or an earlier deployment's root,
        which is replaced by a new root on first need)."""
        return self.has_root() or self.legacy_root.is_file()

    def create_root(self, *, now: datetime | None = None) -> Authority:
        """Make the deployment root. Two processes racing both end with the same root.

        Raises:
            FileExistsError: the deployment has a root already.
        """
        if self.has_root():
            raise FileExistsError(f"{self.folder} already holds a deployment root")
        moment = now or datetime.now(UTC)
        root = new_root(f"tekisei C2PA root {moment:%Y-%m-%d}", "tekisei deployment", now=now)
        private_dir(self.folder)
        staging = Path(tempfile.mkdtemp(dir=self.folder, prefix=".ca."))  # 0700
        write_private(staging / "root.pem", root.certificate_pem())
        write_private(staging / "root.key", root.key_pem())
        try:
            os.rename(staging, self.folder / "ca")
        except OSError:  # another process made it meanwhile: theirs stands
            shutil.rmtree(staging, ignore_errors=True)
            raise FileExistsError(f"{self.folder} already holds a deployment root") from None
        return root

    def ensure_root(self) -> Authority:
        """The deployment root, made now when there is none (first need, or an earlier
        deployment's root whose key was not kept)."""
        if not self.has_root():
            try:
                return self.create_root()
            except FileExistsError:
                pass  # made meanwhile by another process
        return self.root()

    def root(self) -> Authority:
        """The deployment root with its key.

        Raises:
            FileNotFoundError: no root yet.
        """
        return load_authority(self.root_certificate.read_bytes(), self.root_key.read_bytes())

    def trust_anchors(self) -> list[str]:
        """The roots verifiers trust (PEM each): the deployment root, and the earlier
        deployment's root when there was one."""
        anchors: list[str] = []
        for path in (self.root_certificate, self.legacy_root):
            if path.is_file():
                text = path.read_text(encoding="ascii")
                if text not in anchors:
                    anchors.append(text)
        return anchors

    def _org(self, org_id: int) -> Path:
        return self.folder / "orgs" / str(int(org_id))

    def current_signer(self, org_id: int) -> ClaimSigner | None:
        """The organisation's current signer, when it has one."""
        path = self._org(org_id) / "signer.pem"
        if not path.is_file():
            return None
        key, chain = _split(path.read_bytes())
        return ClaimSigner(chain=chain, key=key)

    def signer(self, org_id: int, organisation: str, *, now: datetime | None = None) -> ClaimSigner:
        """The organisation's signer: the current one while it is valid for another 30 days
        and names the organisation as it is called now, else a new one from the root.

        Raises:
            FileNotFoundError: no deployment root yet.
            ValueError: the name has nothing printable for a certificate.
        """
        moment = now or datetime.now(UTC)
        current = self.current_signer(org_id)
        if current is not None:
            leaf = current.certificate
            named = leaf.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
            if (
                leaf.not_valid_after_utc - moment > RENEW_BEFORE
                and named
                and named[0].value == subject_text(organisation)
                and x509.load_pem_x509_certificates(current.chain)[-1] == self.root().certificate
            ):
                return current
        return self.issue(org_id, organisation)

    def issue(
        self,
        org_id: int,
        organisation: str,
        *,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
    ) -> ClaimSigner:
        """Issue the organisation a new signer and make it its current one (the earlier
        ones stay in its list of issued certificates).

        Raises:
            FileNotFoundError: no deployment root yet.
            ValueError: the name has nothing printable for a certificate.
        """
        made = issue_signer(self.root(), organisation, not_before=not_before, not_after=not_after)
        folder = self._org(org_id)
        serial = made.certificate.serial_number
        write_private(folder / "issued" / f"{serial:x}.pem", made.certificate.public_bytes(_PEM))
        write_private(folder / "signer.pem", made.key + made.chain)
        return made

    def issued(self, org_id: int) -> list[x509.Certificate]:
        """Every signer certificate issued to the organisation, oldest first."""
        folder = self._org(org_id) / "issued"
        if not folder.is_dir():
            return []
        found = [x509.load_pem_x509_certificate(p.read_bytes()) for p in folder.glob("*.pem")]
        return sorted(found, key=lambda c: c.not_valid_before_utc)

    def all_issued(self) -> list[x509.Certificate]:
        """Every signer certificate the deployment root issued, to any organisation."""
        orgs = self.folder / "orgs"
        if not orgs.is_dir():
            return []
        return [
            x509.load_pem_x509_certificate(p.read_bytes())
            for p in sorted(orgs.glob("*/issued/*.pem"))
        ]

    def time_stamping(self) -> TimeStampAuthority:
        """The deployment's time-stamping certificate and key, issued on first need.

        Raises:
            FileNotFoundError: no deployment root yet.
        """
        path = self.folder / "tsa.pem"
        root = self.root().certificate
        if path.is_file():
            key, chain = _split(path.read_bytes())
            leaf, *rest = x509.load_pem_x509_certificates(chain)
            if rest[-1:] == [root] and leaf.not_valid_after_utc > datetime.now(UTC):
                return TimeStampAuthority(chain=chain, key=key)
        made_chain, made_key = issue_time_stamping(self.root(), "tekisei deployment")
        write_private(path, made_key + made_chain)
        return TimeStampAuthority(chain=made_chain, key=made_key)


_PEM = serialization.Encoding.PEM
_KEY_END = b"-----END PRIVATE KEY-----\n"


def _split(bundle: bytes) -> tuple[bytes, bytes]:
    """A key-then-chain PEM bundle as (key, chain)."""
    end = bundle.index(_KEY_END) + len(_KEY_END)
    return bundle[:end], bundle[end:]
