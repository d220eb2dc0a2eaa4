"""Pages of the DS-920 high-risk judgement: the guided form walks the four perspectives and
saves a draft, the record shows the result and who answered, an administrator signs, the
system page shows the judgement in force, its tier reason and the stale marker after the
facts change; viewers only read, other organisations and external testers see nothing,
and hostile input is refused without writing anything."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from bs4 import BeautifulSoup

from tekisei.config import Settings
from tekisei.core.judgements import OUR_WORDING, QUESTIONS
from tekisei.core.orgs import OrgActor, OrgCreate, Role
from tekisei.core.systems import SystemFacts
from tekisei.services import orgs, systems, users
from tekisei.services.database import Database
from tekisei.web.app import create_app

pytestmark = pytest.mark.anyio
PASSWORD = "correct horse battery"


@pytest.fixture
async def site(settings: Settings, loaded_db: Database) -> AsyncIterator[dict[str, Any]]:
    with loaded_db.transaction() as session:
        for slug in ("acme", "other"):
            orgs.create_org(
                session, OrgCreate(name=slug.title(), slug=slug, actors=[OrgActor.LOCAL]), "cli"
            )
        for email, org, role in [
            ("admin@acme.example", "acme", Role.ADMIN),
            ("editor@acme.example", "acme", Role.EDITOR),
            ("viewer@acme.example", "acme", Role.VIEWER),
            ("tester@acme.example", "acme", Role.EXTERNAL_TESTER),
            ("admin@other.example", "other", Role.ADMIN),
        ]:
            users.create_user(
                session, users.UserCreate(email=email, password=PASSWORD), org, role, "cli",
                must_change_password=False,
            )  # fmt: skip
        acme = orgs.cli_principal(session, "acme")
        facts = SystemFacts.model_validate(
            {
                "name": "窓口案内チャットボット",
                "org_role": "user",
                "purpose": "住民の質問に答える。",
            }
        )
        system_id = systems.register_system(session, acme, facts).id
        systems.assign_tester(session, acme, system_id, "tester@acme.example")
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield {"client": client, "system": system_id, "db": loaded_db}
    app.state.database.close()


async def sign_in(client: httpx.AsyncClient, email: str) -> None:
    client.cookies.clear()
    page = BeautifulSoup((await client.get("/signin")).text, "html.parser")
    login = page.select_one('input[name="login_csrf"]')
    assert login is not None
    response = await client.post(
        "/signin",
        data={"email": email, "password": PASSWORD, "next": "/systems",
              "login_csrf": str(login["value"])},
    )  # fmt: skip
    assert response.status_code == 303, response.text


def html(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def csrf_of(page: BeautifulSoup, form: str) -> str:
    found = page.select_one(f'{form} input[name="csrf"]'.strip())
    assert found is not None, form
    return str(found["value"])


def form_data(
    page: BeautifulSoup, replies: dict[str, str], notes: dict[str, str]
) -> dict[str, str]:
    data = {"csrf": csrf_of(page, "#judgement-form")}
    version = page.select_one('#judgement-form input[name="version"]')
    if version is not None:
        data["version"] = str(version["value"])
    for key, reply in replies.items():
        data[f"answer-{key}"] = reply
    for key, note in notes.items():
        data[f"note-{key}"] = note
    return data


async def test_the_form_walks_the_perspectives_saves_a_draft_and_an_admin_signs_it(
    site: dict[str, Any],
) -> None:
    client, system = site["client"], site["system"]
    await sign_in(client, "editor@acme.example")
    detail = html(await client.get(f"/systems/{system}"))
    summary = detail.select_one("#judgement-summary")
    assert summary is not None and summary["data-high-risk"] == ""
    form = html(await client.get(f"/systems/{system}/judgement"))
    fieldsets = form.select("fieldset.perspective")
    assert [f["data-perspective"] for f in fieldsets] == ["users", "work", "data", "output"]
    assert sum(len(f.select("fieldset.question")) for f in fieldsets) == len(QUESTIONS)
    marker = form.select_one("#our-wording")
    assert marker is not None and marker.get_text() == OUR_WORDING[0]
    for q in QUESTIONS:
        assert form.select_one(f'label[for="note-{q.id}"]') is not None
        assert len(form.select(f'input[name="answer-{q.id}"]')) == 3

    # A first draft: two answers, one with a hostile note.
    first = {"users-public": "yes", "users-vulnerable": "no"}
    saved = await client.post(
        f"/systems/{system}/judgement",
        data=form_data(form, first, {"users-public": "<script>alert(1)</script> 住民が直接使う"}),
    )
    assert saved.status_code == 303
    record_url = saved.headers["location"]
    record = html(await client.get(record_url))
    result = record.select_one("#judgement-result")
    assert result is not None and result["data-high-risk"] == "yes"
    assert [li["data-perspective"] for li in record.select("#judgement-perspectives li")] == [
        "users"
    ]
    assert record.select_one("#judgement-unanswered") is not None
    assert record.select_one("#sign-form") is None  # an editor may not sign
    assert "<script>alert(1)</script>" not in (await client.get(record_url)).text

    # The rest of the sheet, from the form that now carries the draft's version.
    form = html(await client.get(f"/systems/{system}/judgement"))
    checked = form.select_one('input[name="answer-users-public"][checked]')
    assert checked is not None and checked["value"] == "yes"
    rest = {q.id: "no" for q in QUESTIONS if q.id not in first}
    rest["data-personal"] = "unsure"
    saved = await client.post(f"/systems/{system}/judgement", data=form_data(form, rest, {}))
    assert saved.status_code == 303 and saved.headers["location"] == record_url

    await sign_in(client, "admin@acme.example")
    record = html(await client.get(record_url))
    assert record.select_one("#judgement-unanswered") is None
    sign_form = record.select_one("#sign-form")
    assert sign_form is not None
    version = sign_form.select_one('input[name="version"]')
    assert version is not None
    signed = await client.post(
        f"{record_url}/sign",
        data={"csrf": csrf_of(record, "#sign-form"), "version": str(version["value"])},
    )
    assert signed.status_code == 303
    record = html(await client.get(record_url))
    state = record.select_one("#judgement-state")
    assert state is not None and state.get_text() == "有効"
    assert [li["data-perspective"] for li in record.select("#judgement-perspectives li")] == [
        "users",
        "data",
    ]
    assert "admin@acme.example" in record.select_one("#judgement-signed").get_text()  # type: ignore[union-attr]

    detail = html(await client.get(f"/systems/{system}"))
    summary = detail.select_one("#judgement-summary")
    assert summary is not None and summary["data-high-risk"] == "yes"
    assert summary["data-stale"] == "no" and detail.select_one("#judgement-stale") is None
    assert detail.select_one('.tier-box li[data-code="ds920-high-risk"]') is not None

    # Signing twice is refused with the reason on the page.
    again = await client.post(
        f"{record_url}/sign",
        data={"csrf": csrf_of(record, ""), "version": "1"},
    )
    assert again.status_code == 409
    assert html(again).select_one("#judgement-error") is not None

    # The facts the judgement rests on change: the system page says to redo it.
    with site["db"].transaction() as session:
        acme = orgs.cli_principal(session, "acme")
        row = systems.visible_system(session, acme, system)
        systems.update_system(session, acme, system, {"deployment": "public"}, row.version)
    detail = html(await client.get(f"/systems/{system}"))
    summary = detail.select_one("#judgement-summary")
    assert summary is not None and summary["data-stale"] == "yes"
    assert detail.select_one("#judgement-stale") is not None
    history = html(await client.get(f"/systems/{system}/judgement"))
    item = history.select_one("#judgement-list li")
    assert item is not None and item["data-state"] == "stale"


async def test_english_pages_show_english_questions_and_the_marker(site: dict[str, Any]) -> None:
    client, system = site["client"], site["system"]
    await sign_in(client, "admin@acme.example")
    page = await client.get(f"/systems/{system}/judgement", params={"lang": "en"})
    soup = html(page)
    assert soup.html is not None and soup.html["lang"] == "en"
    assert QUESTIONS[0].en in page.text and QUESTIONS[0].ja not in page.text
    text = soup.get_text()
    assert OUR_WORDING[0] in text and OUR_WORDING[1] in text
    assert soup.select_one("h1").get_text() == "High-risk judgement (DS-920)"  # type: ignore[union-attr]


async def test_hostile_input_is_refused_and_nothing_is_written(site: dict[str, Any]) -> None:
    client, system = site["client"], site["system"]
    await sign_in(client, "admin@acme.example")
    form = html(await client.get(f"/systems/{system}/judgement"))
    url = f"/systems/{system}/judgement"
    long_note = await client.post(
        url, data=form_data(form, {"users-public": "no"}, {"users-public": "あ" * 1001})
    )
    assert long_note.status_code == 422
    assert html(long_note).select_one("#judgement-error") is not None
    bad_reply = await client.post(url, data=form_data(form, {"users-public": "maybe"}, {}))
    assert bad_reply.status_code == 422
    nothing = await client.post(url, data=form_data(form, {}, {"users-public": "メモだけ"}))
    assert nothing.status_code == 422 and "メモだけ" in nothing.text  # kept for the form
    forged = await client.post(url, data={"csrf": "forged", "answer-users-public": "no"})
    assert forged.status_code == 403
    assert html(await client.get(url)).select_one("#no-judgements") is not None

    # Two tabs: the second save with the version read before the first gets 409.
    await client.post(url, data=form_data(form, {"users-public": "no"}, {}))
    tab = html(await client.get(url))
    await client.post(url, data=form_data(tab, {"users-vulnerable": "no"}, {}))
    stale = await client.post(url, data=form_data(tab, {"work-rights": "yes"}, {}))
    assert stale.status_code == 409
    assert html(stale).select_one("#judgement-error") is not None


async def test_viewers_read_only_and_others_see_nothing(site: dict[str, Any]) -> None:
    client, system = site["client"], site["system"]
    await sign_in(client, "admin@acme.example")
    form = html(await client.get(f"/systems/{system}/judgement"))
    saved = await client.post(
        f"/systems/{system}/judgement", data=form_data(form, {"users-public": "no"}, {})
    )
    record_url = saved.headers["location"]

    await sign_in(client, "viewer@acme.example")
    page = html(await client.get(f"/systems/{system}/judgement"))
    assert page.select_one("#judgement-form") is None
    assert page.select_one("#judgement-readonly") is not None
    assert (await client.get(record_url)).status_code == 200
    refused = await client.post(
        f"/systems/{system}/judgement",
        data={"csrf": csrf_of(page, ""), "answer-users-public": "yes"},
    )
    assert refused.status_code == 403

    for email in ("admin@other.example", "tester@acme.example"):
        await sign_in(client, email)
        assert (await client.get(f"/systems/{system}/judgement")).status_code == 404
        assert (await client.get(record_url)).status_code == 404
        page = html(await client.get("/systems"))
        posted = await client.post(
            f"{record_url}/sign", data={"csrf": csrf_of(page, ""), "version": "1"}
        )
        assert posted.status_code == 404


async def test_a_signed_judgement_is_evidence_for_3_1_and_shows_in_the_ds920_view(
    site: dict[str, Any],
) -> None:
    from tekisei.core.judgements import Answer
    from tekisei.services import assessments, judgements

    client, system = site["client"], site["system"]
    with site["db"].transaction() as session:
        admin = users.principal_for(session, "admin@acme.example", "acme")
        replies = {q.id: Answer(answer="no") for q in QUESTIONS}
        replies["output-unchecked"] = Answer(answer="yes")
        row = judgements.answer(session, admin, system, replies)
        judgements.sign(session, admin, system, row.id, row.version)
        assessments.start_assessment(session, admin, system, "jp-ai-appropriateness-2025")
    await sign_in(client, "admin@acme.example")
    found = (await client.get(f"/api/systems/{system}/assessment")).json()
    by_urn = {item["urn"].rsplit(":", 1)[1]: item for item in found["items"]}
    assert len(by_urn["3.1"]["evidence"]) == 1 and by_urn["3.1"]["state"] == "partial"
    view = await client.get(
        f"/api/systems/{system}/assessment", params={"framework": "digital-agency-genai-2025"}
    )
    items = {item["urn"].rsplit(":", 1)[1]: item for item in view.json()["items"]}
    # HR-1..HR-4 are read through the crosswalk from 1(3)① (intersect) and 3(1) (related),
    # both of which the signed judgement is evidence for.
    for ref in ("HR-1", "HR-2", "HR-3", "HR-4"):
        item = items[ref]
        states = {s["urn"].rsplit(":", 1)[1]: s["state"] for s in item["sources"]}
        related = {s["urn"].rsplit(":", 1)[1]: s["state"] for s in item["related"]}
        assert states["1.3.1"] == "partial" and related.get("3.1") == "partial", item
        assert item["derived_state"] == "partial"
    page = await client.get(
        f"/systems/{system}/assessment", params={"framework": "digital-agency-genai-2025"}
    )
    assert page.status_code == 200 and "出力結果に対する職員の判断" in page.text


async def test_a_redo_shows_where_the_answers_come_from_and_the_signer_confirms_each_perspective(
    site: dict[str, Any],
) -> None:
    from tekisei.services import judgements
    from tekisei.services.people import ActorNames

    client, system, db = site["client"], site["system"], site["db"]
    with db.transaction() as session:
        acme = orgs.cli_principal(session, "acme")
        replies = {q.id: {"answer": "no", "note": f"{q.id}の前回のメモ"} for q in QUESTIONS}
        row = judgements.answer(
            session, acme, system,
            {k: judgements.Answer.model_validate(v) for k, v in replies.items()},
        )  # fmt: skip
        first = judgements.sign(session, acme, system, row.id, row.version)
        signed_on = judgements.view(session, first, ActorNames(session, acme)).signed_at
        current = systems.visible_system(session, acme, system)
        systems.update_system(
            session, acme, system, {"deployment": "public", "scale": "large"}, current.version
        )
    assert signed_on is not None
    await sign_in(client, "admin@acme.example")
    # The form carries the old answers over, and says so: from which judgement, of when,
    # and which facts changed since.
    form = html(await client.get(f"/systems/{system}/judgement"))
    notice = form.select_one("#judgement-redo")
    assert notice is not None and notice["data-redo-of"] == str(first.id)
    assert "判定 1" in notice.get_text() and signed_on.date().isoformat()[:4] in notice.get_text()
    assert [s["data-fact"] for s in notice.select("[data-fact]")] == ["scale", "deployment"]
    assert "提供範囲" in notice.get_text() and "利用規模" in notice.get_text()
    note = form.select_one('textarea[name="note-users-public"]')
    assert note is not None and note.get_text() == "users-publicの前回のメモ"
    english = html(await client.get(f"/systems/{system}/judgement", params={"lang": "en"}))
    text = english.select_one("#judgement-redo").get_text()  # type: ignore[union-attr]
    assert "carried over from judgement 1" in text and "Who can use it" in text
    assert "confirms each of the four perspectives" in text
    # Saving the form starts the redo draft; its record asks for each perspective.
    data = {"csrf": csrf_of(form, "#judgement-form")}
    for q in QUESTIONS:
        data[f"answer-{q.id}"] = "no"
        data[f"note-{q.id}"] = replies[q.id]["note"]
    saved = await client.post(f"/systems/{system}/judgement", data=data)
    assert saved.status_code == 303
    record_url = saved.headers["location"]
    record = html(await client.get(record_url))
    assert record.select_one("#judgement-redo") is not None
    boxes = record.select('#sign-form input[type="checkbox"]')
    assert [b["name"] for b in boxes] == [
        "confirm-users", "confirm-work", "confirm-data", "confirm-output",
    ]  # fmt: skip
    version = str(record.select_one('#sign-form input[name="version"]')["value"])  # type: ignore[index]
    token = csrf_of(record, "#sign-form")
    partial = {"csrf": token, "version": version, "confirm-users": "yes", "confirm-work": "yes",
               "confirm-data": "yes", "confirm-output": "no"}  # fmt: skip
    refused = await client.post(f"{record_url}/sign", data=partial)
    assert refused.status_code == 409
    error = html(refused).select_one("#judgement-error")
    assert error is not None and "確認し直してください" in error.get_text()
    assert "出力結果に対する職員の判断" in error.get_text()
    refused_en = await client.post(f"{record_url}/sign?lang=en", data=partial)
    assert "confirm each perspective again" in refused_en.text
    done = await client.post(f"{record_url}/sign", data=partial | {"confirm-output": "yes"})
    assert done.status_code == 303
    signed_page = html(await client.get(record_url))
    assert signed_page.select_one("#judgement-redo-of") is not None
    assert signed_page.select_one("#judgement-redo") is None


async def test_the_api_signs_a_redo_only_with_every_perspective_confirmed(
    site: dict[str, Any],
) -> None:
    from tekisei.services import judgements

    client, system, db = site["client"], site["system"], site["db"]
    with db.transaction() as session:
        acme = orgs.cli_principal(session, "acme")
        no = {q.id: judgements.Answer.model_validate({"answer": "no"}) for q in QUESTIONS}
        row = judgements.answer(session, acme, system, no)
        judgements.sign(session, acme, system, row.id, row.version)
        current = systems.visible_system(session, acme, system)
        systems.update_system(session, acme, system, {"deployment": "public"}, current.version)
        redo = judgements.answer(session, acme, system, no)
        redo_id, version = redo.id, redo.version
        token = users.create_token(session, "admin@acme.example", "acme")[0]
    auth = {"Authorization": f"Bearer {token}"}
    url = f"/api/systems/{system}/judgements/{redo_id}"
    shown = (await client.get(url, headers=auth)).json()
    assert shown["redo_of"]["changed_facts"] == ["deployment"]
    bad = await client.post(
        f"{url}/sign", headers=auth, json={"version": version, "confirmed": ["users", "nope"]}
    )
    assert bad.status_code == 422
    short = await client.post(
        f"{url}/sign", headers=auth, json={"version": version, "confirmed": ["users", "work"]}
    )
    assert short.status_code == 409
    every = ["users", "work", "data", "output"]
    ok = await client.post(
        f"{url}/sign", headers=auth, json={"version": version, "confirmed": every}
    )
    assert ok.status_code == 200 and ok.json()["reconfirmed"] == every
