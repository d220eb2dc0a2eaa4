"""The queue of evaluation runs and the leases that let one process at a time execute one.

A run started from the web or the API is a row of ``eval_jobs`` that a ``tekisei worker``
claims (PostgreSQL: ``SELECT … FOR UPDATE SKIP LOCKED``; SQLite: the claim is a write
transaction, which begins IMMEDIATE, so claims queue up), taking its lease: an owner
and an expiry its heartbeat renews. A command-line run on a system takes the same lease.
While a lease is live no other process may work on the run; once it has expired (the
process was killed) another may take the run over and resume it, and results already
stored are never stored twice. A run's API keys are kept in its row only while it is
queued or executing, sealed (AES-256-GCM) with a key derived from the deployment secret,
and erased with the row when the run finishes, fails or is cancelled.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import secrets
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from tekisei.config import Settings
from tekisei.core.orgs import Principal, Role
from tekisei.db.evals import EvalJobRow, EvalRunRow
from tekisei.db.orgs import OrgRow
from tekisei.errors import ConflictError, TekiseiError, ThrottledError
from tekisei.services import audit
from tekisei.services.database import Database
from tekisei.services.derived_keys import derived_key

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
_INFO = b"tekisei evaluation run keys v1"
MAX_ATTEMPTS = 5
"""A run whose worker died this many times is taken off the queue (it stays resumable)."""


def utcnow() -> datetime:
    """The current time, in UTC."""
    return datetime.now(UTC)


def new_owner() -> str:
    """A name for this process's leases: ``host:pid:random``."""
    return f"{socket.gethostname()[:120]}:{os.getpid()}:{secrets.token_hex(4)}"


@dataclass(frozen=True)
class LeaseConfig:
    """How this process holds leases: its name, their length, and its clock."""

    seconds: float = 30.0
    owner: str = field(default_factory=new_owner)
    clock: Clock = utcnow

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> LeaseConfig:
        """With the lease length of ``TEKISEI_EVAL_LEASE_SECONDS``."""
        return cls(**({"seconds": float(settings.eval_lease_seconds)} | overrides))


def secrets_key(settings: Settings) -> bytes:
    """The key that seals runs' API keys: HKDF-SHA256 of the deployment secret."""
    return derived_key(settings, _INFO)


def seal_keys(
    master: bytes, run_id: int, api_key: str | None, judge_api_key: str | None
) -> str | None:
    """The run's API keys sealed for its queue row only (None when there are none)."""
    if not api_key and not judge_api_key:
        return None
    plain = json.dumps({"api_key": api_key, "judge_api_key": judge_api_key}).encode("utf-8")
    nonce = os.urandom(12)
    sealed = AESGCM(master).encrypt(nonce, plain, f"eval-run:{run_id}".encode())
    return base64.b64encode(nonce + sealed).decode("ascii")


def open_keys(master: bytes, run_id: int, sealed: str | None) -> tuple[str | None, str | None]:
    """(api_key, judge_api_key) sealed by :func:`seal_keys`; (None, None) when the seal
    cannot be opened (another deployment secret): the run then goes without them."""
    if not sealed:
        return None, None
    data = base64.b64decode(sealed)
    try:
        plain = AESGCM(master).decrypt(data[:12], data[12:], f"eval-run:{run_id}".encode())
    except InvalidTag:
        log.error("the API keys of run %s cannot be opened (TEKISEI_SECRET_KEY changed?)", run_id)
        return None, None
    keys = json.loads(plain)
    return keys.get("api_key"), keys.get("judge_api_key")


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)  # SQLite keeps no offset; tekisei writes UTC
    return value


def is_held(job: EvalJobRow, now: datetime) -> bool:
    """Whether a process holds the run's lease now."""
    expires = _aware(job.lease_expires_at)
    return job.lease_owner is not None and expires is not None and expires > now


def job_state(session: Session, run_id: int, now: datetime | None = None) -> str | None:
    """``executing`` (a process holds the lease), ``queued`` (waiting for a worker, or
    for another worker to take over from one that died), or None."""
    job = session.get(EvalJobRow, run_id)
    if job is None:
        return None
    if is_held(job, now or utcnow()):
        return "executing"
    return "queued" if job.origin == "web" else None


def _lock_org(session: Session, org_id: int) -> None:
    # PostgreSQL: one start at a time per organisation, so the count below holds;
    # SQLite: the write transaction holds the database's write lock already.
    session.execute(select(OrgRow.id).where(OrgRow.id == org_id).with_for_update())


def active_runs(session: Session, org_id: int, now: datetime) -> int:
    """The organisation's runs that are queued or executing."""
    rows = session.scalars(select(EvalJobRow).where(EvalJobRow.org_id == org_id))
    return sum(1 for job in rows if job.origin == "web" or is_held(job, now))


def check_capacity(session: Session, org_id: int, limit: int, now: datetime) -> None:
    """Refuse a new run when the organisation has ``limit`` runs queued or executing.

    Raises:
        ThrottledError: at the limit; the message says what to do.
    """
    if active_runs(session, org_id, now) >= limit:
        raise ThrottledError(
            f"this organisation has {limit} evaluation runs queued or executing, the most "
            "allowed at once (TEKISEI_EVAL_RUNS_PER_ORG); wait for one to finish or cancel one",
            ja=f"この組織では評価実行がすでに{limit}件、待機中または実行中です（同時に"
            "実行できる上限。TEKISEI_EVAL_RUNS_PER_ORG）。終わるのを待つか、どれかを中止して"
            "ください。",
            retry_after=30,
        )


def _busy(key: str, job: EvalJobRow, now: datetime) -> ConflictError:
    if is_held(job, now):
        expires = _aware(job.lease_expires_at)
        assert expires is not None
        until = expires.strftime("%Y-%m-%d %H:%M:%S UTC")
        return ConflictError(
            f"run {key} is being executed by another process ({job.lease_owner}); wait for "
            f"it to finish, or cancel it ('tekisei eval cancel {key}' or the run page) and "
            f"resume it afterwards. If that process died, its hold lapses at {until}",
            ja=f"評価実行 {key} は別のプロセス（{job.lease_owner}）が実行中です。終わるのを"
            f"待つか、中止（tekisei eval cancel {key} または実行のページ）してから再開して"
            f"ください。そのプロセスが止まっている場合は、{until} に確保が切れます。",
        )
    return ConflictError(
        f"run {key} is queued already; a worker ('tekisei worker') will execute it",
        ja=f"評価実行 {key} はすでに実行待ちです。ワーカー（tekisei worker）が実行します。",
    )


def acting(principal: Principal) -> dict[str, Any]:
    """What a worker needs to act for ``principal``."""
    return {
        "user_id": principal.user_id,
        "email": principal.email,
        "org_slug": principal.org_slug,
        "role": principal.role.value,
        "via": principal.via,
    }


def principal_of(job: EvalJobRow | ClaimedJob) -> Principal:
    """The principal a job acts for."""
    who = job.acting
    return Principal(
        user_id=who.get("user_id"),
        email=str(who["email"]),
        org_id=job.org_id,
        org_slug=str(who["org_slug"]),
        role=Role(who["role"]),
        via=who.get("via", "session"),
    )


def enqueue(
    session: Session,
    principal: Principal,
    run: EvalRunRow,
    request: dict[str, Any],
    sealed_keys: str | None,
    *,
    limit: int,
    now: datetime,
    resume: bool = False,
) -> EvalJobRow:
    """Queue a run for a worker, in the caller's transaction (with the run's start).

    Raises:
        ConflictError: the run is queued or executing already.
        ThrottledError: the organisation has ``limit`` runs queued or executing.
    """
    _lock_org(session, principal.org_id)
    existing = session.get(EvalJobRow, run.id)
    if existing is not None:
        if existing.origin == "web" or is_held(existing, now):
            raise _busy(run.key, existing, now)
        session.delete(existing)  # a command-line run's lease that expired: its process died
        session.flush()
    check_capacity(session, principal.org_id, limit, now)
    clear_stop(run)
    if run.status == "failed":
        run.status = "running"  # resumed: its errored cases are tried again
    job = EvalJobRow(
        run_id=run.id,
        org_id=principal.org_id,
        origin="web",
        request=request,
        secrets=sealed_keys,
        acting=acting(principal),
        lease_owner=None,
        lease_expires_at=None,
        attempts=0,
        queued_at=now,
    )
    session.add(job)
    if resume:
        org = session.get(OrgRow, principal.org_id)
        assert org is not None
        audit.record(session, org, principal.email, "eval.resume", "eval_run", run.id,
                     {"key": run.key})  # fmt: skip
    return job


def note_stop(run: EvalRunRow, kind: str, **details: str) -> None:
    """Keep on the run why it stopped before finishing (``cancelled``, with ``by``; or
    ``error``, with ``en`` and ``ja`` messages for its readers), shown until it resumes."""
    summary = dict(run.summary or {})
    summary["stopped"] = {"kind": kind, "at": utcnow().isoformat(), **details}
    run.summary = summary


def clear_stop(run: EvalRunRow) -> None:
    """Forget why the run stopped: it runs again."""
    if run.summary and "stopped" in run.summary:
        run.summary = {k: v for k, v in run.summary.items() if k != "stopped"}


def record_error(database: Database, run_id: int, exc: Exception) -> None:
    """Note on the run that its worker stopped on ``exc``: a tekisei error's own message
    (written for users), otherwise a generic one; the details stay in the server's log."""
    if isinstance(exc, TekiseiError):
        en = exc.message
        ja = exc.message_ja or f"実行を続けられませんでした（詳細は英語のみ: {exc.message}）"
    else:
        en = "an unexpected error stopped the run; the server's log has the details"
        ja = "予期しないエラーで実行が止まりました。詳細はサーバーのログにあります。"
    with database.transaction() as session:
        run = session.get(EvalRunRow, run_id)
        if run is not None and run.status == "running":
            note_stop(run, "error", en=en[:500], ja=ja[:500])


def cancel(session: Session, principal: Principal, run: EvalRunRow) -> bool:
    """Take a run off the queue, or stop the process executing it (at its next result),
    erasing its API keys; audited. Returns whether there was anything to cancel."""
    job = session.get(EvalJobRow, run.id)
    if job is None:
        return False
    session.delete(job)
    note_stop(run, "cancelled", by=principal.email)
    org = session.get(OrgRow, principal.org_id)
    assert org is not None
    audit.record(session, org, principal.email, "eval.cancel", "eval_run", run.id,
                 {"key": run.key, "was": job_state_of(job, utcnow())})  # fmt: skip
    return True


def job_state_of(job: EvalJobRow, now: datetime) -> str:
    """``executing`` or ``queued``."""
    return "executing" if is_held(job, now) else "queued"


def not_running(key: str) -> ConflictError:
    """The error for cancelling a run that is neither queued nor executing."""
    return ConflictError(
        f"run {key} is neither queued nor executing; there is nothing to cancel",
        ja=f"評価実行 {key} は実行待ちでも実行中でもないため、中止するものはありません。",
    )


@dataclass(frozen=True)
class ClaimedJob:
    """A queued run a worker has claimed (its lease taken)."""

    run_id: int
    org_id: int
    request: dict[str, Any]
    secrets: str | None
    acting: dict[str, Any]
    attempts: int


def claim_next(database: Database, config: LeaseConfig) -> ClaimedJob | None:
    """Take the oldest queued run whose lease is free or expired, or None."""
    owner, seconds = config.owner, config.seconds
    now = config.clock()
    claimable = (EvalJobRow.origin == "web") & or_(
        EvalJobRow.lease_owner.is_(None), EvalJobRow.lease_expires_at < now
    )
    with database.reading() as session:
        # an idle worker only reads: on SQLite a write transaction takes the write lock
        if session.scalar(select(EvalJobRow.run_id).where(claimable).limit(1)) is None:
            return None
    with database.transaction() as session:
        query = (
            select(EvalJobRow)
            .where(claimable)
            .order_by(EvalJobRow.queued_at, EvalJobRow.run_id)
            .limit(1)
        )
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        job = session.scalars(query).first()
        if job is None:
            return None
        job.lease_owner = owner
        job.lease_expires_at = now + timedelta(seconds=seconds)
        job.attempts += 1
        return ClaimedJob(
            job.run_id, job.org_id, dict(job.request), job.secrets, dict(job.acting), job.attempts
        )


def take_lease(database: Database, principal: Principal, run_id: int, config: LeaseConfig) -> Lease:
    """Take the run's lease for a command-line run, taking over a queued run or one whose
    lease expired; the lease is renewed by a heartbeat until released.

    Raises:
        ConflictError: another process holds the run's lease.
    """
    owner, seconds = config.owner, config.seconds
    with database.transaction() as session:
        now = config.clock()
        run = session.get(EvalRunRow, run_id)
        assert run is not None
        job = session.get(EvalJobRow, run_id)
        if job is not None and is_held(job, now):
            raise _busy(run.key, job, now)
        if job is None:
            job = EvalJobRow(run_id=run_id, org_id=principal.org_id, request={}, attempts=0,
                             queued_at=now)  # fmt: skip
            session.add(job)
        clear_stop(run)
        if run.status == "failed":
            run.status = "running"  # resumed: its errored cases are tried again
        job.origin = "cli"
        job.secrets = None  # this process has its keys; a queued run's are erased
        job.acting = acting(principal)
        job.lease_owner = owner
        job.lease_expires_at = now + timedelta(seconds=seconds)
        job.attempts = (job.attempts or 0) + 1
    lease = Lease(database, run_id, config)
    lease.start()
    return lease


class LeaseLostError(ConflictError):
    """The run's lease was lost: the run was cancelled, or taken over by another process."""


class WorkerStoppingError(Exception):
    """The worker is stopping; the run goes back to the queue."""


class Lease:
    """A lease held on a run, renewed every third of its length by a heartbeat thread."""

    def __init__(self, database: Database, run_id: int, config: LeaseConfig) -> None:
        self.run_id = run_id
        self.owner = config.owner
        self.lost = threading.Event()
        self._database = database
        self._seconds = config.seconds
        self._clock = config.clock
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the heartbeat."""
        self._thread = threading.Thread(target=self._beat, name=f"lease-{self.run_id}", daemon=True)
        self._thread.start()

    def _mine(self) -> Any:
        return (EvalJobRow.run_id == self.run_id) & (EvalJobRow.lease_owner == self.owner)

    def _beat(self) -> None:
        while not self._done.wait(self._seconds / 3):
            try:
                with self._database.transaction() as session:
                    expires = self._clock() + timedelta(seconds=self._seconds)
                    renewed = session.execute(
                        update(EvalJobRow).where(self._mine()).values(lease_expires_at=expires)
                    )
            except SQLAlchemyError:
                log.warning("could not renew the lease of run %s; trying again", self.run_id)
                continue
            if renewed.rowcount == 0:  # type: ignore[attr-defined]
                self.lost.set()
                return

    def check(self) -> None:
        """Raise :class:`LeaseLostError` once the lease is gone."""
        if self.lost.is_set():
            raise LeaseLostError(
                f"run {self.run_id} was cancelled or taken over by another process; the "
                "results so far are stored, and it can be resumed",
                ja=f"評価実行 {self.run_id} は中止されたか、別のプロセスに引き継がれました。"
                "ここまでの結果は保存されており、再開できます。",
            )

    def release(self, *, requeue: bool = False) -> None:
        """Stop the heartbeat and end the lease: the job row goes (and the keys with it),
        or, with ``requeue``, the run waits for the next worker with its keys."""
        self._done.set()
        if self._thread is not None:
            self._thread.join()
        with self._database.transaction() as session:
            if requeue:
                session.execute(
                    update(EvalJobRow)
                    .where(self._mine())
                    .values(lease_owner=None, lease_expires_at=None)
                )
            else:
                session.execute(delete(EvalJobRow).where(self._mine()))
