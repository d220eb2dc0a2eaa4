"""Pieces every workspace route shares: the transaction, pages of results."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Generic, TypeVar, cast

from fastapi import Query, Request
from pydantic import BaseModel, ConfigDict, create_model
from sqlalchemy.orm import Session

from tekisei.services.database import Database

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of results and the total count."""

    total: int
    offset: int
    limit: int
    items: list[T]


Offset = Annotated[int, Query(ge=0, description="Skip this many results")]
Limit = Annotated[int, Query(ge=1, le=200, description="At most this many results")]


def database(request: Request) -> Database:
    """The app's database."""
    db: Database = request.app.state.database
    return db


@contextmanager
def transaction(request: Request) -> Iterator[Session]:
    """A write transaction, committed before the response is built."""
    with database(request).transaction() as session:
        yield session


@contextmanager
def reading(request: Request) -> Iterator[Session]:
    """A read session."""
    with database(request).reading() as session:
        yield session


def changes_model(name: str, fields_of: type[BaseModel]) -> type[BaseModel]:
    """A request body of ``version`` (required) and any subset of ``fields_of``'s fields."""
    optional: dict[str, Any] = {
        field: (cast(Any, info.annotation) | None, None)
        for field, info in fields_of.model_fields.items()
    }
    model: type[BaseModel] = create_model(
        name,
        __config__=ConfigDict(extra="forbid"),
        __doc__="Fields to change; ``version`` is the version you read (a stale one gets 409).",
        version=(int, ...),
        **optional,
    )
    return model
