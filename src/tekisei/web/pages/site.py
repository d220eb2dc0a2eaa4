"""Site-wide pages: the language switch (the front page is the portal's,
:mod:`tekisei.web.pages.portal`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import RedirectResponse

from tekisei.web.headers import LANG_COOKIE

router = APIRouter(include_in_schema=False)


@router.get("/lang/{code}")
def switch_language(
    code: Annotated[str, Path(pattern="^(ja|en)$")],
    next_url: Annotated[str, Query(alias="next")] = "/",
) -> RedirectResponse:
    """Remember the language in a cookie and go back to the page (same site only)."""
    target = next_url if next_url.startswith("/") and not next_url.startswith("//") else "/"
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(LANG_COOKIE, code, max_age=365 * 24 * 3600, samesite="lax", httponly=True)
    return response
