"""JSON API of notifications: each person's own, in the organisation they act for, and
their choices of what is sent in the app and by e-mail."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from tekisei.core.notifications import MAX_LIST, Preferences
from tekisei.services import notifications
from tekisei.services.notifications import NotificationView, SettingsView
from tekisei.web.api.common import IdPath, reading, transaction
from tekisei.web.auth import PrincipalDep

router = APIRouter(tags=["notifications"])


class NotificationList(BaseModel):
    """The newest notifications and how many are unread."""

    unread: int
    items: list[NotificationView]


class Marked(BaseModel):
    """How many notifications were marked read."""

    marked: int


class SettingsBody(Preferences):
    """What is sent per event in the app and by e-mail (events left out keep the
    defaults) and the language of e-mails; ``version`` as read (0 before the first
    save)."""

    version: Annotated[int, Field(ge=0, le=2**31 - 1)]


@router.get("/api/notifications", response_model=NotificationList)
def list_notifications(
    request: Request,
    principal: PrincipalDep,
    unread: Annotated[bool, Query(description="Only unread ones")] = False,
    limit: Annotated[int, Query(ge=1, le=MAX_LIST, description="At most this many")] = 50,
) -> NotificationList:
    """Your notifications, newest first."""
    with reading(request) as session:
        rows = notifications.list_notifications(session, principal, unread=unread, limit=limit)
        return NotificationList(
            unread=notifications.unread_count(session, principal),
            items=[notifications.view(r) for r in rows],
        )


@router.post("/api/notifications/read", response_model=Marked)
def mark_all_read(request: Request, principal: PrincipalDep) -> Marked:
    """Mark all your notifications read."""
    with transaction(request) as session:
        return Marked(marked=notifications.mark_all_read(session, principal))


@router.post("/api/notifications/{notification_id}/read", response_model=NotificationView)
def mark_read(
    request: Request, principal: PrincipalDep, notification_id: IdPath
) -> NotificationView:
    """Mark one of your notifications read (another person's is 404)."""
    with transaction(request) as session:
        return notifications.view(notifications.mark_read(session, principal, notification_id))


@router.get("/api/notifications/settings", response_model=SettingsView)
def read_settings(request: Request, principal: PrincipalDep) -> SettingsView:
    """What you are sent per event, in the app and by e-mail."""
    with reading(request) as session:
        return notifications.read_settings(session, principal)


@router.put("/api/notifications/settings", response_model=SettingsView)
def update_settings(request: Request, principal: PrincipalDep, body: SettingsBody) -> SettingsView:
    """Change what you are sent (a stale ``version`` gets 409)."""
    preferences = Preferences.model_validate(body.model_dump(exclude={"version"}))
    with transaction(request) as session:
        return notifications.update_settings(session, principal, preferences, body.version)
