"""Pages of single sign-on: signing in through the organisation's OpenID provider (the
button on /signin, the provider's answer at /signin/sso/callback) and the administrators'
settings page /org/sso."""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from tekisei.core.orgs import Principal, Role
from tekisei.core.sso import SsoFailure, SsoSettings
from tekisei.errors import InvalidInputError, NotFoundError, PermissionDeniedError, ThrottledError
from tekisei.services import oidc
from tekisei.services import sso as sso_service
from tekisei.web.api.common import database, reading, transaction
from tekisei.web.api.sso import sso_config
from tekisei.web.auth import PrincipalDep, client_address
from tekisei.web.errors import retry_after
from tekisei.web.flash import done
from tekisei.web.forms import check_csrf, read_form
from tekisei.web.limits import ClientLimiter
from tekisei.web.pages.auth import (
    continue_page,
    login_csrf_valid,
    render_with_login_csrf,
    safe_next,
    signed_in_response,
    signin_form,
)
from tekisei.web.templating import render

router = APIRouter(include_in_schema=False)

STATE_COOKIE = "tekisei_sso_state"
"""The ``state`` of the sign-in this browser started: the answer must come back to the
same browser (no one can slip their own sign-in into someone else's browser)."""


def _failed(request: Request, exc: oidc.SsoError | InvalidInputError, next_url: str) -> Response:
    page = signin_form(request, next_url, "", exc.localized(request.state.lang), status=401)
    page.delete_cookie(STATE_COOKIE, path="/signin/sso")
    return page


SIGN_INS_PER_MINUTE = 20
"""Single sign-ons one client address may start per minute (each keeps a row and asks
the provider)."""


def _limiter(request: Request) -> ClientLimiter:
    found: ClientLimiter | None = getattr(request.app.state, "sso_limiter", None)
    if found is None:
        found = ClientLimiter(
            request.app.state.database,
            SIGN_INS_PER_MINUTE,
            name="sso",
            what=("single sign-ons", "シングルサインオン"),
        )
        request.app.state.sso_limiter = found
    return found


async def _begin(request: Request, org: str, next_url: str, *, posted: bool = False) -> Response:
    target = safe_next(next_url)
    try:
        _limiter(request).check(request)
    except ThrottledError as exc:
        page = signin_form(request, target, "", exc.localized(request.state.lang), status=429)
        page.headers.update(retry_after(exc))
        return page
    try:
        location = await oidc.begin_sign_in(
            database(request),
            org,
            str(request.url_for("sso_callback")),
            target,
            sso_config(request),
        )
    except oidc.SsoError as exc:
        return _failed(request, exc, target)
    state = location.split("state=", 1)[1].split("&", 1)[0]
    response: Response = (
        continue_page(request, location) if posted else RedirectResponse(location, status_code=303)
    )
    response.set_cookie(
        STATE_COOKIE,
        state,
        httponly=True,
        samesite="lax",  # sent on the provider's redirect back (a top-level GET)
        secure=request.url.scheme == "https",
        max_age=600,
        path="/signin/sso",
    )
    return response


def _start_page(
    request: Request, target: str, error: str | None = None, status: int = 200
) -> HTMLResponse:
    return render_with_login_csrf(
        request, "sso/start.html", {"next": target, "error": error}, status
    )


@router.get("/signin/sso", response_model=None)
async def sso_start(
    request: Request,
    org: Annotated[str, Query(max_length=64)] = "",
    next_url: Annotated[str, Query(alias="next", max_length=2000)] = "/systems",
) -> Response:
    """With ``org``, go to that organisation's provider (a link an administrator can
    share); without, the form that finds it by the work e-mail's domain."""
    if not org:
        return _start_page(request, safe_next(next_url))
    return await _begin(request, org, next_url)


@router.post("/signin/sso", response_model=None)
async def sso_start_form(
    request: Request,
    email: Annotated[str, Form(max_length=320)] = "",
    org: Annotated[str, Form(max_length=64)] = "",
    next_url: Annotated[str, Form(alias="next", max_length=2000)] = "/systems",
    login_csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Find the organisation by its slug or the e-mail's domain and go to its provider."""
    target = safe_next(next_url)
    if not login_csrf_valid(request, login_csrf):
        return _failed(request, oidc.SsoError(SsoFailure.BAD_STATE), target)
    if not org:
        with reading(request) as session:
            found = sso_service.provider_for_email(session, email)
        if found is None:
            message = (
                "このメールアドレスのドメインでシングルサインオンを使う組織が見つかりません。"
                "パスワードでサインインするか、管理者にお問い合わせください。"
                if request.state.lang == "ja"
                else "No organisation signs in with single sign-on for this e-mail domain; "
                "sign in with your password or ask your administrator."
            )
            return _start_page(request, target, message, status=404)
        org = found[0]
    return await _begin(request, org, target, posted=True)


@router.get("/signin/sso/callback", response_model=None, name="sso_callback")
async def sso_callback(
    request: Request,
    state: Annotated[str, Query(max_length=200)] = "",
    code: Annotated[str, Query(max_length=2000)] = "",
    error: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """The provider's answer: sign in, or show why not on the sign-in page."""
    cookie = request.cookies.get(STATE_COOKIE, "")
    try:
        if not state or not cookie or not hmac.compare_digest(cookie, state):
            raise oidc.SsoError(SsoFailure.BAD_STATE)
        done_in = await oidc.finish_sign_in(
            database(request),
            state,
            code,
            error,
            sso_config(request),
            user_agent=request.headers.get("user-agent"),
            address=client_address(request),
        )
    except oidc.SsoError as exc:
        return _failed(request, exc, "/systems")
    response = signed_in_response(request, done_in.opened, safe_next(done_in.next_url))
    response.delete_cookie(STATE_COOKIE, path="/signin/sso")
    return response


# ------------------------------------------------------------------------ settings page


def _settings_page(
    request: Request,
    principal: Principal,
    *,
    error: str | None = None,
    form: dict[str, Any] | None = None,
    status: int = 200,
) -> HTMLResponse:
    with reading(request) as session:
        current = sso_service.get_sso(session, principal)
    return render(
        request,
        "sso/settings.html",
        {
            "sso": current,
            "form": form,
            "roles": [r.value for r in Role],
            "redirect_uri": str(request.url_for("sso_callback")),
            "error": error,
        },
        status_code=status,
    )


@router.get("/org/sso", response_class=HTMLResponse)
def settings_page(request: Request, principal: PrincipalDep) -> HTMLResponse:
    """The provider's settings (JSON twin: /api/orgs/current/sso)."""
    return _settings_page(request, principal)


_FIELD_ERRORS: dict[str, tuple[str, str]] = {
    "name": (
        "Give the name shown on the sign-in button.",
        "サインインボタンに表示する名前を入力してください。",
    ),
    "issuer": (
        "The issuer is the provider's https:// URL, without ? or #.",
        "発行者（Issuer）には、? や # を含まないIDプロバイダーの https:// URL を入力してください。",
    ),
    "client_id": ("Give the client ID.", "クライアントIDを入力してください。"),
    "client_secret": ("The client secret is too long.", "クライアントシークレットが長すぎます。"),
    "allowed_domains": (
        "Write e-mail domains such as example.co.jp, one per line (at most 50).",
        "メールアドレスのドメイン（例: example.co.jp）を1行に1つ、50件までで入力してください。",
    ),
    "role_claim": ("The claim name is too long.", "クレーム名が長すぎます。"),
    "role_map": (
        "Write one 'value = role' per line with a tekisei role (at most 50).",
        "「値 = 権限」の形で1行に1つ、tekisei の権限を50件まで入力してください。",
    ),
    "default_role": ("Choose a tekisei role.", "tekisei の権限を選んでください。"),
    "__all__": ("Check the settings.", "設定内容を確認してください。"),
}


def _role_map(text: str) -> dict[str, str]:
    """``value = role`` lines."""
    found: dict[str, str] = {}
    for line in text.splitlines():
        if line.strip():
            value, _, role = line.partition("=")
            found[value.strip()] = role.strip()
    return found


@router.post("/org/sso", response_model=None)
async def save_settings(request: Request, principal: PrincipalDep) -> Response:
    """Save the provider's settings; a mistake re-shows the form with what was typed."""
    data = await read_form(request)
    check_csrf(request, data)
    try:
        body = SsoSettings.model_validate(
            {
                "name": data.get("name", ""),
                "issuer": data.get("issuer", ""),
                "client_id": data.get("client_id", ""),
                "client_secret": data.get("client_secret", ""),
                "allowed_domains": [
                    d for d in str(data.get("allowed_domains", "")).replace(",", " ").split() if d
                ],
                "role_claim": data.get("role_claim", ""),
                "role_map": _role_map(str(data.get("role_map", ""))),
                "default_role": data.get("default_role", "viewer"),
                "jit": data.get("jit") == "on",
                "passwords_disabled": data.get("passwords_disabled") == "on",
                "enabled": data.get("enabled") == "on",
            }
        )
        with transaction(request) as session:
            sso_service.configure_sso(session, principal, body, sso_config(request).master)
    except ValidationError as exc:
        where = str(exc.errors()[0]["loc"][0])
        en, ja = _FIELD_ERRORS.get(where, _FIELD_ERRORS["__all__"])
        message = ja if request.state.lang == "ja" else en
        return _settings_page(request, principal, error=message, form=data, status=422)
    except (InvalidInputError, PermissionDeniedError) as exc:
        status = 403 if isinstance(exc, PermissionDeniedError) else 422
        return _settings_page(
            request,
            principal,
            error=exc.localized(request.state.lang),
            form=data,
            status=status,
        )
    return done("/org/sso")


@router.post("/org/sso/remove", response_model=None)
async def remove(request: Request, principal: PrincipalDep) -> Response:
    """Remove the provider."""
    check_csrf(request, await read_form(request))
    try:
        with transaction(request) as session:
            sso_service.remove_sso(session, principal)
    except NotFoundError:
        pass
    return done("/org/sso")
