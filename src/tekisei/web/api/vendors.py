"""JSON API of the vendor register (2(4); APPI art. 28)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from tekisei.core.vendors import Text, VendorChange, VendorFields, VendorKind
from tekisei.services import vendors as vendor_service
from tekisei.services.people import ActorNames
from tekisei.services.vendors import EventView, VendorView
from tekisei.web.api.common import (
    IdPath,
    IdQuery,
    VersionField,
    changes_model,
    reading,
    transaction,
)
from tekisei.web.auth import PrincipalDep

router = APIRouter(tags=["vendors"])

if TYPE_CHECKING:
    VendorChanges = BaseModel
else:
    VendorChanges = changes_model("VendorChanges", VendorFields)


class Change(VendorChange):
    """Mark a vendor as changed: why, and ``version``, the version you read (a stale one
    gets 409)."""

    version: VersionField


class Archive(BaseModel):
    """Archive (exit) a vendor: ``version`` is the version you read (a stale one gets 409)."""

    model_config = ConfigDict(extra="forbid")

    version: VersionField
    detail: Text = Field(default="", description="Why the organisation stops using it")


@router.get("/api/vendors", response_model=list[VendorView])
def list_vendors(
    request: Request,
    principal: PrincipalDep,
    system: IdQuery = None,
    kind: VendorKind | None = None,
    abroad: bool | None = None,
    archived: bool = False,
) -> list[VendorView]:
    """The register: those ``system`` depends on, of ``kind``, sending personal data abroad
    or not when given; archived ones only with ``archived=true``."""
    with reading(request) as session:
        actors = ActorNames(session, principal)
        rows = vendor_service.list_vendors(
            session, principal, system_id=system, kind=kind, abroad=abroad, archived=archived
        )
        return [vendor_service.view(session, principal, r, actors) for r in rows]


@router.post("/api/vendors", response_model=VendorView, status_code=201)
def add_vendor(request: Request, principal: PrincipalDep, body: VendorFields) -> VendorView:
    """Add a vendor (administrators and editors)."""
    with transaction(request) as session:
        row = vendor_service.add_vendor(session, principal, body)
        return vendor_service.view(session, principal, row, ActorNames(session, principal))


@router.get("/api/vendors/{vendor_id}", response_model=VendorView)
def get_vendor(request: Request, principal: PrincipalDep, vendor_id: IdPath) -> VendorView:
    """One vendor (its contact only for administrators and editors)."""
    with reading(request) as session:
        row = vendor_service.get_vendor(session, principal, vendor_id)
        return vendor_service.view(session, principal, row, ActorNames(session, principal))


@router.patch("/api/vendors/{vendor_id}", response_model=VendorView)
def update_vendor(
    request: Request, principal: PrincipalDep, vendor_id: IdPath, body: VendorChanges
) -> VendorView:
    """Change a vendor (a stale ``version`` gets 409)."""
    data = body.model_dump(exclude_unset=True)
    version = data.pop("version")
    with transaction(request) as session:
        row = vendor_service.update_vendor(session, principal, vendor_id, data, version)
        return vendor_service.view(session, principal, row, ActorNames(session, principal))


@router.post("/api/vendors/{vendor_id}/change", response_model=EventView, status_code=201)
def mark_changed(
    request: Request, principal: PrincipalDep, vendor_id: IdPath, body: Change
) -> EventView:
    """Record that the vendor changed; each system that depends on it gets a review opened
    (``reviews`` lists them)."""
    change = VendorChange(reason=body.reason, detail=body.detail)
    with transaction(request) as session:
        row = vendor_service.mark_changed(session, principal, vendor_id, change, body.version)
        return vendor_service.event_view(row, ActorNames(session, principal))


@router.post("/api/vendors/{vendor_id}/archive", response_model=VendorView)
def archive_vendor(
    request: Request, principal: PrincipalDep, vendor_id: IdPath, body: Archive
) -> VendorView:
    """Archive (exit) a vendor; each system that depended on it gets a review opened."""
    with transaction(request) as session:
        row = vendor_service.archive_vendor(
            session, principal, vendor_id, body.version, body.detail
        )
        return vendor_service.view(session, principal, row, ActorNames(session, principal))


@router.get("/api/vendors/{vendor_id}/history", response_model=list[EventView])
def history(request: Request, principal: PrincipalDep, vendor_id: IdPath) -> list[EventView]:
    """The vendor's history, newest first."""
    with reading(request) as session:
        actors = ActorNames(session, principal)
        return [
            vendor_service.event_view(e, actors)
            for e in vendor_service.history(session, principal, vendor_id)
        ]
