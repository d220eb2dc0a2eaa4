"""Sending the notification e-mails that wait in the outbox, and the courier that does it
(and the daily sweep) inside the web app.

:func:`deliver_pending` claims due rows in one short transaction (a conditional update:
a row another deliverer holds is skipped, on SQLite and PostgreSQL alike), sends them with
``smtplib`` outside any transaction, and records each outcome in another: sent; refused by
the server for good (``failed``, kept); or not sent this time (still ``pending``, its
failures counted and its next try later, :func:`~tekisei.core.notifications.retry_wait`).
No row is ever deleted. A deliverer that dies while it holds rows lets them go when its
claim expires, and the next one sends them (at least once, rather than never).

An e-mail is plain text in the recipient's language: the notification's title, the
absolute link (``TEKISEI_PUBLIC_URL`` + the path) and where to change what is sent.
"""

from __future__ import annotations

import logging
import secrets
import smtplib
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from pydantic import BaseModel
from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.orm import Session

from tekisei.config import Settings
from tekisei.core.notifications import one_line, retry_wait, subject
from tekisei.db.notifications import MailOutboxRow
from tekisei.errors import ConfigError
from tekisei.i18n import messages
from tekisei.services.database import Database

log = logging.getLogger(__name__)
CLAIM = timedelta(minutes=10)
"""How long a deliverer holds the rows it claimed."""
MAX_ERROR = 500


class DeliveryReport(BaseModel):
    """What one call of :func:`deliver_pending` did."""

    sent: int = 0
    retrying: int = 0
    """Not sent this time; tried again later."""
    failed: int = 0
    """Refused by the server for good (kept, with the reason)."""


@dataclass(frozen=True)
class _Mail:
    id: int
    to: str
    lang: str
    title: str
    link: str
    attempts: int


def _due(now: datetime) -> list[ColumnElement[bool]]:
    return [
        MailOutboxRow.status == "pending",
        MailOutboxRow.next_attempt_at <= now,
        or_(MailOutboxRow.claimed_until.is_(None), MailOutboxRow.claimed_until < now),
    ]


def _claim(database: Database, owner: str, now: datetime, limit: int) -> list[_Mail]:
    with database.reading() as session:
        # an idle deliverer only reads: on SQLite a write transaction takes the write lock
        if session.scalar(select(MailOutboxRow.id).where(*_due(now)).limit(1)) is None:
            return []
    with database.transaction() as session:
        query = select(MailOutboxRow.id).where(*_due(now)).order_by(MailOutboxRow.id).limit(limit)
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        ids = list(session.scalars(query))
        if not ids:
            return []
        session.execute(
            update(MailOutboxRow)
            .where(MailOutboxRow.id.in_(ids), *_due(now))
            .values(claimed_by=owner, claimed_until=now + CLAIM)
            .execution_options(synchronize_session=False)
        )
        rows = session.scalars(
            select(MailOutboxRow)
            .where(MailOutboxRow.id.in_(ids), MailOutboxRow.claimed_by == owner)
            .order_by(MailOutboxRow.id)
        )
        return [_Mail(r.id, r.to_address, r.lang, r.title, r.link, r.attempts) for r in rows]


def _body(mail: _Mail, base_url: str) -> str:
    words = messages("en" if mail.lang == "en" else "ja")
    base = base_url.rstrip("/")
    return "\n".join(
        [
            one_line(mail.title),
            "",
            words.format("mail:open %(link)s", link=base + mail.link),
            "",
            "-- ",
            words.format("mail:footer %(link)s", link=base + "/notifications/settings"),
            "",
        ]
    )


def message(mail: _Mail, settings: Settings) -> EmailMessage:
    """The e-mail of an outbox row: plain text, a subject on one line."""
    out = EmailMessage()
    out["Subject"] = subject(mail.title)
    out["From"] = one_line(settings.smtp_from)
    out["To"] = one_line(mail.to)
    out["Date"] = format_datetime(datetime.now(UTC))
    out["Message-ID"] = make_msgid(domain=settings.smtp_from.rpartition("@")[2] or None)
    out["Content-Language"] = mail.lang
    out["Auto-Submitted"] = "auto-generated"
    out.set_content(_body(mail, settings.public_url), charset="utf-8")
    return out


def _connect(settings: Settings) -> smtplib.SMTP:
    if settings.smtp_ssl:
        server: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout,
            context=ssl.create_default_context(),
        )  # fmt: skip
    else:
        server = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout)
        if settings.smtp_starttls:
            server.starttls(context=ssl.create_default_context())
    if settings.smtp_username:
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
        server.login(settings.smtp_username, password)
    return server


def _permanent(exc: Exception) -> bool:
    """Whether the server refused the message for good (a 5xx answer)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    code = getattr(exc, "smtp_code", 0)
    return isinstance(code, int) and 500 <= code < 600


def _send(settings: Settings, batch: list[_Mail]) -> dict[int, Exception | None]:
    outcomes: dict[int, Exception | None] = {}
    try:
        server = _connect(settings)
    except (OSError, smtplib.SMTPException) as exc:
        return dict.fromkeys((m.id for m in batch), exc)
    try:
        for mail in batch:
            try:
                server.send_message(message(mail, settings))
                outcomes[mail.id] = None
            except (OSError, smtplib.SMTPException, ValueError) as exc:
                outcomes[mail.id] = exc
    finally:
        try:
            server.quit()
        except (OSError, smtplib.SMTPException):
            server.close()
    return outcomes


def _record(
    database: Database, owner: str, batch: list[_Mail], outcomes: dict[int, Exception | None],
    now: datetime,
) -> DeliveryReport:  # fmt: skip
    report = DeliveryReport()
    with database.transaction() as session:
        for mail in batch:
            row = session.get(MailOutboxRow, mail.id)
            if row is None or row.claimed_by != owner:
                continue  # pragma: no cover - the claim expired and another deliverer took it
            error = outcomes.get(mail.id)
            row.claimed_by, row.claimed_until = None, None
            if error is None:
                row.status, row.sent_at = "sent", datetime.now(UTC)
                report.sent += 1
                continue
            row.attempts += 1
            row.last_error = f"{type(error).__name__}: {error}"[:MAX_ERROR]
            if _permanent(error):
                row.status = "failed"
                report.failed += 1
            else:
                row.next_attempt_at = now + retry_wait(row.attempts)
                report.retrying += 1
    return report


def deliver_pending(
    database: Database,
    settings: Settings,
    limit: int = 50,
    *,
    now: datetime | None = None,
    owner: str | None = None,
) -> DeliveryReport:
    """Send up to ``limit`` e-mails whose time has come; safe to run in several
    processes at once (each row is sent by the one that claimed it).

    Raises:
        ConfigError: no SMTP server is set (``TEKISEI_SMTP_HOST``).
    """
    if not settings.mail_enabled:
        raise ConfigError(
            "no SMTP server is set; set TEKISEI_SMTP_HOST and TEKISEI_SMTP_FROM to send "
            "notification e-mails",
            ja="SMTPサーバーが設定されていません。通知メールを送るには TEKISEI_SMTP_HOST と "
            "TEKISEI_SMTP_FROM を設定してください。",
        )
    now = now or datetime.now(UTC)
    owner = owner or secrets.token_hex(12)
    batch = _claim(database, owner, now, max(1, min(limit, 1000)))
    if not batch:
        return DeliveryReport()
    return _record(database, owner, batch, _send(settings, batch), now)


def outbox_counts(session: Session) -> dict[str, int]:
    """How many e-mails are pending, sent and failed."""
    rows = session.execute(
        select(MailOutboxRow.status, func.count(MailOutboxRow.id)).group_by(MailOutboxRow.status)
    )
    return {"pending": 0, "sent": 0, "failed": 0} | {str(s): int(n) for s, n in rows}


# ----------------------------------------------------------------------------- courier


def run_courier(
    database: Database,
    settings: Settings,
    stop: threading.Event,
    sweep: Callable[[Database, date], object],
    *,
    every: float = 60.0,
) -> None:
    """Until ``stop`` is set: send what waits in the outbox every ``every`` seconds (when
    an SMTP server is set) and run ``sweep`` once a day."""
    swept: date | None = None
    while not stop.is_set():
        today = datetime.now(UTC).date()
        # A background thread outlives any one failure (a database restart, an SMTP
        # outage): it logs it and tries again at the next turn.
        try:
            if swept != today:
                sweep(database, today)
                swept = today
            if settings.mail_enabled:
                deliver_pending(database, settings)
        except Exception:
            log.exception("notification courier: this turn failed; trying again later")
        stop.wait(every)


def start_courier(
    database: Database, settings: Settings, sweep: Callable[[Database, date], object]
) -> Callable[[], None]:
    """Start :func:`run_courier` on a thread; the function that stops it."""
    stop = threading.Event()
    thread = threading.Thread(
        target=run_courier, args=(database, settings, stop, sweep), name="courier", daemon=True
    )
    thread.start()

    def halt() -> None:
        stop.set()
        thread.join(30)

    return halt
