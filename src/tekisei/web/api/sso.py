"""JSON API of the organisation's single sign-on provider (administrators only)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from tekisei.core.sso import SsoSettings
from tekisei.errors import NotFoundError
from tekisei.services import sso as sso_service
from tekisei.services.oidc import SsoConfig
from tekisei.services.sso import SsoPublic
from tekisei.web.api.common import reading, transaction
from tekisei.web.auth import PrincipalDep
from tekisei.web.deps import deployment_key

router = APIRouter(prefix="/api/orgs/current/sso", tags=["sso"])


def sso_config(request: Request) -> SsoConfig:
    """How this deployment reaches providers (the sealing key derived once per app)."""
    settings = request.app.state.settings
    return SsoConfig(
        master=deployment_key(request, sso_service.sso_key),
        allow_private=settings.oidc_allow_private_issuers,
    )


def _missing() -> NotFoundError:
    return NotFoundError(
        "this organisation has no single sign-on provider; PUT one here",
        ja="この組織にはシングルサインオンのIDプロバイダーが設定されていません。",
    )


@router.get("", response_model=SsoPublic)
def read_sso(request: Request, principal: PrincipalDep) -> SsoPublic:
    """The organisation's provider (never its client secret); 404 when none is set."""
    with reading(request) as session:
        found = sso_service.get_sso(session, principal)
    if found is None:
        raise _missing()
    return found


@router.put("", response_model=SsoPublic)
def configure_sso(request: Request, principal: PrincipalDep, body: SsoSettings) -> SsoPublic:
    """Set or change the provider; an empty ``client_secret`` keeps the kept one."""
    master = sso_config(request).master
    with transaction(request) as session:
        return sso_service.configure_sso(session, principal, body, master)


@router.delete("", status_code=204)
def remove_sso(request: Request, principal: PrincipalDep) -> None:
    """Remove the provider: members sign in with passwords again."""
    with transaction(request) as session:
        sso_service.remove_sso(session, principal)
