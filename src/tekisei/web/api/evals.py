"""JSON API of evaluation runs: suites, starting a run on a system, progress, results,
comparison, and the risks failing runs suggest."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from tekisei.config import Settings
from tekisei.core.orgs import Principal
from tekisei.services import eval_execution, eval_jobs, eval_runs, eval_targets, risk_suggestions
from tekisei.services import evals as eval_files
from tekisei.services import reports as report_service
from tekisei.services.eval_runs import ComparisonOut, ResultOut, RunOut
from tekisei.services.people import ActorNames
from tekisei.services.risk_suggestions import SuggestionOut
from tekisei.web.api.common import IdPath, IdQuery, RunRef, database, reading, transaction
from tekisei.web.auth import PrincipalDep
from tekisei.web.deps import deployment_key
from tekisei.web.files import attachment

router = APIRouter(tags=["evals"])


class RunStart(BaseModel):
    """What to run against which target. The API keys are used for this run only: they
    wait sealed in the run's queue row (for the worker) until it ends, then are erased.
    The target and the judge must be on the organisation's allow-list
    (GET /api/orgs/current/eval-targets) or be the deployment's demo target."""

    model_config = ConfigDict(extra="forbid")

    suite: str = Field(max_length=200)
    target: str = Field(
        max_length=500, description="openai:MODEL@BASE_URL or responses:MODEL@BASE_URL"
    )
    probes: list[Annotated[str, Field(max_length=40)]] = Field(default_factory=list, max_length=10)
    concurrency: int = Field(
        default=10,
        ge=1,
        le=200,
        description="Requests in flight at once; at most the operator's "
        "TEKISEI_WEB_EVAL_MAX_CONCURRENCY (default 20, the schema's maximum)",
    )
    rate: str | None = Field(default=None, max_length=40, description="e.g. 600/min")
    retries: int = Field(default=2, ge=0, le=10)
    run_id: str | None = Field(default=None, max_length=100)
    api_key: str | None = Field(default=None, max_length=500)
    judge: str | None = Field(
        default=None, max_length=500, description="A target that judges every answer too"
    )
    judge_api_key: str | None = Field(default=None, max_length=500)
    epochs: int = Field(default=1, ge=1, le=20, description="Ask each case this many times")
    temperature: float | None = Field(
        default=None, ge=0, le=2, description="Sampling temperature sent to the target"
    )
    seed: int | None = Field(
        default=None, ge=0, le=2**31 - 1, description="Sampling seed sent to the target"
    )
    max_tokens: int | None = Field(
        default=None, ge=1, le=100_000, description="Longest answer, in tokens"
    )


class Resume(BaseModel):
    """Resume an interrupted run (the API keys again, if the targets need them)."""

    model_config = ConfigDict(extra="forbid")

    api_key: str | None = Field(default=None, max_length=500)
    judge_api_key: str | None = Field(default=None, max_length=500)


class AcceptSuggestion(BaseModel):
    """Take a suggested risk into the register."""

    model_config = ConfigDict(extra="forbid")

    impact: int | None = Field(default=None, ge=1, le=5)
    note: str = Field(default="", max_length=4000)


class DismissSuggestion(BaseModel):
    """Decide a suggested risk needs no entry, and why."""

    model_config = ConfigDict(extra="forbid")

    note: str = Field(max_length=4000)


def start(
    request: Request,
    principal: Principal,
    system_id: IdPath,
    body: RunStart,
    resume: str | None = None,
) -> RunOut:
    """Start (or resume) a run: queued for a worker; shared by the API and the pages."""
    run_request = eval_files.RunRequest(
        suite=body.suite,
        target=body.target,
        probes=body.probes,
        concurrency=body.concurrency,
        retries=body.retries,
        rate=body.rate or None,
        run_id=body.run_id or None,
        resume=resume,
        api_key=body.api_key or None,
        judge=body.judge or None,
        judge_api_key=body.judge_api_key or None,
        # kept in the run log's header: the worker (and any resume) asks the same
        epochs=body.epochs,
        temperature=body.temperature,
        seed=body.seed,
        max_tokens=body.max_tokens,
    )
    settings: Settings = request.app.state.settings
    return eval_execution.start_from_web(
        database(request),
        principal,
        settings.data_dir,
        system_id,
        run_request,
        eval_targets.WebEvalSettings.from_settings(settings),
        deployment_key(request, eval_jobs.secrets_key),
    )


def declare_limits(app: FastAPI, settings: Settings) -> None:
    """Declare the operator's cap on concurrency in the OpenAPI document (RunStart's
    ``concurrency`` maximum), so clients see the limit the server enforces."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            field = schema["components"]["schemas"]["RunStart"]["properties"]["concurrency"]
            field["maximum"] = settings.web_eval_max_concurrency
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


@router.get("/api/evals/suites")
def suites(request: Request, principal: PrincipalDep) -> list[dict[str, Any]]:
    """The built-in and imported suites: cases, perspectives, languages and scorers."""
    del principal
    return eval_files.suite_rows(request.app.state.settings.data_dir)


@router.get("/api/evals/runs", response_model=list[RunOut])
def list_runs(
    request: Request,
    principal: PrincipalDep,
    system: IdQuery = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[RunOut]:
    """Runs of the visible systems, newest first."""
    with reading(request) as session:
        return eval_runs.list_runs(session, principal, system, limit)


@router.post("/api/systems/{system_id}/eval-runs", response_model=RunOut, status_code=202)
def start_run(
    request: Request, principal: PrincipalDep, system_id: IdPath, body: RunStart
) -> RunOut:
    """Start a run on a system. It is queued for a worker (``tekisei worker``), which
    executes it; poll the run for progress. 409: the name is taken; 429: the
    organisation has as many runs queued or executing as the operator allows."""
    return start(request, principal, system_id, body)


def _visible(session: Session, principal: Principal, run: RunRef) -> RunOut:
    return eval_runs.view(
        session, eval_runs.visible_run(session, principal, run), ActorNames(session, principal)
    )


@router.get("/api/evals/runs/{run}", response_model=RunOut)
def get_run(request: Request, principal: PrincipalDep, run: RunRef) -> RunOut:
    """A run with its progress (``answered`` of ``cases``) and, once finished, its summary."""
    with reading(request) as session:
        return _visible(session, principal, run)


@router.post("/api/evals/runs/{run}/resume", response_model=RunOut, status_code=202)
def resume_run(request: Request, principal: PrincipalDep, run: RunRef, body: Resume) -> RunOut:
    """Resume an interrupted run: finished cases are not sent again."""
    with reading(request) as session:
        current = _visible(session, principal, run)
    settings = RunStart(
        suite=current.suite,
        target=current.target,
        probes=current.probes,
        api_key=body.api_key,
        judge=current.judge,
        judge_api_key=body.judge_api_key,
    )
    return start(request, principal, current.system_id, settings, resume=current.key)


@router.post("/api/evals/runs/{run}/cancel", response_model=RunOut)
def cancel_run(request: Request, principal: PrincipalDep, run: RunRef) -> RunOut:
    """Cancel a queued or executing run: it leaves the queue and its API keys are erased;
    a worker executing it stops at its next result. It can be resumed later."""
    return eval_execution.cancel_run(database(request), principal, run)


@router.get("/api/evals/runs/{run}/results", response_model=list[ResultOut])
def results(
    request: Request, principal: PrincipalDep, run: RunRef, failing: bool = False
) -> list[ResultOut]:
    """Each case: input, output, and every scorer's verdict and explanation."""
    with reading(request) as session:
        return eval_runs.run_results(session, principal, run, failing)


@router.get("/api/evals/compare", response_model=ComparisonOut)
def compare(
    request: Request,
    principal: PrincipalDep,
    before: Annotated[str, Query(min_length=1, max_length=100)],
    after: Annotated[str, Query(min_length=1, max_length=100)],
) -> ComparisonOut:
    """Two runs side by side, and the cases fixed or regressed between them."""
    with reading(request) as session:
        return eval_runs.compare_runs(session, principal, before, after)


@router.get("/api/evals/suggestions", response_model=list[SuggestionOut])
def suggestions(
    request: Request,
    principal: PrincipalDep,
    system: IdQuery = None,
    status: Annotated[
        str | None, Query(pattern="^(pending|accepted|dismissed|superseded)$")
    ] = "pending",
) -> list[SuggestionOut]:
    """Risks suggested by failing runs."""
    with reading(request) as session:
        return risk_suggestions.list_suggestions(session, principal, system, status)


@router.post("/api/evals/suggestions/{suggestion_id}/accept")
def accept(
    request: Request, principal: PrincipalDep, suggestion_id: IdPath, body: AcceptSuggestion
) -> dict[str, int]:
    """Take a suggestion into the register (a new risk needs the impact)."""
    with transaction(request) as session:
        risk = risk_suggestions.accept_suggestion(
            session, principal, suggestion_id, body.impact, body.note, request.state.lang
        )
        return {"risk": risk.id, "likelihood": risk.likelihood, "impact": risk.impact}


@router.post("/api/evals/suggestions/{suggestion_id}/dismiss", response_model=SuggestionOut)
def dismiss(
    request: Request, principal: PrincipalDep, suggestion_id: IdPath, body: DismissSuggestion
) -> SuggestionOut:
    """Decide a suggestion needs no risk, saying why."""
    with transaction(request) as session:
        row = risk_suggestions.dismiss_suggestion(session, principal, suggestion_id, body.note)
        return next(
            s
            for s in risk_suggestions.list_suggestions(session, principal, row.system_id, None)
            if s.id == row.id
        )


@router.get("/api/evals/runs/{run}/report", response_class=Response)
def run_report_file(
    request: Request,
    principal: PrincipalDep,
    run: RunRef,
    format: Annotated[str, Query(pattern="^(html|pdf)$")] = "html",
    lang: Annotated[str, Query(pattern="^(ja|en)$")] = "ja",
) -> Response:
    """The run's report to hand on (a self-contained HTML page or a PDF) as an attachment:
    settings and results digest, pass rates with 95 % intervals, failing cases."""
    with reading(request) as session:
        found = report_service.eval_run_report(
            session, principal, run, format, "ja" if lang == "ja" else "en"
        )
    return Response(
        found.content,
        media_type=found.media_type,
        headers={"Content-Disposition": attachment(found.filename)},
    )
