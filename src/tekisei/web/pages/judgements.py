"""Pages of a system's DS-920 high-risk judgement (guideline 3(1)): the guided form that
walks the four perspectives in order and saves a draft, and the record of one judgement
(its result, who answered and who signed, the Sign button, the earlier judgements).
JSON twins: ``GET /api/systems/{id}/judgements``, ``…/judgements/{jid}``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from tekisei.core.judgements import (
    OUR_WORDING,
    PERSPECTIVES,
    QUESTIONS,
    Answer,
    Perspective,
    Question,
)
from tekisei.core.orgs import Permission, Principal, can
from tekisei.errors import ConflictError, InvalidInputError
from tekisei.services import judgements as judgement_service
from tekisei.services.judgements import JudgementView, RedoOf
from tekisei.services.people import ActorNames
from tekisei.web.api.common import IdPath, reading, transaction
from tekisei.web.auth import PrincipalDep
from tekisei.web.flash import done
from tekisei.web.forms import check_csrf, read_form
from tekisei.web.templating import render

router = APIRouter(prefix="/systems", include_in_schema=False)
FAILURES = (ConflictError, InvalidInputError)
REPLIES = ("yes", "no", "unsure")


def _sheet() -> list[dict[str, Any]]:
    """The perspectives in sheet order, each with its reference, names and questions."""
    sheet = []
    for perspective in Perspective:
        ref, ja, en = PERSPECTIVES[perspective]
        questions: list[Question] = [q for q in QUESTIONS if q.perspective is perspective]
        sheet.append(
            {"code": perspective.value, "ref": ref, "ja": ja, "en": en, "questions": questions}
        )
    return sheet


def _names(lang: str) -> dict[str, str]:
    """Each perspective's name in ``lang``."""
    return {p.value: PERSPECTIVES[p][1 if lang == "ja" else 2] for p in Perspective}


def _load(
    request: Request, principal: Principal, system_id: int
) -> tuple[str, list[JudgementView]]:
    with reading(request) as session:
        system = judgement_service.system_of(session, principal, system_id)
        rows = judgement_service.list_judgements(session, principal, system_id)
        actors = ActorNames(session, principal)
        views = [judgement_service.view(session, row, actors) for row in rows]
        return system.name, views


def _form(
    request: Request,
    principal: Principal,
    system_id: int,
    *,
    error: str | None = None,
    sent: dict[str, dict[str, str]] | None = None,
    status: int = 200,
) -> HTMLResponse:
    name, views = _load(request, principal, system_id)
    draft = next((v for v in views if not v.signed), None)
    in_force = next((v for v in views if v.signed and not v.superseded), None)
    # The form starts from the draft, else from the judgement in force (to redo it).
    start = draft or in_force
    values: dict[str, dict[str, str]] = {
        k: {"answer": a.answer, "note": a.note} for k, a in (start.answers if start else {}).items()
    }
    if sent is not None:
        values = sent
    # A redo: say where the answers come from and what changed since (never silently).
    redo = draft.redo_of if draft is not None else None
    if draft is None and in_force is not None and in_force.stale:
        redo = RedoOf(
            id=in_force.id, number=in_force.number, signed_at=in_force.signed_at,
            changed_facts=in_force.changed_facts,
        )  # fmt: skip
    return render(
        request,
        "judgements/form.html",
        {
            "system_id": system_id,
            "system_name": name,
            "sheet": _sheet(),
            "wording": OUR_WORDING,
            "values": values,
            "draft": draft,
            "in_force": in_force,
            "redo": redo,
            "history": views,
            "names": _names(request.state.lang),
            "replies": REPLIES,
            "can_write": can(principal.role, Permission.WRITE_ASSESSMENTS),
            "error": error,
        },
        status_code=status,
    )


def _record(
    request: Request,
    principal: Principal,
    system_id: int,
    judgement_id: int,
    *,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    with reading(request) as session:
        row = judgement_service.get_judgement(session, principal, system_id, judgement_id)
        shown = judgement_service.view(session, row, ActorNames(session, principal))
    name, views = _load(request, principal, system_id)
    return render(
        request,
        "judgements/record.html",
        {
            "system_id": system_id,
            "system_name": name,
            "judgement": shown,
            "sheet": _sheet(),
            "wording": OUR_WORDING,
            "history": views,
            "names": _names(request.state.lang),
            "can_write": can(principal.role, Permission.WRITE_ASSESSMENTS),
            "can_sign": can(principal.role, Permission.SIGN_JUDGEMENTS),
            "error": error,
        },
        status_code=status,
    )


@router.get("/{system_id}/judgement", response_class=HTMLResponse)
def form_page(request: Request, principal: PrincipalDep, system_id: IdPath) -> HTMLResponse:
    """The guided form: the four perspectives in order, one fieldset each, with the
    judgement in force and the earlier ones."""
    return _form(request, principal, system_id)


def _answers(data: dict[str, Any]) -> tuple[dict[str, dict[str, str]], dict[str, Answer]]:
    """What the form sent (to show again) and the answers given (a question left without
    a reply is not answered; its note is kept for the form only)."""
    sent: dict[str, dict[str, str]] = {}
    answers: dict[str, Answer] = {}
    for question in QUESTIONS:
        reply = str(data.get(f"answer-{question.id}", ""))
        note = str(data.get(f"note-{question.id}", ""))
        if not reply and not note:
            continue
        sent[question.id] = {"answer": reply, "note": note}
        if reply:
            answers[question.id] = Answer.model_validate({"answer": reply, "note": note})
    return sent, answers


def _version(data: dict[str, Any]) -> int | None:
    text = str(data.get("version", ""))
    if not text:
        return None
    return int(text) if text.isdigit() and len(text) < 10 else -1


@router.post("/{system_id}/judgement", response_model=None)
async def save_draft(request: Request, principal: PrincipalDep, system_id: IdPath) -> Response:
    """Save the answers given to the draft (started when there is none)."""
    data = await read_form(request)
    check_csrf(request, data)
    lang = request.state.lang
    sent: dict[str, dict[str, str]] = {}
    try:
        sent, answers = _answers(data)
        if not answers:
            raise InvalidInputError(
                "answer at least one question before saving",
                ja="保存する前に、少なくとも一つの設問に回答してください。",
            )
        with transaction(request) as session:
            row = judgement_service.answer(session, principal, system_id, answers, _version(data))
            judgement_id = row.id
    except ValidationError:
        error = (
            "メモは1つにつき1,000文字以内で書いてください。回答は「はい」「いいえ」「わからない」から選んでください。"
            if lang == "ja"
            else "Keep each note within 1,000 characters and choose yes, no or unsure."
        )
        return _form(request, principal, system_id, error=error, sent=sent, status=422)
    except FAILURES as exc:
        status = 409 if isinstance(exc, ConflictError) else 422
        error = exc.localized(lang)
        return _form(request, principal, system_id, error=error, sent=sent, status=status)
    return done(f"/systems/{system_id}/judgements/{judgement_id}", "saved")


@router.get("/{system_id}/judgements/{judgement_id}", response_class=HTMLResponse)
def record_page(
    request: Request, principal: PrincipalDep, system_id: IdPath, judgement_id: IdPath
) -> HTMLResponse:
    """One judgement: high-risk or not and why, the answers, who answered and signed."""
    return _record(request, principal, system_id, judgement_id)


@router.post("/{system_id}/judgements/{judgement_id}/sign", response_model=None)
async def sign(
    request: Request, principal: PrincipalDep, system_id: IdPath, judgement_id: IdPath
) -> Response:
    """Sign a complete draft (administrators and executives)."""
    data = await read_form(request)
    check_csrf(request, data)
    confirmed = [p.value for p in Perspective if data.get(f"confirm-{p.value}") == "yes"]
    try:
        with transaction(request) as session:
            judgement_service.sign(
                session, principal, system_id, judgement_id, _version(data) or -1, confirmed
            )
    except ConflictError as exc:
        error = exc.localized(request.state.lang)
        return _record(request, principal, system_id, judgement_id, error=error, status=409)
    return done(f"/systems/{system_id}/judgements/{judgement_id}", "decided")
