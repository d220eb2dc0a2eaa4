"""AI policies (2(1)), on both databases: started from tekisei's templates, edited with
versions, approved by an executive only, kept as approved, published, in force from their
effective date, acknowledged per member and version, withdrawn with a record, scoped to
the organisation, and evidence for their items while in force."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from tekisei.core.assessments import AnswerFields, AnswerState
from tekisei.core.orgs import OrgActor, OrgCreate, Principal, Role
from tekisei.core.policies import Audience, PolicyKind, PolicyTerms, PolicyText
from tekisei.core.systems import SystemFacts
from tekisei.db.audit import AuditEventRow
from tekisei.db.policies import PolicyVersionRow
from tekisei.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from tekisei.services import (
    assessments,
    orgs,
    policies,
    policy_acknowledgements,
    policy_approvals,
    policy_versions,
    policy_views,
    systems,
    users,
)
from tekisei.services.database import Database

PASSWORD = "correct horse battery"
MakeMember = Callable[..., Principal]
TODAY = date(2026, 12, 2)
HOSTILE = '<script>alert("x")</script> =HYPERLINK("http://evil.example","x") {organisation}'


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
    def make(email: str, role: Role, org: str = "acme", name: str = "") -> Principal:
        with loaded_db.transaction() as session:
            users.create_user(
                session,
                users.UserCreate(email=email, name=name, password=PASSWORD),
                org,
                role,
                actor="cli",
                must_change_password=False,
            )
            return users.principal_for(session, email, org)

    return make


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[date], None]:
    """Sets the organisations' date (the clock is the outside world)."""

    def set_today(day: date) -> None:
        monkeypatch.setattr(policy_versions, "today", lambda *_args, **_kw: day)

    set_today(TODAY)
    return set_today


def create(database: Database, principal: Principal, kind: PolicyKind = PolicyKind.BASIC) -> int:
    with database.transaction() as session:
        return policies.create_policy(session, principal, kind).id


def set_terms(
    database: Database,
    principal: Principal,
    policy_id: int,
    *,
    effective_on: date | None = TODAY,
    audience: Audience = Audience.PUBLIC,
    body: str | None = None,
) -> int:
    with database.transaction() as session:
        row = policies.get_policy(session, principal, policy_id)
        content = policies.content_of(row)
        ja = content.ja if body is None else PolicyText(title="方針", body=body)
        terms = PolicyTerms(items=list(row.items), audience=audience, effective_on=effective_on)
        return policies.save_draft(
            session, principal, policy_id, {"ja": ja, "en": content.en}, terms, row.version
        ).version


def approve(database: Database, editor: Principal, executive: Principal, policy_id: int) -> int:
    with database.transaction() as session:
        version = policies.get_policy(session, editor, policy_id).version
        policy_approvals.request_approval(session, editor, policy_id, version, "ご確認ください")
        made = policy_approvals.decide_approval(
            session, executive, policy_id, approve=True, reason="確認した", version=version
        )
        assert made is not None
        return made.number


def publish(database: Database, editor: Principal, policy_id: int, number: int) -> None:
    with database.transaction() as session:
        policies.publish_version(session, editor, policy_id, number)


def in_force_policy(
    database: Database, editor: Principal, executive: Principal, **terms: object
) -> int:
    policy_id = create(database, editor)
    set_terms(database, editor, policy_id, **terms)  # type: ignore[arg-type]
    publish(database, editor, policy_id, approve(database, editor, executive, policy_id))
    return policy_id


def view(database: Database, principal: Principal, policy_id: int) -> policy_views.PolicyView:
    with database.reading() as session:
        return policy_views.view(
            session, principal, policies.get_policy(session, principal, policy_id)
        )


def provider_system(database: Database, principal: Principal) -> tuple[int, int]:
    """A system the organisation provides (2(1) applies to it), with an open assessment."""
    with database.transaction() as session:
        system_id = systems.register_system(
            session,
            principal,
            SystemFacts.model_validate({"name": "問い合わせ応答AI", "org_role": "provider"}),
        ).id
        return system_id, assessments.start_assessment(session, principal, system_id).id


def items(database: Database, principal: Principal, assessment_id: int) -> dict[str, object]:
    with database.reading() as session:
        report = assessments.assessment_report(session, principal, assessment_id)
    return {i.urn.rsplit(":", 1)[1]: i for i in report.items} | {"_overall": report.overall}


# ----------------------------------------------------------------------------- templates


def test_a_new_policy_starts_from_tekiseis_template_in_both_languages_with_default_items(
    loaded_db: Database, admin: Principal, member: MakeMember
) -> None:
    editor = member("editor@acme.example", Role.EDITOR)
    for kind in PolicyKind:
        policy_id = create(loaded_db, editor, kind)
        shown = view(loaded_db, editor, policy_id)
        assert shown.content.ja is not None and shown.content.en is not None, kind
        assert (
            shown.content.ja.body.startswith("## 1.")
            and "{organisation}" not in shown.content.ja.body
        )
        assert shown.template == "tekisei-policy-templates/1"
        assert shown.items and shown.status == "draft" and shown.version == 1
    basic = view(loaded_db, editor, create(loaded_db, editor))
    assert (
        basic.content.ja is not None and "Acme 株式会社（以下「当組織」）" in basic.content.ja.body
    )
    assert basic.content.en is not None and "Acme 株式会社 (“we”)" in basic.content.en.body
    assert [i.ref for i in basic.items] == ["1.3.1", "1.3.3", "2.1", "fn20"]  # guideline order
    assert basic.audience is Audience.PUBLIC
    assert basic.problems[-1].en == "the effective date is not set"
    with loaded_db.transaction() as session:
        blank = policies.create_policy(session, editor, PolicyKind.DATA, from_template=False)
        assert policies.content_of(blank).languages() == [] and blank.template == ""


def test_the_organisations_name_is_put_in_as_data_never_as_a_format(
    loaded_db: Database, admin: Principal
) -> None:
    with loaded_db.transaction() as session:
        orgs.create_org(
            session,
            OrgCreate(name="{organisation} <b>社</b> %s", slug="brace", actors=[OrgActor.BUSINESS]),
            "cli",
        )
        odd = orgs.cli_principal(session, "brace")
        row = policies.create_policy(session, odd, PolicyKind.ACCEPTABLE_USE)
        content = policies.content_of(row)
    assert content.ja is not None and content.ja.body.count("{organisation} <b>社</b> %s") == 1


# ----------------------------------------------------------------------------- drafts


def test_a_stale_edit_is_refused_and_overwrites_nothing_and_no_change_keeps_the_version(
    loaded_db: Database, admin: Principal
) -> None:
    policy_id = create(loaded_db, admin)
    first = set_terms(loaded_db, admin, policy_id, body="一人目の本文")
    assert first == 2
    with (
        pytest.raises(ConflictError, match="changed since version 1"),
        loaded_db.transaction() as session,
    ):
        policies.save_draft(
            session,
            admin,
            policy_id,
            {"ja": PolicyText(title="x", body="二人目")},
            PolicyTerms(),
            1,
        )
    shown = view(loaded_db, admin, policy_id)
    assert shown.content.ja is not None and shown.content.ja.body == "一人目の本文"
    again = set_terms(loaded_db, admin, policy_id, body="一人目の本文")
    assert again == 2  # nothing changed: the version stays
    with loaded_db.reading() as session:
        edits = session.scalars(
            select(AuditEventRow.summary).where(AuditEventRow.action == "policy.edit")
        ).all()
    assert len(edits) == 1 and "ja.body" in edits[0]["changed"]


def test_unknown_guideline_items_and_over_long_bodies_are_refused(
    loaded_db: Database, admin: Principal
) -> None:
    policy_id = create(loaded_db, admin)
    with (
        pytest.raises(InvalidInputError, match=r"9\.9") as refused,
        loaded_db.transaction() as session,
    ):
        policies.save_draft(session, admin, policy_id, {}, PolicyTerms(items=["2.1", "9.9"]), 1)
    assert refused.value.field == "items" and "9.9" in (refused.value.message_ja or "")
    with pytest.raises(InvalidInputError), loaded_db.transaction() as session:
        policies.save_draft(
            session, admin, policy_id, {}, PolicyTerms(items=["2"]), 1
        )  # not assessable
    with pytest.raises(ValidationError):
        PolicyTerms(items=["<script>"])
    with pytest.raises(ValidationError):
        PolicyText(title="t", body="x" * 100_000)
    with pytest.raises(ValidationError):
        PolicyText(title="t" * 201, body="x")
    assert view(loaded_db, admin, policy_id).version == 1


def test_hostile_text_is_kept_as_written(loaded_db: Database, admin: Principal) -> None:
    policy_id = create(loaded_db, admin)
    with loaded_db.transaction() as session:
        policies.save_draft(
            session,
            admin,
            policy_id,
            {"ja": PolicyText(title=HOSTILE[:200], body=f"## {HOSTILE}\n- {HOSTILE}")},
            PolicyTerms(items=["2.1"], effective_on=TODAY),
            1,
        )
    shown = view(loaded_db, admin, policy_id)
    assert shown.content.ja is not None and shown.content.ja.body == f"## {HOSTILE}\n- {HOSTILE}"
    assert shown.content.en is None and shown.problems == []


# ----------------------------------------------------------------------------- approval


def test_only_an_executive_approves_and_only_writers_draft_ask_and_publish(
    loaded_db: Database, admin: Principal, member: MakeMember, clock: Callable[[date], None]
) -> None:
    editor = member("editor@acme.example", Role.EDITOR)
    executive = member("ceo@acme.example", Role.EXECUTIVE)
    readers = [
        member(f"{r.value}@acme.example", r) for r in (Role.ASSESSOR, Role.AUDITOR, Role.VIEWER)
    ]
    for reader in [*readers, executive]:
        with pytest.raises(PermissionDeniedError), loaded_db.transaction() as session:
            policies.create_policy(session, reader, PolicyKind.BASIC)
    policy_id = create(loaded_db, editor)
    with (
        pytest.raises(InvalidInputError, match="effective date"),
        loaded_db.transaction() as session,
    ):
        policy_approvals.request_approval(session, editor, policy_id, 1)
    version = set_terms(loaded_db, editor, policy_id)
    for reader in [*readers, executive]:
        with pytest.raises(PermissionDeniedError), loaded_db.transaction() as session:
            policies.save_draft(session, reader, policy_id, {}, PolicyTerms(), version)
        with pytest.raises(PermissionDeniedError), loaded_db.transaction() as session:
            policy_approvals.request_approval(session, reader, policy_id, version)
    with pytest.raises(ConflictError, match="no approval"), loaded_db.transaction() as session:
        policy_approvals.decide_approval(
            session, executive, policy_id, approve=True, reason="x", version=version
        )
    with loaded_db.transaction() as session:
        policy_approvals.request_approval(session, editor, policy_id, version, "お願いします")
    with pytest.raises(ConflictError, match="already waiting"), loaded_db.transaction() as session:
        policy_approvals.request_approval(session, editor, policy_id, version)
    for outsider in (editor, admin, *readers):  # the approval is management's alone
        with pytest.raises(PermissionDeniedError), loaded_db.transaction() as session:
            policy_approvals.decide_approval(
                session, outsider, policy_id, approve=True, reason="x", version=version
            )
    with pytest.raises(InvalidInputError, match="reason"), loaded_db.transaction() as session:
        policy_approvals.decide_approval(
            session, executive, policy_id, approve=True, reason="  ", version=version
        )
    with loaded_db.transaction() as session:
        made = policy_approvals.decide_approval(
            session, executive, policy_id, approve=True, reason="内容を確認した", version=version
        )
        assert made is not None and made.number == 1
    shown = view(loaded_db, editor, policy_id)
    assert shown.approved_as == 1 and shown.publishable == 1 and shown.status == "draft"
    with pytest.raises(PermissionDeniedError), loaded_db.transaction() as session:
        policies.publish_version(session, executive, policy_id, 1)
    publish(loaded_db, editor, policy_id, 1)
    shown = view(loaded_db, executive, policy_id)
    assert shown.status == "in_force" and shown.in_force == 1 and shown.current == 1
    with loaded_db.reading() as session:
        decision = session.scalars(
            select(AuditEventRow).where(AuditEventRow.action == "policy.approve").order_by(AuditEventRow.id)
        ).one()
    assert decision.actor == "ceo@acme.example" and decision.summary["number"] == 1
    assert decision.summary["subject_created_by"] == "editor@acme.example"
    assert decision.summary["approver_added_by"] == "cli"


def test_an_edit_after_the_request_voids_it_and_a_rejection_keeps_the_reason(
    loaded_db: Database, admin: Principal, member: MakeMember
) -> None:
    executive = member("ceo@acme.example", Role.EXECUTIVE)
    policy_id = create(loaded_db, admin)
    version = set_terms(loaded_db, admin, policy_id)
    with loaded_db.transaction() as session:
        policy_approvals.request_approval(session, admin, policy_id, version)
    changed = set_terms(loaded_db, admin, policy_id, body="承認申請の後に書き換えた本文")
    with (
        pytest.raises(ConflictError, match="changed after approval"),
        loaded_db.transaction() as session,
    ):
        policy_approvals.decide_approval(
            session, executive, policy_id, approve=True, reason="x", version=changed
        )
    with pytest.raises(ConflictError), loaded_db.transaction() as session:
        policy_approvals.decide_approval(
            session, executive, policy_id, approve=True, reason="x", version=version
        )
    with loaded_db.transaction() as session:
        policy_approvals.request_approval(session, admin, policy_id, changed)
        rejected = policy_approvals.decide_approval(
            session,
            executive,
            policy_id,
            approve=False,
            reason="第3条を見直すこと",
            version=changed,
        )
    assert rejected is None
    shown = view(loaded_db, admin, policy_id)
    assert shown.approval is not None and shown.approval.status == "rejected"
    assert shown.approval.reason == "第3条を見直すこと" and shown.versions == []


def test_an_approved_version_is_kept_as_approved_and_published_once(
    loaded_db: Database, admin: Principal, member: MakeMember, clock: Callable[[date], None]
) -> None:
    executive = member("ceo@acme.example", Role.EXECUTIVE)
    policy_id = create(loaded_db, admin)
    set_terms(loaded_db, admin, policy_id, body="第1版の本文")
    number = approve(loaded_db, admin, executive, policy_id)
    set_terms(loaded_db, admin, policy_id, body="第2版の下書き")  # the draft moves on
    with loaded_db.reading() as session:
        kept = policy_views.version_view(session, admin, policy_id, number)
    assert kept.content.ja is not None and kept.content.ja.body == "第1版の本文"
    with loaded_db.transaction() as session:
        row = session.scalars(select(PolicyVersionRow)).one()
        row.content = {"ja": None, "en": None}
        with pytest.raises(RuntimeError, match="never changed"):
            session.flush()
        session.rollback()
    publish(loaded_db, admin, policy_id, number)
    with pytest.raises(ConflictError, match="published already"):
        publish(loaded_db, admin, policy_id, number)
    with loaded_db.transaction() as session:
        row = session.scalars(select(PolicyVersionRow)).one()
        row.published_by = "someone-else@acme.example"
        with pytest.raises(RuntimeError, match="never changed"):
            session.flush()
        session.rollback()
    with pytest.raises(NotFoundError), loaded_db.reading() as session:
        policy_views.version_view(session, admin, policy_id, 2)


def test_a_version_published_ahead_takes_effect_on_its_date_and_supersedes_the_last(
    loaded_db: Database, admin: Principal, member: MakeMember, clock: Callable[[date], None]
) -> None:
    executive = member("ceo@acme.example", Role.EXECUTIVE)
    policy_id = in_force_policy(loaded_db, admin, executive, body="第1版")
    later = TODAY + timedelta(days=30)
    set_terms(loaded_db, admin, policy_id, body="第2版", effective_on=later)
    publish(loaded_db, admin, policy_id, approve(loaded_db, admin, executive, policy_id))
    shown = view(loaded_db, admin, policy_id)
    assert (shown.status, shown.in_force, shown.scheduled, shown.current) == ("in_force", 1, 2, 2)
    clock(later)
    shown = view(loaded_db, admin, policy_id)
    assert (shown.in_force, shown.scheduled) == (2, None)
    with loaded_db.reading() as session:
        listed = policy_views.list_policies(session, admin)
    assert listed[0].in_force == 2 and listed[0].effective_on == later


# ----------------------------------------------------------------------------- withdrawal


def test_withdrawing_leaves_a_record_and_a_new_approval_puts_it_back(
    loaded_db: Database, admin: Principal, member: MakeMember, clock: Callable[[date], None]
) -> None:
    executive = member("ceo@acme.example", Role.EXECUTIVE)
    policy_id = create(loaded_db, admin)
    with (
        pytest.raises(ConflictError, match="nothing to withdraw"),
        loaded_db.transaction() as session,
    ):
        policies.withdraw_policy(session, admin, policy_id, "理由")
    set_terms(loaded_db, admin, policy_id)
    publish(loaded_db, admin, policy_id, approve(loaded_db, admin, executive, policy_id))
    with pytest.raises(InvalidInputError), loaded_db.transaction() as session:
        policies.withdraw_policy(session, admin, policy_id, "   ")
    with pytest.raises(InvalidInputError), loaded_db.transaction() as session:
        policies.withdraw_policy(session, admin, policy_id, "x" * 2001)
    with loaded_db.transaction() as session:
        policies.withdraw_policy(session, admin, policy_id, "新しい規程に統合したため")
    shown = view(loaded_db, admin, policy_id)
    assert shown.status == "withdrawn" and shown.in_force is None and shown.current is None
    assert shown.withdrawal_reason == "新しい規程に統合したため" and shown.withdrawn_at
    assert [v.number for v in shown.versions] == [1]  # the version stays
    with pytest.raises(ConflictError, match="newest approved version"):
        publish(loaded_db, admin, policy_id, 1)  # a withdrawn version is not published again
    publish(loaded_db, admin, policy_id, approve(loaded_db, admin, executive, policy_id))
    shown = view(loaded_db, admin, policy_id)
    assert shown.status == "in_force" and shown.in_force == 2 and shown.withdrawn_at is None
    with loaded_db.reading() as session:
        actions = list(session.scalars(select(AuditEventRow.action).order_by(AuditEventRow.seq)))
    assert actions.count("policy.withdraw") == 1 and actions.count("policy.publish") == 2


# ----------------------------------------------------------------------------- acknowledgements


def test_each_member_acknowledges_the_current_version_once_and_a_new_version_needs_new_ones(
    loaded_db: Database, admin: Principal, member: MakeMember, clock: Callable[[date], None]
) -> None:
    executive = member("ceo@acme.example", Role.EXECUTIVE, name="佐藤 一郎")
    viewer = member("viewer@acme.example", Role.VIEWER, name="閲覧 花子")
    member("tester@lab.example", Role.EXTERNAL_TESTER, name="外部 太郎")
    policy_id = create(loaded_db, admin)
    with (
        pytest.raises(ConflictError, match="nothing is published"),
        loaded_db.transaction() as session,
    ):
        policy_acknowledgements.acknowledge(session, viewer, policy_id, 1)
    set_terms(loaded_db, admin, policy_id)
    publish(loaded_db, admin, policy_id, approve(loaded_db, admin, executive, policy_id))
    with pytest.raises(InvalidInputError, match="--user"), loaded_db.transaction() as session:
        policy_acknowledgements.acknowledge(session, admin, policy_id, 1)  # the CLI operator
    with loaded_db.transaction() as session:
        policy_acknowledgements.acknowledge(session, viewer, policy_id, 1)
    with pytest.raises(ConflictError, match="already"), loaded_db.transaction() as session:
        policy_acknowledgements.acknowledge(session, viewer, policy_id, 1)
    with pytest.raises(ConflictError, match="not the current"), loaded_db.transaction() as session:
        policy_acknowledgements.acknowledge(session, executive, policy_id, 2)
    with loaded_db.reading() as session:
        seen_by_viewer = policy_acknowledgements.acknowledgements(session, viewer, policy_id)
        seen_by_admin = policy_acknowledgements.acknowledgements(session, admin, policy_id)
    assert (seen_by_viewer.number, seen_by_viewer.acknowledged, seen_by_viewer.members) == (1, 1, 2)
    assert [p.name for p in seen_by_viewer.people] == ["佐藤 一郎", "閲覧 花子"]  # not yet, first
    assert seen_by_viewer.mine is not None and seen_by_admin.mine is None
    assert all(p.email is None for p in seen_by_viewer.people)  # names, not addresses
    assert {p.email for p in seen_by_admin.people} == {"ceo@acme.example", "viewer@acme.example"}
    set_terms(loaded_db, admin, policy_id, body="改定した本文")
    publish(loaded_db, admin, policy_id, approve(loaded_db, admin, executive, policy_id))
    with loaded_db.reading() as session:
        after = policy_acknowledgements.acknowledgements(session, viewer, policy_id)
        listed = policy_views.list_policies(session, viewer)
    assert (after.number, after.acknowledged, after.mine) == (2, 0, None)
    assert listed[0].acknowledged is False
    with pytest.raises(ConflictError, match="not the current"), loaded_db.transaction() as session:
        policy_acknowledgements.acknowledge(session, viewer, policy_id, 1)
    with loaded_db.reading() as session:
        events = session.scalars(
            select(AuditEventRow).where(AuditEventRow.action == "policy.acknowledge").order_by(AuditEventRow.id)
        ).all()
    assert [(e.actor, e.summary["number"]) for e in events] == [("viewer@acme.example", 1)]


# ----------------------------------------------------------------------------- isolation


def test_another_organisation_and_external_testers_find_no_policy(
    loaded_db: Database, admin: Principal, member: MakeMember, clock: Callable[[date], None]
) -> None:
    executive = member("ceo@acme.example", Role.EXECUTIVE)
    policy_id = in_force_policy(loaded_db, admin, executive)
    other_admin = orgs_principal(loaded_db, "other")
    other_executive = member("ceo@other.example", Role.EXECUTIVE, "other")
    tester = member("tester@lab.example", Role.EXTERNAL_TESTER)
    for outsider in (other_admin, other_executive, tester):
        with pytest.raises(NotFoundError), loaded_db.reading() as session:
            policies.get_policy(session, outsider, policy_id)
        with pytest.raises(NotFoundError), loaded_db.reading() as session:
            policy_views.version_view(session, outsider, policy_id, 1)
        with pytest.raises(NotFoundError), loaded_db.reading() as session:
            policy_acknowledgements.acknowledgements(session, outsider, policy_id)
        calls: list[Callable[..., object]] = [
            lambda s, p: policies.save_draft(s, p, policy_id, {}, PolicyTerms(), 1),
            lambda s, p: policy_approvals.request_approval(s, p, policy_id, 1),
            lambda s, p: policy_approvals.decide_approval(
                s, p, policy_id, approve=True, reason="x", version=1
            ),
            lambda s, p: policies.publish_version(s, p, policy_id, 1),
            lambda s, p: policies.withdraw_policy(s, p, policy_id, "stolen"),
            lambda s, p: policy_acknowledgements.acknowledge(s, p, policy_id, 1),
        ]
        for call in calls:
            with pytest.raises(NotFoundError), loaded_db.transaction() as session:
                call(session, outsider)
    with loaded_db.reading() as session:
        assert policy_views.list_policies(session, other_admin) == []
        with pytest.raises(PermissionDeniedError):
            policy_views.list_policies(session, tester)
    assert view(loaded_db, admin, policy_id).status == "in_force"


def orgs_principal(database: Database, slug: str) -> Principal:
    with database.reading() as session:
        return orgs.cli_principal(session, slug)


# ----------------------------------------------------------------------------- evidence


def test_a_policy_in_force_is_evidence_for_its_items_and_completeness_shows_it(
    loaded_db: Database, admin: Principal, member: MakeMember, clock: Callable[[date], None]
) -> None:
    executive = member("ceo@acme.example", Role.EXECUTIVE)
    system_id, assessment_id = provider_system(loaded_db, admin)
    with loaded_db.transaction() as session:  # a person's answer stays theirs
        assessments.answer_requirement(
            session,
            admin,
            assessment_id,
            "jp-ai-appropriateness-2025:1(3)①",
            AnswerFields(state=AnswerState.IMPLEMENTED, notes="リスク評価の手順あり"),
        )
    before = items(loaded_db, admin, assessment_id)
    draft_only = create(loaded_db, admin)
    set_terms(loaded_db, admin, draft_only)
    approve(loaded_db, admin, executive, draft_only)  # approved, not published: no evidence
    assert items(loaded_db, admin, assessment_id)["2.1"].evidence == []  # type: ignore[attr-defined]
    policy_id = create(loaded_db, admin)
    set_terms(loaded_db, admin, policy_id)
    publish(loaded_db, admin, policy_id, approve(loaded_db, admin, executive, policy_id))
    after = items(loaded_db, admin, assessment_id)
    for ref in ("2.1", "1.3.3"):
        found = after[ref]
        assert found.state.value == "partial", ref  # type: ignore[attr-defined]
        assert [e.title_in("en") for e in found.evidence] == ["AI policy “AI基本方針”, version 1"]  # type: ignore[attr-defined]
    assert after["1.3.1"].state.value == "implemented"  # type: ignore[attr-defined]
    assert after["1.3.1"].notes == "リスク評価の手順あり"  # type: ignore[attr-defined]
    assert after["_overall"].completeness > before["_overall"].completeness  # type: ignore[attr-defined]
    assert "fn20" not in after  # a ministry's item: not for a business
    # a new assessment starts with what is in force
    with loaded_db.transaction() as session:
        assessments.close_assessment(session, admin, assessment_id)
        fresh = assessments.start_assessment(session, admin, system_id).id
    assert [e.id for e in items(loaded_db, admin, fresh)["2.1"].evidence]  # type: ignore[attr-defined]


def test_a_version_published_ahead_becomes_evidence_from_its_date(
    loaded_db: Database, admin: Principal, member: MakeMember, clock: Callable[[date], None]
) -> None:
    executive = member("ceo@acme.example", Role.EXECUTIVE)
    _, assessment_id = provider_system(loaded_db, admin)
    later = TODAY + timedelta(days=10)
    in_force_policy(loaded_db, admin, executive, effective_on=later)
    assert items(loaded_db, admin, assessment_id)["2.1"].evidence == []  # type: ignore[attr-defined]
    with loaded_db.transaction() as session:
        assert policies.take_effect(session, admin) == []
    clock(later)
    with loaded_db.transaction() as session:
        attached = policies.take_effect(session, admin)
    assert any(u.endswith(":2.1") for u in attached)
    assert len(items(loaded_db, admin, assessment_id)["2.1"].evidence) == 1  # type: ignore[attr-defined]
    with loaded_db.transaction() as session:
        assert policies.take_effect(session, admin) == []  # attached once
