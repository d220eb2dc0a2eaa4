"""The demo workspace: realistic, complete, audited, and loaded once."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from tekisei.core.orgs import OrgActor, OrgCreate
from tekisei.db.audit import AuditEventRow
from tekisei.db.provenance import ProvenanceKeyRow
from tekisei.errors import NotFoundError
from tekisei.provenance import GreenList, TokenizerFile, Verdict, detect_text, smollm2_tokenizer
from tekisei.services import (
    audit,
    credentials,
    literacy,
    orgs,
    oversight,
    policies,
    policy_views,
    provenance,
    risks,
    systems,
    users,
)
from tekisei.services.database import Database
from tekisei.services.demo import (
    DEMO_TEXT_SAMPLE,
    DEMO_TEXT_SECRET,
    load_demo,
    samples,
)

MASTER = b"k" * 32
# The opening of Jane Austen's "Pride and Prejudice" (1813, public domain).
HUMAN_EN = (
    "It is a truth universally acknowledged, that a single man in possession of a good "
    "fortune, must be in want of a wife. However little known the feelings or views of such "
    "a man may be on his first entering a neighbourhood, this truth is so well fixed in the "
    "minds of the surrounding families, that he is considered the rightful property of some "
    "one or other of their daughters."
)


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
        # a new user sees an approved basic AI policy in force, for the public
        listed = policy_views.list_policies(session, corp)
        assert [(p.kind.value, p.status, p.audience.value) for p in listed] == [
            ("basic", "in_force", "public")
        ]
        approved = policy_views.view(
            session, corp, policies.get_policy(session, corp, listed[0].id)
        )
        assert approved.versions[0].approved_by == "exec@demo-corp.example"
        assert policy_views.list_policies(session, city) == []
        # the city assigned two literacy modules to its staff; its CAIO passed one
        staff = literacy.progress(session, city)
        assert {a.module for m in staff.members for a in m.assignments} == {
            "what-ai-is",
            "staff-policy-high-risk",
        }
        assert sum(m.completed for m in staff.members) == 1
        for principal in (corp, city):
            ok, _, problems = audit.verify_live(session, principal, loaded_db.signer)
            assert ok, problems
    opened = users.sign_in(loaded_db, "exec@demo-corp.example", result.password)
    assert opened.principal.org_slug == "demo-corp"


def test_the_demo_prefecture_oversees_the_city_and_nothing_of_the_company(
    loaded_db: Database, tmp_path: Path
) -> None:
    result = load_demo(loaded_db, tmp_path)
    assert result.password
    pref = users.sign_in(loaded_db, "admin@demo-pref.example", result.password).principal
    with loaded_db.transaction() as session:
        seen = oversight.overview(session, pref)
        assert [o.slug for o in seen.orgs] == ["demo-city"]
        assert [s.name for s in seen.orgs[0].systems] == ["住民問い合わせチャットボット"]
        assert seen.totals.systems == 1
        with pytest.raises(NotFoundError):
            oversight.view_org(session, pref, "demo-corp")
        for slug in ("demo-city", "demo-pref"):
            ok, _, problems = audit.verify_live(
                session, orgs.cli_principal(session, slug), loaded_db.signer
            )
            assert ok, problems


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
    load_demo(loaded_db, tmp_path, master=MASTER)
    assert (tmp_path / "pki").is_dir()  # images can be signed and verified
    found = samples(tmp_path)
    assert set(found) == {"text", "image"}
    text = found["text"].read_text(encoding="utf-8")
    with loaded_db.reading() as session:
        keys = session.scalars(select(ProvenanceKeyRow)).all()
        assert len(keys) == 1 and keys[0].tokenizer_name == "smollm2"
        # the shipped sample carries the demo key's watermark, found by the public check
        detected = provenance.verify_text(session, MASTER, tmp_path, text)
        assert detected.verdict is Verdict.WATERMARK_DETECTED, detected
        assert detected.key_id == keys[0].key_id and detected.tokens_scored >= 150
        # a text by a person is not attributed to it
        person = provenance.verify_text(session, MASTER, tmp_path, HUMAN_EN)
        assert person.verdict is not Verdict.WATERMARK_DETECTED
        # the signed sample image is trusted, its credentials in place
        checked = credentials.verify(
            session, tmp_path, found["image"].read_bytes(), None, master=MASTER
        )
    assert checked.c2pa.present and checked.c2pa.state == "Trusted", checked
    assert (tmp_path / "demo").stat().st_mode & 0o777 == 0o700
    with loaded_db.reading() as session:
        event = session.scalars(
            select(AuditEventRow).where(AuditEventRow.action == "provenance.key_create").order_by(AuditEventRow.id)
        ).one()
    assert event.summary["public_demo_secret"] is True  # the audit trail says it is public


def test_the_shipped_sample_verifies_only_with_the_demo_secret(tmp_path: Path) -> None:
    tokenizer_file = tmp_path / "tokenizer.json"
    tokenizer_file.write_bytes(smollm2_tokenizer())
    tokenizer = TokenizerFile(tokenizer_file)
    text = DEMO_TEXT_SAMPLE.read_text(encoding="utf-8")
    assert detect_text(text, tokenizer, GreenList(DEMO_TEXT_SECRET)).verdict is (
        Verdict.WATERMARK_DETECTED
    )
    other = GreenList(bytes(32))
    assert detect_text(text, tokenizer, other).verdict is Verdict.NOT_DETECTED


def test_the_demo_citys_chatbot_has_a_signed_judgement_and_published_decisions(
    loaded_db: Database, tmp_path: Path
) -> None:
    from tekisei.services import decisions, judgements
    from tekisei.services.people import ActorNames
    from tekisei.services.public_registers import read_register

    load_demo(loaded_db, tmp_path)
    with loaded_db.reading() as session:
        city = orgs.cli_principal(session, "demo-city")
        chatbot = systems.list_systems(session, city)[1][0]
        row = judgements.in_force(session, city, chatbot.id)
        assert row is not None
        view = judgements.view(session, row, ActorNames(session, city))
        assert view.high_risk and view.perspectives == ["users", "work", "data", "output"]
        assert row.signed_by == "caio@demo-city.example" and not view.stale
        shown = systems.view(systems.visible_system(session, city, chatbot.id), "demo-city")
        assert "ds920-high-risk" in [r.code for r in shown.tier_reasons]
        stats = decisions.decision_stats(session, city, chatbot.id)
        assert (stats.total.count, stats.total.changed, stats.total.overridden) == (12, 2, 2)
        entry = read_register(session, "demo-city").systems[0]
        assert entry.decisions is not None and entry.decisions.total.count == 12
        assert entry.decisions.records is not None and len(entry.decisions.records) == 12
        assert "ds920-high-risk" in [r.code for r in entry.tier_reasons]
        assert [s.total.count for s in decisions.public_stats_of(session, "demo-city")] == [12]
        actions = set(session.scalars(select(AuditEventRow.action)))
    assert {"judgement.answer", "judgement.sign", "decision.import", "decision.settings"} <= actions
