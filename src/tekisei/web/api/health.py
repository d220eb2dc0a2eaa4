"""Health check for load balancers and process supervisors."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from tekisei.errors import DatabaseError
from tekisei.web.api.common import reading

router = APIRouter(tags=["health"])


class Health(BaseModel):
    """The process answers and reaches its database."""

    status: Literal["ok"]


@router.get("/healthz", response_model=Health)
def health(request: Request) -> Health:
    """200 when this process can read its database, 503 otherwise (no sign-in needed;
    says nothing about the data)."""
    try:
        with reading(request) as session:
            session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        raise DatabaseError(
            "the database cannot be reached", ja="データベースに接続できません。"
        ) from None
    return Health(status="ok")
