"""Owners of risks and answers are chosen from the organisation's members (issue 12 item
9): another organisation's account is refused like an unknown id, no owner can be written
as text, the text written before is kept until a member replaces it, and a member who
leaves still owns what they owned, marked as a former member."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from tekisei.core.assessments import AnswerFields, AnswerState
from tekisei.core.orgs import OrgActor, OrgCreate, Principal, Role
from tekisei.core.risks import RiskFields
from tekisei.core.systems import SystemFacts
from tekisei.db.assessments import AnswerRow
from tekisei.db.audit import AuditEventRow
from tekisei.db.risks import RiskRow
from tekisei.errors import InvalidInputError
from tekisei.services import assessments, orgs, owners, risks, systems, users
from tekisei.services.database import Database
from tekisei.services.people import ActorNames

PASSWORD = "correct horse battery"
REQUIREMENT = "jp-ai-appropriateness-2025:2(3)"


@dataclass
class World:
    db: Database
    admin: Principal
    viewer: Principal
    tester: Principal
    system: int
    assessment: int
    ids: dict[str, int]
    """User ids by email, of both organisations."""


@pytest.fixture
def world(loaded_db: Database) -> World:
    ids: dict[str, int] = {}
    with loaded_db.transaction() as session:
        for slug in ("acme", "other"):
            orgs.create_org(
                session, OrgCreate(name=slug.title(), slug=slug, actors=[OrgActor.BUSINESS]), "cli"
            )
        for email, name, slug, role in [
            ("admin@acme.example", "青木 管理", "acme", Role.ADMIN),
            ("tanaka@acme.example", "田中 一郎", "acme", Role.EDITOR),
            ("viewer@acme.example", "閲覧 花子", "acme", Role.VIEWER),
            ("tester@acme.example", "外部 試験", "acme", Role.EXTERNAL_TESTER),
            ("suzuki@other.example", "鈴木 別組織", "other", Role.ADMIN),
        ]:
            user = users.create_user(
                session,
                users.UserCreate(email=email, name=name, password=PASSWORD),
                slug,
                role,
                "cli",
            )
            ids[email] = user.id
        admin = users.principal_for(session, "admin@acme.example", "acme")
        facts = SystemFacts.model_validate(
            {"name": "画像生成サービス", "org_role": "provider", "domain": "content_generation"}
        )
        system = systems.register_system(session, admin, facts).id
        assessment = assessments.start_assessment(session, admin, system).id
        viewer = users.principal_for(session, "viewer@acme.example", "acme")
        tester = users.principal_for(session, "tester@acme.example", "acme")
    return World(loaded_db, admin, viewer, tester, system, assessment, ids)


def risk(**owner: object) -> RiskFields:
    return RiskFields.model_validate(
        {"title": "誤回答", "taxonomy": ["technical.hallucination"], "likelihood": 3, "impact": 3}
        | owner
    )


def test_a_member_owns_a_risk_and_readers_see_them_by_name(world: World) -> None:
    tanaka = world.ids["tanaka@acme.example"]
    with world.db.transaction() as session:
        row = risks.add_risk(session, world.admin, world.system, risk(owner_id=tanaka))
        risk_id = row.id
    with world.db.reading() as session:
        row = risks.visible_risk(session, world.admin, risk_id)
        as_admin = risks.view(row, ActorNames(session, world.admin)).owner
        as_viewer = risks.view(row, ActorNames(session, world.viewer)).owner
        created = session.scalars(
            select(AuditEventRow).where(AuditEventRow.action == "risk.create").order_by(AuditEventRow.id)
        ).one()
    assert as_admin is not None and as_viewer is not None
    assert (as_admin.user_id, as_admin.name, as_admin.email) == (
        tanaka,
        "田中 一郎",
        "tanaka@acme.example",
    )
    assert (as_viewer.name, as_viewer.email, as_viewer.former_member) == ("田中 一郎", None, False)
    assert created.summary["after"]["owner_email"] == "tanaka@acme.example"


@pytest.mark.parametrize("who", ["suzuki@other.example", "nobody"])
def test_another_organisations_member_is_refused_like_an_unknown_id(world: World, who: str) -> None:
    stranger = world.ids.get(who, 999_999)
    with world.db.transaction() as session:
        with pytest.raises(InvalidInputError) as on_create:
            risks.add_risk(session, world.admin, world.system, risk(owner_id=stranger))
        row = risks.add_risk(session, world.admin, world.system, risk())
        with pytest.raises(InvalidInputError) as on_update:
            risks.update_risk(session, world.admin, row.id, {"owner_id": stranger}, row.version)
        with pytest.raises(InvalidInputError) as on_answer:
            assessments.answer_requirement(
                session,
                world.admin,
                world.assessment,
                REQUIREMENT,
                AnswerFields(state=AnswerState.PARTIAL, owner_id=stranger),
            )
        with pytest.raises(InvalidInputError) as by_email:
            owners.owner_by_email(session, world.admin, "suzuki@other.example")
    messages = {e.value.localized("en") for e in (on_create, on_update, on_answer)}
    assert messages == {
        "the owner must be a member of the organisation; choose one of its members "
        "(GET /api/orgs/current/members gives their ids)"
    }
    assert on_create.value.localized("ja").startswith("担当者は組織のメンバーから選んでください")
    assert on_create.value.field == "owner_id"
    assert "鈴木" not in on_create.value.localized("ja")  # nothing learnt about the account
    assert "suzuki@other.example is not a member" in by_email.value.localized("en")
    # nothing refused was written: the transaction committed only the risk without owner
    with world.db.reading() as session:
        assert [r.owner_id for r in session.scalars(select(RiskRow))] == [None]


def test_no_owner_can_be_written_as_text(world: World) -> None:
    with world.db.transaction() as session:
        with pytest.raises(InvalidInputError) as refused:
            risks.add_risk(session, world.admin, world.system, risk(owner_text="人事部 田中"))
        row = risks.add_risk(session, world.admin, world.system, risk())
        with pytest.raises(InvalidInputError):
            risks.update_risk(session, world.admin, row.id, {"owner_text": "人事部"}, row.version)
        with pytest.raises(InvalidInputError):
            assessments.answer_requirement(
                session,
                world.admin,
                world.assessment,
                REQUIREMENT,
                AnswerFields(state=AnswerState.PARTIAL, owner_text="人事部 田中"),
            )
    assert "owner_id" in refused.value.localized("en")
    assert "メンバーから選んでください" in refused.value.localized("ja")


def test_the_owner_written_as_text_before_is_kept_until_a_member_replaces_it(
    world: World,
) -> None:
    with world.db.transaction() as session:
        row = risks.add_risk(session, world.admin, world.system, risk())
        row.owner_text = "人事部 田中"  # as migration 0016 leaves a risk recorded before
        risk_id = row.id
    with world.db.transaction() as session:
        row = risks.update_risk(session, world.admin, risk_id, {"title": "誤回答（改）"}, 1)
        assert (row.owner_id, row.owner_text) == (None, "人事部 田中")
        shown = risks.view(row, ActorNames(session, world.viewer)).owner
        assert shown is not None and (shown.user_id, shown.name) == (None, "人事部 田中")
        # keeping it as sent back by a form is no change
        same = risks.update_risk(
            session, world.admin, risk_id, {"owner_id": None, "owner_text": "人事部 田中"}, 2
        )
        assert same.version == 2
    tanaka = world.ids["tanaka@acme.example"]
    with world.db.transaction() as session:
        row = risks.update_risk(
            session,
            world.admin,
            risk_id,
            {"owner_id": tanaka, "owner_text": "人事部 田中"},
            2,
        )
        assert (row.owner_id, row.owner_text) == (tanaka, "")
    with world.db.reading() as session:
        event = session.scalars(
            select(AuditEventRow)
            .where(AuditEventRow.action == "risk.update")
            .order_by(AuditEventRow.seq.desc())
        ).first()
        history = risks.risk_history(session, world.viewer, risk_id)
    assert event is not None
    assert event.summary["before"]["owner_text"] == "人事部 田中"
    assert event.summary["after"] == {
        "owner_id": tanaka,
        "owner_text": "",
        "owner_email": "tanaka@acme.example",
    }
    assert history[-1].changed == ["owner"]


def test_a_member_who_leaves_still_owns_what_they_owned_as_a_former_member(
    world: World,
) -> None:
    tanaka = world.ids["tanaka@acme.example"]
    with world.db.transaction() as session:
        row = risks.add_risk(session, world.admin, world.system, risk(owner_id=tanaka))
        risk_id = row.id
        assessments.answer_requirement(
            session,
            world.admin,
            world.assessment,
            REQUIREMENT,
            AnswerFields(state=AnswerState.PARTIAL, owner_id=tanaka),
        )
        orgs.remove_member(session, world.admin, tanaka)
    with world.db.transaction() as session:
        row = risks.update_risk(session, world.admin, risk_id, {"impact": 4}, 1)  # owner kept
        shown = risks.view(row, ActorNames(session, world.viewer)).owner
        report = assessments.assessment_report(session, world.viewer, world.assessment)
        item = next(i for i in report.items if i.urn.endswith(":2.3"))
        choices = [c.user_id for c in owners.owner_choices(session, world.admin)]
        # the answer can be saved again with its owner; choosing them anew cannot
        assessments.answer_requirement(
            session,
            world.admin,
            world.assessment,
            REQUIREMENT,
            AnswerFields(state=AnswerState.IMPLEMENTED, owner_id=tanaka),
        )
        other = risks.add_risk(session, world.admin, world.system, risk())
        with pytest.raises(InvalidInputError):
            risks.update_risk(session, world.admin, other.id, {"owner_id": tanaka}, 1)
    assert shown is not None and (shown.name, shown.former_member) == ("田中 一郎", True)
    assert item.owner is not None and item.owner.former_member
    assert tanaka not in choices


def test_the_choices_are_the_organisations_own_members(world: World) -> None:
    with world.db.reading() as session:
        for_admin = owners.owner_choices(session, world.admin)
        for_viewer = owners.owner_choices(session, world.viewer)
        for_tester = owners.owner_choices(session, world.tester)
    acme = {v for k, v in world.ids.items() if k.endswith("@acme.example")}
    assert {c.user_id for c in for_admin} == acme
    assert world.ids["suzuki@other.example"] not in {c.user_id for c in for_admin}
    assert "田中 一郎 <tanaka@acme.example>" in [c.label for c in for_admin]
    assert "田中 一郎" in [c.label for c in for_viewer]  # names only for other roles
    assert not any("@" in c.label for c in for_viewer)
    assert for_tester == []  # external testers do not see the members


def test_an_answers_owner_is_carried_into_the_next_assessment(world: World) -> None:
    tanaka = world.ids["tanaka@acme.example"]
    with world.db.transaction() as session:
        assessments.answer_requirement(
            session,
            world.admin,
            world.assessment,
            REQUIREMENT,
            AnswerFields(state=AnswerState.IMPLEMENTED, owner_id=tanaka),
        )
        legacy = session.scalars(select(AnswerRow)).one()
        other_urn = "urn:tekisei:req:jp-ai-appropriateness-2025:2.4"
        session.add(
            AnswerRow(
                assessment_id=world.assessment,
                node_urn=other_urn,
                state="partial",
                notes="",
                owner_id=None,
                owner_text="総務課 佐藤",
                justification="",
                updated_by="cli",
                updated_at=legacy.updated_at,
                version=1,
            )
        )
        assessments.close_assessment(session, world.admin, world.assessment)
        following = assessments.start_assessment(session, world.admin, world.system)
        report = assessments.assessment_report(session, world.admin, following.id)
    owned = {i.urn: i.owner for i in report.items if i.owner is not None}
    assert {u: (o.user_id, o.name) for u, o in owned.items()} == {
        "urn:tekisei:req:jp-ai-appropriateness-2025:2.3": (tanaka, "田中 一郎"),
        other_urn: (None, "総務課 佐藤"),
    }
