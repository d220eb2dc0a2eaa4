"""Pieces every workspace route shares: the transaction, pages of results."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, Generic, TypeVar, cast

from fastapi import Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field, create_model
from sqlalchemy.orm import Session

from tekisei.services.database import Database

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of results and the total count."""

    total: int
    offset: int
    limit: int
    items: list[T]


MAX_ID = 2**31 - 1
"""The largest id: PostgreSQL's ``integer``. Larger numbers are refused with 422 before
they reach the database (where they would overflow)."""

IdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="An id (1 to 2147483647)")]
IdQuery = Annotated[
    int | None, Query(ge=1, le=MAX_ID, description="Only this one (an id, 1 to 2147483647)")
]
IdField = Annotated[int, Field(ge=1, le=MAX_ID, description="An id (1 to 2147483647)")]
VersionField = Annotated[
    int, Field(ge=1, le=MAX_ID, description="The version you read (a stale one gets 409)")
]
RunRef = Annotated[
    str,
    Path(min_length=1, max_length=100, description="A run's id (or its number)"),
]
Sort = Annotated[
    str, Query(max_length=20, pattern=r"^-?[a-z_]+$", description="A field; '-' reverses")
]
Note = Annotated[str, Field(max_length=4000, description="Free text (at most 4,000 characters)")]
Reference = Annotated[
    str, Path(min_length=1, max_length=300, description="A URN or '<framework-id>:<section>'")
]
FrameworkQuery = Annotated[
    str | None, Query(max_length=80, description="A framework's id, e.g. iso-iec-42001-2023")
]
Offset = Annotated[int, Query(ge=0, le=MAX_ID, description="Skip this many results")]
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
        # The field's own limits (lengths, ranges) come along: they live in its metadata.
        field: (
            cast(Any, Annotated[(info.annotation, *info.metadata)] if info.metadata
                 else info.annotation) | None,
            Field(default=None, description=info.description),
        )
        for field, info in fields_of.model_fields.items()
    }  # fmt: skip
    model: type[BaseModel] = create_model(
        name,
        __config__=ConfigDict(extra="forbid"),
        __doc__="Fields to change; ``version`` is the version you read (a stale one gets 409).",
        version=(VersionField, ...),
        **optional,
    )
    return model
