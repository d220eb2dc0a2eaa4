"""The peer of benchmarks/load.py: bare FastAPI endpoints on the same database, without
tekisei's sign-in, middleware, ORM or templates. Served by uvicorn with the same number
of workers as ``tekisei serve`` in the same run.

``/ping`` answers a constant; ``/systems`` runs the same two queries as the systems list
(count, then a page of 50 ordered by name) with SQLAlchemy Core and returns the rows;
``/signin`` checks one password with argon2id at the parameters tekisei uses (the work a
sign-in cannot avoid).
"""

from __future__ import annotations

import os
from typing import Any

from argon2 import PasswordHasher
from fastapi import FastAPI
from sqlalchemy import create_engine, text

engine = create_engine(os.environ["BARE_DATABASE_URL"])
app = FastAPI()
hasher = PasswordHasher()  # tekisei's parameters: argon2id, RFC 9106 low-memory profile
PASSWORD = "load-test passphrase 2026"
HASH = hasher.hash(PASSWORD)


@app.get("/ping")
def ping() -> dict[str, bool]:
    return {"ok": True}


@app.get("/systems")
def systems(org: int = 1, offset: int = 0, limit: int = 50) -> dict[str, Any]:
    with engine.connect() as connection:
        total = connection.execute(
            text("SELECT count(*) FROM systems WHERE org_id = :org"), {"org": org}
        ).scalar_one()
        rows = connection.execute(
            text(
                "SELECT id, name, purpose, tier, stage, org_role, updated_at FROM systems "
                "WHERE org_id = :org ORDER BY name, id LIMIT :limit OFFSET :offset"
            ),
            {"org": org, "limit": limit, "offset": offset},
        ).mappings()
        items = [dict(row) for row in rows]
    return {"total": total, "offset": offset, "limit": limit, "items": items}


@app.post("/signin")
def signin() -> dict[str, bool]:
    return {"ok": hasher.verify(HASH, PASSWORD)}
