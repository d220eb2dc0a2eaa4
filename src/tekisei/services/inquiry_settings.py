"""An organisation's days to answer each kind of inquiry and how long the senders'
personal data is kept after an inquiry ends (guideline fn 17, fn 18)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from tekisei.core.inquiries import InquiryKind, InquirySettings
from tekisei.core.orgs import Permission, Principal, require, sees_all_systems
from tekisei.db.inquiries import InquirySettingsRow
from tekisei.db.orgs import OrgRow
from tekisei.errors import NotFoundError
from tekisei.services import audit
from tekisei.services.changes import check_version

_KINDS = {k.value for k in InquiryKind}


class SettingsView(InquirySettings):
    """The settings with the version to send back when changing them (0: the defaults,
    never saved)."""

    version: int


def settings_of(session: Session, org_id: int) -> InquirySettings:
    """The organisation's settings (the defaults until it saves its own)."""
    row = session.get(InquirySettingsRow, org_id)
    if row is None:
        return InquirySettings()
    return InquirySettings(
        due_days={InquiryKind(k): v for k, v in row.due_days.items() if k in _KINDS},
        retention_days=row.retention_days,
    )


def _reader(principal: Principal) -> None:
    require(principal, Permission.READ)
    if not sees_all_systems(principal.role):
        raise NotFoundError(
            "this organisation has no inquiries you can see",
            ja="この組織に、閲覧できる問い合わせはありません。",
        )


def read_settings(session: Session, principal: Principal) -> SettingsView:
    """The settings as a member reads them.

    Raises:
        NotFoundError: external testers.
    """
    _reader(principal)
    row = session.get(InquirySettingsRow, principal.org_id)
    current = settings_of(session, principal.org_id)
    return SettingsView(**current.model_dump(), version=row.version if row else 0)


def update_settings(
    session: Session, principal: Principal, settings: InquirySettings, version: int
) -> SettingsView:
    """Save the organisation's settings; they apply to inquiries received from now on
    (and to the retention of every ended inquiry).

    Raises:
        NotFoundError: external testers.
        PermissionDeniedError: the role may not handle inquiries.
        ConflictError: ``version`` is not the one read.
    """
    _reader(principal)
    require(principal, Permission.HANDLE_INQUIRIES)
    row = session.get(InquirySettingsRow, principal.org_id)
    check_version(
        "問い合わせの設定", "", version, row.version if row else 0,
        kind_en="the inquiry settings",
    )  # fmt: skip
    now = datetime.now(UTC)
    days = {k.value: v for k, v in settings.due_days.items()}
    if row is None:
        row = InquirySettingsRow(
            org_id=principal.org_id, due_days=days, retention_days=settings.retention_days,
            updated_at=now, updated_by=principal.email, version=1,
        )  # fmt: skip
        session.add(row)
    else:
        row.due_days = days
        row.retention_days = settings.retention_days
        row.updated_at = now
        row.updated_by = principal.email
        row.version += 1
    session.flush()
    org = session.get(OrgRow, principal.org_id)
    assert org is not None
    audit.record(
        session, org, principal.email, "inquiry.settings", "org", principal.org_id,
        {"due_days": days, "retention_days": settings.retention_days, "version": row.version},
    )  # fmt: skip
    return read_settings(session, principal)
