"""Request dependencies: the database session and the language."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy.orm import Session

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


SessionDep = Annotated[Session, Depends(get_session)]
LangDep = Annotated[Lang, Depends(get_lang)]
