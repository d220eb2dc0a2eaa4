"""Pages of the governance statement: the preview and publication inside the workspace,
and the public statement, readable without signing in, in Japanese and English, with its
versions and a PDF."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from tekisei.core.orgs import Permission, Principal, can
from tekisei.core.policies import KIND_NAMES, Lang
from tekisei.core.policy_text import blocks
from tekisei.core.times import shown, zone
from tekisei.errors import ConflictError, InvalidInputError
from tekisei.services import public_registers, public_statements
from tekisei.services import statements as statement_service
from tekisei.services.orgs import org_zone
from tekisei.services.public_statements import PublicStatement, StatementWithdrawal
from tekisei.web.api.common import reading, transaction
from tekisei.web.api.statements import Number, OrgSlug
from tekisei.web.auth import PrincipalDep
from tekisei.web.files import attachment
from tekisei.web.flash import done
from tekisei.web.forms import check_csrf, read_form
from tekisei.web.limits import check_pdf_limit
from tekisei.web.templating import render

router = APIRouter(prefix="/statement", include_in_schema=False)
public_router = APIRouter(prefix="/orgs", include_in_schema=False)
Preview = Annotated[str, Query(pattern="^(|ja|en)$")]


def _workspace(
    request: Request, principal: Principal, error: str | None = None, status: int = 200
) -> HTMLResponse:
    with reading(request) as session:
        statement = statement_service.preview(session, principal)
        where = org_zone(session, principal)
    return render(
        request,
        "statements/edit.html",
        {
            "statement": statement,
            "content": statement.content,
            "blocks": blocks,
            "kind_names": KIND_NAMES,
            "org_when": lambda value: shown(value, where),
            "error": error,
            "can_publish": can(principal.role, Permission.PUBLISH_STATEMENT),
        },
        status_code=status,
    )


@router.get("", response_class=HTMLResponse)
def statement_page(request: Request, principal: PrincipalDep) -> HTMLResponse:
    """The statement as publishing it now would publish it, and its versions (JSON twin:
    /api/statement)."""
    return _workspace(request, principal)


@router.post("/publish", response_model=None)
async def publish(request: Request, principal: PrincipalDep) -> Response:
    """Publish the statement previewed (its digest in the form)."""
    data = await read_form(request)
    check_csrf(request, data)
    digest = str(data.get("digest", ""))
    try:
        with transaction(request) as session:
            statement_service.publish_statement(session, principal, digest or None)
    except (ConflictError, InvalidInputError) as exc:
        status = 409 if isinstance(exc, ConflictError) else 422
        return _workspace(request, principal, exc.localized(request.state.lang), status)
    return done("/statement", "published")


@router.post("/unpublish", response_model=None)
async def unpublish(request: Request, principal: PrincipalDep) -> Response:
    """Take the statement down, saying why."""
    data = await read_form(request)
    check_csrf(request, data)
    try:
        with transaction(request) as session:
            statement_service.unpublish_statement(session, principal, str(data.get("reason", "")))
    except (ConflictError, InvalidInputError) as exc:
        status = 409 if isinstance(exc, ConflictError) else 422
        return _workspace(request, principal, exc.localized(request.state.lang), status)
    return done("/statement", "withdrawn")


# ----------------------------------------------------------------------------- public


def _read(request: Request, org: str, number: int | None) -> PublicStatement | StatementWithdrawal:
    with reading(request) as session:
        return public_statements.read_statement(session, org, number)


def _register(request: Request, org: str) -> str | None:
    with reading(request) as session:
        return public_registers.published_path(session, org)


def _clock(time_zone: str) -> Callable[[Any], str]:
    where = zone(time_zone)
    return lambda value: shown(value, where)


def _gone(request: Request, found: StatementWithdrawal) -> HTMLResponse:
    return render(
        request, "statements/gone.html", {"gone": found, "org_when": _clock(found.time_zone)}, 410
    )


def _public(request: Request, org: str, number: int | None) -> HTMLResponse:
    found = _read(request, org, number)
    if isinstance(found, StatementWithdrawal):
        return _gone(request, found)
    base = statement_service.public_path(found.slug)
    here = base if number is None else f"{base}/versions/{number}"
    return render(
        request,
        "statements/public.html",
        {
            "statement": found,
            "org_slug": found.slug,
            "content": found.content,
            "blocks": blocks,
            "kind_names": KIND_NAMES,
            "org_when": _clock(found.time_zone),
            "base": base,
            "page_url": here,
            "json_url": f"/api/public/orgs/{found.slug}/statement"
            + ("" if number is None else f"/versions/{number}"),
            "register_url": _register(request, found.slug),
            "energy_sections": found.energy,
        },
    )


@public_router.get("/{org}/statement", response_class=HTMLResponse)
def public_page(request: Request, org: OrgSlug) -> HTMLResponse:
    """An organisation's published statement, its latest version; no sign-in (JSON twin:
    /api/public/orgs/{org}/statement)."""
    return _public(request, org, None)


@public_router.get("/{org}/statement/versions/{number}", response_class=HTMLResponse)
def public_version_page(request: Request, org: OrgSlug, number: Number) -> HTMLResponse:
    """One published version, as it was published."""
    return _public(request, org, number)


def _pdf(request: Request, org: str, number: int | None) -> Response:
    check_pdf_limit(request)
    found = _read(request, org, number)
    if isinstance(found, StatementWithdrawal):
        return _gone(request, found)
    lang: Lang = request.state.lang
    content = public_statements.pdf(found, lang, request.app.state.settings.public_url)
    name = f"statement-{found.slug}-v{found.number}-{lang}.pdf"
    return Response(
        content, media_type="application/pdf", headers={"Content-Disposition": attachment(name)}
    )


@public_router.get("/{org}/statement/pdf", response_class=Response)
def public_pdf(request: Request, org: OrgSlug) -> Response:
    """The latest version as PDF, in the page's language."""
    return _pdf(request, org, None)


@public_router.get("/{org}/statement/versions/{number}/pdf", response_class=Response)
def public_version_pdf(request: Request, org: OrgSlug, number: Number) -> Response:
    """One version as PDF, in the page's language."""
    return _pdf(request, org, number)
