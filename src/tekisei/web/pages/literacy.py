"""Pages of AI literacy (guideline 1(2) AIリテラシー, 3(2), 4(2)).

Public, no sign-in: ``/learn`` (the modules), ``/learn/{module}`` (read and take the quiz)
and ``/learn/self-check`` — answers are graded on the server and shown with their
explanations; nothing is stored or logged. Signed in: ``/literacy`` (assignments and
progress; administrators assign modules) and ``/literacy/modules/{module}``, where a
member takes a quiz and the attempt is kept. JSON twins under ``/api/public/literacy``
and ``/api/literacy``."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from tekisei.core.catalog import Lang
from tekisei.core.literacy import (
    PASS_PERCENT,
    Answers,
    Graded,
    Module,
    grade,
    grade_module,
    self_check_items,
    summary_of,
    text_of,
)
from tekisei.core.orgs import Permission, Principal, can
from tekisei.errors import InvalidInputError
from tekisei.services import literacy as literacy_service
from tekisei.services.literacy_content import MODULES, module
from tekisei.web.api.common import IdPath, reading, transaction
from tekisei.web.api.literacy import ModulePath
from tekisei.web.auth import PrincipalDep
from tekisei.web.flash import done
from tekisei.web.forms import check_csrf, read_form
from tekisei.web.templating import render

public_router = APIRouter(prefix="/learn", include_in_schema=False)
router = APIRouter(prefix="/literacy", include_in_schema=False)

MAX_FIELD = 4
"""The longest choice value a form may send (``0`` to ``4``); longer is unanswered."""


def _lang(request: Request) -> Lang:
    return "en" if getattr(request.state, "lang", "ja") == "en" else "ja"


async def _answers(request: Request, count: int) -> tuple[Answers, dict[str, Any]]:
    """The choices sent as ``q1``…``qN`` (anything else: unanswered), and the other
    fields."""
    form = await request.form()
    fields = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    answers: Answers = []
    for number in range(1, count + 1):
        value = fields.get(f"q{number}", "")
        answers.append(int(value) if value.isdigit() and len(value) <= MAX_FIELD else None)
    return answers, fields


def _module_context(found: Module, lang: Lang, graded: Graded | None) -> dict[str, Any]:
    return {
        "module": text_of(found, lang),
        "graded": graded,
        "pass_percent": PASS_PERCENT,
        "chosen": [g.chosen for g in graded.questions] if graded else [],
    }


# ----------------------------------------------------------------------------- public


@public_router.get("", response_class=HTMLResponse)
def learn_page(request: Request) -> HTMLResponse:
    """The modules, for anyone, and the self-check."""
    lang = _lang(request)
    return render(
        request,
        "literacy/learn.html",
        {
            "public": [summary_of(m, lang) for m in MODULES if m.audience == "public"],
            "staff": [summary_of(m, lang) for m in MODULES if m.audience == "staff"],
        },
    )


def _self_check_page(
    request: Request, graded: Graded | None, answers: Answers | None = None
) -> HTMLResponse:
    lang = _lang(request)
    items = self_check_items(list(MODULES))
    titles = {m.id: m.title.get(lang) for m in MODULES}
    questions = [
        {
            "number": i,
            "module": module_id,
            "module_title": titles[module_id],
            "question": q.question.get(lang),
            "choices": [c.get(lang) for c in q.choices],
        }
        for i, (module_id, q) in enumerate(items, start=1)
    ]
    return render(
        request,
        "literacy/self_check.html",
        {"questions": questions, "graded": graded, "titles": titles, "chosen": answers or []},
    )


@public_router.get("/self-check", response_class=HTMLResponse)
def self_check_page(request: Request) -> HTMLResponse:
    """The citizens' self-check: one question from each module for the public."""
    return _self_check_page(request, None)


@public_router.post("/self-check", response_class=HTMLResponse)
async def self_check_submit(request: Request) -> HTMLResponse:
    """Grade the self-check on the server and show the score and every explanation.
    Nothing is stored or logged."""
    items = self_check_items(list(MODULES))
    answers, _ = await _answers(request, len(items))
    graded = grade(items, answers, _lang(request))
    return _self_check_page(request, graded, answers)


@public_router.get("/{module_id}", response_class=HTMLResponse)
def module_page(request: Request, module_id: ModulePath) -> HTMLResponse:
    """A module to read, and its quiz."""
    found = module(module_id)
    context = _module_context(found, _lang(request), None) | {"action": f"/learn/{found.id}"}
    return render(request, "literacy/module.html", context)


@public_router.post("/{module_id}", response_class=HTMLResponse)
async def module_submit(request: Request, module_id: ModulePath) -> HTMLResponse:
    """Grade the quiz and show the explanations; nothing is stored."""
    found = module(module_id)
    answers, _ = await _answers(request, len(found.quiz))
    graded = grade_module(found, answers, _lang(request))
    context = _module_context(found, _lang(request), graded) | {"action": f"/learn/{found.id}"}
    return render(request, "literacy/module.html", context)


# ------------------------------------------------------------------------------ staff


def _staff_page(
    request: Request, principal: Principal, *, error: str | None = None, status: int = 200
) -> HTMLResponse:
    lang = _lang(request)
    with reading(request) as session:
        progress = literacy_service.progress(session, principal)
        counts = literacy_service.counts(session, principal)
    titles = {m.id: m.title.get(lang) for m in MODULES}
    return render(
        request,
        "literacy/staff.html",
        {
            "progress": progress,
            "counts": counts,
            "titles": titles,
            "modules": [summary_of(m, lang) for m in MODULES],
            "may_assign": can(principal.role, Permission.MANAGE_ORG),
            "error": error,
        },
        status_code=status,
    )


@router.get("", response_class=HTMLResponse)
def staff_page(request: Request, principal: PrincipalDep) -> HTMLResponse:
    """Assignments and progress: administrators see every member and assign modules;
    other members see their own."""
    return _staff_page(request, principal)


@router.post("/assign", response_class=HTMLResponse, response_model=None)
async def assign_submit(
    request: Request, principal: PrincipalDep
) -> HTMLResponse | RedirectResponse:
    """Assign a module to every member or to the members ticked, with a due date."""
    form = await request.form()
    data: dict[str, Any] = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    check_csrf(request, data)
    users = [str(v) for v in form.getlist("users")]
    try:
        if len(users) > literacy_service.MAX_MEMBERS:
            raise InvalidInputError(
                f"at most {literacy_service.MAX_MEMBERS} members at once",
                ja=f"一度に割り当てられるのは{literacy_service.MAX_MEMBERS}人までです。",
            )
        chosen: list[int] | None = None
        if data.get("who") != "all":
            chosen = [int(u) for u in users if u.isdigit() and len(u) <= 10]
        due = data.get("due_on", "")
        try:
            due_on = date.fromisoformat(due) if due else None
        except ValueError:
            raise InvalidInputError(
                "write the due date as YYYY-MM-DD",
                ja="期限は YYYY-MM-DD の形で入力してください。",
                field="due_on",
            ) from None
        with transaction(request) as session:
            literacy_service.assign(session, principal, data.get("module", "")[:60], chosen, due_on)
    except InvalidInputError as exc:
        return _staff_page(request, principal, error=exc.localized(_lang(request)), status=422)
    return done("/literacy", "saved")


@router.post("/assignments/{assignment_id}/remove", response_class=RedirectResponse)
async def unassign_submit(
    request: Request, principal: PrincipalDep, assignment_id: IdPath
) -> RedirectResponse:
    """Withdraw an assignment (administrators)."""
    check_csrf(request, await read_form(request))
    with transaction(request) as session:
        literacy_service.unassign(session, principal, assignment_id)
    return done("/literacy", "removed")


@router.post("/rules/{module_id}/remove", response_class=RedirectResponse)
async def remove_rule_submit(
    request: Request, principal: PrincipalDep, module_id: ModulePath
) -> RedirectResponse:
    """Stop assigning a module to members who join from now on (administrators)."""
    check_csrf(request, await read_form(request))
    with transaction(request) as session:
        literacy_service.remove_rule(session, principal, module_id)
    return done("/literacy", "removed")


@router.get("/modules/{module_id}", response_class=HTMLResponse)
def take_page(request: Request, principal: PrincipalDep, module_id: ModulePath) -> HTMLResponse:
    """A module to read and its quiz, taken as yourself: the attempt is kept."""
    found = module(module_id)
    with reading(request) as session:
        literacy_service.progress(session, principal)  # external testers: not found
    context = _module_context(found, _lang(request), None) | {
        "action": f"/literacy/modules/{found.id}",
        "signed_in": True,
    }
    return render(request, "literacy/module.html", context)


@router.post("/modules/{module_id}", response_class=HTMLResponse)
async def take_submit(
    request: Request, principal: PrincipalDep, module_id: ModulePath
) -> HTMLResponse:
    """Grade the quiz, keep the attempt and show the explanations."""
    found = module(module_id)
    answers, fields = await _answers(request, len(found.quiz))
    check_csrf(request, fields)
    lang = _lang(request)
    with transaction(request) as session:
        result = literacy_service.complete(session, principal, found.id, answers, lang)
    context = _module_context(found, lang, result.graded) | {
        "action": f"/literacy/modules/{found.id}",
        "signed_in": True,
        "recorded": result.completion,
    }
    return render(request, "literacy/module.html", context)
