"""The stakeholder register and the engagement log (1(3)②), on both databases: roles,
isolation, versions, archiving, the organisation's clock, hostile text, and evidence in
the guideline assessments."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from tekisei.core.assessments import AnswerFields, AnswerState
from tekisei.core.orgs import OrgActor, OrgCreate, Principal, Role
from tekisei.core.stakeholders import EngagementFields, StakeholderFields, StakeholderKind
from tekisei.core.systems import SystemFacts
from tekisei.db.audit import AuditEventRow
from tekisei.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from tekisei.services import assessments, orgs, stakeholders, systems, users
from tekisei.services.database import Database
from tekisei.services.people import ActorNames

PASSWORD = "correct horse battery"
MakeMember = Callable[..., Principal]
GUIDELINE = "urn:tekisei:req:jp-ai-appropriateness-2025:"


@pytest.fixture
def admin(loaded_db: Database) -> Principal:
    with loaded_db.transaction() as session:
        for slug in ("acme", "other"):
            orgs.create_org(
                session, OrgCreate(name=slug.title(), slug=slug, actors=[OrgActor.BUSINESS]), "cli"
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


def system(database: Database, principal: Principal, name: str = "写真生成") -> int:
    facts = SystemFacts.model_validate(
        {"name": name, "org_role": "provider", "purpose": "広告用の画像を生成する。",
         "deployment": "public", "contact_window": "https://acme.example/contact"}
    )  # fmt: skip
    with database.transaction() as session:
        return systems.register_system(session, principal, facts).id


def add(database: Database, principal: Principal, **fields: object) -> int:
    data = {"name": "写真家協会", "kind": "data_holders", "relation": "indirect",
            "interests": "作品の無断学習", "contact": "info@photo.example"} | fields  # fmt: skip
    with database.transaction() as session:
        return stakeholders.add_stakeholder(
            session, principal, StakeholderFields.model_validate(data)
        ).id


def test_a_stakeholder_is_versioned_audited_and_a_stale_change_is_refused(
    loaded_db: Database, admin: Principal
) -> None:
    sid = add(loaded_db, admin)
    with loaded_db.transaction() as session:
        stakeholders.update_stakeholder(session, admin, sid, {"interests": "対価の還元"}, 1)
    with (
        pytest.raises(ConflictError, match="changed since version 1"),
        loaded_db.transaction() as session,
    ):
        stakeholders.update_stakeholder(session, admin, sid, {"name": "上書き"}, 1)
    with loaded_db.reading() as session:
        row = stakeholders.get_stakeholder(session, admin, sid)
        events = list(
            session.scalars(select(AuditEventRow).where(AuditEventRow.object_type == "stakeholder").order_by(AuditEventRow.id))
        )
    assert (row.version, row.name, row.interests) == (2, "写真家協会", "対価の還元")
    assert [e.action for e in events] == ["stakeholder.create", "stakeholder.update"]
    # the contact is personal data: the audit log says there is one, not what it is
    assert events[0].summary["after"]["contact"] is True
    assert "info@photo.example" not in str([e.summary for e in events])


def test_only_administrators_and_editors_write_and_see_contacts(
    loaded_db: Database, admin: Principal, member: MakeMember
) -> None:
    sid = add(loaded_db, admin)
    editor = member("editor@acme.example", Role.EDITOR)
    add(loaded_db, editor, name="利用者", kind="users", contact="")
    for role in (Role.VIEWER, Role.ASSESSOR, Role.EXECUTIVE, Role.AUDITOR):
        reader = member(f"{role.value}@acme.example", role)
        with pytest.raises(PermissionDeniedError):
            add(loaded_db, reader, name="x")
        with pytest.raises(PermissionDeniedError), loaded_db.transaction() as session:
            stakeholders.update_stakeholder(session, reader, sid, {"name": "x"}, 1)
        with pytest.raises(PermissionDeniedError), loaded_db.transaction() as session:
            stakeholders.archive_stakeholder(session, reader, sid, 1)
        with pytest.raises(PermissionDeniedError), loaded_db.transaction() as session:
            stakeholders.engage(session, reader, sid, EngagementFields(summary="x"))
        with loaded_db.reading() as session:
            rows = stakeholders.list_stakeholders(session, reader)
            shown = [
                stakeholders.view(session, reader, r, ActorNames(session, reader)) for r in rows
            ]
        assert sorted(s.name for s in shown) == ["写真家協会", "利用者"]
        assert all(s.contact is None for s in shown), role
    with loaded_db.reading() as session:
        row = stakeholders.get_stakeholder(session, editor, sid)
        assert stakeholders.view(session, editor, row, ActorNames(session, editor)).contact == (
            "info@photo.example"
        )


def test_external_testers_and_other_organisations_see_nothing_of_the_register(
    loaded_db: Database, admin: Principal, member: MakeMember
) -> None:
    system_id = system(loaded_db, admin)
    sid = add(loaded_db, admin, systems=[system_id])
    tester = member("tester@lab.example", Role.EXTERNAL_TESTER)
    with loaded_db.transaction() as session:
        systems.assign_tester(session, admin, system_id, "tester@lab.example")
    other = member("admin@other.example", Role.ADMIN, "other")
    with loaded_db.reading() as session:
        with pytest.raises(NotFoundError):
            stakeholders.list_stakeholders(session, tester)
        assert stakeholders.for_system(session, tester, system_id) is None
        assert stakeholders.list_stakeholders(session, other) == []
        with pytest.raises(NotFoundError):  # another organisation's system as a filter
            stakeholders.list_stakeholders(session, other, system_id=system_id)
        for outsider in (tester, other):
            with pytest.raises(NotFoundError):
                stakeholders.get_stakeholder(session, outsider, sid)
            with pytest.raises(NotFoundError):
                stakeholders.engagements(session, outsider, sid)
    for outsider in (tester, other):
        with pytest.raises(NotFoundError), loaded_db.transaction() as session:
            stakeholders.update_stakeholder(session, outsider, sid, {"name": "stolen"}, 1)
        with pytest.raises(NotFoundError), loaded_db.transaction() as session:
            stakeholders.engage(session, outsider, sid, EngagementFields(summary="stolen"))
        with pytest.raises(NotFoundError), loaded_db.transaction() as session:
            stakeholders.archive_stakeholder(session, outsider, sid, 1)
    # another organisation's admin cannot link its stakeholders to acme's system either
    with pytest.raises(NotFoundError):
        add(loaded_db, other, systems=[system_id])
    with pytest.raises(NotFoundError):
        add(loaded_db, admin, systems=[system_id, 2**31 - 1])
    with loaded_db.reading() as session:
        row = stakeholders.get_stakeholder(session, admin, sid)
        assert (row.name, row.version) == ("写真家協会", 1)
        assert stakeholders.engagements(session, admin, sid) == []


def test_filters_by_system_and_kind_include_organisation_wide_stakeholders(
    loaded_db: Database, admin: Principal
) -> None:
    first, second = system(loaded_db, admin, "A"), system(loaded_db, admin, "B")
    add(loaded_db, admin, name="A の利用者", kind="users", systems=[first])
    add(loaded_db, admin, name="B の利用者", kind="users", systems=[second, second])
    add(loaded_db, admin, name="所管官庁", kind="regulators")  # every system
    with loaded_db.reading() as session:

        def names(**filters: object) -> list[str]:
            rows = stakeholders.list_stakeholders(session, admin, **filters)  # type: ignore[arg-type]
            return [r.name for r in rows]

        assert names(system_id=first) == ["A の利用者", "所管官庁"]
        assert names(system_id=second, kind=StakeholderKind.USERS) == ["B の利用者"]
        assert names(kind=StakeholderKind.REGULATORS) == ["所管官庁"]
        b = stakeholders.list_stakeholders(session, admin, system_id=second)[0]
        assert stakeholders.systems_of(session, b) == [second]


def test_an_archived_stakeholder_is_kept_but_no_longer_listed_changed_or_engaged(
    loaded_db: Database, admin: Principal
) -> None:
    sid = add(loaded_db, admin)
    with pytest.raises(ConflictError), loaded_db.transaction() as session:
        stakeholders.archive_stakeholder(session, admin, sid, 7)
    with loaded_db.transaction() as session:
        stakeholders.archive_stakeholder(session, admin, sid, 1)
    with pytest.raises(ConflictError, match="archived"), loaded_db.transaction() as session:
        stakeholders.engage(session, admin, sid, EngagementFields(summary="x"))
    with pytest.raises(ConflictError, match="archived"), loaded_db.transaction() as session:
        stakeholders.update_stakeholder(session, admin, sid, {"name": "x"}, 2)
    with loaded_db.reading() as session:
        assert stakeholders.list_stakeholders(session, admin) == []
        kept = stakeholders.list_stakeholders(session, admin, archived=True)
        assert [(r.id, r.version) for r in kept] == [(sid, 2)] and kept[0].archived_at
        actions = session.scalars(
            select(AuditEventRow.action).where(AuditEventRow.object_type == "stakeholder")
        ).all()
    assert list(actions) == ["stakeholder.create", "stakeholder.archive"]


def test_an_engagement_is_dated_on_the_organisations_clock_and_never_in_the_future(
    loaded_db: Database, admin: Principal
) -> None:
    sid = add(loaded_db, admin)
    # 16:00 UTC on 30 November is already 1 December in Tokyo (the default zone)
    evening = datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    with loaded_db.transaction() as session:
        entry = stakeholders.engage(
            session, admin, sid, EngagementFields(kind="survey", summary="アンケート"), now=evening
        )
        assert entry.happened_on == date(2026, 12, 1)
    with pytest.raises(InvalidInputError, match="after today"), loaded_db.transaction() as session:
        stakeholders.engage(
            session, admin, sid,
            EngagementFields(happened_on=date(2026, 12, 2), summary="未来"), now=evening,
        )  # fmt: skip
    with loaded_db.transaction() as session:
        stakeholders.engage(
            session, admin, sid,
            EngagementFields(happened_on=date(2026, 11, 1), kind="meeting", summary="説明会",
                             outcome="オプトアウト窓口を設けた。"),
            now=evening,
        )  # fmt: skip
    with loaded_db.reading() as session:
        log = stakeholders.engagements(session, admin, sid)
        events = session.scalars(
            select(AuditEventRow.action).where(AuditEventRow.action == "stakeholder.engage")
        ).all()
    assert [(e.happened_on, e.kind) for e in log] == [
        (date(2026, 12, 1), "survey"),
        (date(2026, 11, 1), "meeting"),
    ]
    assert len(events) == 2


@pytest.mark.parametrize(
    ("fields", "value"),
    [
        ("name", "x" * 201),
        ("name", "   "),
        ("interests", "x" * 4001),
        ("contact", "x" * 501),
        ("kind", "journalists"),
        ("relation", "sideways"),
        ("systems", list(range(1, 52))),
        ("systems", [0]),
        ("systems", [2**31]),
    ],
)
def test_limits_and_codes_are_enforced_before_anything_is_stored(
    fields: str, value: object
) -> None:
    with pytest.raises(ValidationError):
        StakeholderFields.model_validate({"name": "n"} | {fields: value})


@pytest.mark.parametrize(
    "data",
    [{"summary": ""}, {"summary": "x" * 4001}, {"summary": "x", "kind": "bribe"},
     {"summary": "x", "outcome": "x" * 4001}, {"summary": "x", "happened_on": "yesterday"}],
)  # fmt: skip
def test_an_engagement_out_of_bounds_is_refused(data: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        EngagementFields.model_validate(data)


def test_hostile_text_is_kept_as_written_and_an_unknown_field_is_refused(
    loaded_db: Database, admin: Principal
) -> None:
    hostile = '=HYPERLINK("http://evil.example","x") <script>alert(1)</script>'
    sid = add(loaded_db, admin, name=hostile, interests="+cmd|' /C calc'!A0")
    with pytest.raises(InvalidInputError, match="unknown"), loaded_db.transaction() as session:
        stakeholders.update_stakeholder(session, admin, sid, {"org_id": 2}, 1)
    with loaded_db.reading() as session:
        row = stakeholders.get_stakeholder(session, admin, sid)
    assert row.name == hostile and row.org_id == admin.org_id and row.version == 1


def _items(database: Database, principal: Principal, assessment_id: int) -> dict[str, Any]:
    with database.reading() as session:
        report = assessments.assessment_report(session, principal, assessment_id)
    return {i.urn.removeprefix(GUIDELINE): i for i in report.items}


def test_stakeholders_and_engagements_are_evidence_for_1_3_2_and_2_2_of_their_systems(
    loaded_db: Database, admin: Principal
) -> None:
    mine, theirs = system(loaded_db, admin, "A"), system(loaded_db, admin, "B")
    with loaded_db.transaction() as session:
        a = assessments.start_assessment(session, admin, mine).id
        b = assessments.start_assessment(session, admin, theirs).id
        assessments.answer_requirement(
            session, admin, a, GUIDELINE + "2.2",
            AnswerFields(state=AnswerState.NOT_IMPLEMENTED, notes="まだ"),
        )  # fmt: skip
    with loaded_db.reading() as session:
        before = assessments.assessment_report(session, admin, a).overall.completeness
    sid = add(loaded_db, admin, systems=[mine])
    with loaded_db.transaction() as session:
        stakeholders.engage(
            session, admin, sid,
            EngagementFields(happened_on=date(2026, 1, 5), summary="説明会"),
        )  # fmt: skip
    items = _items(loaded_db, admin, a)
    step = items["1.3.2"]
    assert [e.title_in("ja") for e in step.evidence] == [
        "ステークホルダー: 写真家協会",
        "ステークホルダーとの関与: 写真家協会（2026-01-05）",
    ]
    assert step.evidence[0].title_in("en") == "Stakeholder: 写真家協会"
    assert step.state.value == "partial"
    assert "一部実施" in step.auto_note.ja
    assert items["2.2"].state.value == "not_implemented"
    assert len(items["2.2"].evidence) == 2
    assert not _items(loaded_db, admin, b)["1.3.2"].evidence
    with loaded_db.reading() as session:
        after = assessments.assessment_report(session, admin, a).overall.completeness
    assert after > before


def test_an_organisation_wide_stakeholder_counts_for_every_system_now_and_later(
    loaded_db: Database, admin: Principal
) -> None:
    first = system(loaded_db, admin, "A")
    with loaded_db.transaction() as session:
        a = assessments.start_assessment(session, admin, first).id
    sid = add(loaded_db, admin, name="地域住民", kind="communities")
    archived = add(loaded_db, admin, name="旧委託先", kind="vendors")
    with loaded_db.transaction() as session:
        stakeholders.archive_stakeholder(session, admin, archived, 1)
        stakeholders.engage(session, admin, sid, EngagementFields(summary="住民説明会"))
    later = system(loaded_db, admin, "B")
    with loaded_db.transaction() as session:
        b = assessments.start_assessment(session, admin, later).id

    def titles(assessment_id: int) -> list[str]:
        found = _items(loaded_db, admin, assessment_id)["1.3.2"].evidence
        return [e.title_in("en") for e in found]

    # what was attached while it was current stays; a later assessment gets only the current
    assert titles(a)[:2] == ["Stakeholder: 地域住民", "Stakeholder: 旧委託先"]
    assert titles(a)[2].startswith("Engagement with a stakeholder: 地域住民 (")
    assert titles(b) == titles(a)[:1] + titles(a)[2:]


def test_linking_a_stakeholder_to_another_system_later_attaches_it_there(
    loaded_db: Database, admin: Principal
) -> None:
    first, second = system(loaded_db, admin, "A"), system(loaded_db, admin, "B")
    with loaded_db.transaction() as session:
        b = assessments.start_assessment(session, admin, second).id
    sid = add(loaded_db, admin, systems=[first])
    assert not _items(loaded_db, admin, b)["1.3.2"].evidence
    with loaded_db.transaction() as session:
        stakeholders.update_stakeholder(session, admin, sid, {"systems": [first, second]}, 1)
    assert len(_items(loaded_db, admin, b)["1.3.2"].evidence) == 1


def test_concurrent_edits_of_one_version_let_exactly_one_win(
    loaded_db: Database, admin: Principal
) -> None:
    sid = add(loaded_db, admin)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def write(text: str) -> None:
        barrier.wait()
        try:
            with loaded_db.transaction() as session:
                stakeholders.update_stakeholder(session, admin, sid, {"interests": text}, 1)
            outcomes.append("saved")
        except ConflictError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=write, args=(t,)) for t in ("対価", "同意")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["conflict", "saved"]
    with loaded_db.reading() as session:
        row = stakeholders.get_stakeholder(session, admin, sid)
        updates = session.scalars(
            select(AuditEventRow.id).where(AuditEventRow.action == "stakeholder.update")
        ).all()
    assert row.version == 2 and row.interests in ("対価", "同意") and len(updates) == 1


def test_the_register_and_a_log_are_limited_per_organisation_and_per_stakeholder(
    loaded_db: Database, admin: Principal, member: MakeMember, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stakeholders, "MAX_STAKEHOLDERS", 2)
    monkeypatch.setattr(stakeholders, "MAX_ENGAGEMENTS", 1)
    first = add(loaded_db, admin, name="一")
    second = add(loaded_db, admin, name="二")
    with loaded_db.transaction() as session:
        stakeholders.archive_stakeholder(session, admin, second, 1)
    with pytest.raises(InvalidInputError) as full:
        add(loaded_db, admin, name="三")  # archived ones count
    assert "アーカイブ済みを含む" in full.value.localized("ja")
    add(loaded_db, member("admin@other.example", Role.ADMIN, "other"), name="他社")
    with loaded_db.transaction() as session:
        stakeholders.engage(session, admin, first, EngagementFields(summary="一回目"))
    with pytest.raises(InvalidInputError), loaded_db.transaction() as session:
        stakeholders.engage(session, admin, first, EngagementFields(summary="二回目"))
    with loaded_db.reading() as session:
        assert len(stakeholders.list_stakeholders(session, admin, archived=True)) == 2
        assert [e.summary for e in stakeholders.engagements(session, admin, first)] == ["一回目"]


def test_an_external_tester_reads_the_assessment_without_organisation_records(
    loaded_db: Database, admin: Principal, member: MakeMember
) -> None:
    system_id = system(loaded_db, admin)
    with loaded_db.transaction() as session:
        assessment = assessments.start_assessment(session, admin, system_id).id
    tester = member("tester@lab.example", Role.EXTERNAL_TESTER)
    with loaded_db.transaction() as session:
        systems.assign_tester(session, admin, system_id, "tester@lab.example")
    sid = add(loaded_db, admin, systems=[system_id])
    with loaded_db.transaction() as session:
        stakeholders.engage(session, admin, sid, EngagementFields(summary="説明会"))
    assert len(_items(loaded_db, admin, assessment)["1.3.2"].evidence) == 2
    seen = _items(loaded_db, tester, assessment)["1.3.2"]
    assert seen.evidence == []  # the organisation's register is not the tester's to read
    assert seen.state.value == "partial"  # the answer itself is the system's
