"""DS-920 high-risk judgements, on both databases: roles and isolation, signing and
superseding, the tier, staleness after the facts change, and evidence for 3(1)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from tekisei.core.judgements import QUESTIONS, Answer, Answers
from tekisei.core.orgs import OrgActor, OrgCreate, Principal, Role
from tekisei.core.systems import SystemFacts
from tekisei.db.audit import AuditEventRow
from tekisei.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from tekisei.services import assessments, judgements, orgs, systems, users
from tekisei.services.database import Database
from tekisei.services.people import ActorNames

PASSWORD = "correct horse battery"
MakeMember = Callable[..., Principal]
GUIDELINE = "urn:tekisei:req:jp-ai-appropriateness-2025:"


@pytest.fixture
def admin(loaded_db: Database) -> Principal:
    with loaded_db.transaction() as session:
        for slug in ("city", "other"):
            orgs.create_org(
                session, OrgCreate(name=slug.title(), slug=slug, actors=[OrgActor.LOCAL]), "cli"
            )
        return orgs.cli_principal(session, "city")


@pytest.fixture
def member(loaded_db: Database, admin: Principal) -> MakeMember:
    def make(email: str, role: Role, org: str = "city") -> Principal:
        with loaded_db.transaction() as session:
            users.create_user(
                session, users.UserCreate(email=email, password=PASSWORD), org, role,
                actor="cli", must_change_password=False,
            )  # fmt: skip
            return users.principal_for(session, email, org)

    return make


def system(database: Database, principal: Principal) -> int:
    facts = SystemFacts(name="議事録要約", org_role="user", purpose="会議の記録を要約する。")  # type: ignore[arg-type]
    with database.transaction() as session:
        return systems.register_system(session, principal, facts).id


def answers(reply: str = "no", **changes: str) -> dict[str, Answer]:
    base = {q.id: Answer(answer=reply) for q in QUESTIONS}  # type: ignore[arg-type]
    return base | {k.replace("_", "-"): Answer(answer=v) for k, v in changes.items()}  # type: ignore[arg-type]


def judged(database: Database, who: Principal, system_id: int, replies: dict[str, Answer]) -> int:
    with database.transaction() as session:
        row = judgements.answer(session, who, system_id, replies)
        return row.id


def signed(database: Database, who: Principal, system_id: int, jid: int) -> None:
    with database.transaction() as session:
        row = judgements.get_judgement(session, who, system_id, jid)
        judgements.sign(session, who, system_id, jid, row.version)


def system_view(database: Database, who: Principal, system_id: int) -> Any:
    with database.reading() as session:
        return systems.view(systems.visible_system(session, who, system_id), "city")


def test_another_organisation_and_external_testers_see_no_judgement(
    loaded_db: Database, admin: Principal, member: MakeMember
) -> None:
    sid = system(loaded_db, admin)
    jid = judged(loaded_db, admin, sid, answers())
    other = member("admin@other.example", Role.ADMIN, "other")
    tester = member("tester@city.example", Role.EXTERNAL_TESTER)
    with loaded_db.transaction() as session:
        systems.assign_tester(session, admin, sid, "tester@city.example")
    for who in (other, tester):
        with loaded_db.reading() as session, pytest.raises(NotFoundError):
            judgements.list_judgements(session, who, sid)
        with loaded_db.reading() as session, pytest.raises(NotFoundError):
            judgements.get_judgement(session, who, sid, jid)
        with loaded_db.transaction() as session, pytest.raises(NotFoundError):
            judgements.answer(session, who, sid, answers())
        with loaded_db.transaction() as session, pytest.raises(NotFoundError):
            judgements.sign(session, who, sid, jid, 1)


def test_a_judgement_of_one_system_is_not_found_under_another(
    loaded_db: Database, admin: Principal
) -> None:
    first, second = system(loaded_db, admin), system(loaded_db, admin)
    jid = judged(loaded_db, admin, first, answers())
    with loaded_db.reading() as session, pytest.raises(NotFoundError):
        judgements.get_judgement(session, admin, second, jid)


def test_viewers_cannot_answer_and_editors_cannot_sign_but_executives_can(
    loaded_db: Database, admin: Principal, member: MakeMember
) -> None:
    sid = system(loaded_db, admin)
    viewer = member("viewer@city.example", Role.VIEWER)
    editor = member("editor@city.example", Role.EDITOR)
    executive = member("exec@city.example", Role.EXECUTIVE)
    with loaded_db.transaction() as session, pytest.raises(PermissionDeniedError):
        judgements.answer(session, viewer, sid, answers())
    jid = judged(loaded_db, editor, sid, answers())
    for who in (viewer, editor):
        with loaded_db.transaction() as session, pytest.raises(PermissionDeniedError):
            judgements.sign(session, who, sid, jid, 1)
    signed(loaded_db, executive, sid, jid)
    with loaded_db.reading() as session:
        view = judgements.view(
            session, judgements.get_judgement(session, admin, sid, jid), ActorNames(session, admin)
        )
    assert view.signed and view.signed_by == "exec@city.example" and view.signed_at


def test_an_incomplete_sheet_cannot_be_signed_and_unknown_questions_are_refused(
    loaded_db: Database, admin: Principal
) -> None:
    sid = system(loaded_db, admin)
    jid = judged(loaded_db, admin, sid, {"users-public": Answer(answer="no")})
    with loaded_db.transaction() as session, pytest.raises(ConflictError, match="unanswered"):
        judgements.sign(session, admin, sid, jid, 1)
    with loaded_db.transaction() as session, pytest.raises(InvalidInputError):
        judgements.answer(session, admin, sid, {"=cmd|' /C calc'!A0": Answer(answer="no")})
    with pytest.raises(ValidationError):
        Answers.model_validate({"answers": {"users-public": {"answer": "maybe"}}})
    with pytest.raises(ValidationError):
        Answer.model_validate({"answer": "no", "note": "x" * 1001})


def test_a_signed_judgement_never_changes_and_a_new_one_supersedes_it(
    loaded_db: Database, admin: Principal
) -> None:
    sid = system(loaded_db, admin)
    first = judged(loaded_db, admin, sid, answers(work_rights="yes"))
    signed(loaded_db, admin, sid, first)
    with loaded_db.transaction() as session, pytest.raises(ConflictError, match="signed"):
        judgements.sign(session, admin, sid, first, 2)
    second = judged(loaded_db, admin, sid, answers())
    assert second != first
    signed(loaded_db, admin, sid, second)
    with loaded_db.reading() as session:
        rows = judgements.list_judgements(session, admin, sid)
        views = [judgements.view(session, r, ActorNames(session, admin)) for r in rows]
        actions = list(session.scalars(select(AuditEventRow.action)))
    assert [(v.number, v.superseded, v.high_risk) for v in views] == [
        (2, False, False),
        (1, True, True),
    ]
    assert views[1].answers["work-rights"].answer == "yes"
    assert actions.count("judgement.sign") == 2


def test_signing_a_high_risk_judgement_changes_the_tier_and_its_reasons(
    loaded_db: Database, admin: Principal
) -> None:
    sid = system(loaded_db, admin)
    assert system_view(loaded_db, admin, sid).tier == "minimal"
    jid = judged(loaded_db, admin, sid, answers(data_personal="yes"))
    assert system_view(loaded_db, admin, sid).tier == "minimal"  # a draft changes nothing
    signed(loaded_db, admin, sid, jid)
    view = system_view(loaded_db, admin, sid)
    assert view.tier == "high"
    assert view.tier_reasons[0].code == "ds920-high-risk"
    assert "機密情報・個人情報" in view.tier_reasons[0].ja
    with loaded_db.reading() as session:
        _, rows = systems.list_systems(session, admin, tier="high")
    assert [r.id for r in rows] == [sid]
    # a later judgement that is not high-risk takes the reason away
    signed(loaded_db, admin, sid, judged(loaded_db, admin, sid, answers()))
    assert system_view(loaded_db, admin, sid).tier == "minimal"


def test_a_judgement_is_stale_after_the_facts_it_rests_on_change(
    loaded_db: Database, admin: Principal
) -> None:
    sid = system(loaded_db, admin)
    jid = judged(loaded_db, admin, sid, answers())
    signed(loaded_db, admin, sid, jid)

    def stale() -> bool:
        with loaded_db.reading() as session:
            row = judgements.get_judgement(session, admin, sid, jid)
            return judgements.view(session, row, ActorNames(session, admin)).stale

    assert not stale()
    with loaded_db.transaction() as session:
        systems.update_system(session, admin, sid, {"name": "別名"}, 1)
    assert not stale()
    with loaded_db.transaction() as session:
        systems.update_system(session, admin, sid, {"deployment": "public"}, 2)
    assert stale()


def test_only_a_signed_judgement_is_evidence_for_3_1(loaded_db: Database, admin: Principal) -> None:
    sid = system(loaded_db, admin)
    with loaded_db.transaction() as session:
        aid = assessments.start_assessment(session, admin, sid).id
    jid = judged(loaded_db, admin, sid, answers(users_public="yes"))

    def items(assessment_id: int) -> dict[str, Any]:
        with loaded_db.reading() as session:
            report = assessments.assessment_report(session, admin, assessment_id)
        return {i.urn.removeprefix(GUIDELINE): i for i in report.items}

    assert items(aid)["3.1"].evidence == []
    signed(loaded_db, admin, sid, jid)
    step = items(aid)["3.1"]
    assert step.state.value == "partial"
    assert (
        step.evidence[0].title_in("en") == "High-risk judgement (DS-920) #1 of 議事録要約 (signed)"
    )
    # a new assessment starts with the signed judgement in force, never with a draft
    judged(loaded_db, admin, sid, answers())
    with loaded_db.transaction() as session:
        assessments.close_assessment(session, admin, aid)
        again = assessments.start_assessment(session, admin, sid).id
    assert [e.title_in("ja") for e in items(again)["3.1"].evidence] == [
        "議事録要約 の高リスク判定（DS-920） #1（署名済み）"
    ]


def test_a_redo_after_the_facts_change_says_what_changed_and_needs_every_perspective(
    loaded_db: Database, admin: Principal, member: MakeMember
) -> None:
    sid = system(loaded_db, admin)
    first = judged(loaded_db, admin, sid, answers())
    signed(loaded_db, admin, sid, first)
    # Not stale yet: a new draft is no redo and signs as before.
    second = judged(loaded_db, admin, sid, answers())
    with loaded_db.reading() as session:
        row = judgements.get_judgement(session, admin, sid, second)
        assert judgements.view(session, row, ActorNames(session, admin)).redo_of is None
    signed(loaded_db, admin, sid, second)
    with loaded_db.transaction() as session:
        systems.update_system(
            session, admin, sid, {"deployment": "public", "affected": ["public"]}, 1
        )
    with loaded_db.reading() as session:
        stale = judgements.view(
            session,
            judgements.get_judgement(session, admin, sid, second),
            ActorNames(session, admin),
        )
    assert stale.stale and stale.changed_facts == ["affected", "deployment"]
    redo = judged(loaded_db, admin, sid, answers())
    with loaded_db.reading() as session:
        row = judgements.get_judgement(session, admin, sid, redo)
        view = judgements.view(session, row, ActorNames(session, admin))
        version = row.version
    assert view.redo_of is not None
    assert (view.redo_of.id, view.redo_of.number) == (second, 2)
    assert view.redo_of.changed_facts == ["affected", "deployment"]
    executive = member("exec@city.example", Role.EXECUTIVE)
    # Worst values: nothing, three of four, unknown names, duplicates.
    for confirmed in (None, [], ["users", "work", "data"], ["users", "users", "x", "work"]):
        with loaded_db.transaction() as session, pytest.raises(ConflictError) as refused:
            judgements.sign(session, executive, sid, redo, version, confirmed)
        assert "確認し直してください" in refused.value.localized("ja")
        assert "confirm each perspective again" in refused.value.localized("en")
    with loaded_db.transaction() as session, pytest.raises(ConflictError) as refused:
        judgements.sign(session, executive, sid, redo, version, ["users", "work", "data"])
    assert "出力結果に対する職員の判断" in refused.value.localized("ja")
    assert "利用者の範囲" not in refused.value.localized("ja")
    with loaded_db.transaction() as session:
        row = judgements.sign(
            session, executive, sid, redo, version, ["output", "data", "work", "users"]
        )
        assert row.reconfirmed == ["users", "work", "data", "output"]
    with loaded_db.reading() as session:
        event = session.scalars(
            select(AuditEventRow)
            .where(AuditEventRow.action == "judgement.sign")
            .order_by(AuditEventRow.id.desc())
        ).first()
        assert event is not None
        assert event.summary["redo_of"] == second
        assert event.summary["reconfirmed"] == ["users", "work", "data", "output"]
        signed_view = judgements.view(
            session, judgements.get_judgement(session, admin, sid, redo), ActorNames(session, admin)
        )
    assert not signed_view.stale and signed_view.reconfirmed is not None


def test_changed_facts_ignore_list_order_and_name_every_fact_when_none_was_kept() -> None:
    from tekisei.core.judgements import JUDGED_FACTS, changed_facts, unconfirmed

    now = SystemFacts.model_validate(
        {"name": "x", "org_role": "user", "affected": ["public", "staff"], "scale": "large"}
    )
    kept = now.model_dump(mode="json")
    assert changed_facts(kept | {"affected": ["staff", "public"]}, now) == []
    assert changed_facts(kept | {"scale": "small", "name": "y"}, now) == ["scale"]
    assert changed_facts(None, now) == list(JUDGED_FACTS)
    assert [p.value for p in unconfirmed(["data", "bogus"])] == ["users", "work", "output"]
