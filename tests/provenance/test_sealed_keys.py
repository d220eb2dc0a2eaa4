"""The deployment's signing keys are sealed at rest with the deployment secret: no private
key in clear on disk, an older deployment's plain keys sealed on first load (a temporary
file left by a process killed midway harms nothing), and a wrong secret answered with
what to do, never a traceback."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tekisei.cli.app import app
from tekisei.config import Settings
from tekisei.core.orgs import Principal
from tekisei.errors import ConfigError
from tekisei.private import write_private
from tekisei.provenance import DeploymentPki, PkiKeyError, check_image, sign_image
from tekisei.provenance._pki import issue_signer, issue_time_stamping, new_root
from tekisei.services import credentials, timestamps
from tekisei.services.database import Database
from tekisei.services.provenance import master_key
from tests.provenance.test_images import picture
from tests.provenance.test_signers import _org

PLAIN = b"-----BEGIN PRIVATE KEY-----"
SEALED = b"-----BEGIN TEKISEI SEALED KEY-----"


@pytest.fixture
def two_orgs(loaded_db: Database) -> dict[str, tuple[Principal, int]]:
    with loaded_db.transaction() as session:
        return {
            "city": _org(session, "みどり市", "city"),
            "company": _org(session, "あおぞら広告株式会社", "company"),
        }


def _key_files(folder: Path) -> list[Path]:
    return [
        p
        for p in folder.rglob("*")
        if p.is_file() and p.name in {"root.key", "signer.pem", "tsa.pem", "signer.key"}
    ]


def test_no_private_key_is_on_disk_in_clear(
    loaded_db: Database, settings: Settings, two_orgs: dict[str, tuple[Principal, int]]
) -> None:
    city, system = two_orgs["city"]
    master = master_key(settings)
    with loaded_db.transaction() as session:
        credentials.pki_init(session, city, settings.data_dir, master=master)
        signed, _ = credentials.sign(
            session, city, settings.data_dir, picture(), system, "g", master=master
        )
    folder = settings.data_dir / "pki"
    kept = _key_files(folder)
    assert {p.name for p in kept} == {"root.key", "signer.pem", "tsa.pem"}
    for path in folder.rglob("*"):
        if path.is_file():
            assert b"PRIVATE KEY" not in path.read_bytes(), path
    for path in kept:
        assert path.read_bytes().startswith(SEALED)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert check_image(signed, credentials.trust_anchor(settings.data_dir)).state == "Trusted"


def _plain_deployment(folder: Path) -> tuple[bytes, str]:
    """A deployment as tekisei kept it before sealing (keys in clear), and an image its
    signer signed then, with the trust anchor."""
    root = new_root("tekisei C2PA root", "tekisei deployment")
    write_private(folder / "ca" / "root.pem", root.certificate_pem())
    write_private(folder / "ca" / "root.key", root.key_pem())
    signer = issue_signer(root, "みどり市")
    write_private(folder / "orgs" / "1" / "signer.pem", signer.key + signer.chain)
    chain, key = issue_time_stamping(root, "tekisei deployment")
    write_private(folder / "tsa.pem", key + chain)
    old = sign_image(picture(seed=3), signer, generator="g", system="s")
    return old, root.certificate_pem().decode("ascii")


def test_a_plain_deployment_is_sealed_on_first_load_and_keeps_signing(
    loaded_db: Database, settings: Settings, two_orgs: dict[str, tuple[Principal, int]]
) -> None:
    city, system = two_orgs["city"]
    folder = settings.data_dir / "pki"
    old_image, anchor = _plain_deployment(folder)
    (folder / "orgs" / "1").rename(folder / "orgs" / str(city.org_id))
    root_before = (folder / "ca" / "root.key").read_bytes()
    # a process killed while sealing leaves a temporary file and the plain key as it was
    leftover = folder / "ca" / ".root.key.k1ll3d"
    leftover.write_bytes(SEALED + b"\nhalf")
    assert all(PLAIN in p.read_bytes() for p in _key_files(folder))
    master = master_key(settings)
    with loaded_db.transaction() as session:
        new_image, _ = credentials.sign(
            session, city, settings.data_dir, picture(), system, "g", master=master
        )
    for path in _key_files(folder):
        assert path.read_bytes().startswith(SEALED), path
        assert b"PRIVATE KEY" not in path.read_bytes()
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    anchors = credentials.trust_anchor(settings.data_dir)
    assert anchors == anchor  # the same root, its key sealed, not replaced
    assert check_image(old_image, anchors).state == "Trusted"  # older images still validate
    checked = check_image(new_image, anchors)
    assert checked.state == "Trusted" and checked.signer == "みどり市"
    # the sealed root is the same key: what it opens to is the plain key that was there
    deployment = credentials.pki(settings.data_dir, master)
    opened, _ = deployment.read_key(deployment.root_key)
    assert opened.strip() == root_before.strip()
    assert leftover.exists()  # left alone: it may be another process's file mid-write


def test_the_unused_key_of_the_earlier_single_signer_is_sealed_too(tmp_path: Path) -> None:
    folder = tmp_path / "pki"
    root = new_root("old", "old")
    write_private(folder / "root.pem", root.certificate_pem())
    write_private(folder / "signer.key", issue_signer(root, "old").key)
    deployment = DeploymentPki(folder, bytes(32))
    deployment.ensure_root()
    deployment.seal_plain_keys()
    assert (folder / "signer.key").read_bytes().startswith(SEALED)
    assert len(deployment.trust_anchors()) == 2


def test_a_sealed_key_moved_to_another_place_does_not_open(tmp_path: Path) -> None:
    deployment = DeploymentPki(tmp_path / "pki", bytes(32))
    deployment.create_root()
    deployment.signer(1, "A")
    deployment.signer(2, "B")
    first = deployment.folder / "orgs" / "1" / "signer.pem"
    os.replace(first, deployment.folder / "orgs" / "2" / "signer.pem")
    with pytest.raises(PkiKeyError):
        deployment.current_signer(2)


def test_without_a_secret_no_key_is_written_or_read(tmp_path: Path) -> None:
    with pytest.raises(PkiKeyError):
        DeploymentPki(tmp_path / "pki").create_root()
    assert not (tmp_path / "pki").exists() or not any((tmp_path / "pki").iterdir())


def test_a_wrong_secret_says_what_to_do(
    loaded_db: Database, settings: Settings, two_orgs: dict[str, tuple[Principal, int]]
) -> None:
    city, system = two_orgs["city"]
    company, _ = two_orgs["company"]
    with loaded_db.transaction() as session:
        credentials.pki_init(session, city, settings.data_dir, master=master_key(settings))
    wrong = bytes(32)
    with loaded_db.transaction() as session, pytest.raises(ConfigError) as refused:
        credentials.sign(session, city, settings.data_dir, picture(), system, "g", master=wrong)
    assert "TEKISEI_SECRET_KEY" in refused.value.message
    assert "TEKISEI_SECRET_KEY" in (refused.value.message_ja or "")
    assert "秘密" in (refused.value.message_ja or "")
    with loaded_db.transaction() as session, pytest.raises(ConfigError):
        credentials.pki_init(session, company, settings.data_dir, master=wrong)
    with pytest.raises(ConfigError):
        timestamps.answer(settings.data_dir, b"\x30\x00", master=wrong)
    # nothing was overwritten: the right secret still signs
    with loaded_db.transaction() as session:
        credentials.sign(
            session, city, settings.data_dir, picture(), system, "g", master=master_key(settings)
        )


def test_a_wrong_secret_on_the_command_line_is_a_message_not_a_traceback(
    cli: Any, settings: Settings
) -> None:
    cli("provenance", "pki", "init", "--org", "acme")
    cli("orgs", "create", "Beta", "--slug", "beta", "--actor", "business")
    env = {
        "TEKISEI_DATABASE_URL": settings.resolved_database_url,
        "TEKISEI_DATA_DIR": str(settings.data_dir),
        "TEKISEI_SECRET_KEY": "not-the-secret-this-deployment-was-set-up-with-0123456789",
        "LANG": "ja_JP.UTF-8",
        "LC_ALL": "",
    }
    result = CliRunner().invoke(app, ["provenance", "pki", "init", "--org", "beta"], env=env)
    assert result.exit_code == 5, result.output
    said = result.output + (result.stderr or "")
    assert "TEKISEI_SECRET_KEY" in said and "Traceback" not in said
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_wrong_secret_never_seals_the_plain_keys_left(tmp_path: Path) -> None:
    folder = tmp_path / "pki"
    right = DeploymentPki(folder, bytes(32))
    right.create_root()
    root = right.root()
    plain = issue_signer(root, "B")
    write_private(folder / "orgs" / "2" / "signer.pem", plain.key + plain.chain)  # plain
    wrong = DeploymentPki(folder, b"\x01" * 32)
    with pytest.raises(PkiKeyError):
        wrong.seal_plain_keys()
    assert (folder / "orgs" / "2" / "signer.pem").read_bytes().startswith(PLAIN)
    assert right.seal_plain_keys() == [folder / "orgs" / "2" / "signer.pem"]
    assert right.current_signer(2) is not None
