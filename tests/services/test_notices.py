"""Disclosure notices (2(2), fn 18), on both databases: generated from the facts and the
disclosed record fields only, edited, approved for high tiers, published as immutable
versions, taken down with a tombstone, scoped, and kept as evidence."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from tekisei.core.notices import NoticeText
from tekisei.core.orgs import OrgActor, OrgCreate, Principal, Role
from tekisei.core.records import DatasetFields, ModelFields
from tekisei.core.systems import SystemFacts
from tekisei.db.audit import AuditEventRow
from tekisei.db.notices import NoticeVersionRow
from tekisei.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from tekisei.services import (
    assessments,
    notice_approvals,
    notice_views,
    notices,
    orgs,
    provenance_checks,
    records,
    systems,
    users,
)
from tekisei.services.database import Database
from tekisei.services.public_notices import PublicNotice, Withdrawal, read_notice

PASSWORD = "correct horse battery"
MakeMember = Callable[[str, Role], Principal]
SECRET = "社外秘の収集経路XYZ"


@pytest.fixture
def admin(loaded_db: Database) -> Principal:
    with loaded_db.transaction() as session:
        for slug in ("acme", "other"):
            orgs.create_org(
                session,
                OrgCreate(
                    name=f"{slug.title()} 株式会社",
                    slug=slug,
                    actors=[OrgActor.BUSINESS],
                    responsible_person="佐藤 一郎",
                ),
                "cli",
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
def files(tmp_path: Path) -> dict[str, object]:
    return {"files_dir": tmp_path / "files", "max_bytes": 1024 * 1024}


def system(database: Database, principal: Principal, **facts: object) -> int:
    data = {
        "name": "問い合わせ応答AI",
        "org_role": "provider",
        "purpose": "製品についての質問に答える。",
        "deployment": "public",
        "contact_window": "support@acme.example",
        "responsible_person": "カスタマー部 鈴木",
    } | facts
    with database.transaction() as session:
        return systems.register_system(session, principal, SystemFacts.model_validate(data)).id


def draft(database: Database, principal: Principal, system_id: int) -> int:
    with database.transaction() as session:
        return notices.draft_notice(session, principal, system_id).version


def publish(
    database: Database, principal: Principal, system_id: int, files: dict[str, object]
) -> NoticeVersionRow:
    with database.transaction() as session:
        version = notices.get_notice(session, principal, system_id).version
        return notices.publish_notice(session, principal, system_id, version, **files)  # type: ignore[arg-type]


def public_id(database: Database, principal: Principal, system_id: int) -> str:
    with database.reading() as session:
        return notices.get_notice(session, principal, system_id).public_id


def test_the_draft_is_written_from_the_facts_and_only_disclosed_record_fields(
    loaded_db: Database, admin: Principal
) -> None:
    system_id = system(loaded_db, admin)
    with loaded_db.transaction() as session:
        records.add_model(
            session,
            admin,
            system_id,
            ModelFields(
                name="応答モデル",
                provider="Acme Lab",
                licence="独自",
                disclosed=["name", "provider"],
            ),
        )
        records.add_dataset(
            session,
            admin,
            system_id,
            DatasetFields(
                name="非公開の名前", source=SECRET, retention="3年", disclosed=["retention"]
            ),
        )
        provenance_checks.set_mechanisms(session, admin, system_id, text_key_id=None, c2pa=True)
        notices.draft_notice(session, admin, system_id)
    with loaded_db.reading() as session:
        view = notice_views.view(session, admin, notices.get_notice(session, admin, system_id))
    ja, en = view.content.ja, view.content.en
    assert ja is not None and en is not None
    assert "問い合わせ応答AI" in ja.title and "問い合わせ応答AI" in en.title
    assert "製品についての質問に答える。" in ja.what_it_does
    assert "応答モデル" in ja.what_it_does  # a disclosed model name
    assert "support@acme.example" in ja.contact and "support@acme.example" in en.contact
    assert "カスタマー部 鈴木" in ja.responsible
    assert "C2PA" in ja.provenance and "C2PA" in en.provenance
    assert "雇用や人事評価" in ja.prohibited_uses  # fn 18's warning against unjust bias
    dumped = json.dumps(view.content.model_dump(mode="json"), ensure_ascii=False)
    assert SECRET not in dumped and "非公開の名前" not in dumped and "独自" not in dumped
    assert [r.heading for r in ja.records] == ["応答モデル", "データセット 1"]
    assert [r.heading for r in en.records] == ["応答モデル", "Dataset 1"]
    assert ja.records[1].facts[0].label == "保存期間" and ja.records[1].facts[0].value == "3年"
    assert view.status == "draft" and view.public_path is None
    assert view.problems == [] and not view.needs_approval


def test_publish_edit_publish_keeps_the_first_version_unchanged(
    loaded_db: Database, admin: Principal, files: dict[str, object]
) -> None:
    system_id = system(loaded_db, admin)
    draft(loaded_db, admin, system_id)
    first = publish(loaded_db, admin, system_id, files)
    pid = public_id(loaded_db, admin, system_id)
    with loaded_db.reading() as session:
        before = read_notice(session, pid)
    assert isinstance(before, PublicNotice) and before.latest == 1
    with loaded_db.transaction() as session:
        row = notices.get_notice(session, admin, system_id)
        current = notice_views.view(session, admin, row).content
        assert current.ja is not None and current.en is not None
        ja = NoticeText.model_validate(current.ja.model_dump(exclude={"records"}))
        ja.limits = "第2版で追記した注意。"
        en = NoticeText.model_validate(current.en.model_dump(exclude={"records"}))
        notices.save_notice(session, admin, system_id, {"ja": ja, "en": en}, row.version)
    second = publish(loaded_db, admin, system_id, files)
    assert (first.number, second.number) == (1, 2)
    with loaded_db.reading() as session:
        latest = read_notice(session, pid)
        old = read_notice(session, pid, 1)
    assert isinstance(latest, PublicNotice) and isinstance(old, PublicNotice)
    assert latest.version.number == 2 and latest.version.content.ja is not None
    assert latest.version.content.ja.limits == "第2版で追記した注意。"
    assert old.version.model_dump() == before.version.model_dump()
    assert [v.number for v in latest.versions] == [2, 1]


def test_a_published_version_cannot_be_changed_in_place(
    loaded_db: Database, admin: Principal, files: dict[str, object]
) -> None:
    system_id = system(loaded_db, admin)
    draft(loaded_db, admin, system_id)
    publish(loaded_db, admin, system_id, files)
    with loaded_db.transaction() as session:
        row = session.scalars(select(NoticeVersionRow)).one()
        row.content = {"ja": None, "en": None}
        with pytest.raises(RuntimeError, match="never changed"):
            session.flush()
        session.rollback()


def test_publishing_unchanged_text_again_is_refused(
    loaded_db: Database, admin: Principal, files: dict[str, object]
) -> None:
    system_id = system(loaded_db, admin)
    draft(loaded_db, admin, system_id)
    publish(loaded_db, admin, system_id, files)
    with pytest.raises(ConflictError, match="nothing changed since version 1"):
        publish(loaded_db, admin, system_id, files)


def test_a_high_tier_notice_needs_an_executives_approval_of_that_draft(
    loaded_db: Database, admin: Principal, member: MakeMember, files: dict[str, object]
) -> None:
    system_id = system(loaded_db, admin, domain="employment", name="採用スクリーニング")
    editor = member("editor@acme.example", Role.EDITOR)
    executive = member("ceo@acme.example", Role.EXECUTIVE)
    version = draft(loaded_db, editor, system_id)
    with pytest.raises(ConflictError) as refused:
        publish(loaded_db, editor, system_id, files)
    assert "経営層の承認が必要です" in (refused.value.message_ja or "")
    assert "request-approval" in refused.value.message
    with pytest.raises(ConflictError, match="no approval"), loaded_db.transaction() as session:
        notice_approvals.decide_approval(
            session, executive, system_id, approve=True, reason="確認した", version=version
        )
    with loaded_db.transaction() as session:
        notice_approvals.request_approval(session, editor, system_id, version, "ご確認ください")
    for outsider in (editor, admin):  # the decision is an executive's alone
        with pytest.raises(PermissionDeniedError), loaded_db.transaction() as session:
            notice_approvals.decide_approval(
                session, outsider, system_id, approve=True, reason="x", version=version
            )
    with loaded_db.transaction() as session:
        notice_approvals.decide_approval(
            session, executive, system_id, approve=True, reason="内容を確認した", version=version
        )
    published = publish(loaded_db, editor, system_id, files)
    assert published.approved_by == "ceo@acme.example"
    with loaded_db.reading() as session:
        shown = read_notice(session, public_id(loaded_db, admin, system_id))
        events = [
            e.action for e in session.scalars(select(AuditEventRow).order_by(AuditEventRow.seq))
        ]
    assert isinstance(shown, PublicNotice) and shown.version.approved_by_executive
    assert events[-6:].count("notice.approve") == 1 and "notice.publish" in events


def test_an_edit_after_approval_withdraws_it(
    loaded_db: Database, admin: Principal, member: MakeMember, files: dict[str, object]
) -> None:
    system_id = system(loaded_db, admin, domain="healthcare")
    executive = member("ceo@acme.example", Role.EXECUTIVE)
    version = draft(loaded_db, admin, system_id)
    with loaded_db.transaction() as session:
        notice_approvals.request_approval(session, admin, system_id, version)
        notice_approvals.decide_approval(
            session, executive, system_id, approve=True, reason="可", version=version
        )
        notices.save_notice(
            session, admin, system_id, {"ja": NoticeText(title="差し替え", ai_use="AIを使う。",
            what_it_does="x", contact="y"), "en": None}, version,
        )  # fmt: skip
    with pytest.raises(ConflictError, match="approves its notice"):
        publish(loaded_db, admin, system_id, files)
    with loaded_db.reading() as session:
        view = notice_views.view(session, admin, notices.get_notice(session, admin, system_id))
    assert not view.approved_for_publishing
    assert view.content.en is None and view.content.languages() == ["ja"]


def test_a_viewer_cannot_publish_and_an_outsider_cannot_find_the_notice(
    loaded_db: Database, admin: Principal, member: MakeMember, files: dict[str, object]
) -> None:
    system_id = system(loaded_db, admin)
    version = draft(loaded_db, admin, system_id)
    viewer = member("viewer@acme.example", Role.VIEWER)
    with pytest.raises(PermissionDeniedError), loaded_db.transaction() as session:
        notices.publish_notice(session, viewer, system_id, version, **files)  # type: ignore[arg-type]
    with loaded_db.reading() as session:
        assert notice_views.view(session, viewer, notices.get_notice(session, viewer, system_id))
    other = member("admin@other.example", Role.ADMIN, "other")
    tester = member("tester@lab.example", Role.EXTERNAL_TESTER)
    for outsider in (other, tester):
        with pytest.raises(NotFoundError), loaded_db.reading() as session:
            notices.get_notice(session, outsider, system_id)
        with pytest.raises(NotFoundError), loaded_db.transaction() as session:
            notices.publish_notice(session, outsider, system_id, version, **files)  # type: ignore[arg-type]
        with pytest.raises(NotFoundError), loaded_db.transaction() as session:
            notices.save_notice(session, outsider, system_id, {"ja": NoticeText(title="x")}, 1)
        with pytest.raises(NotFoundError), loaded_db.transaction() as session:
            notices.draft_notice(session, outsider, system_id, regenerate=True, version=1)
        with loaded_db.reading() as session:
            assert notice_views.list_notices(session, outsider) == []


def test_a_stale_edit_is_refused_and_overwrites_nothing(
    loaded_db: Database, admin: Principal
) -> None:
    system_id = system(loaded_db, admin)
    version = draft(loaded_db, admin, system_id)
    text = NoticeText(title="一人目", ai_use="a", what_it_does="b", contact="c")
    with loaded_db.transaction() as session:
        notices.save_notice(session, admin, system_id, {"ja": text}, version)
    with (
        pytest.raises(ConflictError, match="changed since version 1"),
        loaded_db.transaction() as session,
    ):
        notices.save_notice(
            session,
            admin,
            system_id,
            {"ja": text.model_copy(update={"title": "二人目"})},
            version,
        )
    with loaded_db.reading() as session:
        view = notice_views.view(session, admin, notices.get_notice(session, admin, system_id))
    assert view.content.ja is not None and view.content.ja.title == "一人目"


def test_a_draft_missing_required_sections_is_not_published(
    loaded_db: Database, admin: Principal, files: dict[str, object]
) -> None:
    system_id = system(loaded_db, admin, purpose="", contact_window="")
    draft(loaded_db, admin, system_id)
    with pytest.raises(InvalidInputError) as refused:
        publish(loaded_db, admin, system_id, files)
    assert "Questions and objections" in refused.value.message
    assert "質問・異議の申し出先" in (refused.value.message_ja or "")


def test_drafts_and_unknown_ids_are_not_found_and_a_taken_down_notice_says_when_and_why(
    loaded_db: Database, admin: Principal, files: dict[str, object]
) -> None:
    system_id = system(loaded_db, admin)
    draft(loaded_db, admin, system_id)
    pid = public_id(loaded_db, admin, system_id)
    with pytest.raises(NotFoundError), loaded_db.reading() as session:
        read_notice(session, pid)  # a draft is private
    with pytest.raises(NotFoundError), loaded_db.reading() as session:
        read_notice(session, "A" * 22)
    publish(loaded_db, admin, system_id, files)
    with pytest.raises(NotFoundError), loaded_db.reading() as session:
        read_notice(session, pid, 2)
    with loaded_db.transaction() as session:
        with pytest.raises(InvalidInputError):
            notices.unpublish_notice(session, admin, system_id, "  ")
        notices.unpublish_notice(session, admin, system_id, "記載に誤りがあったため")
    with loaded_db.reading() as session:
        gone = read_notice(session, pid)
        gone_version = read_notice(session, pid, 1)
    assert isinstance(gone, Withdrawal) and isinstance(gone_version, Withdrawal)
    assert gone.reason == "記載に誤りがあったため"
    with pytest.raises(ConflictError), loaded_db.transaction() as session:
        notices.unpublish_notice(session, admin, system_id, "again")
    again = publish(loaded_db, admin, system_id, files)  # the same text may go up again
    assert again.number == 2
    with loaded_db.reading() as session:
        assert isinstance(read_notice(session, pid), PublicNotice)


def test_a_published_notice_is_evidence_for_2_2_and_fn_18(
    loaded_db: Database, admin: Principal, files: dict[str, object]
) -> None:
    system_id = system(loaded_db, admin)
    with loaded_db.transaction() as session:
        assessment_id = assessments.start_assessment(session, admin, system_id).id
    draft(loaded_db, admin, system_id)
    published = publish(loaded_db, admin, system_id, files)
    with loaded_db.reading() as session:
        report = assessments.assessment_report(session, admin, assessment_id)
    items = {i.urn.rsplit(":", 1)[1]: i for i in report.items}
    for ref in ("2.2", "fn18"):
        assert [e.id for e in items[ref].evidence] == [published.evidence_id], ref
        assert items[ref].state.value == "partial"
    assert not items["fn17"].evidence
    stored = Path(str(files["files_dir"])) / items["fn18"].evidence[0].sha256[:2]  # type: ignore[index]
    document = json.loads(next(stored.iterdir()).read_text(encoding="utf-8"))
    assert document["format"] == "tekisei-notice/1" and document["number"] == 1
