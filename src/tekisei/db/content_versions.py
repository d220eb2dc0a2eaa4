"""Versions of what public pages are built from: one random token per organisation (and
one for the deployment-wide tables), replaced in the same transaction as every change to
that organisation's rows. A page built from the data it read while the tokens were T can
be kept and served again for as long as the tokens are still T, in every process.

The tokens are replaced at commit, after the transaction's last flush, so the row lock
a PostgreSQL writer takes on them is its last and is held only while it commits: two
writers of one organisation never wait on each other in a cycle.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import UTC, datetime
from itertools import chain
from typing import Any

from sqlalchemy import Integer, String, event, inspect
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from tekisei.db.base import Base, UtcDateTime

DEPLOYMENT = 0
"""The scope of the tables that belong to no organisation (organisation ids start at 1)."""

UNTRACKED = frozenset(
    {
        "content_versions",
        "audit_events",
        "audit_checkpoints",
        "rate_limits",
        "signin_failures",
        "web_sessions",
        "api_tokens",
        "users",
        "mail_outbox",
        "notifications",
        "eval_jobs",
        "eval_runs",
        "eval_results",
        "oversight_snapshots",
        "answers",
        "answer_evidence",
        "system_assignments",
    }
)
"""Tables written often (sign-ins, audit, sessions, limits, queues, evaluation runs in
progress, answers being filled) that no cached public page reads: a change to them keeps
the cached pages. A test holds that building a published register reads none of them."""

UNTRACKED_COLUMNS = {"orgs": frozenset({"audit_seq", "audit_head"})}
"""Columns of tracked tables that no cached public page reads and that change often: the
head of an organisation's audit chain moves with every audited action."""

_PENDING = "tekisei.content_versions.pending"


class ContentVersionRow(Base):
    """The current token of an organisation's data (``scope`` is its id), or of the
    deployment-wide tables (``scope`` 0)."""

    __tablename__ = "content_versions"

    scope: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    token: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime())


def _scopes_of(instance: object, *, dirty: bool = False) -> Iterable[int]:
    table = getattr(instance, "__tablename__", None)
    if table is None or table in UNTRACKED:
        return ()
    state = inspect(instance)
    skipped = UNTRACKED_COLUMNS.get(table)
    if dirty and skipped is not None:
        changed = {a.key for a in state.attrs if a.history.has_changes()}
        if changed <= skipped:
            return ()
    if table == "orgs":
        identity = state.identity
        return (int(identity[0]),) if identity else ()
    if "org_id" not in state.mapper.columns:
        return (DEPLOYMENT,)
    # the value before and after the flush (a row moved to another organisation changes
    # both); read from the instance's state, never loaded (a deleted row is gone)
    history = state.attrs.org_id.history
    values = {*history.added, *history.unchanged, *history.deleted}
    found = {int(v) for v in values if v is not None}
    return found or (DEPLOYMENT,)


def _after_flush(session: Session, _context: Any) -> None:
    pending: set[int] = session.info.setdefault(_PENDING, set())
    for instance in chain(session.new, session.deleted):
        pending.update(_scopes_of(instance))
    for instance in session.dirty:
        pending.update(_scopes_of(instance, dirty=True))


def _orm_execute(state: ORMExecuteState) -> None:
    # statements that change rows in bulk (``update(...)``, ``delete(...)``,
    # ``insert(...)``): the organisations they touch are not known here, so every
    # organisation's pages are rebuilt
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in UNTRACKED:
        return
    state.session.info.setdefault(_PENDING, set()).add(DEPLOYMENT)


def _before_commit(session: Session) -> None:
    if session.new or session.dirty or session.deleted:
        session.flush()
    pending: set[int] = session.info.pop(_PENDING, set())
    if pending:
        replace_tokens(session, pending)


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def replace_tokens(session: Session, scopes: Iterable[int]) -> None:
    """Give each scope a new token (in scope order, so that two writers lock the rows in
    the same order)."""
    now = datetime.now(UTC)
    rows = [
        {"scope": scope, "token": secrets.token_hex(16), "changed_at": now}
        for scope in sorted(set(scopes))
    ]
    dialect = session.get_bind().dialect.name
    build = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = build(ContentVersionRow).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=["scope"],
        set_={"token": statement.excluded.token, "changed_at": statement.excluded.changed_at},
    )
    session.execute(statement)


def track_changes() -> None:
    """Replace the tokens of what every session of this process changes (idempotent)."""
    if event.contains(Session, "after_flush", _after_flush):
        return
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "do_orm_execute", _orm_execute)
    event.listen(Session, "before_commit", _before_commit)
    event.listen(Session, "after_rollback", _after_rollback)


track_changes()
