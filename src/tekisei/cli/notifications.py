"""``tekisei notifications``: a member's notifications, sending the e-mails waiting in
the outbox, and the sweep of due dates.

Without the web app's courier (``TEKISEI_NOTIFICATIONS_COURIER=false``), run from cron::

    * * * * *  tekisei notifications deliver
    0 6 * * *  tekisei notifications sweep
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from tekisei.cli.common import (
    JsonOption,
    OrgOption,
    console,
    database,
    handle_errors,
    print_json,
    settings,
    table,
)
from tekisei.core import times
from tekisei.services import notification_delivery, notification_sweeps, notifications
from tekisei.services.orgs import org_zone

app = typer.Typer(help="Notifications in the app and by e-mail.", no_args_is_help=True)

MemberOption = Annotated[str, typer.Option("--user", help="The member whose notifications.")]


@app.command("list")
@handle_errors
def list_notifications(
    org: OrgOption,
    user: MemberOption,
    unread: Annotated[bool, typer.Option("--unread", help="Only unread ones.")] = False,
    lang: Annotated[str, typer.Option("--lang", help="Titles in ja or en.")] = "ja",
    as_json: JsonOption = False,
) -> None:
    """List a member's notifications in the organisation, newest first."""
    from tekisei.services import users

    with database().reading() as session:
        actor = users.principal_for(session, user, org)
        rows = notifications.list_notifications(session, actor, unread=unread, limit=200)
        views = [notifications.view(r) for r in rows]
        where = org_zone(session, actor)
    if as_json:
        print_json(views)
        return
    table(
        ["id", "event", "title", "link", "created", "read"],
        [[v.id, v.event.value, v.title_en if lang == "en" else v.title_ja, v.link,
          times.shown(v.created_at, where), times.shown(v.read_at, where) if v.read_at else ""]
         for v in views],
    )  # fmt: skip


@app.command("deliver")
@handle_errors
def deliver(
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="At most so many.")] = 200,
    as_json: JsonOption = False,
) -> None:
    """Send the notification e-mails whose time has come (needs TEKISEI_SMTP_HOST)."""
    report = notification_delivery.deliver_pending(database(), settings(), limit)
    if as_json:
        print_json(report)
        return
    console.print(
        f"sent {report.sent}, to retry {report.retrying}, refused {report.failed}", markup=False
    )


@app.command("sweep")
@handle_errors
def sweep(
    today: Annotated[
        str | None, typer.Option("--today", help="The day to sweep for (YYYY-MM-DD).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Notify of inquiries and reviews due soon or overdue (each once); run it daily."""
    try:
        day = date.fromisoformat(today) if today else None
    except ValueError:
        raise typer.BadParameter("write the day as YYYY-MM-DD", param_hint="--today") from None
    report = notification_sweeps.sweep(database(), day)
    if as_json:
        print_json(report)
        return
    console.print(
        f"{report.notified} notifications in {report.organisations} organisations", markup=False
    )
