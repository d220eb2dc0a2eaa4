"""Pages of notifications: your list (mark one or all read) and your choices of what is
sent in the app and by e-mail (JSON twins under /api/notifications)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from tekisei.core.notifications import MAX_LIST, Event, Preferences
from tekisei.errors import ConflictError, InvalidInputError
from tekisei.services import notifications
from tekisei.web.api.common import IdPath, reading, transaction
from tekisei.web.auth import PrincipalDep
from tekisei.web.flash import done
from tekisei.web.forms import check_csrf, read_form
from tekisei.web.templating import render

router = APIRouter(prefix="/notifications", include_in_schema=False)


@router.get("", response_class=HTMLResponse)
def index(request: Request, principal: PrincipalDep, unread: bool = False) -> HTMLResponse:
    """Your notifications, newest first (JSON twin: /api/notifications)."""
    with reading(request) as session:
        rows = notifications.list_notifications(session, principal, unread=unread, limit=MAX_LIST)
        listed = [notifications.view(r) for r in rows]
    return render(request, "notifications/index.html", {"items": listed, "unread": unread})


@router.post("/read", response_model=None)
async def mark_all_read(request: Request, principal: PrincipalDep) -> Response:
    """Mark every notification read."""
    check_csrf(request, await read_form(request))
    with transaction(request) as session:
        notifications.mark_all_read(session, principal)
    return done("/notifications")


@router.post("/{notification_id}/read", response_model=None)
async def mark_read(request: Request, principal: PrincipalDep, notification_id: IdPath) -> Response:
    """Mark one notification read (another person's is "not found")."""
    check_csrf(request, await read_form(request))
    with transaction(request) as session:
        notifications.mark_read(session, principal, notification_id)
    return done("/notifications")


def _settings_page(
    request: Request,
    principal: PrincipalDep,
    *,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    with reading(request) as session:
        current = notifications.read_settings(session, principal)
    return render(
        request,
        "notifications/settings.html",
        {"settings": current, "events": [e.value for e in Event], "error": error},
        status_code=status,
    )


@router.get("/settings", response_class=HTMLResponse)
def settings_page(request: Request, principal: PrincipalDep) -> HTMLResponse:
    """What you are sent per event (JSON twin: /api/notifications/settings)."""
    return _settings_page(request, principal)


def _preferences(data: dict[str, Any]) -> Preferences:
    lang = str(data.get("lang", ""))
    events = {
        e.value: {"in_app": f"in_app-{e.value}" in data, "email": f"email-{e.value}" in data}
        for e in Event
    }
    return Preferences.model_validate({"events": events, "lang": lang or None})


@router.post("/settings", response_model=None)
async def save_settings(request: Request, principal: PrincipalDep) -> Response:
    """Save your choices; a stale version re-shows the page with the conflict."""
    data = await read_form(request)
    check_csrf(request, data)
    text = str(data.get("version", ""))
    version = int(text) if text.isdigit() and len(text) < 10 else -1
    try:
        preferences = _preferences(data)
        with transaction(request) as session:
            notifications.update_settings(session, principal, preferences, version)
    except ValidationError:
        message = (
            "日本語か英語を選んでください。"
            if request.state.lang == "ja"
            else ("Choose Japanese or English.")
        )
        return _settings_page(request, principal, error=message, status=422)
    except (ConflictError, InvalidInputError) as exc:
        status = 409 if isinstance(exc, ConflictError) else 422
        return _settings_page(
            request, principal, error=exc.localized(request.state.lang), status=status
        )
    return done("/notifications/settings")
