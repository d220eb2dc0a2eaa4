"""JSON API of passkeys (WebAuthn) as a second factor: adding one from a browser session,
listing, renaming and removing one's own, and answering the second step of a browser
sign-in with one. The options endpoints answer WebAuthn's JSON, for
``navigator.credentials.create()`` and ``get()`` (see ``static/passkeys.js``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from tekisei.core.passkeys import (
    AuthenticationCredential,
    PasskeyName,
    RegistrationCredential,
    RelyingParty,
    relying_party,
)
from tekisei.services import passkeys as passkey_service
from tekisei.services.passkeys import Passkey
from tekisei.web.api.common import database, reading, transaction
from tekisei.web.auth import SESSION_COOKIE, EnrollerDep, PrincipalDep, SecondFactorGiverDep

router = APIRouter(tags=["mfa"])

PasskeyId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The passkey's id")]


def relying(request: Request) -> RelyingParty:
    """The deployment's relying party (from ``public_url``), or a clear error."""
    return relying_party(request.app.state.settings.public_url)


def session_token(request: Request) -> str:
    """The browser session's cookie ("" for an API token: passkeys are for browsers)."""
    if request.headers.get("authorization"):
        return ""
    return request.cookies.get(SESSION_COOKIE, "")


class PasskeyOut(BaseModel):
    """A passkey of one's account (never its key)."""

    id: int
    name: str
    created_at: datetime
    last_used_at: datetime | None
    transports: list[str]


class PasskeyAdd(BaseModel):
    """A new passkey: its name and what ``navigator.credentials.create()`` answered."""

    model_config = ConfigDict(extra="forbid")

    name: PasskeyName
    credential: RegistrationCredential


class PasskeyIntent(BaseModel):
    """The name the passkey about to be made will get, checked before the browser asks
    the authenticator (optional: it is given again with the answer)."""

    model_config = ConfigDict(extra="forbid")

    name: PasskeyName | None = None


class PasskeyRename(BaseModel):
    """Another name for a passkey."""

    model_config = ConfigDict(extra="forbid")

    name: PasskeyName


class PasskeyAnswer(BaseModel):
    """What ``navigator.credentials.get()`` answered."""

    model_config = ConfigDict(extra="forbid")

    credential: AuthenticationCredential


class OptionsOut(BaseModel):
    """WebAuthn options (PublicKeyCredentialCreationOptions or RequestOptions JSON)."""

    challenge: str = Field(description="base64url")


def _out(found: Passkey) -> PasskeyOut:
    return PasskeyOut(**found.__dict__)


def _options(options: str) -> Response:
    response = Response(content=options, media_type="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/api/account/mfa/passkeys", response_model=list[PasskeyOut])
def my_passkeys(request: Request, principal: EnrollerDep) -> list[PasskeyOut]:
    """One's passkeys."""
    assert principal.user_id is not None
    with reading(request) as session:
        return [_out(p) for p in passkey_service.list_passkeys(session, principal.user_id)]


@router.post(
    "/api/account/mfa/passkeys/registration", response_model=OptionsOut, response_class=Response
)
def registration_options(
    request: Request, principal: EnrollerDep, body: PasskeyIntent | None = None
) -> Response:
    """Begin adding a passkey from a browser session: options for
    ``navigator.credentials.create()``; answer with POST /api/account/mfa/passkeys
    within 5 minutes. 409 at the limit of passkeys; 422 for a name that breaks the
    naming rule (before the authenticator is asked)."""
    rp = relying(request)
    with transaction(request) as session:
        made = passkey_service.registration_options(session, principal, session_token(request), rp)
    return _options(made)


@router.post("/api/account/mfa/passkeys", response_model=PasskeyOut, status_code=201)
def add_passkey(request: Request, principal: EnrollerDep, body: PasskeyAdd) -> PasskeyOut:
    """Add the passkey the browser made; a session waiting for a required enrolment is
    then signed in. 401 when the answer is refused or the request expired (counted)."""
    added = passkey_service.register(
        database(request), principal, session_token(request), relying(request),
        body.credential, body.name,
    )  # fmt: skip
    return _out(added)


@router.patch("/api/account/mfa/passkeys/{passkey_id}", response_model=PasskeyOut)
def rename_passkey(
    request: Request, principal: PrincipalDep, passkey_id: PasskeyId, body: PasskeyRename
) -> PasskeyOut:
    """Give one's passkey another name."""
    with transaction(request) as session:
        return _out(passkey_service.rename(session, principal, passkey_id, body.name))


@router.post(
    "/api/account/mfa/passkeys/confirmation", response_model=OptionsOut, response_class=Response
)
def confirmation_options(request: Request, principal: PrincipalDep) -> Response:
    """Options for ``navigator.credentials.get()`` to confirm a removal with one of one's
    passkeys."""
    rp = relying(request)
    with transaction(request) as session:
        made = passkey_service.removal_options(session, principal, session_token(request), rp)
    return _options(made)


@router.post("/api/account/mfa/passkeys/{passkey_id}/remove", status_code=204)
def remove_passkey(
    request: Request, principal: PrincipalDep, passkey_id: PasskeyId, body: PasskeyAnswer
) -> None:
    """Remove one's passkey, confirmed by a fresh answer of one of one's passkeys (403 if
    it is the last second factor an organisation requires)."""
    passkey_service.remove(
        database(request), principal, session_token(request), relying(request),
        passkey_id, body.credential,
    )  # fmt: skip


@router.post(
    "/api/account/mfa/passkeys/authentication", response_model=OptionsOut, response_class=Response
)
def authentication_options(request: Request, principal: SecondFactorGiverDep) -> Response:
    """Options for ``navigator.credentials.get()`` for a session waiting for its second
    factor (404 when the account has no passkey, 409 when the sign-in is already
    complete, 422 with an API token)."""
    del principal
    return _options(
        passkey_service.pending_options(database(request), session_token(request), relying(request))
    )


@router.post("/api/account/mfa/passkeys/verify", status_code=204)
def verify(request: Request, principal: SecondFactorGiverDep, body: PasskeyAnswer) -> None:
    """The second step of a browser sign-in answered with a passkey. 401 when refused
    (counted), 429 after too many, 409 when the session's sign-in is already complete,
    422 with an API token."""
    del principal
    passkey_service.complete_sign_in(
        database(request), session_token(request), relying(request), body.credential
    )
