"""Assessment pages: requirements with answers and evidence, other frameworks' views,
the answer form, and evidence downloads."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from tekisei.core.assessments import AnswerFields, AnswerState
from tekisei.core.orgs import Permission, can
from tekisei.errors import ConflictError, InvalidInputError, NotFoundError
from tekisei.services import assessments as assessment_service
from tekisei.services import catalog as catalog_service
from tekisei.services import evidence as evidence_service
from tekisei.services import owners as owner_service
from tekisei.services import systems as system_service
from tekisei.services.assessments import GUIDELINE
from tekisei.web.api.common import IdPath, database, reading, transaction
from tekisei.web.auth import PrincipalDep
from tekisei.web.files import attachment
from tekisei.web.forms import check_csrf, field_errors, owner_fields
from tekisei.web.templating import render

router = APIRouter(include_in_schema=False)
STATES = [s.value for s in AnswerState]


@router.get("/systems/{system_id}/assessment", response_class=HTMLResponse)
def assessment_page(
    request: Request,
    principal: PrincipalDep,
    system_id: IdPath,
    framework: Annotated[str, Query(max_length=80)] = GUIDELINE,
) -> HTMLResponse:
    """The assessment, or another framework's view of it
    (JSON twin: /api/systems/{id}/assessment?framework=…)."""
    with reading(request) as session:
        system = system_service.view(
            system_service.visible_system(session, principal, system_id), principal.org_slug
        )
        frameworks = [
            f
            for f in catalog_service.list_frameworks(session)
            if f.assessable and f.id != "tekisei-risks-1"
        ]
        report = view = None
        try:
            if framework == GUIDELINE:
                row = assessment_service.current_assessment(session, principal, system_id)
                report = assessment_service.assessment_report(session, principal, row.id)
            else:
                view = assessment_service.framework_view(session, principal, system_id, framework)
        except NotFoundError:
            report = view = None
    return render(
        request,
        "assessments/index.html",
        {
            "system": system,
            "report": report,
            "view": view,
            "framework": framework,
            "frameworks": frameworks,
            "guideline": GUIDELINE,
            "can_write": can(principal.role, Permission.WRITE_ASSESSMENTS),
        },
    )


@router.post("/systems/{system_id}/assessment/start", response_model=None)
async def start(request: Request, principal: PrincipalDep, system_id: IdPath) -> Response:
    """Open an assessment."""
    check_csrf(request, dict(await request.form()))
    with transaction(request) as session:
        assessment_service.start_assessment(session, principal, system_id)
    return RedirectResponse(f"/systems/{system_id}/assessment", status_code=303)


@router.post("/systems/{system_id}/assessment/close", response_model=None)
async def close(request: Request, principal: PrincipalDep, system_id: IdPath) -> Response:
    """Freeze the open assessment, once the person has ticked that its answers can then no
    longer change (a second step, so that a stray click freezes nothing)."""
    form = dict(await request.form())
    check_csrf(request, form)
    with transaction(request) as session:
        row = assessment_service.current_assessment(session, principal, system_id)
        if form.get("confirm") != "1":
            return RedirectResponse(
                f"/systems/{system_id}/assessment?close=confirm#close", status_code=303
            )
        assessment_service.close_assessment(session, principal, row.id)
    return RedirectResponse(f"/systems/{system_id}/assessment?saved=1", status_code=303)


def _answer_page(
    request: Request,
    principal: PrincipalDep,
    system_id: IdPath,
    requirement: str,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status: int = 200,
) -> HTMLResponse:
    with reading(request) as session:
        system = system_service.view(
            system_service.visible_system(session, principal, system_id), principal.org_slug
        )
        row = assessment_service.current_assessment(session, principal, system_id)
        report = assessment_service.assessment_report(session, principal, row.id)
        node = catalog_service.get_node(session, requirement)
        owners = (
            owner_service.owner_choices(session, principal)
            if can(principal.role, Permission.WRITE_ASSESSMENTS)
            else []
        )
    item = next((i for i in report.items if i.urn == node.urn), None)
    urns = [i.urn for i in report.items]
    place = urns.index(node.urn) if node.urn in urns else None
    current = values or {
        "state": item.state.value if item else "not_started",
        "notes": item.notes if item else "",
        "owner_id": item.owner_id if item else None,
        "owner_text": item.owner_text if item else "",
        "justification": item.justification if item else "",
    }
    return render(
        request,
        "assessments/answer.html",
        {
            "system": system,
            "node": node,
            "item": item,
            "values": current,
            "owners": owners,
            "states": STATES,
            "errors": errors or {},
            "assessment": report,
            "position": None if place is None else place + 1,
            "total": len(urns),
            "answered": sum(i.state.value != "not_started" for i in report.items),
            "previous": urns[place - 1] if place else None,
            "following": urns[place + 1] if place is not None and place + 1 < len(urns) else None,
            "saved": request.query_params.get("saved") == "1",
        },
        status_code=status,
    )


@router.get("/systems/{system_id}/assessment/answer", response_class=HTMLResponse)
def answer_page(
    request: Request,
    principal: PrincipalDep,
    system_id: IdPath,
    requirement: Annotated[str, Query(max_length=250)],
) -> HTMLResponse:
    """The form for one requirement's answer and its evidence."""
    return _answer_page(request, principal, system_id, requirement)


@router.post("/systems/{system_id}/assessment/answer", response_model=None)
async def save_answer(
    request: Request,
    principal: PrincipalDep,
    system_id: IdPath,
    requirement: Annotated[str, Query(max_length=250)],
) -> Response:
    """Save the answer; an uploaded file or a link becomes evidence backing it."""
    form = await request.form()
    fields: dict[str, Any] = {
        k: str(form.get(k, "")) for k in ("state", "notes", "justification")
    } | owner_fields({k: str(v) for k, v in form.items() if k in ("owner_id", "owner_text")})
    check_csrf(request, {"csrf": str(form.get("csrf", ""))})
    upload = form.get("file")
    url = str(form.get("url", "")).strip()
    db = database(request)
    try:
        answer = AnswerFields.model_validate(fields)
        with transaction(request) as session:
            row = assessment_service.current_assessment(session, principal, system_id)
            assessment_service.answer_requirement(session, principal, row.id, requirement, answer)
            evidence_ids = []
            if isinstance(upload, UploadFile) and upload.filename:
                assert db.files_dir is not None
                data = await upload.read(db.max_upload_bytes + 1)
                evidence_ids.append(
                    evidence_service.add_file(
                        session,
                        principal,
                        db.files_dir,
                        filename=upload.filename,
                        data=data,
                        content_type=upload.content_type or "",
                        max_bytes=db.max_upload_bytes,
                    ).id
                )
            if url:
                evidence_ids.append(evidence_service.add_link(session, principal, url=url).id)
            for evidence_id in evidence_ids:
                assessment_service.attach_evidence(
                    session, principal, row.id, requirement, evidence_id
                )
    except ValidationError as exc:
        return _answer_page(
            request,
            principal,
            system_id,
            requirement,
            field_errors(exc, request.state.lang),
            fields,
            status=422,
        )
    except (InvalidInputError, ConflictError) as exc:
        field = exc.field if isinstance(exc, InvalidInputError) else None
        return _answer_page(
            request,
            principal,
            system_id,
            requirement,
            {field or "__all__": exc.localized(request.state.lang)},
            fields,
            status=422,
        )
    following = str(form.get("then", ""))
    if following.startswith("urn:"):  # "save and go to the next item"
        return RedirectResponse(
            f"/systems/{system_id}/assessment/answer?requirement={quote(following, safe='')}"
            "&saved=1",
            status_code=303,
        )
    return RedirectResponse(f"/systems/{system_id}/assessment?saved=1", status_code=303)


MAX_BULK = 200
"""The most requirements one "not applicable" form answers."""


@router.post("/systems/{system_id}/assessment/not-applicable", response_model=None)
async def mark_not_applicable(
    request: Request, principal: PrincipalDep, system_id: IdPath
) -> Response:
    """Answer several requirements "not applicable" with one reason (each is its own
    answer, audited as such); nothing is saved when any of them is refused."""
    form = await request.form()
    check_csrf(request, {"csrf": str(form.get("csrf", ""))})
    urns = [str(value) for value in form.getlist("requirement")][:MAX_BULK]
    reason = str(form.get("justification", ""))
    with reading(request) as session:  # another organisation's system is a 404, as anywhere
        assessment_service.current_assessment(session, principal, system_id)
    try:
        if not urns:
            raise InvalidInputError(
                "tick the requirements that do not apply",
                ja="該当しない項目にチェックを入れてください。",
            )
        answer = AnswerFields.model_validate(
            {"state": AnswerState.NOT_APPLICABLE.value, "justification": reason}
        )
        with transaction(request) as session:
            row = assessment_service.current_assessment(session, principal, system_id)
            for requirement in urns:
                assessment_service.answer_requirement(
                    session, principal, row.id, requirement, answer
                )
    except ValidationError:
        return RedirectResponse(f"/systems/{system_id}/assessment?bulk=reason#bulk", 303)
    except (InvalidInputError, ConflictError, NotFoundError):
        return RedirectResponse(f"/systems/{system_id}/assessment?bulk=refused#bulk", 303)
    return RedirectResponse(f"/systems/{system_id}/assessment?saved={len(urns)}", 303)


@router.get("/evidence/{evidence_id}/download", response_class=FileResponse)
def download(request: Request, principal: PrincipalDep, evidence_id: IdPath) -> FileResponse:
    """An evidence file, always as an attachment."""
    db = database(request)
    assert db.files_dir is not None
    with reading(request) as session:
        found = evidence_service.download(session, principal, db.files_dir, evidence_id)
    return FileResponse(
        found.path,
        media_type=found.content_type,
        headers={"Content-Disposition": attachment(found.filename)},
    )
