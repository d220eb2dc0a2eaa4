"""The catalog's JSON API."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest

pytestmark = pytest.mark.anyio


async def test_frameworks_lists_every_framework(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/catalog/frameworks")
    assert response.status_code == 200
    counts = {f["id"]: f["assessable"] for f in response.json()}
    assert counts["nist-ai-rmf-1.0"] == 72
    assert counts["iso-iec-42001-2023"] == 38
    assert len(counts) == 9


async def test_a_framework_comes_with_its_tree(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/catalog/frameworks/haip-reporting-v1")
    assert response.status_code == 200
    body = response.json()
    assert [n["section"] for n in body["tree"]] == [str(i) for i in range(1, 8)]


async def test_node_by_urn_and_by_section(client: httpx.AsyncClient) -> None:
    by_urn = await client.get("/api/catalog/nodes/urn:tekisei:req:jp-ai-appropriateness-2025:2.3")
    by_section = await client.get(
        "/api/catalog/nodes/" + quote("jp-ai-appropriateness-2025:2(3)", safe="")
    )
    assert by_urn.status_code == by_section.status_code == 200
    assert by_urn.json() == by_section.json()
    body = by_urn.json()
    assert body["title_ja"] == "十分な安全性の確保"
    assert {"hiroshima-coc-2023", "iso-iec-42001-2023", "nist-ai-rmf-1.0"} <= {
        e["framework"] for e in body["crosswalk"]
    }


async def test_node_titles_in_links_follow_lang(client: httpx.AsyncClient) -> None:
    ja = (await client.get("/api/catalog/nodes/jp-ai-appropriateness-2025:2.4?lang=ja")).json()
    en = (await client.get("/api/catalog/nodes/jp-ai-appropriateness-2025:2.4?lang=en")).json()
    assert not ja["crosswalk"][0]["rationale"].isascii()
    assert en["crosswalk"][0]["rationale"].isascii()


async def test_unknown_node_is_404_with_a_message(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/catalog/nodes/jp-ai-appropriateness-2025:9(9)")
    assert response.status_code == 404
    assert "neither a section nor a ref" in response.json()["detail"]


async def test_malformed_reference_is_422(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/catalog/nodes/nothing")
    assert response.status_code == 422
    assert "write a URN" in response.json()["detail"]


async def test_search(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/catalog/search", params={"q": "来歴"})
    assert response.status_code == 200
    assert "2(3)" in [n["section"] for n in response.json()]
    empty = await client.get("/api/catalog/search", params={"q": ""})
    assert empty.status_code == 422
    assert empty.json()["detail"][0]["loc"] == ["query", "q"]


async def test_crosswalk_filtered_by_framework(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/api/catalog/crosswalk/iso-iec-42001-2023:A.3.2",
        params={"framework": "jp-ai-appropriateness-2025"},
    )
    assert response.status_code == 200
    body = response.json()
    assert {e["framework"] for e in body["crosswalk"]} == {"jp-ai-appropriateness-2025"}
    assert "3(4)" in {e["section"] for e in body["crosswalk"]}


async def test_the_api_is_described_in_openapi(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    for path in (
        "/api/catalog/frameworks",
        "/api/catalog/frameworks/{framework_id}",
        "/api/catalog/nodes/{reference}",
        "/api/catalog/search",
        "/api/catalog/crosswalk/{reference}",
    ):
        assert path in schema["paths"], path
    assert not any(p.startswith("/catalog") for p in schema["paths"])


async def test_errors_carry_a_japanese_message_too(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/catalog/frameworks/nist-ai-rmf-2")).json()
    assert "is not loaded" in body["detail"]
    assert "nist-ai-rmf-1.0" in body["detail_ja"] and "読み込まれていません" in body["detail_ja"]
