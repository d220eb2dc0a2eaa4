"""The tamper-evident audit log: events in a hash chain per organisation.

Each event's hash covers its content and the previous event's hash, so changing,
deleting or reordering any event breaks the chain at that event. Checkpoints
(signed elsewhere with an Ed25519 key) pin the head of the chain, so the whole
chain cannot be silently rewritten either. Verification needs only this module
and the public key.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

GENESIS = "0" * 64
EXPORT_FORMAT = "tekisei-audit-export/1"


def canonical(data: Any) -> bytes:
    """Deterministic JSON bytes: sorted keys, no spaces, UTF-8."""
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


class AuditEvent(BaseModel):
    """One recorded change."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    seq: int
    org: str
    at: str
    actor: str
    action: str
    object_type: str
    object_id: str
    summary: dict[str, Any]
    prev_hash: str
    hash: str

    def content(self) -> dict[str, Any]:
        """Everything the hash covers (all but the hash itself)."""
        return self.model_dump(exclude={"hash"})


def event_hash(content: dict[str, Any]) -> str:
    """SHA-256 of an event's canonical content."""
    return hashlib.sha256(canonical(content)).hexdigest()


def next_event(
    prev_seq: int,
    prev_hash: str,
    *,
    org: str,
    at: str,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    summary: dict[str, Any],
) -> AuditEvent:
    """The event that follows ``(prev_seq, prev_hash)`` in ``org``'s chain.

    For the first event, pass ``0, GENESIS``.
    """
    content: dict[str, Any] = {
        "seq": prev_seq + 1,
        "org": org,
        "at": at,
        "actor": actor,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "summary": summary,
        "prev_hash": prev_hash,
    }
    return AuditEvent(**content, hash=event_hash(content))


class Checkpoint(BaseModel):
    """A signed statement that the chain had ``hash`` at ``seq``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    org: str
    seq: int
    hash: str
    at: str
    key_id: str
    signature: str
    """Base64 Ed25519 signature of :func:`checkpoint_message`."""


def checkpoint_message(org: str, seq: int, head: str, at: str) -> bytes:
    """The bytes a checkpoint signs."""
    return canonical(
        {"kind": "tekisei-audit-checkpoint", "org": org, "seq": seq, "hash": head, "at": at}
    )


class AuditExport(BaseModel):
    """A self-contained export of one organisation's audit log."""

    model_config = ConfigDict(extra="forbid")

    format: Literal["tekisei-audit-export/1"]
    org: str
    exported_at: str
    public_key: str
    """Base64 raw Ed25519 public key that signed the checkpoints."""
    key_id: str
    events: list[AuditEvent]
    checkpoints: list[Checkpoint]


@dataclass(frozen=True)
class ChainProblem:
    """Where and how a chain is broken."""

    seq: int
    position: int
    reason: str


def chain_problems(events: list[AuditEvent], org: str) -> list[ChainProblem]:
    """Every break in ``events`` (one organisation's chain from its first event).

    The first problem is the first broken event: its content was changed, an
    event before it is missing, or the order was changed.
    """
    problems: list[ChainProblem] = []
    previous_hash = GENESIS
    expected_seq = 1
    for position, event in enumerate(events):
        if event.org != org:
            problems.append(ChainProblem(event.seq, position, f"belongs to {event.org}"))
        if event.seq != expected_seq:
            problems.append(
                ChainProblem(
                    event.seq,
                    position,
                    f"sequence {event.seq} where {expected_seq} was expected "
                    "(an event is missing or out of order)",
                )
            )
        if event.prev_hash != previous_hash:
            problems.append(
                ChainProblem(
                    event.seq,
                    position,
                    "does not link to the event before it "
                    "(an event was removed, inserted or moved)",
                )
            )
        if event_hash(event.content()) != event.hash:
            problems.append(
                ChainProblem(
                    event.seq, position, "its content does not match its hash (it was changed)"
                )
            )
        previous_hash = event.hash
        expected_seq = event.seq + 1
    return problems
