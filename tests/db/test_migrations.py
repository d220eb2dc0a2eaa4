"""Migrations build the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, inspect, text

from tekisei.config import Settings
from tekisei.db.engine import make_engine
from tekisei.db.migrate import current_revision, head_revision, schema_drift
from tekisei.errors import DatabaseError
from tekisei.services.database import Database, database_status, open_database, upgrade_database


def _insert_acme(connection: Connection, at: str) -> None:
    """Organisation 1, ``acme``, as every schema from the first migration on holds it,
    created at ``at`` (an SQL literal)."""
    connection.execute(
        text(
            "INSERT INTO orgs (id, slug, name, actors, created_at, version, audit_seq, "
            f"audit_head) VALUES (1, 'acme', 'Acme', '[\"business\"]', {at}, 1, 0, 'x')"
        )
    )


def test_migrations_on_an_empty_database_match_the_models(settings: Settings) -> None:
    status = upgrade_database(settings)
    assert status.up_to_date and status.current == status.head
    engine = make_engine(settings.resolved_database_url)
    try:
        assert schema_drift(engine) == []
        tables = set(inspect(engine).get_table_names())
        assert {"frameworks", "catalog_nodes", "crosswalks", "crosswalk_links"} <= tables
    finally:
        engine.dispose()


def test_upgrade_is_idempotent(settings: Settings) -> None:
    first = upgrade_database(settings)
    second = upgrade_database(settings)
    assert first.current == second.current == second.head


def test_opening_an_unmigrated_database_says_what_to_run(settings: Settings) -> None:
    with pytest.raises(DatabaseError, match="tekisei db upgrade"):
        open_database(settings)


def test_an_unreachable_database_is_a_clear_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(
        database_url="postgresql+psycopg://nobody@127.0.0.1:1/none", data_dir=tmp_path
    )
    with pytest.raises(DatabaseError, match="cannot reach the database"):
        upgrade_database(settings)


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        engine.dispose()


def test_status_reports_revisions(empty_db: Database) -> None:
    status = database_status(empty_db)
    assert status.current == head_revision(empty_db.engine)
    assert current_revision(empty_db.engine) == status.current


def test_accounts_and_memberships_survive_the_accounts_migration(settings: Settings) -> None:
    from tekisei.db.migrate import upgrade

    engine = make_engine(settings.resolved_database_url)
    try:
        upgrade(engine, "0010")
        with engine.begin() as connection:
            _insert_acme(connection, "'2026-01-01 00:00:00'")
            connection.execute(
                text(
                    "INSERT INTO users (id, email, name, password_hash, active, created_at) "
                    "VALUES (1, 'a@acme.example', 'A', '$argon2id$x', true, '2026-01-01 00:00:00')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO memberships (id, org_id, user_id, role, created_at) "
                    "VALUES (1, 1, 1, 'admin', '2026-01-01 00:00:00')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO login_failures (email, at) VALUES ('a@acme.example', '2026-01-01')"
                )
            )
        upgrade(engine)
        with engine.connect() as connection:
            user = connection.execute(
                text("SELECT email, password_hash, must_change_password FROM users")
            ).one()
            member = connection.execute(text("SELECT role, created_by FROM memberships")).one()
        assert tuple(user) == ("a@acme.example", "$argon2id$x", False)
        assert tuple(member) == ("admin", None)
        assert schema_drift(engine) == []
    finally:
        engine.dispose()


def test_runs_and_their_results_survive_the_per_organisation_run_names(
    settings: Settings,
) -> None:
    from datetime import UTC, datetime

    from tekisei.db.migrate import upgrade

    engine = make_engine(settings.resolved_database_url)
    try:
        upgrade(engine, "0010")
        # Rows written as SQL: the models describe the newest schema, not 0010's.
        with engine.begin() as connection:
            _insert_acme(connection, "'2026-01-01 00:00:00'")
            connection.execute(
                text(
                    "INSERT INTO systems (id, org_id, name, purpose, domain, org_role, stage, "
                    "models, vendors, data_categories, affected, autonomy, scale, deployment, "
                    "responsible_person, contact_window, tier, created_at, updated_at, version) "
                    "VALUES (1, 1, 'bot', '', 'other', 'provider', 'plan', '[]', '[]', '[]', "
                    "'[]', 'assistive', 'small', 'internal', '', '', 'minimal', "
                    "'2026-01-01 00:00:00', '2026-01-01 00:00:00', 1)"
                )
            )
        now = datetime.now(UTC)
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO eval_runs (id, org_id, system_id, key, source, suite, "
                    "suite_version, target, probes, status, cases, answered, passed, errors, "
                    "summary, started_by, started_at) VALUES (1, :org, :system, 'nightly', "
                    "'run', 's', '1', 't', '[]', 'finished', 2, 2, 1, 0, '{}', 'cli', :now)"
                ),
                {"org": 1, "system": 1, "now": now},
            )
            for case in ("a", "b"):
                connection.execute(
                    text(
                        "INSERT INTO eval_results (run_id, case_id, perspective, risks, lang, "
                        "passed, error, input, output, scores, latency_ms) VALUES (1, :case, "
                        "'P1', '[]', 'ja', :passed, NULL, '[]', 'x', '[]', 1.0)"
                    ),
                    {"case": case, "passed": case == "a"},
                )
        upgrade(engine)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM eval_results")).scalar() == 2
            assert connection.execute(text("SELECT key FROM eval_runs")).scalar() == "nightly"
            if engine.dialect.name == "sqlite":
                assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert schema_drift(engine) == []
    finally:
        engine.dispose()


def test_notes_tekisei_wrote_in_japanese_are_carried_over_as_automatic_notes(
    settings: Settings,
) -> None:
    from datetime import UTC, datetime

    from tekisei.db.migrate import upgrade

    engine = make_engine(settings.resolved_database_url)
    try:
        upgrade(engine, "0014")
        # rows as 0014 held them, written in SQL: the models describe the newest schema
        with engine.begin() as connection:
            _insert_acme(connection, "'2026-12-02 10:13:00'")
            connection.execute(
                text(
                    "INSERT INTO systems (id, org_id, name, purpose, domain, org_role, stage, "
                    "models, vendors, data_categories, affected, autonomy, scale, deployment, "
                    "responsible_person, contact_window, tier, created_at, updated_at, version) "
                    "VALUES (1, 1, '相談ボット', '', 'other', 'provider', 'plan', '[]', '[]', "
                    "'[]', '[]', 'assistive', 'small', 'internal', '', '', 'limited', "
                    "'2026-12-02 10:13:00', '2026-12-02 10:13:00', 1)"
                )
            )
        org_id, system = 1, 1
        now = datetime.now(UTC)
        eval_note = (
            "評価実行 nightly の結果を証跡として添付しました（3件不合格）。"
            "回答の状態は担当者が判断してください。"
        )
        provenance_note = (
            "サンプル出力の来歴（電子透かし・コンテンツ認証情報）を確認した結果を添付しました。"
            "回答の状態は担当者が判断してください。"
        )
        rows = [
            "INSERT INTO assessments (id, org_id, system_id, framework_id, status, created_at) "
            "VALUES (1, :org, :system, 'jp-ai-appropriateness-2025', 'open', :now)",
            "INSERT INTO evidence (id, org_id, kind, title, reference, created_by, created_at) "
            "VALUES (1, :org, 'reference', '評価実行 nightly（s 1）合格率 83%', 'eval:1', 'cli', "
            ":now)",
            "INSERT INTO evidence (id, org_id, kind, title, created_by, created_at) VALUES "
            "(2, :org, 'file', '来歴の確認（相談ボット）: 文章 1/2・画像 0/0', 'cli', :now)",
            "INSERT INTO evidence (id, org_id, kind, title, created_by, created_at) VALUES "
            "(3, :org, 'link', '評価実行 の手順書', 'cli', :now)",
            "INSERT INTO eval_runs (id, org_id, system_id, key, source, suite, suite_version, "
            "target, probes, status, cases, answered, passed, errors, summary, started_by, "
            "started_at, pass_rate, evidence_id) VALUES (1, :org, :system, 'nightly', 'run', "
            "'s', '1', 't', '[]', 'finished', 6, 6, 5, 0, '{}', 'cli', :now, 0.8333, 1)",
            "INSERT INTO provenance_checks (org_id, system_id, texts, texts_detected, images, "
            "images_verified, passed, details, evidence_id, checked_by, checked_at) VALUES "
            "(:org, :system, 2, 1, 0, 0, false, '[]', 2, 'cli', :now)",
            "INSERT INTO reviews (id, org_id, system_id, trigger, reason, status, due, plan, "
            '"do", "check", act, opened_by, opened_at) VALUES (1, :org, :system, '
            "'model_change', :reason, 'open', '2027-01-01', '', '', '', '', 'cli', :now)",
        ]
        answers = {1: eval_note, 2: provenance_note, 3: "人が書いた取組"}
        with engine.begin() as connection:
            values = {"org": org_id, "system": system, "now": now,
                      "reason": "定期点検\nmodels changed\ncatalog changed: 2.3, fn8"}  # fmt: skip
            for sql in rows:
                connection.execute(text(sql), values)
            for answer, notes in answers.items():
                connection.execute(
                    text(
                        "INSERT INTO answers (id, assessment_id, node_urn, state, notes, owner, "
                        "justification, updated_by, updated_at, version) VALUES (:id, 1, :urn, "
                        "'not_started', :notes, '', '', 'cli', :now, 1)"
                    ),
                    {"id": answer, "urn": f"urn:x:{answer}", "notes": notes, "now": now},
                )
        upgrade(engine)
        with engine.connect() as connection:

            def read(sql: str) -> list[tuple[object, ...]]:
                return [tuple(r) for r in connection.execute(text(sql))]

            answered = read("SELECT id, notes, auto_note FROM answers ORDER BY id")
            titled = read("SELECT id, title, auto_title FROM evidence ORDER BY id")
            [review] = read("SELECT reason, auto_reasons FROM reviews")
        assert schema_drift(engine) == []
    finally:
        engine.dispose()

    def loaded(value: object) -> object:
        import json

        return json.loads(value) if isinstance(value, str) else value

    assert [(i, n, loaded(a)) for i, n, a in answered] == [
        (1, "", {"key": "eval-attached", "params": {"run": "nightly", "failing": 3}}),
        (2, "", {"key": "provenance-attached", "params": {}}),
        (3, "人が書いた取組", None),  # what a person wrote stays theirs
    ]
    assert [loaded(a) for _, _, a in titled] == [
        {"key": "eval-evidence",
         "params": {"run": "nightly", "suite": "s", "version": "1", "pass_percent": 83}},
        {"key": "provenance-evidence",
         "params": {"system": "相談ボット", "texts_detected": 1, "texts": 2,
                    "images_verified": 0, "images": 0}},
        None,
    ]  # fmt: skip
    assert [t for _, t, _ in titled][2] == "評価実行 の手順書"
    assert review[0] == "定期点検"
    assert loaded(review[1]) == [
        {"key": "models-changed", "params": {}},
        {"key": "catalog-changed", "params": {"sections": "2.3, fn8"}},
    ]


def test_existing_organisations_follow_the_deployments_zone_after_the_time_zone_migration(
    settings: Settings,
) -> None:
    """0016 adds each organisation's time zone; organisations made before it read times in
    the deployment's zone (TEKISEI_TIME_ZONE) until an admin chooses one."""
    from tekisei.core.times import shown
    from tekisei.db.migrate import upgrade
    from tekisei.services import orgs

    engine = make_engine(settings.resolved_database_url)
    try:
        upgrade(engine, "0014")
        with engine.begin() as connection:
            _insert_acme(connection, "'2026-12-02 10:13:00'")
        upgrade(engine)
        with engine.connect() as connection:
            row = connection.execute(text("SELECT slug, name, time_zone FROM orgs")).one()
        assert tuple(row) == ("acme", "Acme", None)
        assert schema_drift(engine) == []
    finally:
        engine.dispose()
    for deployment in ("Asia/Tokyo", "Europe/London"):
        database = open_database(settings.model_copy(update={"time_zone": deployment}))
        try:
            with database.reading() as session:
                org = orgs.get_org(session, "acme")
                view = orgs.org_view(session, org)
                where = orgs.org_zone(session, orgs.cli_principal(session, "acme"))
                created = shown(org.created_at, where)
        finally:
            database.close()
        assert (view.time_zone, view.time_zone_is_default) == (deployment, True)
        expected = "2026-12-02 19:13 JST" if deployment == "Asia/Tokyo" else "2026-12-02 10:13 GMT"
        assert created == expected


def test_owners_written_as_text_survive_the_member_owners_migration_and_back(
    settings: Settings,
) -> None:
    """0017 keeps every owner written so far as owner_text (nothing guessed, nothing lost),
    with the evidence of the answers; going back writes a member owner's email as text."""
    from alembic import command

    from tekisei.db.migrate import alembic_config, upgrade

    engine = make_engine(settings.resolved_database_url)
    at = "'2026-01-01 00:00:00'"
    rows = [
        "INSERT INTO orgs (id, slug, name, actors, created_at, version, audit_seq, audit_head) "
        f"VALUES (1, 'acme', 'Acme', '[\"business\"]', {at}, 1, 0, 'x')",
        "INSERT INTO users (id, email, name, password_hash, active, created_at) "
        f"VALUES (1, 'tanaka@acme.example', '田中', '$argon2id$x', true, {at})",
        "INSERT INTO systems (id, org_id, name, purpose, domain, org_role, stage, models, "
        "vendors, data_categories, affected, autonomy, scale, deployment, responsible_person, "
        "contact_window, tier, created_at, updated_at, version) VALUES (1, 1, 'bot', '', "
        "'other', 'provider', 'plan', '[]', '[]', '[]', '[]', 'assistive', 'small', "
        f"'internal', '', '', 'minimal', {at}, {at}, 1)",
        "INSERT INTO risks (id, org_id, system_id, title, taxonomy, description, likelihood, "
        "impact, inherent, treatment_plan, owner, status, created_at, updated_at, version) "
        "VALUES (1, 1, 1, '誤回答', '[\"technical.hallucination\"]', '', 3, 3, 9, '', "
        f"'人事部 田中', 'open', {at}, {at}, 1)",
        "INSERT INTO assessments (id, org_id, system_id, framework_id, status, created_at) "
        f"VALUES (1, 1, 1, 'jp-ai-appropriateness-2025', 'open', {at})",
        "INSERT INTO answers (id, assessment_id, node_urn, state, notes, owner, justification, "
        "updated_by, updated_at, version) VALUES (1, 1, "
        "'urn:tekisei:req:jp-ai-appropriateness-2025:2.3', 'partial', '', '総務課 佐藤', '', "
        f"'cli', {at}, 1)",
        "INSERT INTO evidence (id, org_id, kind, title, url, created_by, created_at) "
        f"VALUES (1, 1, 'link', 'x', 'https://acme.example/x', 'cli', {at})",
        "INSERT INTO answer_evidence (id, answer_id, evidence_id) VALUES (1, 1, 1)",
    ]
    try:
        upgrade(engine, "0016")
        with engine.begin() as connection:
            for row in rows:
                connection.execute(text(row))
        upgrade(engine)
        with engine.connect() as connection:
            risk = connection.execute(text("SELECT owner_id, owner_text FROM risks")).one()
            answer = connection.execute(text("SELECT owner_id, owner_text FROM answers")).one()
            linked = connection.execute(text("SELECT count(*) FROM answer_evidence")).scalar()
            if engine.dialect.name == "sqlite":
                assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert tuple(risk) == (None, "人事部 田中")
        assert tuple(answer) == (None, "総務課 佐藤")
        assert linked == 1
        assert schema_drift(engine) == []
        with engine.begin() as connection:
            connection.execute(text("UPDATE answers SET owner_id = 1, owner_text = ''"))
        command.downgrade(alembic_config(engine), "0016")
        with engine.connect() as connection:
            assert connection.execute(text("SELECT owner FROM risks")).scalar() == "人事部 田中"
            answer_owner = connection.execute(text("SELECT owner FROM answers")).scalar()
            assert answer_owner == "tanaka@acme.example"
            assert connection.execute(text("SELECT count(*) FROM answer_evidence")).scalar() == 1
        upgrade(engine)
        assert schema_drift(engine) == []
    finally:
        engine.dispose()


def test_the_statement_of_applicability_tables_come_and_go_with_their_migration(
    settings: Settings,
) -> None:
    """0021 adds the statement's tables, empty, next to what is there; going back drops
    only them; going forward again gives the schema the models describe."""
    import sqlalchemy.exc
    from alembic import command
    from alembic.script import ScriptDirectory

    from tekisei.db.migrate import alembic_config, upgrade

    engine = make_engine(settings.resolved_database_url)
    config = alembic_config(engine)
    before = ScriptDirectory.from_config(config).get_revision("0021").down_revision
    assert isinstance(before, str)
    tables = {"soa", "soa_controls", "soa_changes", "soa_approvals"}
    at = "'2026-01-01 00:00:00'"
    try:
        upgrade(engine, before)
        assert not tables & set(inspect(engine).get_table_names())
        with engine.begin() as connection:
            _insert_acme(connection, at)
        upgrade(engine)
        assert tables <= set(inspect(engine).get_table_names())
        assert schema_drift(engine) == []
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO soa (id, org_id, version, created_at, updated_at, updated_by) "
                    f"VALUES (1, 1, 1, {at}, {at}, 'cli')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO soa_controls (id, org_id, control_urn, applicable, "
                    "justification, notes, owner_id, updated_at, updated_by, version) VALUES "
                    "(1, 1, 'urn:tekisei:req:iso-iec-42001-2023:A.2.2', false, '不要', '', "
                    f"NULL, {at}, 'cli', 1)"
                )
            )
        with engine.begin() as connection, pytest.raises(sqlalchemy.exc.IntegrityError):
            connection.execute(
                text(
                    "INSERT INTO soa_controls (id, org_id, control_urn, applicable, "
                    "justification, notes, owner_id, updated_at, updated_by, version) VALUES "
                    "(2, 1, 'urn:tekisei:req:iso-iec-42001-2023:A.2.2', true, '', '', "
                    f"NULL, {at}, 'cli', 1)"
                )
            )
        command.downgrade(config, before)
        remaining = set(inspect(engine).get_table_names())
        assert not tables & remaining and "orgs" in remaining
        with engine.connect() as connection:
            assert connection.execute(text("SELECT slug FROM orgs")).scalar() == "acme"
        upgrade(engine)
        assert schema_drift(engine) == []
    finally:
        engine.dispose()


def test_the_policies_migration_adds_its_tables_and_goes_back_leaving_the_rest(
    settings: Settings,
) -> None:
    """0019 adds the AI policies (with their versions and acknowledgements) and the
    governance statements (with their versions); going back drops them and nothing else."""
    from alembic import command
    from alembic.script import ScriptDirectory

    from tekisei.db.migrate import alembic_config, upgrade

    engine = make_engine(settings.resolved_database_url)
    config = alembic_config(engine)
    before = ScriptDirectory.from_config(config).get_revision("0019").down_revision
    assert isinstance(before, str)
    at = "'2026-01-01 00:00:00'"
    tables = {"policies", "policy_versions", "policy_acknowledgements", "statements",
              "statement_versions"}  # fmt: skip
    try:
        upgrade(engine, before)
        with engine.begin() as connection:
            _insert_acme(connection, at)
        assert not tables & set(inspect(engine).get_table_names())
        upgrade(engine, "0019")
        assert tables <= set(inspect(engine).get_table_names())
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO policies (id, org_id, kind, content, items, audience, template, "
                    "approval_status, created_at, created_by, updated_at, updated_by, version) "
                    f"VALUES (1, 1, 'basic', '{{}}', '[\"2.1\"]', 'public', '', '', {at}, 'cli', "
                    f"{at}, 'cli', 1)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO statements (id, org_id, created_at, updated_at, updated_by, "
                    f"version) VALUES (1, 1, {at}, {at}, 'cli', 1)"
                )
            )
        upgrade(engine)
        assert schema_drift(engine) == []
        command.downgrade(config, before)
        assert not tables & set(inspect(engine).get_table_names())
        with engine.connect() as connection:
            assert connection.execute(text("SELECT slug FROM orgs")).scalar() == "acme"
        upgrade(engine)
        assert schema_drift(engine) == []
    finally:
        engine.dispose()


def test_haip_reports_are_made_by_0020_and_removed_by_going_back_to_0019(
    settings: Settings,
) -> None:
    """0020 adds the HAIP reports and their published versions; going back to 0019 drops
    them and nothing else; upgrading again gives the schema the models describe."""
    from alembic import command

    from tekisei.db.migrate import alembic_config, upgrade

    engine = make_engine(settings.resolved_database_url)
    at = "'2026-01-01 00:00:00'"
    try:
        upgrade(engine, "0019")
        assert "haip_reports" not in inspect(engine).get_table_names()
        upgrade(engine)
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO orgs (id, slug, name, actors, created_at, version, audit_seq, "
                    f"audit_head, time_zone) VALUES (1, 'acme', 'Acme', '[\"business\"]', {at}, "
                    "1, 0, 'x', 'Asia/Tokyo')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO haip_reports (id, org_id, public_id, title, period_start, "
                    "period_end, details_public, content, approval_status, published_version, "
                    "created_by, created_at, updated_at, updated_by, version) VALUES (1, 1, "
                    f"'p{'x' * 21}', 'HAIP 2026', '2026-01-01', '2026-12-31', false, "
                    f"'{{\"sections\": {{}}}}', 'approved', 1, 'cli', {at}, {at}, 'cli', 1)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO haip_report_versions (id, report_id, org_id, number, title, "
                    "period_start, period_end, details_public, content, facts, published_at, "
                    "published_by, approved_by, approved_at) VALUES (1, 1, 1, 1, 'HAIP 2026', "
                    "'2026-01-01', '2026-12-31', false, '{}', '{}', "
                    f"{at}, 'cli', 'ceo@acme.example', {at})"
                )
            )
        assert schema_drift(engine) == []
        with engine.begin() as connection:  # a published version belongs to its report
            connection.execute(text("DELETE FROM haip_reports"))
            assert (
                connection.execute(text("SELECT count(*) FROM haip_report_versions")).scalar() == 0
            )
        command.downgrade(alembic_config(engine), "0019")
        tables = set(inspect(engine).get_table_names())
        assert not {"haip_reports", "haip_report_versions"} & tables and "notices" in tables
        with engine.connect() as connection:
            assert connection.execute(text("SELECT slug FROM orgs")).scalar() == "acme"
        upgrade(engine)
        assert schema_drift(engine) == []
    finally:
        engine.dispose()


def test_the_stakeholder_tables_come_with_0022_and_go_back_leaving_the_rest(
    settings: Settings,
) -> None:
    """0022 adds the stakeholder register, its system links and the engagement log; an
    engagement belongs to its stakeholder; going back drops only these three tables;
    upgrading again gives the schema the models describe."""
    from alembic import command
    from alembic.script import ScriptDirectory

    from tekisei.db.migrate import alembic_config, upgrade

    engine = make_engine(settings.resolved_database_url)
    config = alembic_config(engine)
    before = ScriptDirectory.from_config(config).get_revision("0022").down_revision
    assert isinstance(before, str)
    tables = {"stakeholders", "stakeholder_systems", "stakeholder_engagements"}
    at = "'2026-01-01 00:00:00'"
    try:
        upgrade(engine, before)
        assert not tables & set(inspect(engine).get_table_names())
        with engine.begin() as connection:
            _insert_acme(connection, at)
        upgrade(engine)
        assert tables <= set(inspect(engine).get_table_names())
        assert schema_drift(engine) == []
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO stakeholders (id, org_id, name, kind, relation, interests, "
                    "engagement, contact, archived_at, evidence_id, created_at, updated_at, "
                    "updated_by, version) VALUES (1, 1, '住民', 'communities', 'indirect', '', "
                    f"'', '', NULL, NULL, {at}, {at}, 'cli', 1)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO stakeholder_engagements (id, org_id, stakeholder_id, "
                    "happened_on, kind, summary, outcome, systems, evidence_id, created_at, "
                    "created_by) VALUES (1, 1, 1, '2026-01-01', 'meeting', '説明会', '', '[]', "
                    f"NULL, {at}, 'cli')"
                )
            )
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM stakeholders"))
            count = "SELECT count(*) FROM stakeholder_engagements"
            assert connection.execute(text(count)).scalar() == 0
        command.downgrade(config, before)
        remaining = set(inspect(engine).get_table_names())
        assert not tables & remaining and "soa" in remaining
        with engine.connect() as connection:
            assert connection.execute(text("SELECT slug FROM orgs")).scalar() == "acme"
        upgrade(engine)
        assert schema_drift(engine) == []
    finally:
        engine.dispose()


def test_the_data_holder_tables_come_with_0024_and_go_back_leaving_the_rest(
    settings: Settings,
) -> None:
    """0024 adds the data-holder register, its dataset links, the communication log and the
    benefit arrangements; log and benefits belong to their holder; going back drops only
    these four tables; upgrading again gives the schema the models describe."""
    from alembic import command
    from alembic.script import ScriptDirectory

    from tekisei.db.migrate import alembic_config, upgrade

    engine = make_engine(settings.resolved_database_url)
    config = alembic_config(engine)
    before = ScriptDirectory.from_config(config).get_revision("0024").down_revision
    assert isinstance(before, str)
    tables = {
        "data_holders", "data_holder_datasets", "data_holder_communications",
        "data_holder_benefits",
    }  # fmt: skip
    at = "'2026-01-01 00:00:00'"
    try:
        upgrade(engine, before)
        assert not tables & set(inspect(engine).get_table_names())
        with engine.begin() as connection:
            _insert_acme(connection, at)
        upgrade(engine)
        assert tables <= set(inspect(engine).get_table_names())
        assert schema_drift(engine) == []
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO data_holders (id, org_id, name, kind, data, rights, interests, "
                    "contact, archived_at, evidence_id, created_at, updated_at, updated_by, "
                    "version) VALUES (1, 1, '写真家協会', 'creators', '写真', '[\"copyright\"]', "
                    f"'', '', NULL, NULL, {at}, {at}, 'cli', 1)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO data_holder_communications (id, org_id, holder_id, "
                    "happened_on, channel, summary, outcome, created_at, created_by) VALUES "
                    f"(1, 1, 1, '2026-01-01', 'meeting', '説明会', '', {at}, 'cli')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO data_holder_benefits (id, org_id, holder_id, kind, recipient, "
                    "method, since, until, status, created_at, updated_at, updated_by, version) "
                    "VALUES (1, 1, 1, 'attribution', '写真家協会', '', '2026-01-01', NULL, "
                    f"'active', {at}, {at}, 'cli', 1)"
                )
            )
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM data_holders"))
            for table in ("data_holder_communications", "data_holder_benefits"):
                assert connection.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0
        command.downgrade(config, before)
        remaining = set(inspect(engine).get_table_names())
        assert not tables & remaining and "stakeholders" in remaining
        with engine.connect() as connection:
            assert connection.execute(text("SELECT slug FROM orgs")).scalar() == "acme"
        upgrade(engine)
        assert schema_drift(engine) == []
    finally:
        engine.dispose()


def test_the_vendor_tables_come_with_0023_and_go_back_leaving_the_rest(
    settings: Settings,
) -> None:
    """0023 adds the vendor register, the systems that depend on a vendor and its history;
    the history belongs to its vendor; going back drops only these three tables; upgrading
    again gives the schema the models describe."""
    from alembic import command
    from alembic.script import ScriptDirectory

    from tekisei.db.migrate import alembic_config, upgrade

    engine = make_engine(settings.resolved_database_url)
    config = alembic_config(engine)
    before = ScriptDirectory.from_config(config).get_revision("0023").down_revision
    assert isinstance(before, str)
    tables = {"vendors", "vendor_systems", "vendor_events"}
    at = "'2026-01-01 00:00:00'"
    try:
        upgrade(engine, before)
        assert not tables & set(inspect(engine).get_table_names())
        with engine.begin() as connection:
            _insert_acme(connection, at)
        upgrade(engine)
        assert tables <= set(inspect(engine).get_table_names())
        assert schema_drift(engine) == []
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO vendors (id, org_id, name, kind, region, abroad, abroad_basis, "
                    "contract_ref, covers_ai_use, covers_data_use, covers_incidents, "
                    "covers_exit, data_categories, review_result, contact, created_at, "
                    "updated_at, updated_by, version) VALUES (1, 1, 'LLM社', 'ai_api', '米国', "
                    "TRUE, '同意', '', TRUE, FALSE, FALSE, FALSE, '[\"personal\"]', '', '', "
                    f"{at}, {at}, 'cli', 1)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO vendor_events (id, org_id, vendor_id, kind, reason, detail, "
                    "fields, reviews, created_at, created_by) VALUES (1, 1, 1, 'changed', "
                    f"'model_change', '', '[]', '[]', {at}, 'cli')"
                )
            )
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM vendors"))
            assert connection.execute(text("SELECT count(*) FROM vendor_events")).scalar() == 0
        command.downgrade(config, before)
        remaining = set(inspect(engine).get_table_names())
        assert not tables & remaining and "stakeholders" in remaining
        with engine.connect() as connection:
            assert connection.execute(text("SELECT slug FROM orgs")).scalar() == "acme"
        upgrade(engine)
        assert schema_drift(engine) == []
    finally:
        engine.dispose()


def test_the_inquiry_tables_come_with_0025_and_go_back_leaving_the_rest(
    settings: Settings,
) -> None:
    """0025 adds inquiries, their history and the organisation's settings; a tracking
    number and a form are used once; the history belongs to its inquiry; going back drops
    only these three tables; upgrading again gives the schema the models describe."""
    from alembic import command
    from alembic.script import ScriptDirectory
    from sqlalchemy.exc import IntegrityError

    from tekisei.db.migrate import alembic_config, upgrade

    engine = make_engine(settings.resolved_database_url)
    config = alembic_config(engine)
    before = ScriptDirectory.from_config(config).get_revision("0025").down_revision
    assert isinstance(before, str)
    tables = {"inquiries", "inquiry_entries", "inquiry_settings"}
    at = "'2026-01-01 00:00:00'"
    insert = (
        "INSERT INTO inquiries (id, org_id, tracking, secret_hash, form_nonce, kind, state, "
        "subject, message, name, contact, lang, reason, received_at, due_at, updated_at, "
        "updated_by, version) VALUES ({id}, 1, '{tracking}', 'h', '{nonce}', 'question', "
        f"'received', '件名', '本文', '', '', 'ja', '', {at}, {at}, {at}, 'public', 1)"
    )
    try:
        upgrade(engine, before)
        assert not tables & set(inspect(engine).get_table_names())
        with engine.begin() as connection:
            _insert_acme(connection, at)
        upgrade(engine)
        assert tables <= set(inspect(engine).get_table_names())
        assert schema_drift(engine) == []
        with engine.begin() as connection:
            connection.execute(text(insert.format(id=1, tracking="INQ-AAAAAAAAAA", nonce="n1")))
            connection.execute(
                text(
                    "INSERT INTO inquiry_entries (id, org_id, inquiry_id, kind, state, text, "
                    f"created_at, created_by) VALUES (1, 1, 1, 'note', '', 'メモ', {at}, 'cli')"
                )
            )
        for tracking, nonce in (("INQ-AAAAAAAAAA", "n2"), ("INQ-BBBBBBBBBB", "n1")):
            with pytest.raises(IntegrityError), engine.begin() as connection:
                connection.execute(text(insert.format(id=2, tracking=tracking, nonce=nonce)))
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM inquiries"))
            assert connection.execute(text("SELECT count(*) FROM inquiry_entries")).scalar() == 0
        command.downgrade(config, before)
        remaining = set(inspect(engine).get_table_names())
        assert not tables & remaining and "vendors" in remaining
        with engine.connect() as connection:
            assert connection.execute(text("SELECT slug FROM orgs")).scalar() == "acme"
        upgrade(engine)
        assert schema_drift(engine) == []
    finally:
        engine.dispose()


def test_the_continuity_tables_come_with_0027_and_go_back_leaving_the_rest(
    settings: Settings,
) -> None:
    """0027 adds continuity plans (one per system) and drills; a plan and its drills go
    with their system; going back drops only these two tables; upgrading again gives the
    schema the models describe."""
    from alembic import command
    from alembic.script import ScriptDirectory
    from sqlalchemy.exc import IntegrityError

    from tekisei.db.migrate import alembic_config, upgrade

    engine = make_engine(settings.resolved_database_url)
    config = alembic_config(engine)
    before = ScriptDirectory.from_config(config).get_revision("0027").down_revision
    assert isinstance(before, str)
    tables = {"continuity_plans", "continuity_drills"}
    at = "'2026-01-01 00:00:00'"
    plan = (
        "INSERT INTO continuity_plans (id, org_id, system_id, dependencies, scenarios, "
        "contacts, notes, created_at, updated_at, updated_by, version) VALUES "
        f"({{id}}, 1, 1, '[]', '[{{{{\"kind\": \"outage\"}}}}]', '[]', '', {at}, {at}, 'cli', 1)"
    )
    try:
        upgrade(engine, before)
        assert not tables & set(inspect(engine).get_table_names())
        with engine.begin() as connection:
            _insert_acme(connection, at)
        upgrade(engine)
        assert tables <= set(inspect(engine).get_table_names())
        assert schema_drift(engine) == []
        columns = {c["name"] for c in inspect(engine).get_columns("systems")}
        values = {
            "id": "1", "org_id": "1", "name": "'与信'", "purpose": "''", "domain": "'finance'",
            "org_role": "'developer'", "stage": "'deploy'", "tier": "'high'",
            "created_at": at, "updated_at": at, "version": "1",
        }  # fmt: skip
        with engine.begin() as connection:
            kept = {k: v for k, v in values.items() if k in columns}
            for name in columns - set(kept):
                column = next(
                    c for c in inspect(engine).get_columns("systems") if c["name"] == name
                )
                if not column["nullable"]:
                    kept[name] = "'[]'" if "JSON" in str(column["type"]).upper() else "''"
            connection.execute(
                text(f"INSERT INTO systems ({', '.join(kept)}) VALUES ({', '.join(kept.values())})")
            )
            connection.execute(text(plan.format(id=1)))
            connection.execute(
                text(
                    "INSERT INTO continuity_drills (id, org_id, system_id, held_on, scenario, "
                    "outcome, findings, actions, created_at, created_by) VALUES (1, 1, 1, "
                    f"'2026-01-10', 'outage', 'passed', '', '', {at}, 'cli')"
                )
            )
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(text(plan.format(id=2)))  # one plan per system
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM systems"))
            for table in tables:
                assert connection.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0
        command.downgrade(config, before)
        remaining = set(inspect(engine).get_table_names())
        assert not tables & remaining and "vendors" in remaining
        with engine.connect() as connection:
            assert connection.execute(text("SELECT slug FROM orgs")).scalar() == "acme"
        upgrade(engine)
        assert schema_drift(engine) == []
    finally:
        engine.dispose()


def test_the_notification_tables_come_with_0028_and_go_back_leaving_the_rest(
    settings: Settings,
) -> None:
    """0028 adds notifications, each person's choices and the e-mail outbox; a key tells a
    person once; a person's notifications go with their account while the outbox keeps
    its e-mails; going back drops only these three tables; upgrading again gives the
    schema the models describe."""
    from alembic import command
    from sqlalchemy.exc import IntegrityError

    from tekisei.db.migrate import alembic_config, upgrade

    engine = make_engine(settings.resolved_database_url)
    config = alembic_config(engine)
    tables = {"notifications", "notification_settings", "mail_outbox"}
    at = "'2026-01-01 00:00:00'"
    notification = (
        "INSERT INTO notifications (id, org_id, user_id, event, title_ja, title_en, link, key, "
        f"in_app, created_at) VALUES ({{id}}, 1, 1, 'review_due', 'x', 'x', '/', 'k', true, {at})"
    )
    try:
        upgrade(engine, "0027")
        assert not tables & set(inspect(engine).get_table_names())
        with engine.begin() as connection:
            _insert_acme(connection, at)
            connection.execute(
                text(
                    "INSERT INTO users (id, email, name, password_hash, active, created_at, "
                    f"must_change_password) VALUES (1, 'a@acme.example', 'A', 'x', true, {at}, "
                    "false)"
                )
            )
        upgrade(engine)
        assert tables <= set(inspect(engine).get_table_names())
        assert schema_drift(engine) == []
        with engine.begin() as connection:
            connection.execute(text(notification.format(id=1)))
            connection.execute(
                text(
                    "INSERT INTO mail_outbox (id, org_id, notification_id, to_address, lang, "
                    "title, link, status, attempts, next_attempt_at, last_error, created_at) "
                    f"VALUES (1, 1, 1, 'a@acme.example', 'ja', 'x', '/', 'pending', 0, {at}, '', "
                    f"{at})"
                )
            )
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(text(notification.format(id=2)))  # the same key, the same person
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM users"))
            assert connection.execute(text("SELECT count(*) FROM notifications")).scalar() == 0
            kept = connection.execute(text("SELECT notification_id FROM mail_outbox")).all()
            assert kept == [(None,)]
        command.downgrade(config, "0027")
        remaining = set(inspect(engine).get_table_names())
        assert not tables & remaining and "continuity_plans" in remaining
        with engine.connect() as connection:
            assert connection.execute(text("SELECT slug FROM orgs")).scalar() == "acme"
        upgrade(engine)
        assert schema_drift(engine) == []
    finally:
        engine.dispose()


def test_the_incident_tables_come_with_0029_and_go_back_leaving_the_rest(
    settings: Settings,
) -> None:
    """0029 adds incidents, the systems they affected and the published versions of their
    notices; a public id is unique; an incident's links and versions go with it, a
    system's links with the system; going back drops only these tables; upgrading again
    gives the schema the models describe."""
    from alembic import command
    from sqlalchemy.exc import IntegrityError

    from tekisei.db.migrate import alembic_config, upgrade

    engine = make_engine(settings.resolved_database_url)
    config = alembic_config(engine)
    tables = {"incidents", "incident_systems", "incident_notice_versions"}
    at = "'2026-01-01 00:00:00'"
    incident = (
        "INSERT INTO incidents (id, org_id, title, description, severity, state, "
        "affected_parties, harms, containment, root_cause, lessons, timeline, actions, "
        "notifications, source, source_ref, public_id, reported_at, reported_by, updated_at, "
        "updated_by, version) VALUES ({id}, 1, '誤判断', '', 'high', 'open', '', '[]', '', '', "
        f"'', '[]', '[]', '[]', 'form', '', '{{public_id}}', {at}, 'cli', {at}, 'cli', 1)"
    )
    try:
        upgrade(engine, "0028")
        assert not tables & set(inspect(engine).get_table_names())
        with engine.begin() as connection:
            _insert_acme(connection, at)
        upgrade(engine)
        assert tables <= set(inspect(engine).get_table_names())
        assert schema_drift(engine) == []
        columns = inspect(engine).get_columns("systems")
        values = {"id": "1", "org_id": "1", "name": "'与信'", "created_at": at,
                  "updated_at": at, "version": "1"}  # fmt: skip
        for column in columns:
            if column["name"] not in values and not column["nullable"]:
                values[column["name"]] = "'[]'" if "JSON" in str(column["type"]).upper() else "''"
        with engine.begin() as connection:
            names, given = ", ".join(values), ", ".join(values.values())
            connection.execute(text(f"INSERT INTO systems ({names}) VALUES ({given})"))
            connection.execute(text(incident.format(id=1, public_id="p" * 22)))
            connection.execute(
                text(
                    "INSERT INTO incident_systems (id, org_id, incident_id, system_id) "
                    "VALUES (1, 1, 1, 1)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO incident_notice_versions (id, org_id, incident_id, number, "
                    f"content, published_at, published_by) VALUES (1, 1, 1, 1, '{{}}', {at}, 'cli')"
                )
            )
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(text(incident.format(id=2, public_id="p" * 22)))
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM systems"))
            assert connection.execute(text("SELECT count(*) FROM incident_systems")).scalar() == 0
            assert connection.execute(text("SELECT count(*) FROM incidents")).scalar() == 1
            connection.execute(text("DELETE FROM incidents"))
            for table in tables:
                assert connection.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0
        command.downgrade(config, "0028")
        remaining = set(inspect(engine).get_table_names())
        assert not tables & remaining and "notifications" in remaining
        with engine.connect() as connection:
            assert connection.execute(text("SELECT slug FROM orgs")).scalar() == "acme"
        upgrade(engine)
        assert schema_drift(engine) == []
    finally:
        engine.dispose()


def test_the_register_tables_come_with_0030_and_go_back_leaving_the_rest(
    settings: Settings,
) -> None:
    """0030 adds the register of AI use and its entries; a system is listed at most once
    and its entry goes with it; going back drops only these tables; upgrading again gives
    the schema the models describe."""
    from alembic import command
    from sqlalchemy.exc import IntegrityError

    from tekisei.db.migrate import alembic_config, upgrade

    engine = make_engine(settings.resolved_database_url)
    config = alembic_config(engine)
    tables = {"registers", "register_entries"}
    at = "'2026-01-01 00:00:00'"
    entry = (
        "INSERT INTO register_entries (id, org_id, system_id, division, contribution, "
        f"updated_at, updated_by) VALUES ({{id}}, 1, 1, 'x', 'informs', {at}, 'cli')"
    )
    try:
        upgrade(engine)
        assert tables <= set(inspect(engine).get_table_names())
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO orgs (id, slug, name, actors, created_at, version, audit_seq, "
                    f"audit_head) VALUES (1, 'acme', 'Acme', '[]', {at}, 1, 0, 'x')"
                )
            )
        columns = inspect(engine).get_columns("systems")
        values = {"id": "1", "org_id": "1", "name": "'窓口'", "created_at": at,
                  "updated_at": at, "version": "1"}  # fmt: skip
        for column in columns:
            if column["name"] not in values and not column["nullable"]:
                values[column["name"]] = "'[]'" if "JSON" in str(column["type"]).upper() else "''"
        with engine.begin() as connection:
            names, given = ", ".join(values), ", ".join(values.values())
            connection.execute(text(f"INSERT INTO systems ({names}) VALUES ({given})"))
            connection.execute(text(entry.format(id=1)))
            connection.execute(
                text(
                    "INSERT INTO registers (id, org_id, published_at, updated_at, updated_by) "
                    f"VALUES (1, 1, {at}, {at}, 'cli')"
                )
            )
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(text(entry.format(id=2)))
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM systems"))
            assert connection.execute(text("SELECT count(*) FROM register_entries")).scalar() == 0
            assert connection.execute(text("SELECT count(*) FROM registers")).scalar() == 1
        command.downgrade(config, "0029")
        remaining = set(inspect(engine).get_table_names())
        assert not tables & remaining and "incidents" in remaining
        upgrade(engine)
        assert schema_drift(engine) == []
    finally:
        engine.dispose()


def test_the_judgement_table_comes_with_0031_and_goes_back_leaving_the_rest(
    settings: Settings,
) -> None:
    """0031 adds DS-920 judgements and the system's judged perspectives (empty for existing
    systems, which keep their tier); a number is unique per system; a system's judgements
    go with it; going back drops only these; upgrading again gives the schema the models
    describe."""
    from alembic import command
    from sqlalchemy.exc import IntegrityError

    from tekisei.db.migrate import alembic_config, upgrade

    engine = make_engine(settings.resolved_database_url)
    config = alembic_config(engine)
    at = "'2026-12-03 00:00:00+00:00'"
    judgement = (
        "INSERT INTO judgements (id, org_id, system_id, number, answers, high_risk, "
        "perspectives, created_by, created_at, updated_by, updated_at, version) VALUES "
        f"({{id}}, 1, 1, 1, '{{{{}}}}', false, '[]', 'cli', {at}, 'cli', {at}, 1)"
    )
    try:
        upgrade(engine, "0030")
        assert "judgements" not in inspect(engine).get_table_names()
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO orgs (id, slug, name, actors, created_at, version, audit_seq, "
                    f"audit_head) VALUES (1, 'city', 'City', '[\"local\"]', {at}, 1, 0, 'x')"
                )
            )
        columns = inspect(engine).get_columns("systems")
        values = {"id": "1", "org_id": "1", "name": "'窓口案内'", "tier": "'minimal'",
                  "created_at": at, "updated_at": at, "version": "1"}  # fmt: skip
        for column in columns:
            if column["name"] not in values and not column["nullable"]:
                values[column["name"]] = "'[]'" if "JSON" in str(column["type"]).upper() else "''"
        with engine.begin() as connection:
            names, given = ", ".join(values), ", ".join(values.values())
            connection.execute(text(f"INSERT INTO systems ({names}) VALUES ({given})"))
        upgrade(engine)
        assert "judgements" in inspect(engine).get_table_names()
        assert schema_drift(engine) == []
        with engine.begin() as connection:
            row = connection.execute(text("SELECT tier, judged_high_risk FROM systems")).one()
            assert tuple(row) == ("minimal", None)
            connection.execute(text(judgement.format(id=1)))
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(text(judgement.format(id=2)))
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM systems"))
            assert connection.execute(text("SELECT count(*) FROM judgements")).scalar() == 0
        command.downgrade(config, "0030")
        remaining = set(inspect(engine).get_table_names())
        assert "judgements" not in remaining and "incidents" in remaining
        assert "judged_high_risk" not in {c["name"] for c in inspect(engine).get_columns("systems")}
        with engine.connect() as connection:
            assert connection.execute(text("SELECT slug FROM orgs")).scalar() == "city"
        upgrade(engine)
        assert schema_drift(engine) == []
    finally:
        engine.dispose()


def test_the_decision_tables_come_with_0032_and_go_back_leaving_the_rest(
    settings: Settings,
) -> None:
    """0032 adds decision records and their settings; a case reference is unique within a
    system; a system's records go with it; going back drops only these tables; upgrading
    again gives the schema the models describe."""
    from alembic import command
    from sqlalchemy.exc import IntegrityError

    from tekisei.db.migrate import alembic_config, upgrade

    engine = make_engine(settings.resolved_database_url)
    config = alembic_config(engine)
    tables = {"decisions", "decision_settings"}
    at = "'2026-01-01 00:00:00'"
    decision = (
        "INSERT INTO decisions (id, org_id, system_id, case_ref, decided_on, decision, grounds, "
        "contribution, ai_suggestion, outcome, reviewer_name, updated_at, updated_by, version) "
        "VALUES ({id}, 1, 1, 'R6-001', '2026-01-05', '支給', '', 'proposal', '', 'kept', "
        f"'山田', {at}, 'cli', 1)"
    )
    try:
        upgrade(engine, "0031")
        assert not tables & set(inspect(engine).get_table_names())
        with engine.begin() as connection:
            _insert_acme(connection, at)
        upgrade(engine, "0032")
        assert tables <= set(inspect(engine).get_table_names())
        columns = inspect(engine).get_columns("systems")
        values = {"id": "1", "org_id": "1", "name": "'与信'", "created_at": at,
                  "updated_at": at, "version": "1"}  # fmt: skip
        for column in columns:
            if column["name"] not in values and not column["nullable"]:
                values[column["name"]] = "'[]'" if "JSON" in str(column["type"]).upper() else "''"
        with engine.begin() as connection:
            names, given = ", ".join(values), ", ".join(values.values())
            connection.execute(text(f"INSERT INTO systems ({names}) VALUES ({given})"))
            connection.execute(text(decision.format(id=1)))
            connection.execute(
                text(
                    "INSERT INTO decision_settings (org_id, retention_days, published, "
                    f"updated_at, updated_by, version) VALUES (1, 1826, '[1]', {at}, 'cli', 1)"
                )
            )
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(text(decision.format(id=2)))
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM systems"))
            assert connection.execute(text("SELECT count(*) FROM decisions")).scalar() == 0
        command.downgrade(config, "0031")
        remaining = set(inspect(engine).get_table_names())
        assert not tables & remaining and "incidents" in remaining
        with engine.connect() as connection:
            assert connection.execute(text("SELECT slug FROM orgs")).scalar() == "acme"
        upgrade(engine)
        assert schema_drift(engine) == []
    finally:
        engine.dispose()


def test_the_procurement_table_comes_with_0033_and_goes_back_leaving_the_rest(
    settings: Settings,
) -> None:
    """0033 adds procurements; a system's procurements go with it, a vendor's deletion
    only unlinks them; going back drops only this table; upgrading again gives the schema
    the models describe."""
    from alembic import command

    from tekisei.db.migrate import alembic_config, upgrade

    engine = make_engine(settings.resolved_database_url)
    config = alembic_config(engine)
    at = "'2026-01-01 00:00:00'"
    try:
        upgrade(engine, "0032")
        assert "procurements" not in set(inspect(engine).get_table_names())
        upgrade(engine, "0033")
        assert "procurements" in set(inspect(engine).get_table_names())
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO orgs (id, slug, name, actors, created_at, version, audit_seq, "
                    f"audit_head) VALUES (1, 'acme', 'Acme', '[\"local\"]', {at}, 1, 0, 'x')"
                )
            )
        for table, values in (
            ("systems", {"id": "1", "org_id": "1", "name": "'窓口AI'", "created_at": at,
                         "updated_at": at, "version": "1"}),
            ("vendors", {"id": "1", "org_id": "1", "name": "'事業者'", "abroad": "false",
                         "covers_ai_use": "false", "covers_data_use": "false",
                         "covers_incidents": "false", "covers_exit": "false",
                         "created_at": at, "updated_at": at, "version": "1"}),
        ):  # fmt: skip
            for column in inspect(engine).get_columns(table):
                if column["name"] not in values and not column["nullable"]:
                    kind = str(column["type"]).upper()
                    values[column["name"]] = "'[]'" if "JSON" in kind else "''"
            with engine.begin() as connection:
                names, given = ", ".join(values), ", ".join(values.values())
                connection.execute(text(f"INSERT INTO {table} ({names}) VALUES ({given})"))
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO procurements (id, org_id, system_id, vendor_id, title, "
                    "reference, kind, phase, checklist, created_at, created_by, updated_at, "
                    f"updated_by, version) VALUES (1, 1, 1, 1, '調達', '', 'service', "
                    f"'planning', '{{}}', {at}, 'cli', {at}, 'cli', 1)"
                )
            )
            connection.execute(text("DELETE FROM vendors"))
            assert connection.execute(text("SELECT vendor_id FROM procurements")).scalar() is None
            connection.execute(text("DELETE FROM systems"))
            assert connection.execute(text("SELECT count(*) FROM procurements")).scalar() == 0
        command.downgrade(config, "0032")
        remaining = set(inspect(engine).get_table_names())
        assert "procurements" not in remaining and "decisions" in remaining
        upgrade(engine)
        assert schema_drift(engine) == []
    finally:
        engine.dispose()


def test_publishing_decision_records_comes_with_0038_off_for_everyone_and_goes_back(
    settings: Settings,
) -> None:
    """0038 adds whether an organisation publishes its anonymised decision records (off for
    existing settings); going back drops only that column, keeping the settings."""
    from alembic import command

    from tekisei.db.migrate import alembic_config, upgrade

    engine = make_engine(settings.resolved_database_url)
    config = alembic_config(engine)
    at = "'2026-01-01 00:00:00'"
    try:
        upgrade(engine, "0033")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO orgs (id, slug, name, actors, created_at, version, audit_seq, "
                    f"audit_head) VALUES (1, 'acme', 'Acme', '[\"local\"]', {at}, 1, 0, 'x')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO decision_settings (org_id, retention_days, published, "
                    f"updated_at, updated_by, version) VALUES (1, 1826, '[]', {at}, 'cli', 1)"
                )
            )
        upgrade(engine, "0038")
        with engine.connect() as connection:
            found = connection.execute(text("SELECT publish_records FROM decision_settings"))
            assert found.scalar() in (False, 0)
        command.downgrade(config, "0033")
        columns = {c["name"] for c in inspect(engine).get_columns("decision_settings")}
        assert "publish_records" not in columns and "retention_days" in columns
        upgrade(engine)
        assert schema_drift(engine) == []
    finally:
        engine.dispose()


def test_the_oversight_tables_come_with_0034_and_go_back_leaving_the_rest(
    settings: Settings,
) -> None:
    """0034 adds oversight grants and snapshots; one grant per pair of organisations; an
    organisation's grants go with it; going back drops only these tables; upgrading again
    gives the schema the models describe."""
    from alembic import command
    from sqlalchemy.exc import IntegrityError

    from tekisei.db.migrate import alembic_config, upgrade

    engine = make_engine(settings.resolved_database_url)
    config = alembic_config(engine)
    tables = {"oversight_grants", "oversight_snapshots"}
    at = "'2026-01-01 00:00:00'"
    grant = (
        "INSERT INTO oversight_grants (id, org_id, supervisor_id, systems, granted_at, "
        f"granted_by, version) VALUES ({{id}}, 1, 2, '[]', {at}, 'cli', 1)"
    )
    try:
        upgrade(engine, "0038")
        assert not tables & set(inspect(engine).get_table_names())
        with engine.begin() as connection:
            for org_id, slug in ((1, "city"), (2, "pref")):
                connection.execute(
                    text(
                        "INSERT INTO orgs (id, slug, name, actors, created_at, version, "
                        f"audit_seq, audit_head) VALUES ({org_id}, '{slug}', '{slug}', "
                        f"'[\"local\"]', {at}, 1, 0, 'x')"
                    )
                )
        upgrade(engine, "0034")
        assert tables <= set(inspect(engine).get_table_names())
        with engine.begin() as connection:
            connection.execute(text(grant.format(id=1)))
            connection.execute(
                text(
                    "INSERT INTO oversight_snapshots (id, org_id, supervisor_id, month, figures, "
                    f"taken_at) VALUES (1, 1, 2, '2026-01', '{{}}', {at})"
                )
            )
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(text(grant.format(id=2)))
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM orgs WHERE slug = 'pref'"))
            for table in tables:
                assert connection.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0
        command.downgrade(config, "0038")
        remaining = set(inspect(engine).get_table_names())
        assert not tables & remaining and "decisions" in remaining
        with engine.connect() as connection:
            assert connection.execute(text("SELECT slug FROM orgs")).scalar() == "city"
        upgrade(engine)
        assert schema_drift(engine) == []
    finally:
        engine.dispose()


def test_the_literacy_tables_come_with_0035_and_go_back_leaving_the_rest(
    settings: Settings,
) -> None:
    """0035 adds literacy assignments and completions; a member has a module once; a
    member's records go with the account; going back drops only these tables; upgrading
    again gives the schema the models describe."""
    from alembic import command
    from sqlalchemy.exc import IntegrityError

    from tekisei.db.migrate import alembic_config, upgrade

    engine = make_engine(settings.resolved_database_url)
    config = alembic_config(engine)
    tables = {"literacy_assignments", "literacy_completions"}
    at = "'2026-01-01 00:00:00'"
    assignment = (
        "INSERT INTO literacy_assignments (id, org_id, user_id, module_id, due_on, "
        f"assigned_at, assigned_by, version) VALUES ({{id}}, 1, 1, 'bias', NULL, {at}, 'cli', 1)"
    )
    try:
        upgrade(engine, "0034")
        assert not tables & set(inspect(engine).get_table_names())
        upgrade(engine, "0035")
        assert tables <= set(inspect(engine).get_table_names())
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO orgs (id, slug, name, actors, created_at, version, audit_seq, "
                    f"audit_head) VALUES (1, 'city', 'City', '[\"local\"]', {at}, 1, 0, 'x')"
                )
            )
            columns = inspect(engine).get_columns("users")
            values = {"id": "1", "email": "'staff@city.example'", "created_at": at}
            for column in columns:
                if column["name"] not in values and not column["nullable"]:
                    kind = str(column["type"]).upper()
                    values[column["name"]] = (
                        "false" if "BOOL" in kind else "0" if "INT" in kind else
                        at if "TIME" in kind else "''"
                    )  # fmt: skip
            names, given = ", ".join(values), ", ".join(values.values())
            connection.execute(text(f"INSERT INTO users ({names}) VALUES ({given})"))
            connection.execute(text(assignment.format(id=1)))
            connection.execute(
                text(
                    "INSERT INTO literacy_completions (id, org_id, user_id, module_id, "
                    "module_version, score, total, passed, completed_at) "
                    f"VALUES (1, 1, 1, 'bias', 1, 3, 3, true, {at})"
                )
            )
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(text(assignment.format(id=2)))
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM users"))
            for table in sorted(tables):
                assert connection.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0
        command.downgrade(config, "0034")
        remaining = set(inspect(engine).get_table_names())
        assert not tables & remaining and "decisions" in remaining
        with engine.connect() as connection:
            assert connection.execute(text("SELECT slug FROM orgs")).scalar() == "city"
        upgrade(engine)
        assert schema_drift(engine) == []
    finally:
        engine.dispose()


def test_the_energy_tables_come_with_0036_and_go_back_leaving_the_rest(
    settings: Settings,
) -> None:
    """0036 adds energy records and the public switch; a system's records and switch go
    with it; going back drops only these tables; upgrading again gives the schema the
    models describe."""
    from alembic import command

    from tekisei.db.migrate import alembic_config, upgrade

    engine = make_engine(settings.resolved_database_url)
    config = alembic_config(engine)
    tables = {"energy_records", "energy_publications"}
    at = "'2026-01-01 00:00:00'"
    try:
        upgrade(engine, "0035")
        assert not tables & set(inspect(engine).get_table_names())
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO orgs (id, slug, name, actors, created_at, version, audit_seq, "
                    f"audit_head) VALUES (1, 'city', 'City', '[\"local\"]', {at}, 1, 0, 'x')"
                )
            )
        upgrade(engine, "0036")
        assert tables <= set(inspect(engine).get_table_names())
        columns = inspect(engine).get_columns("systems")
        values = {"id": "1", "org_id": "1", "name": "'窓口案内'", "created_at": at,
                  "updated_at": at, "version": "1"}  # fmt: skip
        for column in columns:
            if column["name"] not in values and not column["nullable"]:
                values[column["name"]] = "'[]'" if "JSON" in str(column["type"]).upper() else "''"
        with engine.begin() as connection:
            names, given = ", ".join(values), ", ".join(values.values())
            connection.execute(text(f"INSERT INTO systems ({names}) VALUES ({given})"))
            # ten terawatt-hours in watt-hours needs a big integer
            connection.execute(
                text(
                    "INSERT INTO energy_records (id, org_id, system_id, phase, period_start, "
                    "period_end, compute, energy_wh, basis, factor_mg, factor_source, source, "
                    "recorded_at, recorded_by) VALUES (1, 1, 1, 'training', '2026-01-01', "
                    f"'2026-01-31', '', 9999999999999, 'measured', 441000, '電力会社', '報告書', "
                    f"{at}, 'cli')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO energy_publications (system_id, org_id, published, updated_at, "
                    f"updated_by, version) VALUES (1, 1, true, {at}, 'cli', 1)"
                )
            )
            kept = connection.execute(text("SELECT energy_wh FROM energy_records")).scalar()
            assert kept == 9_999_999_999_999
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM systems"))
            for table in sorted(tables):
                assert connection.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0
        command.downgrade(config, "0035")
        remaining = set(inspect(engine).get_table_names())
        assert not tables & remaining and "decisions" in remaining
        with engine.connect() as connection:
            assert connection.execute(text("SELECT slug FROM orgs")).scalar() == "city"
        upgrade(engine)
        assert schema_drift(engine) == []
    finally:
        engine.dispose()


def test_content_versions_come_with_0037_and_go_back(settings: Settings) -> None:
    """0037 adds the versions of what public pages are built from (empty: an organisation
    gets its token at its first change); the upsert the app writes them with works on the
    migrated table; going back drops only it."""
    from alembic import command
    from sqlalchemy.orm import Session

    from tekisei.db.content_versions import replace_tokens
    from tekisei.db.migrate import alembic_config, upgrade

    engine = make_engine(settings.resolved_database_url)
    config = alembic_config(engine)
    tokens = "SELECT scope, token FROM content_versions"
    try:
        upgrade(engine, "0036")
        assert "content_versions" not in inspect(engine).get_table_names()
        upgrade(engine, "0037")
        with Session(engine) as session, session.begin():
            replace_tokens(session, [0, 7])
        with Session(engine) as session, session.begin():
            first = dict(session.execute(text(tokens)).all())
            replace_tokens(session, [7])
        with engine.connect() as connection:
            again = dict(connection.execute(text(tokens)).all())
        assert set(first) == {0, 7} and again[0] == first[0] and again[7] != first[7]
        command.downgrade(config, "0036")
        assert "content_versions" not in inspect(engine).get_table_names()
        upgrade(engine)
        assert schema_drift(engine) == []
    finally:
        engine.dispose()


def test_the_energy_default_comes_with_0039_and_goes_with_its_organisation(
    settings: Settings,
) -> None:
    """0039 adds the organisation's default (no row: off, as before, so no organisation
    starts showing figures by upgrading); a default goes with its organisation; going
    back drops only it."""
    from alembic import command

    from tekisei.db.migrate import alembic_config, upgrade

    engine = make_engine(settings.resolved_database_url)
    config = alembic_config(engine)
    at = "'2026-01-01 00:00:00'"
    try:
        upgrade(engine, "0037")
        assert "energy_defaults" not in inspect(engine).get_table_names()
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO orgs (id, slug, name, actors, created_at, version, audit_seq, "
                    f"audit_head) VALUES (1, 'city', 'City', '[\"local\"]', {at}, 1, 0, 'x')"
                )
            )
        upgrade(engine, "0039")
        with engine.begin() as connection:
            assert connection.execute(text("SELECT count(*) FROM energy_defaults")).scalar() == 0
            connection.execute(
                text(
                    "INSERT INTO energy_defaults (org_id, published, updated_at, updated_by, "
                    f"version) VALUES (1, true, {at}, 'cli', 1)"
                )
            )
            connection.execute(text("DELETE FROM orgs"))
            assert connection.execute(text("SELECT count(*) FROM energy_defaults")).scalar() == 0
        command.downgrade(config, "0037")
        remaining = set(inspect(engine).get_table_names())
        assert "energy_defaults" not in remaining and "energy_publications" in remaining
        upgrade(engine)
        assert schema_drift(engine) == []
    finally:
        engine.dispose()


def test_literacy_rules_and_judgement_redos_come_with_0040_and_go_back(
    settings: Settings,
) -> None:
    """0040 adds the standing literacy rules, the rule of each assignment (none for those
    made before) and the redo columns of judgements; going back drops only them, keeping
    the assignments."""
    from alembic import command

    from tekisei.db.migrate import alembic_config, upgrade

    engine = make_engine(settings.resolved_database_url)
    config = alembic_config(engine)
    at = "'2026-01-01 00:00:00'"
    try:
        upgrade(engine, "0039")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO orgs (id, slug, name, actors, created_at, version, audit_seq, "
                    f"audit_head) VALUES (1, 'acme', 'Acme', '[\"local\"]', {at}, 1, 0, 'x')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO users (id, email, name, password_hash, active, created_at, "
                    f"must_change_password) VALUES (1, 'a@acme.example', 'A', 'x', true, {at}, "
                    "false)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO literacy_assignments (org_id, user_id, module_id, assigned_at, "
                    f"assigned_by, version) VALUES (1, 1, 'what-ai-is', {at}, 'cli', 1)"
                )
            )
        upgrade(engine, "0040")
        assert "literacy_rules" in inspect(engine).get_table_names()
        with engine.connect() as connection:
            assert connection.execute(text("SELECT rule_id FROM literacy_assignments")).all() == [
                (None,)
            ]
        columns = {c["name"] for c in inspect(engine).get_columns("judgements")}
        assert {"redo_of", "reconfirmed"} <= columns
        command.downgrade(config, "0039")
        assert "literacy_rules" not in inspect(engine).get_table_names()
        columns = {c["name"] for c in inspect(engine).get_columns("literacy_assignments")}
        assert "rule_id" not in columns and "module_id" in columns
        assert "redo_of" not in {c["name"] for c in inspect(engine).get_columns("judgements")}
        with engine.connect() as connection:
            assert (
                connection.execute(text("SELECT count(*) FROM literacy_assignments")).scalar() == 1
            )
        upgrade(engine)
        assert schema_drift(engine) == []
    finally:
        engine.dispose()


def test_showing_energy_sources_comes_with_0041_off_for_everyone_and_goes_back(
    settings: Settings,
) -> None:
    """0041 adds whether a system's public figures show their sources: off for every
    system switched on before (its sources were written as internal); going back drops
    only the column and keeps the switch."""
    from alembic import command

    from tekisei.db.migrate import alembic_config, upgrade

    engine = make_engine(settings.resolved_database_url)
    config = alembic_config(engine)
    at = "'2026-01-01 00:00:00'"
    try:
        upgrade(engine, "0040")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO orgs (id, slug, name, actors, created_at, version, audit_seq, "
                    f"audit_head) VALUES (1, 'city', 'City', '[\"local\"]', {at}, 1, 0, 'x')"
                )
            )
            columns = inspect(engine).get_columns("systems")
            values = {"id": "1", "org_id": "1", "name": "'窓口案内'", "created_at": at,
                      "updated_at": at, "version": "1"}  # fmt: skip
            for column in columns:
                if column["name"] not in values and not column["nullable"]:
                    json_column = "JSON" in str(column["type"]).upper()
                    values[column["name"]] = "'[]'" if json_column else "''"
            names, given = ", ".join(values), ", ".join(values.values())
            connection.execute(text(f"INSERT INTO systems ({names}) VALUES ({given})"))
            connection.execute(
                text(
                    "INSERT INTO energy_publications (system_id, org_id, published, updated_at, "
                    f"updated_by, version) VALUES (1, 1, true, {at}, 'cli', 1)"
                )
            )
        upgrade(engine, "0041")
        with engine.connect() as connection:
            row = connection.execute(
                text("SELECT published, show_sources FROM energy_publications")
            ).one()
        assert (bool(row[0]), bool(row[1])) == (True, False)
        command.downgrade(config, "0040")
        columns = {c["name"] for c in inspect(engine).get_columns("energy_publications")}
        assert "show_sources" not in columns and "published" in columns
        upgrade(engine)
        assert schema_drift(engine) == []
    finally:
        engine.dispose()


def test_the_keyed_image_watermark_comes_with_0042_keeping_32_bit_images_and_goes_back(
    settings: Settings,
) -> None:
    """0042 widens asset ids to 12 hex digits and adds each image's watermark algorithm and
    perceptual hash: images signed before keep their rows, marked with the 32-bit
    algorithm and no hash (so never offered through the watermark); going back drops the
    columns and the 12-digit rows, which the earlier column cannot hold."""
    from alembic import command

    from tekisei.db.migrate import alembic_config, upgrade

    engine = make_engine(settings.resolved_database_url)
    config = alembic_config(engine)
    at = "'2026-01-01 00:00:00'"
    try:
        upgrade(engine, "0041")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO orgs (id, slug, name, actors, created_at, version, audit_seq, "
                    f"audit_head) VALUES (1, 'city', 'City', '[\"local\"]', {at}, 1, 0, 'x')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO image_credentials (id, org_id, asset_id, generator, mime, "
                    "signed_sha256, manifest, created_by, created_at) VALUES (1, 1, "
                    f"'9f3a1c2b', 'gen', 'image/png', 'ab', '{{}}', 'cli', {at})"
                )
            )
        upgrade(engine, "0042")
        with engine.begin() as connection:
            row = connection.execute(
                text("SELECT asset_id, watermark_alg, perceptual_hash FROM image_credentials")
            ).one()
            assert tuple(row) == ("9f3a1c2b", "org.tekisei.dwtdctsvd.32", None)
            connection.execute(
                text(
                    "INSERT INTO image_credentials (id, org_id, asset_id, generator, mime, "
                    "signed_sha256, manifest, created_by, created_at, watermark_alg, "
                    f"perceptual_hash) VALUES (2, 1, '0123456789ab', 'gen', 'image/png', 'cd', "
                    f"'{{}}', 'cli', {at}, 'org.tekisei.dwtdctsvd.bch.48', '00ff00ff00ff00ff')"
                )
            )
        with pytest.raises(Exception, match=r"(?i)unique"), engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO image_credentials (id, org_id, asset_id, generator, mime, "
                    "signed_sha256, manifest, created_by, created_at) VALUES (3, 1, "
                    f"'0123456789ab', 'gen', 'image/png', 'ef', '{{}}', 'cli', {at})"
                )
            )
        command.downgrade(config, "0041")
        columns = {c["name"] for c in inspect(engine).get_columns("image_credentials")}
        assert "watermark_alg" not in columns and "perceptual_hash" not in columns
        with engine.connect() as connection:
            kept = connection.execute(text("SELECT asset_id FROM image_credentials")).all()
        assert [r[0] for r in kept] == ["9f3a1c2b"]
        upgrade(engine)
        assert schema_drift(engine) == []
    finally:
        engine.dispose()


def test_retiring_watermark_keys_comes_with_0044_and_goes_back(settings: Settings) -> None:
    """0044 adds when and by whom a watermark key was retired (empty for every key made
    before); going back drops only those columns and keeps the keys."""
    from alembic import command

    from tekisei.db.migrate import alembic_config, upgrade

    engine = make_engine(settings.resolved_database_url)
    config = alembic_config(engine)
    at = "'2026-01-01 00:00:00'"
    try:
        upgrade(engine, "0042")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO orgs (id, slug, name, actors, created_at, version, audit_seq, "
                    f"audit_head) VALUES (1, 'city', 'City', '[\"local\"]', {at}, 1, 0, 'x')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO provenance_keys (org_id, key_id, scheme, params, "
                    "tokenizer_sha256, tokenizer_name, secret_sealed, status, created_by, "
                    f"created_at) VALUES (1, 'wk-old', 'keyed-kgw-v1', '{{}}', 'ab', 'smollm2', "
                    f"'sealed', 'active', 'cli', {at})"
                )
            )
        upgrade(engine, "0044")
        with engine.connect() as connection:
            row = connection.execute(
                text("SELECT key_id, status, retired_at, retired_by FROM provenance_keys")
            ).one()
        assert tuple(row) == ("wk-old", "active", None, None)
        command.downgrade(config, "0042")
        columns = {c["name"] for c in inspect(engine).get_columns("provenance_keys")}
        assert "retired_at" not in columns and "retired_by" not in columns and "status" in columns
        upgrade(engine)
        assert schema_drift(engine) == []
    finally:
        engine.dispose()


def test_manifest_stores_come_with_0045_empty_for_images_signed_before_and_go_back(
    settings: Settings,
) -> None:
    from alembic import command

    from tekisei.db.migrate import alembic_config, upgrade

    engine = make_engine(settings.resolved_database_url)
    config = alembic_config(engine)
    at = "'2026-01-01 00:00:00'"
    try:
        upgrade(engine, "0044")
        with engine.begin() as connection:
            _insert_acme(connection, at)
            connection.execute(
                text(
                    "INSERT INTO image_credentials (id, org_id, asset_id, generator, mime, "
                    "signed_sha256, manifest, created_by, created_at) VALUES (1, 1, "
                    f"'0a0b0c0d', 'g', 'image/png', '{'0' * 64}', '{{}}', 'cli', {at})"
                )
            )
        upgrade(engine, "0045")
        with engine.begin() as connection:
            assert (
                connection.execute(
                    text("SELECT manifest_store FROM image_credentials")
                ).scalar_one()
                is None
            )
            connection.execute(
                text("UPDATE image_credentials SET manifest_store = :store"),
                {"store": b"\x00\x00\x00\x08jumb"},
            )
            stored = connection.execute(text("SELECT manifest_store FROM image_credentials"))
            assert bytes(stored.scalar_one()) == b"\x00\x00\x00\x08jumb"
        command.downgrade(config, "0044")
        columns = {c["name"] for c in inspect(engine).get_columns("image_credentials")}
        assert "manifest_store" not in columns and "asset_id" in columns
        upgrade(engine)
        assert schema_drift(engine) == []
    finally:
        engine.dispose()


def test_session_details_come_with_0047_every_existing_session_by_password_and_go_back(
    settings: Settings,
) -> None:
    """0047 adds how a web session was opened (``password`` for every existing one), when
    it was last seen, its browser and address; going back drops only those."""
    from alembic import command

    from tekisei.db.migrate import alembic_config, upgrade

    engine = make_engine(settings.resolved_database_url)
    config = alembic_config(engine)
    at = "'2026-01-01 00:00:00'"
    try:
        upgrade(engine, "0045")
        with engine.begin() as connection:
            _insert_acme(connection, at)
            connection.execute(
                text(
                    "INSERT INTO users (id, email, name, password_hash, active, created_at, "
                    f"must_change_password) VALUES (1, 'eve@acme.example', 'Eve', 'h', true, "
                    f"{at}, false)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO web_sessions (id, token_hash, user_id, org_id, csrf, "
                    f"created_at, expires_at) VALUES (1, '{'a' * 64}', 1, 1, 'c', {at}, {at})"
                )
            )
        upgrade(engine, "0047")
        with engine.begin() as connection:
            row = connection.execute(
                text("SELECT method, last_seen_at, user_agent, address FROM web_sessions")
            ).one()
            assert tuple(row) == ("password", None, None, None)
            connection.execute(
                text(
                    "INSERT INTO web_sessions (id, token_hash, user_id, org_id, csrf, "
                    f"created_at, expires_at) VALUES (2, '{'b' * 64}', 1, 1, 'c', {at}, {at})"
                )
            )
            methods = connection.execute(text("SELECT method FROM web_sessions")).scalars()
            assert list(methods) == ["password", "password"]
        indexes = {i["name"] for i in inspect(engine).get_indexes("web_sessions")}
        assert "ix_web_sessions_expires_at" in indexes
        command.downgrade(config, "0045")
        columns = {c["name"] for c in inspect(engine).get_columns("web_sessions")}
        assert not {"method", "last_seen_at", "user_agent", "address"} & columns
        assert "csrf" in columns
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM web_sessions")).scalar() == 2
        upgrade(engine)
        assert schema_drift(engine) == []
    finally:
        engine.dispose()


def test_two_step_sign_in_comes_with_0048_leaving_sessions_signed_in_and_goes_back(
    settings: Settings,
) -> None:
    """0048 adds the tables of two-step sign-in and marks no existing session as waiting
    for a second factor; going back drops them and keeps the sessions."""
    from alembic import command

    from tekisei.db.migrate import alembic_config, upgrade

    engine = make_engine(settings.resolved_database_url)
    config = alembic_config(engine)
    at = "'2026-01-01 00:00:00'"
    try:
        upgrade(engine, "0047")
        with engine.begin() as connection:
            for statement in (
                "INSERT INTO orgs (id, slug, name, actors, created_at, version, audit_seq, "
                f"audit_head) VALUES (1, 'acme', 'Acme', '[\"business\"]', {at}, 1, 0, 'x')",
                "INSERT INTO users (id, email, name, password_hash, active, created_at, "
                f"must_change_password) VALUES (1, 'a@acme.example', 'A', 'x', true, {at}, "
                "false)",
                "INSERT INTO web_sessions (id, token_hash, user_id, org_id, csrf, created_at, "
                f"expires_at) VALUES (1, '{'a' * 64}', 1, 1, 'c', {at}, {at})",
            ):
                connection.execute(text(statement))
        upgrade(engine, "0048")
        with engine.begin() as connection:
            pending = connection.execute(text("SELECT second_factor_pending FROM web_sessions"))
            assert pending.scalar_one() in (False, 0)
            for statement in (
                "INSERT INTO mfa_totp (user_id, secret_sealed, created_at) "
                f"VALUES (1, 'sealed', {at})",
                "INSERT INTO mfa_recovery_codes (user_id, code_hash, created_at) "
                f"VALUES (1, '{'b' * 64}', {at})",
                "INSERT INTO mfa_policies (org_id, enabled, roles, updated_at, updated_by) "
                f"VALUES (1, true, '[\"admin\"]', {at}, 'cli')",
                f"INSERT INTO mfa_failures (user_id, at) VALUES (1, {at})",
            ):
                connection.execute(text(statement))
        command.downgrade(config, "0047")
        tables = set(inspect(engine).get_table_names())
        assert not {"mfa_totp", "mfa_recovery_codes", "mfa_policies", "mfa_failures"} & tables
        columns = {c["name"] for c in inspect(engine).get_columns("web_sessions")}
        assert "second_factor_pending" not in columns
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM web_sessions")).scalar() == 1
        upgrade(engine)
        assert schema_drift(engine) == []
    finally:
        engine.dispose()


def test_manifest_labels_come_with_0046_filled_from_the_stored_manifests_and_go_back(
    settings: Settings,
) -> None:
    from alembic import command

    from tekisei.db.migrate import alembic_config, upgrade

    engine = make_engine(settings.resolved_database_url)
    config = alembic_config(engine)
    at = "'2026-01-01 00:00:00'"
    try:
        upgrade(engine, "0045")
        with engine.begin() as connection:
            _insert_acme(connection, at)
            for row_id, asset, manifest in (
                (1, "0a0b0c0d0e0f", '{"label": "urn:c2pa:11111111-2222-4333-8444-555555555555"}'),
                (2, "0a0b0c0d", "{}"),
            ):
                connection.execute(
                    text(
                        "INSERT INTO image_credentials (id, org_id, asset_id, generator, mime, "
                        "signed_sha256, manifest, created_by, created_at) VALUES (:id, 1, "
                        f":asset, 'g', 'image/png', '{'0' * 64}', :manifest, 'cli', {at})"
                    ),
                    {"id": row_id, "asset": asset, "manifest": manifest},
                )
        upgrade(engine, "0046")
        with engine.begin() as connection:
            labels = dict(
                connection.execute(text("SELECT id, manifest_label FROM image_credentials")).all()
            )
        assert labels == {1: "urn:c2pa:11111111-2222-4333-8444-555555555555", 2: None}
        command.downgrade(config, "0045")
        columns = {c["name"] for c in inspect(engine).get_columns("image_credentials")}
        assert "manifest_label" not in columns and "asset_id" in columns
        upgrade(engine)
        assert schema_drift(engine) == []
    finally:
        engine.dispose()


def test_scim_tables_come_with_0049_empty_and_go_back(settings: Settings) -> None:
    """0049 adds SCIM tokens, provisioned users and role groups beside the existing
    accounts (no column of orgs, users or memberships changes); going back drops only
    those tables and keeps the accounts."""
    from alembic import command

    from tekisei.db.migrate import alembic_config, upgrade

    engine = make_engine(settings.resolved_database_url)
    config = alembic_config(engine)
    at = "'2026-01-01 00:00:00'"
    try:
        upgrade(engine, "0045")
        with engine.begin() as connection:
            _insert_acme(connection, at)
            connection.execute(
                text(
                    "INSERT INTO users (id, email, name, password_hash, active, created_at, "
                    f"must_change_password) VALUES (1, 'a@acme.example', 'A', 'h', true, {at}, "
                    "false)"
                )
            )
        upgrade(engine, "0049")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO scim_tokens (org_id, name, prefix, token_hash, created_by, "
                    f"created_at) VALUES (1, 'entra-id', 'tkscim_abc', '{'0' * 64}', 'cli', {at})"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO scim_users (org_id, user_id, active, emails, created_at, "
                    f"updated_at) VALUES (1, 1, true, '[]', {at}, {at})"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO scim_groups (id, org_id, display_name, role, created_at, "
                    f"updated_at) VALUES (1, 1, 'tekisei-editor', 'editor', {at}, {at})"
                )
            )
            connection.execute(
                text("INSERT INTO scim_group_members (group_id, user_id) VALUES (1, 1)")
            )
            assert connection.execute(text("SELECT count(*) FROM scim_users")).scalar_one() == 1
        command.downgrade(config, "0048")
        tables = set(inspect(engine).get_table_names())
        assert not {t for t in tables if t.startswith("scim_")} and "users" in tables
        with engine.connect() as connection:
            assert connection.execute(text("SELECT email FROM users")).scalar_one() == (
                "a@acme.example"
            )
        upgrade(engine)
        assert schema_drift(engine) == []
    finally:
        engine.dispose()


def test_single_sign_on_tables_come_with_0050_go_with_their_organisation_and_go_back(
    settings: Settings,
) -> None:
    """0050 adds each organisation's OpenID provider, the sign-ins under way and the
    sessions opened through it; a provider goes with its organisation (and its sign-ins
    with it); going back drops only them."""
    from alembic import command

    from tekisei.db.migrate import alembic_config, upgrade

    engine = make_engine(settings.resolved_database_url)
    config = alembic_config(engine)
    at = "'2026-01-01 00:00:00'"
    try:
        upgrade(engine, "0045")
        assert "oidc_providers" not in inspect(engine).get_table_names()
        with engine.begin() as connection:
            _insert_acme(connection, at)
        upgrade(engine, "0050")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO oidc_providers (id, org_id, name, issuer, client_id, "
                    "client_secret_sealed, allowed_domains, role_claim, role_map, default_role, "
                    "jit, passwords_disabled, enabled, created_at, updated_at) VALUES (1, 1, "
                    "'Acme ID', 'https://id.acme.example', 'c', 'sealed', '[\"acme.example\"]', "
                    f"'groups', '{{}}', 'viewer', false, false, true, {at}, {at})"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO oidc_logins (state_hash, provider_id, nonce, code_verifier, "
                    f"redirect_uri, next_url, created_at, expires_at) VALUES ('{'0' * 64}', 1, "
                    f"'n', 'v', 'https://t.example/signin/sso/callback', '/systems', {at}, {at})"
                )
            )
            connection.execute(text("DELETE FROM orgs"))
            for table in ("oidc_providers", "oidc_logins"):
                assert connection.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0
        command.downgrade(config, "0049")
        remaining = set(inspect(engine).get_table_names())
        assert not {"oidc_providers", "oidc_logins", "oidc_sessions"} & remaining
        assert "web_sessions" in remaining
        upgrade(engine)
        assert schema_drift(engine) == []
    finally:
        engine.dispose()


def test_scim_users_deactivated_before_0052_keep_their_row_and_remember_no_role(
    settings: Settings,
) -> None:
    """0052 adds the role remembered at deactivation; a member deactivated before it has
    none (they come back with their groups' role, as before); going back drops only the
    column."""
    from alembic import command

    from tekisei.db.migrate import alembic_config, upgrade

    engine = make_engine(settings.resolved_database_url)
    config = alembic_config(engine)
    at = "'2026-01-01 00:00:00'"
    try:
        upgrade(engine, "0050")
        with engine.begin() as connection:
            _insert_acme(connection, at)
            connection.execute(
                text(
                    "INSERT INTO users (id, email, name, password_hash, active, created_at, "
                    f"must_change_password) VALUES (1, 'leaver@acme.example', 'Leaver', "
                    f"'!scim-provisioned', true, {at}, false)"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO scim_users (id, org_id, user_id, external_id, active, emails, "
                    f"created_at, updated_at) VALUES (1, 1, 1, 'ext-1', false, '[]', {at}, {at})"
                )
            )
        upgrade(engine, "0052")
        rows = "SELECT external_id, active, deactivated_role FROM scim_users"
        with engine.connect() as connection:
            assert [tuple(r) for r in connection.execute(text(rows))] == [("ext-1", False, None)]
        command.downgrade(config, "0050")
        columns = {c["name"] for c in inspect(engine).get_columns("scim_users")}
        assert "deactivated_role" not in columns and "external_id" in columns
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM scim_users")).scalar() == 1
        upgrade(engine)
        assert schema_drift(engine) == []
    finally:
        engine.dispose()


def test_passkey_tables_come_with_0051_go_with_their_account_and_go_back(
    settings: Settings,
) -> None:
    """0051 adds passkeys and their ceremonies' challenges; both go with their account,
    and going back drops only them."""
    from alembic import command

    from tekisei.db.migrate import alembic_config, upgrade

    engine = make_engine(settings.resolved_database_url)
    config = alembic_config(engine)
    at = "'2026-01-01 00:00:00'"
    try:
        upgrade(engine, "0050")
        assert "webauthn_credentials" not in inspect(engine).get_table_names()
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO users (id, email, name, password_hash, active, created_at, "
                    f"must_change_password) VALUES (1, 'a@acme.example', 'A', 'h', true, {at}, "
                    "false)"
                )
            )
        upgrade(engine, "0051")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO webauthn_credentials (user_id, credential_id, public_key, "
                    "sign_count, transports, name, created_at) VALUES (1, :cid, :key, 0, "
                    f"'[\"usb\"]', 'blue key', {at})"
                ),
                {"cid": b"\x01\x02", "key": b"\xa5"},
            )
            connection.execute(
                text(
                    "INSERT INTO webauthn_challenges (user_id, session_hash, purpose, "
                    f"challenge, expires_at) VALUES (1, '{'0' * 64}', 'register', :c, {at})"
                ),
                {"c": b"\x00" * 32},
            )
            connection.execute(text("DELETE FROM users"))
            for table in ("webauthn_credentials", "webauthn_challenges"):
                assert connection.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0
        command.downgrade(config, "0050")
        remaining = set(inspect(engine).get_table_names())
        assert not {"webauthn_credentials", "webauthn_challenges"} & remaining
        assert "mfa_totp" in remaining
        upgrade(engine)
        assert schema_drift(engine) == []
    finally:
        engine.dispose()


def test_ids_in_the_audit_log_are_never_reused_after_0053_and_the_rows_stay(
    settings: Settings,
) -> None:
    """0053 rebuilds the tables whose deleted rows' ids the audit log keeps with
    AUTOINCREMENT on SQLite (their rows, and the rows referring to them, stay; the next
    session after the newest one ended gets a larger id); on PostgreSQL it changes
    nothing. Going back rebuilds them without it, rows kept."""
    from alembic import command

    from tekisei.db.migrate import alembic_config, upgrade
    from tekisei.db.orgs import UserRow
    from tekisei.services import users

    tables = ("web_sessions", "energy_records", "literacy_assignments", "oidc_providers",
              "scim_groups")  # fmt: skip
    engine = make_engine(settings.resolved_database_url)
    sqlite = engine.dialect.name == "sqlite"
    at = "'2026-01-01 00:00:00'"
    far = "'2999-01-01 00:00:00'"

    def autoincrement() -> set[str]:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT name, sql FROM sqlite_master WHERE type = 'table'")
            ).all()
        return {name for name, sql in rows if name in tables and "AUTOINCREMENT" in sql}

    def kept() -> None:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT id FROM web_sessions")).scalars().all() == [3]
            assert connection.execute(text("SELECT count(*) FROM oidc_sessions")).scalar() == 1
            assert connection.execute(text("SELECT id FROM scim_groups")).scalar() == 2
            members = connection.execute(text("SELECT count(*) FROM scim_group_members"))
            assert members.scalar() == 1

    try:
        upgrade(engine, "0050")
        with engine.begin() as connection:
            for statement in (
                "INSERT INTO orgs (id, slug, name, actors, created_at, version, audit_seq, "
                f"audit_head) VALUES (1, 'acme', 'Acme', '[\"business\"]', {at}, 1, 0, 'x')",
                "INSERT INTO users (id, email, name, password_hash, active, created_at, "
                f"must_change_password) VALUES (1, 'a@acme.example', 'A', 'x', true, {at}, "
                "false)",
                "INSERT INTO memberships (org_id, user_id, role, created_at) "
                f"VALUES (1, 1, 'admin', {at})",
                "INSERT INTO web_sessions (id, token_hash, user_id, org_id, csrf, created_at, "
                f"expires_at) VALUES (3, '{'a' * 64}', 1, 1, 'c', {at}, {far})",
                "INSERT INTO oidc_providers (id, org_id, name, issuer, client_id, "
                "client_secret_sealed, allowed_domains, role_claim, role_map, default_role, "
                "jit, passwords_disabled, enabled, created_at, updated_at) VALUES (1, 1, "
                "'Acme ID', 'https://id.acme.example', 'c', 'sealed', '[\"acme.example\"]', "
                f"'groups', '{{}}', 'viewer', false, false, true, {at}, {at})",
                "INSERT INTO oidc_sessions (web_session_id, provider_id, id_token) "
                "VALUES (3, 1, 't')",
                "INSERT INTO scim_groups (id, org_id, display_name, role, created_at, "
                f"updated_at) VALUES (2, 1, 'tekisei-editor', 'editor', {at}, {at})",
                "INSERT INTO scim_group_members (group_id, user_id) VALUES (2, 1)",
            ):
                connection.execute(text(statement))
        if sqlite:
            assert autoincrement() == set()
        upgrade(engine, "0053")
        kept()
        if sqlite:
            assert autoincrement() == set(tables)
            with engine.connect() as connection:
                sequence = connection.execute(
                    text("SELECT seq FROM sqlite_sequence WHERE name = 'web_sessions'")
                )
                assert sequence.scalar() == 3
        command.downgrade(alembic_config(engine), "0050")
        kept()
        if sqlite:
            assert autoincrement() == set()
        upgrade(engine)
        assert schema_drift(engine) == []
    finally:
        engine.dispose()
    database = open_database(settings)
    try:
        with database.transaction() as session:
            session.execute(text("DELETE FROM oidc_sessions"))
            session.execute(text("DELETE FROM web_sessions"))
            user = session.get(UserRow, 1)
            assert user is not None
            users.start_session(session, user, "acme")
        with database.reading() as session:
            opened = session.execute(text("SELECT id FROM web_sessions")).scalar_one()
        if sqlite:  # rows inserted with explicit ids above do not move PostgreSQL's sequence
            assert opened > 3
    finally:
        database.close()
