"""JSON API of multi-factor authentication: one's own authenticator and recovery codes,
the second step of a browser sign-in, the organisation's policy and an administrator's
reset of a member's second factor."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from tekisei.core.mfa import MfaPolicy, OneTimeCode
from tekisei.core.orgs import Role
from tekisei.services import mfa as mfa_service
from tekisei.web.api.common import database, reading, transaction
from tekisei.web.api.orgs import MemberId
from tekisei.web.auth import SESSION_COOKIE, EnrollerDep, PrincipalDep, SecondFactorGiverDep
from tekisei.web.deps import deployment_key

router = APIRouter(tags=["mfa"])


def sealing_key(request: Request) -> bytes:
    """The key TOTP secrets are sealed with (from the deployment secret)."""
    return deployment_key(request, mfa_service.sealing_key)


class MfaStatusOut(BaseModel):
    """One's second factor (never its secret)."""

    enrolled: bool
    enrolling: bool = Field(description="Set up and waiting for its first code")
    required: bool = Field(description="An organisation of the account requires it")
    recovery_codes_left: int
    confirmed_at: datetime | None
    passkeys: int = Field(default=0, description="How many passkeys the account has")


class EnrolmentOut(BaseModel):
    """A new authenticator secret, active once a code it shows is confirmed."""

    secret: str = Field(description="The base32 secret, to type into the app by hand")
    uri: str = Field(description="The otpauth:// address the QR code holds")
    qr_svg: str = Field(description="The QR code as SVG")


class CodeIn(BaseModel):
    """A code: six digits from the authenticator app, or (where accepted) a recovery
    code."""

    model_config = ConfigDict(extra="forbid")

    code: OneTimeCode


class RecoveryCodesOut(BaseModel):
    """Recovery codes, shown this once: each works once in place of the app's code."""

    recovery_codes: list[str]


class MfaPolicyIO(BaseModel):
    """Whether the organisation requires a second factor, and for which roles."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool
    roles: list[Role] = Field(
        default_factory=lambda: [Role.ADMIN, Role.EXECUTIVE], max_length=len(Role)
    )


class MemberMfaOut(BaseModel):
    """A member's second factor, for administrators."""

    user_id: int
    email: str
    role: str
    enrolled: bool = Field(description="Has a second factor: an authenticator app or a passkey")
    required: bool
    app: bool = Field(default=False, description="Has a confirmed authenticator app")
    passkeys: int = Field(default=0, description="How many passkeys the member has")


class ResetOut(BaseModel):
    """The result of a reset."""

    sessions_ended: int


def _status(request: Request, user_id: int) -> MfaStatusOut:
    with reading(request) as session:
        found = mfa_service.status_of(session, user_id)
    return MfaStatusOut(**found.__dict__)


@router.get("/api/account/mfa", response_model=MfaStatusOut)
def my_mfa(request: Request, principal: EnrollerDep) -> MfaStatusOut:
    """One's second factor: whether it is set up, required, and how many recovery codes
    are left."""
    assert principal.user_id is not None
    return _status(request, principal.user_id)


@router.post("/api/account/mfa/enrolment", response_model=EnrolmentOut)
def begin_enrolment(request: Request, principal: EnrollerDep) -> EnrolmentOut:
    """Make a new authenticator secret (replacing one never confirmed); 409 when one is
    already active. Confirm it with POST /api/account/mfa/confirm."""
    with transaction(request) as session:
        made = mfa_service.begin_enrolment(
            session, principal, sealing_key(request), request.state.lang
        )
    return EnrolmentOut(**made.__dict__)


@router.post("/api/account/mfa/confirm", response_model=RecoveryCodesOut)
def confirm_enrolment(request: Request, principal: EnrollerDep, body: CodeIn) -> RecoveryCodesOut:
    """Activate the authenticator with a code it shows; answers the recovery codes, once.
    A wrong code is 401 and counted (429 after too many)."""
    codes = mfa_service.confirm_enrolment(
        database(request),
        principal,
        sealing_key(request),
        body.code,
        request.cookies.get(SESSION_COOKIE, "") if principal.via == "session" else "",
    )
    return RecoveryCodesOut(recovery_codes=codes)


@router.post("/api/account/mfa/disable", response_model=MfaStatusOut)
def disable(request: Request, principal: PrincipalDep, body: CodeIn) -> MfaStatusOut:
    """Turn one's authenticator off with a current code or a recovery code (403 when an
    organisation requires it)."""
    mfa_service.disable(database(request), principal, sealing_key(request), body.code)
    assert principal.user_id is not None
    return _status(request, principal.user_id)


@router.post("/api/account/mfa/recovery-codes", response_model=RecoveryCodesOut)
def regenerate(request: Request, principal: PrincipalDep, body: CodeIn) -> RecoveryCodesOut:
    """New recovery codes for a current code of the app (the old ones stop working)."""
    codes = mfa_service.regenerate_recovery_codes(
        database(request), principal, sealing_key(request), body.code
    )
    return RecoveryCodesOut(recovery_codes=codes)


@router.post("/api/account/mfa/verify", status_code=204)
def verify(request: Request, principal: SecondFactorGiverDep, body: CodeIn) -> None:
    """The second step of a browser sign-in (session cookie and X-CSRF-Token): the app's
    code or a recovery code. 401 when wrong (counted), 429 after too many, 409 when the
    session's sign-in is already complete, 422 with an API token."""
    del principal
    mfa_service.complete_sign_in(
        database(request), request.cookies.get(SESSION_COOKIE, ""), sealing_key(request), body.code
    )


@router.get("/api/orgs/current/mfa", response_model=MfaPolicyIO)
def policy(request: Request, principal: PrincipalDep) -> MfaPolicyIO:
    """The organisation's multi-factor policy."""
    with reading(request) as session:
        found = mfa_service.policy_of(session, principal.org_id)
    return MfaPolicyIO(enabled=found.enabled, roles=found.roles)


@router.put("/api/orgs/current/mfa", response_model=MfaPolicyIO)
def set_policy(request: Request, principal: PrincipalDep, body: MfaPolicyIO) -> MfaPolicyIO:
    """Require a second factor for the named roles (admins). Members concerned set one
    up at their next password sign-in; their API tokens are refused until then."""
    with transaction(request) as session:
        saved = mfa_service.set_policy(
            session, principal, MfaPolicy(enabled=body.enabled, roles=body.roles)
        )
    return MfaPolicyIO(enabled=saved.enabled, roles=saved.roles)


@router.get("/api/orgs/current/members/mfa", response_model=list[MemberMfaOut])
def members(request: Request, principal: PrincipalDep) -> list[MemberMfaOut]:
    """Members and whether each has a second factor (admins)."""
    with reading(request) as session:
        found = mfa_service.members_mfa(session, principal)
    return [MemberMfaOut(**m.__dict__) for m in found]


@router.post("/api/orgs/current/members/{user_id}/mfa/reset", response_model=ResetOut)
def reset(request: Request, principal: PrincipalDep, user_id: MemberId) -> ResetOut:
    """Remove a member's authenticator, recovery codes and passkeys and end their browser
    sessions (admins; a lost phone). 404 for anyone not a member of the caller's
    organisation; 403 for one's own account (managed at /account/mfa with a fresh
    factor, or reset by another administrator or the operator)."""
    with transaction(request) as session:
        ended = mfa_service.reset_member(session, principal, user_id)
    return ResetOut(sessions_ended=ended)
