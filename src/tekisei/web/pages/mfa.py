"""Pages of multi-factor authentication: the second step of signing in, one's own
authenticator and recovery codes, and the organisation's policy (JSON twins in
``web/api/mfa.py``)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tekisei.core.mfa import MAX_CODE, MfaPolicy
from tekisei.core.orgs import Role
from tekisei.core.passkeys import MAX_NAME, MAX_PASSKEYS, relying_party
from tekisei.errors import (
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    ThrottledError,
)
from tekisei.services import mfa as mfa_service
from tekisei.services import passkeys as passkey_service
from tekisei.services import users as user_service
from tekisei.web.api.common import database, reading, transaction
from tekisei.web.api.mfa import sealing_key
from tekisei.web.api.orgs import MemberId
from tekisei.web.api.passkeys import PasskeyId
from tekisei.web.auth import SESSION_COOKIE, EnrollerDep, PrincipalDep, SecondFactorGiverDep
from tekisei.web.errors import retry_after
from tekisei.web.flash import done
from tekisei.web.forms import check_csrf, read_form
from tekisei.web.pages.auth import safe_next
from tekisei.web.templating import render

router = APIRouter(include_in_schema=False)

Next = Annotated[str, Query(alias="next", max_length=2000)]
CodeErrors = (AuthenticationError, ThrottledError, NotFoundError, ConflictError)


def _code(data: dict[str, object]) -> str:
    return str(data.get("code", "")).strip()[:MAX_CODE]


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def _status_of(exc: Exception) -> int:
    if isinstance(exc, ThrottledError):
        return 429
    if isinstance(exc, AuthenticationError):
        return 401
    if isinstance(exc, PermissionDeniedError):
        return 403
    if isinstance(exc, NotFoundError):
        return 404
    return 409


def _waiting(request: Request) -> bool:
    """The session still waits for its second factor: the page shows no menu."""
    if getattr(request.state, "second_factor", None) is None:
        return False
    request.state.principal = None  # the header's menu and account are not for it yet
    return True


# ----------------------------------------------------------------------------- sign-in


def _passkeys_ready(request: Request) -> str | None:
    """None when passkeys can be used on this deployment, else why not (localized)."""
    try:
        relying_party(request.app.state.settings.public_url)
    except InvalidInputError as exc:
        return exc.localized(request.state.lang)
    return None


def _second_factor_page(
    request: Request, target: str, error: str | None = None, status: int = 200
) -> HTMLResponse:
    principal = request.state.principal
    with reading(request) as session:
        user_id = principal.user_id if principal is not None else None
        has_passkey = user_id is not None and passkey_service.count_of(session, user_id) > 0
        has_app = user_id is not None and mfa_service.status_of(session, user_id).enrolled
    _waiting(request)
    return render(
        request,
        "mfa/second_factor.html",
        {
            "next": target,
            "error": error,
            "max_code": MAX_CODE,
            "has_passkey": has_passkey and _passkeys_ready(request) is None,
            "has_app": has_app or not has_passkey,
            "passkeys_unavailable": _passkeys_ready(request),
        },
        status_code=status,
    )


@router.get("/signin/second-factor", response_class=HTMLResponse, response_model=None)
def second_factor_page(
    request: Request, principal: SecondFactorGiverDep, next_url: Next = "/systems"
) -> Response:
    """The second step of signing in: the authenticator's code, or a recovery code (JSON
    twin: POST /api/account/mfa/verify)."""
    del principal
    target = safe_next(next_url)
    if request.state.second_factor is None:  # already signed in
        return RedirectResponse(target, status_code=303)
    return _second_factor_page(request, target)


@router.post("/signin/second-factor", response_model=None)
async def give_second_factor(request: Request, principal: SecondFactorGiverDep) -> Response:
    """Check the code; the session is then signed in and goes on to ``next`` (by the
    organisation chooser when the account belongs to several)."""
    data = await read_form(request)
    check_csrf(request, data)
    target = safe_next(str(data.get("next", "/systems")))
    try:
        mfa_service.complete_sign_in(
            database(request),
            request.cookies.get(SESSION_COOKIE, ""),
            sealing_key(request),
            _code(data),
        )
    except ConflictError:  # already complete (a second submit): nothing more to do
        return RedirectResponse(target, status_code=303)
    except (AuthenticationError, ThrottledError) as exc:
        page = _second_factor_page(
            request, target, exc.localized(request.state.lang), _status_of(exc)
        )
        page.headers.update(retry_after(exc))
        return page
    with reading(request) as session:  # as after a password alone: choose among several
        several = len(user_service.org_choices(session, principal)) > 1
    if several:
        return RedirectResponse(f"/account/orgs?next={quote(target, safe='')}", status_code=303)
    return RedirectResponse(target, status_code=303)


# ----------------------------------------------------------------------------- account


def _account_page(
    request: Request,
    target: str,
    *,
    error: str | None = None,
    status: int = 200,
    recovery_codes: list[str] | None = None,
) -> HTMLResponse:
    principal = request.state.principal
    assert principal is not None and principal.user_id is not None
    with reading(request) as session:
        found = mfa_service.status_of(session, principal.user_id)
        enrolment = mfa_service.pending_enrolment(
            session, principal, sealing_key(request), request.state.lang
        )
        passkeys = passkey_service.list_passkeys(session, principal.user_id)
    waiting = _waiting(request)
    response = render(
        request,
        "mfa/account.html",
        {
            "status": found,
            "enrolment": enrolment,
            "waiting": waiting,
            "next": target,
            "error": error,
            "recovery_codes": recovery_codes,
            "max_code": MAX_CODE,
            "passkeys": passkeys,
            "max_passkeys": MAX_PASSKEYS,
            "max_passkey_name": MAX_NAME,
            "passkeys_unavailable": _passkeys_ready(request),
        },
        status_code=status,
    )
    _no_store(response)
    return response


@router.get("/account/mfa", response_class=HTMLResponse)
def account_page(
    request: Request, principal: EnrollerDep, next_url: Next = "/account/mfa"
) -> HTMLResponse:
    """One's second factor: set up an authenticator app, its recovery codes, turning it
    off (JSON twin: /api/account/mfa). Where an account whose organisation requires a
    second factor is sent after its password, until it has one."""
    del principal
    return _account_page(request, safe_next(next_url))


@router.post("/account/mfa/enrolment", response_model=None)
async def begin_enrolment(request: Request, principal: EnrollerDep) -> Response:
    """Make a new secret and show it as a QR code and as text."""
    data = await read_form(request)
    check_csrf(request, data)
    target = safe_next(str(data.get("next", "/account/mfa")))
    try:
        with transaction(request) as session:
            mfa_service.begin_enrolment(
                session, principal, sealing_key(request), request.state.lang
            )
    except ConflictError as exc:
        return _account_page(request, target, error=exc.localized(request.state.lang), status=409)
    return RedirectResponse(f"/account/mfa?next={quote(target, safe='')}", status_code=303)


@router.post("/account/mfa/confirm", response_model=None)
async def confirm_enrolment(request: Request, principal: EnrollerDep) -> Response:
    """Activate the authenticator with a code it shows; the recovery codes are shown on
    the page this answers with, once."""
    data = await read_form(request)
    check_csrf(request, data)
    target = safe_next(str(data.get("next", "/account/mfa")))
    try:
        codes = mfa_service.confirm_enrolment(
            database(request),
            principal,
            sealing_key(request),
            _code(data),
            request.cookies.get(SESSION_COOKIE, ""),
        )
    except CodeErrors as exc:
        page = _account_page(
            request, target, error=exc.localized(request.state.lang), status=_status_of(exc)
        )
        page.headers.update(retry_after(exc))
        return page
    request.state.second_factor = None  # this very session is now signed in
    return _account_page(request, target, recovery_codes=codes)


@router.post("/account/mfa/recovery-codes", response_model=None)
async def regenerate(request: Request, principal: PrincipalDep) -> Response:
    """New recovery codes (a current code of the app is needed), shown once."""
    data = await read_form(request)
    check_csrf(request, data)
    try:
        codes = mfa_service.regenerate_recovery_codes(
            database(request), principal, sealing_key(request), _code(data)
        )
    except CodeErrors as exc:
        page = _account_page(
            request, "/account/mfa", error=exc.localized(request.state.lang),
            status=_status_of(exc),
        )  # fmt: skip
        page.headers.update(retry_after(exc))
        return page
    return _account_page(request, "/account/mfa", recovery_codes=codes)


@router.post("/account/mfa/disable", response_model=None)
async def disable(request: Request, principal: PrincipalDep) -> Response:
    """Turn the authenticator off with a current code or a recovery code."""
    data = await read_form(request)
    check_csrf(request, data)
    try:
        mfa_service.disable(database(request), principal, sealing_key(request), _code(data))
    except (*CodeErrors, PermissionDeniedError) as exc:
        page = _account_page(
            request, "/account/mfa", error=exc.localized(request.state.lang),
            status=_status_of(exc),
        )  # fmt: skip
        page.headers.update(retry_after(exc))
        return page
    return done("/account/mfa", "removed")


@router.post("/account/mfa/passkeys/{passkey_id}/name", response_model=None)
async def rename_passkey(
    request: Request, principal: PrincipalDep, passkey_id: PasskeyId
) -> Response:
    """Give one's passkey another name (JSON twin: PATCH /api/account/mfa/passkeys/ID)."""
    data = await read_form(request)
    check_csrf(request, data)
    name = str(data.get("name", "")).strip()
    if not name or len(name) > MAX_NAME:
        message = (
            f"名前は1〜{MAX_NAME}文字で入力してください。"
            if request.state.lang == "ja"
            else f"give a name of 1 to {MAX_NAME} characters"
        )
        return _account_page(request, "/account/mfa", error=message, status=422)
    try:
        with transaction(request) as session:
            passkey_service.rename(session, principal, passkey_id, name)
    except (NotFoundError, InvalidInputError) as exc:
        return _account_page(
            request, "/account/mfa", error=exc.localized(request.state.lang),
            status=404 if isinstance(exc, NotFoundError) else 422,
        )  # fmt: skip
    return done("/account/mfa")


# ----------------------------------------------------------------------------- organisation


def _org_page(
    request: Request, principal: PrincipalDep, error: str | None = None, status: int = 200
) -> HTMLResponse:
    with reading(request) as session:
        members = mfa_service.members_mfa(session, principal)
        policy = mfa_service.policy_of(session, principal.org_id)
    return render(
        request,
        "mfa/org.html",
        {
            "policy": policy,
            "members": members,
            "roles": [r.value for r in Role],
            "error": error,
            "me": principal.user_id,
        },
        status_code=status,
    )


@router.get("/org/mfa", response_class=HTMLResponse)
def org_page(request: Request, principal: PrincipalDep) -> HTMLResponse:
    """The organisation's multi-factor policy and its members' second factors (admins;
    JSON twins: /api/orgs/current/mfa, /api/orgs/current/members/mfa)."""
    return _org_page(request, principal)


@router.post("/org/mfa", response_model=None)
async def save_policy(request: Request, principal: PrincipalDep) -> Response:
    """Save the policy (admins)."""
    form = await request.form()
    data = {"csrf": str(form.get("csrf", ""))}
    check_csrf(request, data)
    try:
        roles = [Role(str(r)) for r in form.getlist("roles")[: len(Role)]]
        policy = MfaPolicy(enabled=str(form.get("enabled", "")) == "on", roles=roles)
        with transaction(request) as session:
            mfa_service.set_policy(session, principal, policy)
    except InvalidInputError as exc:
        return _org_page(request, principal, exc.localized(request.state.lang), 422)
    except ValueError:
        message = "権限を選び直してください。" if request.state.lang == "ja" else "choose roles"
        return _org_page(request, principal, message, 422)
    return done("/org/mfa")


@router.post("/org/members/{user_id}/mfa/reset", response_model=None)
async def reset_member(request: Request, principal: PrincipalDep, user_id: MemberId) -> Response:
    """Remove a member's authenticator and passkeys and end their sessions (admins, for
    another member; a lost phone or security key)."""
    check_csrf(request, await read_form(request))
    with transaction(request) as session:
        mfa_service.reset_member(session, principal, user_id)
    return done("/org/mfa", "removed")
