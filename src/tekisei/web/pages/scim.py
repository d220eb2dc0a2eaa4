"""The SCIM page of an organisation (admins): its SCIM endpoint, issuing and revoking
the SCIM tokens its identity provider uses."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from tekisei.core.scim import ROLE_PRECEDENCE
from tekisei.errors import InvalidInputError
from tekisei.services import scim_tokens as scim_token_service
from tekisei.web.api.common import reading, transaction
from tekisei.web.api.scim_tokens import ScimTokenId
from tekisei.web.auth import PrincipalDep
from tekisei.web.flash import done
from tekisei.web.forms import check_csrf, read_form
from tekisei.web.templating import render

router = APIRouter(prefix="/org/scim", include_in_schema=False)


def _page(
    request: Request,
    principal: PrincipalDep,
    *,
    error: str | None = None,
    issued: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    with reading(request) as session:
        tokens = scim_token_service.list_scim_tokens(session, principal)
    response = render(
        request,
        "scim/tokens.html",
        {
            "tokens": tokens,
            "endpoint": str(request.base_url).rstrip("/") + "/scim/v2",
            "roles": [r.value for r in ROLE_PRECEDENCE],
            "issued": issued,
            "error": error,
        },
        status_code=status,
    )
    if issued:
        response.headers["Cache-Control"] = "no-store"
    return response


@router.get("", response_class=HTMLResponse)
def scim_page(request: Request, principal: PrincipalDep) -> HTMLResponse:
    """The SCIM endpoint and tokens (admins; JSON twin: /api/orgs/current/scim-tokens)."""
    return _page(request, principal)


@router.post("/tokens", response_model=None)
async def create_token(request: Request, principal: PrincipalDep) -> Response:
    """Issue a SCIM token; its secret is shown once, on the page this answers with."""
    data = await read_form(request)
    check_csrf(request, data)
    try:
        with transaction(request) as session:
            secret, _view = scim_token_service.create_scim_token(
                session, principal, str(data.get("name", ""))[:200]
            )
    except InvalidInputError as exc:
        return _page(request, principal, error=exc.localized(request.state.lang), status=422)
    return _page(request, principal, issued=secret, status=201)


@router.post("/tokens/{scim_token_id}/revoke", response_model=None)
async def revoke_token(
    request: Request, principal: PrincipalDep, scim_token_id: ScimTokenId
) -> Response:
    """Revoke a SCIM token at once."""
    check_csrf(request, await read_form(request))
    with transaction(request) as session:
        scim_token_service.revoke_scim_token(session, principal, scim_token_id)
    return done("/org/scim", "removed")
