"""Pages of the public register of AI use: choosing the listed systems and publishing
inside the workspace, and the published register, readable without signing in, in
Japanese and English and at a phone's width."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from tekisei.core.orgs import Permission, Principal, can
from tekisei.core.registers import Contribution, EntryChoice, PublicRegister
from tekisei.core.systems import Stage, Tier
from tekisei.core.times import shown, zone
from tekisei.errors import ConflictError, InvalidInputError
from tekisei.services import registers as register_service
from tekisei.services.registers import public_path
from tekisei.web.api.common import IdPath, reading, transaction
from tekisei.web.api.registers import OrgSlug, published
from tekisei.web.auth import PrincipalDep
from tekisei.web.flash import done
from tekisei.web.forms import check_csrf, read_form
from tekisei.web.i18n import messages
from tekisei.web.templating import render

router = APIRouter(prefix="/register", include_in_schema=False)
public_router = APIRouter(prefix="/orgs", include_in_schema=False)


def _workspace(
    request: Request, principal: Principal, error: str | None = None, status: int = 200
) -> HTMLResponse:
    with reading(request) as session:
        register = register_service.show_register(session, principal)
    return render(
        request,
        "registers/edit.html",
        {
            "register": register,
            "contributions": list(Contribution),
            "error": error,
            "can_publish": can(principal.role, Permission.PUBLISH_STATEMENT),
        },
        status_code=status,
    )


@router.get("", response_class=HTMLResponse)
def register_page(request: Request, principal: PrincipalDep) -> HTMLResponse:
    """The systems, listed on the register or not, and its publication (JSON twin:
    /api/register)."""
    return _workspace(request, principal)


@router.post("/systems/{system_id}", response_model=None)
async def list_system(request: Request, principal: PrincipalDep, system_id: IdPath) -> Response:
    """List a system (or change its division and contribution)."""
    data = await read_form(request)
    check_csrf(request, data)
    choice = EntryChoice.model_validate(
        {
            "division": str(data.get("division", ""))[:200],
            "contribution": str(data.get("contribution", "")) or None,
        }
    )
    with transaction(request) as session:
        register_service.list_system(session, principal, system_id, choice)
    return done("/register", "saved")


@router.post("/systems/{system_id}/unlist", response_model=None)
async def unlist_system(request: Request, principal: PrincipalDep, system_id: IdPath) -> Response:
    """Take a system off the register."""
    data = await read_form(request)
    check_csrf(request, data)
    with transaction(request) as session:
        register_service.unlist_system(session, principal, system_id)
    return done("/register", "saved")


@router.post("/publish", response_model=None)
async def publish(request: Request, principal: PrincipalDep) -> Response:
    """Publish the register."""
    data = await read_form(request)
    check_csrf(request, data)
    try:
        with transaction(request) as session:
            register_service.publish_register(session, principal)
    except InvalidInputError as exc:
        return _workspace(request, principal, exc.localized(request.state.lang), 422)
    return done("/register", "published")


@router.post("/unpublish", response_model=None)
async def unpublish(request: Request, principal: PrincipalDep) -> Response:
    """Take the register down."""
    data = await read_form(request)
    check_csrf(request, data)
    try:
        with transaction(request) as session:
            register_service.unpublish_register(session, principal)
    except ConflictError as exc:
        return _workspace(request, principal, exc.localized(request.state.lang), 409)
    return done("/register", "withdrawn")


# ----------------------------------------------------------------------------- public


@public_router.get("/{org}/register", response_class=HTMLResponse)
def public_page(request: Request, org: OrgSlug) -> HTMLResponse:
    """An organisation's published register of AI use, without signing in (JSON twin:
    /api/public/orgs/{org}/register). Built once per version of what it shows and
    language, then served from memory."""
    lang = request.state.lang

    def build(found: PublicRegister) -> bytes:
        where = zone(found.time_zone)
        words = messages(lang)
        # the words of every value, looked up once here rather than once per system
        names = {
            "contribution": {
                c.value: words.gettext(f"contribution:{c.value}") for c in Contribution
            },
            "tier": {t.label: words.gettext(f"tier:{t.label}") for t in Tier},
            "stage": {s.value: words.gettext(f"stage:{s.value}") for s in Stage},
        }
        page = render(
            request,
            "registers/public.html",
            {
                "register": found,
                "names": names,
                "page_url": public_path(found.slug),
                "org_slug": found.slug,
                "json_url": f"/api/public/orgs/{found.slug}/register",
                "org_when": lambda value: shown(value, where),
            },
        )
        return bytes(page.body)

    return HTMLResponse(published(request, org, f"page:{lang}", build))
