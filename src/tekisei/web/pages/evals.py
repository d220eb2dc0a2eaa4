"""Evaluation pages: start a run on a system, watch it progress, read its findings
(radar by perspective, failing cases, suggested risks) and compare two runs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from pydantic import ValidationError
from sqlalchemy.orm import Session

from tekisei.core.catalog_views import section_label
from tekisei.core.orgs import Permission, Principal, can
from tekisei.errors import ConflictError, InvalidInputError, ThrottledError
from tekisei.render.radar import perspective_radar
from tekisei.services import catalog as catalog_service
from tekisei.services import eval_execution, eval_runs, risk_suggestions
from tekisei.services import evals as eval_files
from tekisei.services import systems as system_service
from tekisei.services.people import ActorNames
from tekisei.web.api.common import IdPath, IdQuery, RunRef, database, reading, transaction
from tekisei.web.api.evals import RunStart, start
from tekisei.web.auth import PrincipalDep
from tekisei.web.errors import retry_after
from tekisei.web.flash import done
from tekisei.web.forms import check_csrf, read_form
from tekisei.web.i18n import messages
from tekisei.web.templating import render

router = APIRouter(include_in_schema=False)


def _titles(session: Session, framework: str, lang: str) -> dict[str, str]:
    return {
        n.ref: (n.title_ja if lang == "ja" else n.title_en)
        for n in catalog_service.framework_tree(session, framework)
    }


def _index(
    request: Request,
    principal: Principal,
    system: int | None,
    error: str | None = None,
    form: dict[str, Any] | None = None,
    status: int = 200,
) -> HTMLResponse:
    with reading(request) as session:
        runs = eval_runs.list_runs(session, principal, system)
        _, rows = system_service.list_systems(session, principal, limit=1000)
        choices = [(s.id, s.name) for s in rows]
    return render(
        request,
        "evals/index.html",
        {
            "runs": runs,
            "systems": choices,
            "system": system,
            "suites": eval_files.suite_rows(request.app.state.settings.data_dir),
            "probes": eval_files.probes(),
            "can_run": can(principal.role, Permission.RUN_EVALS),
            "max_concurrency": request.app.state.settings.web_eval_max_concurrency,
            "error": error,
            "form": form or {},
        },
        status_code=status,
    )


@router.get("/evals", response_class=HTMLResponse)
def evals_page(request: Request, principal: PrincipalDep, system: IdQuery = None) -> HTMLResponse:
    """Runs and the form to start one (JSON twin: /api/evals/runs)."""
    return _index(request, principal, system)


@router.post("/evals", response_model=None)
async def start_run(request: Request, principal: PrincipalDep) -> Response:
    """Start a run on a system from the form; the run page shows its progress."""
    data = await read_form(request)
    check_csrf(request, data)
    system_raw = str(data.get("system", ""))
    try:
        if not system_raw.isdigit():
            raise InvalidInputError("choose a system", ja="システムを選んでください。")
        body = RunStart(
            suite=str(data.get("suite", "")),
            target=str(data.get("target", "")),
            probes=list(data.get("probes", [])),
            concurrency=int(str(data.get("concurrency") or 10)),
            rate=str(data.get("rate", "")) or None,
            run_id=str(data.get("run_id", "")) or None,
            api_key=str(data.get("api_key", "")) or None,
            judge=str(data.get("judge", "")) or None,
            judge_api_key=str(data.get("judge_api_key", "")) or None,
            epochs=int(str(data.get("epochs") or 1)),
            temperature=float(str(data["temperature"])) if data.get("temperature") else None,
            seed=int(str(data["seed"])) if data.get("seed") else None,
        )
        run = start(request, principal, int(system_raw), body)
    except (InvalidInputError, ConflictError, ThrottledError) as exc:  # unknown system: 404
        data.pop("api_key", None)
        data.pop("judge_api_key", None)
        status = 429 if isinstance(exc, ThrottledError) else 422
        page = _index(request, principal, None, exc.localized(request.state.lang), data, status)
        page.headers.update(retry_after(exc))
        return page
    except (ValidationError, ValueError):
        data.pop("api_key", None)
        data.pop("judge_api_key", None)
        text = messages(request.state.lang).gettext
        message = text("Check the fields: concurrency is a number from 1 to 200.")
        return _index(request, principal, None, message, data, 422)
    return RedirectResponse(f"/evals/runs/{run.id}", status_code=303)


def _run_context(request: Request, principal: Principal, run: RunRef) -> dict[str, Any]:
    lang = request.state.lang
    text = messages(lang).gettext
    with reading(request) as session:
        out = eval_runs.view(
            session, eval_runs.visible_run(session, principal, run), ActorNames(session, principal)
        )
        failing = eval_runs.run_results(session, principal, out.id, failing_only=True)
        suggestions = [
            s
            for s in risk_suggestions.list_suggestions(session, principal, out.system_id, None)
            if s.run_id == out.id
        ]
        perspectives = _titles(session, eval_runs.JAISI, lang)
        risk_titles = _titles(session, "tekisei-risks-1", lang)
        requirement_titles = {
            r.urn: f"{section_label(r.section, lang)} {r.title_ja if lang == 'ja' else r.title_en}"
            for r in system_service.system_requirements(session, principal, out.system_id)
        }
        others = [
            r for r in eval_runs.list_runs(session, principal, out.system_id) if r.id != out.id
        ]
    drawn = perspective_radar(
        out.by_perspective, perspectives, title=text("Pass rate by J-AISI perspective")
    )
    radar = Markup(drawn) if drawn else None
    return {
        "run": out,
        "failing": failing,
        "suggestions": suggestions,
        "perspectives": perspectives,
        "risk_titles": risk_titles,
        "requirement_titles": requirement_titles,
        "others": others,
        "radar": radar,
        "can_run": can(principal.role, Permission.RUN_EVALS),
        "can_decide": can(principal.role, Permission.WRITE_RISKS),
    }


@router.get("/evals/runs/{run}", response_class=HTMLResponse)
def run_page(request: Request, principal: PrincipalDep, run: RunRef) -> HTMLResponse:
    """A run: progress while it executes, then its findings (JSON twin: /api/evals/runs/{run})."""
    return render(request, "evals/run.html", _run_context(request, principal, run))


@router.get("/evals/runs/{run}/progress", response_class=HTMLResponse)
def progress(request: Request, principal: PrincipalDep, run: RunRef) -> HTMLResponse:
    """The progress fragment the run page polls; once the run is finished the page reloads."""
    with reading(request) as session:
        out = eval_runs.view(
            session, eval_runs.visible_run(session, principal, run), ActorNames(session, principal)
        )
    response = render(request, "evals/_progress.html", {"run": out})
    if out.status != "running":
        response.headers["HX-Refresh"] = "true"
    return response


@router.post("/evals/runs/{run}/resume", response_model=None)
async def resume(request: Request, principal: PrincipalDep, run: RunRef) -> Response:
    """Resume an interrupted run."""
    data = await read_form(request)
    check_csrf(request, data)
    with reading(request) as session:
        out = eval_runs.view(
            session, eval_runs.visible_run(session, principal, run), ActorNames(session, principal)
        )
    body = RunStart(
        suite=out.suite,
        target=out.target,
        probes=out.probes,
        api_key=str(data.get("api_key", "")) or None,
        judge=out.judge,
    )
    try:
        start(request, principal, out.system_id, body, resume=out.key)
    except (InvalidInputError, ConflictError, ThrottledError) as exc:
        context = _run_context(request, principal, run)
        context["error"] = exc.localized(request.state.lang)
        status = 429 if isinstance(exc, ThrottledError) else 422
        page = render(request, "evals/run.html", context, status_code=status)
        page.headers.update(retry_after(exc))
        return page
    return RedirectResponse(f"/evals/runs/{out.id}", status_code=303)


@router.post("/evals/runs/{run}/cancel", response_model=None)
async def cancel(request: Request, principal: PrincipalDep, run: str) -> Response:
    """Cancel a queued or executing run (JSON twin: POST /api/evals/runs/{run}/cancel)."""
    data = await read_form(request)
    check_csrf(request, data)
    try:
        out = eval_execution.cancel_run(database(request), principal, run)
    except ConflictError as exc:
        context = _run_context(request, principal, run)
        context["error"] = exc.localized(request.state.lang)
        return render(request, "evals/run.html", context, status_code=409)
    return RedirectResponse(f"/evals/runs/{out.id}", status_code=303)


@router.post("/evals/suggestions/{suggestion_id}", response_model=None)
async def decide(request: Request, principal: PrincipalDep, suggestion_id: IdPath) -> Response:
    """Accept (with an impact) or dismiss (with a reason) a suggested risk."""
    data = await read_form(request)
    check_csrf(request, data)
    back = str(data.get("run", ""))
    try:
        with transaction(request) as session:
            if data.get("decision") == "dismiss":
                risk_suggestions.dismiss_suggestion(
                    session, principal, suggestion_id, str(data.get("note", ""))
                )
            else:
                impact = str(data.get("impact", ""))
                risk_suggestions.accept_suggestion(
                    session,
                    principal,
                    suggestion_id,
                    int(impact) if impact.isdigit() else None,
                    str(data.get("note", "")),
                    request.state.lang,
                )
    except (InvalidInputError, ConflictError) as exc:
        context = _run_context(request, principal, back)
        context["error"] = exc.localized(request.state.lang)
        status = 429 if isinstance(exc, ThrottledError) else 422
        page = render(request, "evals/run.html", context, status_code=status)
        page.headers.update(retry_after(exc))
        return page
    return done(f"/evals/runs/{back}#suggestions", "decided")


@router.get("/evals/compare", response_class=HTMLResponse)
def compare_page(
    request: Request, principal: PrincipalDep, before: str, after: str
) -> HTMLResponse:
    """Two runs side by side (JSON twin: /api/evals/compare)."""
    with reading(request) as session:
        out = eval_runs.compare_runs(session, principal, before, after)
        perspectives = _titles(session, eval_runs.JAISI, request.state.lang)
    return render(request, "evals/compare.html", {"cmp": out, "perspectives": perspectives})
