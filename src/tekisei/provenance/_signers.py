"""A deployment's signing PKI on disk: one root CA whose key is kept, a claim-signing
certificate per organisation issued by it, and a time-stamping certificate.

Layout under the folder (files 0600, folders 0700, like every secret tekisei keeps)::

    ca/root.pem, ca/root.key          the deployment root and its private key (sealed)
    orgs/<id>/signer.pem              the organisation's current signer: its sealed key,
                                      then the chain (leaf, root), in one file written whole
    orgs/<id>/issued/<serial>.pem     every signer certificate ever issued to it
    tsa.pem                           the time-stamping key (sealed) and chain, likewise
    root.pem, chain.pem, signer.key   a deployment set up before signers were per
                                      organisation: its root stays a trust anchor, so the
                                      images it signed keep validating; its key is unused
                                      (sealed like the others when the deployment is opened)

Every private key is sealed at rest: AES-256-GCM under a key derived with HKDF-SHA256
(``tekisei pki key sealing v1``) from the deployment's master key (itself HKDF of
``TEKISEI_SECRET_KEY``), bound to the file's place in the folder (``ca/root.key``,
``orgs/<id>/signer.pem``, ...), so a sealed key copied to another place does not open. A
sealed key is a ``TEKISEI SEALED KEY`` block in place of the PEM private key. A key found
in clear (a deployment from before sealing) is sealed on first load: the sealed file is
written under a temporary name, flushed to disk and renamed over the plain one, so a
process killed midway leaves the plain file as it was (and at most a temporary file
holding the sealed key), and the next load seals it again.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.x509.oid import NameOID

from tekisei.private import private_dir, write_private
from tekisei.provenance._keys import SealError, seal, unseal
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

_SWEPT: set[Path] = set()
"""PKI folders whose keys this process found sealed already (checked once per process)."""
_SEALING_INFO = b"tekisei pki key sealing v1"
SEALED_BEGIN = b"-----BEGIN TEKISEI SEALED KEY-----\n"
SEALED_END = b"-----END TEKISEI SEALED KEY-----\n"
_PLAIN_BEGIN = b"-----BEGIN PRIVATE KEY-----"
_PLAIN_END = b"-----END PRIVATE KEY-----\n"


class PkiKeyError(SealError):
    """A signing key of the deployment cannot be opened: the deployment secret is not the
    one it was sealed with (or the file was altered). Carries the Japanese in ``ja``."""

    def __init__(self, where: str) -> None:
        super().__init__(
            f"the deployment's signing key {where} cannot be opened with this deployment "
            "secret: set TEKISEI_SECRET_KEY (or <data_dir>/secret.key) back to the secret "
            "the deployment had when the key was made; the signing keys are encrypted with "
            "it. If that secret is lost, move the pki folder aside and run "
            "tekisei provenance pki init (images signed before keep validating only while "
            "the old root.pem is kept as a trust anchor)"
        )
        self.ja = (
            f"署名用の鍵（{where}）を、いまの配備の秘密（TEKISEI_SECRET_KEY）では開けません。"
            "鍵は作成時の秘密で暗号化されています。TEKISEI_SECRET_KEY（または "
            "<data_dir>/secret.key）を鍵を作ったときの値に戻してください。その秘密を失った"
            "場合は pki フォルダを別の場所に移し、tekisei provenance pki init をやり直して"
            "ください。"
        )


def sealing_key(master: bytes) -> bytes:
    """The key that seals the PKI's private keys: HKDF-SHA256 of the master key with its
    own info string (no other key of the deployment)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_SEALING_INFO).derive(master)


def seal_key_pem(key: bytes, sealing: bytes, where: str) -> bytes:
    """A PEM private key as a ``TEKISEI SEALED KEY`` block bound to ``where``."""
    body = seal(key, sealing, where).encode("ascii")
    lines = b"\n".join(body[i : i + 64] for i in range(0, len(body), 64))
    return SEALED_BEGIN + lines + b"\n" + SEALED_END


def _unseal_key_pem(block: bytes, sealing: bytes, where: str) -> bytes:
    body = b"".join(block[len(SEALED_BEGIN) : block.index(SEALED_END)].split())
    try:
        return unseal(body.decode("ascii"), sealing, where)
    except (SealError, ValueError):
        raise PkiKeyError(where) from None


def _take_key(bundle: bytes) -> tuple[bytes, bytes, bool]:
    """A file's leading private key block, the rest, and whether the key is sealed.

    Raises:
        ValueError: the file starts with no private key.
    """
    if bundle.startswith(SEALED_BEGIN):
        end = bundle.index(SEALED_END) + len(SEALED_END)
        return bundle[:end], bundle[end:], True
    if bundle.lstrip().startswith(_PLAIN_BEGIN):
        end = bundle.index(_PLAIN_END) + len(_PLAIN_END)
        return bundle[:end], bundle[end:], False
    raise ValueError("the file does not start with a private key")


@dataclass(frozen=True)
class DeploymentPki:
    """Where a deployment's signing PKI is, and how it issues certificates.

    ``master`` (the deployment's master key, :func:`tekisei.services.provenance.master_key`)
    opens and seals the private keys; without it only certificates can be read.
    """

    folder: Path
    master: bytes | None = None

    def _sealing(self) -> bytes:
        if self.master is None:
            raise PkiKeyError("(no deployment secret was given)")
        return sealing_key(self.master)

    def _where(self, path: Path) -> str:
        return path.relative_to(self.folder).as_posix()

    def read_key(self, path: Path) -> tuple[bytes, bytes]:
        """The private key (PEM, in clear, in memory only) at the start of ``path`` and
        what follows it (a chain, or nothing). A key still in clear on disk is sealed
        now, the file replaced whole.

        Raises:
            FileNotFoundError: no such file.
            PkiKeyError: the key does not open with this deployment secret.
        """
        sealing = self._sealing()
        where = self._where(path)
        block, rest, sealed = _take_key(path.read_bytes())
        if sealed:
            return _unseal_key_pem(block, sealing, where), rest
        key = block.strip() + b"\n"
        write_private(path, seal_key_pem(key, sealing, where) + rest)
        return key, rest

    def write_key(self, path: Path, key: bytes, rest: bytes = b"") -> None:
        """Write ``key`` (PEM) sealed, followed by ``rest`` (a chain), whole, mode 0600."""
        write_private(path, seal_key_pem(key, self._sealing(), self._where(path)) + rest)

    def seal_plain_keys(self) -> list[Path]:
        """Seal every private key of the folder still kept in clear (a deployment from
        before sealing, the unused key of the earlier single signer included); the files
        sealed now.

        Raises:
            PkiKeyError: no deployment secret was given, or a key already sealed does not
                open with it (then nothing is sealed with a secret that is not the
                deployment's).
        """
        candidates = [self.root_key, self.folder / "tsa.pem", self.folder / "signer.key"]
        candidates += sorted(self.folder.glob("orgs/*/signer.pem"))
        present = [path for path in candidates if path.is_file()]
        plain = [path for path in present if not path.read_bytes().startswith(SEALED_BEGIN)]
        for path in present:  # a secret that opens none of the sealed keys seals nothing
            if path not in plain:
                self.read_key(path)
        sealed: list[Path] = []
        for path in plain:
            self.read_key(path)
            sealed.append(path)
        _SWEPT.add(self.folder.resolve())
        return sealed

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
        sealing = self._sealing()  # before anything is written
        moment = now or datetime.now(UTC)
        root = new_root(f"tekisei C2PA root {moment:%Y-%m-%d}", "tekisei deployment", now=now)
        private_dir(self.folder)
        staging = Path(tempfile.mkdtemp(dir=self.folder, prefix=".ca."))  # 0700
        write_private(staging / "root.pem", root.certificate_pem())
        write_private(staging / "root.key", seal_key_pem(root.key_pem(), sealing, "ca/root.key"))
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
        if self.folder.resolve() not in _SWEPT:
            self.seal_plain_keys()
        key, _ = self.read_key(self.root_key)
        return load_authority(self.root_certificate.read_bytes(), key)

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
        """The organisation's current signer, when it has one.

        Raises:
            PkiKeyError: its key does not open with this deployment secret.
        """
        path = self._org(org_id) / "signer.pem"
        if not path.is_file():
            return None
        key, chain = self.read_key(path)
        return ClaimSigner(chain=chain, key=key)

    def current_certificate(self, org_id: int) -> x509.Certificate | None:
        """The organisation's current signing certificate (its key is not opened)."""
        path = self._org(org_id) / "signer.pem"
        if not path.is_file():
            return None
        _, chain, _ = _take_key(path.read_bytes())
        return x509.load_pem_x509_certificates(chain)[0]

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
        self.write_key(folder / "signer.pem", made.key, made.chain)
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
            key, chain = self.read_key(path)
            leaf, *rest = x509.load_pem_x509_certificates(chain)
            if rest[-1:] == [root] and leaf.not_valid_after_utc > datetime.now(UTC):
                return TimeStampAuthority(chain=chain, key=key)
        made_chain, made_key = issue_time_stamping(self.root(), "tekisei deployment")
        self.write_key(path, made_key, made_chain)
        return TimeStampAuthority(chain=made_chain, key=made_key)


_PEM = serialization.Encoding.PEM
