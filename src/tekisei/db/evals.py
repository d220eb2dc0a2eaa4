"""Tables of evaluation runs, their results, and the risks their failures suggest."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from tekisei.db.base import Base, UtcDateTime


class EvalRunRow(Base):
    """One run of a suite against a target, on one system (or imported from another tool)."""

    __tablename__ = "eval_runs"
    __table_args__ = (UniqueConstraint("org_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("systems.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(100))
    """The run's name, unique in its organisation; its log is
    ``<data_dir>/runs/<org_id>/<key>.jsonl``; ``--resume`` takes it."""
    source: Mapped[str] = mapped_column(String(20))
    """``run``, or the format it was imported from (``inspect``, ``csv``)."""
    suite: Mapped[str] = mapped_column(String(200))
    suite_version: Mapped[str] = mapped_column(String(80))
    target: Mapped[str] = mapped_column(Text)
    probes: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), index=True)
    cases: Mapped[int] = mapped_column(Integer)
    answered: Mapped[int] = mapped_column(Integer, default=0)
    passed: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[int] = mapped_column(Integer, default=0)
    pass_rate: Mapped[float | None] = mapped_column(Float)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON)
    results_sha256: Mapped[str | None] = mapped_column(String(64))
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id", ondelete="SET NULL"))
    started_by: Mapped[str] = mapped_column(String(320))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class EvalResultRow(Base):
    """The outcome of one case in one run; a case appears at most once per run."""

    __tablename__ = "eval_results"
    __table_args__ = (UniqueConstraint("run_id", "case_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("eval_runs.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[str] = mapped_column(String(200))
    perspective: Mapped[str] = mapped_column(String(4))
    risks: Mapped[list[str]] = mapped_column(JSON)
    lang: Mapped[str] = mapped_column(String(5))
    passed: Mapped[bool] = mapped_column(Boolean)
    error: Mapped[str | None] = mapped_column(Text)
    input: Mapped[list[dict[str, str]]] = mapped_column(JSON)
    output: Mapped[str | None] = mapped_column(Text)
    scores: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    latency_ms: Mapped[float] = mapped_column(Float)


class RiskSuggestionRow(Base):
    """A risk (with a likelihood) that a run's failures suggest, until a human decides."""

    __tablename__ = "risk_suggestions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    system_id: Mapped[int] = mapped_column(ForeignKey("systems.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("eval_runs.id", ondelete="CASCADE"), index=True)
    taxonomy: Mapped[str] = mapped_column(String(80))
    failed: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(Integer)
    likelihood: Mapped[int] = mapped_column(Integer)
    risk_id: Mapped[int | None] = mapped_column(ForeignKey("risks.id", ondelete="SET NULL"))
    """The system's open risk on the same taxonomy id, when there is one."""
    status: Mapped[str] = mapped_column(String(20), index=True)
    """pending, accepted, dismissed or superseded (a later run suggested again)."""
    decided_by: Mapped[str | None] = mapped_column(String(320))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    note: Mapped[str] = mapped_column(Text, default="")


class EvalTargetHostRow(Base):
    """A host that an organisation's runs started from the web and the API may reach (its
    allow-list of evaluation targets; empty by default)."""

    __tablename__ = "eval_target_hosts"
    __table_args__ = (UniqueConstraint("org_id", "host"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    host: Mapped[str] = mapped_column(String(270))
    """``host``, ``host:port``, ``*.domain`` or ``*.domain:port`` (see evals.host_entry)."""
    added_by: Mapped[str] = mapped_column(String(320))
    added_at: Mapped[datetime] = mapped_column(UtcDateTime())


class EvalJobRow(Base):
    """A run that a process executes or will execute: the queue of runs started from the
    web (a ``tekisei worker`` claims them), and the lease that lets at most one process
    work on a run at a time. The row exists only while the run is queued or executing."""

    __tablename__ = "eval_jobs"

    run_id: Mapped[int] = mapped_column(
        ForeignKey("eval_runs.id", ondelete="CASCADE"), primary_key=True
    )
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id", ondelete="CASCADE"), index=True)
    origin: Mapped[str] = mapped_column(String(10))
    """``web`` (queued for a worker) or ``cli`` (a command-line run holding the lease)."""
    request: Mapped[dict[str, Any]] = mapped_column(JSON)
    """How to run it (suite, target, probes, concurrency …), never the API keys."""
    secrets: Mapped[str | None] = mapped_column(Text)
    """The run's API keys, sealed (AES-256-GCM) with a key derived from the deployment
    secret; erased with the row when the run finishes or is cancelled."""
    acting: Mapped[dict[str, Any]] = mapped_column(JSON)
    """Who started it: the worker acts for them (user id, email, role)."""
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    """The process executing it (``host:pid:random``), None while it waits."""
    lease_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    """Renewed by the owner's heartbeat; once past, another process may take the run over."""
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    queued_at: Mapped[datetime] = mapped_column(UtcDateTime())
