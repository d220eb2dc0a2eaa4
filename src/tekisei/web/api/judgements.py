"""JSON API of DS-920 high-risk judgements (guideline 3(1)): the sheet, a system's
judgements, answering the draft and signing it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from tekisei.core.judgements import OUR_WORDING, PERSPECTIVES, QUESTIONS, Answer, Perspective
from tekisei.services import judgements as judgement_service
from tekisei.services.judgements import JudgementView
from tekisei.services.people import ActorNames
from tekisei.web.api.common import IdPath, VersionField, reading, transaction
from tekisei.web.auth import PrincipalDep

router = APIRouter(tags=["judgements"])


class QuestionOut(BaseModel):
    """One question of the sheet (tekisei's wording, not the Digital Agency's)."""

    id: str
    perspective: str
    perspective_ref: str
    perspective_ja: str
    perspective_en: str
    ja: str
    en: str


class Sheet(BaseModel):
    """The sheet, the system's judgements (newest first) and the one in force."""

    wording_ja: str
    wording_en: str
    questions: list[QuestionOut]
    in_force: JudgementView | None
    judgements: list[JudgementView]


class AnswersBody(BaseModel):
    """Answers to questions of the draft (started when there is none); ``version`` is the
    draft's version you read (omit it to start a new draft)."""

    model_config = ConfigDict(extra="forbid")

    answers: dict[str, Answer] = Field(min_length=1, max_length=len(QUESTIONS))
    version: VersionField | None = None


class SignBody(BaseModel):
    """``version``: the version of the draft you read (a stale one gets 409).
    ``confirmed``: for a redo of a stale judgement (``redo_of`` in its view), every
    perspective the signer confirmed again against the facts of today; a redo with one
    missing gets 409."""

    model_config = ConfigDict(extra="forbid")

    version: VersionField
    confirmed: list[Perspective] = Field(default_factory=list, max_length=len(Perspective))


def questions() -> list[QuestionOut]:
    """The sheet's questions in the order the form walks them."""
    return [
        QuestionOut(
            id=q.id, perspective=q.perspective.value,
            perspective_ref=PERSPECTIVES[q.perspective][0],
            perspective_ja=PERSPECTIVES[q.perspective][1],
            perspective_en=PERSPECTIVES[q.perspective][2], ja=q.ja, en=q.en,
        )
        for q in QUESTIONS
    ]  # fmt: skip


@router.get("/api/systems/{system_id}/judgements", response_model=Sheet)
def list_judgements(request: Request, principal: PrincipalDep, system_id: IdPath) -> Sheet:
    """The sheet and the system's judgements; ``stale`` marks one to be redone."""
    with reading(request) as session:
        rows = judgement_service.list_judgements(session, principal, system_id)
        views = [judgement_service.view(session, r, ActorNames(session, principal)) for r in rows]
        return Sheet(
            wording_ja=OUR_WORDING[0], wording_en=OUR_WORDING[1], questions=questions(),
            in_force=next((v for v in views if v.signed and not v.superseded), None),
            judgements=views,
        )  # fmt: skip


@router.post("/api/systems/{system_id}/judgements", response_model=JudgementView, status_code=201)
def answer(
    request: Request, principal: PrincipalDep, system_id: IdPath, body: AnswersBody
) -> JudgementView:
    """Answer questions of the system's draft judgement."""
    with transaction(request) as session:
        row = judgement_service.answer(session, principal, system_id, body.answers, body.version)
        return judgement_service.view(session, row, ActorNames(session, principal))


@router.get("/api/systems/{system_id}/judgements/{judgement_id}", response_model=JudgementView)
def get_judgement(
    request: Request, principal: PrincipalDep, system_id: IdPath, judgement_id: IdPath
) -> JudgementView:
    """One judgement of the system."""
    with reading(request) as session:
        row = judgement_service.get_judgement(session, principal, system_id, judgement_id)
        return judgement_service.view(session, row, ActorNames(session, principal))


@router.post(
    "/api/systems/{system_id}/judgements/{judgement_id}/sign", response_model=JudgementView
)
def sign(
    request: Request,
    principal: PrincipalDep,
    system_id: IdPath,
    judgement_id: IdPath,
    body: SignBody,
) -> JudgementView:
    """Sign a complete draft (admins and executives): it supersedes the judgement before
    and feeds the system's tier and assessment."""
    with transaction(request) as session:
        row = judgement_service.sign(
            session, principal, system_id, judgement_id, body.version,
            [p.value for p in body.confirmed],
        )  # fmt: skip
        return judgement_service.view(session, row, ActorNames(session, principal))
