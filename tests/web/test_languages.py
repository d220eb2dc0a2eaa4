"""Every page in one language: the Japanese interface shows no English prose and the
English one no Japanese, in the pages a new user meets and their form errors. What the
users wrote (names, purposes, risk titles: their data) is left out; so are proper names,
acronyms, commands, codes, addresses and the other-language links marked ``lang``."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from tekisei.config import Settings
from tekisei.db.orgs import OrgRow
from tekisei.db.risks import RiskRow
from tekisei.db.systems import SystemRow
from tekisei.services.database import Database
from tekisei.services.demo import load_demo
from tekisei.web.app import create_app

pytestmark = pytest.mark.anyio

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]+")
ENGLISH_WORD = re.compile(r"(?<![\w@./:#-])[A-Za-z][a-z]{2,}\b")
# Names, acronyms and technical terms that stay as they are in Japanese text.
ALLOWED_IN_JAPANESE = {
    "tekisei", "Web", "JSON", "CSV", "XLSX", "PDF", "HTML", "PNG", "JPEG", "ISO", "IEC",
    "NIST", "RMF", "HAIP", "CAIO", "AISI", "URL", "API", "OpenAI", "Chat", "Completions",
    "Base64", "Inspect", "Ray", "openai", "responses", "temperature", "seed", "https",
    "http", "Hugging", "Face", "SmolLM2", "Instruct", "Office", "Excel",
}  # fmt: skip
# Code and addresses: commands, options, e-mail addresses, host names, URNs, ids.
CODE = re.compile(
    r"tekisei(?: [a-z][a-z0-9-]*)+|--[a-z-]+|[\w.+-]+@[\w.-]+|\b[\w-]+(?:\.[\w-]+)+\b"
    r"|urn:\S+|\b[a-z]+(?:-[a-z0-9.]+)+\b|\b[A-Z_]{3,}\b"
)
PAGES = [
    "/dashboard", "/systems", "/systems/new", "/systems/{system}", "/systems/{system}/edit",
    "/systems/{system}/assessment", "/systems/{system}/reviews", "/risks", "/risks/{risk}",
    "/evals", "/approvals", "/org", "/audit", "/account", "/catalog", "/catalog/search?q=AI",
    "/verify", "/no-such-page", "/risks/new?system={system}",
    "/catalog/frameworks/jp-ai-appropriateness-2025",
    "/catalog/nodes/urn:tekisei:req:jp-ai-appropriateness-2025:2.1",
    "/catalog/nodes/urn:tekisei:req:jp-ai-appropriateness-2025:fn16",
    "/systems/{system}/assessment?framework=iso-iec-42001-2023",
    "/systems/import", "/risks/import",
]  # fmt: skip


def _text(html: str, data: list[str]) -> str:
    soup = BeautifulSoup(html, "html.parser")
    for element in soup.select("body [lang], script, style, code, pre, input, textarea"):
        element.decompose()
    text = soup.body.get_text(" ", strip=True) if soup.body else ""
    for value in data:  # what the users wrote is theirs, in their language
        text = text.replace(value, " ")
    return CODE.sub(" ", text)


def foreign(html: str, lang: str, data: list[str]) -> list[str]:
    """The words of the other language in a page's visible text."""
    text = _text(html, data)
    if lang == "en":
        return sorted(set(JAPANESE.findall(text)))
    return sorted({w for w in ENGLISH_WORD.findall(text) if w not in ALLOWED_IN_JAPANESE})


@pytest.mark.parametrize("lang", ["ja", "en"])
async def test_pages_speak_one_language(
    settings: Settings, loaded_db: Database, tmp_path: Path, lang: str
) -> None:
    demo = load_demo(loaded_db, settings.data_dir)
    with loaded_db.reading() as session:
        system = session.scalars(select(SystemRow.id).order_by(SystemRow.id)).first()
        risk = session.scalars(select(RiskRow.id).order_by(RiskRow.id)).first()
        data = [r.name for r in session.scalars(select(OrgRow))]
        for row in session.scalars(select(SystemRow)):
            data += [row.name, row.purpose or "", *(row.models or []), *(row.vendors or [])]
        for r in session.scalars(select(RiskRow)):
            data += [r.title, r.description, r.treatment_plan, r.owner, r.acceptance_note or ""]
    data = sorted((d for d in data if d), key=len, reverse=True)
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    problems: list[str] = []
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            signin = BeautifulSoup((await client.get("/signin")).text, "html.parser")
            token = signin.select_one('input[name="login_csrf"]')["value"]  # type: ignore[index]
            await client.post(
                "/signin",
                data={
                    "email": "admin@demo-corp.example",
                    "password": demo.password,
                    "next": "/dashboard",
                    "login_csrf": token,
                },
            )
            for page in PAGES:
                url = page.format(system=system, risk=risk)
                separator = "&" if "?" in url else "?"
                response = await client.get(f"{url}{separator}lang={lang}")
                assert response.status_code in (200, 404), url
                if found := foreign(response.text, lang, data):
                    problems.append(f"{url}: {found[:12]}")
            # form errors: a system without a name, a risk without categories
            page = await client.get(f"/systems/new?lang={lang}")
            csrf = BeautifulSoup(page.text, "html.parser").select_one('input[name="csrf"]')
            refused = await client.post(
                f"/systems/new?lang={lang}",
                data={"csrf": csrf["value"], "name": ""},  # type: ignore[index]
            )
            assert refused.status_code == 422
            if found := foreign(refused.text, lang, data):
                problems.append(f"POST /systems/new: {found[:12]}")
    finally:
        app.state.database.close()
    assert not problems, "\n".join(problems)
