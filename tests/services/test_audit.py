"""Tampering with the audit log by someone who can write the database, on both databases.

Each test tampers the way such a person would (SQL on the tables, not our services) and
checks that verification fails and names where: which event, which organisation, which
anchor.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from tekisei.config import Settings
from tekisei.core.audit import (
    CHECKPOINT_EVERY,
    GENESIS,
    AuditAnchor,
    AuditExport,
    checkpoint_message,
    next_event,
)
from tekisei.core.orgs import OrgActor, OrgCreate, Principal
from tekisei.db.audit import AuditCheckpointRow, AuditEventRow
from tekisei.db.orgs import OrgRow
from tekisei.errors import ConfigError, IntegrityError, InvalidInputError
from tekisei.services import audit, audit_anchors, orgs
from tekisei.services.audit import SIGNER_KEY
from tekisei.services.database import Database
from tekisei.services.signing import Signer, signer_for


def _org(database: Database, slug: str = "acme") -> Principal:
    with database.transaction() as session:
        orgs.create_org(
            session, OrgCreate(name=slug.title(), slug=slug, actors=[OrgActor.BUSINESS]), "cli"
        )
        return orgs.cli_principal(session, slug)


def _events(database: Database, principal: Principal, count: int, *, signed: bool = True) -> None:
    """Append ``count`` events through the service, as every write does."""
    with database.transaction() as session:
        if not signed:
            # A chain written before every write carried the signer (an older tekisei).
            session.info.pop(SIGNER_KEY)
        org = session.get(OrgRow, principal.org_id)
        assert org is not None
        for index in range(count):
            audit.record(
                session, org, "alice@example.org", "test.event", "test", index, {"n": index}
            )


@pytest.fixture
def acme(empty_db: Database) -> Principal:
    """An organisation whose chain has 250 events (checkpoints at 100 and 200)."""
    principal = _org(empty_db)
    _events(empty_db, principal, 249)
    return principal


def _signer(database: Database) -> Signer:
    assert database.signer is not None
    return database.signer


def _live(
    database: Database, principal: Principal, anchors: Path | None = None
) -> audit.ChainCheck:
    with database.reading() as session:
        return audit.check_live(session, principal, _signer(database), anchors)


def _set_head(session: Session, org_id: int) -> None:
    """Make the organisation row agree with the last event, as a careful forger would."""
    last = session.scalars(
        select(AuditEventRow)
        .where(AuditEventRow.org_id == org_id)
        .order_by(AuditEventRow.seq.desc())
    ).first()
    assert last is not None
    session.execute(
        update(OrgRow).where(OrgRow.id == org_id).values(audit_seq=last.seq, audit_head=last.hash)
    )


def _truncate(database: Database, principal: Principal, keep: int) -> None:
    with database.transaction() as session:
        session.execute(
            delete(AuditEventRow).where(
                AuditEventRow.org_id == principal.org_id, AuditEventRow.seq > keep
            )
        )
        _set_head(session, principal.org_id)


def _rewrite(database: Database, principal: Principal, start: int) -> None:
    """Change the actor of every event from ``start`` on and re-hash the chain after it."""
    with database.transaction() as session:
        rows = list(
            session.scalars(
                select(AuditEventRow)
                .where(AuditEventRow.org_id == principal.org_id)
                .order_by(AuditEventRow.seq)
            )
        )
        previous = (0, GENESIS)
        for row in rows:
            if row.seq >= start:
                event = next_event(
                    *previous,
                    org=row.org,
                    at=row.at,
                    actor="mallory@example.org",
                    action=row.action,
                    object_type=row.object_type,
                    object_id=row.object_id,
                    summary=row.summary,
                )
                row.actor, row.prev_hash, row.hash = event.actor, event.prev_hash, event.hash
            previous = (row.seq, row.hash)
        session.flush()
        _set_head(session, principal.org_id)


def _checkpoint_seqs(database: Database, principal: Principal) -> list[int]:
    with database.reading() as session:
        return list(
            session.scalars(
                select(AuditCheckpointRow.seq)
                .where(AuditCheckpointRow.org_id == principal.org_id)
                .order_by(AuditCheckpointRow.seq)
            )
        )


# ----------------------------------------------------------------------------- checkpoints


def test_a_long_chain_has_a_signed_checkpoint_at_every_interval_and_verifies(
    empty_db: Database, acme: Principal
) -> None:
    assert CHECKPOINT_EVERY == 100
    assert _checkpoint_seqs(empty_db, acme) == [100, 200]
    check = _live(empty_db, acme)
    assert (check.ok, check.events, check.signed_through, check.problems) == (True, 250, 200, [])
    with empty_db.transaction() as session:
        export = audit.export_log(session, acme, _signer(empty_db))
    assert [c.seq for c in export.checkpoints] == [100, 200, 250]
    assert audit.check_export(export).ok


def test_deleting_a_checkpoint_fails_naming_the_event_and_the_organisation(
    empty_db: Database, acme: Principal
) -> None:
    with empty_db.transaction() as session:
        session.execute(delete(AuditCheckpointRow).where(AuditCheckpointRow.seq == 100))
    check = _live(empty_db, acme)
    assert not check.ok
    assert [str(p) for p in check.problems] == [
        "event 100 of acme: no signed checkpoint (one is required every 100 events; "
        "it was deleted, or the chain was written without the signing key)"
    ]
    assert check.problems[0].ja.startswith("acme のイベント 100:")


def test_deleting_every_checkpoint_fails_at_each_interval(
    empty_db: Database, acme: Principal
) -> None:
    with empty_db.transaction() as session:
        session.execute(delete(AuditCheckpointRow))
    problems = [str(p) for p in _live(empty_db, acme).problems]
    assert [p.split(":")[0] for p in problems] == ["event 100 of acme", "event 200 of acme"]


def test_a_checkpoint_not_signed_with_the_deployment_key_fails(
    empty_db: Database, acme: Principal, tmp_path: Path
) -> None:
    other = signer_for(Settings(data_dir=tmp_path / "elsewhere"))
    with empty_db.transaction() as session:
        row = session.scalars(select(AuditCheckpointRow).where(AuditCheckpointRow.seq == 200)).one()
        row.signature = other.sign(b"anything")
    problems = [str(p) for p in _live(empty_db, acme).problems]
    assert problems == [
        "checkpoint at event 200 of acme: the signature is not valid "
        "(it was not made with this deployment's signing key)"
    ]


def test_rewriting_the_chain_and_resigning_nothing_is_caught(
    empty_db: Database, acme: Principal
) -> None:
    _rewrite(empty_db, acme, start=150)
    problems = [str(p) for p in _live(empty_db, acme).problems]
    assert problems == [
        "checkpoint at event 200 of acme: the signed head does not match the event's hash "
        "(the chain was rewritten)"
    ]
    with empty_db.transaction() as session:
        session.execute(delete(AuditCheckpointRow).where(AuditCheckpointRow.seq == 200))
    problems = [str(p) for p in _live(empty_db, acme).problems]
    assert problems[0].startswith("event 200 of acme: no signed checkpoint")


def test_truncating_past_a_checkpoint_is_caught_by_the_checkpoint(
    empty_db: Database, acme: Principal
) -> None:
    _truncate(empty_db, acme, keep=180)
    problems = [str(p) for p in _live(empty_db, acme).problems]
    assert problems == [
        "checkpoint at event 200 of acme: the chain ends at event 180 "
        "(events after it were removed)"
    ]


def test_events_appended_outside_tekisei_do_not_match_the_stored_head(
    empty_db: Database, acme: Principal
) -> None:
    _truncate(empty_db, acme, keep=240)
    with empty_db.transaction() as session:
        # Remove the last events but leave the organisation's head alone.
        session.execute(delete(AuditEventRow).where(AuditEventRow.seq > 230))
    problems = [str(p) for p in _live(empty_db, acme).problems]
    assert problems == [
        "the stored head of acme is event 240, but the chain ends at event 230 "
        "(events were removed or added outside tekisei)"
    ]


def test_another_organisations_chain_is_untouched_by_tampering_in_one(
    empty_db: Database, acme: Principal
) -> None:
    other = _org(empty_db, "other")
    with empty_db.transaction() as session:
        session.execute(delete(AuditCheckpointRow).where(AuditCheckpointRow.org_id == acme.org_id))
    assert _live(empty_db, other).ok
    assert not _live(empty_db, acme).ok


# ----------------------------------------------------------------------------- exports


def test_an_export_of_a_tampered_chain_is_refused_in_both_languages(
    empty_db: Database, acme: Principal
) -> None:
    _rewrite(empty_db, acme, start=150)
    with (
        pytest.raises(IntegrityError) as raised,
        empty_db.transaction() as session,
    ):
        audit.export_log(session, acme, _signer(empty_db))
    assert "refuse" in raised.value.message and "event 200 of acme" in raised.value.message
    assert raised.value.message_ja and "署名しません" in raised.value.message_ja
    # Nothing was signed over the tampered chain.
    assert _checkpoint_seqs(empty_db, acme) == [100, 200]


def test_an_export_needs_every_interval_and_the_head_signed(
    empty_db: Database, acme: Principal
) -> None:
    with empty_db.transaction() as session:
        export = audit.export_log(session, acme, _signer(empty_db))
    without_interval = export.model_copy(
        update={"checkpoints": [c for c in export.checkpoints if c.seq != 100]}
    )
    assert [str(p) for p in audit.check_export(without_interval).problems] == [
        "event 100 of acme: no signed checkpoint (one is required every 100 events; "
        "it was deleted, or the chain was written without the signing key)"
    ]
    truncated = export.model_copy(
        update={
            "events": export.events[:230],
            "checkpoints": [c for c in export.checkpoints if c.seq <= 230],
        }
    )
    problems = [str(p) for p in audit.check_export(truncated).problems]
    assert problems == [
        "event 230 of acme: no signed checkpoint at the head of the chain "
        "(events after the last checkpoint could have been appended or removed)"
    ]


def test_a_rewritten_export_is_caught_at_the_signed_checkpoints(
    empty_db: Database, acme: Principal
) -> None:
    with empty_db.transaction() as session:
        export = audit.export_log(session, acme, _signer(empty_db))
    events = list(export.events)
    previous = (events[148].seq, events[148].hash)
    for index in range(149, len(events)):
        fields = events[index].content() | {"actor": "mallory@example.org"}
        fields = {k: fields[k] for k in ("org", "at", "actor", "action", "object_type")} | {
            "object_id": fields["object_id"],
            "summary": fields["summary"],
        }
        events[index] = next_event(*previous, **fields)
        previous = (events[index].seq, events[index].hash)
    problems = [
        str(p) for p in audit.check_export(export.model_copy(update={"events": events})).problems
    ]
    assert [p.split(":")[0] for p in problems] == [
        "checkpoint at event 200 of acme",
        "checkpoint at event 250 of acme",
    ]


# ----------------------------------------------------------------------------- anchors


def _anchor(database: Database, path: Path) -> audit_anchors.AnchorRun:
    with database.reading() as session:
        return audit_anchors.anchor_heads(session, _signer(database), path)


def test_anchoring_appends_one_signed_line_per_organisation_to_a_private_file(
    empty_db: Database, acme: Principal, tmp_path: Path
) -> None:
    _org(empty_db, "other")
    path = tmp_path / "witness" / "anchors.jsonl"
    path.parent.mkdir()
    first = _anchor(empty_db, path)
    assert [(a.org, a.seq) for a in first.anchored] == [("acme", 250), ("other", 1)]
    _events(empty_db, acme, 3)
    _anchor(empty_db, path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 4
    anchors = [AuditAnchor.model_validate_json(line) for line in lines]
    assert [(a.format, a.org, a.seq) for a in anchors][-2:] == [
        ("tekisei-audit-anchor/1", "acme", 253),
        ("tekisei-audit-anchor/1", "other", 1),
    ]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert _live(empty_db, acme, path).ok


def test_an_anchor_file_in_a_folder_that_does_not_exist_is_refused(
    empty_db: Database, acme: Principal, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError, match="mounted"):
        _anchor(empty_db, tmp_path / "not-mounted" / "anchors.jsonl")


def test_truncating_the_last_events_is_caught_by_the_anchor(
    empty_db: Database, acme: Principal, tmp_path: Path
) -> None:
    path = tmp_path / "anchors.jsonl"
    _anchor(empty_db, path)
    _truncate(empty_db, acme, keep=245)
    # Inside the database nothing shows it: events after the last interval are unsigned.
    assert _live(empty_db, acme).ok
    check = _live(empty_db, acme, path)
    assert not check.ok
    assert [str(p) for p in check.problems] == [
        f"anchor line 1 (acme, event 250, taken {_line(path, 1).at}): the chain ends at event 245, "
        "before the anchored event (events were removed after the anchor was taken)"
    ]


def test_rewriting_after_an_anchor_is_caught_naming_the_anchor(
    empty_db: Database, acme: Principal, tmp_path: Path
) -> None:
    path = tmp_path / "anchors.jsonl"
    _anchor(empty_db, path)
    _events(empty_db, acme, 10)
    _anchor(empty_db, path)
    # A database writer who also holds the secret re-signs the rewritten chain.
    _rewrite(empty_db, acme, start=201)
    signer = _signer(empty_db)
    with empty_db.transaction() as session:
        session.execute(delete(AuditCheckpointRow).where(AuditCheckpointRow.seq > 200))
        org = session.get(OrgRow, acme.org_id)
        assert org is not None
        audit.sign_head(session, org, signer)
    assert _live(empty_db, acme).ok
    every = [str(p) for p in _every(empty_db, acme, path).problems]
    assert every == [
        "anchor line 1 (acme, event 250, taken "
        f"{_line(path, 1).at}): event 250 no longer has the anchored hash "
        "(the chain was rewritten after the anchor was taken)",
        "anchor line 2 (acme, event 260, taken "
        f"{_line(path, 2).at}): event 260 no longer has the anchored hash "
        "(the chain was rewritten after the anchor was taken)",
    ]
    latest = [str(p) for p in _live(empty_db, acme, path).problems]
    assert latest == every[1:]


def _resign(export: AuditExport, signer: Signer) -> AuditExport:
    """The export with every checkpoint signed again over its (changed) events."""
    hashes = {event.seq: event.hash for event in export.events}
    checkpoints = [
        c.model_copy(
            update={
                "hash": hashes[c.seq],
                "signature": signer.sign(checkpoint_message(c.org, c.seq, hashes[c.seq], c.at)),
            }
        )
        for c in export.checkpoints
    ]
    return export.model_copy(update={"checkpoints": checkpoints})


def _line(path: Path, number: int) -> AuditAnchor:
    return AuditAnchor.model_validate_json(
        path.read_text(encoding="utf-8").splitlines()[number - 1]
    )


def _every(database: Database, principal: Principal, path: Path) -> audit.ChainCheck:
    with database.reading() as session:
        return audit.check_live(session, principal, _signer(database), path, every_anchor=True)


def test_a_forged_or_damaged_anchor_line_is_named(
    empty_db: Database, acme: Principal, tmp_path: Path
) -> None:
    path = tmp_path / "anchors.jsonl"
    _anchor(empty_db, path)
    genuine = _line(path, 1)
    forged = genuine.model_copy(update={"seq": 240, "hash": "0" * 64})
    with path.open("a", encoding="utf-8") as handle:
        handle.write(forged.model_dump_json() + "\n")
        handle.write('{"format": "tekisei-audit-anchor/1", "org": "acme"\n')
    problems = [str(p) for p in _every(empty_db, acme, path).problems]
    assert problems == [
        f"anchor line 2 (acme, event 240, taken {genuine.at}): the signature is not valid "
        "(the line was not written by tekisei with this deployment's key: forged or damaged)",
        "anchor line 3: not an audit anchor (invalid JSON); the file was damaged or edited",
    ]


def test_a_missing_anchor_file_is_a_warning_not_a_broken_chain(
    empty_db: Database, acme: Principal, tmp_path: Path
) -> None:
    path = tmp_path / "anchors.jsonl"
    check = _live(empty_db, acme, path)
    assert check.ok and check.anchor is not None and not check.anchor.found
    assert [str(w) for w in check.warnings] == [
        "the anchor file (TEKISEI_AUDIT_ANCHOR_FILE) does not exist yet, or no longer: "
        "run 'tekisei audit anchor' (from cron); if it was there before, it was deleted "
        "or its volume is not mounted"
    ]
    with empty_db.transaction() as session:
        audit.export_log(session, acme, _signer(empty_db), path)
    _org(empty_db, "other")
    _anchor(empty_db, path)
    _events(empty_db, acme, 1)
    check = _live(empty_db, acme, path)
    assert check.ok and check.warnings == []
    assert check.anchor is not None and (check.anchor.latest_seq, check.anchor.found) == (
        250,
        True,
    )


def test_anchoring_refuses_to_witness_a_chain_that_does_not_verify(
    empty_db: Database, acme: Principal, tmp_path: Path
) -> None:
    _org(empty_db, "other")
    path = tmp_path / "anchors.jsonl"
    with empty_db.transaction() as session:
        session.execute(delete(AuditCheckpointRow).where(AuditCheckpointRow.org_id == acme.org_id))
    run = _anchor(empty_db, path)
    assert [a.org for a in run.anchored] == ["other"]
    assert [c.org for c in run.refused] == ["acme"]
    assert len(path.read_text(encoding="utf-8").splitlines()) == 1


def test_an_export_is_checked_against_the_anchors_taken_before_it(
    empty_db: Database, acme: Principal, tmp_path: Path
) -> None:
    path = tmp_path / "anchors.jsonl"
    _anchor(empty_db, path)
    with empty_db.transaction() as session:
        export = audit.export_log(session, acme, _signer(empty_db), path)
    assert audit.check_export(export, anchors=path).ok
    # A later anchor beyond the export's end is not held against it (the export is older).
    _events(empty_db, acme, 5)
    _anchor(empty_db, path)
    assert audit.check_export(export, anchors=path).ok
    # Someone with the secret re-signs a rewritten export; the earlier anchor catches it.
    signer = _signer(empty_db)
    events = export.events[:240]
    previous = (events[-1].seq, events[-1].hash)
    for original in export.events[240:]:
        content = original.content() | {"actor": "mallory@example.org"}
        event = next_event(
            *previous,
            **{
                k: content[k]
                for k in ("org", "at", "actor", "action", "object_type", "object_id", "summary")
            },
        )
        events.append(event)
        previous = (event.seq, event.hash)
    resigned = _resign(export.model_copy(update={"events": events}), signer)
    assert audit.check_export(resigned).ok
    problems = [str(p) for p in audit.check_export(resigned, anchors=path).problems]
    assert len(problems) == 1 and problems[0].startswith("anchor line 1 (acme, event 250")
    assert "no longer has the anchored hash" in problems[0]


# ----------------------------------------------------------------------------- baseline


def test_a_chain_that_predates_the_rule_gets_a_baseline_and_then_follows_it(
    empty_db: Database, tmp_path: Path
) -> None:
    principal = _org(empty_db)
    _events(empty_db, principal, 149, signed=False)
    problems = [str(p) for p in _live(empty_db, principal).problems]
    assert problems == [
        "event 100 of acme: no signed checkpoint (one is required every 100 events; "
        "it was deleted, or the chain was written without the signing key)"
    ]
    with empty_db.transaction() as session:
        event = audit.baseline(session, principal, _signer(empty_db))
    assert (event.seq, event.action, event.summary["exempt"]) == (151, "audit.baseline", [100])
    assert _live(empty_db, principal).ok
    with (
        pytest.raises(InvalidInputError, match="no baseline is needed"),
        empty_db.transaction() as session,
    ):
        audit.baseline(session, principal, _signer(empty_db))
    # From the baseline on the rule holds: a later interval without a checkpoint fails.
    _events(empty_db, principal, 60, signed=False)
    problems = [str(p) for p in _live(empty_db, principal).problems]
    assert problems[0].startswith("event 200 of acme: no signed checkpoint")
    # And the baseline counts only while its own checkpoint is there.
    with empty_db.transaction() as session:
        session.execute(delete(AuditCheckpointRow).where(AuditCheckpointRow.seq == 151))
    problems = [str(p) for p in _live(empty_db, principal).problems]
    assert [p.split(":")[0] for p in problems] == ["event 100 of acme", "event 200 of acme"]


def test_a_baseline_is_refused_over_a_broken_chain(empty_db: Database) -> None:
    principal = _org(empty_db)
    _events(empty_db, principal, 149, signed=False)
    with empty_db.transaction() as session:
        session.execute(
            update(AuditEventRow).where(AuditEventRow.seq == 20).values(actor="mallory")
        )
    with pytest.raises(IntegrityError, match="event 20 of acme"), empty_db.transaction() as session:
        audit.baseline(session, principal, _signer(empty_db))


def test_the_anchor_file_holds_valid_json_schema_documents(
    empty_db: Database, acme: Principal, tmp_path: Path
) -> None:
    from tekisei.core.audit import json_schemas

    path = tmp_path / "anchors.jsonl"
    _anchor(empty_db, path)
    schema = json_schemas()["anchor"]
    assert schema["properties"]["format"]["const"] == "tekisei-audit-anchor/1"
    line = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    assert set(line) == set(schema["properties"])
