"""Organisations, accounts, systems, risks and the audit log, on both databases."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, select, update

from tekisei.core.orgs import OrgActor, OrgCreate, Principal, Role
from tekisei.core.risks import RiskFields
from tekisei.core.systems import DataCategory, SystemFacts, UseDomain
from tekisei.db.audit import AuditEventRow
from tekisei.db.orgs import ApiTokenRow, UserRow
from tekisei.errors import (
    AuthenticationError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    ThrottledError,
)
from tekisei.services import audit, orgs, risks, systems, users
from tekisei.services.database import Database

PASSWORD = "correct horse battery"

MakeMember = Callable[[str, Role], Principal]


@pytest.fixture
def admin(loaded_db: Database) -> Principal:
    with loaded_db.transaction() as session:
        orgs.create_org(
            session, OrgCreate(name="Acme AI", slug="acme", actors=[OrgActor.BUSINESS]), actor="cli"
        )
        return orgs.cli_principal(session, "acme")


@pytest.fixture
def member(loaded_db: Database, admin: Principal) -> MakeMember:
    def make(email: str, role: Role, org: str = "acme") -> Principal:
        with loaded_db.transaction() as session:
            users.create_user(
                session,
                users.UserCreate(email=email, password=PASSWORD),
                org,
                role,
                actor="cli",
                must_change_password=False,
            )
            return users.principal_for(session, email, org)

    return make


def _system(database: Database, principal: Principal, **facts: object) -> int:
    with database.transaction() as session:
        data = {"name": "相談チャットボット", "org_role": "provider"} | facts
        return systems.register_system(session, principal, SystemFacts.model_validate(data)).id


def _risk(database: Database, principal: Principal, system_id: int, **fields: object) -> int:
    data = {"title": "回答の偏り", "taxonomy": ["social.bias"], "likelihood": 4, "impact": 4}
    with database.transaction() as session:
        return risks.add_risk(
            session, principal, system_id, RiskFields.model_validate(data | fields)
        ).id


# ----------------------------------------------------------------------------- orgs, users


def test_an_org_starts_its_audit_chain(loaded_db: Database, admin: Principal) -> None:
    with loaded_db.reading() as session:
        total, events = audit.list_events(session, admin)
    assert total == 1
    assert events[0].action == "org.create" and events[0].seq == 1


def test_org_ids_are_unique_and_non_latin_names_need_one(
    loaded_db: Database, admin: Principal
) -> None:
    with pytest.raises(ConflictError), loaded_db.transaction() as session:
        orgs.create_org(
            session, OrgCreate(name="Other", slug="acme", actors=[OrgActor.LOCAL]), "cli"
        )
    with pytest.raises(InvalidInputError, match="--slug"), loaded_db.transaction() as session:
        orgs.create_org(session, OrgCreate(name="千代田市", actors=[OrgActor.LOCAL]), "cli")


def test_passwords_are_hashed_with_argon2id_and_checked(
    loaded_db: Database, member: MakeMember
) -> None:
    member("eve@example.org", Role.EDITOR)
    opened = users.sign_in(loaded_db, "Eve@Example.org ", PASSWORD)
    assert opened.principal.role is Role.EDITOR
    with loaded_db.reading() as session:
        stored = session.scalars(select(UserRow.password_hash)).one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    with pytest.raises(AuthenticationError):
        users.sign_in(loaded_db, "eve@example.org", "wrong password!!")


def test_short_passwords_are_refused(loaded_db: Database, admin: Principal) -> None:
    with pytest.raises(InvalidInputError, match="12"), loaded_db.transaction() as session:
        users.create_user(
            session,
            users.UserCreate(email="a@example.org", password="short"),
            "acme",
            Role.VIEWER,
            "cli",
        )


def test_sign_in_is_throttled_per_email_and_address_unknown_emails_too(
    loaded_db: Database, member: MakeMember
) -> None:
    member("tom@example.org", Role.VIEWER)
    for email in ("tom@example.org", "nobody@example.org"):
        for _ in range(3):
            with pytest.raises(AuthenticationError):
                users.sign_in(loaded_db, email, "wrong password!!", client="192.0.2.1")
        with pytest.raises(ThrottledError):
            users.sign_in(loaded_db, email, PASSWORD, client="192.0.2.1")
    assert users.sign_in(loaded_db, "tom@example.org", PASSWORD, client="192.0.2.2").token


def test_sessions_resolve_and_end(loaded_db: Database, member: MakeMember) -> None:
    member("sue@example.org", Role.EDITOR)
    opened = users.sign_in(loaded_db, "sue@example.org", PASSWORD)
    with loaded_db.transaction() as session:
        principal, csrf = users.resolve_session(session, opened.token)
        assert (principal.role, csrf) == (Role.EDITOR, opened.csrf)
        users.end_session(session, opened.token)
    with pytest.raises(AuthenticationError), loaded_db.transaction() as session:
        users.resolve_session(session, opened.token)


# ----------------------------------------------------------------------------- tokens


def test_tokens_are_stored_hashed_and_resolve(loaded_db: Database, member: MakeMember) -> None:
    member("ana@example.org", Role.EDITOR)
    with loaded_db.transaction() as session:
        secret, row = users.create_token(session, "ana@example.org", "acme", expires_days=30)
        assert secret.startswith("tks_") and row.token_hash != secret
    with loaded_db.transaction() as session:
        stored = session.scalars(select(ApiTokenRow.token_hash)).all()
        assert secret not in stored
        principal = users.resolve_token(session, secret)
    assert (principal.email, principal.role, principal.via) == (
        "ana@example.org",
        Role.EDITOR,
        "token",
    )


def test_expired_and_revoked_tokens_are_refused(loaded_db: Database, member: MakeMember) -> None:
    ana = member("ana@example.org", Role.EDITOR)
    with loaded_db.transaction() as session:
        expiring, row = users.create_token(session, "ana@example.org", "acme", expires_days=1)
        revoked, revoked_row = users.create_token(session, "ana@example.org", "acme")
        session.execute(
            update(ApiTokenRow)
            .where(ApiTokenRow.id == row.id)
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        users.revoke_token(session, ana, revoked_row.id)
    with pytest.raises(AuthenticationError, match="expired"), loaded_db.transaction() as s:
        users.resolve_token(s, expiring)
    with pytest.raises(AuthenticationError, match="revoked"), loaded_db.transaction() as s:
        users.resolve_token(s, revoked)


def test_a_token_never_has_more_rights_than_its_user(
    loaded_db: Database, member: MakeMember
) -> None:
    member("vic@example.org", Role.VIEWER)
    with pytest.raises(InvalidInputError, match="more rights"), loaded_db.transaction() as s:
        users.create_token(s, "vic@example.org", "acme", role=Role.ADMIN)
    member("ed@example.org", Role.EDITOR)
    with loaded_db.transaction() as session:
        secret, _ = users.create_token(session, "ed@example.org", "acme", role=Role.VIEWER)
        assert users.resolve_token(session, secret).role is Role.VIEWER


# ----------------------------------------------------------------------------- systems


def test_registering_computes_the_tier_with_reasons(loaded_db: Database, admin: Principal) -> None:
    system_id = _system(loaded_db, admin, domain="employment", data_categories=["personal"])
    with loaded_db.reading() as session:
        view = systems.view(systems.visible_system(session, admin, system_id), "acme")
    assert view.tier == "high"
    assert "high-impact-domain" in [r.code for r in view.tier_reasons]


def test_a_stale_update_is_refused_and_overwrites_nothing(
    loaded_db: Database, admin: Principal
) -> None:
    system_id = _system(loaded_db, admin)
    with loaded_db.transaction() as session:
        systems.update_system(session, admin, system_id, {"purpose": "住民の問い合わせ"}, 1)
    with pytest.raises(ConflictError), loaded_db.transaction() as session:
        systems.update_system(session, admin, system_id, {"purpose": "上書き"}, 1)
    with loaded_db.reading() as session:
        row = systems.visible_system(session, admin, system_id)
        assert (row.purpose, row.version) == ("住民の問い合わせ", 2)


def test_updating_facts_recomputes_the_tier_and_records_both(
    loaded_db: Database, admin: Principal
) -> None:
    system_id = _system(loaded_db, admin)
    with loaded_db.transaction() as session:
        row = systems.update_system(
            session, admin, system_id, {"data_categories": ["sensitive"]}, 1
        )
        assert row.tier == "high"
    with loaded_db.reading() as session:
        _, events = audit.list_events(session, admin, action="system.update")
    assert events[0].summary["tier"] == {"before": "minimal", "after": "high"}


def test_roles_limit_writes(loaded_db: Database, admin: Principal, member: MakeMember) -> None:
    auditor = member("aud@example.org", Role.AUDITOR)
    with pytest.raises(PermissionDeniedError), loaded_db.transaction() as session:
        systems.register_system(session, auditor, SystemFacts(name="x", org_role="user"))  # type: ignore[arg-type]


def test_external_testers_see_only_assigned_systems(
    loaded_db: Database, admin: Principal, member: MakeMember
) -> None:
    tester = member("tester@lab.example", Role.EXTERNAL_TESTER)
    seen = _system(loaded_db, admin, name="assigned")
    hidden = _system(loaded_db, admin, name="hidden")
    with loaded_db.transaction() as session:
        systems.assign_tester(session, admin, seen, "tester@lab.example")
    with loaded_db.reading() as session:
        total, rows = systems.list_systems(session, tester)
        assert (total, [r.name for r in rows]) == (1, ["assigned"])
        with pytest.raises(NotFoundError):
            systems.visible_system(session, tester, hidden)


def test_another_organisation_cannot_see_or_change_systems(
    loaded_db: Database, admin: Principal
) -> None:
    system_id = _system(loaded_db, admin)
    with loaded_db.transaction() as session:
        orgs.create_org(
            session, OrgCreate(name="Other", slug="other", actors=[OrgActor.BUSINESS]), "cli"
        )
        other = orgs.cli_principal(session, "other")
    with loaded_db.reading() as session:
        assert systems.list_systems(session, other) == (0, [])
        with pytest.raises(NotFoundError):
            systems.visible_system(session, other, system_id)
    with pytest.raises(NotFoundError), loaded_db.transaction() as session:
        systems.update_system(session, other, system_id, {"name": "stolen"}, 1)


def test_list_filters_sorts_and_pages(loaded_db: Database, admin: Principal) -> None:
    _system(loaded_db, admin, name="a-minimal")
    _system(loaded_db, admin, name="b-high", domain="healthcare")
    _system(loaded_db, admin, name="c-limited", deployment="public")
    with loaded_db.reading() as session:
        total, rows = systems.list_systems(session, admin, sort="-tier", limit=2)
        assert total == 3 and [r.name for r in rows] == ["b-high", "c-limited"]
        assert [r.name for r in systems.list_systems(session, admin, tier="high")[1]] == ["b-high"]
        with pytest.raises(InvalidInputError):
            systems.list_systems(session, admin, sort="drop table")


def test_requirements_follow_actor_role_and_tier(loaded_db: Database, admin: Principal) -> None:
    provider = _system(
        loaded_db,
        admin,
        domain=UseDomain.CONTENT_GENERATION.value,
        data_categories=[DataCategory.COPYRIGHTED.value],
    )
    with loaded_db.reading() as session:
        sections = [r.section for r in systems.system_requirements(session, admin, provider)]
    assert {"2(1)", "2(3)", "2(5)", "脚注8", "1(3)①"} <= set(sections)
    assert not {"3(4)", "4(1)", "脚注16"} & set(sections)
    with loaded_db.transaction() as session:
        orgs.create_org(
            session, OrgCreate(name="Chiyoda", slug="city", actors=[OrgActor.LOCAL]), "cli"
        )
        city = orgs.cli_principal(session, "city")
    user_system = _system(loaded_db, city, org_role="user")
    with loaded_db.reading() as session:
        city_sections = {r.section for r in systems.system_requirements(session, city, user_system)}
    assert {"3(1)", "3(4)"} <= city_sections
    assert "脚注20" not in city_sections  # the CAIO footnote is for ministries
    assert "2(2)" not in city_sections


# ----------------------------------------------------------------------------- risks


def test_risks_need_known_taxonomy_ids(loaded_db: Database, admin: Principal) -> None:
    system_id = _system(loaded_db, admin)
    with pytest.raises(InvalidInputError, match=r"social\.bias"):
        _risk(loaded_db, admin, system_id, taxonomy=["made.up"])


def test_only_an_executive_accepts_a_residual_risk(
    loaded_db: Database, admin: Principal, member: MakeMember
) -> None:
    executive = member("ceo@example.org", Role.EXECUTIVE)
    system_id = _system(loaded_db, admin)
    risk_id = _risk(loaded_db, admin, system_id)
    with pytest.raises(PermissionDeniedError), loaded_db.transaction() as session:
        risks.accept_risk(session, admin, risk_id, "fine", 1)
    with pytest.raises(InvalidInputError, match="residual"), loaded_db.transaction() as session:
        risks.accept_risk(session, executive, risk_id, "fine", 1)
    with loaded_db.transaction() as session:
        risks.update_risk(
            session,
            admin,
            risk_id,
            {"residual_likelihood": 2, "residual_impact": 2, "treatment": "mitigate"},
            1,
        )
    with loaded_db.transaction() as session:
        row = risks.accept_risk(session, executive, risk_id, "対策後の水準は受容可能", 2)
        assert (row.status, row.accepted_by) == ("accepted", executive.user_id)
    with loaded_db.reading() as session:
        _, events = audit.list_events(session, admin, action="risk.accept")
    assert events[0].actor == "ceo@example.org"


def test_changing_an_accepted_risk_withdraws_the_acceptance(
    loaded_db: Database, admin: Principal, member: MakeMember
) -> None:
    executive = member("ceo@example.org", Role.EXECUTIVE)
    system_id = _system(loaded_db, admin)
    risk_id = _risk(loaded_db, admin, system_id, residual_likelihood=1, residual_impact=2)
    with loaded_db.transaction() as session:
        risks.accept_risk(session, executive, risk_id, "低い", 1)
    with loaded_db.transaction() as session:
        row = risks.update_risk(session, admin, risk_id, {"residual_impact": 5}, 2)
        assert row.status == "open" and row.accepted_by is None


def test_heat_map_per_system_and_org(loaded_db: Database, admin: Principal) -> None:
    first = _system(loaded_db, admin)
    second = _system(loaded_db, admin, name="two")
    _risk(loaded_db, admin, first, likelihood=5, impact=5)
    _risk(loaded_db, admin, first, likelihood=2, impact=3, residual_likelihood=1, residual_impact=1)
    _risk(loaded_db, admin, second, likelihood=5, impact=5)
    with loaded_db.reading() as session:
        one = risks.risk_heat_map(session, admin, first)
        everything = risks.risk_heat_map(session, admin)
    assert one.inherent[4][4] == 1 and one.inherent[1][2] == 1 and one.residual[0][0] == 1
    assert everything.inherent[4][4] == 2 and everything.total == 3


# ----------------------------------------------------------------------------- audit


def test_every_write_is_in_a_chain_that_verifies_and_exports(
    loaded_db: Database, admin: Principal, member: MakeMember
) -> None:
    auditor = member("aud@example.org", Role.AUDITOR)
    system_id = _system(loaded_db, admin)
    _risk(loaded_db, admin, system_id)
    signer = loaded_db.signer
    assert signer is not None
    with loaded_db.transaction() as session:
        ok, checked, problems = audit.verify_live(session, auditor, signer)
        assert (ok, problems) == (True, [])
        export = audit.export_log(session, auditor, signer)
    actions = [e.action for e in export.events]
    assert actions[:2] == ["org.create", "user.create"]
    assert {"system.create", "risk.create"} <= set(actions)
    assert audit.verify_export(export) == (True, checked, [])
    assert export.checkpoints[-1].seq == export.events[-1].seq


def test_a_changed_byte_in_an_export_names_the_event(loaded_db: Database, admin: Principal) -> None:
    _system(loaded_db, admin)
    _system(loaded_db, admin, name="second")
    assert loaded_db.signer is not None
    with loaded_db.transaction() as session:
        export = audit.export_log(session, admin, loaded_db.signer)
    text = export.model_dump_json()
    tampered = text.replace('"name":"second"', '"name":"secone"', 1)
    assert tampered != text
    ok, _, problems = audit.verify_export(audit.parse_export(tampered))
    assert not ok
    assert problems[0].startswith("event 3 ")


def test_rewriting_the_whole_chain_is_caught_by_the_signature(
    loaded_db: Database, admin: Principal
) -> None:
    from tekisei.core.audit import GENESIS, next_event

    _system(loaded_db, admin)
    assert loaded_db.signer is not None
    with loaded_db.transaction() as session:
        export = audit.export_log(session, admin, loaded_db.signer)
    forged = []
    previous = (0, GENESIS)
    for event in export.events:
        content = event.content() | {"actor": "mallory"}
        fields = {
            k: content[k]
            for k in ("org", "at", "actor", "action", "object_type", "object_id", "summary")
        }
        new = next_event(*previous, **fields)
        forged.append(new)
        previous = (new.seq, new.hash)
    rewritten = export.model_copy(update={"events": forged})
    ok, _, problems = audit.verify_export(rewritten)
    assert not ok and "rewritten" in problems[0]


def test_the_live_chain_notices_a_deleted_event(loaded_db: Database, admin: Principal) -> None:
    _system(loaded_db, admin)
    _system(loaded_db, admin, name="second")
    assert loaded_db.signer is not None
    with loaded_db.transaction() as session:
        session.execute(delete(AuditEventRow).where(AuditEventRow.seq == 2))
    with loaded_db.transaction() as session:
        ok, _, problems = audit.verify_live(session, admin, loaded_db.signer)
    assert not ok and problems[0].startswith("event 3 ")


def test_an_untrusted_key_is_reported(loaded_db: Database, admin: Principal) -> None:
    assert loaded_db.signer is not None
    with loaded_db.transaction() as session:
        export = audit.export_log(session, admin, loaded_db.signer)
    other_key = "A" * 43 + "="
    ok, _, problems = audit.verify_export(export, trusted_key=other_key)
    assert not ok and "not by the trusted key" in problems[-1]


def test_a_file_that_is_not_an_export_gets_a_clear_error() -> None:
    with pytest.raises(InvalidInputError, match="tekisei audit export"):
        audit.parse_export(json.dumps({"format": "something else"}))


def test_concurrent_writers_in_one_organisation_extend_the_chain_without_deadlock(
    loaded_db: Database, admin: Principal
) -> None:
    # Each writer inserts a row that refers to the organisation (PostgreSQL then holds a
    # key-share lock on it) before locking the organisation to extend its audit chain.
    import threading

    barrier = threading.Barrier(8)
    failures: list[BaseException] = []

    def write(n: int) -> None:
        barrier.wait()
        try:
            for m in range(3):
                _system(loaded_db, admin, name=f"並行登録 {n}-{m}")
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    assert loaded_db.signer is not None
    with loaded_db.reading() as session:
        assert systems.list_systems(session, admin)[0] == 24
        ok, checked, problems = audit.verify_live(session, admin, loaded_db.signer)
    assert ok, problems
    assert checked == 25  # the organisation's creation and 24 systems


def test_concurrent_updates_of_one_version_let_exactly_one_win(
    loaded_db: Database, admin: Principal
) -> None:
    import threading

    system_id = _system(loaded_db, admin)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def write(name: str) -> None:
        barrier.wait()
        try:
            with loaded_db.transaction() as session:
                systems.update_system(session, admin, system_id, {"name": name}, 1)
            outcomes.append(f"ok:{name}")
        except ConflictError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=write, args=(n,)) for n in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(o.split(":")[0] for o in outcomes) == ["conflict", "ok"]
    winner = next(o.split(":")[1] for o in outcomes if o.startswith("ok"))
    assert loaded_db.signer is not None
    with loaded_db.transaction() as session:
        row = systems.visible_system(session, admin, system_id)
        assert (row.name, row.version) == (winner, 2)
        ok, _, problems = audit.verify_live(session, admin, loaded_db.signer)
        assert ok, problems
        _, events = audit.list_events(session, admin, action="system.update")
    assert len(events) == 1


def test_changing_the_organisation_settings_is_kept(loaded_db: Database, admin: Principal) -> None:
    with loaded_db.transaction() as session:
        orgs.update_org(
            session,
            admin,
            version=1,
            name="Acme AI 株式会社",
            actors=[OrgActor.BUSINESS, OrgActor.RESEARCH],
            responsible_person="山田 太郎",
            responsible_title="CAIO",
        )
    with loaded_db.reading() as session:
        row = orgs.get_org(session, "acme")
        assert row.name == "Acme AI 株式会社"
        assert set(row.actors) == {"business", "research"}
        assert (row.responsible_person, row.responsible_title) == ("山田 太郎", "CAIO")
        assert row.version == 2
        event = session.scalars(
            select(AuditEventRow).where(AuditEventRow.action == "org.update").order_by(AuditEventRow.id)
        ).one()
        assert event.summary["after"]["name"] == "Acme AI 株式会社"
