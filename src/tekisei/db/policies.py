"""Tables of the AI policies (guideline 2(1)): the draft of each policy, its approved
versions (kept as approved) and the members' acknowledgements of them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, mapped_column

from tekisei.db.base import Base, UtcDateTime


class PolicyRow(Base):
    """A policy of an organisation: the draft being edited, the approval asked for it, and
    whether the policy was withdrawn."""

    __tablename__ = "policies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    """The draft (``PolicyContent``)."""
    items: Mapped[list[str]] = mapped_column(JSON)
    """The guideline items the draft addresses (catalog references such as ``2.1``)."""
    audience: Mapped[str] = mapped_column(String(20))
    effective_on: Mapped[date | None] = mapped_column(Date)
    template: Mapped[str] = mapped_column(String(60))
    """The templates the draft started from (``tekisei-policy-templates/1``), or empty."""
    approval_status: Mapped[str] = mapped_column(String(20))
    """Empty, ``pending`` or ``rejected`` (an approval makes a version and clears it)."""
    approval_version: Mapped[int | None] = mapped_column(Integer)
    """The draft version the request and the decision are about."""
    approval_requested_by: Mapped[str | None] = mapped_column(String(320))
    approval_requested_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    approval_note: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(320))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    decision_reason: Mapped[str | None] = mapped_column(Text)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    withdrawn_by: Mapped[str | None] = mapped_column(String(320))
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str] = mapped_column(String(320))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(320))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012


class PolicyVersionRow(Base):
    """One approved version of a policy, kept exactly as the executive approved it. Only
    its publication (when and by whom) is written later, once."""

    __tablename__ = "policy_versions"
    __table_args__ = (UniqueConstraint("policy_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    policy_id: Mapped[int] = mapped_column(
        ForeignKey("policies.id", ondelete="CASCADE"), index=True
    )
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    items: Mapped[list[str]] = mapped_column(JSON)
    audience: Mapped[str] = mapped_column(String(20))
    effective_on: Mapped[date] = mapped_column(Date)
    draft_version: Mapped[int] = mapped_column(Integer)
    requested_by: Mapped[str] = mapped_column(String(320))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime())
    approved_by: Mapped[str] = mapped_column(String(320))
    approved_at: Mapped[datetime] = mapped_column(UtcDateTime())
    approval_reason: Mapped[str] = mapped_column(Text)
    approver_added_by: Mapped[str | None] = mapped_column(String(320))
    """Who made the approving executive a member (separation of duties)."""
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    published_by: Mapped[str | None] = mapped_column(String(320))


PUBLICATION = frozenset({"published_at", "published_by"})
"""The columns of an approved version written after the approval (once)."""


@event.listens_for(PolicyVersionRow, "before_update")
def _approved_versions_never_change(_mapper: Any, _connection: Any, target: Any) -> None:
    state = inspect(target)
    for attribute in state.attrs:
        history = attribute.history
        if not history.has_changes():
            continue
        if attribute.key in PUBLICATION and not any(history.deleted):
            continue  # publication written for the first time
        raise RuntimeError("an approved policy version is never changed; approve a new one")


class PolicyAcknowledgementRow(Base):
    """A member's acknowledgement that they read one version of a policy."""

    __tablename__ = "policy_acknowledgements"
    __table_args__ = (UniqueConstraint("policy_id", "number", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    policy_id: Mapped[int] = mapped_column(
        ForeignKey("policies.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    acknowledged_at: Mapped[datetime] = mapped_column(UtcDateTime())
