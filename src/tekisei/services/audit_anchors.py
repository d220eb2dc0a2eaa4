"""Anchors: signed heads of every organisation's chain, witnessed outside the database.

``tekisei audit anchor`` appends one line per organisation to the anchor file
(``TEKISEI_AUDIT_ANCHOR_FILE``, on another volume or host). Later checks require the
chain to still extend every anchored head: the event at the anchored sequence number
has the anchored hash, and the chain is at least that long. So a rewrite or a
truncation after an anchor is caught even by someone who holds the signing key, as
long as they cannot rewrite the anchor file as well.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from tekisei.core.audit import ANCHOR_FORMAT, AuditAnchor, AuditProblem, anchor_message
from tekisei.db.orgs import OrgRow
from tekisei.errors import NotFoundError
from tekisei.services import audit
from tekisei.services import audit_anchor_file as anchor_file
from tekisei.services.audit_anchor_file import AnchorLines
from tekisei.services.signing import Signer


@dataclass(frozen=True)
class AnchorRun:
    """What one ``tekisei audit anchor`` did."""

    path: Path
    started_file: bool
    """The file did not exist before (a first run, or the old one was lost)."""
    anchored: list[AuditAnchor]
    refused: list[audit.ChainCheck]
    """Organisations whose chain does not verify: not anchored, so no witness vouches
    for a tampered chain."""


def anchor_heads(session: Session, signer: Signer, path: Path) -> AnchorRun:
    """Check every organisation's chain and append a signed anchor of each head that
    verifies (and extends its latest anchor) to the file at ``path``.

    Raises:
        ConfigError: the file's folder does not exist or the file cannot be written.
    """
    if not path.parent.is_dir():
        anchor_file.append(path, [])  # raises the error that names the folder
    audit.snapshot(session)
    started = not path.is_file()
    anchored: list[AuditAnchor] = []
    refused: list[audit.ChainCheck] = []
    for org in session.scalars(select(OrgRow).order_by(OrgRow.slug)):
        lines = None if started else anchor_file.read_latest(path, org.slug)
        check = audit.check_org(session, org, signer, lines)
        if not check.ok:
            refused.append(check)
            continue
        if org.audit_seq == 0:
            continue
        at = audit.now_iso()
        anchored.append(
            AuditAnchor(
                format=ANCHOR_FORMAT,
                org=org.slug,
                seq=org.audit_seq,
                hash=org.audit_head,
                at=at,
                key_id=signer.key_id,
                signature=signer.sign(anchor_message(org.slug, org.audit_seq, org.audit_head, at)),
            )
        )
    anchor_file.append(path, anchored)
    return AnchorRun(path, started, anchored, refused)


@dataclass(frozen=True)
class LiveVerification:
    """Every organisation's chain checked against every anchor in the file."""

    checks: list[audit.ChainCheck]
    file_problems: list[AuditProblem]
    """Damaged lines, and anchors of organisations that are no longer in the database."""

    @property
    def ok(self) -> bool:
        """Whether every check passed."""
        return not self.file_problems and all(c.ok for c in self.checks)


def check_all(
    session: Session, signer: Signer, anchors: Path | None, org: str | None = None
) -> LiveVerification:
    """Check the live chain of ``org`` (every organisation when None) and, with
    ``anchors``, every anchor in the file (the operator's full check).

    Raises:
        NotFoundError: ``org`` does not exist.
    """
    audit.snapshot(session)
    query = select(OrgRow).order_by(OrgRow.slug)
    rows = list(session.scalars(query if org is None else query.where(OrgRow.slug == org)))
    if org is not None and not rows:
        raise NotFoundError(
            f"no organisation with id {org!r}", ja=f"ID {org!r} の組織はありません。"
        )
    read = anchor_file.read_all(anchors) if anchors is not None else None
    checks = []
    for row in rows:
        lines = None
        if read is not None:
            mine = [a for a in read.anchors if a.anchor.org == row.slug]
            lines = AnchorLines(read.exists, mine, [])
        checks.append(audit.check_org(session, row, signer, lines))
    file_problems: list[AuditProblem] = []
    if read is not None:
        file_problems += read.damaged
        known = {row.slug for row in rows}
        if org is None:
            for numbered in read.anchors:
                if numbered.anchor.org not in known:
                    file_problems.append(
                        AuditProblem(
                            "anchor",
                            f"{numbered.name}: the organisation {numbered.anchor.org} is not in "
                            "the database (it was deleted, or this is another deployment's file)",
                            f"{numbered.name_ja}: 組織 {numbered.anchor.org} がデータベースに"
                            "ありません（削除されたか、別の環境のファイルです）",
                            numbered.anchor.seq,
                        )
                    )
    return LiveVerification(checks, file_problems)
