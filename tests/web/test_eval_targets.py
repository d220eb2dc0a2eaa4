"""What runs started from the web and the API may reach: the organisation's allow-list,
the demo target, no private addresses unless the operator allows them, no redirects,
no error bodies, and limits on concurrency."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, nullcontext
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from tekisei.config import Settings
from tekisei.core.orgs import OrgActor, OrgCreate, Role
from tekisei.db.evals import EvalTargetHostRow
from tekisei.db.orgs import OrgRow
from tekisei.evals import create_demo_app
from tekisei.services import orgs, users
from tekisei.services.database import Database
from tekisei.web.app import create_app
from tests.conftest import served, worker_running

pytestmark = pytest.mark.anyio
PASSWORD = "correct horse battery"
SYSTEM = {"name": "窓口案内チャット", "org_role": "provider", "deployment": "public"}
SECRET = "SECRET-INTERNAL-TOKEN"


@pytest.fixture
def internal() -> Iterator[dict[str, Any]]:
    """A server standing for something inside the network: /leak answers 404 with a
    secret body, /moved redirects to /inside, which records every hit."""
    hits: list[str] = []

    async def inside(request: Request) -> Response:
        hits.append(request.url.path)
        return JSONResponse({"choices": [{"message": {"content": SECRET}}]})

    async def leak(request: Request) -> Response:
        return PlainTextResponse(f"{SECRET} postgres://app:pw@10.0.0.9/db", status_code=404)

    async def moved(request: Request) -> Response:
        return RedirectResponse("/inside/chat/completions", status_code=302)

    app = Starlette(
        routes=[
            Route("/inside/chat/completions", inside, methods=["POST"]),
            Route("/leak/chat/completions", leak, methods=["POST"]),
            Route("/moved/chat/completions", moved, methods=["POST"]),
        ]
    )
    with served(app) as url:
        yield {"url": url, "hostport": url.removeprefix("http://"), "hits": hits}


@pytest.fixture
def listed_demo() -> Iterator[str]:
    """A second demo target, on a port of its own (not the configured demo target)."""
    with served(create_demo_app()) as url:
        yield url


@asynccontextmanager
async def site(
    settings: Settings, db: Database, *, worker: bool = True, **overrides: Any
) -> AsyncIterator[dict[str, Any]]:
    with db.transaction() as session:
        first = session.scalar(select(OrgRow.id).where(OrgRow.slug == "acme")) is None
        for slug in ("acme", "other") if first else ():
            orgs.create_org(
                session, OrgCreate(name=slug, slug=slug, actors=[OrgActor.BUSINESS]), "cli"
            )
        tokens = {}
        for email, org, role in [
            ("admin@acme.example", "acme", Role.ADMIN),
            ("editor@acme.example", "acme", Role.EDITOR),
            ("admin@other.example", "other", Role.ADMIN),
        ]:
            if first:
                users.create_user(
                    session,
                    users.UserCreate(email=email, password=PASSWORD),
                    org,
                    role,
                    "cli",
                    must_change_password=False,
                )
            tokens[email.split("@")[0] + "@" + org] = users.create_token(session, email, org)[0]
    configured = settings.model_copy(update=overrides)
    app = create_app(configured)
    transport = httpx.ASGITransport(app=app)
    with worker_running(configured) if worker else nullcontext():
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            headers = {k: {"Authorization": f"Bearer {v}"} for k, v in tokens.items()}
            system = await client.post("/api/systems", json=SYSTEM, headers=headers["admin@acme"])
            assert system.status_code == 201, system.text
            yield {
                "client": client,
                "admin": headers["admin@acme"],
                "editor": headers["editor@acme"],
                "other": headers["admin@other"],
                "system": system.json()["id"],
                "transport": transport,
            }
    app.state.database.close()


async def start(s: dict[str, Any], target: str, **extra: Any) -> httpx.Response:
    body = {"suite": "tekisei-basics", "target": target, **extra}
    return await s["client"].post(
        f"/api/systems/{s['system']}/eval-runs", json=body, headers=s["editor"]
    )


async def allow(s: dict[str, Any], *hosts: str) -> None:
    response = await s["client"].put(
        "/api/orgs/current/eval-targets", json={"hosts": list(hosts)}, headers=s["admin"]
    )
    assert response.status_code == 200, response.text


async def finished(s: dict[str, Any], run: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for _ in range(600):
        out = (await s["client"].get(f"/api/evals/runs/{run}", headers=s["editor"])).json()
        if out["status"] in ("finished", "failed"):
            return out
        await asyncio.sleep(0.05)
    raise AssertionError(f"run {run} did not finish: {out}")


INTERNAL = [
    "http://127.0.0.1:9/v1",
    "http://10.0.0.5/v1",
    "http://169.254.169.254/latest",
    "http://[::ffff:127.0.0.1]:9/v1",
    "http://[::1]:9/v1",
    "http://2130706433:9/v1",
    "http://0x7f.1:9/v1",
    "http://localhost:9/v1",  # a name resolving to loopback
    "http://100.64.0.1/v1",
    "http://[fd00:ec2::254]/v1",
]


async def test_runs_against_internal_addresses_are_refused_at_start(
    settings: Settings, loaded_db: Database
) -> None:
    async with site(settings, loaded_db) as s:
        # even when an administrator lists them (metadata addresses cannot be listed: they
        # are written straight into the database, as someone who can write it could)
        await allow(
            s, "127.0.0.1:9", "10.0.0.5", "[::1]:9", "localhost:9", "100.64.0.1",
        )  # fmt: skip
        with loaded_db.transaction() as session:
            org = session.scalars(select(OrgRow).where(OrgRow.slug == "acme")).one()
            session.add_all(
                EvalTargetHostRow(
                    org_id=org.id, host=host, added_by="db", added_at=datetime.now(UTC)
                )
                for host in ("169.254.169.254", "[fd00:ec2::254]")
            )
        for url in INTERNAL:
            refused = await start(s, f"openai:m@{url}")
            assert refused.status_code == 422, (url, refused.text)
            body = refused.json()
            if "169.254.169.254" in url or "fd00:ec2" in url:
                assert "metadata" in body["detail"] and "メタデータ" in body["detail_ja"]
            else:
                assert "TEKISEI_EVAL_ALLOW_PRIVATE_TARGETS" in body["detail"], url
                assert "TEKISEI_EVAL_ALLOW_PRIVATE_TARGETS" in body["detail_ja"]
            judged = await start(s, "openai:m@https://api.example.com/v1", judge=f"openai:j@{url}")
            assert judged.status_code == 422
        runs = (await s["client"].get("/api/evals/runs", headers=s["admin"])).json()
        assert runs == []  # nothing was recorded


async def test_a_host_not_on_the_allow_list_is_refused_with_what_to_do(
    settings: Settings, loaded_db: Database
) -> None:
    async with site(settings, loaded_db) as s:
        refused = await start(s, "openai:gpt@https://api.example.com/v1")
        assert refused.status_code == 422
        body = refused.json()
        assert "api.example.com" in body["detail"] and "administrator" in body["detail"]
        assert "管理者" in body["detail_ja"] and "api.example.com" in body["detail_ja"]
        judged = await start(s, "openai:tekisei-demo-1@http://127.0.0.1:8900/v1",
                             judge="openai:j@https://judge.example.com/v1")  # fmt: skip
        assert judged.status_code == 422 and "judge.example.com" in judged.text
        # the other organisation's list does not count
        listed = await s["client"].put(
            "/api/orgs/current/eval-targets", json={"hosts": ["api.example.com"]},
            headers=s["other"],
        )  # fmt: skip
        assert listed.status_code == 200
        assert (await start(s, "openai:gpt@https://api.example.com/v1")).status_code == 422


async def test_the_demo_target_works_out_of_the_box(
    settings: Settings, loaded_db: Database, demo_url: str
) -> None:
    async with site(settings, loaded_db, demo_target_url=demo_url) as s:
        read = await s["client"].get("/api/orgs/current/eval-targets", headers=s["editor"])
        assert read.json() == {
            "hosts": [],
            "demo_target": demo_url.removeprefix("http://").removesuffix("/v1"),
            "private_addresses_allowed": False,
        }
        started = await start(s, f"openai:tekisei-demo-1@{demo_url}", run_id="demo")
        assert started.status_code == 202, started.text
        run = await finished(s, started.json()["id"])
        assert run["answered"] == run["cases"] and run["errors"] == 0
        # repeats and sampling settings from the web reach the worker through the run log
        repeated = await start(
            s, f"openai:tekisei-demo-1@{demo_url}", run_id="demo-x2", epochs=2,
            temperature=0.5, seed=7,
        )  # fmt: skip
        assert repeated.status_code == 202, repeated.text
        twice = await finished(s, repeated.json()["id"])
        assert twice["cases"] == 2 * run["cases"] and twice["answered"] == twice["cases"]
        refused = await start(s, f"openai:tekisei-demo-1@{demo_url}", epochs=21)
        assert refused.status_code == 422
        # only that exact host and port
        port = int(demo_url.rsplit(":", 1)[1].split("/")[0])
        other = await start(s, f"openai:tekisei-demo-1@http://127.0.0.1:{port + 1}/v1")
        assert other.status_code == 422


async def test_a_listed_host_works_where_the_operator_allows_private_addresses(
    settings: Settings, loaded_db: Database, listed_demo: str
) -> None:
    hostport = listed_demo.removeprefix("http://")
    async with site(settings, loaded_db) as s:
        await allow(s, hostport)
        refused = await start(s, f"openai:tekisei-demo-1@{listed_demo}/v1")
        assert refused.status_code == 422  # listed, but loopback
    async with site(settings, loaded_db, eval_allow_private_targets=True) as s:
        await allow(s)  # allowed addresses, but not listed
        assert (await start(s, f"openai:tekisei-demo-1@{listed_demo}/v1")).status_code == 422
        await allow(s, hostport)
        started = await start(s, f"openai:tekisei-demo-1@{listed_demo}/v1", concurrency=20)
        assert started.status_code == 202, started.text
        run = await finished(s, started.json()["id"])
        assert run["answered"] == run["cases"] and run["errors"] == 0


async def test_error_answers_and_redirects_store_only_the_status(
    settings: Settings, loaded_db: Database, internal: dict[str, Any]
) -> None:
    async with site(settings, loaded_db, eval_allow_private_targets=True) as s:
        await allow(s, internal["hostport"])
        client = s["client"]
        for path, status in (("leak", 404), ("moved", 302)):
            started = await start(s, f"openai:m@{internal['url']}/{path}", run_id=path)
            assert started.status_code == 202, started.text
            run = await finished(s, started.json()["id"])
            assert run["errors"] == run["cases"] and run["status"] == "failed"
            assert run["evidence_id"] is None  # no answers: no evidence, no suggestions
            results = await client.get(f"/api/evals/runs/{path}/results", headers=s["editor"])
            errors = {r["error"] for r in results.json()}
            assert errors == {f"HTTP {status} from the target"} or errors == {
                f"HTTP {status} from the target (redirects are not followed)"
            }
            for url in (
                f"/api/evals/runs/{path}/results",
                f"/api/evals/runs/{path}",
                f"/evals/runs/{run['id']}",
            ):
                shown = await client.get(url, headers=s["editor"])
                assert SECRET not in shown.text and "10.0.0.9" not in shown.text
        assert internal["hits"] == []  # the redirect was never followed


async def test_concurrency_of_web_runs_is_capped_and_declared(
    settings: Settings, loaded_db: Database, demo_url: str
) -> None:
    async with site(settings, loaded_db, demo_target_url=demo_url) as s:
        schema = (await s["client"].get("/openapi.json")).json()
        field = schema["components"]["schemas"]["RunStart"]["properties"]["concurrency"]
        assert field["maximum"] == 20
        refused = await start(s, f"openai:tekisei-demo-1@{demo_url}", concurrency=21)
        assert refused.status_code == 422 and "20" in refused.text
    async with site(settings, loaded_db, demo_target_url=demo_url,
                    web_eval_max_concurrency=5) as s:  # fmt: skip
        schema = (await s["client"].get("/openapi.json")).json()
        field = schema["components"]["schemas"]["RunStart"]["properties"]["concurrency"]
        assert field["maximum"] == 5
        refused = await start(s, f"openai:tekisei-demo-1@{demo_url}", concurrency=6)
        assert refused.status_code == 422
        page = _soup(await s["client"].get("/evals", headers=s["editor"]))
        assert page.select_one("#r-concurrency")["max"] == "5"  # type: ignore[index]
    async with site(settings, loaded_db, worker=False, demo_target_url=demo_url,
                    web_eval_max_concurrency=5) as s:  # fmt: skip
        started = await start(s, f"openai:tekisei-demo-1@{demo_url}", concurrency=5)
        assert started.status_code == 202, started.text
        run, client = started.json()["id"], s["client"]
        assert (await client.post(f"/api/evals/runs/{run}/cancel", headers=s["editor"])).is_success
        # a resume asks no concurrency: it gets the operator's cap, not a refusal
        resumed = await client.post(f"/api/evals/runs/{run}/resume", json={}, headers=s["editor"])
        assert resumed.status_code == 202 and resumed.json()["queued"], resumed.text


async def test_administrators_keep_the_allow_list_and_each_change_is_audited(
    settings: Settings, loaded_db: Database
) -> None:
    async with site(settings, loaded_db) as s:
        client = s["client"]
        denied = await client.put(
            "/api/orgs/current/eval-targets", json={"hosts": ["x.example"]}, headers=s["editor"]
        )
        assert denied.status_code == 403
        bad = await client.put(
            "/api/orgs/current/eval-targets",
            json={"hosts": ["https://api.example.com/v1"]},
            headers=s["admin"],
        )
        assert bad.status_code == 422 and "https://api.example.com/v1" in bad.text
        assert "detail_ja" in bad.json()
        too_many = await client.put(
            "/api/orgs/current/eval-targets",
            json={"hosts": [f"h{i}.example" for i in range(201)]},
            headers=s["admin"],
        )
        assert too_many.status_code == 422
        for never in ("169.254.169.254", "[fd00:ec2::254]:80", "224.0.0.1", "192.0.2.10:8443"):
            refused = await client.put(
                "/api/orgs/current/eval-targets", json={"hosts": [never]}, headers=s["admin"]
            )
            assert refused.status_code == 422 and "can never be reached" in refused.text, never
        saved = await client.put(
            "/api/orgs/current/eval-targets",
            json={"hosts": ["API.Example.com", "*.corp.example", "api.example.com", "llm:8443"]},
            headers=s["admin"],
        )
        assert saved.status_code == 200, saved.text
        assert saved.json()["hosts"] == ["*.corp.example", "api.example.com", "llm:8443"]
        events = await client.get(
            "/api/audit/events", params={"action": "eval_targets.set"}, headers=s["admin"]
        )
        assert events.json()["total"] == 1
        assert events.json()["items"][0]["summary"]["after"] == saved.json()["hosts"]
        other = await client.get("/api/orgs/current/eval-targets", headers=s["other"])
        assert other.json()["hosts"] == []


def _soup(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


async def _signed_in(s: dict[str, Any], email: str) -> httpx.AsyncClient:
    browser = httpx.AsyncClient(transport=s["transport"], base_url="http://testserver")
    page = _soup(await browser.get("/signin"))
    token = page.select_one('input[name="login_csrf"]')
    assert token is not None
    response = await browser.post(
        "/signin",
        data={"email": email, "password": PASSWORD, "next": "/evals",
              "login_csrf": str(token["value"])},
    )  # fmt: skip
    assert response.status_code == 303, response.text
    return browser


async def test_the_pages_refuse_internal_targets_and_admins_edit_the_list(
    settings: Settings, loaded_db: Database
) -> None:
    async with site(settings, loaded_db) as s:
        browser = await _signed_in(s, "admin@acme.example")
        try:
            page = _soup(await browser.get("/org"))
            form = page.select_one("form#eval-targets")
            assert form is not None
            csrf = str(form.select_one('input[name="csrf"]')["value"])  # type: ignore[index]
            saved = await browser.post(
                "/org/eval-targets", data={"csrf": csrf, "hosts": "api.example.com\n10.0.0.5\n"}
            )
            assert saved.status_code == 303, saved.text
            page = _soup(await browser.get("/org"))
            listed = [li.get_text(strip=True) for li in page.select("#eval-target-hosts li")]
            assert listed == ["10.0.0.5", "api.example.com"]
            bad = await browser.post(
                "/org/eval-targets", data={"csrf": csrf, "hosts": "http://x.example/v1"}
            )
            assert bad.status_code == 422
            assert "http://x.example/v1" in _soup(bad).select_one('[role="alert"]').get_text()  # type: ignore[union-attr]

            page = _soup(await browser.get("/evals"))
            csrf = str(page.select_one('input[name="csrf"]')["value"])  # type: ignore[index]
            for url in ("http://10.0.0.5/v1", "http://2130706433:9/v1", "http://[::1]:9/v1"):
                refused = await browser.post(
                    "/evals",
                    data={"csrf": csrf, "system": str(s["system"]), "suite": "tekisei-basics",
                          "target": f"openai:m@{url}", "concurrency": "5"},
                )  # fmt: skip
                assert refused.status_code == 422, url
                alert = _soup(refused).select_one('[role="alert"]').get_text()  # type: ignore[union-attr]
                assert "TEKISEI_EVAL_ALLOW_PRIVATE_TARGETS" in alert and "運用者" in alert
            unlisted = await browser.post(
                "/evals",
                data={"csrf": csrf, "system": str(s["system"]), "suite": "tekisei-basics",
                      "target": "openai:m@https://other.example/v1", "concurrency": "5"},
            )  # fmt: skip
            assert unlisted.status_code == 422
            assert "管理者" in _soup(unlisted).select_one('[role="alert"]').get_text()  # type: ignore[union-attr]
        finally:
            await browser.aclose()
