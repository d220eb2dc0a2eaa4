"""Notifications on both databases: who is told (by id, role, permission; never another
organisation's member, the actor or a former member), what they chose, keys that notify
once, links that stay inside the app, each person reading only their own, the sweeps of
due inquiries and reviews, and approval requests that reach approvers only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tekisei.core.notifications import Choice, Event, Preferences, retry_wait
from tekisei.core.orgs import OrgActor, OrgCreate, Permission, Principal, Role
from tekisei.core.systems import Stage, SystemFacts
from tekisei.db.audit import AuditEventRow
from tekisei.db.inquiries import InquiryRow
from tekisei.db.notifications import MailOutboxRow
from tekisei.errors import ConflictError, InvalidInputError, NotFoundError
from tekisei.services import gates, inquiries, notifications, orgs, reviews, systems, users
from tekisei.services.database import Database
from tekisei.services.notification_sweeps import sweep
from tests.services.test_inquiries import inquiry_id, published, send

PASSWORD = "correct horse battery"
MakeMember = Callable[..., Principal]


@pytest.fixture
def admin(loaded_db: Database) -> Principal:
    with loaded_db.transaction() as session:
        for slug in ("acme", "other"):
            orgs.create_org(
                session,
                OrgCreate(name=f"{slug.title()} 株式会社", slug=slug, actors=[OrgActor.BUSINESS]),
                "cli",
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


@pytest.fixture
def team(member: MakeMember) -> dict[str, Principal]:
    """One member of acme per role, and an administrator of the other organisation."""
    people = {role.value: member(f"{role.value}@acme.example", role) for role in Role}
    people["other"] = member("admin@other.example", Role.ADMIN, "other")
    return people


def told(database: Database, principal: Principal) -> list[str]:
    """The titles of the principal's notifications, newest first."""
    with database.reading() as session:
        return [r.title_ja for r in notifications.list_notifications(session, principal)]


def ping(database: Database, org_id: int, **who: object) -> list[int]:
    with database.transaction() as session:
        made = notifications.notify(
            session, org_id, Event.INCIDENT_REPORTED, title_ja="障害", title_en="Incident",
            link="/dashboard", **who,  # type: ignore[arg-type]
        )  # fmt: skip
        return [row.user_id for row in made]


def test_a_permission_a_role_or_ids_choose_who_is_told_within_the_organisation_only(
    loaded_db: Database, admin: Principal, team: dict[str, Principal]
) -> None:
    handlers = ping(loaded_db, admin.org_id, permission=Permission.HANDLE_INQUIRIES)
    assert sorted(handlers) == sorted(team[r].user_id for r in ("admin", "editor"))  # type: ignore[type-var]
    chosen = ping(loaded_db, admin.org_id, roles=[Role.EXECUTIVE, Role.ADMIN])
    assert sorted(chosen) == sorted(team[r].user_id for r in ("admin", "executive"))  # type: ignore[type-var]
    # another organisation's member named by id is not told, nor is the actor
    by_id = ping(
        loaded_db, admin.org_id, recipients=[team["viewer"].user_id, team["other"].user_id,
        team["auditor"].user_id], skip=team["auditor"].user_id,
    )  # fmt: skip
    assert by_id == [team["viewer"].user_id]
    assert told(loaded_db, team["other"]) == []
    assert told(loaded_db, team["external_tester"]) == []
    assert len(told(loaded_db, team["admin"])) == 2
    with pytest.raises(InvalidInputError):
        ping(loaded_db, admin.org_id)  # nobody chosen at all


def test_a_former_member_or_a_disabled_account_is_not_told(
    loaded_db: Database, admin: Principal, team: dict[str, Principal]
) -> None:
    with loaded_db.transaction() as session:
        orgs.remove_member(session, admin, team["editor"].user_id)  # type: ignore[arg-type]
    assert ping(loaded_db, admin.org_id, permission=Permission.HANDLE_INQUIRIES) == [
        team["admin"].user_id
    ]


@pytest.mark.parametrize(
    "link",
    ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)",
     "dashboard", "/a b", "/x\r\nLocation: https://evil.example", "/" + "a" * 600],
)  # fmt: skip
def test_a_link_out_of_the_app_is_refused(
    loaded_db: Database, admin: Principal, team: dict[str, Principal], link: str
) -> None:
    with pytest.raises(InvalidInputError), loaded_db.transaction() as session:
        notifications.notify(
            session, admin.org_id, Event.INCIDENT_REPORTED, roles=[Role.ADMIN],
            title_ja="x", title_en="x", link=link,
        )  # fmt: skip
    assert told(loaded_db, team["admin"]) == []


def test_titles_are_kept_as_data_on_one_line_and_clipped(
    loaded_db: Database, admin: Principal, team: dict[str, Principal]
) -> None:
    with loaded_db.transaction() as session:
        notifications.notify(
            session, admin.org_id, Event.INCIDENT_REPORTED, roles=[Role.ADMIN],
            title_ja="<script>alert(1)</script>\r\nBcc: all@example.jp " + "長" * 400,
            title_en="=HYPERLINK(\"x\")", link="/dashboard?x=1",
        )  # fmt: skip
    with loaded_db.reading() as session:
        row = notifications.list_notifications(session, team["admin"])[0]
    assert row.title_ja.startswith("<script>alert(1)</script> Bcc: all@example.jp 長")
    assert "\n" not in row.title_ja and len(row.title_ja) == 300 and row.title_ja[-1] == "…"
    assert row.title_en == '=HYPERLINK("x")' and row.link == "/dashboard?x=1"


def test_a_key_tells_each_person_once(
    loaded_db: Database, admin: Principal, team: dict[str, Principal]
) -> None:
    first = ping(loaded_db, admin.org_id, roles=[Role.ADMIN], key="k:1")
    assert first == [team["admin"].user_id]
    assert ping(loaded_db, admin.org_id, roles=[Role.ADMIN, Role.EDITOR], key="k:1") == [
        team["editor"].user_id
    ]
    assert ping(loaded_db, admin.org_id, roles=[Role.ADMIN, Role.EDITOR], key="k:1") == []
    assert ping(loaded_db, admin.org_id, roles=[Role.ADMIN], key="k:2") == first


def test_each_person_chooses_in_the_app_and_by_email_per_event(
    loaded_db: Database, admin: Principal, team: dict[str, Principal]
) -> None:
    executive = team["executive"]
    with loaded_db.reading() as session:
        current = notifications.read_settings(session, executive)
    assert current.version == 0 and current.mail is False
    assert all(c.in_app and c.email for c in current.events.values())
    quiet = Preferences(events={Event.INCIDENT_REPORTED: Choice(in_app=False, email=True)})
    with loaded_db.transaction() as session:
        notifications.update_settings(session, executive, quiet, 0)
    with pytest.raises(ConflictError), loaded_db.transaction() as session:
        notifications.update_settings(session, executive, quiet, 0)  # stale
    # e-mail only, and this deployment sends no e-mail: nothing at all
    assert ping(loaded_db, admin.org_id, roles=[Role.EXECUTIVE]) == []
    assert told(loaded_db, executive) == []
    with loaded_db.reading() as session:
        audited = session.scalars(
            select(AuditEventRow).where(AuditEventRow.action == "notification.settings").order_by(AuditEventRow.id)
        ).one()
        assert audited.actor == executive.email
        assert session.scalar(select(func.count(MailOutboxRow.id))) == 0


def test_each_person_reads_and_marks_only_their_own(
    loaded_db: Database, admin: Principal, team: dict[str, Principal]
) -> None:
    ping(loaded_db, admin.org_id, roles=[Role.ADMIN, Role.EDITOR])
    ping(loaded_db, admin.org_id, roles=[Role.ADMIN])
    with loaded_db.reading() as session:
        editors = notifications.list_notifications(session, team["editor"])
        assert notifications.unread_count(session, team["admin"]) == 2
    with pytest.raises(NotFoundError), loaded_db.transaction() as session:
        notifications.mark_read(session, team["admin"], editors[0].id)
    with pytest.raises(NotFoundError), loaded_db.transaction() as session:
        notifications.mark_read(session, team["other"], editors[0].id)
    with pytest.raises(NotFoundError), loaded_db.transaction() as session:
        notifications.mark_read(session, admin, editors[0].id)  # the CLI operator is nobody
    with loaded_db.transaction() as session:
        notifications.mark_read(session, team["editor"], editors[0].id)
        assert notifications.mark_all_read(session, team["admin"]) == 2
    with loaded_db.reading() as session:
        assert notifications.unread_count(session, team["editor"]) == 0
        assert notifications.unread_count(session, team["admin"]) == 0
        assert len(notifications.list_notifications(session, team["admin"], unread=True)) == 0


def test_a_new_inquiry_tells_those_who_handle_inquiries(
    loaded_db: Database, admin: Principal, team: dict[str, Principal], tmp_path: Path
) -> None:
    published(loaded_db, admin, tmp_path)
    tracking = send(loaded_db, "acme", subject="個人的な件名").tracking
    iid = inquiry_id(loaded_db, tracking)
    for role in ("admin", "editor"):
        assert told(loaded_db, team[role]) == [f"新しい問い合わせ（質問）が届きました: {tracking}"]
    for role in ("executive", "viewer", "auditor", "assessor", "external_tester", "other"):
        assert told(loaded_db, team[role]) == [], role
    with loaded_db.reading() as session:
        row = notifications.list_notifications(session, team["editor"])[0]
        assert row.link == f"/inquiries/{iid}" and "個人的な件名" not in row.title_en


def test_an_approval_request_tells_the_approvers_only(
    loaded_db: Database, admin: Principal, team: dict[str, Principal]
) -> None:
    facts = {"name": "与信AI", "org_role": "developer", "domain": "finance"}
    with loaded_db.transaction() as session:
        system = systems.register_system(session, team["editor"], SystemFacts.model_validate(facts))
        gates.request_stage_change(session, team["editor"], system.id, Stage.DEPLOY)
    assert told(loaded_db, team["executive"]) == [
        "「与信AI」を「企画」から「導入」へ移す承認を求められています"
    ]
    for role in ("admin", "editor", "viewer", "auditor", "other"):
        assert told(loaded_db, team[role]) == [], role


def _sweep_twice(database: Database, today: date) -> list[int]:
    return [sweep(database, today).notified, sweep(database, today).notified]


def test_a_due_inquiry_is_swept_to_its_handlers_once_and_again_once_overdue(
    loaded_db: Database, admin: Principal, team: dict[str, Principal], tmp_path: Path
) -> None:
    published(loaded_db, admin, tmp_path)
    iid = inquiry_id(loaded_db, send(loaded_db, "acme").tracking)
    with loaded_db.transaction() as session:
        notifications.mark_all_read(session, team["admin"])
        due = session.get(InquiryRow, iid).due_at  # type: ignore[union-attr]
    soon = (due - timedelta(days=1)).date()
    assert _sweep_twice(loaded_db, soon - timedelta(days=5)) == [0, 0]
    assert _sweep_twice(loaded_db, soon) == [2, 0]  # the admin and the editor
    with loaded_db.reading() as session:
        unread = notifications.list_notifications(session, team["admin"], unread=True)
    assert [n.event for n in unread] == [Event.INQUIRY_DUE]
    assert unread[0].link == f"/inquiries/{iid}" and "近づいています" in unread[0].title_ja
    with loaded_db.transaction() as session:  # now the editor handles it
        row = inquiries.get_inquiry(session, admin, iid)
        inquiries.assign(session, admin, iid, team["editor"].user_id, row.version)
    late = (due + timedelta(days=2)).date()
    assert _sweep_twice(loaded_db, late) == [1, 0]
    assert "過ぎています" in told(loaded_db, team["editor"])[0]
    assert len(told(loaded_db, team["admin"])) == 2


def test_a_due_review_is_swept_to_editors_and_administrators_once(
    loaded_db: Database, admin: Principal, team: dict[str, Principal]
) -> None:
    facts = {"name": "審査AI", "org_role": "user", "domain": "employment"}
    with loaded_db.transaction() as session:
        systems.register_system(session, admin, SystemFacts.model_validate(facts))
        due = reviews.due_list(session, admin)[0].due
    assert _sweep_twice(loaded_db, due - timedelta(days=30)) == [0, 0]
    assert _sweep_twice(loaded_db, due - timedelta(days=3)) == [2, 0]
    assert _sweep_twice(loaded_db, due + timedelta(days=1)) == [2, 0]
    titles = told(loaded_db, team["editor"])
    assert titles[0] == f"「審査AI」の定期レビューの期限（{due.isoformat()}）を過ぎています"
    assert told(loaded_db, team["viewer"]) == [] and told(loaded_db, team["other"]) == []


def test_retries_wait_longer_each_time_up_to_six_hours() -> None:
    assert [retry_wait(n) for n in (1, 2, 3)] == [timedelta(minutes=m) for m in (1, 2, 4)]
    assert retry_wait(50) == timedelta(hours=6)
