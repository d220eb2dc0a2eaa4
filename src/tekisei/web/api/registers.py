"""JSON API of the public register of AI use (3(1), 3(4)): choosing the listed systems and
publishing inside the workspace; the published register as JSON and CSV, and the JSON
Schema of its format, without signing in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from tekisei.core.registers import EntryChoice, PublicRegister
from tekisei.services import public_cache, public_registers
from tekisei.services import registers as register_service
from tekisei.services.public_cache import PageCache
from tekisei.services.registers import RegisterView
from tekisei.web.api.common import IdPath, reading, transaction
from tekisei.web.auth import PrincipalDep
from tekisei.web.files import attachment

router = APIRouter(tags=["register"])
public_router = APIRouter(tags=["public"])

OrgSlug = Annotated[
    str,
    Path(
        min_length=3,
        max_length=64,
        pattern=r"^[a-z0-9][a-z0-9-]{1,62}[a-z0-9]$",
        description="The organisation's short id (slug)",
    ),
]


def _view(request: Request, principal: PrincipalDep) -> RegisterView:
    with reading(request) as session:
        return register_service.show_register(session, principal)


@router.get("/api/register", response_model=RegisterView)
def get_register(request: Request, principal: PrincipalDep) -> RegisterView:
    """The organisation's systems, each listed on the register or not, and whether the
    register is published."""
    return _view(request, principal)


@router.put("/api/register/systems/{system_id}", response_model=RegisterView)
def list_system(
    request: Request, principal: PrincipalDep, system_id: IdPath, body: EntryChoice
) -> RegisterView:
    """List a system on the register, with the division responsible and the AI's part in
    decisions (administrators)."""
    with transaction(request) as session:
        register_service.list_system(session, principal, system_id, body)
    return _view(request, principal)


@router.delete("/api/register/systems/{system_id}", response_model=RegisterView)
def unlist_system(request: Request, principal: PrincipalDep, system_id: IdPath) -> RegisterView:
    """Take a system off the register."""
    with transaction(request) as session:
        register_service.unlist_system(session, principal, system_id)
    return _view(request, principal)


@router.post("/api/register/publish", response_model=RegisterView)
def publish_register(request: Request, principal: PrincipalDep) -> RegisterView:
    """Publish the register: the public reads the listed systems as they stand."""
    with transaction(request) as session:
        register_service.publish_register(session, principal)
    return _view(request, principal)


@router.post("/api/register/unpublish", response_model=RegisterView)
def unpublish_register(request: Request, principal: PrincipalDep) -> RegisterView:
    """Take the register down; its public address then answers 404."""
    with transaction(request) as session:
        register_service.unpublish_register(session, principal)
    return _view(request, principal)


# ----------------------------------------------------------------------------- public


@public_router.get("/api/public/register.schema.json")
def register_schema(request: Request) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the published register's format (its
    ``version`` field names the format's version)."""
    site = request.app.state.settings.public_url
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{site}/api/public/register.schema.json",
        **PublicRegister.model_json_schema(),
    }


def published(
    request: Request, org: str, kind: str, build: Callable[[PublicRegister], bytes]
) -> bytes:
    """The published register of ``org`` made into ``kind`` by ``build``: from memory
    while nothing it is built from has changed, else built now and kept.

    Raises:
        NotFoundError: no such organisation, or its register is not published.
    """
    cache: PageCache = request.app.state.page_cache
    with reading(request) as session:
        key = (*public_cache.versions(session, org), "register", kind)
        page = cache.get(key)
        if page is None:
            page = build(public_registers.read_register(session, org))
            cache.put(key, page)
    return page


@public_router.get("/api/public/orgs/{org}/register", response_model=PublicRegister)
def public_register(request: Request, org: OrgSlug) -> Response:
    """An organisation's published register of AI use; no sign-in. 404 when it is not
    published."""
    # written out directly: the register was built and checked as a PublicRegister just
    # now, and validating thousands of entries a second time would double the time
    page = published(request, org, "json", lambda found: found.model_dump_json().encode())
    return Response(page, media_type="application/json")


@public_router.get("/api/public/orgs/{org}/register.csv", response_class=Response)
def public_register_csv(request: Request, org: OrgSlug) -> Response:
    """The published register as CSV (UTF-8 with a BOM; the columns are the JSON fields)."""
    site = request.app.state.settings.public_url
    page = published(
        request, org, "csv", lambda found: public_registers.register_csv(found, site).encode()
    )
    return Response(
        page,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": attachment(f"register-{org}.csv")},
    )
