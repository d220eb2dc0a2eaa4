"""Notifications through the real app: the unread count in the header, the list and its
read marks, the choices page and its JSON twin, each person's own notifications only, in
Japanese and English, and hostile titles shown as text."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from tekisei.core.notifications import Event
from tekisei.core.orgs import Role
from tekisei.db.orgs import OrgRow
from tekisei.services import notifications
from tests.web.test_inquiries_web import QUESTION, SCRIPT, auth, site, soup  # noqa: F401

pytestmark = pytest.mark.anyio


def _csrf(page: BeautifulSoup) -> str:
    found = page.select_one('input[name="csrf"]')
    assert found is not None
    return str(found["value"])


async def _inquiry(site: dict[str, Any]) -> None:  # noqa: F811
    public = await site["browser"]()
    sent = await public.post("/api/public/inquiries", json=QUESTION)
    assert sent.status_code == 201, sent.text


async def test_the_header_counts_unread_notifications_and_the_list_marks_them_read(
    site: dict[str, Any],  # noqa: F811
) -> None:
    await _inquiry(site)
    await _inquiry(site)
    admin = await site["browser"]("admin@acme.example")
    page = soup(await admin.get("/dashboard"))
    link = page.select_one("header #notifications-link")
    assert link is not None and link["href"] == "/notifications"
    assert page.select_one("#unread-count").get_text() == "2"  # type: ignore[union-attr]
    assert "（未読 2 件）" in link.get_text()
    listed = soup(await admin.get("/notifications"))
    items = listed.select("#notifications-list li.unread")
    assert len(items) == 2 and "新しい問い合わせ（学習データの開示請求）" in items[0].get_text()
    assert items[0].select_one("a")["href"].startswith("/inquiries/")  # type: ignore[index]
    first = items[0]["data-notification"]
    marked = await admin.post(f"/notifications/{first}/read", data={"csrf": _csrf(listed)})
    assert marked.status_code == 303 and marked.headers["location"] == "/notifications"
    after = soup(await admin.get("/notifications"))
    assert after.select_one("#unread-count").get_text() == "1"  # type: ignore[union-attr]
    assert len(after.select("#notifications-list li.unread")) == 1
    forged = await admin.post("/notifications/read", data={"csrf": "forged"})
    assert forged.status_code == 403
    await admin.post("/notifications/read", data={"csrf": _csrf(after)})
    done = soup(await admin.get("/notifications?lang=en"))
    assert done.select_one("#unread-count") is None
    assert done.select_one("#notifications-link").get_text() == "Notifications"  # type: ignore[union-attr]
    assert "A new inquiry (Training-data disclosure request)" in done.select_one("main").get_text()  # type: ignore[union-attr]


async def test_nobody_reads_or_marks_another_persons_notification(
    site: dict[str, Any],  # noqa: F811
) -> None:
    await _inquiry(site)
    client = await site["browser"]()
    editor = auth(site, "editor@acme.example")
    mine = (await client.get("/api/notifications", headers=editor)).json()
    assert mine["unread"] == 1 and len(mine["items"]) == 1
    notification_id = mine["items"][0]["id"]
    for email in ("admin@acme.example", "viewer@acme.example", "tester@lab.example",
                  "admin@other.example"):  # fmt: skip
        other = auth(site, email)
        refused = await client.post(f"/api/notifications/{notification_id}/read", headers=other)
        assert refused.status_code == 404, email
        listed = (await client.get("/api/notifications", headers=other)).json()
        assert notification_id not in [n["id"] for n in listed["items"]], email
    for email in ("viewer@acme.example", "tester@lab.example", "admin@other.example"):
        assert (await client.get("/api/notifications", headers=auth(site, email))).json() == {
            "unread": 0,
            "items": [],
        }
    read = await client.post(f"/api/notifications/{notification_id}/read", headers=editor)
    assert read.status_code == 200 and read.json()["read_at"] is not None
    tester = await site["browser"]("tester@lab.example")
    page = soup(await tester.get("/notifications"))
    assert page.select_one("#unread-count") is None
    assert page.select("#notifications-list li[data-notification]") == []


async def test_choices_made_through_the_api_apply_and_stale_or_unknown_ones_are_refused(
    site: dict[str, Any],  # noqa: F811
) -> None:
    client = await site["browser"]()
    editor = auth(site, "editor@acme.example")
    current = (await client.get("/api/notifications/settings", headers=editor)).json()
    assert current["version"] == 0 and current["mail"] is False
    assert current["events"]["inquiry_received"] == {"in_app": True, "email": True}
    off = {"version": 0, "lang": "en",
           "events": {"inquiry_received": {"in_app": False, "email": False}}}  # fmt: skip
    saved = await client.put("/api/notifications/settings", headers=editor, json=off)
    assert saved.status_code == 200, saved.text
    assert saved.json()["events"]["inquiry_received"] == {"in_app": False, "email": False}
    assert saved.json()["lang"] == "en" and saved.json()["version"] == 1
    stale = await client.put("/api/notifications/settings", headers=editor, json=off)
    assert stale.status_code == 409
    for wrong in ({"version": 1, "events": {"party": {"in_app": True}}},
                  {"version": 1, "lang": "fr"}, {"version": 1, "colour": "red"}):  # fmt: skip
        assert (
            await client.put("/api/notifications/settings", headers=editor, json=wrong)
        ).status_code == 422
    await _inquiry(site)
    assert (await client.get("/api/notifications", headers=editor)).json()["items"] == []
    admin_list = await client.get("/api/notifications", headers=auth(site, "admin@acme.example"))
    assert len(admin_list.json()["items"]) == 1


async def test_the_settings_page_saves_the_boxes_ticked(
    site: dict[str, Any],  # noqa: F811
) -> None:
    admin = await site["browser"]("admin@acme.example")
    page = soup(await admin.get("/notifications/settings"))
    assert page.select_one("#no-mail") is not None  # this deployment sends no e-mail
    boxes = page.select('#notification-settings input[type="checkbox"]')
    assert len(boxes) == 2 * len(Event) and all(b.has_attr("checked") for b in boxes)
    form = {"csrf": _csrf(page), "version": "0", "lang": "ja",
            "in_app-approval_requested": "on", "email-review_due": "on"}  # fmt: skip
    saved = await admin.post("/notifications/settings", data=form)
    assert saved.status_code == 303 and saved.headers["location"] == "/notifications/settings"
    again = soup(await admin.get("/notifications/settings"))
    ticked = {b["name"] for b in again.select('input[type="checkbox"]') if b.has_attr("checked")}
    assert ticked == {"in_app-approval_requested", "email-review_due"}
    stale = await admin.post("/notifications/settings", data=form | {"csrf": _csrf(again)})
    assert stale.status_code == 409 and soup(stale).select_one("#settings-error") is not None
    wrong = await admin.post(
        "/notifications/settings", data=form | {"csrf": _csrf(again), "lang": "fr", "version": "1"}
    )
    assert wrong.status_code == 422
    english = soup(await admin.get("/notifications/settings?lang=en"))
    assert english.select_one("h1").get_text() == "Notification settings"  # type: ignore[union-attr]


async def test_a_hostile_title_is_shown_as_text(
    site: dict[str, Any],  # noqa: F811
) -> None:
    database = site["app"].state.database
    with database.transaction() as session:
        org_id = session.scalars(select(OrgRow.id).where(OrgRow.slug == "acme")).one()
        notifications.notify(
            session, org_id, Event.INCIDENT_REPORTED, roles=[Role.ADMIN],
            title_ja=SCRIPT, title_en=SCRIPT, link="/dashboard",
        )  # fmt: skip
    admin = await site["browser"]("admin@acme.example")
    response = await admin.get("/notifications")
    main = soup(response).select_one("main")
    assert main is not None and main.select("script") == []
    assert SCRIPT in main.get_text() and "&lt;script&gt;" in response.text


async def test_the_api_needs_a_signed_in_person(
    site: dict[str, Any],  # noqa: F811
) -> None:
    client: httpx.AsyncClient = await site["browser"]()
    assert (await client.get("/api/notifications")).status_code == 401
    assert (await client.post("/api/notifications/1/read")).status_code == 401
    page = await client.get("/notifications")
    assert page.status_code in (303, 401)
