"""Review pages: a system's PDCA cycles, with forms to open, record and complete them."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from tekisei.core.orgs import Permission, can
from tekisei.core.reviews import PHASES, Trigger
from tekisei.errors import ConflictError, InvalidInputError
from tekisei.services import reviews as review_service
from tekisei.services import systems as system_service
from tekisei.services.people import ActorNames
from tekisei.web.api.common import IdPath, reading, transaction
from tekisei.web.auth import PrincipalDep
from tekisei.web.flash import done
from tekisei.web.forms import check_csrf, read_form
from tekisei.web.templating import render

router = APIRouter(include_in_schema=False)


def _page(
    request: Request,
    principal: PrincipalDep,
    system_id: IdPath,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    with reading(request) as session:
        system = system_service.view(
            system_service.visible_system(session, principal, system_id), principal.org_slug
        )
        rows = [
            review_service.view(r, ActorNames(session, principal))
            for r in review_service.list_reviews(session, principal, system_id)
        ]
        due = review_service.due_date(
            session, system_service.visible_system(session, principal, system_id)
        )
    return render(
        request,
        "reviews/index.html",
        {
            "system": system,
            "reviews": rows,
            "due": due,
            "phases": PHASES,
            "error": error,
            "can_write": can(principal.role, Permission.WRITE_ASSESSMENTS),
            "can_open": can(principal.role, Permission.WRITE_SYSTEMS),
        },
        status_code=status,
    )


@router.get("/systems/{system_id}/reviews", response_class=HTMLResponse)
def reviews_page(request: Request, principal: PrincipalDep, system_id: IdPath) -> HTMLResponse:
    """A system's reviews (JSON twin: /api/systems/{id}/reviews)."""
    return _page(request, principal, system_id)


@router.post("/systems/{system_id}/reviews", response_model=None)
async def open_review(request: Request, principal: PrincipalDep, system_id: IdPath) -> Response:
    """Open a review."""
    data = await read_form(request)
    check_csrf(request, data)
    with transaction(request) as session:
        review_service.open_review(
            session, principal, system_id, Trigger.MANUAL, str(data.get("reason", ""))
        )
    return done(f"/systems/{system_id}/reviews", "created")


@router.post("/systems/{system_id}/reviews/{review_id}", response_model=None)
async def save_review(
    request: Request, principal: PrincipalDep, system_id: IdPath, review_id: int
) -> Response:
    """Save the PDCA records, and complete the review when asked."""
    data = await read_form(request)
    check_csrf(request, data)
    try:
        with transaction(request) as session:
            current = next(
                r
                for r in review_service.list_reviews(session, principal, system_id)
                if r.id == review_id
            )
            for phase in PHASES:
                text = str(data.get(phase, ""))
                if text.strip() != getattr(current, phase):
                    review_service.record_phase(session, principal, review_id, phase, text)
            if data.get("complete"):
                review_service.complete_review(
                    session, principal, review_id, int(str(data.get("maturity", "0")) or 0)
                )
    except (ConflictError, InvalidInputError) as exc:
        return _page(request, principal, system_id, exc.localized(request.state.lang), 422)
    except StopIteration:
        return _page(request, principal, system_id, "—", 404)
    return done(f"/systems/{system_id}/reviews")
