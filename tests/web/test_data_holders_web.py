"""The data-holder register through the real app: the JSON API for every role, the pages
in Japanese and English (forms, errors next to their fields, stale edits, the communication
log, benefit arrangements, the section on the dataset record page), and hostile text shown
as text."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from bs4 import BeautifulSoup

from tekisei.config import Settings
from tekisei.core.orgs import OrgActor, OrgCreate, Role
from tekisei.services import orgs, users
from tekisei.services.database import Database
from tekisei.web.app import create_app

pytestmark = pytest.mark.anyio
PASSWORD = "correct horse battery"
SCRIPT = '<script>alert("x")</script><img src=x onerror=alert(1)>'
MEMBERS = [
    ("admin@acme.example", "acme", Role.ADMIN),
    ("editor@acme.example", "acme", Role.EDITOR),
    ("ceo@acme.example", "acme", Role.EXECUTIVE),
    ("viewer@acme.example", "acme", Role.VIEWER),
    ("assessor@acme.example", "acme", Role.ASSESSOR),
    ("audit@acme.example", "acme", Role.AUDITOR),
    ("tester@lab.example", "acme", Role.EXTERNAL_TESTER),
    ("admin@other.example", "other", Role.ADMIN),
]
SYSTEM = {"name": "採用書類スクリーニング", "org_role": "provider", "purpose": "書類を選別する。"}


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

    async def browser(email: str) -> httpx.AsyncClient:
        client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        clients.append(client)
        page = BeautifulSoup((await client.get("/signin")).text, "html.parser")
        token = page.select_one('input[name="login_csrf"]')["value"]  # type: ignore[index]
        signed = await client.post(
            "/signin",
            data={"email": email, "password": PASSWORD, "next": "/dashboard", "login_csrf": token},
        )
        assert signed.status_code == 303, signed.text
        return client

    browser.tokens = tokens  # type: ignore[attr-defined]
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


async def _dataset(site: Any, client: httpx.AsyncClient, name: str = "応募書類") -> int:
    made = await client.post("/api/systems", headers=auth(site, "admin@acme.example"), json=SYSTEM)
    assert made.status_code == 201, made.text
    dataset = await client.post(
        f"/api/systems/{made.json()['id']}/records/datasets",
        headers=auth(site, "admin@acme.example"),
        json={"name": name, "data_holders": ["人材紹介会社"]},
    )
    assert dataset.status_code == 201, dataset.text
    return int(dataset.json()["id"])


async def test_the_api_writes_for_admins_and_editors_and_reads_for_the_rest(site: Any) -> None:
    client = await site("admin@acme.example")
    dataset_id = await _dataset(site, client)
    added = await client.post(
        "/api/data-holders",
        headers=auth(site, "editor@acme.example"),
        json={"name": "人材紹介会社", "kind": "companies", "rights": ["personal_data"],
              "contact": "hr@agent.example", "datasets": [dataset_id]},
    )  # fmt: skip
    assert added.status_code == 201, added.text
    hid = added.json()["id"]
    assert added.json()["contact"] == "hr@agent.example" and added.json()["version"] == 1
    assert added.json()["datasets"][0]["name"] == "応募書類"
    benefit = await client.post(
        f"/api/data-holders/{hid}/benefits",
        headers=auth(site, "editor@acme.example"),
        json={"kind": "data_back", "recipient": "人材紹介会社", "since": "2026-04-01"},
    )
    assert benefit.status_code == 201, benefit.text
    bid = benefit.json()["id"]
    for email in ("ceo@acme.example", "viewer@acme.example", "assessor@acme.example",
                  "audit@acme.example"):  # fmt: skip
        headers = auth(site, email)
        read = await client.get(f"/api/data-holders/{hid}", headers=headers)
        assert read.status_code == 200 and read.json()["contact"] is None, email
        assert (
            "hr@agent.example" not in (await client.get("/api/data-holders", headers=headers)).text
        )
        refused = await client.post("/api/data-holders", headers=headers, json={"name": "x"})
        assert refused.status_code == 403, email
        logged = await client.post(
            f"/api/data-holders/{hid}/communications", headers=headers, json={"summary": "x"}
        )
        assert logged.status_code == 403, email
        ended = await client.patch(
            f"/api/data-holder-benefits/{bid}", headers=headers,
            json={"version": 1, "status": "ended"},
        )  # fmt: skip
        assert ended.status_code == 403, email
        listed = await client.get(f"/api/data-holders/{hid}/benefits", headers=headers)
        assert [b["id"] for b in listed.json()] == [bid]
    tester = auth(site, "tester@lab.example")
    base = f"/api/data-holders/{hid}"
    hidden = ["/api/data-holders", base, f"{base}/communications", f"{base}/benefits"]
    for url in hidden:
        assert (await client.get(url, headers=tester)).status_code == 404, url
    other = auth(site, "admin@other.example")
    assert (await client.get(f"/api/data-holders/{hid}", headers=other)).status_code == 404
    assert (await client.get("/api/data-holders", headers=other)).json() == []
    stolen = await client.patch(
        f"/api/data-holder-benefits/{bid}", headers=other, json={"version": 1, "status": "ended"}
    )
    assert stolen.status_code == 404
    admin = auth(site, "admin@acme.example")
    saved = await client.patch(
        f"/api/data-holders/{hid}", headers=admin, json={"version": 1, "data": "職務経歴書"}
    )
    assert saved.status_code == 200 and saved.json()["version"] == 2
    again = await client.patch(
        f"/api/data-holders/{hid}", headers=admin, json={"version": 1, "name": "上書き"}
    )
    assert again.status_code == 409
    future = await client.post(
        f"/api/data-holders/{hid}/communications", headers=admin,
        json={"summary": "x", "happened_on": "2999-01-01"},
    )  # fmt: skip
    assert future.status_code == 422
    logged = await client.post(
        f"/api/data-holders/{hid}/communications", headers=admin,
        json={"summary": "利用目的を説明", "channel": "email", "outcome": "同意を得た"},
    )  # fmt: skip
    assert logged.status_code == 201, logged.text
    log = (await client.get(f"/api/data-holders/{hid}/communications", headers=admin)).json()
    assert [(e["channel"], e["outcome"]) for e in log] == [("email", "同意を得た")]
    backwards = await client.patch(
        f"/api/data-holder-benefits/{bid}", headers=admin,
        json={"version": 1, "until": "2026-01-01"},
    )  # fmt: skip
    assert backwards.status_code == 422
    ended = await client.patch(
        f"/api/data-holder-benefits/{bid}", headers=admin,
        json={"version": 1, "status": "ended", "until": "2026-09-30"},
    )  # fmt: skip
    assert ended.status_code == 200 and ended.json()["version"] == 2
    by_dataset = await client.get(f"/api/data-holders?dataset={dataset_id}", headers=admin)
    assert [h["id"] for h in by_dataset.json()] == [hid]
    archived = await client.post(
        f"/api/data-holders/{hid}/archive", headers=admin, json={"version": 2}
    )
    assert archived.status_code == 200 and archived.json()["archived_at"]
    assert (await client.get("/api/data-holders", headers=admin)).json() == []
    listed = await client.get("/api/data-holders?archived=true", headers=admin)
    assert [h["id"] for h in listed.json()] == [hid]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"name": "x" * 201}, 422),
        ({"name": "x", "kind": "journalists"}, 422),
        ({"name": "x", "rights": ["fame"]}, 422),
        ({"name": "x", "contact": "x" * 501}, 422),
        ({"name": "x", "datasets": list(range(1, 110))}, 422),
        ({"name": "x", "datasets": [2**31 - 1]}, 404),
        ({"name": "x", "org_id": 2}, 422),
    ],
)
async def test_the_api_refuses_what_is_out_of_bounds(
    site: Any, body: dict[str, Any], status: int
) -> None:
    client = await site("admin@acme.example")
    response = await client.post(
        "/api/data-holders", headers=auth(site, "admin@acme.example"), json=body
    )
    assert response.status_code == status, response.text
    listed = await client.get("/api/data-holders", headers=auth(site, "admin@acme.example"))
    assert listed.json() == []


@pytest.mark.parametrize("lang", ["ja", "en"])
async def test_adding_a_holder_logging_and_returning_benefits_through_the_pages(
    site: Any, lang: str
) -> None:
    editor = await site("editor@acme.example")
    dataset_id = await _dataset(site, editor)
    page = soup(await editor.get(f"/data-holders?lang={lang}"))
    assert page.select_one('nav a[href="/data-holders"][aria-current="page"]')
    refused = await editor.post(
        f"/data-holders/new?lang={lang}", data={"csrf": csrf(page), "name": ""}
    )
    assert refused.status_code == 422
    error = soup(refused).select_one("#err-name")
    assert error is not None and error.get_text(strip=True)
    made = await editor.post(
        f"/data-holders/new?lang={lang}",
        data={"csrf": csrf(page), "name": SCRIPT, "kind": "creators", "data": "=1+2",
              "rights": ["copyright", "personal_data"], "contact": "090-0000-0000",
              "datasets": str(dataset_id)},
    )  # fmt: skip
    assert made.status_code == 303, made.text
    url = made.headers["location"]
    shown = await editor.get(f"{url}?lang={lang}")
    detail = soup(shown)
    assert SCRIPT not in shown.text and detail.select_one("h1").get_text().startswith("<script>")  # type: ignore[union-attr]
    assert detail.select_one("#flash") is not None
    facts = detail.select_one("#holder-facts").get_text()  # type: ignore[union-attr]
    assert ("創作者・権利者" if lang == "ja" else "Creators and rights holders") in facts
    assert ("著作権" if lang == "ja" else "Copyright") in facts
    assert detail.select_one("#holder-contact").get_text(strip=True) == "090-0000-0000"  # type: ignore[union-attr]
    assert detail.select_one(f'#holder-datasets a[href="/records/datasets/{dataset_id}"]')
    future = await editor.post(
        f"{url}/communications?lang={lang}",
        data={"csrf": csrf(detail), "happened_on": "2999-01-01", "summary": "説明"},
    )
    assert future.status_code == 422
    said = soup(future).select_one("#err-communication-happened_on")
    assert said is not None and ("今日" in said.get_text()) == (lang == "ja")
    logged = await editor.post(
        f"{url}/communications?lang={lang}",
        data={"csrf": csrf(detail), "happened_on": "2026-11-02", "channel": "letter",
              "summary": "利用状況を報告", "outcome": "継続の合意"},
    )  # fmt: skip
    assert logged.status_code == 303
    backwards = await editor.post(
        f"{url}/benefits?lang={lang}",
        data={"csrf": csrf(detail), "kind": "revenue_share", "recipient": "協会",
              "since": "2026-10-01", "until": "2026-09-01", "status": "active"},
    )  # fmt: skip
    assert backwards.status_code == 422
    problem = soup(backwards).select_one("#benefit-error").get_text()  # type: ignore[union-attr]
    assert ("終了日" in problem) == (lang == "ja")
    added = await editor.post(
        f"{url}/benefits?lang={lang}",
        data={"csrf": csrf(detail), "kind": "revenue_share", "recipient": "協会",
              "method": "売上の3%", "since": "2026-10-01", "until": "", "status": "active"},
    )  # fmt: skip
    assert added.status_code == 303
    detail = soup(await editor.get(f"{url}?lang={lang}"))
    entries = detail.select("#communication-log li[data-communication]")
    assert len(entries) == 1 and "継続の合意" in entries[0].get_text()
    assert ("書面" if lang == "ja" else "Letter") in entries[0].get_text()
    rows = detail.select("#benefit-list li[data-benefit]")
    assert len(rows) == 1 and ("収益の分配" if lang == "ja" else "Revenue share") in rows[0].text
    bid = rows[0]["data-benefit"]
    ended = await editor.post(
        f"{url}/benefits/{bid}",
        data={"csrf": csrf(detail), "version": "1", "status": "ended", "until": "2027-03-31"},
    )
    assert ended.status_code == 303
    stale = await editor.post(
        f"{url}/benefits/{bid}?lang={lang}",
        data={"csrf": csrf(detail), "version": "1", "status": "active", "until": ""},
    )
    assert stale.status_code == 409
    detail = soup(stale)
    # the stale change is refused in the reader's language; what was saved stays shown
    ended_row = detail.select_one(f'#benefit-list li[data-benefit="{bid}"]')
    assert ended_row is not None
    assert ("終了" if lang == "ja" else "Ended") in ended_row.select_one("p").get_text()  # type: ignore[union-attr]
    assert ended_row.select_one(f"#until-{bid}")["value"] == "2027-03-31"  # type: ignore[index]
    refusal = ended_row.select_one(".error-message").get_text()  # type: ignore[union-attr]
    assert ("読み込み直して" in refusal) == (lang == "ja")
    # the dataset record page lists the holders linked to it; the register filters
    record = soup(await editor.get(f"/records/datasets/{dataset_id}?lang={lang}"))
    assert len(record.select("#dataset-holders li[data-holder]")) == 1
    filtered = soup(await editor.get(f"/data-holders?dataset={dataset_id}&right=trade_secrets"))
    assert not filtered.select("#holders-table tr[data-holder]")
    filtered = soup(await editor.get(f"/data-holders?dataset={dataset_id}&kind=creators"))
    assert len(filtered.select("#holders-table tr[data-holder]")) == 1


async def test_a_stale_edit_is_a_conflict_readers_get_no_forms_and_testers_nothing(
    site: Any,
) -> None:
    admin = await site("admin@acme.example")
    dataset_id = await _dataset(site, admin)
    added = await admin.post(
        "/api/data-holders", headers=auth(site, "admin@acme.example"),
        json={"name": "写真家", "kind": "individuals", "contact": "090-1111-2222",
              "datasets": [dataset_id]},
    )  # fmt: skip
    hid = added.json()["id"]
    page = soup(await admin.get(f"/data-holders/{hid}?lang=ja"))
    first = await admin.post(
        f"/data-holders/{hid}",
        data={"csrf": csrf(page), "version": "1", "name": "写真家", "interests": "対価",
              "datasets": str(dataset_id)},
    )  # fmt: skip
    assert first.status_code == 303
    stale = await admin.post(
        f"/data-holders/{hid}?lang=ja",
        data={"csrf": csrf(page), "version": "1", "name": "上書き"},
    )
    assert stale.status_code == 409
    assert "読み込み直して" in soup(stale).select_one(".error-message").get_text()  # type: ignore[union-attr]
    for email in ("viewer@acme.example", "ceo@acme.example", "assessor@acme.example"):
        reader = await site(email)
        seen = await reader.get(f"/data-holders/{hid}")
        assert seen.status_code == 200 and "090-1111-2222" not in seen.text
        assert not soup(seen).select(
            "form#communication-form, form#holder-form, #archive-form, form#benefit-form"
        )
    headers = auth(site, "admin@acme.example")
    record_of = await admin.get(f"/api/records/datasets/{dataset_id}", headers=headers)
    assigned = await admin.post(
        f"/api/systems/{record_of.json()['system_id']}/testers",
        headers=headers,
        json={"email": "tester@lab.example"},
    )
    assert assigned.status_code < 300, assigned.text
    tester = await site("tester@lab.example")
    assert (await tester.get("/data-holders")).status_code == 404
    assert (await tester.get(f"/data-holders/{hid}")).status_code == 404
    assert not soup(await tester.get("/dashboard")).select('nav a[href="/data-holders"]')
    record = await tester.get(f"/records/datasets/{dataset_id}")
    assert record.status_code == 200 and soup(record).select_one("#data-holders") is None
    other = await site("admin@other.example")
    assert (await other.get(f"/data-holders/{hid}")).status_code == 404
    archived = await admin.post(
        f"/data-holders/{hid}/archive", data={"csrf": csrf(page), "version": "2"}
    )
    assert archived.status_code == 303
    after = soup(await admin.get(f"/data-holders/{hid}?lang=en"))
    assert "Archived" in after.select_one("h1").get_text()  # type: ignore[union-attr]
    assert not after.select("#communication-form, #benefit-form")


async def test_the_assessment_links_a_holder_of_the_systems_dataset_for_2_5(site: Any) -> None:
    admin = await site("admin@acme.example")
    headers = auth(site, "admin@acme.example")
    made = await admin.post(
        "/api/systems", headers=headers, json=SYSTEM | {"data_categories": ["personal"]}
    )
    system_id = made.json()["id"]
    started = await admin.post(f"/api/systems/{system_id}/assessments", headers=headers)
    assert started.status_code == 201, started.text
    dataset = await admin.post(
        f"/api/systems/{system_id}/records/datasets", headers=headers, json={"name": "応募書類"}
    )
    hid = (
        await admin.post(
            "/api/data-holders", headers=headers,
            json={"name": "応募者", "kind": "individuals", "datasets": [dataset.json()["id"]]},
        )
    ).json()["id"]  # fmt: skip
    page = soup(await admin.get(f"/systems/{system_id}/assessment?lang=en"))
    links = {a["href"] for a in page.select("a[data-evidence]")}
    assert f"/data-holders/{hid}" in links
