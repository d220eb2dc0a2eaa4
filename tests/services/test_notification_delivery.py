"""Notification e-mails on both databases, sent to a real SMTP server (aiosmtpd) on a free
port: each in its recipient's language with the absolute link, subjects on one line,
choices respected, failures kept and retried later, refusals kept, and two deliverers
that never send the same e-mail twice."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tekisei.config import Settings
from tekisei.core.notifications import Choice, Event, Preferences
from tekisei.core.orgs import OrgActor, OrgCreate, Principal, Role
from tekisei.db.notifications import MailOutboxRow
from tekisei.errors import ConfigError
from tekisei.services import notifications, orgs, users
from tekisei.services.database import Database, open_database
from tekisei.services.notification_delivery import deliver_pending, start_courier
from tests.conftest import free_port
from tests.services.test_inquiries import inquiry_id, published, send

aiosmtpd_controller = pytest.importorskip("aiosmtpd.controller")
PASSWORD = "correct horse battery"
SITE = "https://ai.acme.example"


@dataclass
class Mailbox:
    """What the test SMTP server received; ``answer`` (e.g. "451 …") refuses instead."""

    port: int
    received: list[EmailMessage] = field(default_factory=list)
    answer: str | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.answer:
            return self.answer
        message = message_from_bytes(envelope.content, policy=default)
        assert isinstance(message, EmailMessage)
        self.received.append(message)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.received if m["To"] == address]


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox(port=free_port())
    controller = aiosmtpd_controller.Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


def mail_settings(settings: Settings, port: int) -> Settings:
    return settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": port, "smtp_starttls": False,
                "smtp_from": "tekisei@acme.example", "public_url": SITE, "smtp_timeout": 5.0}
    )  # fmt: skip


@pytest.fixture
def mailing(settings: Settings, loaded_db: Database, mailbox: Mailbox) -> Iterator[Database]:
    """The test's database, opened as a deployment that sends e-mail opens it."""
    database = open_database(mail_settings(settings, mailbox.port))
    yield database
    database.close()


@pytest.fixture
def acme(mailing: Database) -> dict[str, Principal]:
    """acme's operator and members, and another organisation's administrator."""
    with mailing.transaction() as session:
        for slug in ("acme", "other"):
            orgs.create_org(
                session, OrgCreate(name=slug, slug=slug, actors=[OrgActor.BUSINESS]), "cli"
            )
        people = {"cli": orgs.cli_principal(session, "acme")}
    for email, role, org in (
        ("admin@acme.example", Role.ADMIN, "acme"),
        ("editor@acme.example", Role.EDITOR, "acme"),
        ("viewer@acme.example", Role.VIEWER, "acme"),
        ("admin@other.example", Role.ADMIN, "other"),
    ):
        with mailing.transaction() as session:
            users.create_user(
                session, users.UserCreate(email=email, password=PASSWORD), org, role,
                actor="cli", must_change_password=False,
            )  # fmt: skip
            people[email] = users.principal_for(session, email, org)
    return people


def choose(database: Database, principal: Principal, preferences: Preferences) -> None:
    with database.transaction() as session:
        version = notifications.read_settings(session, principal).version
        notifications.update_settings(session, principal, preferences, version)


def outbox(database: Database) -> list[MailOutboxRow]:
    with database.reading() as session:
        return list(session.scalars(select(MailOutboxRow).order_by(MailOutboxRow.id)))


def test_a_new_public_inquiry_is_mailed_to_each_handler_in_their_language(
    mailing: Database, acme: dict[str, Principal], mailbox: Mailbox, settings: Settings,
    tmp_path: Path,
) -> None:  # fmt: skip
    configured = mail_settings(settings, mailbox.port)
    choose(mailing, acme["editor@acme.example"], Preferences(lang="en"))
    published(mailing, acme["cli"], tmp_path)
    tracking = send(mailing, "acme").tracking
    link = f"{SITE}/inquiries/{inquiry_id(mailing, tracking)}"
    assert [r.status for r in outbox(mailing)] == ["pending", "pending"]  # nothing sent yet
    report = deliver_pending(mailing, configured)
    assert (report.sent, report.retrying, report.failed) == (2, 0, 0)
    [ja] = mailbox.to("admin@acme.example")
    assert ja["Subject"] == f"[tekisei] 新しい問い合わせ（質問）が届きました: {tracking}"
    assert ja["From"] == "tekisei@acme.example" and ja.get_content_type() == "text/plain"
    body = ja.get_content()
    assert link in body.splitlines() and f"{SITE}/notifications/settings" in body
    assert "詳しくは" in body
    [en] = mailbox.to("editor@acme.example")
    assert en["Subject"] == f"[tekisei] A new inquiry (Question) arrived: {tracking}"
    assert "Open it here:" in en.get_content() and link in en.get_content()
    assert mailbox.to("viewer@acme.example") == [] and mailbox.to("admin@other.example") == []
    assert [r.status for r in outbox(mailing)] == ["sent", "sent"]
    assert deliver_pending(mailing, configured).sent == 0  # nothing is sent twice
    assert len(mailbox.received) == 2


def test_a_person_who_turned_email_off_gets_none_but_still_sees_it_in_the_app(
    mailing: Database, acme: dict[str, Principal], mailbox: Mailbox, settings: Settings,
    tmp_path: Path,
) -> None:  # fmt: skip
    editor = acme["editor@acme.example"]
    off = Choice(in_app=True, email=False)
    choose(mailing, editor, Preferences(events={Event.INQUIRY_RECEIVED: off}))
    published(mailing, acme["cli"], tmp_path)
    send(mailing, "acme")
    deliver_pending(mailing, mail_settings(settings, mailbox.port))
    assert [m["To"] for m in mailbox.received] == ["admin@acme.example"]
    with mailing.reading() as session:
        assert notifications.unread_count(session, editor) == 1


def _incident(database: Database, org_id: int, title: str, key: str | None = None) -> None:
    with database.transaction() as session:
        notifications.notify(
            session, org_id, Event.INCIDENT_REPORTED, roles=[Role.EXECUTIVE, Role.ADMIN],
            title_ja=title, title_en=title, link="/dashboard", key=key,
        )  # fmt: skip


def test_a_subject_stays_on_one_line_and_the_body_is_plain_text(
    mailing: Database, acme: dict[str, Principal], mailbox: Mailbox, settings: Settings
) -> None:
    title = "<b>障害</b>\r\nBcc: everyone@example.jp\r\n\r\n<script>x</script>"
    _incident(mailing, acme["cli"].org_id, title)
    deliver_pending(mailing, mail_settings(settings, mailbox.port))
    [message] = mailbox.received
    assert message["Bcc"] is None and message["To"] == "admin@acme.example"
    one_line = "<b>障害</b> Bcc: everyone@example.jp <script>x</script>"
    assert message["Subject"] == f"[tekisei] {one_line}"
    assert message.get_content_type() == "text/plain" and not message.is_multipart()
    assert message.get_content().splitlines()[0] == one_line


def test_a_failing_server_leaves_the_email_pending_and_it_is_sent_later(
    mailing: Database, acme: dict[str, Principal], mailbox: Mailbox, settings: Settings
) -> None:
    _incident(mailing, acme["cli"].org_id, "障害 1")
    now = datetime.now(UTC)
    unreachable = mail_settings(settings, free_port())
    first = deliver_pending(mailing, unreachable, now=now)
    assert (first.sent, first.retrying) == (0, 1)
    [row] = outbox(mailing)
    assert (row.status, row.attempts) == ("pending", 1) and row.last_error
    assert row.next_attempt_at > now and row.claimed_by is None
    assert deliver_pending(mailing, unreachable, now=now).retrying == 0  # waits its turn
    mailbox.answer = "451 4.3.0 try again later"
    later = now + timedelta(minutes=2)
    assert deliver_pending(mailing, mail_settings(settings, mailbox.port), now=later).retrying == 1
    mailbox.answer = None
    latest = now + timedelta(minutes=10)
    assert deliver_pending(mailing, mail_settings(settings, mailbox.port), now=latest).sent == 1
    [row] = outbox(mailing)
    assert (row.status, row.attempts) == ("sent", 2) and row.sent_at is not None
    assert [m["Subject"] for m in mailbox.received] == ["[tekisei] 障害 1"]


def test_an_address_the_server_refuses_is_kept_as_failed(
    mailing: Database, acme: dict[str, Principal], mailbox: Mailbox, settings: Settings
) -> None:
    _incident(mailing, acme["cli"].org_id, "障害")
    mailbox.answer = "550 5.1.1 no such mailbox"
    report = deliver_pending(mailing, mail_settings(settings, mailbox.port))
    assert report.failed == 1
    [row] = outbox(mailing)
    assert row.status == "failed" and "550" in row.last_error
    mailbox.answer = None
    assert deliver_pending(mailing, mail_settings(settings, mailbox.port)).sent == 0


def test_two_deliverers_at_once_never_send_the_same_email_twice(
    settings: Settings, mailing: Database, acme: dict[str, Principal], mailbox: Mailbox
) -> None:
    for n in range(15):
        _incident(mailing, acme["cli"].org_id, f"障害 {n}")
    configured = mail_settings(settings, mailbox.port)
    processes = [open_database(configured), open_database(configured)]  # as two processes
    start = threading.Barrier(2)
    reports: list[int] = []

    def deliverer(database: Database) -> None:
        start.wait()
        while (sent := deliver_pending(database, configured, limit=3).sent) > 0:
            reports.append(sent)

    threads = [threading.Thread(target=deliverer, args=(d,)) for d in processes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    for database in processes:
        database.close()
    pairs = [(m["To"], m["Subject"]) for m in mailbox.received]
    assert len(pairs) == 15 == len(set(pairs)) == sum(reports)  # only the admin: one each
    assert {r.status for r in outbox(mailing)} == {"sent"}


def test_the_courier_sends_without_anyone_asking(
    settings: Settings, mailing: Database, acme: dict[str, Principal], mailbox: Mailbox
) -> None:
    _incident(mailing, acme["cli"].org_id, "障害")
    swept: list[object] = []
    halt = start_courier(mailing, mail_settings(settings, mailbox.port), _record(swept))
    try:
        deadline = time.monotonic() + 30
        while not mailbox.received and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        halt()
    assert [m["Subject"] for m in mailbox.received] == ["[tekisei] 障害"]
    assert len(swept) == 1  # the sweep ran once for the day


def _record(into: list[object]) -> Callable[[Database, object], None]:
    return lambda _database, today: into.append(today)


def test_delivering_without_an_smtp_server_says_what_to_set(
    settings: Settings, loaded_db: Database
) -> None:
    with pytest.raises(ConfigError, match="TEKISEI_SMTP_HOST"):
        deliver_pending(loaded_db, settings)


def test_a_reported_incident_is_mailed_to_administrators_executives_and_writers_not_the_reporter(
    mailing: Database, acme: dict[str, Principal], mailbox: Mailbox, settings: Settings,
    tmp_path: Path,
) -> None:  # fmt: skip
    from tekisei.core.incidents import IncidentReport
    from tekisei.services import incidents

    with mailing.transaction() as session:
        users.create_user(
            session, users.UserCreate(email="ceo@acme.example", password=PASSWORD), "acme",
            Role.EXECUTIVE, actor="cli", must_change_password=False,
        )  # fmt: skip
    system_id, _ = published(mailing, acme["cli"], tmp_path)
    report = IncidentReport(
        title="<script>x</script> 誤った回答を公開した\r\nBcc: all@example.jp",
        systems=[system_id], severity="high",
    )  # fmt: skip
    with mailing.transaction() as session:
        done = incidents.report_incident(session, acme["editor@acme.example"], report)
        incident_id = done.row.id
    sent = deliver_pending(mailing, mail_settings(settings, mailbox.port))
    assert sent.sent == 2  # the administrator and the executive; the editor reported it
    subjects = {m["To"]: m["Subject"] for m in mailbox.received}
    assert set(subjects) == {"admin@acme.example", "ceo@acme.example"}
    assert subjects["ceo@acme.example"] == (
        f"[tekisei] インシデント #{incident_id}（深刻度: 高）が報告されました"
    )
    body = mailbox.to("admin@acme.example")[0].get_content()
    assert f"{SITE}/incidents/{incident_id}" in body and "script" not in body
    with mailing.reading() as session:
        assert notifications.unread_count(session, acme["viewer@acme.example"]) == 0
        assert notifications.unread_count(session, acme["admin@other.example"]) == 0
        assert notifications.unread_count(session, acme["editor@acme.example"]) == 0
        assert notifications.unread_count(session, acme["admin@acme.example"]) == 1
