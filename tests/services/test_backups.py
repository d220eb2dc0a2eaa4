"""Backup and restore of a whole deployment, on both databases and across them."""

from __future__ import annotations

import hashlib
import os
import random
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import SecretStr
from sqlalchemy import create_engine, inspect, select

from tekisei.config import Settings, load_settings
from tekisei.core.backups import MANIFEST_FORMAT, SECRET_MEMBER, Manifest
from tekisei.core.orgs import Principal
from tekisei.core.systems import SystemFacts
from tekisei.db.assessments import EvidenceRow
from tekisei.db.engine import make_engine
from tekisei.db.migrate import upgrade
from tekisei.errors import ConfigError, ConflictError, IntegrityError, InvalidInputError
from tekisei.evals import NetworkPolicy
from tekisei.provenance import Verdict
from tekisei.services import (
    audit_anchors,
    backup_restore,
    backups,
    credentials,
    eval_execution,
    eval_runs,
    evidence,
    orgs,
    systems,
    users,
)
from tekisei.services import provenance as watermarks
from tekisei.services.backup_archive import ArchiveWriter, MemberWriter
from tekisei.services.database import Database, open_database
from tekisei.services.demo import load_demo
from tekisei.services.evals import RunRequest
from tests.conftest import _new_database_url
from tests.provenance.test_keys_and_verification import _secret, green_text, word_tokenizer

PASSPHRASE = "correct horse battery staple"
COST = 2**14  # the lowest the format allows: the tests stay quick; the CLI uses 2^17


@dataclass(frozen=True)
class Deployment:
    """A populated deployment and what a restore must bring back."""

    settings: Settings
    database: Database
    password: str
    evidence_id: int
    evidence_sha256: str
    run_key: str
    marked_text: str
    watermark_key: str
    trust_anchor: str | None


def _operator(database: Database, slug: str = "demo-corp") -> Principal:
    with database.reading() as session:
        return orgs.cli_principal(session, slug)


@pytest.fixture
def deployment(
    loaded_db: Database, settings: Settings, demo_url: str, tmp_path: Path
) -> Deployment:
    demo = load_demo(loaded_db, settings.data_dir)
    assert demo.password is not None
    admin = _operator(loaded_db)
    pdf = b"%PDF-1.4\n" + random.Random(1).randbytes(3 * 1024 * 1024) + b"\n%%EOF\n"
    with loaded_db.transaction() as session:
        row = evidence.add_file(
            session,
            admin,
            settings.files_dir,
            filename="policy.pdf",
            data=pdf,
            content_type="application/pdf",
            max_bytes=10 * 1024 * 1024,
        )
        evidence_id = row.id
        system_id = systems.register_system(
            session,
            admin,
            SystemFacts(name="窓口チャット", org_role="provider"),  # type: ignore[arg-type]
        ).id
        credentials.pki_init(
            session, admin, settings.data_dir, master=watermarks.master_key(settings)
        )
    request = RunRequest(  # type: ignore[arg-type]
        suite="tekisei-basics",
        target=f"openai:tekisei-demo-1@{demo_url}",
        network=NetworkPolicy.local(),  # as the operator runs it on the server
    )
    run = eval_execution.run_on_system(loaded_db, admin, settings.data_dir, system_id, request)
    master = watermarks.master_key(settings)
    tokenizer = str(word_tokenizer(tmp_path))
    with loaded_db.transaction() as session:
        key = watermarks.create_key(session, admin, master, settings.data_dir, tokenizer=tokenizer)
        key_id = key.key_id
    marked = green_text(_secret(loaded_db, key_id, master), 150)
    return Deployment(
        settings,
        loaded_db,
        demo.password,
        evidence_id,
        hashlib.sha256(pdf).hexdigest(),
        run.key,
        marked,
        key_id,
        credentials.trust_anchor(settings.data_dir),
    )


@pytest.fixture
def archive(deployment: Deployment, tmp_path: Path) -> Path:
    output = tmp_path / "backups" / "tekisei.backup"
    output.parent.mkdir()
    summary = backups.create_backup(
        deployment.settings, deployment.database, output, PASSPHRASE, kdf_cost=COST
    )
    assert summary.path == output and stat.S_IMODE(output.stat().st_mode) == 0o600
    return output


@pytest.fixture(params=["same", "other"])
def target(
    request: pytest.FixtureRequest, deployment: Deployment, tmp_path: Path
) -> Iterator[Settings]:
    """Settings of an empty data folder and an empty database of either backend."""
    source = (
        "sqlite"
        if deployment.settings.resolved_database_url.startswith("sqlite")
        else ("postgresql")
    )
    other = "postgresql" if source == "sqlite" else "sqlite"
    backend = source if request.param == "same" else other
    folder = tmp_path / "restored"
    folder.mkdir()
    for url in _new_database_url(backend, folder / "db"):
        yield load_settings(database_url=url, data_dir=folder / "var")


@pytest.fixture
def small(empty_db: Database, settings: Settings, tmp_path: Path) -> tuple[Settings, Path]:
    """A deployment with one organisation and a 3 MiB file (an archive of 4 chunks)."""
    from tekisei.core.orgs import OrgActor, OrgCreate

    with empty_db.transaction() as session:
        orgs.create_org(
            session, OrgCreate(name="Acme", slug="acme", actors=[OrgActor.BUSINESS]), "cli"
        )
    folder = settings.files_dir / "ab"
    folder.mkdir(parents=True)
    (folder / ("ab" + "0" * 62)).write_bytes(random.Random(2).randbytes(3 * 1024 * 1024))
    output = tmp_path / "small.backup"
    backups.create_backup(settings, empty_db, output, PASSPHRASE, kdf_cost=COST)
    return settings, output


def _modes(root: Path) -> set[tuple[str, int]]:
    return {
        ("dir" if path.is_dir() else "file", stat.S_IMODE(path.stat().st_mode))
        for path in [root, *root.rglob("*")]
    }


def test_a_populated_deployment_round_trips(
    deployment: Deployment, archive: Path, target: Settings
) -> None:
    restored = backup_restore.restore_backup(target, archive, PASSPHRASE)
    assert restored.files >= 6  # the evidence file, a run log, a tokenizer, the PKI, …
    assert _modes(target.data_dir) <= {("dir", 0o700), ("file", 0o600)}
    database = open_database(target)
    try:
        assert database.signer is not None and deployment.database.signer is not None
        # The same secret: the same audit signing key, and every chain verifies.
        assert database.signer.key_id == deployment.database.signer.key_id
        with database.reading() as session:
            verified = audit_anchors.check_all(session, database.signer, None)
        assert verified.ok and {c.org for c in verified.checks} == {
            "demo-corp",
            "demo-city",
            "demo-pref",
        }
        admin = _operator(database)
        with database.reading() as session:
            found = evidence.download(session, admin, target.files_dir, deployment.evidence_id)
            assert hashlib.sha256(found.path.read_bytes()).hexdigest() == deployment.evidence_sha256
            run = eval_runs.visible_run(session, admin, deployment.run_key)
            assert run.status == "finished"
            assert (
                len(eval_runs.run_results(session, admin, deployment.run_key, False)) == run.cases
            )
            verdict = watermarks.verify_text(
                session, watermarks.master_key(target), target.data_dir, deployment.marked_text
            )
            assert verdict.verdict is Verdict.WATERMARK_DETECTED
            assert verdict.key_id == deployment.watermark_key
        assert credentials.trust_anchor(target.data_dir) == deployment.trust_anchor
        assert list((target.data_dir / "runs").rglob("*.jsonl"))
        users.sign_in(database, "admin@demo-corp.example", deployment.password)
        # New rows get new ids (PostgreSQL sequences follow the restored rows).
        with database.transaction() as session:
            systems.register_system(session, admin, SystemFacts(name="新規", org_role="user"))  # type: ignore[arg-type]
    finally:
        database.close()


def test_verify_reads_every_member_and_says_what_is_inside(
    deployment: Deployment, archive: Path
) -> None:
    manifest = backups.verify_backup(archive, PASSPHRASE)
    assert manifest.format == MANIFEST_FORMAT and manifest.members[0].name == SECRET_MEMBER
    names = [m.name for m in manifest.members]
    assert names[1] in ("database/sqlite.db", "database/dump.jsonl")
    assert f"data/files/{deployment.evidence_sha256[:2]}/{deployment.evidence_sha256}" in names
    assert any(n.startswith("data/runs/") for n in names)
    assert any(n.startswith("data/tokenizers/") for n in names)
    assert {"data/pki/ca/root.pem", "data/pki/ca/root.key"} <= set(names)
    assert any(n.startswith("data/pki/orgs/") and n.endswith("/signer.pem") for n in names)
    assert "data/secret.key" not in names and "data/tekisei.db" not in names


def _flip(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def _assert_nothing_restored(settings: Settings) -> None:
    assert not settings.data_dir.exists()
    url = settings.resolved_database_url
    if url.startswith("sqlite"):
        assert not Path(url.split("///", 1)[1]).exists()
        return
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            assert inspect(connection).get_table_names() == []
    finally:
        engine.dispose()


@pytest.fixture
def empty_target(tmp_path: Path, database_url: str) -> Iterator[Settings]:
    backend = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    folder = tmp_path / "empty-target"
    folder.mkdir()
    for url in _new_database_url(backend, folder):
        yield load_settings(database_url=url, data_dir=folder / "var")


def test_a_wrong_passphrase_a_truncation_and_a_flipped_byte_restore_nothing(
    small: tuple[Settings, Path], empty_target: Settings, tmp_path: Path
) -> None:
    archive = small[1]
    with pytest.raises(IntegrityError, match="wrong passphrase"):
        backup_restore.restore_backup(empty_target, archive, PASSPHRASE + "!")
    _assert_nothing_restored(empty_target)

    size = archive.stat().st_size
    cases = {
        "inside": (lambda p: p.write_bytes(p.read_bytes()[: size - 1000]), "cut off inside"),
        "boundary": (
            lambda p: p.write_bytes(p.read_bytes()[: _chunk_end(p, 1)]),
            "truncated: it ends after chunk 2",
        ),
        "flipped": (lambda p: _flip(p, size // 2), "was changed"),
        "header": (lambda p: _flip(p, _chunk_end(p, -1) - 1), "wrong passphrase"),
        "appended": (
            lambda p: p.write_bytes(p.read_bytes() + p.read_bytes()[-200:]),
            "damaged",
        ),
    }
    for name, (damage, message) in cases.items():
        copy = tmp_path / f"{name}.backup"
        copy.write_bytes(archive.read_bytes())
        damage(copy)
        with pytest.raises(IntegrityError, match=message):
            backups.verify_backup(copy, PASSPHRASE)
        with pytest.raises(IntegrityError, match=message):
            backup_restore.restore_backup(empty_target, copy, PASSPHRASE)
        _assert_nothing_restored(empty_target)


def _chunk_end(path: Path, index: int) -> int:
    """The offset just after chunk ``index`` (0-based; -1: just after the header's HMAC)."""
    data = path.read_bytes()
    offset = len(b"tekisei-backup\n")
    offset += 4 + int.from_bytes(data[offset : offset + 4], "big") + 32
    for _ in range(index + 1):
        offset += 4 + int.from_bytes(data[offset : offset + 4], "big")
    return offset


def test_restore_refuses_a_data_folder_or_a_database_that_is_not_empty(
    small: tuple[Settings, Path], empty_target: Settings
) -> None:
    source, archive = small
    with pytest.raises(ConflictError, match=r"data folder .* is not empty"):
        backup_restore.restore_backup(source, archive, PASSPHRASE)
    empty_target.data_dir.mkdir()
    (empty_target.data_dir / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ConflictError, match=r"not empty \(notes.txt\)"):
        backup_restore.restore_backup(empty_target, archive, PASSPHRASE)
    assert (empty_target.data_dir / "notes.txt").read_text(encoding="utf-8") == "mine"
    elsewhere = empty_target.model_copy(update={"data_dir": empty_target.data_dir.parent / "new"})
    engine = make_engine(elsewhere.resolved_database_url)
    upgrade(engine)  # the schema only, as 'tekisei db upgrade' would make it
    engine.dispose()
    with pytest.raises(ConflictError, match="already has tables"):
        backup_restore.restore_backup(elsewhere, archive, PASSPHRASE)


def test_restore_refuses_another_secret_key_before_writing_anything(
    small: tuple[Settings, Path], empty_target: Settings
) -> None:
    archive = small[1]
    other = empty_target.model_copy(update={"secret_key": SecretStr("x" * 40)})
    with pytest.raises(ConfigError, match="another TEKISEI_SECRET_KEY"):
        backup_restore.restore_backup(other, archive, PASSPHRASE)
    _assert_nothing_restored(empty_target)


def test_create_refuses_weak_passphrases_existing_files_and_the_data_folder(
    empty_db: Database, settings: Settings, tmp_path: Path
) -> None:
    database = empty_db
    with pytest.raises(InvalidInputError, match="at least 12"):
        backups.create_backup(settings, database, tmp_path / "a.backup", "short", kdf_cost=COST)
    with pytest.raises(InvalidInputError, match="outside the data folder"):
        backups.create_backup(
            settings, database, settings.data_dir / "a.backup", PASSPHRASE, kdf_cost=COST
        )
    existing = tmp_path / "exists.backup"
    existing.write_bytes(b"keep")
    with pytest.raises(ConflictError, match="already exists"):
        backups.create_backup(settings, database, existing, PASSPHRASE, kdf_cost=COST)
    assert existing.read_bytes() == b"keep"


def _crafted(path: Path, members: dict[str, bytes], database: str = "postgresql") -> None:
    """An archive made with the right passphrase (so it decrypts) but chosen members."""
    with path.open("wb") as out:
        writer = MemberWriter(ArchiveWriter(out, PASSPHRASE, kdf_cost=COST))
        for name, data in members.items():
            writer.add_bytes(name, data)
        writer.finish(
            Manifest(
                format=MANIFEST_FORMAT,
                created_at="2026-01-01T00:00:00+00:00",
                tekisei_version="0",
                database=database,  # type: ignore[arg-type]
                revision=None,
                secret_source="file",
                members=writer.members,
            )
        )


def test_a_backup_from_a_newer_schema_is_refused_and_restores_nothing(
    tmp_path: Path, empty_target: Settings
) -> None:
    crafted = tmp_path / "newer.backup"
    dump = b'{"format": "tekisei-db-dump/1", "database": "postgresql", "revision": "9999"}\n'
    _crafted(crafted, {SECRET_MEMBER: b"s" * 48, "database/dump.jsonl": dump})
    with pytest.raises(IntegrityError, match="revision 9999, which this version"):
        backup_restore.restore_backup(empty_target, crafted, PASSPHRASE)
    _assert_nothing_restored(empty_target)


@pytest.mark.parametrize(
    "name",
    [
        "data/../../escaped",
        "data/files/../../../escaped",
        "/etc/escaped",
        "data//escaped",
        "data/./escaped",
        "data/evil\\..\\escaped",
        "data/invoice\u202efdp.exe",
        "data/nul\x00byte",
        "elsewhere/escaped",
        "data/",
    ],
)
def test_member_names_that_could_escape_are_refused(
    tmp_path: Path, database_url: str, name: str
) -> None:
    crafted = tmp_path / "crafted.backup"
    _crafted(crafted, {SECRET_MEMBER: b"s" * 48, "database/dump.jsonl": b"", name: b"owned"})
    settings = load_settings(database_url=database_url, data_dir=tmp_path / "deep" / "var")
    with pytest.raises(IntegrityError, match="not allowed"):
        backup_restore.restore_backup(settings, crafted, PASSPHRASE)
    assert not list(tmp_path.rglob("escaped")) and not (tmp_path / "deep" / "var").exists()


def test_the_evidence_files_are_the_bytes_the_database_names(
    deployment: Deployment, archive: Path
) -> None:
    with deployment.database.reading() as session:
        digests = set(
            session.scalars(select(EvidenceRow.sha256).where(EvidenceRow.sha256.is_not(None)))
        )
    names = {m.name for m in backups.verify_backup(archive, PASSPHRASE).members}
    assert {f"data/files/{d[:2]}/{d}" for d in digests} <= names


def test_file_modes_of_the_archive_and_its_scratch(
    empty_db: Database, settings: Settings, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    backups.create_backup(settings, empty_db, out / "b.backup", PASSPHRASE, kdf_cost=COST)
    assert [p.name for p in out.iterdir()] == ["b.backup"]  # no scratch or partial file left
    assert stat.S_IMODE(os.stat(out / "b.backup").st_mode) == 0o600
