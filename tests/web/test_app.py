"""The app includes its routers' routes as they were built: what it serves is what
FastAPI's own inclusion of the same routers serves."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from tekisei.config import Settings
from tekisei.services.database import Database
from tekisei.web import app as app_module
from tekisei.web.app import create_app

pytestmark = pytest.mark.anyio


def _wrapped(app: FastAPI) -> int:
    """How many routers the app keeps behind FastAPI's inclusion wrapper."""
    return sum(hasattr(route, "original_router") for route in app.routes)


@pytest.fixture
def apps(
    settings: Settings, loaded_db: Database, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[FastAPI, FastAPI]]:
    """tekisei's app, and the same app with the routers included by FastAPI itself."""
    ours = create_app(settings)
    with monkeypatch.context() as patch:
        patch.setattr(app_module._App, "include_router", FastAPI.include_router)
        theirs = create_app(settings)
    assert _wrapped(ours) == 0 and _wrapped(theirs) > 50  # the comparison compares something
    yield ours, theirs
    ours.state.database.close()
    theirs.state.database.close()


def _name(function: Any) -> str | None:
    """What a function is, the same for each app's copy of a closure."""
    return None if function is None else f"{function.__module__}.{function.__qualname__}"


def _table(app: FastAPI) -> list[tuple[Any, ...]]:
    return [
        (type(context.original_route).__name__, context.path_format, context.name,
         sorted(context.methods or ()), _name(context.endpoint),
         getattr(context, "response_model", None), getattr(context, "status_code", None),
         getattr(context, "include_in_schema", None), tuple(getattr(context, "tags", ())))
        for context in iter_route_contexts(app.routes)
    ]  # fmt: skip


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the same on both
def test_the_route_table_and_openapi_are_fastapis(apps: tuple[FastAPI, FastAPI]) -> None:
    ours, theirs = apps
    table = _table(ours)
    assert len(table) > 200
    assert table == _table(theirs)
    assert ours.openapi() == theirs.openapi()
    for _kind, path, name, *_ in table:
        if name:
            params = dict.fromkeys(re.findall(r"\{(\w+)(?::\w+)?\}", path or ""), "1")
            assert ours.url_path_for(name, **params) == theirs.url_path_for(name, **params)


async def _answers(app: FastAPI, method: str, paths: list[str]) -> list[tuple[Any, ...]]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        answers = []
        for path in paths:
            response = await client.request(method, path)
            kind = response.headers.get("content-type", "")
            body = response.json() if kind.startswith("application/json") else None
            answers.append((path, response.status_code, kind, body))
        return answers


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
async def test_every_route_answers_as_under_fastapis_inclusion(
    apps: tuple[FastAPI, FastAPI], method: str
) -> None:
    """Every route without path parameters, and each with its parameters filled in
    (a number, then a word), answers a caller without a session alike in both."""
    ours, theirs = apps
    paths: list[str] = []
    for context in iter_route_contexts(ours.routes):
        path = context.path_format or ""
        if isinstance(context.original_route, APIRoute) and method in (context.methods or ()):
            for value in ("1", "x"):
                paths.append(re.sub(r"\{\w+\}", value, path))
    paths = [*sorted(set(paths)), "/no-such-page", "/api/no-such-route", "/catalog/"]
    assert len(paths) > {"GET": 100, "POST": 50, "DELETE": 3}[method]
    assert await _answers(ours, method, paths) == await _answers(theirs, method, paths)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_every_app_serves_the_routes_its_routers_built(
    settings: Settings, empty_db: Database
) -> None:
    """A second app does not build the routes again (building them took 0.15-0.35 s of
    CPU per app, at its first requests)."""
    first, second = create_app(settings), create_app(settings)
    try:
        routes = [route for route in first.routes if isinstance(route, APIRoute)]
        assert len(routes) > 200
        assert [id(route) for route in routes] == [
            id(route) for route in second.routes if isinstance(route, APIRoute)
        ]
    finally:
        first.state.database.close()
        second.state.database.close()
