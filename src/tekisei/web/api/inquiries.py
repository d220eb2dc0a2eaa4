"""JSON API of inquiries (fn 17, fn 18, 2(5)): the inbox inside the workspace, and the
public API anyone may call without an account to send an inquiry and follow it."""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from tekisei.core.inquiries import (
    Honeypot,
    InquiryKind,
    InquirySettings,
    InquiryState,
    InquirySubmission,
    Text,
)
from tekisei.errors import InvalidInputError
from tekisei.services import inquiries as inquiry_service
from tekisei.services import inquiry_settings, public_inquiries
from tekisei.services.inquiries import EntryView, InquiryView, Links
from tekisei.services.inquiry_settings import SettingsView
from tekisei.services.people import ActorNames
from tekisei.services.public_inquiries import PublicStatus, Submitted
from tekisei.web.api.common import IdField, IdPath, IdQuery, VersionField, reading, transaction
from tekisei.web.auth import PrincipalDep
from tekisei.web.limits import ClientLimiter

router = APIRouter(tags=["inquiries"])
public_router = APIRouter(tags=["public"])

Tracking = Annotated[str, Path(min_length=1, max_length=40, description="The tracking number")]
SecretText = Annotated[str, StringConstraints(max_length=200)]


# ----------------------------------------------------------------------------- shared


def limiter(request: Request) -> ClientLimiter:
    """The per-client limit of public inquiries and status look-ups (its own bucket)."""
    found: ClientLimiter | None = getattr(request.app.state, "inquiry_limiter", None)
    if found is None:
        settings = request.app.state.settings
        found = ClientLimiter(
            request.app.state.database, settings.inquiries_per_minute, name="inquiries",
            what=("inquiries and status look-ups", "問い合わせの送信と状況の確認"),
        )  # fmt: skip
        request.app.state.inquiry_limiter = found
    return found


def form_key(request: Request) -> bytes:
    """The key that signs the public form's time (derived from the deployment secret)."""
    secret: str = request.app.state.settings.secret()
    return hmac.new(secret.encode("utf-8"), b"tekisei inquiry form v1", hashlib.sha256).digest()


def refuse_honeypot(value: str) -> None:
    """Refuse a submission whose hidden field was filled in (only bots see it).

    Raises:
        InvalidInputError: the field is not empty.
    """
    if value:
        raise InvalidInputError(
            "the submission was refused as automatic; leave the 'website' field empty",
            ja="自動送信と判断したため受け付けませんでした。「website」欄は空のままにしてください。",
            field="website",
        )


# ----------------------------------------------------------------------------- public


def _as_text(value: object) -> object:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


class PublicInquiry(InquirySubmission):
    """An inquiry sent without an account: to an organisation (``org``, its short id) or
    about a published system (``system``, the public id of its disclosure notice)."""

    org: str = Field(default="", max_length=64, description="The organisation's short id")
    system: Annotated[str | None, BeforeValidator(_as_text)] = Field(
        default=None,
        max_length=32,
        description="The public id of the system's disclosure notice (or the system's number, "
        "when its notice is published)",
    )
    website: Honeypot = Field(default="", description="Leave empty (bots fill it in)")


@public_router.post("/api/public/inquiries", response_model=Submitted, status_code=201)
def submit(request: Request, body: PublicInquiry) -> Submitted:
    """Send an inquiry without an account; keep the ``tracking`` number and the ``secret``
    (shown once) to read its status. Rate limited per client (429 with Retry-After)."""
    limiter(request).check(request)
    refuse_honeypot(body.website)
    submission = InquirySubmission.model_validate(
        body.model_dump(include=set(InquirySubmission.model_fields))
    )
    with transaction(request) as session:
        to = public_inquiries.receiver(session, body.org or None, body.system)
        return public_inquiries.submit(session, to, submission)


@public_router.get("/api/public/inquiries/{tracking}", response_model=PublicStatus)
def status(
    request: Request,
    tracking: Tracking,
    secret: Annotated[str | None, Query(max_length=200)] = None,
    x_inquiry_secret: Annotated[str | None, Header(max_length=200)] = None,
) -> PublicStatus:
    """The state, dates and replies of an inquiry, with its secret in the
    ``X-Inquiry-Secret`` header (preferred: kept out of logs) or ``?secret=``. A wrong
    secret and an unknown number get the same 404."""
    limiter(request).check(request)
    given = x_inquiry_secret or secret or ""
    with reading(request) as session:
        return public_inquiries.read_status(session, tracking, given)


# ----------------------------------------------------------------------------- workspace


class Versioned(BaseModel):
    """``version``: the version you read (a stale one gets 409)."""

    model_config = ConfigDict(extra="forbid")

    version: VersionField


class Reply(Versioned):
    """A reply to the sender (shown on the public status page)."""

    text: Text


class Note(BaseModel):
    """An internal note (never shown to the sender)."""

    model_config = ConfigDict(extra="forbid")

    text: Text


class Closing(Versioned):
    """Close the inquiry, with an optional internal note."""

    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)] = ""


class Rejection(Versioned):
    """Reject the inquiry; the reason is shown to the sender."""

    reason: Text


class Assignment(Versioned):
    """Who handles it: a member's user id, or null for nobody."""

    user_id: IdField | None = None


class Linking(Versioned, Links):
    """What it is about: a system, a dataset record, a data holder (null unlinks)."""


class SettingsBody(InquirySettings):
    """The days to answer per kind and the retention of personal data; ``version`` as
    read (0 before the first save)."""

    version: Annotated[int, Field(ge=0, le=2**31 - 1)]


def _one(request: Request, principal: PrincipalDep, inquiry_id: int) -> InquiryView:
    with reading(request) as session:
        row = inquiry_service.get_inquiry(session, principal, inquiry_id)
        return inquiry_service.view(principal, row, ActorNames(session, principal))


@router.get("/api/inquiries", response_model=list[InquiryView])
def list_inquiries(
    request: Request,
    principal: PrincipalDep,
    state: InquiryState | None = None,
    kind: InquiryKind | None = None,
    system: IdQuery = None,
    overdue: bool = False,
) -> list[InquiryView]:
    """The inbox, newest first (the sender's name and contact only for those who handle
    inquiries)."""
    with reading(request) as session:
        actors = ActorNames(session, principal)
        rows = inquiry_service.list_inquiries(
            session, principal, state=state, kind=kind, system_id=system, overdue=overdue
        )
        return [inquiry_service.view(principal, r, actors) for r in rows]


@router.get("/api/inquiries/settings", response_model=SettingsView)
def read_settings(request: Request, principal: PrincipalDep) -> SettingsView:
    """The days to answer per kind and the retention of personal data."""
    with reading(request) as session:
        return inquiry_settings.read_settings(session, principal)


@router.put("/api/inquiries/settings", response_model=SettingsView)
def update_settings(request: Request, principal: PrincipalDep, body: SettingsBody) -> SettingsView:
    """Change the settings (administrators and editors; a stale ``version`` gets 409)."""
    settings = InquirySettings.model_validate(body.model_dump(exclude={"version"}))
    with transaction(request) as session:
        return inquiry_settings.update_settings(session, principal, settings, body.version)


@router.post("/api/inquiries/purge", response_model=list[int])
def purge(request: Request, principal: PrincipalDep) -> list[int]:
    """Erase the personal data of inquiries past the retention period; the ids erased."""
    with transaction(request) as session:
        return inquiry_service.purge(session, principal)


@router.get("/api/inquiries/{inquiry_id}", response_model=InquiryView)
def get_inquiry(request: Request, principal: PrincipalDep, inquiry_id: IdPath) -> InquiryView:
    """One inquiry."""
    return _one(request, principal, inquiry_id)


@router.get("/api/inquiries/{inquiry_id}/history", response_model=list[EntryView])
def history(request: Request, principal: PrincipalDep, inquiry_id: IdPath) -> list[EntryView]:
    """Notes, replies and changes, oldest first."""
    with reading(request) as session:
        actors = ActorNames(session, principal)
        return [
            inquiry_service.entry_view(e, actors)
            for e in inquiry_service.history(session, principal, inquiry_id)
        ]


@router.post("/api/inquiries/{inquiry_id}/notes", response_model=EntryView, status_code=201)
def add_note(
    request: Request, principal: PrincipalDep, inquiry_id: IdPath, body: Note
) -> EntryView:
    """Add an internal note."""
    with transaction(request) as session:
        entry = inquiry_service.add_note(session, principal, inquiry_id, body.text)
        return inquiry_service.entry_view(entry, ActorNames(session, principal))


@router.post("/api/inquiries/{inquiry_id}/replies", response_model=EntryView, status_code=201)
def reply(request: Request, principal: PrincipalDep, inquiry_id: IdPath, body: Reply) -> EntryView:
    """Answer the sender; the inquiry becomes answered."""
    with transaction(request) as session:
        entry = inquiry_service.reply(session, principal, inquiry_id, body.text, body.version)
        return inquiry_service.entry_view(entry, ActorNames(session, principal))


@router.post("/api/inquiries/{inquiry_id}/start", response_model=InquiryView)
def start(
    request: Request, principal: PrincipalDep, inquiry_id: IdPath, body: Versioned
) -> InquiryView:
    """Mark it as in progress."""
    with transaction(request) as session:
        row = inquiry_service.start(session, principal, inquiry_id, body.version)
        return inquiry_service.view(principal, row, ActorNames(session, principal))


@router.post("/api/inquiries/{inquiry_id}/close", response_model=InquiryView)
def close(
    request: Request, principal: PrincipalDep, inquiry_id: IdPath, body: Closing
) -> InquiryView:
    """Close it."""
    with transaction(request) as session:
        row = inquiry_service.close(session, principal, inquiry_id, body.version, body.note)
        return inquiry_service.view(principal, row, ActorNames(session, principal))


@router.post("/api/inquiries/{inquiry_id}/reject", response_model=InquiryView)
def reject(
    request: Request, principal: PrincipalDep, inquiry_id: IdPath, body: Rejection
) -> InquiryView:
    """Reject it with the reason (shown to the sender)."""
    with transaction(request) as session:
        row = inquiry_service.reject(session, principal, inquiry_id, body.version, body.reason)
        return inquiry_service.view(principal, row, ActorNames(session, principal))


@router.post("/api/inquiries/{inquiry_id}/assign", response_model=InquiryView)
def assign(
    request: Request, principal: PrincipalDep, inquiry_id: IdPath, body: Assignment
) -> InquiryView:
    """Assign it to a member (null: nobody)."""
    with transaction(request) as session:
        row = inquiry_service.assign(session, principal, inquiry_id, body.user_id, body.version)
        return inquiry_service.view(principal, row, ActorNames(session, principal))


@router.post("/api/inquiries/{inquiry_id}/links", response_model=InquiryView)
def link(
    request: Request, principal: PrincipalDep, inquiry_id: IdPath, body: Linking
) -> InquiryView:
    """Link it to a system, a dataset record and a data holder (null unlinks)."""
    links = Links.model_validate(body.model_dump(exclude={"version"}))
    with transaction(request) as session:
        row = inquiry_service.link(session, principal, inquiry_id, links, body.version)
        return inquiry_service.view(principal, row, ActorNames(session, principal))


@router.post("/api/inquiries/{inquiry_id}/erase", response_model=InquiryView)
def erase(request: Request, principal: PrincipalDep, inquiry_id: IdPath) -> InquiryView:
    """Erase the sender's personal data now (administrators)."""
    with transaction(request) as session:
        row = inquiry_service.erase(session, principal, inquiry_id)
        return inquiry_service.view(principal, row, ActorNames(session, principal))
