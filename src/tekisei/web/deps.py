"""Request dependencies: the database session, the language and the keys derived from
the deployment secret."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy.orm import Session

from tekisei.config import Settings
from tekisei.services.database import Database
from tekisei.web.i18n import Lang


def get_session(request: Request) -> Iterator[Session]:
    """A read session for the request."""
    database: Database = request.app.state.database
    with database.reading() as session:
        yield session


def get_lang(
    request: Request,
    lang: Annotated[Lang | None, Query(description="ja or en; default from cookie/header")] = None,
) -> Lang:
    """The language of the response (also set on ``request.state``)."""
    chosen: Lang = request.state.lang if lang is None else lang
    request.state.lang = chosen
    return chosen


def deployment_key(request: Request, derive: Callable[[Settings], bytes]) -> bytes:
    """The key ``derive`` makes from the deployment secret (a function of
    ``services.derived_keys``' callers, e.g. ``provenance.master_key``), derived once per
    app and kept in this one place: deriving reads the secret's file, which a request
    should not do every time."""
    keys: dict[Callable[[Settings], bytes], bytes] = request.app.state.derived_keys
    key = keys.get(derive)
    if key is None:
        key = keys[derive] = derive(request.app.state.settings)
    return key


SessionDep = Annotated[Session, Depends(get_session)]
LangDep = Annotated[Lang, Depends(get_lang)]
