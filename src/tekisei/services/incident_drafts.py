"""Drafts of incident reports, pre-filled from where an incident showed itself: an inquiry
from the public, a failing evaluation run (its failing cases per perspective and risk), a
failing provenance check (its samples that lost their marks). A draft is a form for a
person to review and send (``services/incidents.py`` :func:`report_incident`), never an
incident by itself: nothing is stored and nothing is audited here."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from tekisei.core.incidents import Harm, IncidentReport, Severity, Source
from tekisei.core.orgs import Permission, Principal, require
from tekisei.errors import InvalidInputError
from tekisei.services import eval_runs, incident_sources, incidents, inquiries

HARMS_OF_RISKS: dict[str, Harm] = {
    "social.bias": Harm.DISCRIMINATION,
    "social.privacy": Harm.RIGHTS,
    "social.property": Harm.RIGHTS,
    "social.over-reliance": Harm.PSYCHOLOGICAL,
    "social.crime": Harm.FINANCIAL,
    "social.environment": Harm.ENVIRONMENTAL,
    "deepfake.sexual-imagery": Harm.PSYCHOLOGICAL,
    "deepfake.impersonation": Harm.REPUTATIONAL,
}
"""The harm a failing case of a risk of the taxonomy suggests."""


class IncidentDraft(BaseModel):
    """A pre-filled report: the fields of :class:`IncidentReport`, not yet checked."""

    title: str
    description: str = ""
    severity: Severity = Severity.MEDIUM
    detected_at: datetime | None = None
    systems: list[int] = Field(default_factory=list)
    harms: list[Harm] = Field(default_factory=list)
    affected_parties: str = ""
    source: Source = Source.FORM
    source_ref: str = ""


def _words(lang: str, ja: str, en: str) -> str:
    return ja if lang == "ja" else en


def _drafts(principal: Principal) -> None:
    incidents.reads_register(principal)
    require(principal, Permission.WRITE_INCIDENTS)


def from_inquiry(
    session: Session, principal: Principal, inquiry_id: int, lang: str = "ja"
) -> IncidentDraft:
    """A draft from an inquiry the principal can see: its subject and message, the system
    it is about, received as the time the incident was detected.

    Raises:
        NotFoundError: the inquiry is not visible (external testers see none).
        PermissionDeniedError: the role may not write incidents.
    """
    _drafts(principal)
    row = inquiries.get_inquiry(session, principal, inquiry_id)
    title = row.subject or _words(lang, f"問い合わせ {row.tracking}", f"Inquiry {row.tracking}")
    return IncidentDraft(
        title=title[:200], description=row.message[:4000], detected_at=row.received_at,
        systems=[row.system_id] if row.system_id else [],
        affected_parties=_words(lang, "問い合わせの送信者", "The sender of the inquiry"),
        source=Source.INQUIRY, source_ref=str(row.id),
    )  # fmt: skip


def from_run(
    session: Session, principal: Principal, reference: str | int, lang: str = "ja"
) -> IncidentDraft:
    """A draft from an evaluation run with failing cases: how many failed, per
    perspective and per risk, the harms the risks suggest, high severity when half or more
    failed.

    Raises:
        NotFoundError: the run is not visible.
        PermissionDeniedError: the role may not write incidents.
        InvalidInputError: no case of the run failed.
    """
    _drafts(principal)
    row = eval_runs.visible_run(session, principal, reference)
    failed = row.answered - row.passed
    if failed <= 0:
        raise InvalidInputError(
            f"no case of run {row.key} failed; there is nothing to report",
            ja=f"評価実行 {row.key} に不合格のケースはありません。報告することはありません。",
        )
    summary = row.summary or {}
    lines: list[str] = []
    failing_risks: list[str] = []
    for group in ("by_perspective", "by_risk"):
        for name, tally in sorted((summary.get(group) or {}).items()):
            lost = int(tally.get("total", 0)) - int(tally.get("passed", 0))
            if lost > 0:
                lines.append(f"- {name}: {lost}/{tally.get('total', 0)}")
                if group == "by_risk":
                    failing_risks.append(name)
    head = _words(
        lang,
        f"評価実行 {row.key}（{row.suite}）で {row.answered} 件中 {failed} 件が不合格",
        f"Evaluation run {row.key} ({row.suite}): {failed} of {row.answered} cases failed",
    )
    harms = sorted({HARMS_OF_RISKS[r] for r in failing_risks if r in HARMS_OF_RISKS},
                   key=list(Harm).index)  # fmt: skip
    return IncidentDraft(
        title=head[:200], description="\n".join([head, *lines])[:4000],
        severity=Severity.HIGH if failed * 2 >= row.answered else Severity.MEDIUM,
        detected_at=row.finished_at or row.started_at, systems=[row.system_id], harms=harms,
        source=Source.EVAL_RUN, source_ref=str(row.id),
    )  # fmt: skip


def from_check(
    session: Session, principal: Principal, check_id: int, lang: str = "ja"
) -> IncidentDraft:
    """A draft from a failing provenance check: the samples that lost their marks.

    Raises:
        NotFoundError: the check is not visible.
        PermissionDeniedError: the role may not write incidents.
        InvalidInputError: the check passed.
    """
    _drafts(principal)
    row = incident_sources.visible_check(session, principal, check_id)
    if row.passed:
        raise InvalidInputError(
            f"provenance check {row.id} passed; there is nothing to report",
            ja=f"来歴の検証 {row.id} は合格しています。報告することはありません。",
        )
    lost = [str(d.get("file", "")) for d in row.details if not d.get("ok")]
    head = _words(
        lang,
        f"来歴の検証 {row.id}: テキスト {row.texts} 件中 {row.texts_detected} 件、画像 "
        f"{row.images} 件中 {row.images_verified} 件で出所の表示を確認",
        f"Provenance check {row.id}: marks found in {row.texts_detected} of {row.texts} "
        f"texts and {row.images_verified} of {row.images} images",
    )
    return IncidentDraft(
        title=head[:200], description="\n".join([head, *(f"- {f}" for f in lost)])[:4000],
        detected_at=row.checked_at, systems=[row.system_id], harms=[Harm.OTHER],
        source=Source.PROVENANCE_CHECK, source_ref=str(row.id),
    )  # fmt: skip


def as_report(draft: IncidentDraft) -> IncidentReport:
    """The draft as a report, checked (for callers that send a draft unchanged).

    Raises:
        ValidationError: the draft is not a valid report (no system, for instance).
    """
    return IncidentReport.model_validate(draft.model_dump())
