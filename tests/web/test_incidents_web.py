"""Incidents through the real app: the JSON API for every role (the review a report opens,
the export, the public twin and its tombstone), the pages in Japanese and English (the
report form pre-filled from an inquiry, the detail page's forms, the system and inquiry
pages), and hostile text shown as text on the public notice."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from tekisei.config import Settings
from tekisei.core.inquiries import InquiryKind, InquirySubmission
from tekisei.core.orgs import OrgActor, OrgCreate, Role
from tekisei.db.inquiries import InquiryRow
from tekisei.db.orgs import OrgRow
from tekisei.services import orgs, public_inquiries, users
from tekisei.services.database import Database
from tekisei.services.incident_exports import IncidentExport
from tekisei.web.app import create_app

pytestmark = pytest.mark.anyio
PASSWORD = "correct horse battery"
SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'
MEMBERS = [
    ("admin@acme.example", "acme", Role.ADMIN),
    ("editor@acme.example", "acme", Role.EDITOR),
    ("assessor@acme.example", "acme", Role.ASSESSOR),
    ("ceo@acme.example", "acme", Role.EXECUTIVE),
    ("audit@acme.example", "acme", Role.AUDITOR),
    ("viewer@acme.example", "acme", Role.VIEWER),
    ("tester@lab.example", "acme", Role.EXTERNAL_TESTER),
    ("admin@other.example", "other", Role.ADMIN),
]
SYSTEM = {"name": "与信審査", "org_role": "provider", "purpose": "与信の判断を補助する。"}


@pytest.fixture
async def site(settings: Settings, loaded_db: Database) -> AsyncIterator[Any]:
    with loaded_db.transaction() as session:
        for slug in ("acme", "other"):
            orgs.create_org(
                session, OrgCreate(name=slug.title(), slug=slug, actors=[OrgActor.BUSINESS]), "cli"
            )
        for email, org, role in MEMBERS:
            users.create_user(
                session, users.UserCreate(email=email, password=PASSWORD), org, role, "cli",
                must_change_password=False,
            )  # fmt: skip
    tokens = {}
    for email, org, _ in MEMBERS:
        with loaded_db.transaction() as session:
            tokens[email] = users.create_token(session, email, org)[0]
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    clients: list[httpx.AsyncClient] = []

    async def browser(email: str | None = None) -> httpx.AsyncClient:
        client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        clients.append(client)
        if email is None:
            return client
        page = BeautifulSoup((await client.get("/signin")).text, "html.parser")
        token = page.select_one('input[name="login_csrf"]')["value"]  # type: ignore[index]
        signed = await client.post(
            "/signin",
            data={"email": email, "password": PASSWORD, "next": "/dashboard", "login_csrf": token},
        )
        assert signed.status_code == 303, signed.text
        return client

    browser.tokens = tokens  # type: ignore[attr-defined]
    browser.db = loaded_db  # type: ignore[attr-defined]
    browser.app = app  # type: ignore[attr-defined]
    yield browser
    for client in clients:
        await client.aclose()
    app.state.database.close()


def auth(site: Any, email: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {site.tokens[email]}"}


def soup(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def csrf(page: BeautifulSoup) -> str:
    return str(page.select_one('input[name="csrf"]')["value"])  # type: ignore[index]


ADMIN = "admin@acme.example"


async def _system(site: Any, client: httpx.AsyncClient) -> int:
    made = await client.post("/api/systems", headers=auth(site, ADMIN), json=SYSTEM)
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


async def _report(site: Any, client: httpx.AsyncClient, system_id: int, **extra: Any) -> Any:
    sent = await client.post(
        "/api/incidents",
        headers=auth(site, ADMIN),
        json={"title": "誤った否決", "severity": "high", "systems": [system_id],
              "harms": ["discrimination"], "root_cause": "内部の原因"} | extra,
    )  # fmt: skip
    assert sent.status_code == 201, sent.text
    return sent.json()


async def test_reporting_through_the_api_opens_the_systems_review_and_names_it(site: Any) -> None:
    client = await site()
    system_id = await _system(site, client)
    reported = await _report(site, client, system_id)
    assert reported["state"] == "open" and len(reported["reviews"]) == 1
    reviews = await client.get(f"/api/systems/{system_id}/reviews", headers=auth(site, ADMIN))
    assert [r["id"] for r in reviews.json()] == reported["reviews"]
    assert reviews.json()[0]["trigger"] == "incident"


@pytest.mark.parametrize(
    ("email", "read", "write"),
    [
        ("editor@acme.example", 200, 201),
        ("assessor@acme.example", 200, 201),
        ("ceo@acme.example", 200, 403),
        ("audit@acme.example", 200, 403),
        ("viewer@acme.example", 200, 403),
        ("tester@lab.example", 404, 404),
        ("admin@other.example", 404, 404),
    ],
)
async def test_every_role_reads_and_reports_as_allowed_and_others_see_nothing(
    site: Any, email: str, read: int, write: int
) -> None:
    client = await site()
    system_id = await _system(site, client)
    assigned = await client.post(
        f"/api/systems/{system_id}/testers", headers=auth(site, ADMIN),
        json={"email": "tester@lab.example"},
    )  # fmt: skip
    assert assigned.status_code < 300, assigned.text
    incident = await _report(site, client, system_id)
    who = auth(site, email)
    assert (await client.get(f"/api/incidents/{incident['id']}", headers=who)).status_code == read
    listed = await client.get("/api/incidents", headers=who)
    tester = email.startswith("tester")
    assert listed.status_code == (404 if tester else 200)
    assert tester or [i["id"] for i in listed.json()] == ([incident["id"]] if read == 200 else [])
    sent = await client.post(
        "/api/incidents", headers=who, json={"title": "x", "systems": [system_id]}
    )
    assert sent.status_code == write, sent.text
    exported = await client.get("/api/incidents/export.json", headers=who)
    assert exported.status_code == (404 if tester else 200)
    assert tester or "誤った否決" not in exported.text or read == 200


async def test_over_long_fields_and_naive_times_are_refused_with_422(site: Any) -> None:
    client = await site()
    system_id = await _system(site, client)
    admin = auth(site, ADMIN)
    for body in (
        {"title": "x" * 201, "systems": [system_id]},
        {"title": "x", "description": "x" * 4001, "systems": [system_id]},
        {"title": "x", "systems": [system_id], "occurred_at": "2026-01-01T10:00:00"},
        {"title": "x", "systems": [system_id], "harms": ["boredom"]},
        {"title": "x", "systems": [system_id], "people_affected": -1},
    ):
        refused = await client.post("/api/incidents", headers=admin, json=body)
        assert refused.status_code == 422, body
    assert (await client.get("/api/incidents", headers=admin)).json() == []


async def test_a_public_notice_shows_only_what_was_chosen_escaped_and_leaves_a_tombstone(
    site: Any,
) -> None:
    client = await site()
    system_id = await _system(site, client)
    incident = await _report(site, client, system_id, description="社内メモ: 山田さんの件")
    admin = auth(site, ADMIN)
    published = await client.post(
        f"/api/incidents/{incident['id']}/publish",
        headers=admin,
        json={"version": incident["version"], "title": SCRIPT, "summary": SCRIPT},
    )
    assert published.status_code == 200, published.text
    public_id = incident["public_id"]
    anonymous = await site()
    json_twin = await anonymous.get(f"/api/public/incidents/{public_id}")
    assert json_twin.status_code == 200 and json_twin.json()["content"]["title"] == SCRIPT
    assert json_twin.json()["content"]["root_cause"] is None
    page = await anonymous.get(f"/public/incidents/{public_id}")
    assert page.status_code == 200
    assert SCRIPT not in page.text and "&lt;script&gt;" in page.text
    parsed = soup(page)
    assert parsed.select_one("#public-title").get_text() == SCRIPT  # type: ignore[union-attr]
    assert not parsed.select("script") and "内部の原因" not in page.text
    assert "山田" not in page.text and ADMIN not in page.text
    again = await client.post(
        f"/api/incidents/{incident['id']}/publish",
        headers=admin,
        json={"version": published.json()["version"], "title": "改訂", "summary": "改訂版",
              "show_root_cause": True},
    )  # fmt: skip
    assert again.status_code == 200, again.text
    versions = await anonymous.get(f"/api/public/incidents/{public_id}/versions")
    assert [v["number"] for v in versions.json()] == [2, 1]
    first = await anonymous.get(f"/public/incidents/{public_id}/versions/1")
    assert soup(first).select_one("#old-version") is not None
    latest = await anonymous.get(f"/public/incidents/{public_id}")
    assert "内部の原因" in latest.text
    assert soup(latest).select_one("#state-now") is None  # nothing has changed since
    closed = await client.post(
        f"/api/incidents/{incident['id']}/state",
        headers=admin,
        json={"version": again.json()["version"], "state": "closed", "lessons": "二重確認"},
    )
    assert closed.status_code == 200, closed.text
    after = await anonymous.get(f"/public/incidents/{public_id}")
    told = soup(after).select_one("#state-now")  # the version stays; readers learn it closed
    assert told is not None and "完了しました" in told.get_text()
    assert soup(after).select_one("#public-state").get_text() != "完了"  # type: ignore[union-attr]
    now = (await anonymous.get(f"/api/public/incidents/{public_id}")).json()
    assert now["state_now"] == "closed" and now["content"]["state"] == "open"
    english = await anonymous.get(
        f"/public/incidents/{public_id}", headers={"Accept-Language": "en"}
    )
    assert "has closed the incident" in soup(english).select_one("#state-now").get_text()  # type: ignore[union-attr]
    # what the organisation wrote in Japanese is marked so on the English page (WCAG 3.1.2)
    summary = soup(english).select_one("#public-summary")
    assert summary is not None and summary["lang"] == "ja" and soup(english).html["lang"] == "en"  # type: ignore[index]
    down = await client.post(
        f"/api/incidents/{incident['id']}/unpublish", headers=admin, json={"reason": "精査中"}
    )
    assert down.status_code == 200, down.text
    gone = await anonymous.get(f"/public/incidents/{public_id}")
    assert gone.status_code == 410 and "精査中" in soup(gone).select_one("#gone-reason").text  # type: ignore[union-attr]
    gone_json = await anonymous.get(f"/api/public/incidents/{public_id}")
    assert gone_json.status_code == 410 and gone_json.json()["reason"] == "精査中"


async def test_the_export_validates_against_its_versioned_schema(site: Any) -> None:
    client = await site()
    system_id = await _system(site, client)
    incident = await _report(site, client, system_id)
    whole = await client.get("/api/incidents/export.json", headers=auth(site, ADMIN))
    one = await client.get(
        f"/api/incidents/{incident['id']}/export.json", headers=auth(site, ADMIN)
    )
    for response in (whole, one):
        parsed = IncidentExport.model_validate(response.json())
        assert parsed.version == 1 and parsed.incidents[0].title == "誤った否決"
        assert set(response.json()["incidents"][0]) >= {
            "date", "title", "description", "deployer", "developer", "harms",
            "affected_parties", "severity", "systems", "incident_id",
        }  # fmt: skip
    public = await client.get(
        "/api/incidents/export.json", headers=auth(site, ADMIN), params={"public": "true"}
    )
    assert public.json()["incidents"] == []


async def test_the_export_gives_the_public_notice_at_the_sites_address(site: Any) -> None:
    # an AI incident database needs a link it can follow, not a path on our site
    client = await site()
    system_id = await _system(site, client)
    incident = await _report(site, client, system_id)
    published = await client.post(
        f"/api/incidents/{incident['id']}/publish",
        headers=auth(site, ADMIN),
        json={"version": incident["version"], "title": "否決の誤り", "summary": "概要"},
    )
    assert published.status_code == 200, published.text
    path = f"/public/incidents/{published.json()['public_id']}"
    app = site.app
    app.state.settings = app.state.settings.model_copy(update={"public_url": ""})
    relative = await client.get("/api/incidents/export.json", headers=auth(site, ADMIN))
    assert relative.json()["incidents"][0]["url"] == path
    app.state.settings = app.state.settings.model_copy(
        update={"public_url": "https://ai.example.jp"}
    )
    for address in ("/api/incidents/export.json", f"/api/incidents/{incident['id']}/export.json"):
        for public in ("false", "true"):
            exported = await client.get(
                address, headers=auth(site, ADMIN), params={"public": public}
            )
            assert exported.json()["incidents"][0]["url"] == "https://ai.example.jp" + path


async def test_reporting_from_an_inquiry_in_japanese_pre_fills_the_form_and_links_back(
    site: Any,
) -> None:
    client = await site()
    system_id = await _system(site, client)
    db: Database = site.db
    with db.transaction() as session:
        org = session.scalars(select(OrgRow).where(OrgRow.slug == "acme")).one()
        to = public_inquiries.Receiver(
            org_id=org.id, org_slug="acme", organisation="Acme", system_id=system_id,
            system=SYSTEM["name"], notice_public_id=None,
        )  # fmt: skip
        sent = public_inquiries.submit(
            session, to,
            InquirySubmission(kind=InquiryKind.COMPLAINT, subject="理由なく否決された",
                              message="説明してください。"),
        )  # fmt: skip
        inquiry_id = session.scalars(
            select(InquiryRow.id).where(InquiryRow.tracking == sent.tracking)
        ).one()
    browser = await site("editor@acme.example")
    inquiry_page = soup(await browser.get(f"/inquiries/{inquiry_id}"))
    link = inquiry_page.select_one("#report-incident")
    assert link is not None and link["href"] == f"/incidents/new?inquiry={inquiry_id}"
    form = soup(await browser.get(str(link["href"])))
    assert form.select_one("#title")["value"] == "理由なく否決された"  # type: ignore[index]
    assert form.select_one('input[name="source"]')["value"] == "inquiry"  # type: ignore[index]
    assert form.select_one("#draft-source") is not None
    data = {
        "csrf": csrf(form), "title": "理由なく否決された", "severity": "medium",
        "systems": str(system_id), "source": "inquiry", "source_ref": str(inquiry_id),
        "occurred_at": "2026-03-01T09:00", "detected_at": "2026-03-02T10:30",
        "harms": ["discrimination", "financial"],
    }  # fmt: skip
    reported = await browser.post("/incidents/new", data=data)
    assert reported.status_code == 303, reported.text
    detail = soup(await browser.get(reported.headers["location"]))
    assert detail.select_one("#incident-source a")["href"] == f"/inquiries/{inquiry_id}"  # type: ignore[index]
    assert "2026-03-01 09:00 JST" in detail.text
    back = soup(await browser.get(f"/inquiries/{inquiry_id}"))
    assert len(back.select("#inquiry-incidents li")) == 1
    system_page = soup(await browser.get(f"/systems/{system_id}"))
    assert len(system_page.select("#system-incidents li")) == 1


async def test_the_detail_page_forms_record_the_response_and_closing_needs_lessons(
    site: Any,
) -> None:
    client = await site()
    system_id = await _system(site, client)
    incident = await _report(site, client, system_id)
    browser = await site("assessor@acme.example")
    url = f"/incidents/{incident['id']}"
    page = soup(await browser.get(url, params={"lang": "en"}))
    assert page.select_one("#publish-form") is None  # assessors do not publish
    steps = [
        ("timeline", {"at": "2026-03-01T09:00", "text": "検知した"}),
        ("notifications", {"party": "authority", "name": "金融庁", "at": "2026-03-02T09:00"}),
        ("actions", {"text": "属性を除く", "system_id": str(system_id), "risk": "",
                     "risk_title": "属性による偏り", "taxonomy": "social.bias",
                     "likelihood": "3", "impact": "4"}),
        ("state", {"state": "contained"}),
    ]  # fmt: skip
    for action, fields in steps:
        page = soup(await browser.get(url))
        version = page.select_one("#timeline-form input[name=version]")["value"]  # type: ignore[index]
        sent = await browser.post(
            f"{url}/{action}", data={"csrf": csrf(page), "version": version, **fields}
        )
        assert sent.status_code == 303, (action, sent.text[:500])
    page = soup(await browser.get(url))
    version = str(page.select_one("#close-form input[name=version]")["value"])  # type: ignore[index]
    refused = await browser.post(
        f"{url}/state", data={"csrf": csrf(page), "version": version, "state": "closed"}
    )
    assert refused.status_code == 422 and soup(refused).select_one("#err-state-lessons")
    closed = await browser.post(
        f"{url}/state",
        data={"csrf": csrf(page), "version": version, "state": "closed", "lessons": "月次で確認"},
    )
    assert closed.status_code == 303
    final = (await client.get(f"/api/incidents/{incident['id']}", headers=auth(site, ADMIN))).json()
    assert final["state"] == "closed" and final["lessons"] == "月次で確認"
    assert [a["kind"] for a in final["actions"]] == ["new_risk"]
    assert final["notifications"][0]["name"] == "金融庁"
    dashboard = soup(await browser.get("/dashboard"))
    assert dashboard.select_one("#count-incidents-closed").text == "1"  # type: ignore[union-attr]


async def test_a_form_naming_another_organisations_system_is_not_found(site: Any) -> None:
    client = await site()
    await _system(site, client)
    theirs = await client.post(
        "/api/systems", headers=auth(site, "admin@other.example"), json=SYSTEM
    )
    browser = await site("editor@acme.example")
    page = soup(await browser.get("/incidents/new"))
    sent = await browser.post(
        "/incidents/new",
        data={"csrf": csrf(page), "title": "x", "systems": str(theirs.json()["id"])},
    )
    assert sent.status_code == 404
    listed = await client.get("/api/incidents", headers=auth(site, ADMIN))
    assert listed.json() == []
