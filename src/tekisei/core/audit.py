"""The tamper-evident audit log: events in a hash chain per organisation.

Each event's hash covers its content and the previous event's hash, so changing,
deleting or reordering any event breaks the chain at that event. Checkpoints
(signed elsewhere with an Ed25519 key) pin the chain at every
``CHECKPOINT_EVERY`` events and at each export, so the chain cannot be rewritten
without the key either. Anchors are the same kind of signed statement kept outside
the database, so a rewrite or a truncation after an anchor is caught even by someone
who holds the key. Verification needs only this module and the public key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

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
    reason_ja: str = ""


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
            problems.append(
                ChainProblem(
                    event.seq, position, f"belongs to {event.org}", f"{event.org} の記録です"
                )
            )
        if event.seq != expected_seq:
            problems.append(
                ChainProblem(
                    event.seq,
                    position,
                    f"sequence {event.seq} where {expected_seq} was expected "
                    "(an event is missing or out of order)",
                    f"番号 {expected_seq} のはずの位置に {event.seq} があります"
                    "（イベントが欠けているか、順序が入れ替わっています）",
                )
            )
        if event.prev_hash != previous_hash:
            problems.append(
                ChainProblem(
                    event.seq,
                    position,
                    "does not link to the event before it "
                    "(an event was removed, inserted or moved)",
                    "直前のイベントとつながっていません（イベントが削除・挿入・移動されました）",
                )
            )
        if event_hash(event.content()) != event.hash:
            problems.append(
                ChainProblem(
                    event.seq,
                    position,
                    "its content does not match its hash (it was changed)",
                    "内容がハッシュと一致しません（書き換えられました）",
                )
            )
        previous_hash = event.hash
        expected_seq = event.seq + 1
    return problems


# ----------------------------------------------------------------------------- the rule

CHECKPOINT_EVERY = 100
"""A signed checkpoint is required at every multiple of this sequence number."""

BASELINE_ACTION = "audit.baseline"
"""The event that starts the checkpoint rule on a chain written before it (see
:func:`checkpoint_problems`)."""

ProblemKind = Literal["chain", "head", "checkpoint", "missing", "key", "anchor"]

Signed = Callable[[bytes, str], bool]
"""Whether a base64 signature of the message is valid under the key being trusted."""


@dataclass(frozen=True)
class AuditProblem:
    """One failed check, in English and Japanese, naming where it is."""

    kind: ProblemKind
    en: str
    ja: str
    seq: int | None = None

    def __str__(self) -> str:
        return self.en

    def localized(self, lang: str) -> str:
        """The message in ``lang`` ("ja" or "en")."""
        return self.ja if lang == "ja" else self.en


def link_problems(events: list[AuditEvent], org: str) -> list[AuditProblem]:
    """:func:`chain_problems` as named problems."""
    return [
        AuditProblem(
            "chain",
            f"event {p.seq} of {org} (position {p.position + 1}): {p.reason}",
            f"{org} のイベント {p.seq}（{p.position + 1} 件目）: {p.reason_ja}",
            p.seq,
        )
        for p in chain_problems(events, org)
    ]


def _exempt(events: list[AuditEvent], signed_at: set[int]) -> set[int]:
    """Intervals a baseline declared unsigned, from baselines whose own checkpoint holds."""
    exempt: set[int] = set()
    for event in events:
        if event.action == BASELINE_ACTION and event.seq in signed_at:
            values = event.summary.get("exempt", [])
            if isinstance(values, list):
                exempt.update(v for v in values if isinstance(v, int) and v < event.seq)
    return exempt


def checkpoint_problems(
    org: str,
    events: list[AuditEvent],
    checkpoints: list[Checkpoint],
    signed: Signed,
    *,
    require_head: bool,
) -> tuple[list[AuditProblem], int]:
    """Check the signed checkpoints of one organisation's chain against the rule.

    The rule: a checkpoint signed with the trusted key at every multiple of
    :data:`CHECKPOINT_EVERY` the chain has reached, each matching the event at its
    sequence number, none beyond the end of the chain, and (``require_head``, for an
    export) one at the last event. A ``audit.baseline`` event whose own checkpoint
    holds exempts the intervals it lists (a chain written before the rule).

    Returns:
        (problems in sequence order, the highest sequence number a valid checkpoint
        covers, 0 when none).
    """
    last = events[-1].seq if events else 0
    hashes = {event.seq: event.hash for event in events}
    problems: list[AuditProblem] = []
    valid: set[int] = set()
    for checkpoint in sorted(checkpoints, key=lambda c: c.seq):
        where = f"checkpoint at event {checkpoint.seq} of {org}"
        where_ja = f"{org} のイベント {checkpoint.seq} のチェックポイント"
        message = checkpoint_message(org, checkpoint.seq, checkpoint.hash, checkpoint.at)
        if not signed(message, checkpoint.signature):
            problems.append(
                AuditProblem(
                    "checkpoint",
                    f"{where}: the signature is not valid "
                    "(it was not made with this deployment's signing key)",
                    f"{where_ja}: 署名が正しくありません（この環境の署名鍵で作られていません）",
                    checkpoint.seq,
                )
            )
        elif checkpoint.seq > last:
            problems.append(
                AuditProblem(
                    "checkpoint",
                    f"{where}: the chain ends at event {last} (events after it were removed)",
                    f"{where_ja}: チェーンはイベント {last} で終わっています"
                    "（それより後のイベントが削除されました）",
                    checkpoint.seq,
                )
            )
        elif hashes.get(checkpoint.seq) != checkpoint.hash:
            problems.append(
                AuditProblem(
                    "checkpoint",
                    f"{where}: the signed head does not match the event's hash "
                    "(the chain was rewritten)",
                    f"{where_ja}: 署名されたハッシュがイベントのハッシュと一致しません"
                    "（チェーンが書き換えられました）",
                    checkpoint.seq,
                )
            )
        else:
            valid.add(checkpoint.seq)
    present = {c.seq for c in checkpoints}
    exempt = _exempt(events, valid)
    for seq in range(CHECKPOINT_EVERY, last + 1, CHECKPOINT_EVERY):
        if seq not in valid and seq not in present and seq not in exempt:
            problems.append(
                AuditProblem(
                    "missing",
                    f"event {seq} of {org}: no signed checkpoint (one is required every "
                    f"{CHECKPOINT_EVERY} events; it was deleted, or the chain was written "
                    "without the signing key)",
                    f"{org} のイベント {seq}: 署名付きチェックポイントがありません"
                    f"（{CHECKPOINT_EVERY} 件ごとに必要です。削除されたか、"
                    "署名鍵なしで書き込まれました）",
                    seq,
                )
            )
    if require_head and last and last not in present:
        problems.append(
            AuditProblem(
                "head",
                f"event {last} of {org}: no signed checkpoint at the head of the chain "
                "(events after the last checkpoint could have been appended or removed)",
                f"{org} のイベント {last}: チェーンの末尾に署名付きチェックポイントがありません"
                "（最後のチェックポイントより後のイベントは追加・削除されたおそれがあります）",
                last,
            )
        )
    problems.sort(key=lambda p: p.seq or 0)
    return problems, max(valid, default=0)


# ----------------------------------------------------------------------------- anchors

ANCHOR_FORMAT = "tekisei-audit-anchor/1"


class AuditAnchor(BaseModel):
    """One line of the anchor file: a signed head of one organisation's chain.

    Anchors are kept outside the database (another volume or host), so that someone
    who can rewrite the database cannot rewrite them too.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: Literal["tekisei-audit-anchor/1"]
    org: str = Field(min_length=1, max_length=64)
    seq: int = Field(ge=1)
    hash: str = Field(pattern="^[0-9a-f]{64}$")
    at: str = Field(max_length=40)
    key_id: str = Field(max_length=64)
    signature: str = Field(max_length=200)
    """Base64 Ed25519 signature of :func:`anchor_message`."""


def anchor_message(org: str, seq: int, head: str, at: str) -> bytes:
    """The bytes an anchor signs (distinct from a checkpoint's)."""
    return canonical(
        {"kind": "tekisei-audit-anchor", "org": org, "seq": seq, "hash": head, "at": at}
    )


@dataclass(frozen=True)
class NumberedAnchor:
    """An anchor and the line of the file it was read from."""

    line: int
    anchor: AuditAnchor

    @property
    def name(self) -> str:
        """How problems name it."""
        a = self.anchor
        return f"anchor line {self.line} ({a.org}, event {a.seq}, taken {a.at})"

    @property
    def name_ja(self) -> str:
        """How problems name it, in Japanese."""
        a = self.anchor
        return f"アンカー {self.line} 行目（{a.org}、イベント {a.seq}、{a.at} 取得）"


def anchor_problems(
    events: list[AuditEvent],
    anchors: list[NumberedAnchor],
    signed: Signed,
    key_id: str,
    *,
    newer_than: datetime | None = None,
) -> list[AuditProblem]:
    """Whether ``events`` (one organisation's chain) still extends every anchored head.

    Each anchor must be signed by ``key_id``, the chain must reach its sequence number
    and the event there must have the anchored hash. With ``newer_than`` (the signed
    time of an export's head), an anchor taken after it may lie beyond the chain's end:
    the export is simply older than that anchor.
    """
    last = events[-1].seq if events else 0
    hashes = {event.seq: event.hash for event in events}
    problems: list[AuditProblem] = []
    for numbered in anchors:
        a = numbered.anchor
        where, where_ja = numbered.name, numbered.name_ja
        if a.key_id != key_id:
            problems.append(
                AuditProblem(
                    "anchor",
                    f"{where}: signed by key {a.key_id}, not by the trusted key {key_id}",
                    f"{where_ja}: 信頼する鍵 {key_id} ではなく鍵 {a.key_id} で署名されています",
                    a.seq,
                )
            )
        elif not signed(anchor_message(a.org, a.seq, a.hash, a.at), a.signature):
            problems.append(
                AuditProblem(
                    "anchor",
                    f"{where}: the signature is not valid (the line was not written by tekisei "
                    "with this deployment's key: forged or damaged)",
                    f"{where_ja}: 署名が正しくありません（この環境の鍵で tekisei が書いた行では"
                    "ありません。偽造または破損しています）",
                    a.seq,
                )
            )
        elif a.seq > last:
            if newer_than is not None and _after(a.at, newer_than):
                continue
            problems.append(
                AuditProblem(
                    "anchor",
                    f"{where}: the chain ends at event {last}, before the anchored event "
                    "(events were removed after the anchor was taken)",
                    f"{where_ja}: チェーンはアンカーのイベントより前のイベント {last} で"
                    "終わっています（アンカーの取得後にイベントが削除されました）",
                    a.seq,
                )
            )
        elif hashes.get(a.seq) != a.hash:
            problems.append(
                AuditProblem(
                    "anchor",
                    f"{where}: event {a.seq} no longer has the anchored hash "
                    "(the chain was rewritten after the anchor was taken)",
                    f"{where_ja}: イベント {a.seq} のハッシュがアンカーと一致しません"
                    "（アンカーの取得後にチェーンが書き換えられました）",
                    a.seq,
                )
            )
    return problems


def _after(at: str, moment: datetime) -> bool:
    try:
        return datetime.fromisoformat(at) > moment
    except ValueError:
        return False


class AnchorStatus(BaseModel):
    """What the anchor check found for one organisation."""

    checked: int
    """How many anchors of the organisation were checked (the latest only, or all)."""
    latest_seq: int | None
    """The event the organisation's latest anchor pins, if it has one."""
    latest_at: str | None
    found: bool
    """Whether the anchor file exists."""
    ok: bool
    """Whether the chain extends every anchor checked."""


def json_schemas() -> dict[str, dict[str, Any]]:
    """The JSON Schemas of the audit formats: the export and an anchor line."""
    return {
        "export": AuditExport.model_json_schema(),
        "anchor": AuditAnchor.model_json_schema(),
    }
