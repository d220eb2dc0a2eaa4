"""Jinja2 templates with the interface messages of the request's language."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape

from tekisei import __version__
from tekisei.core.catalog_views import section_label
from tekisei.core.energy import emissions_text, factor_text, kwh_text
from tekisei.core.orgs import Permission, can
from tekisei.core.times import shown, zone
from tekisei.services.notifications import unread_count
from tekisei.web.flash import FLASH_COOKIE, take
from tekisei.web.i18n import Lang, messages

_JAPANESE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")


def written_in(text: object, page_lang: str) -> str:
    """The language a text an organisation wrote is in, for its ``lang`` attribute (WCAG
    3.1.2): Japanese when it holds kana or kanji, else the page's language."""
    return "ja" if _JAPANESE.search(str(text or "")) else page_lang


@cache
def environment() -> Environment:
    """The template environment (built once per process)."""
    root = Path(str(resources.files("tekisei.web") / "templates"))
    env = Environment(
        loader=FileSystemLoader(root),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["urlquote"] = lambda value: quote(str(value), safe="")
    env.filters["section"] = pass_context(
        lambda context, value: section_label(str(value), context.get("lang", "ja"))
    )
    env.filters["written_in"] = written_in
    env.filters["kwh"] = kwh_text
    env.filters["emissions"] = emissions_text
    env.filters["factor"] = factor_text
    env.globals["tekisei_version"] = __version__
    return env


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    status_code: int = 200,
    time_zone: str | None = None,
) -> HTMLResponse:
    """Render ``name`` in the request's language; times in ``time_zone`` when given (a
    public page of one organisation), else in the reader's organisation's zone."""
    lang: Lang = getattr(request.state, "lang", "ja")
    catalog = messages(lang)
    env = environment()
    template = env.get_template(name)
    query = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "lang"])
    here = request.url.path + (f"?{query}" if query else "")
    principal = getattr(request.state, "principal", None)
    # The reader's organisation's zone; the deployment's on pages read without signing in.
    where = zone(
        time_zone or (principal.time_zone if principal is not None else None),
        request.app.state.settings.time_zone,
    )

    def when(value: object, with_time: bool = True) -> str:
        """A stored time (UTC; naive values are UTC) in the organisation's time zone, with
        the zone named: ``2026-12-02 16:42 JST``; or only its date there."""
        return shown(value, where, with_time=with_time)

    def may(permission: str) -> bool:
        """Whether the signed-in reader's role grants ``permission`` (menus and forms)."""
        return principal is not None and can(principal.role, Permission(permission))

    flash = take(request)
    unread = 0
    if principal is not None and principal.user_id is not None and status_code < 500:
        with request.app.state.database.reading() as session:
            unread = unread_count(session, principal)
    html = template.render(
        request=request,
        lang=lang,
        other_lang="en" if lang == "ja" else "ja",
        here=here,
        gettext=catalog.gettext,
        ngettext=catalog.ngettext,
        _=catalog.gettext,
        principal=principal,
        may=may,
        words=catalog.words,  # an audit action, an object type, a system actor such as cli
        when=when,
        csrf=getattr(request.state, "csrf", ""),
        flash=flash,
        unread_count=unread,
        **context,
    )
    response = HTMLResponse(html, status_code=status_code)
    if FLASH_COOKIE in request.cookies:
        response.delete_cookie(FLASH_COOKIE, path="/", httponly=True, samesite="lax")
    return response
