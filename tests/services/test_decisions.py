"""Decision records (3(4)), on both databases: CSV import in every encoding a case system
writes, all rows or none, idempotent on (system, case reference), hostile files, roles
and isolation, statistics, retention and the published statistics."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import select

from tekisei.core.decisions import DecisionSettings, Outcome
from tekisei.core.orgs import OrgActor, OrgCreate, Principal, Role
from tekisei.core.registers import EntryChoice
from tekisei.core.systems import SystemFacts
from tekisei.db.audit import AuditEventRow
from tekisei.db.decisions import DecisionRow
from tekisei.errors import FileLimitError, InvalidInputError, NotFoundError, PermissionDeniedError
from tekisei.services import decisions, orgs, registers, systems, users
from tekisei.services.database import Database
from tekisei.services.decision_imports import DecisionImport, import_decisions, template

PASSWORD = "correct horse battery"
MakeMember = Callable[..., Principal]
HEADER = "案件番号,決定日,決定内容,根拠,AIの関与,AIの提案,審査結果,審査・決定者"


@pytest.fixture
def admin(loaded_db: Database) -> Principal:
    with loaded_db.transaction() as session:
        for slug in ("acme", "other"):
            orgs.create_org(
                session, OrgCreate(name=slug.title(), slug=slug, actors=[OrgActor.LOCAL]), "cli"
            )
        return orgs.cli_principal(session, "acme")


@pytest.fixture
def member(loaded_db: Database, admin: Principal) -> MakeMember:
    def make(email: str, role: Role, org: str = "acme") -> Principal:
        with loaded_db.transaction() as session:
            users.create_user(
                session, users.UserCreate(email=email, password=PASSWORD), org, role,
                actor="cli", must_change_password=False,
            )  # fmt: skip
            return users.principal_for(session, email, org)

    return make


def system(database: Database, principal: Principal, name: str = "児童手当審査支援") -> int:
    data = {"name": name, "org_role": "user", "purpose": "申請の審査を補助する。",
            "deployment": "internal", "affected": ["public"],
            "data_categories": ["personal"]}  # fmt: skip
    with database.transaction() as session:
        return systems.register_system(session, principal, SystemFacts.model_validate(data)).id


def csv(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join((header, *rows)) + "\n").encode("utf-8")


def run(
    database: Database, principal: Principal, system_id: int, data: bytes, dry_run: bool = False
) -> DecisionImport:
    with database.transaction() as session:
        return import_decisions(session, principal, system_id, data, "cases.csv", dry_run=dry_run)


ROW = "R7-{n},2026-0{m}-1{d},支給決定,児童手当法第7条,決定案の提示,支給,{o},山田 花子"


def test_a_shift_jis_file_imports_and_reimporting_updates_never_duplicates(
    loaded_db: Database, admin: Principal
) -> None:
    system_id = system(loaded_db, admin)
    first = run(loaded_db, admin, system_id,
                csv(ROW.format(n=1, m=4, d=1, o="採用"), ROW.format(n=2, m=4, d=2, o="修正"))
                .decode().encode("cp932"))  # fmt: skip
    assert (first.applied, first.created, first.errors) == (True, 2, [])
    again = run(loaded_db, admin, system_id,
                b"\xef\xbb\xbf" + csv(ROW.format(n=1, m=4, d=1, o="採用"),
                                      ROW.format(n=2, m=4, d=2, o="overridden")))  # fmt: skip
    assert (again.created, again.updated, again.unchanged) == (0, 1, 1)
    with loaded_db.reading() as session:
        rows = decisions.list_decisions(session, admin, system_id)
    assert sorted((r.case_ref, r.outcome) for r in rows) == [
        ("R7-1", Outcome.KEPT),
        ("R7-2", Outcome.OVERRIDDEN),
    ]
    assert rows[0].decision == "支給決定" and rows[0].reviewer_name == "山田 花子"


def test_english_headers_codes_and_a_member_as_reviewer_are_read(
    loaded_db: Database, admin: Principal, member: MakeMember
) -> None:
    member("reviewer@acme.example", Role.EDITOR)
    system_id = system(loaded_db, admin)
    data = csv(
        "A-1,2026/5/3,granted,,proposal,grant,kept,Reviewer@acme.example",
        header=",".join(["Case reference", "Decided on", "Decision", "Grounds",
                         "AI contribution", "AI suggestion", "Outcome", "Reviewer"]),
    )  # fmt: skip
    assert run(loaded_db, admin, system_id, data).created == 1
    with loaded_db.reading() as session:
        (view,) = decisions.list_decisions(session, admin, system_id)
    assert view.decided_on == date(2026, 5, 3) and view.reviewer_id is not None
    assert view.reviewer_name == "reviewer@acme.example"
    viewer = member("viewer@acme.example", Role.VIEWER)
    with loaded_db.reading() as session:
        (seen,) = decisions.list_decisions(session, viewer, system_id)
    assert "@" not in seen.reviewer_name and "@" not in seen.updated_by


def test_one_bad_row_writes_nothing_and_names_row_and_column_in_both_languages(
    loaded_db: Database, admin: Principal
) -> None:
    system_id = system(loaded_db, admin)
    data = csv(
        ROW.format(n=1, m=4, d=1, o="採用"),
        "R7-2,2026-02-30,支給,,決定案の提示,,採用,山田",
        'R7-3,2026-04-01,=HYPERLINK("http://evil"),,決定案の提示,,採用,山田',
        "R7-4,2026-04-01,支給,,占い,,たぶん,山田",
        ROW.format(n=1, m=4, d=2, o="採用"),
        "R7-6,2026-04-01,,,決定案の提示,,採用,",
        "R7-7,2026-04-01," + "長" * 2001 + ",,決定案の提示,,採用,山田",
    )
    result = run(loaded_db, admin, system_id, data)
    assert not result.applied and result.created == 0
    found = {(p.row, p.column) for p in result.errors}
    assert {(3, "決定日"), (4, "決定内容"), (5, "AIの関与"), (5, "審査結果"), (6, "案件番号"),
            (7, "決定内容"), (7, "審査・決定者"), (8, "決定内容")} <= found  # fmt: skip
    assert all(p.message and p.message_ja for p in result.errors)
    assert any("6行目" not in p.message_ja and "2 行目" in p.message_ja for p in result.errors)
    with loaded_db.reading() as session:
        assert session.scalars(select(DecisionRow)).all() == []


def test_a_dry_run_counts_and_writes_nothing(loaded_db: Database, admin: Principal) -> None:
    system_id = system(loaded_db, admin)
    result = run(loaded_db, admin, system_id, csv(ROW.format(n=1, m=4, d=1, o="採用")), True)
    assert (result.applied, result.created) == (False, 1)
    with loaded_db.reading() as session:
        assert decisions.list_decisions(session, admin, system_id) == []


@pytest.mark.parametrize(
    "data",
    [
        "案件番号,決定日\n1,2026-01-01\n".encode("utf-16"),
        b"\x89PNG\r\n\x1a\n" + b"\x00" * 20,
        b"\x82\xa0\xff\xfe\xfd,\x80\x81\n\xfc\xfc,1\n",
        b"",
    ],
    ids=["utf-16", "png", "not-text", "empty"],
)
def test_files_that_are_not_csv_text_are_refused_with_what_to_do(
    loaded_db: Database, admin: Principal, data: bytes
) -> None:
    system_id = system(loaded_db, admin)
    with pytest.raises(InvalidInputError) as raised:
        run(loaded_db, admin, system_id, data)
    assert raised.value.message_ja


def test_a_file_over_the_row_limit_is_refused_before_any_row_is_written(
    loaded_db: Database, admin: Principal
) -> None:
    system_id = system(loaded_db, admin)
    rows = (f"C{n},2026-04-01,支給,,check,,kept,山田" for n in range(100_001))
    with pytest.raises(FileLimitError) as raised:
        run(loaded_db, admin, system_id, csv(*rows))
    assert "50,000" in str(raised.value)
    with loaded_db.reading() as session:
        assert session.scalars(select(DecisionRow)).all() == []


def test_a_header_without_the_required_columns_is_reported(
    loaded_db: Database, admin: Principal
) -> None:
    system_id = system(loaded_db, admin)
    result = run(loaded_db, admin, system_id, csv("1,2", header="案件番号,メモ"))
    assert len(result.errors) == 1 and "決定日" in result.errors[0].message_ja


def test_another_organisations_system_and_testers_are_not_found_and_viewers_may_not_import(
    loaded_db: Database, admin: Principal, member: MakeMember
) -> None:
    other_admin = member("boss@other.example", Role.ADMIN, "other")
    theirs = system(loaded_db, other_admin, "他の組織のシステム")
    mine = system(loaded_db, admin)
    data = csv(ROW.format(n=1, m=4, d=1, o="採用"))
    with pytest.raises(NotFoundError):
        run(loaded_db, admin, theirs, data)
    tester = member("tester@acme.example", Role.EXTERNAL_TESTER)
    with pytest.raises(NotFoundError), loaded_db.reading() as session:
        decisions.list_decisions(session, tester, mine)
    with pytest.raises(NotFoundError), loaded_db.reading() as session:
        decisions.decision_stats(session, tester, mine)
    with pytest.raises(PermissionDeniedError):
        run(loaded_db, member("viewer@acme.example", Role.VIEWER), mine, data)
    with pytest.raises(NotFoundError), loaded_db.transaction() as session:
        decisions.update_settings(session, admin, DecisionSettings(published=[theirs]), 0)


def test_statistics_count_the_shares_kept_changed_and_overridden_by_month(
    loaded_db: Database, admin: Principal
) -> None:
    system_id = system(loaded_db, admin)
    other_id = system(loaded_db, admin, "別のシステム")
    run(loaded_db, admin, system_id, csv(
        ROW.format(n=1, m=4, d=1, o="採用"), ROW.format(n=2, m=4, d=2, o="採用"),
        ROW.format(n=3, m=4, d=3, o="修正"), ROW.format(n=4, m=5, d=1, o="不採用"),
        ROW.format(n=5, m=6, d=1, o="採用"),
    ))  # fmt: skip
    run(loaded_db, admin, other_id, csv(ROW.format(n=1, m=4, d=1, o="不採用")))
    with loaded_db.reading() as session:
        stats = decisions.decision_stats(
            session, admin, system_id, date(2026, 4, 1), date(2026, 5, 31)
        )
        with pytest.raises(InvalidInputError):
            decisions.decision_stats(session, admin, system_id, date(2026, 5, 1), date(2026, 4, 1))
    assert (stats.total.count, stats.total.kept, stats.total.changed) == (4, 2, 1)
    assert stats.total.overridden_share == 0.25
    assert [(m.month, m.count, m.kept_share) for m in stats.months] == [
        ("2026-04", 3, 0.667),
        ("2026-05", 1, 0.0),
    ]


def test_purge_deletes_records_past_the_retention_and_is_audited(
    loaded_db: Database, admin: Principal, member: MakeMember
) -> None:
    system_id = system(loaded_db, admin)
    with loaded_db.transaction() as session:
        decisions.update_settings(session, admin, DecisionSettings(retention_days=3650), 0)
    imported = run(loaded_db, admin, system_id, csv(
        "old,2020-01-01,支給,,check,,kept,山田", "new,2026-01-01,支給,,check,,kept,山田",
    ))  # fmt: skip
    assert imported.created == 2, imported.errors
    with loaded_db.transaction() as session:
        decisions.update_settings(session, admin, DecisionSettings(retention_days=365), 1)
    editor = member("ed@acme.example", Role.EDITOR)
    with pytest.raises(PermissionDeniedError), loaded_db.transaction() as session:
        decisions.purge(session, editor, date(2026, 6, 1))
    with loaded_db.transaction() as session:
        assert decisions.purge(session, admin, date(2026, 6, 1)) == 1
        assert decisions.purge(session, admin, date(2026, 6, 1)) == 0
    with loaded_db.reading() as session:
        assert [r.case_ref for r in decisions.list_decisions(session, admin, system_id)] == ["new"]
        actions = session.scalars(select(AuditEventRow.action)).all()
    assert {"decision.import", "decision.settings", "decision.purge"} <= set(actions)


def test_public_statistics_cover_only_published_listed_systems_and_name_no_case(
    loaded_db: Database, admin: Principal
) -> None:
    shown = system(loaded_db, admin)
    hidden = system(loaded_db, admin, "非公開のシステム")
    unlisted = system(loaded_db, admin, "登録簿に載せないシステム")
    for system_id in (shown, hidden, unlisted):
        run(loaded_db, admin, system_id, csv(ROW.format(n=9, m=4, d=1, o="修正")))
    with loaded_db.reading() as session:
        assert decisions.public_stats(session, admin.org_id) == []
    with loaded_db.transaction() as session:
        settings = DecisionSettings(published=[shown, unlisted])
        decisions.update_settings(session, admin, settings, 0)
        for listed in (shown, hidden):
            registers.list_system(session, admin, listed, EntryChoice())
    # The register is not published yet: nothing is public, as if there were nothing.
    with loaded_db.reading() as session, pytest.raises(NotFoundError):
        decisions.public_stats_of(session, "acme")
    with loaded_db.transaction() as session:
        registers.publish_register(session, admin)
    with loaded_db.reading() as session:
        (stats,) = decisions.public_stats_of(session, "acme")
        with pytest.raises(NotFoundError):
            decisions.public_stats_of(session, "nobody")
        found = decisions.published_decisions(session, admin.org_id, [shown, hidden])
    assert stats.system_id == shown and stats.total.changed == 1
    assert "R7" not in stats.model_dump_json() and "山田" not in stats.model_dump_json()
    assert set(found) == {shown} and found[shown].records is None  # records not opted in
    with loaded_db.transaction() as session:
        settings = DecisionSettings(published=[shown], publish_records=True)
        decisions.update_settings(session, admin, settings, 1)
    with loaded_db.reading() as session:
        found = decisions.published_decisions(session, admin.org_id, [shown, hidden])
    records = found[shown].records
    assert records is not None and len(records) == 1
    assert records[0].model_dump(mode="json") == {
        "month": "2026-04", "contribution": "proposal", "outcome": "changed", "changed": True,
    }  # fmt: skip


def test_the_template_has_the_documented_header_and_imports_as_is(
    loaded_db: Database, admin: Principal
) -> None:
    system_id = system(loaded_db, admin)
    assert template("ja").decode("utf-8-sig").splitlines()[0] == HEADER
    assert run(loaded_db, admin, system_id, template("ja")).created == 1
    assert run(loaded_db, admin, system_id, template("en")).updated == 1


def test_hostile_rows_are_reported_and_nothing_is_written(
    loaded_db: Database, admin: Principal
) -> None:
    system_id = system(loaded_db, admin)
    today = date.today()
    future = today.replace(year=today.year + 1).isoformat()
    cases = {
        # the same column twice: one of the two would be dropped without a word
        "twice": csv("R7-1,2026-04-01,支給,,check,,kept,山田,R7-9",
                     header=HEADER + ",案件番号"),
        "future": csv(f"R7-1,{future},支給,,check,,kept,山田"),
        "before retention": csv("R7-1,1900-01-01,支給,,check,,kept,山田"),
        # nothing visible: zero-width spaces and a direction override only
        "invisible reviewer": csv("R7-1,2026-04-01,支給,,check,,kept,\u200b\u200b"),
        "override only": csv("R7-1,2026-04-01,\u202e,,check,,kept,山田"),
        # a formula behind an invisible character
        "hidden formula": csv("R7-1,2026-04-01,\u200b=HYPERLINK(\"x\"),,check,,kept,山田"),
    }  # fmt: skip
    for name, data in cases.items():
        found = run(loaded_db, admin, system_id, data)
        assert found.errors and not found.applied, name
        for problem in found.errors:
            assert problem.message and problem.message_ja, (name, problem)
    with loaded_db.reading() as session:
        assert decisions.list_decisions(session, admin, system_id) == []
    # bidirectional controls inside a value are removed, the rest is kept
    run(loaded_db, admin, system_id, csv("R7-2,2026-04-01,支給\u202eの決定,,check,,kept,山田"))
    with loaded_db.reading() as session:
        [row] = decisions.list_decisions(session, admin, system_id)
    assert row.decision == "支給の決定"
