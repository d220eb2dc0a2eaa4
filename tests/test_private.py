"""What tekisei keeps under its data folder is readable by its own user only: folders
0700 and files 0600, whatever the process's umask."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from tekisei.config import load_settings
from tekisei.core.orgs import OrgActor, OrgCreate
from tekisei.evals import RunHeader, RunLog
from tekisei.private import private_dir, write_private
from tekisei.provenance import init_pki
from tekisei.services import evals as eval_files
from tekisei.services import evidence, orgs
from tekisei.services.database import open_database, upgrade_database

PDF = b"%PDF-1.7\n%%EOF\n"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(params=[0o000, 0o022], ids=["umask-000", "umask-022"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    """The process's umask during the test (0 is the worst: it takes nothing away)."""
    previous = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(previous)


@pytest.mark.usefixtures("umask")
def test_the_database_its_wal_and_shm_and_the_secret_are_private(tmp_path: Path) -> None:
    data = tmp_path / "deployment" / "var"
    settings = load_settings(data_dir=data)
    upgrade_database(settings)
    settings.secret()
    database = open_database(settings)
    try:
        with database.transaction() as session:
            orgs.create_org(
                session, OrgCreate(name="Acme", slug="acme", actors=[OrgActor.BUSINESS]), "cli"
            )
            session.execute(text("SELECT 1"))
            wal, shm = data / "tekisei.db-wal", data / "tekisei.db-shm"
            assert wal.exists() and shm.exists()
            assert (mode(wal), mode(shm)) == (0o600, 0o600)
    finally:
        database.close()
    assert mode(data) == 0o700 and mode(data.parent) == 0o700
    assert mode(data / "tekisei.db") == 0o600
    assert mode(data / "secret.key") == 0o600


@pytest.mark.usefixtures("umask")
def test_evidence_run_logs_suites_and_the_pki_are_private(tmp_path: Path) -> None:
    data = tmp_path / "var"
    settings = load_settings(data_dir=data)
    upgrade_database(settings)
    database = open_database(settings)
    try:
        with database.transaction() as session:
            orgs.create_org(
                session, OrgCreate(name="Acme", slug="acme", actors=[OrgActor.BUSINESS]), "cli"
            )
            admin = orgs.cli_principal(session, "acme")
            row = evidence.add_file(
                session,
                admin,
                settings.files_dir,
                filename="a.pdf",
                data=PDF,
                content_type="application/pdf",
                max_bytes=1000,
            )
            assert row.sha256 is not None
            stored = settings.files_dir / row.sha256[:2] / row.sha256
    finally:
        database.close()
    assert (mode(settings.files_dir), mode(stored.parent), mode(stored)) == (0o700, 0o700, 0o600)
    runs = eval_files.runs_dir(data)
    header = RunHeader(
        run_id="r1", suite="s", suite_version="1", target="t", started_at=datetime.now(UTC)
    )
    RunLog.create(runs / "r1.jsonl", header)
    assert (mode(runs), mode(runs / "r1.jsonl")) == (0o700, 0o600)
    dataset = tmp_path / "d.csv"
    dataset.write_text("ID,text,ten_perspective,scorer,output\n1,a,P1,model_graded_qa,b\n")
    suite, _ = eval_files.import_dataset(data, dataset, "mine")
    assert (mode(suite.parent), mode(suite)) == (0o700, 0o600)
    pki = init_pki(data / "pki", "Acme")
    for path in (pki.root, pki.chain, pki.key):
        assert mode(path) == 0o600, path
    assert mode(data / "pki") == 0o700


def test_folders_and_files_that_exist_keep_their_modes(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    os.chmod(shared, 0o755)
    private_dir(shared / "a" / "b")
    assert mode(shared) == 0o755
    assert (mode(shared / "a"), mode(shared / "a" / "b")) == (0o700, 0o700)
    target = shared / "a" / "b" / "f"
    write_private(target, b"x")
    assert mode(target) == 0o600 and target.read_bytes() == b"x"
    assert [p.name for p in target.parent.iterdir()] == ["f"]  # no temporary left behind
