"""JSON API of assessments and evidence."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from tekisei.core.assessments import AnswerFields, AnswerState
from tekisei.services import assessments as assessment_service
from tekisei.services import evidence as evidence_service
from tekisei.services import reports as report_service
from tekisei.services.assessments import GUIDELINE, AssessmentOut, FrameworkViewOut
from tekisei.services.evidence import EvidenceView
from tekisei.services.people import ActorNames
from tekisei.web.api.common import IdField, IdPath, VersionField, database, reading, transaction
from tekisei.web.auth import PrincipalDep
from tekisei.web.files import attachment, multipart_body, read_multipart

router = APIRouter(tags=["assessments"])


class AssessmentStart(BaseModel):
    """Which framework to assess against (the guideline by default)."""

    model_config = ConfigDict(extra="forbid")

    framework: Annotated[str, Field(min_length=1, max_length=80)] = GUIDELINE


class AnswerIn(AnswerFields):
    """An answer; ``version`` is the answer's version you read (omit for a first answer)."""

    version: VersionField | None = None


class AnswerOut(BaseModel):
    """The stored answer."""

    requirement: str
    state: AnswerState
    version: int


class Attachment(BaseModel):
    """Evidence to attach to the answer of a requirement."""

    model_config = ConfigDict(extra="forbid")

    requirement: Annotated[str, Field(min_length=1, max_length=300)]
    evidence_id: IdField


class LinkIn(BaseModel):
    """A link to keep as evidence."""

    model_config = ConfigDict(extra="forbid")

    url: Annotated[str, Field(min_length=1, max_length=2000)]
    title: Annotated[str, Field(max_length=200)] = ""


Requirement = Annotated[
    str, Query(min_length=1, max_length=300, description="URN or '<framework>:<section>'")
]


@router.post("/api/systems/{system_id}/assessments", response_model=AssessmentOut, status_code=201)
def start(
    request: Request,
    principal: PrincipalDep,
    system_id: IdPath,
    body: AssessmentStart | None = None,
) -> AssessmentOut:
    """Open an assessment (answers of the last closed one carry over)."""
    framework = body.framework if body else GUIDELINE
    with transaction(request) as session:
        row = assessment_service.start_assessment(session, principal, system_id, framework)
        return assessment_service.assessment_report(session, principal, row.id)


@router.get("/api/systems/{system_id}/assessment", response_model=AssessmentOut | FrameworkViewOut)
def current(
    request: Request,
    principal: PrincipalDep,
    system_id: IdPath,
    framework: Annotated[
        str | None, Query(max_length=80, description="Another framework's view")
    ] = None,
) -> AssessmentOut | FrameworkViewOut:
    """The system's guideline assessment, or (with ``framework``) that framework's view of
    it, derived through the crosswalk and marking what needs a direct answer."""
    with reading(request) as session:
        if framework and framework != GUIDELINE:
            return assessment_service.framework_view(session, principal, system_id, framework)
        row = assessment_service.current_assessment(session, principal, system_id)
        return assessment_service.assessment_report(session, principal, row.id)


@router.get("/api/assessments/{assessment_id}", response_model=AssessmentOut)
def get_assessment(
    request: Request, principal: PrincipalDep, assessment_id: IdPath
) -> AssessmentOut:
    """One assessment with answers, scores and gaps."""
    with reading(request) as session:
        return assessment_service.assessment_report(session, principal, assessment_id)


@router.put("/api/assessments/{assessment_id}/answers", response_model=AnswerOut)
def put_answer(
    request: Request,
    principal: PrincipalDep,
    assessment_id: IdPath,
    requirement: Requirement,
    body: AnswerIn,
) -> AnswerOut:
    """Answer one requirement (a stale ``version`` gets 409). Fields left out of the
    body keep their values (``notes``, ``justification``, the owner); send ``""`` or
    ``null`` to clear one."""
    fields = AnswerFields.model_validate(body.model_dump(exclude={"version"}))
    sent = body.model_fields_set
    keep = [f for f in ("notes", "justification") if f not in sent]
    if not sent & {"owner_id", "owner_text"}:
        keep.append("owner")
    with transaction(request) as session:
        row = assessment_service.answer_requirement(
            session, principal, assessment_id, requirement, fields, body.version, keep
        )
        return AnswerOut(
            requirement=row.node_urn, state=AnswerState(row.state), version=row.version
        )


@router.post("/api/assessments/{assessment_id}/evidence", status_code=204)
def attach(
    request: Request, principal: PrincipalDep, assessment_id: IdPath, body: Attachment
) -> None:
    """Let evidence back the answer of a requirement."""
    with transaction(request) as session:
        assessment_service.attach_evidence(
            session, principal, assessment_id, body.requirement, body.evidence_id
        )


@router.post("/api/assessments/{assessment_id}/close", response_model=AssessmentOut)
def close(request: Request, principal: PrincipalDep, assessment_id: IdPath) -> AssessmentOut:
    """Freeze the assessment."""
    with transaction(request) as session:
        assessment_service.close_assessment(session, principal, assessment_id)
        return assessment_service.assessment_report(session, principal, assessment_id)


@router.post(
    "/api/evidence/files",
    response_model=EvidenceView,
    status_code=201,
    openapi_extra=multipart_body(
        files={"file": "PDF, PNG, JPEG, text, CSV, JSON or Office"},
        fields={"title": ("What the file shows (default: its name)", 200)},
    ),
)
async def upload(request: Request, principal: PrincipalDep) -> EvidenceView:
    """Upload a file as evidence (size-limited; its bytes must match its type). The
    caller is checked before a byte of the upload is read."""
    db = database(request)
    assert db.files_dir is not None
    files, fields = await read_multipart(request, files=("file",), fields={"title": 200})
    file = files["file"]
    data = await file.read(db.max_upload_bytes + 1)
    with transaction(request) as session:
        row = evidence_service.add_file(
            session,
            principal,
            db.files_dir,
            filename=file.filename or "evidence",
            data=data,
            content_type=file.content_type or "application/octet-stream",
            max_bytes=db.max_upload_bytes,
            title=fields["title"],
        )
        return evidence_service.view(row, ActorNames(session, principal))


@router.post("/api/evidence/links", response_model=EvidenceView, status_code=201)
def add_link(request: Request, principal: PrincipalDep, body: LinkIn) -> EvidenceView:
    """Keep a link as evidence."""
    with transaction(request) as session:
        row = evidence_service.add_link(session, principal, url=body.url, title=body.title)
        return evidence_service.view(row, ActorNames(session, principal))


@router.get("/api/evidence/{evidence_id}", response_model=EvidenceView)
def get_evidence(request: Request, principal: PrincipalDep, evidence_id: IdPath) -> EvidenceView:
    """One piece of evidence."""
    with reading(request) as session:
        return evidence_service.view(
            evidence_service.visible_evidence(session, principal, evidence_id),
            ActorNames(session, principal),
        )


@router.get("/api/evidence/{evidence_id}/download", response_class=FileResponse)
def download(request: Request, principal: PrincipalDep, evidence_id: IdPath) -> FileResponse:
    """The stored file, always as an attachment."""
    db = database(request)
    assert db.files_dir is not None
    with reading(request) as session:
        found = evidence_service.download(session, principal, db.files_dir, evidence_id)
    return FileResponse(
        found.path,
        media_type=found.content_type,
        headers={"Content-Disposition": attachment(found.filename)},
    )


@router.get("/api/systems/{system_id}/assessment/report", response_class=Response)
def report(
    request: Request,
    principal: PrincipalDep,
    system_id: IdPath,
    format: Annotated[str, Query(pattern="^(html|pdf|xlsx)$")] = "pdf",
    lang: Annotated[str, Query(pattern="^(ja|en)$")] = "ja",
    framework: Annotated[
        list[Annotated[str, Field(max_length=80)]] | None, Query(max_length=10)
    ] = None,
) -> Response:
    """The assessment report (HTML, PDF or XLSX) as an attachment, with framework views."""
    with reading(request) as session:
        found = report_service.assessment_report(
            session,
            principal,
            system_id,
            format,
            "ja" if lang == "ja" else "en",
            tuple(framework) if framework else report_service.DEFAULT_VIEWS,
        )
    return Response(
        found.content,
        media_type=found.media_type,
        headers={"Content-Disposition": attachment(found.filename)},
    )
