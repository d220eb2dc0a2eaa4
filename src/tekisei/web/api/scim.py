"""The SCIM 2.0 service provider (RFC 7644) of an organisation: ``/scim/v2/Users`` and
``/Groups`` for the bearer of one of its SCIM tokens, and the discovery endpoints.

Answers are ``application/scim+json``; errors are SCIM Error messages (``web.errors``).
SCIM has its own discovery (``/ServiceProviderConfig``, ``/ResourceTypes``,
``/Schemas``), so these routes stay out of the OpenAPI document.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse, Response

from tekisei.core.scim import (
    GROUP_SCHEMA,
    LIST_SCHEMA,
    MAX_BODY,
    MAX_FILTER,
    MAX_RESULTS,
    USER_SCHEMA,
    ScimMediaTypeError,
    ScimTooLargeError,
    patch_operations,
    read_json,
)
from tekisei.core.scim_resources import patch_group, patch_user, read_group, read_user
from tekisei.errors import AuthenticationError
from tekisei.services import scim_groups, scim_tokens, scim_users
from tekisei.services.scim_groups import ScimGroupView
from tekisei.services.scim_tokens import ScimCaller
from tekisei.services.scim_users import ScimUserView
from tekisei.web.api.common import database, reading, transaction
from tekisei.web.api.scim_discovery import RESOURCE_TYPES, SCHEMAS, service_provider_config

router = APIRouter(prefix="/scim/v2", include_in_schema=False)

SCIM_JSON = "application/scim+json"
ACCEPTED_TYPES = ("application/scim+json", "application/json")
Id = Annotated[str, Path(max_length=64)]


def scim_caller(request: Request) -> ScimCaller:
    """The identity provider of ``Authorization: Bearer <SCIM token>``.

    Raises:
        AuthenticationError: no token, or not a valid SCIM token of any organisation (API
            tokens of members are not SCIM tokens).
    """
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError(
            "send the organisation's SCIM token as 'Authorization: Bearer <token>'",
            ja="組織の SCIM トークンを「Authorization: Bearer <トークン>」で送ってください。",
        )
    return scim_tokens.authenticate_scim(database(request), token.strip())


CallerDep = Annotated[ScimCaller, Depends(scim_caller)]
Filter = Annotated[str | None, Query(max_length=100_000)]
"""Longer than ``MAX_FILTER`` is refused as invalidFilter by the parser."""
StartIndex = Annotated[int, Query(alias="startIndex", ge=-(2**31), le=2**31 - 1)]
Count = Annotated[int, Query(ge=-(2**31), le=2**31 - 1)]
Excluded = Annotated[str, Query(alias="excludedAttributes", max_length=1000)]


def scim_response(
    body: Any, status: int = 200, *, version: str | None = None, location: str | None = None
) -> Response:
    """A SCIM answer, with its ETag and Location when it is one resource."""
    headers = {"Cache-Control": "no-store"}
    if version:
        headers["ETag"] = version
    if location:
        headers["Location"] = location
    return JSONResponse(body, status_code=status, media_type=SCIM_JSON, headers=headers)


async def read_body(request: Request) -> Any:
    """The JSON body of a SCIM request.

    Raises:
        ScimMediaTypeError: neither application/scim+json nor application/json.
        ScimTooLargeError: over ``MAX_BODY`` bytes.
        ScimSyntaxError: not JSON, or an object names a member twice.
    """
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in ACCEPTED_TYPES:
        raise ScimMediaTypeError(
            "send the body as application/scim+json (or application/json)",
            ja="本文は application/scim+json（または application/json）で送ってください。",
        )
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise ScimTooLargeError(
                f"the body is larger than {MAX_BODY // 1024} KB",
                ja=f"本文が大きすぎます（上限 {MAX_BODY // 1024} KB）。",
            )
    return read_json(body)


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/scim/v2"


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def user_json(view: ScimUserView, base: str) -> dict[str, Any]:
    """A User resource (RFC 7643 §4.1)."""
    attrs = view.attrs
    body: dict[str, Any] = {"schemas": [USER_SCHEMA], "id": view.id}
    if attrs.external_id:
        body["externalId"] = attrs.external_id
    body["userName"] = attrs.user_name
    parts = (("givenName", attrs.given_name), ("familyName", attrs.family_name))
    name = {k: v for k, v in parts if v}
    if attrs.person_name():
        name["formatted"] = attrs.person_name()
    if name:
        body["name"] = name
    if attrs.display_name:
        body["displayName"] = attrs.display_name
    body["active"] = attrs.active
    body["emails"] = [
        {"value": value, **({"type": kind} if kind else {}), "primary": primary}
        for value, kind, primary in attrs.emails
    ]
    body["groups"] = [
        {"value": gid, "display": name_, "$ref": f"{base}/Groups/{gid}"}
        for gid, name_ in view.groups
    ]
    body["meta"] = {
        "resourceType": "User",
        "created": _iso(view.created),
        "lastModified": _iso(view.last_modified),
        "location": f"{base}/Users/{view.id}",
        "version": view.version,
    }
    return body


def group_json(view: ScimGroupView, base: str, *, members: bool = True) -> dict[str, Any]:
    """A Group resource (RFC 7643 §4.2); ``members`` False leaves them out (as
    ``excludedAttributes=members`` asks)."""
    body: dict[str, Any] = {"schemas": [GROUP_SCHEMA], "id": view.id}
    if view.attrs.external_id:
        body["externalId"] = view.attrs.external_id
    body["displayName"] = view.attrs.display_name
    if members:
        body["members"] = [
            {"value": uid, "display": name, "$ref": f"{base}/Users/{uid}"}
            for uid, name in zip(view.attrs.members, view.member_names, strict=True)
        ]
    body["meta"] = {
        "resourceType": "Group",
        "created": _iso(view.created),
        "lastModified": _iso(view.last_modified),
        "location": f"{base}/Groups/{view.id}",
        "version": view.version,
    }
    return body


def _page(total: int, start: int, resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "schemas": [LIST_SCHEMA],
        "totalResults": total,
        "startIndex": max(start, 1),
        "itemsPerPage": len(resources),
        "Resources": resources,
    }


def _count(count: int) -> int:
    return min(max(count, 0), MAX_RESULTS)


def _user_out(request: Request, view: ScimUserView, status: int = 200) -> Response:
    base = _base(request)
    body = user_json(view, base)
    return scim_response(body, status, version=view.version, location=body["meta"]["location"])


def _group_out(request: Request, view: ScimGroupView, status: int = 200) -> Response:
    base = _base(request)
    body = group_json(view, base)
    return scim_response(body, status, version=view.version, location=body["meta"]["location"])


# ----------------------------------------------------------------------------- discovery


@router.get("/ServiceProviderConfig")
def get_service_provider_config(request: Request) -> Response:
    """What this service provider supports (RFC 7643 §5); no token needed."""
    return scim_response(service_provider_config(_base(request)))


@router.get("/ResourceTypes")
def get_resource_types(request: Request) -> Response:
    """The User and Group resource types (RFC 7643 §6)."""
    base = _base(request)
    found = [t | {"meta": {"resourceType": "ResourceType",
                           "location": f"{base}/ResourceTypes/{t['id']}"}}
             for t in RESOURCE_TYPES]  # fmt: skip
    return scim_response(_page(len(found), 1, found))


@router.get("/Schemas")
def get_schemas(request: Request) -> Response:
    """The schemas of the attributes tekisei keeps (RFC 7643 §7)."""
    base = _base(request)
    found = [s | {"meta": {"resourceType": "Schema", "location": f"{base}/Schemas/{s['id']}"}}
             for s in SCHEMAS]  # fmt: skip
    return scim_response(_page(len(found), 1, found))


# ----------------------------------------------------------------------------- users


@router.get("/Users")
def list_users(
    request: Request,
    caller: CallerDep,
    filter: Filter = None,
    start_index: StartIndex = 1,
    count: Count = MAX_RESULTS,
) -> Response:
    """The organisation's users, filtered (userName, externalId, emails.value, id, active,
    displayName) and paged (startIndex, count ≤ ``MAX_RESULTS``)."""
    with reading(request) as session:
        total, views = scim_users.list_users(session, caller, filter, start_index, _count(count))
    base = _base(request)
    return scim_response(_page(total, start_index, [user_json(v, base) for v in views]))


@router.post("/Users")
async def create_user(request: Request, caller: CallerDep) -> Response:
    """Provision a user (a new account, or the existing account of that email joins)."""
    attrs = read_user(await read_body(request))
    with transaction(request) as session:
        view = scim_users.create_user(session, caller, attrs)
    return _user_out(request, view, 201)


@router.get("/Users/{user_id}")
def get_user(request: Request, caller: CallerDep, user_id: Id) -> Response:
    """One user of the organisation (404 for any other)."""
    with reading(request) as session:
        view = scim_users.get_user(session, caller, user_id)
    return _user_out(request, view)


def _update_user(
    request: Request, caller: ScimCaller, user_id: str, change: Callable[[Any], Any]
) -> Response:
    with transaction(request) as session:
        view = scim_users.update_user(
            session, caller, user_id, change, if_match=request.headers.get("if-match")
        )
    return _user_out(request, view)


@router.put("/Users/{user_id}")
async def replace_user(request: Request, caller: CallerDep, user_id: Id) -> Response:
    """Replace a user's attributes; ``active`` false removes their access here."""
    attrs = read_user(await read_body(request))
    return _update_user(request, caller, user_id, lambda _current: attrs)


@router.patch("/Users/{user_id}")
async def patch_a_user(request: Request, caller: CallerDep, user_id: Id) -> Response:
    """Apply PatchOp operations (RFC 7644 §3.5.2) to a user."""
    operations = patch_operations(await read_body(request))
    return _update_user(request, caller, user_id, lambda current: patch_user(current, operations))


@router.delete("/Users/{user_id}")
def delete_user(request: Request, caller: CallerDep, user_id: Id) -> Response:
    """Deprovision a user and forget them here (their account stays for other
    organisations)."""
    with transaction(request) as session:
        scim_users.delete_user(session, caller, user_id, if_match=request.headers.get("if-match"))
    return Response(status_code=204)


# ----------------------------------------------------------------------------- groups


@router.get("/Groups")
def list_groups(
    request: Request,
    caller: CallerDep,
    filter: Filter = None,
    start_index: StartIndex = 1,
    count: Count = MAX_RESULTS,
    excluded: Excluded = "",
) -> Response:
    """The organisation's role groups, filtered (displayName, externalId, id,
    members.value) and paged."""
    with reading(request) as session:
        total, views = scim_groups.list_groups(session, caller, filter, start_index, _count(count))
    base = _base(request)
    members = "members" not in excluded.lower()
    found = [group_json(v, base, members=members) for v in views]
    return scim_response(_page(total, start_index, found))


@router.post("/Groups")
async def create_group(request: Request, caller: CallerDep) -> Response:
    """Create a role group (its displayName names a role) with its members."""
    attrs = read_group(await read_body(request))
    with transaction(request) as session:
        view = scim_groups.create_group(session, caller, attrs)
    return _group_out(request, view, 201)


@router.get("/Groups/{group_id}")
def get_group(
    request: Request, caller: CallerDep, group_id: Id, excluded: Excluded = ""
) -> Response:
    """One group of the organisation (404 for any other)."""
    with reading(request) as session:
        view = scim_groups.get_group(session, caller, group_id)
    body = group_json(view, _base(request), members="members" not in excluded.lower())
    return scim_response(body, version=view.version, location=body["meta"]["location"])


def _update_group(
    request: Request, caller: ScimCaller, group_id: str, change: Callable[[Any], Any]
) -> Response:
    with transaction(request) as session:
        view = scim_groups.update_group(
            session, caller, group_id, change, if_match=request.headers.get("if-match")
        )
    return _group_out(request, view)


@router.put("/Groups/{group_id}")
async def replace_group(request: Request, caller: CallerDep, group_id: Id) -> Response:
    """Replace a group's name and members."""
    attrs = read_group(await read_body(request))
    return _update_group(request, caller, group_id, lambda _current: attrs)


@router.patch("/Groups/{group_id}")
async def patch_a_group(request: Request, caller: CallerDep, group_id: Id) -> Response:
    """Add, remove or replace members, or rename the group (RFC 7644 §3.5.2)."""
    operations = patch_operations(await read_body(request))
    return _update_group(
        request, caller, group_id, lambda current: patch_group(current, operations)
    )


@router.delete("/Groups/{group_id}")
def delete_group(request: Request, caller: CallerDep, group_id: Id) -> Response:
    """Delete a group; its members get the roles of their other groups."""
    with transaction(request) as session:
        scim_groups.delete_group(session, caller, group_id)
    return Response(status_code=204)


__all__ = ["MAX_FILTER", "router"]
