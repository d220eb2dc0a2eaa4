"""Assessment pages: answer with evidence, see other frameworks, request and approve a move."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.test_workspace_pages import create_system, csrf, site, soup

pytestmark = pytest.mark.anyio
__all__ = ["site"]
PDF = b"%PDF-1.7\n%%EOF\n"


async def test_answer_with_a_file_and_see_the_iso_view(site: Any) -> None:
    admin = await site("admin@acme.example")
    system_id = await create_system(admin, domain="content_generation", org_role="provider")
    page = soup(await admin.get(f"/systems/{system_id}/assessment"))
    assert page.select_one('form[action$="/assessment/start"]') is not None
    started = await admin.post(
        f"/systems/{system_id}/assessment/start",
        data={"csrf": await csrf(admin, f"/systems/{system_id}")},
    )
    assert started.status_code == 303
    requirement = "urn:tekisei:req:jp-ai-appropriateness-2025:2.3"
    form_url = f"/systems/{system_id}/assessment/answer?requirement={requirement}"
    token = await csrf(admin, form_url)
    saved = await admin.post(
        form_url,
        data={"csrf": token, "state": "implemented", "notes": "透かしを実装"},
        files={"file": ("試験結果.pdf", PDF, "application/pdf")},
    )
    assert saved.status_code == 303, saved.text
    page = soup(await admin.get(f"/systems/{system_id}/assessment"))
    row = page.select_one(f'tr[data-urn="{requirement}"]')
    assert row is not None and row["data-state"] == "implemented"
    link = row.select_one('a[href^="/evidence/"]')
    assert link is not None
    download = await admin.get(str(link["href"]))
    assert download.content == PDF
    assert download.headers["content-disposition"].startswith("attachment")
    iso = soup(
        await admin.get(
            f"/systems/{system_id}/assessment", params={"framework": "iso-iec-42001-2023"}
        )
    )
    control = iso.select_one('tr[data-urn="urn:tekisei:req:iso-iec-42001-2023:A.6.2.4"]')
    assert control is not None and control["data-state"] == "partial"


async def test_not_applicable_without_reason_shows_an_error(site: Any) -> None:
    admin = await site("admin@acme.example")
    system_id = await create_system(admin)
    await admin.post(
        f"/systems/{system_id}/assessment/start",
        data={"csrf": await csrf(admin, f"/systems/{system_id}")},
    )
    form_url = (
        f"/systems/{system_id}/assessment/answer?requirement=jp-ai-appropriateness-2025:1(3)①"
    )
    response = await admin.post(
        form_url, data={"csrf": await csrf(admin, form_url), "state": "not_applicable"}
    )
    assert response.status_code == 422
    assert soup(response).select(".field-error, [role=alert]")


async def test_request_and_approve_a_stage_change(site: Any) -> None:
    admin = await site("admin@acme.example")
    system_id = await create_system(admin, stage="verify")
    detail = soup(await admin.get(f"/systems/{system_id}"))
    assert detail.select_one('form[action$="/stage-request"]') is not None
    requested = await admin.post(
        f"/systems/{system_id}/stage-request",
        data={
            "csrf": await csrf(admin, f"/systems/{system_id}"),
            "to_stage": "deploy",
            "note": "検証完了",
        },
    )
    assert requested.headers["location"] == "/approvals"
    executive = await site("ceo@acme.example")
    inbox = soup(await executive.get("/approvals"))
    form = inbox.select_one("section.approval form")
    assert form is not None
    refused = await executive.post(
        str(form["action"]),
        data={"csrf": await csrf(executive, "/approvals"), "decision": "approve", "reason": "ok"},
    )
    assert refused.status_code == 409
    assert "アセスメント" in soup(refused).select_one('[role="alert"]').get_text()  # type: ignore[union-attr]
    rejected = await executive.post(
        str(form["action"]),
        data={
            "csrf": await csrf(executive, "/approvals"),
            "decision": "reject",
            "reason": "評価が未完了",
        },
    )
    assert rejected.status_code == 303
    assert "評価が未完了" in (await executive.get("/approvals")).text


async def test_the_dashboard_shows_the_organisation(site: Any) -> None:
    admin = await site("admin@acme.example")
    await create_system(admin, domain="employment")
    await create_system(admin)
    page = soup(await admin.get("/dashboard"))
    assert page.select_one("#count-systems").get_text() == "2"  # type: ignore[union-attr]
    radar = page.select("svg.radar circle[data-axis]")
    assert len(radar) == 10
    data = (await admin.get("/api/dashboard", headers={"Accept": "application/json"})).json()
    assert data["by_tier"] == {"high": 1, "minimal": 1}
    assert len(data["reviews_due"]) == 2 and data["overdue"] == 0


async def test_a_review_is_opened_recorded_and_completed_on_its_page(site: Any) -> None:
    admin = await site("admin@acme.example")
    system_id = await create_system(admin)
    url = f"/systems/{system_id}/reviews"
    opened = await admin.post(url, data={"csrf": await csrf(admin, url), "reason": "定期"})
    assert opened.status_code == 303
    page = soup(await admin.get(url))
    form = page.select_one("section.review form")
    assert form is not None
    action = str(form["action"])
    token = await csrf(admin, url)
    half = await admin.post(
        action,
        data={
            "csrf": token,
            "plan": "計画",
            "do": "実行",
            "check": "",
            "act": "",
            "complete": "1",
            "maturity": "3",
        },
    )
    assert half.status_code == 422  # check and act are missing
    done = await admin.post(
        action,
        data={
            "csrf": token,
            "plan": "計画",
            "do": "実行",
            "check": "評価",
            "act": "改善",
            "complete": "1",
            "maturity": "4",
        },
    )
    assert done.status_code == 303
    page = soup(await admin.get(url))
    assert page.select_one('section.review[data-status="completed"]') is not None
    data = (await admin.get("/api/reviews/maturity")).json()
    assert data[0]["maturity"] == 4.0


async def test_the_dashboard_lists_gaps_highest_tier_first(site: Any) -> None:
    admin = await site("admin@acme.example")
    low = await create_system(admin, name="社内検索")
    high = await create_system(admin, name="採用支援", domain="employment")
    for system_id in (low, high):
        await admin.post(
            f"/systems/{system_id}/assessment/start",
            data={"csrf": await csrf(admin, f"/systems/{system_id}")},
        )
    gaps = (await admin.get("/api/dashboard")).json()["gaps"]
    assert gaps[0]["system_id"] == high and gaps[-1]["system_id"] == low


async def test_answer_in_sequence_and_mark_several_not_applicable_at_once(site: Any) -> None:
    admin = await site("admin@acme.example")
    system_id = await create_system(admin)
    await admin.post(
        f"/systems/{system_id}/assessment/start",
        data={"csrf": await csrf(admin, f"/systems/{system_id}")},
    )
    index = soup(await admin.get(f"/systems/{system_id}/assessment"))
    urns = [str(row["data-urn"]) for row in index.select("tr[data-urn]")]
    assert len(urns) > 3
    first = f"/systems/{system_id}/assessment/answer?requirement={urns[0]}"
    page = soup(await admin.get(f"{first}&lang=ja"))
    assert f"{len(urns)} 項目中 1 番目" in page.select_one("nav.pager").get_text()
    assert page.select_one('a[rel="prev"]') is None and page.select_one('a[rel="next"]')
    saved = await admin.post(
        first,
        data={"csrf": await csrf(admin, first), "state": "implemented", "then": urns[1]},
    )
    assert saved.status_code == 303
    assert (
        saved.headers["location"].endswith("saved=1")
        and "requirement=" in saved.headers["location"]
    )
    second = soup(await admin.get(saved.headers["location"] + "&lang=ja"))
    assert "保存しました" in second.select_one("p.saved").get_text()
    assert "回答済み 1" in second.select_one("nav.pager").get_text()
    # a 'then' that is not a requirement goes back to the assessment, never elsewhere
    elsewhere = await admin.post(
        first,
        data={"csrf": await csrf(admin, first), "state": "implemented", "then": "//evil.example"},
    )
    assert elsewhere.headers["location"] == f"/systems/{system_id}/assessment?saved=1"

    token = await csrf(admin, f"/systems/{system_id}/assessment")
    bulk_url = f"/systems/{system_id}/assessment/not-applicable"
    no_reason = await admin.post(
        bulk_url, data={"csrf": token, "requirement": urns[2:4], "justification": ""}
    )
    assert no_reason.headers["location"].endswith("bulk=reason#bulk")
    foreign = await admin.post(
        bulk_url,
        data={
            "csrf": token,
            "requirement": [urns[2], "urn:tekisei:req:no-such-framework:1"],
            "justification": "対象外",
        },
    )
    assert foreign.headers["location"].endswith("bulk=refused#bulk")
    after = soup(await admin.get(f"/systems/{system_id}/assessment"))
    assert after.select_one(f'tr[data-urn="{urns[2]}"]')["data-state"] == "not_started"  # type: ignore[index]
    marked = await admin.post(
        bulk_url,
        data={"csrf": token, "requirement": urns[2:4], "justification": "社内向けで対象外"},
    )
    assert marked.headers["location"].endswith("saved=2")
    after = soup(await admin.get(f"/systems/{system_id}/assessment"))
    for urn in urns[2:4]:
        assert after.select_one(f'tr[data-urn="{urn}"]')["data-state"] == "not_applicable"  # type: ignore[index]


async def test_conformity_of_nothing_that_applies_is_a_dash_not_zero(site: Any) -> None:
    admin = await site("admin@acme.example")
    system_id = await create_system(admin)
    await admin.post(
        f"/systems/{system_id}/assessment/start",
        data={"csrf": await csrf(admin, f"/systems/{system_id}")},
    )
    page = soup(await admin.get(f"/systems/{system_id}/assessment"))
    urns = [str(row["data-urn"]) for row in page.select("tr[data-urn]")]
    token = await csrf(admin, f"/systems/{system_id}/assessment")
    marked = await admin.post(
        f"/systems/{system_id}/assessment/not-applicable",
        data={"csrf": token, "requirement": urns, "justification": "試験用に全項目を対象外とする"},
    )
    assert marked.headers["location"].endswith(f"saved={len(urns)}")
    page = soup(await admin.get(f"/systems/{system_id}/assessment"))
    assert page.select_one("#conformity").get_text() == "—"  # type: ignore[union-attr]
    report = await admin.get(f"/api/systems/{system_id}/assessment/report?format=html&lang=ja")
    assert report.status_code == 200 and "適合率 —" in report.text
