"""Run names belong to an organisation: two organisations may use the same name, and
another organisation's run is 404 by name or number, never a conflict."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tekisei.config import Settings
from tekisei.db.orgs import OrgRow
from tekisei.services.database import Database
from tests.web.test_eval_targets import _signed_in, _soup, finished, site

pytestmark = pytest.mark.anyio
OTHER_SYSTEM = {"name": "他社の相談窓口", "org_role": "provider", "deployment": "public"}


async def _start(
    client: httpx.AsyncClient, headers: dict[str, str], system: int, target: str, key: str
) -> httpx.Response:
    body = {"suite": "tekisei-basics", "target": target, "run_id": key}
    return await client.post(f"/api/systems/{system}/eval-runs", json=body, headers=headers)


async def test_two_organisations_each_have_a_run_named_nightly_and_never_see_the_other(
    settings: Settings, loaded_db: Database, demo_url: str
) -> None:
    target = f"openai:tekisei-demo-1@{demo_url}"
    async with site(settings, loaded_db, demo_target_url=demo_url) as s:
        client, acme, other = s["client"], s["admin"], s["other"]
        theirs = await client.post("/api/systems", json=OTHER_SYSTEM, headers=other)
        assert theirs.status_code == 201

        mine = await _start(client, acme, s["system"], target, "nightly")
        assert mine.status_code == 202, mine.text
        only = await _start(client, acme, s["system"], target, "acme-only")
        assert only.status_code == 202, only.text
        await finished(s, mine.json()["id"])
        await finished(s, only.json()["id"])
        # the same name in another organisation is no conflict, and reveals nothing
        same = await _start(client, other, theirs.json()["id"], target, "nightly")
        assert same.status_code == 202, same.text
        await finished({"client": client, "editor": other}, same.json()["id"])
        again = await _start(client, acme, s["system"], target, "nightly")
        assert again.status_code == 409  # within one organisation a name is taken once

        by_name = (await client.get("/api/evals/runs/nightly", headers=acme)).json()
        assert by_name["id"] == mine.json()["id"] and by_name["system_name"] == "窓口案内チャット"
        by_name = (await client.get("/api/evals/runs/nightly", headers=other)).json()
        assert by_name["id"] == same.json()["id"] and by_name["system_name"] == "他社の相談窓口"

        for reference in ("acme-only", str(only.json()["id"]), str(mine.json()["id"])):
            for url in (
                f"/api/evals/runs/{reference}",
                f"/api/evals/runs/{reference}/results",
                f"/api/evals/compare?before={reference}&after=nightly",
                f"/evals/runs/{reference}",
            ):
                response = await client.get(url, headers=other)
                assert response.status_code == 404, (url, response.text)
                assert "acme-only" not in response.text or reference == "acme-only"
                assert "窓口案内チャット" not in response.text
            resumed = await client.post(
                f"/api/evals/runs/{reference}/resume", json={}, headers=other
            )
            assert resumed.status_code == 404
        # the other organisation takes the name acme used: no 409, no hint it exists
        taken = await _start(client, other, theirs.json()["id"], target, "acme-only")
        assert taken.status_code == 202, taken.text
        await finished({"client": client, "editor": other}, taken.json()["id"])
        huge = await client.get(f"/api/evals/runs/{10**30}", headers=acme)
        assert huge.status_code == 404

    # each organisation's run logs are in a folder of its own
    with loaded_db.reading() as session:
        ids = dict(list(session.execute(select(OrgRow.slug, OrgRow.id))))
    runs = settings.data_dir / "runs"
    assert (runs / str(ids["acme"]) / "nightly.jsonl").is_file()
    assert (runs / str(ids["other"]) / "nightly.jsonl").is_file()
    assert (runs / str(ids["other"]) / "acme-only.jsonl").is_file()
    assert not (runs / "nightly.jsonl").exists()


async def test_listing_shows_only_the_callers_runs(
    settings: Settings, loaded_db: Database, demo_url: str
) -> None:
    target = f"openai:tekisei-demo-1@{demo_url}"
    async with site(settings, loaded_db, demo_target_url=demo_url) as s:
        client = s["client"]
        started = await _start(client, s["admin"], s["system"], target, "nightly")
        await finished(s, started.json()["id"])
        listed: Any = (await client.get("/api/evals/runs", headers=s["other"])).json()
        assert listed == []


async def test_a_queued_run_waits_for_a_worker_and_can_be_cancelled_from_its_page(
    settings: Settings, loaded_db: Database, demo_url: str
) -> None:
    target = f"openai:tekisei-demo-1@{demo_url}"
    async with site(settings, loaded_db, worker=False, demo_target_url=demo_url) as s:
        started = await _start(s["client"], s["admin"], s["system"], target, "waiting")
        assert started.status_code == 202 and started.json()["queued"] is True
        browser = await _signed_in(s, "admin@acme.example")
        try:
            page = _soup(await browser.get(f"/evals/runs/{started.json()['id']}"))
            assert page.select_one("#progress")["data-state"] == "queued"  # type: ignore[index]
            assert "tekisei worker" in page.select_one("#queued").get_text()  # type: ignore[union-attr]
            form = page.select_one("form#cancel-run")
            assert form is not None and page.select_one('form[action$="/resume"]') is None
            csrf = str(form.select_one('input[name="csrf"]')["value"])  # type: ignore[index]
            cancelled = await browser.post(str(form["action"]), data={"csrf": csrf})
            assert cancelled.status_code == 303
            page = _soup(await browser.get(f"/evals/runs/{started.json()['id']}"))
            assert page.select_one("form#cancel-run") is None
            assert page.select_one('form[action$="/resume"]') is not None  # resumable
            # Said alike on the run's page, in the list and in the API: no longer running.
            assert page.select_one("#run-status")["data-state"] == "interrupted"  # type: ignore[index]
            assert "中断" in page.select_one("#run-status").get_text()  # type: ignore[union-attr]
            stopped = page.select_one("#stopped")
            assert stopped is not None and stopped["data-kind"] == "cancelled"
            assert (
                "admin@acme.example が" in stopped.get_text()
                and "中止しました" in stopped.get_text()
            )
            listed = _soup(await browser.get("/evals")).select_one('tr[data-run="waiting"]')
            assert listed is not None and listed.select_one("[data-state]")["data-state"] == (  # type: ignore[index]
                "interrupted"
            )
            shown = await s["client"].get("/api/evals/runs/waiting", headers=s["admin"])
            assert (shown.json()["status"], shown.json()["state"]) == ("running", "interrupted")
            again = await browser.post(str(form["action"]), data={"csrf": csrf})
            assert again.status_code == 409
        finally:
            await browser.aclose()
        events = await s["client"].get(
            "/api/audit/events", params={"action": "eval.cancel"}, headers=s["admin"]
        )
        assert events.json()["total"] == 1
        api = await s["client"].post("/api/evals/runs/waiting/cancel", headers=s["admin"])
        assert api.status_code == 409
