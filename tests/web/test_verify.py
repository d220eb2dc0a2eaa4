"""The public verification API and page: response shape, the full score for signed-in
callers, rate limits, and the verdict explained in Japanese and English."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from tekisei.config import Settings, load_settings
from tekisei.core.orgs import OrgActor, OrgCreate, Role
from tekisei.db.provenance import ProvenanceKeyRow
from tekisei.provenance import GreenList, WatermarkParams, unseal
from tekisei.services import orgs, users
from tekisei.services import provenance as service
from tekisei.services.database import Database
from tekisei.web.app import create_app
from tests.provenance.test_keys_and_verification import green_text, word_tokenizer

pytestmark = pytest.mark.anyio


@pytest.fixture
async def site(
    settings: Settings, loaded_db: Database, tmp_path: Path
) -> AsyncIterator[dict[str, Any]]:
    limited = load_settings(
        database_url=settings.resolved_database_url,
        data_dir=settings.data_dir,
        public_verify_per_minute=4,
    )
    master = service.master_key(limited)
    with loaded_db.transaction() as session:
        orgs.create_org(
            session, OrgCreate(name="Acme", slug="acme", actors=[OrgActor.BUSINESS]), "cli"
        )
        admin = orgs.cli_principal(session, "acme")
        key_id = service.create_key(
            session, admin, master, limited.data_dir, tokenizer=str(word_tokenizer(tmp_path))
        ).key_id
        users.create_user(
            session,
            users.UserCreate(email="a@acme.example", password="correct horse battery"),
            "acme",
            Role.VIEWER,
            "cli",
        )
        token = users.create_token(session, "a@acme.example", "acme")[0]
        orgs.create_org(
            session, OrgCreate(name="Other", slug="other", actors=[OrgActor.BUSINESS]), "cli"
        )
        users.create_user(
            session,
            users.UserCreate(email="b@other.example", password="correct horse battery"),
            "other",
            Role.ADMIN,
            "cli",
        )
        other_token = users.create_token(session, "b@other.example", "other")[0]
        row = session.scalars(
            select(ProvenanceKeyRow).where(ProvenanceKeyRow.key_id == key_id)
        ).one()
        green = GreenList(unseal(row.secret_sealed, master, key_id), WatermarkParams())
    app = create_app(limited)
    app.state.public_limiter.clock = lambda: 1_800_000_000.0  # one minute for the whole test
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield {
            "client": client,
            "key_id": key_id,
            "marked": green_text(green, 150),
            "auth": {"Authorization": f"Bearer {token}"},
            "other": {"Authorization": f"Bearer {other_token}"},
        }
    app.state.database.close()


async def test_the_public_api_shows_only_a_verdict_a_band_and_a_count(
    site: dict[str, Any],
) -> None:
    client = site["client"]
    public = await client.post("/api/provenance/verify/text", json={"text": site["marked"]})
    assert public.status_code == 200, public.text
    assert public.json() == {
        "verdict": "watermark_detected",
        "p_band": "p < 0.000001",
        "tokens_scored": public.json()["tokens_scored"],
        "retired_on": None,
    }
    full = await client.post(
        "/api/provenance/verify/text", json={"text": site["marked"]}, headers=site["auth"]
    )
    assert full.json()["z"] > 4 and full.json()["green"] > 0 and "p_value" in full.json()
    trust = (await client.get("/api/provenance/trust")).json()
    assert [s["scheme"] for s in trust["text_schemes"]] == ["keyed-kgw-v1"]
    assert site["key_id"] not in str(trust) and "secret" not in str(trust)
    bad = await client.post("/api/provenance/verify/text", json={"text": ""})
    assert bad.status_code == 422


async def test_public_checks_are_rate_limited_per_client(site: dict[str, Any]) -> None:
    client = site["client"]
    codes = [
        (await client.post("/api/provenance/verify/text", json={"text": "w1 w2"})).status_code
        for _ in range(5)
    ]
    assert codes == [200, 200, 200, 200, 429]
    page = await client.post("/verify", data={"text": site["marked"]})
    assert page.status_code == 429
    assert "もう一度" in page.text
    english = await client.post("/api/provenance/verify/text?lang=en", json={"text": "w1"})
    assert english.status_code == 429 and "try again in" in english.json()["detail"]


EXACT = {"tokens_scored", "green", "z", "p_value", "verdict", "key_id", "keys_tried"}
PUBLIC = {"verdict", "p_band", "tokens_scored", "retired_on"}


async def test_exact_scores_come_only_from_ones_own_organisations_keys(
    site: dict[str, Any],
) -> None:
    client, marked, key_id = site["client"], site["marked"], site["key_id"]
    url = "/api/provenance/verify/text"
    mine = await client.post(url, json={"text": marked}, headers=site["auth"])
    assert set(mine.json()) >= EXACT and mine.json()["z"] > 4
    named = await client.post(url, json={"text": marked, "key_id": key_id}, headers=site["auth"])
    assert set(named.json()) >= EXACT
    for body in ({"text": marked}, {"text": marked, "key_id": key_id}):
        theirs = await client.post(url, json=body, headers=site["other"])
        assert theirs.status_code == 200, theirs.text
        assert set(theirs.json()) == PUBLIC and theirs.json()["verdict"] == "watermark_detected"
    unmarked = await client.post(url, json={"text": "w1 w2 w3"}, headers=site["auth"])
    assert set(unmarked.json()) == PUBLIC  # none of acme's keys found it: the public answer


async def test_checks_beyond_ones_own_keys_count_against_the_public_limit(
    site: dict[str, Any],
) -> None:
    client, marked, key_id = site["client"], site["marked"], site["key_id"]
    url = "/api/provenance/verify/text"
    codes = [
        (await client.post(url, json={"text": marked}, headers=site["other"])).status_code
        for _ in range(5)
    ]
    assert codes == [200, 200, 200, 200, 429]
    for body in ({"text": marked, "key_id": key_id}, {"text": marked}):
        mine = await client.post(url, json=body, headers=site["auth"])
        assert mine.status_code == 200 and "z" in mine.json()  # own keys: not counted
    unmarked = await client.post(url, json={"text": "w1 w2 w3"}, headers=site["auth"])
    assert unmarked.status_code == 429  # the rest is the public check, and its limit
    page = await client.post("/verify", data={"text": marked}, headers=site["auth"])
    assert page.status_code == 429


async def test_the_page_explains_the_verdict_in_plain_words(site: dict[str, Any]) -> None:
    client = site["client"]
    form = BeautifulSoup((await client.get("/verify")).text, "html.parser")
    assert form.select_one("form#verify-text textarea#text") is not None
    shown = BeautifulSoup(
        (await client.post("/verify", data={"text": site["marked"]})).text, "html.parser"
    )
    result = shown.select_one("#result")
    assert result is not None and "透かしを検出しました" in result.get_text()
    assert shown.select_one("#band").get_text() == "p < 0.000001"  # type: ignore[union-attr]
    assert "人が書いたことの証明ではありません" in shown.get_text()
    english = await client.post("/verify?lang=en", data={"text": "w1 w2 w3"})
    assert "Too short to tell" in english.text
    long = await client.post("/verify", data={"text": "w1 " * 40_000})
    assert long.status_code == 422 and "w1 w1" in long.text  # the input is kept


@pytest.mark.parametrize(
    ("lang", "words"), [("ja", "確かめられませんでした"), ("en", "Nothing was checked")]
)
async def test_with_no_key_the_page_says_nothing_was_checked(
    settings: Settings, loaded_db: Database, lang: str, words: str
) -> None:
    """A fresh install holds no watermark key: the checker must not answer "no watermark
    found" when it compared the text with nothing."""
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    text = "これは人が書いた文章です。" * 20
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            page = await client.post("/verify", data={"text": text}, params={"lang": lang})
            api = await client.post("/api/provenance/verify/text", json={"text": text})
    finally:
        app.state.database.close()
    result = BeautifulSoup(page.text, "html.parser").select_one("#result")
    assert result is not None and words in result.get_text()
    assert result.select_one("#tokens") is None  # no statistics for a check not made
    assert api.json()["verdict"] == "no_keys"


async def test_without_the_demo_the_page_offers_no_samples(
    settings: Settings, loaded_db: Database
) -> None:
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            page = await client.get("/verify", params={"sample": "text"})
            image = await client.get("/verify/sample.png", headers={"Accept": "text/html"})
            hostile = await client.get("/verify", params={"sample": "../../etc/passwd"})
    finally:
        app.state.database.close()
    soup = BeautifulSoup(page.text, "html.parser")
    assert soup.select_one("#demo-samples") is None
    assert soup.select_one("#text") is not None and soup.select_one("#text").get_text() == ""
    assert image.status_code == 404 and "text/html" in image.headers["content-type"]
    assert hostile.status_code == 422  # only the named sample, never a path
