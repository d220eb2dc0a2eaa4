"""A one-time confirmation after a form is saved ("保存しました"), carried to the next page.

A form that succeeds redirects (303) with :func:`done`, which sets a short-lived cookie
naming what happened; :func:`take` reads it on the next page, which shows the message and
clears the cookie. Only the names in :data:`KINDS` are ever shown, so the cookie carries
no text of its own: a forged value is ignored.
"""

from __future__ import annotations

from typing import Literal, get_args

from fastapi import Request
from fastapi.responses import RedirectResponse

FLASH_COOKIE = "tekisei_flash"
Kind = Literal[
    "saved", "created", "accepted", "decided", "requested", "removed",
    "published", "withdrawn", "acknowledged", "signed_out",
]  # fmt: skip
KINDS: frozenset[str] = frozenset(get_args(Kind))
MAX_AGE = 60
"""Seconds the confirmation waits for the next page (a redirect takes far less)."""


def done(url: str, kind: Kind = "saved") -> RedirectResponse:
    """Redirect to ``url`` after a successful form, with the confirmation ``kind``."""
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        FLASH_COOKIE, kind, max_age=MAX_AGE, path="/", httponly=True, samesite="lax"
    )
    return response


def take(request: Request) -> str | None:
    """The confirmation waiting for this page, if any (unknown values are ignored)."""
    value = request.cookies.get(FLASH_COOKIE)
    return value if value in KINDS else None
