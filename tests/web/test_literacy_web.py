"""AI literacy through the pages and the JSON API: the public modules and self-check (no
sign-in, graded on the server, the database unchanged — no row, no audit event), the quiz
signed in (kept and audited), assignments by administrators only, progress, and what
other roles and organisations get."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from tekisei.config import Settings
from tekisei.core.literacy import self_check_items
from tekisei.core.orgs import OrgActor, OrgCreate, Role
from tekisei.db.base import Base
from tekisei.services import orgs, users
from tekisei.services.database import Database
from tekisei.services.literacy_content import MODULES, module
from tekisei.web.app import create_app

pytestmark = pytest.mark.anyio
PASSWORD = "correct horse battery"
ITEMS = self_check_items(list(MODULES))
RIGHT = [q.answer for _, q in ITEMS]


@pytest.fixture
async def site(settings: Settings, loaded_db: Database) -> AsyncIterator[dict[str, Any]]:
    tokens: dict[str, str] = {}
    ids: dict[str, int] = {}
    with loaded_db.transaction() as session:
        for slug in ("acme", "other"):
            orgs.create_org(
                session, OrgCreate(name=slug.title(), slug=slug, actors=[OrgActor.LOCAL]), "cli"
            )
        for email, org, role in [
            ("admin@acme.example", "acme", Role.ADMIN),
            ("viewer@acme.example", "acme", Role.VIEWER),
            ("tester@acme.example", "acme", Role.EXTERNAL_TESTER),
            ("admin@other.example", "other", Role.ADMIN),
        ]:
            made = users.create_user(
                session, users.UserCreate(email=email, name=email.split("@")[0], password=PASSWORD),
                org, role, "cli", must_change_password=False,
            )  # fmt: skip
            ids[email] = made.id
            tokens[email] = users.create_token(session, email, org)[0]
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield {"client": client, "tokens": tokens, "ids": ids, "db": loaded_db}
    app.state.database.close()


def bearer(site: dict[str, Any], email: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {site['tokens'][email]}"}


def snapshot(db: Database) -> dict[str, int]:
    """The number of rows in every table."""
    with db.reading() as session:
        return {
            t.name: session.scalar(select(func.count()).select_from(t)) or 0
            for t in Base.metadata.sorted_tables
        }


def soup(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


async def test_the_public_modules_are_read_without_signing_in(site: dict[str, Any]) -> None:
    client = site["client"]
    listing = await client.get("/api/public/literacy/modules", params={"lang": "en"})
    assert listing.status_code == 200 and len(listing.json()) >= 8
    first = listing.json()[0]
    assert first["id"] == "what-ai-is"
    assert all(set(q) == {"number", "question", "choices"} for q in first["quiz"])  # no answers
    assert (await client.get("/api/public/literacy/modules/nope-nope")).status_code == 404
    assert (await client.get("/api/public/literacy/modules/..%2Fetc")).status_code in (404, 422)
    page = soup(await client.get("/learn"))
    assert page.html is not None and page.html["lang"] == "ja"
    links = [a["href"] for a in page.select("#public-modules a")]
    assert "/learn/what-ai-is" in links and len(links) >= 8
    read = soup(await client.get("/learn/bias", params={"lang": "en"}))
    assert read.h1 is not None and read.h1.get_text() == module("bias").title.en
    fieldsets = read.select("form#quiz fieldset")
    assert len(fieldsets) == len(module("bias").quiz)
    for fieldset in fieldsets:  # every question a fieldset with a legend and labelled radios
        assert fieldset.legend is not None
        assert all(r.find_parent("label") for r in fieldset.select('input[type="radio"]'))
    missing = await client.get("/learn/no-such-module")
    assert missing.status_code == 404 and "no-such-module" in missing.text


async def test_the_self_check_is_graded_on_the_server_and_stores_nothing(
    site: dict[str, Any],
) -> None:
    client, db = site["client"], site["db"]
    before = snapshot(db)
    form = await client.get("/learn/self-check")
    assert len(soup(form).select("form#quiz fieldset")) == len(ITEMS) >= 8
    answers = {f"q{i}": str(a) for i, a in enumerate(RIGHT, start=1)}
    answers["q2"] = str((RIGHT[1] + 1) % 3)  # one wrong
    answers["q3"] = "=1+1"  # hostile values count as unanswered
    answers["q4"] = "9" * 50
    done = await client.post("/learn/self-check", data=answers, params={"lang": "en"})
    page = soup(done)
    result = page.select_one("#result")
    assert done.status_code == 200 and result is not None
    assert result["data-score"] == str(len(ITEMS) - 3)
    assert page.select_one("#question-2")["data-right"] == "no"  # type: ignore[index]
    assert ITEMS[1][1].explanation.en in page.select_one("#feedback-2").get_text()  # type: ignore[union-attr]
    assert "Not answered" in page.select_one("#feedback-3").get_text()  # type: ignore[union-attr]
    # q3 and q4 were hostile, so unanswered: the result says so, not only the score
    assert "2 of the questions were not answered" in page.select_one("#unanswered").get_text()  # type: ignore[union-attr]
    empty = soup(await client.post("/learn/self-check", data={}, params={"lang": "ja"}))
    assert f"{len(ITEMS)}問に答えていません" in empty.select_one("#unanswered").get_text()  # type: ignore[union-attr]
    api = await client.post("/api/public/literacy/self-check", json={"answers": RIGHT})
    assert api.status_code == 200 and api.json()["score"] == len(ITEMS)
    assert api.json()["passed"] and api.json()["questions"][0]["module"] == "what-ai-is"
    quiz = await client.post(
        "/api/public/literacy/modules/bias/check", json={"answers": [0, None, 2]}
    )
    assert quiz.status_code == 200 and quiz.json()["total"] == 3
    too_many = await client.post("/api/public/literacy/self-check", json={"answers": [0] * 99})
    out_of_range = await client.post("/api/public/literacy/self-check", json={"answers": [7]})
    assert too_many.status_code == 422 and out_of_range.status_code == 422
    await client.post("/learn/bias", data={"q1": "0"})
    assert snapshot(db) == before  # no row, no audit event, nothing


async def test_a_member_takes_a_quiz_signed_in_and_it_is_kept(site: dict[str, Any]) -> None:
    client = site["client"]
    viewer, tester = bearer(site, "viewer@acme.example"), bearer(site, "tester@acme.example")
    right = [q.answer for q in module("bias").quiz]
    url = "/api/literacy/modules/bias/complete"
    done = await client.post(url, headers=viewer, json={"answers": right})
    assert done.status_code == 201 and done.json()["completion"]["passed"]
    assert (await client.post(url, headers=viewer, json={"answers": right[:2]})).status_code == 422
    assert (await client.post(url, headers=tester, json={"answers": right})).status_code == 404
    assert (await client.post(url, json={"answers": right})).status_code == 401
    mine = await client.get("/api/literacy/completions", headers=viewer)
    assert [c["module"] for c in mine.json()] == ["bias"]
    own = (await client.get("/api/literacy/progress", headers=viewer)).json()
    assert not own["everyone"] and own["members"][0]["passed"] == ["bias"]


async def test_only_administrators_assign_and_only_their_own_members(
    site: dict[str, Any],
) -> None:
    client, ids = site["client"], site["ids"]
    admin, viewer = bearer(site, "admin@acme.example"), bearer(site, "viewer@acme.example")
    other = bearer(site, "admin@other.example")
    body = {"module": "what-ai-is", "users": [ids["viewer@acme.example"]], "due_on": "2999-01-01"}
    assert (
        await client.post("/api/literacy/assignments", headers=viewer, json=body)
    ).status_code == 403
    stolen = body | {"users": [ids["admin@other.example"]]}
    assert (
        await client.post("/api/literacy/assignments", headers=admin, json=stolen)
    ).status_code == 404
    long = body | {"module": "x" * 61}
    assert (
        await client.post("/api/literacy/assignments", headers=admin, json=long)
    ).status_code == 422
    made = await client.post("/api/literacy/assignments", headers=admin, json=body)
    assert made.status_code == 201
    assignment = made.json()[0]["id"]
    everyone = (await client.get("/api/literacy/progress", headers=admin)).json()
    assert everyone["everyone"] and len(everyone["members"]) == 2
    member = ids["viewer@acme.example"]
    assert (await client.get(f"/api/literacy/progress/{member}", headers=other)).status_code == 404
    assert (
        await client.delete(f"/api/literacy/assignments/{assignment}", headers=other)
    ).status_code == 404
    assert (
        await client.delete(f"/api/literacy/assignments/{assignment}", headers=viewer)
    ).status_code == 403
    assert (
        await client.delete(f"/api/literacy/assignments/{assignment}", headers=admin)
    ).status_code == 204
    dashboard = (await client.get("/api/dashboard", headers=admin)).json()
    assert dashboard["literacy"] == {"assigned": 0, "completed": 0, "overdue": 0}


async def signed_in(client: httpx.AsyncClient, email: str) -> None:
    page = soup(await client.get("/signin"))
    login = page.select_one('input[name="login_csrf"]')
    assert login is not None
    response = await client.post(
        "/signin",
        data={"email": email, "password": PASSWORD, "next": "/literacy",
              "login_csrf": str(login["value"])},
    )  # fmt: skip
    assert response.status_code == 303, response.text


async def test_the_staff_page_assigns_and_takes_a_quiz(site: dict[str, Any]) -> None:
    client, ids = site["client"], site["ids"]
    await signed_in(client, "admin@acme.example")
    page = soup(await client.get("/literacy"))
    csrf = page.select_one('#assign-form input[name="csrf"]')
    assert csrf is not None
    form = {"csrf": str(csrf["value"]), "module": "bias", "who": "chosen",
            "users": [str(ids["viewer@acme.example"])], "due_on": "2999-12-31"}  # fmt: skip
    assert (await client.post("/literacy/assign", data=form)).status_code == 303
    forged = await client.post("/literacy/assign", data=form | {"csrf": "forged"})
    assert forged.status_code == 403
    bad = await client.post("/literacy/assign", data=form | {"due_on": "31/12/2999"})
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.text
    listed = soup(await client.get("/literacy"))
    assert listed.select_one('tr[data-module="bias"]') is not None
    assert listed.select_one("#count-assigned").get_text() == "1"  # type: ignore[union-attr]
    take = soup(await client.get("/literacy/modules/bias"))
    token = take.select_one('form#quiz input[name="csrf"]')
    assert token is not None
    right = {f"q{i}": str(q.answer) for i, q in enumerate(module("bias").quiz, start=1)}
    done = soup(
        await client.post("/literacy/modules/bias", data=right | {"csrf": str(token["value"])})
    )
    assert done.select_one("#recorded") is not None
    assert done.select_one("#result")["data-passed"] == "yes"  # type: ignore[index]
    assert (await client.post("/literacy/modules/bias", data=right)).status_code == 403


async def test_the_every_member_rule_on_the_page_and_the_api(site: dict[str, Any]) -> None:
    client, ids, db = site["client"], site["ids"], site["db"]
    admin, viewer = bearer(site, "admin@acme.example"), bearer(site, "viewer@acme.example")
    body = {"module": "bias", "due_on": "2999-12-31"}
    assert (
        await client.post("/api/literacy/assignments", headers=admin, json=body)
    ).status_code == 201
    rules = (await client.get("/api/literacy/rules", headers=admin)).json()
    assert [r["module"] for r in rules] == ["bias"] and rules[0]["due_days"] > 300_000
    # A member who joins later is assigned it, and the page says by which rule.
    with db.transaction() as session:
        users.create_user(
            session, users.UserCreate(email="late@acme.example", name="late", password=PASSWORD),
            "acme", Role.EDITOR, "cli", must_change_password=False,
        )  # fmt: skip
    await signed_in(client, "admin@acme.example")
    page = soup(await client.get("/literacy"))
    rule_row = page.select_one('#literacy-rules tr[data-rule="bias"]')
    assert rule_row is not None and "加わった日から" in rule_row.get_text()
    late = page.select('section.member tr[data-module="bias"] [data-by-rule]')
    assert len(late) == 3  # admin, viewer and the newcomer; not the external tester
    # Nobody else removes it: a viewer is refused, another organisation finds no rule.
    refused = await client.delete("/api/literacy/rules/bias", headers=viewer)
    assert refused.status_code == 403
    other = bearer(site, "admin@other.example")
    assert (await client.delete("/api/literacy/rules/bias", headers=other)).status_code == 404
    long = await client.delete("/api/literacy/rules/" + "a" * 61, headers=admin)
    unknown = await client.delete("/api/literacy/rules/no-such-module", headers=admin)
    assert (long.status_code, unknown.status_code) == (422, 404)
    token = page.select_one('#literacy-rules form input[name="csrf"]')
    assert token is not None
    removed = await client.post("/literacy/rules/bias/remove", data={"csrf": str(token["value"])})
    assert removed.status_code == 303
    after = soup(await client.get("/literacy"))
    assert after.select_one("#no-rules") is not None
    assert after.select('section.member tr[data-module="bias"]') != []  # assignments stay
    assert after.select("[data-by-rule]") == []
    tester = await client.get(f"/api/literacy/progress/{ids['tester@acme.example']}", headers=admin)
    assert tester.status_code == 404  # never assigned, not even shown
