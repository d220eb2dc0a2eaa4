"""Oversight across organisations (3(2)), on both databases: grants and revocations
audited in both organisations, aggregates and never records, "not found" for every
organisation that has not granted (a third one, a revoked one, an unknown one), the roles
on each side, systems shared item by item, and the monthly trend."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tekisei.core.incidents import IncidentReport, IncidentState, Severity
from tekisei.core.inquiries import InquirySubmission
from tekisei.core.orgs import OrgActor, OrgCreate, Principal, Role
from tekisei.core.systems import SystemFacts
from tekisei.db.audit import AuditEventRow
from tekisei.db.inquiries import InquiryRow
from tekisei.db.orgs import OrgRow
from tekisei.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from tekisei.services import incidents, inquiries, orgs, oversight, public_inquiries, systems, users
from tekisei.services.database import Database

PASSWORD = "correct horse battery"
MakeMember = Callable[..., Principal]


@pytest.fixture
def city(loaded_db: Database) -> Principal:
    with loaded_db.transaction() as session:
        for slug, actor in (("city", OrgActor.LOCAL), ("pref", OrgActor.LOCAL),
                            ("town", OrgActor.LOCAL), ("corp", OrgActor.BUSINESS)):  # fmt: skip
            orgs.create_org(session, OrgCreate(name=slug.title(), slug=slug, actors=[actor]), "cli")
        return orgs.cli_principal(session, "city")


@pytest.fixture
def member(loaded_db: Database, city: Principal) -> MakeMember:
    def make(email: str, role: Role, org: str) -> Principal:
        with loaded_db.transaction() as session:
            users.create_user(
                session, users.UserCreate(email=email, password=PASSWORD), org, role,
                actor="cli", must_change_password=False,
            )  # fmt: skip
            return users.principal_for(session, email, org)

    return make


def cli(database: Database, slug: str) -> Principal:
    with database.transaction() as session:
        return orgs.cli_principal(session, slug)


def add_system(
    database: Database, principal: Principal, name: str, domain: str = "public_services"
) -> int:
    data = {"name": name, "org_role": "user", "purpose": f"{name}の目的", "domain": domain,
            "deployment": "internal", "affected": ["public"], "stage": "operate",
            "data_categories": ["personal"]}  # fmt: skip
    with database.transaction() as session:
        return systems.register_system(session, principal, SystemFacts.model_validate(data)).id


def events(database: Database, slug: str, action: str) -> list[AuditEventRow]:
    with database.reading() as session:
        return list(
            session.scalars(
                select(AuditEventRow)
                .join(OrgRow, OrgRow.id == AuditEventRow.org_id)
                .where(OrgRow.slug == slug, AuditEventRow.action == action)
                .order_by(AuditEventRow.seq)
            )
        )


def test_a_grant_is_audited_in_both_organisations_and_the_supervisor_reads_only_aggregates(
    loaded_db: Database, city: Principal, member: MakeMember
) -> None:
    chatbot = add_system(loaded_db, city, "住民問い合わせチャットボット")
    add_system(loaded_db, city, "採用書類の一次選考", domain="employment")
    with loaded_db.transaction() as session:
        incidents.report_incident(
            session, city, IncidentReport(title="誤案内", severity=Severity.HIGH, systems=[chatbot])
        )
        closed = incidents.report_incident(
            session, city, IncidentReport(title="停止", systems=[chatbot])
        ).row
        incidents.move(session, city, closed.id, IncidentState.CLOSED, closed.version, "再発防止")
    with loaded_db.transaction() as session:
        granted = oversight.grant(session, city, "pref")
    assert granted.active and granted.supervisor == "pref" and granted.systems == []
    assert events(loaded_db, "city", "oversight.grant")[0].summary["supervisor"] == "pref"
    assert events(loaded_db, "pref", "oversight.grant")[0].summary["org"] == "city"

    reader = member("kansa@pref.example", Role.AUDITOR, "pref")
    with loaded_db.transaction() as session:
        seen = oversight.view_org(session, reader, "city")
    figures = seen.aggregates
    assert figures.systems == 2
    assert sum(figures.by_tier.values()) == 2 and next(iter(figures.by_tier)) == "critical"
    assert figures.by_domain == {"employment": 1, "public_services": 1}
    assert figures.by_stage["operate"] == 2 and figures.by_stage["plan"] == 0
    assert figures.incidents_open["high"] == 1 and sum(figures.incidents_open.values()) == 1
    assert sum(figures.incidents_closed.values()) == 1
    assert seen.systems == []  # nothing shared item by item: no system, not even a name
    dumped = seen.model_dump_json()
    assert (
        "チャットボット" not in dumped
        and "誤案内" not in dumped
        and str(chatbot) not in (str(p) for p in seen.systems)
    )
    # The read is audited on both sides.
    city_reads = events(loaded_db, "city", "oversight.read")
    pref_reads = events(loaded_db, "pref", "oversight.read")
    assert [e.summary["supervisor"] for e in city_reads] == ["pref"]
    assert [e.object_id for e in pref_reads] == ["city"]
    assert city_reads[0].actor == pref_reads[0].actor == "kansa@pref.example"


def test_an_organisation_that_did_not_grant_or_revoked_is_not_found_never_forbidden(
    loaded_db: Database, city: Principal, member: MakeMember
) -> None:
    add_system(loaded_db, city, "窓口AI")
    town = cli(loaded_db, "town")
    add_system(loaded_db, town, "町の翻訳AI")
    reader = member("admin@pref.example", Role.ADMIN, "pref")
    with loaded_db.transaction() as session:
        oversight.grant(session, city, "pref")
        oversight.grant(session, town, "corp")  # the town grants someone else
    with loaded_db.transaction() as session:
        assert [o.slug for o in oversight.overview(session, reader).orgs] == ["city"]
    for slug in ("town", "corp", "pref", "nowhere"):
        with pytest.raises(NotFoundError), loaded_db.transaction() as session:
            oversight.view_org(session, reader, slug)
    # A third organisation reads nothing of the city either.
    corp_admin = member("admin@corp.example", Role.ADMIN, "corp")
    with loaded_db.transaction() as session:
        assert [o.slug for o in oversight.overview(session, corp_admin).orgs] == ["town"]
    with pytest.raises(NotFoundError), loaded_db.transaction() as session:
        oversight.view_org(session, corp_admin, "city")
    with loaded_db.transaction() as session:
        revoked = oversight.revoke(session, city, "pref")
    assert not revoked.active and revoked.revoked_by == city.email
    assert events(loaded_db, "pref", "oversight.revoke")[0].summary == {"org": "city"}
    with pytest.raises(NotFoundError), loaded_db.transaction() as session:
        oversight.view_org(session, reader, "city")
    with loaded_db.transaction() as session:
        after = oversight.overview(session, reader)
    assert after.orgs == [] and after.totals.systems == 0
    with pytest.raises(NotFoundError), loaded_db.transaction() as session:
        oversight.revoke(session, city, "pref")  # nothing left to revoke
    # Granting again works, and the history stays one row.
    with loaded_db.transaction() as session:
        again = oversight.grant(session, city, "pref")
        assert again.active and len(oversight.list_grants(session, city)) == 1


def test_roles_on_each_side(loaded_db: Database, city: Principal, member: MakeMember) -> None:
    with loaded_db.transaction() as session:
        oversight.grant(session, city, "pref")
    viewer = member("viewer@city.example", Role.VIEWER, "city")
    editor = member("editor@city.example", Role.EDITOR, "city")
    tester = member("tester@city.example", Role.EXTERNAL_TESTER, "city")
    for who in (viewer, editor):
        with pytest.raises(PermissionDeniedError), loaded_db.transaction() as session:
            oversight.grant(session, who, "corp")
        with pytest.raises(PermissionDeniedError), loaded_db.transaction() as session:
            oversight.revoke(session, who, "pref")
        with loaded_db.reading() as session:
            assert [g.supervisor for g in oversight.list_grants(session, who)] == ["pref"]
    with pytest.raises(NotFoundError), loaded_db.reading() as session:
        oversight.list_grants(session, tester)
    executive = member("exec@pref.example", Role.EXECUTIVE, "pref")
    with loaded_db.transaction() as session:
        assert oversight.view_org(session, executive, "city").slug == "city"
    for role in (Role.VIEWER, Role.EDITOR, Role.ASSESSOR, Role.EXTERNAL_TESTER):
        someone = member(f"{role.value}@pref.example", role, "pref")
        with pytest.raises(PermissionDeniedError), loaded_db.transaction() as session:
            oversight.view_org(session, someone, "city")
        with pytest.raises(PermissionDeniedError), loaded_db.transaction() as session:
            oversight.overview(session, someone)


def test_hostile_grants_are_refused(loaded_db: Database, city: Principal) -> None:
    town = cli(loaded_db, "town")
    theirs = add_system(loaded_db, town, "町の翻訳AI")
    with pytest.raises(InvalidInputError), loaded_db.transaction() as session:
        oversight.grant(session, city, "city")
    with pytest.raises(NotFoundError), loaded_db.transaction() as session:
        oversight.grant(session, city, "no-such-org")
    with pytest.raises(NotFoundError), loaded_db.transaction() as session:
        oversight.grant(session, city, "pref", [theirs])  # another organisation's system
    with pytest.raises(InvalidInputError), loaded_db.transaction() as session:
        oversight.grant(session, city, "pref", list(range(1, 300)))
    with loaded_db.transaction() as session:
        oversight.grant(session, city, "pref")
    with pytest.raises(ConflictError), loaded_db.transaction() as session:
        oversight.grant(session, city, "pref")
    with pytest.raises(NotFoundError), loaded_db.transaction() as session:
        oversight.share_systems(session, city, "corp", [], 1)


def test_shared_systems_show_their_summary_and_nothing_else(
    loaded_db: Database, city: Principal, member: MakeMember
) -> None:
    shared = add_system(loaded_db, city, "住民問い合わせチャットボット")
    add_system(loaded_db, city, "内部の議事録要約")
    with loaded_db.transaction() as session:
        granted = oversight.grant(session, city, "pref", [shared])
    assert [s.name for s in granted.systems] == ["住民問い合わせチャットボット"]
    reader = member("admin@pref.example", Role.ADMIN, "pref")
    with loaded_db.transaction() as session:
        seen = oversight.view_org(session, reader, "city")
    assert [s.name for s in seen.systems] == ["住民問い合わせチャットボット"]
    assert set(seen.systems[0].model_dump()) == {
        "id", "name", "purpose", "tier", "stage", "last_review"
    }  # fmt: skip
    assert "議事録" not in seen.model_dump_json()
    with pytest.raises(ConflictError), loaded_db.transaction() as session:
        oversight.share_systems(session, city, "pref", [], granted.version - 1)
    with loaded_db.transaction() as session:
        oversight.share_systems(session, city, "pref", [], granted.version)
    with loaded_db.transaction() as session:
        assert oversight.view_org(session, reader, "city").systems == []
    assert events(loaded_db, "pref", "oversight.share")[0].summary == {"org": "city", "systems": 0}


def test_the_trend_keeps_one_snapshot_per_month_and_totals_add_organisations(
    loaded_db: Database, city: Principal, member: MakeMember
) -> None:
    town = cli(loaded_db, "town")
    add_system(loaded_db, city, "窓口AI")
    add_system(loaded_db, town, "町の翻訳AI")
    with loaded_db.transaction() as session:
        oversight.grant(session, city, "pref")
        oversight.grant(session, town, "pref")
    reader = member("admin@pref.example", Role.ADMIN, "pref")
    today = datetime.now(UTC).date()
    with loaded_db.transaction() as session:
        oversight.view_org(session, reader, "city", today=today)
        oversight.view_org(session, reader, "city", today=today)  # same month: replaced
    add_system(loaded_db, city, "AI-OCR")
    later = today + timedelta(days=62)
    with loaded_db.transaction() as session:
        seen = oversight.overview(session, reader, today=later)
    assert [o.slug for o in seen.orgs] == ["city", "town"]
    city_trend = seen.orgs[0].trend
    # The month(s) between the two reads are in the trend, as "no data".
    assert [p.systems for p in city_trend] == [1, *[None] * (len(city_trend) - 2), 2]
    assert len(city_trend) >= 3 and not any(p.data for p in city_trend[1:-1])
    assert [p.month for p in city_trend] == sorted(p.month for p in city_trend)
    assert seen.totals.systems == 3
    totals = [(p.organisations, p.systems) for p in seen.trend]
    assert totals == [(1, 1), *[(0, None)] * (len(totals) - 2), (2, 3)]
    # Five years on, every review is overdue.
    with loaded_db.transaction() as session:
        far = oversight.view_org(session, reader, "city", today=today + timedelta(days=5 * 366))
    assert far.aggregates.reviews_overdue == 2


def test_inquiry_response_times_are_median_and_90th_percentile_days(
    loaded_db: Database, city: Principal
) -> None:
    now = datetime.now(UTC)
    to = public_inquiries.Receiver(city.org_id, "city", "City", None, None, None)
    with loaded_db.transaction() as session:
        tracking = [
            public_inquiries.submit(
                session, to, InquirySubmission(message=f"質問{days}"), now=now - timedelta(days)
            ).tracking
            for days in (1, 2, 3, 10)
        ]
        public_inquiries.submit(session, to, InquirySubmission(message="未回答"))
    with loaded_db.transaction() as session:
        ids = session.scalars(select(InquiryRow.id).where(InquiryRow.tracking.in_(tracking)))
        for inquiry_id in list(ids):
            row = inquiries.get_inquiry(session, city, inquiry_id)
            inquiries.reply(session, city, inquiry_id, "回答します。", row.version)
    with loaded_db.transaction() as session:
        oversight.grant(session, city, "pref")
    pref = cli(loaded_db, "pref")
    with loaded_db.transaction() as session:
        seen = oversight.view_org(session, pref, "city")
    figures = seen.aggregates
    assert (figures.inquiries_answered, figures.inquiries_open) == (4, 1)
    assert (figures.response_median_days, figures.response_p90_days) == (2.0, 10.0)


def test_percentiles_and_combining_figures() -> None:
    from tekisei.core.oversight import Figures, combine, percentile, summarise

    assert percentile([], 0.5) is None
    assert percentile([5.0], 0.9) == 5.0
    assert percentile([4.0, 1.0, 3.0, 2.0], 0.5) == 2.0
    assert percentile([float(n) for n in range(1, 11)], 0.9) == 9.0
    both = combine([Figures(systems=1, by_tier={"high": 1}, requirements=10, answered=5,
                            response_days=[1.0]),
                    Figures(systems=2, by_tier={"high": 1, "minimal": 1}, requirements=10,
                            answered=10, response_days=[3.0, 5.0])])  # fmt: skip
    totals = summarise(both)
    assert totals.systems == 3 and totals.by_tier["high"] == 2 and totals.by_tier["limited"] == 0
    assert totals.assessment_completeness == 0.75
    assert totals.response_median_days == 3.0 and totals.inquiries_answered == 3


def snapshot_rows(database: Database) -> list[tuple[str, str, str, int]]:
    """(organisation, supervisor, month, systems) of every snapshot, in order."""
    from tekisei.db.oversight import OversightSnapshotRow

    with database.reading() as session:
        slugs = dict(session.execute(select(OrgRow.id, OrgRow.slug)).all())
        return sorted(
            (slugs[r.org_id], slugs[r.supervisor_id], r.month, r.figures["systems"])
            for r in session.scalars(select(OversightSnapshotRow))
        )


def test_the_snapshot_takes_every_active_grant_once_a_month_audited_in_both(
    loaded_db: Database, city: Principal
) -> None:
    town = cli(loaded_db, "town")
    add_system(loaded_db, city, "窓口AI")
    with loaded_db.transaction() as session:
        oversight.grant(session, city, "pref")
        oversight.grant(session, town, "pref")
        oversight.revoke(session, town, "pref")
    today = datetime.now(UTC).date()
    with loaded_db.transaction() as session:
        report = oversight.take_snapshots(session, "cli", today)
    month = f"{today.year:04d}-{today.month:02d}"
    assert [(t.org, t.supervisor, t.month) for t in report.taken] == [("city", "pref", month)]
    # The revoked grant gets none.
    assert snapshot_rows(loaded_db) == [("city", "pref", month, 1)]
    assert [e.summary for e in events(loaded_db, "city", "oversight.read")] == [
        {"supervisor": "pref", "view": "snapshot"}
    ]
    assert [e.summary for e in events(loaded_db, "pref", "oversight.read")] == [
        {"org": "city", "view": "snapshot"}
    ]
    assert events(loaded_db, "town", "oversight.read") == []
    # Again the same month: the month's row is brought up to date, not added to.
    add_system(loaded_db, city, "AI-OCR")
    with loaded_db.transaction() as session:
        oversight.take_snapshots(session, "cli", today)
    assert snapshot_rows(loaded_db) == [("city", "pref", month, 2)]
    assert len(events(loaded_db, "city", "oversight.read")) == 2
    # The daily run skips a grant whose snapshot was taken that day already.
    with loaded_db.transaction() as session:
        daily = oversight.take_snapshots(session, "courier", today, once_a_day=True)
    assert (daily.taken, daily.skipped) == ([], 1)
    assert len(events(loaded_db, "city", "oversight.read")) == 2
    # One organisation's grants only (either side), and an unknown one is not found.
    with loaded_db.transaction() as session:
        assert oversight.take_snapshots(session, "cli", today, "town").taken == []
        assert len(oversight.take_snapshots(session, "cli", today, "pref").taken) == 1
        with pytest.raises(NotFoundError):
            oversight.take_snapshots(session, "cli", today, "nowhere")


def test_a_month_without_a_snapshot_is_shown_as_no_data_with_completeness_kept(
    loaded_db: Database, city: Principal, member: MakeMember
) -> None:
    from tekisei.services import assessments

    system = add_system(loaded_db, city, "窓口AI")
    with loaded_db.transaction() as session:
        assessments.start_assessment(session, city, system)
        oversight.grant(session, city, "pref")
    today = datetime.now(UTC).date()
    first = (today.replace(day=1) - timedelta(days=70)).replace(day=15)  # 3 months back
    with loaded_db.transaction() as session:
        oversight.take_snapshots(session, "cli", first)
    reader = member("admin@pref.example", Role.ADMIN, "pref")
    with loaded_db.transaction() as session:
        seen = oversight.overview(session, reader, today=today)
    trend = seen.orgs[0].trend
    assert len(trend) == 4
    assert [p.data for p in trend] == [True, False, False, True]
    assert [p.systems for p in trend] == [1, None, None, 1]
    # Completeness and overdue reviews are in every month with data.
    assert trend[0].assessment_completeness == 0.0 and (trend[0].requirements or 0) > 0
    assert trend[-1].reviews_overdue == 0
    assert [(p.organisations, p.data, p.assessment_completeness) for p in seen.trend] == [
        (1, True, 0.0), (0, False, None), (0, False, None), (1, True, 0.0),
    ]  # fmt: skip


def test_a_supervisor_never_sees_the_snapshots_taken_for_another(
    loaded_db: Database, city: Principal
) -> None:
    town = cli(loaded_db, "town")
    add_system(loaded_db, town, "町の翻訳AI")
    with loaded_db.transaction() as session:
        oversight.grant(session, city, "pref")
        oversight.grant(session, town, "corp")
    today = datetime.now(UTC).date()
    earlier = today.replace(day=1) - timedelta(days=1)
    with loaded_db.transaction() as session:
        oversight.take_snapshots(session, "cli", earlier)
    # The city grants corp only now: corp's trend of the city starts now, without the
    # month taken for pref.
    with loaded_db.transaction() as session:
        oversight.grant(session, city, "corp")
    corp, pref = cli(loaded_db, "corp"), cli(loaded_db, "pref")
    with loaded_db.transaction() as session:
        seen = oversight.overview(session, corp, today=today)
        assert [o.slug for o in seen.orgs] == ["city", "town"]
        city_trend = next(o.trend for o in seen.orgs if o.slug == "city")
        assert [p.month for p in city_trend] == [f"{today.year:04d}-{today.month:02d}"]
        with pytest.raises(NotFoundError):
            oversight.view_org(session, pref, "town", today=today)
        assert [o.slug for o in oversight.overview(session, pref, today=today).orgs] == ["city"]


def test_the_trend_fills_gaps_and_adds_totals() -> None:
    from tekisei.core.oversight import (
        MAX_TREND,
        TrendPoint,
        months,
        next_month,
        total_point,
        with_gaps,
    )

    assert next_month("2026-12") == "2027-01" and next_month("2026-09") == "2026-10"
    assert months("2026-11", "2027-02") == ["2026-11", "2026-12", "2027-01", "2027-02"]
    assert len(months("2000-01", "2026-12")) == MAX_TREND
    assert months("2027-01", "2026-12") == []
    point = TrendPoint(month="2026-11", systems=2, high_or_critical=1,
                       assessment_completeness=0.5, requirements=10, answered=5,
                       reviews_overdue=1, incidents_open=0, inquiries_open=0)  # fmt: skip
    filled = with_gaps([point], "2027-01")
    assert [(p.month, p.data) for p in filled] == [
        ("2026-11", True), ("2026-12", False), ("2027-01", False),
    ]  # fmt: skip
    assert with_gaps([], "2027-01") == []
    other = point.model_copy(update={"requirements": 30, "answered": 30,
                                     "assessment_completeness": 1.0})  # fmt: skip
    total = total_point("2026-11", [point, other, filled[1]])
    assert (total.organisations, total.systems, total.assessment_completeness) == (2, 4, 0.875)
    # A snapshot taken before the counts were kept: no made-up completeness.
    legacy = point.model_copy(update={"requirements": None, "answered": None})
    assert total_point("2026-11", [point, legacy]).assessment_completeness is None
    assert total_point("2026-12", [filled[1]]).data is False


def test_the_web_apps_daily_run_takes_the_snapshots_once_a_day(
    loaded_db: Database, city: Principal
) -> None:
    from tekisei.web.app import daily

    with loaded_db.transaction() as session:
        oversight.grant(session, city, "pref")
    today = datetime.now(UTC).date()
    daily(loaded_db, today)
    daily(loaded_db, today)  # another process, or a restart, the same day
    reads = events(loaded_db, "city", "oversight.read")
    assert [(e.actor, e.summary["view"]) for e in reads] == [("courier", "snapshot")]
    assert [(o, s) for o, s, _, _ in snapshot_rows(loaded_db)] == [("city", "pref")]


def test_completeness_counted_in_bulk_equals_each_assessment_report(
    loaded_db: Database, tmp_path: Path
) -> None:
    """The oversight figures count completeness for all systems at once; the counts are
    the ones the assessment report of each system gives (the demo's systems: several
    tiers, roles and actors, a DS-920 judgement; answers in every state, and a system
    whose facts changed after it was answered, so that some answers no longer apply)."""
    from tekisei.core.assessments import AnswerFields, AnswerState
    from tekisei.db.assessments import AssessmentRow
    from tekisei.db.systems import SystemRow
    from tekisei.services import assessments
    from tekisei.services.demo import load_demo

    load_demo(loaded_db, tmp_path)
    states = list(AnswerState)
    with loaded_db.transaction() as session:
        for org in session.scalars(select(OrgRow)).all():
            admin = orgs.cli_principal(session, org.slug)
            for n, row in enumerate(session.scalars(
                select(SystemRow).where(SystemRow.org_id == org.id)
            ).all()):  # fmt: skip
                if n % 4 == 3:
                    continue  # some systems have no assessment
                assessment = assessments.start_assessment(session, admin, row.id)
                for k, item in enumerate(systems.system_requirements(session, admin, row.id)):
                    if k % 3 == 0:
                        state = states[(k + n) % len(states)]
                        justification = "対象外" if state is AnswerState.NOT_APPLICABLE else ""
                        assessments.answer_requirement(
                            session, admin, assessment.id, item.urn,
                            AnswerFields(state=state, justification=justification),
                        )  # fmt: skip
            # a provider's system answered in full, then found to be a user's: the answers
            # to the items only providers have no longer count
            facts = SystemFacts.model_validate(
                {"name": "再判定するシステム", "org_role": "provider", "deployment": "public"}
            )
            changed = systems.register_system(session, admin, facts)
            assessment = assessments.start_assessment(session, admin, changed.id)
            for item in systems.system_requirements(session, admin, changed.id):
                assessments.answer_requirement(
                    session, admin, assessment.id, item.urn,
                    AnswerFields(state=AnswerState.IMPLEMENTED),
                )  # fmt: skip
            systems.update_system(session, admin, changed.id, {"org_role": "user"}, changed.version)
    compared = 0
    with loaded_db.reading() as session:
        for org in session.scalars(select(OrgRow)).all():
            rows = list(session.scalars(select(SystemRow).where(SystemRow.org_id == org.id)))
            bulk = assessments.guideline_completeness(session, org, rows)
            reader = orgs.cli_principal(session, org.slug)
            for row in rows:
                latest = session.scalar(
                    select(func.max(AssessmentRow.id)).where(
                        AssessmentRow.system_id == row.id,
                        AssessmentRow.framework_id == assessments.GUIDELINE,
                    )
                )
                if latest is None:
                    assert row.id not in bulk
                    continue
                report = assessments.assessment_report(session, reader, latest).overall
                assert bulk[row.id] == (report.total, report.answered), row.name
                assert 0 < report.answered <= report.total
                compared += 1
    assert compared >= 3
