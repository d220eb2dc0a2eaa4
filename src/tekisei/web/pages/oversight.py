"""Pages of oversight across organisations (guideline 3(2)): the supervisor's dashboard of
the organisations that granted it (``/oversight``, one organisation at
``/oversight/orgs/{org}``) and the grants an organisation gives (``/oversight/grants``).
JSON twins: ``GET /api/oversight``, ``/api/oversight/orgs/{org}``,
``/api/oversight/grants``."""

from __future__ import annotations

import unicodedata
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from tekisei.core.orgs import Permission, Principal, Role, can
from tekisei.core.oversight import MAX_SHARED, READER_ROLES
from tekisei.errors import ConflictError, InvalidInputError, NotFoundError
from tekisei.services import oversight as oversight_service
from tekisei.services import systems as system_service
from tekisei.web.api.common import reading, transaction
from tekisei.web.api.statements import OrgSlug
from tekisei.web.auth import PrincipalDep
from tekisei.web.flash import done
from tekisei.web.forms import check_csrf
from tekisei.web.templating import render

router = APIRouter(prefix="/oversight", include_in_schema=False)


@router.get("", response_class=HTMLResponse)
def overview_page(request: Request, principal: PrincipalDep) -> HTMLResponse:
    """The organisations that grant yours oversight, their aggregates and the totals (every
    read is audited in both organisations)."""
    reads = principal.role in READER_ROLES
    found = None
    if reads:
        with transaction(request) as session:
            found = oversight_service.overview(session, principal)
    return render(
        request,
        "oversight/index.html",
        {
            "overview": found,
            "reads": reads,
            "grants_link": principal.role is not Role.EXTERNAL_TESTER,
        },
    )


@router.get("/orgs/{org}", response_class=HTMLResponse)
def org_page(request: Request, principal: PrincipalDep, org: OrgSlug) -> HTMLResponse:
    """One granting organisation: its aggregates, shared systems and trend."""
    with transaction(request) as session:
        found = oversight_service.view_org(session, principal, org)
    return render(request, "oversight/org.html", {"org": found})


def _grants_page(
    request: Request, principal: Principal, error: str | None = None, status: int = 200
) -> HTMLResponse:
    with reading(request) as session:
        grants = oversight_service.list_grants(session, principal)
        manages = can(principal.role, Permission.MANAGE_ORG)
        systems = (
            system_service.list_systems(session, principal, limit=MAX_SHARED)[1] if manages else []
        )
        choices = [(s.id, s.name) for s in systems]
    context: dict[str, Any] = {
        "grants": grants, "manages": manages, "systems": choices, "error": error,
    }  # fmt: skip
    return render(request, "oversight/grants.html", context, status_code=status)


@router.get("/grants", response_class=HTMLResponse)
def grants_page(request: Request, principal: PrincipalDep) -> HTMLResponse:
    """The grants your organisation gives, and the form to grant (administrators)."""
    return _grants_page(request, principal)


async def _form(request: Request) -> tuple[dict[str, str], list[int]]:
    form = await request.form()
    fields = {key: str(form.getlist(key)[-1]).strip() for key in set(form.keys())}
    check_csrf(request, fields)
    ids: list[int] = []
    for value in form.getlist("systems")[: MAX_SHARED + 1]:
        text = str(value)
        if not text.isdigit() or not 1 <= int(text) <= 2**31 - 1:
            raise InvalidInputError(
                "choose systems from the list", ja="一覧からシステムを選んでください。"
            )
        ids.append(int(text))
    return fields, ids


def _version(fields: dict[str, str]) -> int:
    text = fields.get("version", "")
    if not text.isdigit() or not 1 <= int(text) <= 2**31 - 1:
        raise InvalidInputError(
            "the form is incomplete; reload the page",
            ja="フォームが不完全です。ページを読み込み直してください。",
        )
    return int(text)


@router.post("/grants", response_model=None)
async def grant(request: Request, principal: PrincipalDep) -> Response:
    """Grant a supervising organisation oversight (by its short id)."""
    fields, ids = await _form(request)
    supervisor = unicodedata.normalize("NFKC", fields.get("supervisor", "")).strip().lower()[:64]
    try:
        with transaction(request) as session:
            oversight_service.grant(session, principal, supervisor, ids)
    except (InvalidInputError, NotFoundError, ConflictError) as exc:
        status = (
            404
            if isinstance(exc, NotFoundError)
            else 409
            if isinstance(exc, ConflictError)
            else 422
        )
        return _grants_page(request, principal, exc.localized(request.state.lang), status)
    return done("/oversight/grants", "created")


@router.post("/grants/{org}/systems", response_model=None)
async def share(request: Request, principal: PrincipalDep, org: OrgSlug) -> Response:
    """Change the systems shared item by item with ``org``."""
    fields, ids = await _form(request)
    version = _version(fields)
    try:
        with transaction(request) as session:
            oversight_service.share_systems(session, principal, org, ids, version)
    except (InvalidInputError, ConflictError) as exc:
        status = 409 if isinstance(exc, ConflictError) else 422
        return _grants_page(request, principal, exc.localized(request.state.lang), status)
    return done("/oversight/grants", "saved")


@router.post("/grants/{org}/revoke", response_model=None)
async def revoke(request: Request, principal: PrincipalDep, org: OrgSlug) -> Response:
    """Revoke the grant to ``org``."""
    await _form(request)
    with transaction(request) as session:
        oversight_service.revoke(session, principal, org)
    return done("/oversight/grants", "withdrawn")
