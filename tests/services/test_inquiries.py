"""Inquiries from the public (fn 17, fn 18, 2(5)), on both databases: who may send to
whom, the form's signed time, the secret, the inbox's roles and isolation, states,
versions, retention and erasure, evidence and the dashboard counts."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from tekisei.core.inquiries import (
    InquirySettings,
    InquirySubmission,
    check_form_token,
    form_token,
    normal_tracking,
)
from tekisei.core.orgs import OrgActor, OrgCreate, Principal, Role
from tekisei.core.systems import SystemFacts
from tekisei.db.audit import AuditEventRow
from tekisei.db.inquiries import InquiryRow
from tekisei.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from tekisei.services import (
    assessments,
    inquiries,
    inquiry_settings,
    notices,
    orgs,
    public_inquiries,
    systems,
    users,
)
from tekisei.services.dashboard import dashboard
from tekisei.services.database import Database
from tekisei.services.people import ActorNames
from tekisei.services.public_inquiries import Submitted

PASSWORD = "correct horse battery"
MakeMember = Callable[..., Principal]
KEY = b"k" * 32
QUESTION = {"kind": "question", "subject": "学習データについて",
            "message": "私の投稿は使われていますか。", "name": "山田 花子",
            "contact": "hanako@example.jp"}  # fmt: skip


@pytest.fixture
def admin(loaded_db: Database) -> Principal:
    with loaded_db.transaction() as session:
        for slug in ("acme", "other"):
            orgs.create_org(
                session,
                OrgCreate(name=f"{slug.title()} 株式会社", slug=slug, actors=[OrgActor.BUSINESS],
                          responsible_person="佐藤 一郎"),
                "cli",
            )  # fmt: skip
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


def published(
    database: Database, principal: Principal, tmp_path: Path, name: str = "応答AI"
) -> tuple[int, str]:
    """A system of the principal's organisation with a published notice: (id, public id)."""
    facts = {"name": name, "org_role": "provider", "purpose": "製品についての質問に答える。",
             "deployment": "public", "contact_window": "support@acme.example",
             "responsible_person": "カスタマー部 鈴木"}  # fmt: skip
    with database.transaction() as session:
        system_id = systems.register_system(
            session, principal, SystemFacts.model_validate(facts)
        ).id
        notices.draft_notice(session, principal, system_id)
    with database.transaction() as session:
        version = notices.get_notice(session, principal, system_id).version
        notices.publish_notice(
            session, principal, system_id, version, files_dir=tmp_path / "files",
            max_bytes=1024 * 1024,
        )  # fmt: skip
        return system_id, notices.get_notice(session, principal, system_id).public_id


def send(
    database: Database, org: str | None, notice: str | None = None, **fields: Any
) -> Submitted:
    with database.transaction() as session:
        to = public_inquiries.receiver(session, org, notice)
        return public_inquiries.submit(
            session, to, InquirySubmission.model_validate(QUESTION | fields)
        )


def inquiry_id(database: Database, tracking: str) -> int:
    with database.reading() as session:
        return session.scalars(select(InquiryRow.id).where(InquiryRow.tracking == tracking)).one()


def test_an_organisation_that_publishes_nothing_receives_nothing(
    loaded_db: Database, admin: Principal, tmp_path: Path
) -> None:
    with pytest.raises(NotFoundError):
        send(loaded_db, "acme")
    with pytest.raises(NotFoundError):
        send(loaded_db, "nobody")
    _, public_id = published(loaded_db, admin, tmp_path)
    sent = send(loaded_db, "acme")
    assert sent.tracking.startswith("INQ-") and len(sent.tracking) == 14
    assert len(sent.secret) >= 32  # 192 bits, URL-safe base64
    # the other organisation still publishes nothing, and cannot borrow acme's notice
    with pytest.raises(NotFoundError):
        send(loaded_db, "other")
    with pytest.raises(NotFoundError):
        send(loaded_db, "other", public_id)
    about = send(loaded_db, None, public_id)
    with loaded_db.reading() as session:
        row = session.scalars(select(InquiryRow).where(InquiryRow.tracking == about.tracking)).one()
        assert row.org_id == admin.org_id and row.system_id is not None
        assert row.secret_hash != about.secret and about.secret not in json.dumps(
            [e.summary for e in session.scalars(select(AuditEventRow).order_by(AuditEventRow.id))], ensure_ascii=False
        )
        # the audit log knows there was a name and a contact, never what they were
        logged = json.dumps([e.summary for e in session.scalars(select(AuditEventRow).order_by(AuditEventRow.id))],
                            ensure_ascii=False)  # fmt: skip
        assert "hanako@example.jp" not in logged and "山田" not in logged


def test_the_sender_reads_status_and_replies_only_with_the_right_secret(
    loaded_db: Database, admin: Principal, tmp_path: Path
) -> None:
    published(loaded_db, admin, tmp_path)
    sent = send(loaded_db, "acme")
    other = send(loaded_db, "acme")
    iid = inquiry_id(loaded_db, sent.tracking)
    with loaded_db.transaction() as session:
        inquiries.add_note(session, admin, iid, "内部だけのメモ")
        inquiries.reply(session, admin, iid, "使っていません。", 1)
    with loaded_db.reading() as session:
        status = public_inquiries.read_status(session, sent.tracking.lower(), sent.secret)
        assert status.state.value == "answered"
        assert [r.text for r in status.replies] == ["使っていません。"]
        assert "内部だけのメモ" not in status.model_dump_json()
        assert "admin" not in status.model_dump_json()  # nobody inside is named
        answers = []
        for tracking, secret in (
            (sent.tracking, other.secret),  # another inquiry's secret
            (sent.tracking, sent.secret[:-1]),
            (sent.tracking, ""),
            ("INQ-2222222222", sent.secret),  # no such number
            ("not a number", sent.secret),
        ):
            with pytest.raises(NotFoundError) as caught:
                public_inquiries.read_status(session, tracking, secret)
            answers.append(caught.value.message)
        assert len(set(answers)) == 1  # the same answer for every wrong pair
    assert normal_tracking(" inq-abcdefghjk ") == "INQ-ABCDEFGHJK"
    assert normal_tracking("INQ-ABCDEFGHJ0") == ""  # 0 is not in the alphabet
    # typed on a Japanese keyboard: full-width letters and dash, a long vowel mark
    assert normal_tracking("ＩＮＱ－ＡＢＣＤＥＦＧＨＪＫ") == "INQ-ABCDEFGHJK"
    assert normal_tracking("inq ー abcde fghjk") == "INQ-ABCDEFGHJK"
    assert normal_tracking("INQ-ABCDE\u200bFGHJK") == ""


def test_the_form_token_refuses_forged_other_forms_too_fast_and_stale() -> None:
    now = 1_800_000_000.0
    token = form_token(KEY, "org:acme", now)
    assert check_form_token(KEY, "org:acme", token, now + 5, min_seconds=3)
    refusals = {
        "forged": (b"x" * 32, "org:acme", token, now + 5),
        "another form": (KEY, "org:other", token, now + 5),
        "too fast": (KEY, "org:acme", token, now + 1),
        "stale": (KEY, "org:acme", token, now + 86_401),
        "garbage": (KEY, "org:acme", "1.2", now + 5),
        "edited time": (KEY, "org:acme", "1799999000" + token[10:], now + 5),
    }
    for what, (key, scope, sent, when) in refusals.items():
        with pytest.raises(InvalidInputError) as caught:
            check_form_token(key, scope, sent, when, min_seconds=3)
        assert caught.value.field == "form", what
        assert caught.value.message_ja, what
    with pytest.raises(InvalidInputError, match="too quickly"):
        check_form_token(KEY, "org:acme", token, now + 1, min_seconds=3)


def test_a_form_is_sent_once(loaded_db: Database, admin: Principal, tmp_path: Path) -> None:
    published(loaded_db, admin, tmp_path)
    with loaded_db.transaction() as session:
        to = public_inquiries.receiver(session, "acme", None)
        public_inquiries.submit(
            session, to, InquirySubmission.model_validate(QUESTION), form_nonce="n1"
        )
    with loaded_db.transaction() as session:
        to = public_inquiries.receiver(session, "acme", None)
        with pytest.raises(ConflictError):
            public_inquiries.submit(
                session, to, InquirySubmission.model_validate(QUESTION), form_nonce="n1"
            )
    with loaded_db.reading() as session:
        assert len(list(session.scalars(select(InquiryRow.id)))) == 1


def test_limits_and_codes_are_enforced_before_anything_is_stored() -> None:
    for bad in (
        {"subject": "x" * 201},
        {"message": "x" * 4001},
        {"name": "x" * 101},
        {"contact": "not an address"},
        {"contact": "a@" + "b" * 260 + ".jp"},
        {"kind": "lawsuit"},
        {"message": "   "},
        {"message": "   ", "subject": "   "},
        {"lang": "fr"},
        {"extra": "field"},
    ):
        with pytest.raises(ValidationError):
            InquirySubmission.model_validate(QUESTION | bad)
    blank = InquirySubmission.model_validate(
        QUESTION | {"subject": "   ", "message": "一行目\n二行目"}
    )
    assert blank.subject == "一行目"  # a blank subject is the message's first line
    with pytest.raises(ValidationError):
        InquirySettings.model_validate({"retention_days": 0})
    with pytest.raises(ValidationError):
        InquirySettings.model_validate({"due_days": {"question": 366}})


def test_roles_see_and_do_what_they_may_and_testers_and_others_nothing(
    loaded_db: Database, admin: Principal, member: MakeMember, tmp_path: Path
) -> None:
    published(loaded_db, admin, tmp_path)
    iid = inquiry_id(loaded_db, send(loaded_db, "acme").tracking)
    editor = member("editor@acme.example", Role.EDITOR)
    viewer = member("viewer@acme.example", Role.VIEWER)
    auditor = member("audit@acme.example", Role.AUDITOR)
    tester = member("tester@lab.example", Role.EXTERNAL_TESTER)
    outsider = member("admin@other.example", Role.ADMIN, "other")
    with loaded_db.reading() as session:
        for reader, sees_sender in ((editor, True), (viewer, False), (auditor, False)):
            row = inquiries.get_inquiry(session, reader, iid)
            shown = inquiries.view(reader, row, ActorNames(session, reader))
            assert (shown.name, shown.contact) == (
                ("山田 花子", "hanako@example.jp") if sees_sender else (None, None)
            )
            assert [r.id for r in inquiries.list_inquiries(session, reader)] == [iid]
        for stranger in (tester, outsider):
            with pytest.raises(NotFoundError):
                inquiries.get_inquiry(session, stranger, iid)
            with pytest.raises(NotFoundError):
                inquiries.history(session, stranger, iid)
        with pytest.raises(NotFoundError):
            inquiries.list_inquiries(session, tester)
        assert inquiries.list_inquiries(session, outsider) == []
        assert inquiries.stats(session, tester) is None
    for reader in (viewer, auditor):
        with pytest.raises(PermissionDeniedError), loaded_db.transaction() as session:
            inquiries.reply(session, reader, iid, "x", 1)
        with pytest.raises(PermissionDeniedError), loaded_db.transaction() as session:
            inquiries.add_note(session, reader, iid, "x")
    with pytest.raises(NotFoundError), loaded_db.transaction() as session:
        inquiries.reply(session, outsider, iid, "x", 1)
    with pytest.raises(PermissionDeniedError), loaded_db.transaction() as session:
        inquiries.erase(session, editor, iid)  # erasing on demand is an administrator's
    # an outsider's member, system, dataset are refused as links
    with loaded_db.transaction() as session:
        other_system = systems.register_system(
            session, outsider, SystemFacts.model_validate({"name": "他社", "org_role": "user"})
        ).id
    with pytest.raises(NotFoundError), loaded_db.transaction() as session:
        inquiries.link(session, editor, iid, inquiries.Links(system_id=other_system), 1)
    with pytest.raises(InvalidInputError), loaded_db.transaction() as session:
        inquiries.assign(session, editor, iid, outsider.user_id, 1)
    with pytest.raises(NotFoundError), loaded_db.reading() as session:
        inquiries.list_inquiries(session, editor, system_id=other_system)


def test_states_versions_and_the_reason_of_a_rejection(
    loaded_db: Database, admin: Principal, member: MakeMember, tmp_path: Path
) -> None:
    published(loaded_db, admin, tmp_path)
    first = inquiry_id(loaded_db, send(loaded_db, "acme").tracking)
    second = inquiry_id(loaded_db, send(loaded_db, "acme", kind="disclosure").tracking)
    editor = member("editor@acme.example", Role.EDITOR)
    with loaded_db.transaction() as session:
        inquiries.assign(session, editor, first, editor.user_id, 1)
        inquiries.start(session, editor, first, 2)
    with pytest.raises(ConflictError), loaded_db.transaction() as session:
        inquiries.reply(session, editor, first, "古い版", 2)  # stale
    with pytest.raises(InvalidInputError), loaded_db.transaction() as session:
        inquiries.reject(session, editor, second, 1, "  ")  # a reason is required
    with loaded_db.transaction() as session:
        inquiries.reply(session, editor, first, "回答です。", 3)
        inquiries.close(session, editor, first, 4)
        inquiries.reject(session, editor, second, 1, "対象のシステムは当社のものではありません。")
    with pytest.raises(ConflictError), loaded_db.transaction() as session:
        inquiries.reply(session, editor, first, "終わった後", 5)
    with loaded_db.reading() as session:
        row = inquiries.get_inquiry(session, editor, second)
        assert row.state == "rejected" and row.ended_at is not None
        kinds = [e.kind for e in inquiries.history(session, editor, first)]
        assert kinds == ["state", "assign", "state", "reply", "state"]
        received = inquiries.get_inquiry(session, editor, second).received_at
        due = inquiries.get_inquiry(session, editor, second).due_at
        assert (due - received).days == 30  # disclosure requests: 30 days by default


def test_due_dates_follow_the_settings_overdue_and_due_soon(
    loaded_db: Database, admin: Principal, member: MakeMember, tmp_path: Path
) -> None:
    published(loaded_db, admin, tmp_path)
    viewer = member("viewer@acme.example", Role.VIEWER)
    with pytest.raises(PermissionDeniedError), loaded_db.transaction() as session:
        inquiry_settings.update_settings(session, viewer, InquirySettings(), 0)
    with loaded_db.transaction() as session:
        inquiry_settings.update_settings(
            session, admin, InquirySettings.model_validate({"due_days": {"question": 2}}), 0
        )
    with pytest.raises(ConflictError), loaded_db.transaction() as session:
        inquiry_settings.update_settings(session, admin, InquirySettings(), 0)  # stale
    iid = inquiry_id(loaded_db, send(loaded_db, "acme").tracking)
    now = datetime.now(UTC)
    with loaded_db.reading() as session:
        row = inquiries.get_inquiry(session, admin, iid)
        assert 1 < (row.due_at - row.received_at).total_seconds() / 86400 <= 2
        assert [r.id for r in inquiries.due_soon(session, admin.org_id, 3)] == [iid]
        assert inquiries.due_soon(session, admin.org_id, 1) == []
        assert inquiries.due_soon(session, admin.org_id + 1, 30) == []
        later = now + timedelta(days=3)
        assert inquiries.is_overdue(row, later)
        counts = inquiries.stats(session, admin, later)
        assert counts is not None and (counts.open, counts.overdue) == (1, 1)
        assert inquiries.list_inquiries(session, admin, overdue=True) == []
    with loaded_db.transaction() as session:  # three days later, as the database sees it
        row = inquiries.get_inquiry(session, admin, iid)
        row.due_at = now - timedelta(days=1)
    with loaded_db.reading() as session:
        assert [r.id for r in inquiries.list_inquiries(session, viewer, overdue=True)] == [iid]
        counts = inquiries.stats(session, admin)
        assert counts is not None and (counts.open, counts.overdue) == (1, 1)


def test_personal_data_is_erased_after_retention_and_on_request(
    loaded_db: Database, admin: Principal, member: MakeMember, tmp_path: Path
) -> None:
    published(loaded_db, admin, tmp_path)
    old = inquiry_id(loaded_db, send(loaded_db, "acme").tracking)
    fresh = inquiry_id(loaded_db, send(loaded_db, "acme").tracking)
    still_open = inquiry_id(loaded_db, send(loaded_db, "acme").tracking)
    with loaded_db.transaction() as session:
        inquiries.close(session, admin, old, 1)
        inquiries.close(session, admin, fresh, 1)
    viewer = member("viewer@acme.example", Role.VIEWER)
    with pytest.raises(PermissionDeniedError), loaded_db.transaction() as session:
        inquiries.purge(session, viewer)
    in_a_year = datetime.now(UTC) + timedelta(days=366)
    with loaded_db.transaction() as session:
        assert inquiries.purge(session, admin) == []  # nothing is past 365 days yet
        inquiries.get_inquiry(session, admin, old).ended_at = datetime.now(UTC) - timedelta(
            days=366
        )
    with loaded_db.transaction() as session:
        assert inquiries.purge(session, admin) == [old]
        assert inquiries.purge(session, admin, in_a_year) == [fresh]  # once per inquiry
    with loaded_db.transaction() as session:
        inquiries.erase(session, admin, still_open)
    with pytest.raises(ConflictError), loaded_db.transaction() as session:
        inquiries.erase(session, admin, still_open)
    with loaded_db.reading() as session:
        for iid in (old, fresh, still_open):
            row = inquiries.get_inquiry(session, admin, iid)
            assert (row.name, row.contact, row.subject, row.message) == ("", "", "", "")
            assert row.tracking and row.kind == "question" and row.erased_at is not None
        logged = json.dumps([e.summary for e in session.scalars(select(AuditEventRow).order_by(AuditEventRow.id))],
                            ensure_ascii=False)  # fmt: skip
        actions = [e.action for e in session.scalars(select(AuditEventRow).order_by(AuditEventRow.id))]
        assert actions.count("inquiry.erase") == 3
        assert "hanako@example.jp" not in logged and "私の投稿" not in logged


def test_an_answered_inquiry_about_a_system_is_evidence_for_fn17_and_fn18(
    loaded_db: Database, admin: Principal, tmp_path: Path
) -> None:
    system_id, public_id = published(loaded_db, admin, tmp_path)
    with loaded_db.transaction() as session:
        assessment = assessments.start_assessment(session, admin, system_id).id
    iid = inquiry_id(loaded_db, send(loaded_db, None, public_id).tracking)
    with loaded_db.transaction() as session:
        inquiries.reply(session, admin, iid, "回答", 1)
    with loaded_db.reading() as session:
        report = assessments.assessment_report(session, admin, assessment)
        items = {i.urn.rsplit(":", 1)[-1]: i for i in report.items}
        titles = [e.title_in("ja") for e in items["fn17"].evidence] + [
            e.title_in("en") for e in items["fn18"].evidence
        ]
    assert any(t.startswith("回答済みの問い合わせ: INQ-") for t in titles)
    assert any(t.startswith("Answered inquiry: INQ-") for t in titles)


def test_the_dashboard_counts_inquiries_and_the_time_to_answer(
    loaded_db: Database, admin: Principal, tmp_path: Path
) -> None:
    published(loaded_db, admin, tmp_path)
    a = inquiry_id(loaded_db, send(loaded_db, "acme").tracking)
    send(loaded_db, "acme")
    with loaded_db.transaction() as session:
        row = inquiries.get_inquiry(session, admin, a)
        row.received_at = datetime.now(UTC) - timedelta(hours=10)
    with loaded_db.transaction() as session:
        inquiries.reply(session, admin, a, "回答", 1)
    with loaded_db.reading() as session:
        counts = dashboard(session, admin).inquiries
    assert counts is not None
    assert (counts.open, counts.overdue, counts.received_30_days) == (1, 0, 2)
    assert counts.median_first_reply_hours == pytest.approx(10.0, abs=0.2)


def test_hostile_text_is_kept_as_written(
    loaded_db: Database, admin: Principal, tmp_path: Path
) -> None:
    published(loaded_db, admin, tmp_path)
    hostile = '=HYPERLINK("http://evil.example","x")<script>alert(1)</script>'
    iid = inquiry_id(
        loaded_db, send(loaded_db, "acme", subject=hostile[:200], message=hostile).tracking
    )
    with loaded_db.reading() as session:
        assert inquiries.get_inquiry(session, admin, iid).message == hostile
