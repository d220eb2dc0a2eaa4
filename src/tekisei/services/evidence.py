"""Evidence: files stored by SHA-256 outside any served folder, links and references."""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

from pydantic import BaseModel
from sqlalchemy.orm import Session

from tekisei.core.catalog import Lang, Localized
from tekisei.core.evidence import detect, safe_filename
from tekisei.core.notes import AutoNote, read_note
from tekisei.core.orgs import Permission, Principal, require
from tekisei.db.assessments import EvidenceRow
from tekisei.db.orgs import OrgRow
from tekisei.errors import InvalidInputError, NotFoundError
from tekisei.private import private_dir
from tekisei.services import audit, storage
from tekisei.services.notes import note_text, note_words
from tekisei.services.people import ActorNames
from tekisei.services.scope import visible_evidence as visible_evidence  # where callers look


class EvidenceView(BaseModel):
    """A piece of evidence as readers see it (files are downloaded separately)."""

    id: int
    kind: str
    title: str
    auto_title: Localized | None = None
    """The title tekisei gave it (a run, a provenance check), in both languages."""
    sha256: str | None
    size: int | None
    content_type: str | None
    filename: str | None
    url: str | None
    reference: str | None
    created_by: str
    created_at: datetime

    def title_in(self, lang: Lang) -> str:
        """The title a reader of ``lang`` sees."""
        return self.auto_title.get(lang) if self.auto_title else self.title


def view(row: EvidenceRow, actors: ActorNames) -> EvidenceView:
    """The reader's view of ``row`` (``actors``: how the one who added it is shown)."""
    note = read_note(row.auto_title)
    return EvidenceView(
        id=row.id,
        kind=row.kind,
        title=row.title,
        auto_title=note_words(note) if note else None,
        sha256=row.sha256,
        size=row.size,
        content_type=row.content_type,
        filename=row.filename,
        url=row.url,
        reference=row.reference,
        created_by=actors(row.created_by),
        created_at=row.created_at,
    )


MAX_TITLE = 200
MAX_URL = 2000


def _title(title: str, fallback: str) -> str:
    """The title given, else the fallback, within the title column's 200 characters."""
    return (title.strip() or fallback.strip())[:MAX_TITLE]


def _org(session: Session, principal: Principal) -> OrgRow:
    org = session.get(OrgRow, principal.org_id)
    assert org is not None
    return org


def _store(files_dir: Path, digest: str, data: bytes) -> None:
    target = files_dir / digest[:2] / digest
    if target.exists():
        return
    private_dir(target.parent)  # the files folder and its subfolder, 0700
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, target)
    except BaseException:
        # A full disk leaves no half-written file behind.
        Path(temporary).unlink(missing_ok=True)
        raise


def add_file(
    session: Session,
    principal: Principal,
    files_dir: Path,
    *,
    filename: str,
    data: bytes,
    content_type: str,
    max_bytes: int,
    title: str = "",
    auto_title: AutoNote | None = None,
) -> EvidenceRow:
    """Keep an uploaded file as evidence; a file tekisei made itself has an ``auto_title``
    (worded for each reader) instead of a ``title``.

    Raises:
        InvalidInputError: empty, too large, or its bytes are not what it claims to be.
    """
    require(principal, Permission.WRITE_ASSESSMENTS)
    if not data:
        raise InvalidInputError("the file is empty", ja="ファイルが空です。")
    if len(data) > max_bytes:
        raise InvalidInputError(
            f"the file is {len(data)} bytes; the limit is {max_bytes} (TEKISEI_MAX_UPLOAD_MB)",
            ja=f"ファイルが大きすぎます（{len(data)}バイト、上限{max_bytes}バイト）。",
        )
    found = detect(data, content_type, filename)
    if isinstance(found, str):
        raise InvalidInputError(found, ja=f"このファイルは受け付けられません: {found}")
    digest = hashlib.sha256(data).hexdigest()
    with storage.guard("evidence files", files_dir):
        _store(files_dir, digest, data)
    name = found.filename
    row = EvidenceRow(
        org_id=principal.org_id,
        kind="file",
        title=_title(note_text(auto_title, "ja") if auto_title else title, name),
        auto_title=auto_title.stored() if auto_title else None,
        sha256=digest,
        size=len(data),
        content_type=found.content_type,
        filename=name,
        created_by=principal.email,
        created_at=datetime.now(UTC),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        _org(session, principal),
        principal.email,
        "evidence.add",
        "evidence",
        row.id,
        {"kind": "file", "filename": name, "sha256": digest, "size": len(data)},
    )
    return row


def add_link(session: Session, principal: Principal, *, url: str, title: str = "") -> EvidenceRow:
    """Keep a link (http or https) as evidence.

    Raises:
        InvalidInputError: not an http(s) URL.
    """
    require(principal, Permission.WRITE_ASSESSMENTS)
    parsed = urlparse(url.strip())
    if len(url) > MAX_URL:
        raise InvalidInputError(
            f"the address is longer than {MAX_URL} characters",
            ja=f"アドレスが長すぎます（{MAX_URL}文字まで）。",
        )
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise InvalidInputError(
            "give an http:// or https:// address",
            ja="http:// または https:// で始まるアドレスを指定してください。",
        )
    return _keep(session, principal, kind="link", title=_title(title, url), url=url.strip())


def add_reference(
    session: Session, principal: Principal, *, reference: str, title: str = ""
) -> EvidenceRow:
    """Keep a reference to another tekisei object (e.g. ``risk:12``) as evidence."""
    require(principal, Permission.WRITE_ASSESSMENTS)
    kind, _, ident = reference.partition(":")
    if kind not in ("system", "risk", "evidence", "eval") or not ident.strip():
        raise InvalidInputError(
            "a reference looks like risk:12 or system:3",
            ja="参照は risk:12 や system:3 の形式で指定してください。",
        )
    return _keep(
        session,
        principal,
        kind="reference",
        title=_title(title, reference),
        reference=reference.strip()[:MAX_TITLE],
    )


def _keep(
    session: Session, principal: Principal, *, kind: str, title: str, **fields: str
) -> EvidenceRow:
    """Store a link or reference and record it in the audit log."""
    row = EvidenceRow(
        org_id=principal.org_id,
        kind=kind,
        title=title,
        created_by=principal.email,
        created_at=datetime.now(UTC),
        **fields,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        _org(session, principal),
        principal.email,
        "evidence.add",
        "evidence",
        row.id,
        {"kind": kind, **fields},
    )
    return row


@dataclass(frozen=True)
class Download:
    """A stored file, ready to send as an attachment."""

    path: Path
    filename: str
    content_type: str


def download(session: Session, principal: Principal, files_dir: Path, evidence_id: int) -> Download:
    """The stored file of a file evidence.

    Raises:
        NotFoundError: not visible, not a file, or the stored bytes are missing.
    """
    row = visible_evidence(session, principal, evidence_id)
    if row.kind != "file" or row.sha256 is None:
        raise NotFoundError(
            f"evidence {evidence_id} is not a file",
            ja=f"証跡 {evidence_id} はファイルではありません。",
        )
    path = files_dir / row.sha256[:2] / row.sha256
    if not path.is_file():
        raise NotFoundError(
            f"the stored file of evidence {evidence_id} is missing",
            ja=f"証跡 {evidence_id} のファイルが見つかりません。",
        )
    # Named again on the way out: rows stored before names were cleaned keep theirs.
    media = row.content_type or "application/octet-stream"
    return Download(path, safe_filename(row.filename or "evidence", media), media)
