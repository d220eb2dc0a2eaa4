"""The public governance statement (2(1), 3(4)), on both databases: put together from the
responsible person, the public policies in force and the published notices (nothing
internal, nothing unpublished), published by administrators only as immutable versions,
refused when unchanged or changed since the preview, taken down with a tombstone, open to
sections other parts register, and evidence for 2(1) and 3(4) where they apply."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tekisei.core.catalog import Localized
from tekisei.core.haip_reports import HaipReportFields, SectionText
from tekisei.core.orgs import OrgActor, OrgCreate, Principal, Role
from tekisei.core.policies import Audience, PolicyKind, PolicyTerms, PolicyText
from tekisei.core.statements import StatementSection
from tekisei.core.systems import SystemFacts
from tekisei.db.orgs import OrgRow
from tekisei.db.statements import StatementVersionRow
from tekisei.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from tekisei.services import (
    assessments,
    haip_approvals,
    haip_reports,
    notices,
    orgs,
    policies,
    policy_approvals,
    public_statements,
    statements,
    systems,
    users,
)
from tekisei.services.database import Database
from tekisei.services.public_statements import PublicStatement, StatementWithdrawal

PASSWORD = "correct horse battery"
MakeMember = Callable[..., Principal]
TODAY = date(2026, 12, 2)


@pytest.fixture
def admin(loaded_db: Database) -> Principal:
    with loaded_db.transaction() as session:
        orgs.create_org(
            session,
            OrgCreate(
                name="Acme 株式会社",
                slug="acme",
                actors=[OrgActor.BUSINESS],
                responsible_person="佐藤 一郎",
                responsible_title="AI統括責任者",
            ),
            "cli",
        )
        orgs.create_org(
            session, OrgCreate(name="Other", slug="other", actors=[OrgActor.BUSINESS]), "cli"
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


@pytest.fixture
def executive(member: MakeMember) -> Principal:
    return member("ceo@acme.example", Role.EXECUTIVE)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, object]:
    return {"files_dir": tmp_path / "files", "max_bytes": 1024 * 1024}


@pytest.fixture
def section() -> Iterator[list[str]]:
    """A section provider registered for the test, beside the HAIP report's (which plugs
    in the same way)."""
    seen: list[str] = []

    def latest_report(session: Session, org: OrgRow) -> StatementSection | None:
        seen.append(org.slug)
        if org.slug != "acme":
            return None
        return StatementSection(
            key="example",
            heading=Localized(ja="HAIP報告書", en="HAIP report"),
            title="2026年度 HAIP報告 <script>",
            detail="2026-04-01 – 2027-03-31",
            published_at=datetime(2026, 11, 1, tzinfo=UTC),
            path="/reports/haip/abc123",
        )

    statements.register_section("example", latest_report)
    yield seen
    statements.unregister_section("example")


def policy(
    database: Database,
    admin: Principal,
    executive: Principal,
    kind: PolicyKind,
    *,
    audience: Audience = Audience.PUBLIC,
    title: str = "方針",
    publish: bool = True,
    effective_on: date = date(2020, 1, 1),
) -> int:
    with database.transaction() as session:
        row = policies.create_policy(session, admin, kind)
        content = policies.content_of(row)
        policies.save_draft(
            session,
            admin,
            row.id,
            {"ja": PolicyText(title=title, body="## 1. 目的\n本文"), "en": content.en},
            PolicyTerms(items=list(row.items), audience=audience, effective_on=effective_on),
            1,
        )
        policy_approvals.request_approval(session, admin, row.id, 2)
        made = policy_approvals.decide_approval(
            session, executive, row.id, approve=True, reason="可", version=2
        )
        assert made is not None
        if publish:
            policies.publish_version(session, admin, row.id, made.number)
        return row.id


def notice(
    database: Database, admin: Principal, name: str, files: dict[str, object], *, publish: bool
) -> int:
    with database.transaction() as session:
        system_id = systems.register_system(
            session,
            admin,
            SystemFacts.model_validate(
                {"name": name, "org_role": "provider", "purpose": "質問に答える。",
                 "contact_window": "support@acme.example"}
            ),
        ).id  # fmt: skip
        row = notices.draft_notice(session, admin, system_id)
        if publish:
            notices.publish_notice(session, admin, system_id, row.version, **files)  # type: ignore[arg-type]
        return system_id


def preview(database: Database, principal: Principal) -> statements.StatementView:
    with database.reading() as session:
        return statements.preview(session, principal)


def publish(database: Database, principal: Principal, digest: str | None = None) -> int:
    with database.transaction() as session:
        return statements.publish_statement(session, principal, digest).number


def test_the_statement_holds_only_what_is_public_published_and_in_force(
    loaded_db: Database, admin: Principal, executive: Principal, files: dict[str, object]
) -> None:
    basic = policy(loaded_db, admin, executive, PolicyKind.BASIC, title="AI基本方針")
    data = policy(loaded_db, admin, executive, PolicyKind.DATA, title="データ取扱方針")
    policy(loaded_db, admin, executive, PolicyKind.ACCEPTABLE_USE, audience=Audience.INTERNAL,
           title="社内だけの利用規程")  # fmt: skip
    policy(loaded_db, admin, executive, PolicyKind.PROCUREMENT, publish=False, title="未公開の方針")
    policy(loaded_db, admin, executive, PolicyKind.INCIDENT_RESPONSE, title="来年の方針",
           effective_on=date(2099, 1, 1))  # fmt: skip
    notice(loaded_db, admin, "公開中のチャットボット", files, publish=True)
    notice(loaded_db, admin, "下書きだけのシステム", files, publish=False)
    taken = notice(loaded_db, admin, "取り下げたシステム", files, publish=True)
    with loaded_db.transaction() as session:
        notices.unpublish_notice(session, admin, taken, "終了")
    content = preview(loaded_db, admin).content
    assert content.organisation == "Acme 株式会社" and content.slug == "acme"
    assert content.responsible is not None
    assert (content.responsible.title, content.responsible.person) == ("AI統括責任者", "佐藤 一郎")
    assert content.basic_policy is not None and content.basic_policy.policy_id == basic
    assert [p.policy_id for p in content.policies] == [data]
    assert [s.name for s in content.systems] == ["公開中のチャットボット"]
    assert content.systems[0].notice_path.startswith("/notices/") and content.sections == []
    dumped = json.dumps(content.model_dump(mode="json"), ensure_ascii=False)
    for hidden in ("社内だけの利用規程", "未公開の方針", "来年の方針", "下書きだけ", "取り下げた"):
        assert hidden not in dumped, hidden


def test_only_administrators_publish_and_each_version_is_kept_as_published(
    loaded_db: Database, admin: Principal, executive: Principal, member: MakeMember
) -> None:
    editor = member("editor@acme.example", Role.EDITOR)
    for outsider in (editor, executive, member("audit@acme.example", Role.AUDITOR)):
        with pytest.raises(PermissionDeniedError), loaded_db.transaction() as session:
            statements.publish_statement(session, outsider)
    first = preview(loaded_db, admin)
    assert first.status == "draft" and first.public_path == "/orgs/acme/statement"
    assert publish(loaded_db, admin, first.digest) == 1
    with pytest.raises(ConflictError, match="nothing changed since version 1"):
        publish(loaded_db, admin)
    policy(loaded_db, admin, executive, PolicyKind.BASIC, title="AI基本方針")
    stale = first.digest
    with pytest.raises(ConflictError, match="changed since you previewed"):
        publish(loaded_db, admin, stale)
    assert publish(loaded_db, admin, preview(loaded_db, admin).digest) == 2
    with loaded_db.reading() as session:
        latest = public_statements.read_statement(session, "acme")
        old = public_statements.read_statement(session, "acme", 1)
    assert isinstance(latest, PublicStatement) and isinstance(old, PublicStatement)
    assert latest.number == 2 and latest.content.basic_policy is not None
    assert old.number == 1 and old.content.basic_policy is None
    assert [v.number for v in latest.versions] == [2, 1]
    with loaded_db.transaction() as session:
        row = session.scalars(
            select(StatementVersionRow).where(StatementVersionRow.number == 1)
        ).one()
        row.content = {}
        with pytest.raises(RuntimeError, match="never changed"):
            session.flush()
        session.rollback()
    view = preview(loaded_db, editor)  # editors preview, as every member but testers
    assert [v.number for v in view.versions] == [2, 1] and not view.changed_since_published
    assert view.versions[0].published_by == "cli"  # the local operator, as the audit log names it


def test_a_taken_down_statement_says_when_and_why_and_unknown_addresses_say_nothing(
    loaded_db: Database, admin: Principal
) -> None:
    with pytest.raises(NotFoundError) as never, loaded_db.reading() as session:
        public_statements.read_statement(session, "acme")
    with pytest.raises(NotFoundError) as unknown, loaded_db.reading() as session:
        public_statements.read_statement(session, "no-such-org")
    assert never.value.message == unknown.value.message  # an address tells nothing more
    with pytest.raises(ConflictError), loaded_db.transaction() as session:
        statements.unpublish_statement(session, admin, "理由")
    publish(loaded_db, admin)
    with pytest.raises(NotFoundError), loaded_db.reading() as session:
        public_statements.read_statement(session, "acme", 2)
    with loaded_db.transaction() as session:
        with pytest.raises(InvalidInputError):
            statements.unpublish_statement(session, admin, " ")
        statements.unpublish_statement(session, admin, "体制の見直し中のため <b>一時停止</b>")
    with loaded_db.reading() as session:
        gone = public_statements.read_statement(session, "acme")
        gone_version = public_statements.read_statement(session, "acme", 1)
    assert isinstance(gone, StatementWithdrawal) and isinstance(gone_version, StatementWithdrawal)
    assert gone.reason == "体制の見直し中のため <b>一時停止</b>" and gone.time_zone == "Asia/Tokyo"
    assert preview(loaded_db, admin).status == "withdrawn"
    assert publish(loaded_db, admin) == 2  # the same content may go up again


def test_an_empty_statement_is_refused(loaded_db: Database, admin: Principal) -> None:
    with loaded_db.transaction() as session:
        other = orgs.cli_principal(session, "other")
    with pytest.raises(InvalidInputError, match="nothing to say") as refused:
        publish(loaded_db, other)
    assert "AIガバナンスの責任者" in (refused.value.message_ja or "")


def test_a_registered_section_appears_and_returns_nothing_elsewhere(
    loaded_db: Database, admin: Principal, section: list[str]
) -> None:
    assert statements.registered_sections() == ["example", "haip"]
    content = preview(loaded_db, admin).content
    assert [s.key for s in content.sections] == ["example"]  # no HAIP report is published
    assert content.sections[0].heading.en == "HAIP report"
    publish(loaded_db, admin)
    with loaded_db.reading() as session:
        other = orgs.cli_principal(session, "other")
        assert statements.preview(session, other).content.sections == []
        published = public_statements.read_statement(session, "acme")
    assert isinstance(published, PublicStatement)
    assert published.content.sections[0].title == "2026年度 HAIP報告 <script>"
    assert published.content.sections[0].path == "/reports/haip/abc123"
    assert section == ["acme", "acme", "other"]
    with pytest.raises(ValueError):
        StatementSection(key="x", heading=Localized(ja="x", en="x"), title="x",
                         path="javascript:alert(1)")  # fmt: skip
    with pytest.raises(ValueError):
        StatementSection(key="x", heading=Localized(ja="x", en="x"), title="x",
                         path="//evil.example/x")  # fmt: skip


def test_the_latest_published_haip_report_is_on_the_statement(
    loaded_db: Database, admin: Principal, executive: Principal, files: dict[str, object]
) -> None:
    assert statements.registered_sections() == ["haip"]
    assert preview(loaded_db, admin).content.sections == []  # nothing published yet
    with loaded_db.transaction() as session:
        report = haip_reports.create_report(
            session,
            admin,
            HaipReportFields(
                title="2026年度 HAIP報告",
                period_start=date(2026, 4, 1),
                period_end=date(2027, 3, 31),
            ),
            {"1": SectionText(ja="リスクを特定し、評価している。", en="We identify risks.")},
        )
        report_id, version = report.id, report.version
        haip_approvals.request_approval(session, admin, report_id, version)
    with loaded_db.transaction() as session:
        haip_approvals.decide_approval(
            session, executive, report_id, approve=True, reason="確認した", version=version
        )
    assert preview(loaded_db, admin).content.sections == []  # approved is not published
    with loaded_db.transaction() as session:
        haip_reports.publish_report(session, admin, report_id, version, **files)  # type: ignore[arg-type]
    sections = preview(loaded_db, admin).content.sections
    assert [(s.key, s.title, s.detail) for s in sections] == [
        ("haip", "2026年度 HAIP報告", "2026-04-01 – 2027-03-31")
    ]
    assert sections[0].path is not None and sections[0].path.startswith("/public/reports/")
    with loaded_db.reading() as session:  # another organisation's statement does not show it
        other = orgs.cli_principal(session, "other")
        assert statements.preview(session, other).content.sections == []


def test_external_testers_do_not_preview_and_other_organisations_see_their_own(
    loaded_db: Database, admin: Principal, member: MakeMember
) -> None:
    tester = member("tester@lab.example", Role.EXTERNAL_TESTER)
    with pytest.raises(PermissionDeniedError), loaded_db.reading() as session:
        statements.preview(session, tester)
    with pytest.raises(PermissionDeniedError), loaded_db.transaction() as session:
        statements.publish_statement(session, tester)
    publish(loaded_db, admin)
    other_admin = member("admin@other.example", Role.ADMIN, "other")
    view = preview(loaded_db, other_admin)
    assert view.content.organisation == "Other" and view.status == "draft" and not view.versions
    with pytest.raises(ConflictError), loaded_db.transaction() as session:
        statements.unpublish_statement(session, other_admin, "stolen")
    assert preview(loaded_db, admin).status == "published"


def test_a_published_statement_is_evidence_for_2_1_and_for_3_4_where_it_applies(
    loaded_db: Database, admin: Principal
) -> None:
    with loaded_db.transaction() as session:
        provider = systems.register_system(
            session, admin, SystemFacts.model_validate({"name": "提供AI", "org_role": "provider"})
        ).id
        user = systems.register_system(
            session, admin, SystemFacts.model_validate({"name": "利用AI", "org_role": "user"})
        ).id
        provided = assessments.start_assessment(session, admin, provider).id
        used = assessments.start_assessment(session, admin, user).id
        orgs.create_org(
            session,
            OrgCreate(name="デモ市", slug="city", actors=[OrgActor.LOCAL],
                      responsible_person="山田 花子", responsible_title="CAIO"),
            "cli",
        )  # fmt: skip
        city = orgs.cli_principal(session, "city")
        city_system = systems.register_system(
            session, city, SystemFacts.model_validate({"name": "窓口AI", "org_role": "user"})
        ).id
        city_assessment = assessments.start_assessment(session, city, city_system).id
    publish(loaded_db, admin)
    publish(loaded_db, city)
    with loaded_db.reading() as session:

        def evidence(principal: Principal, assessment_id: int) -> dict[str, list[str]]:
            report = assessments.assessment_report(session, principal, assessment_id)
            return {
                i.urn.rsplit(":", 1)[1]: [e.title_in("en") for e in i.evidence]
                for i in report.items
                if i.evidence
            }

        assert evidence(admin, provided) == {
            "2.1": ["Published AI governance statement, version 1"]
        }
        assert evidence(admin, used) == {}  # 2(1) is for developers and providers
        assert evidence(city, city_assessment) == {
            "3.4": ["Published AI governance statement, version 1"]
        }
    with loaded_db.transaction() as session:  # and a new assessment starts with it
        assessments.close_assessment(session, admin, provided)
        fresh = assessments.start_assessment(session, admin, provider).id
        report = assessments.assessment_report(session, admin, fresh)
    assert [len(i.evidence) for i in report.items if i.urn.endswith(":2.1")] == [1]
