"""Catalog pages render in Japanese and English, with a strict CSP and no inline script."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest
from bs4 import BeautifulSoup

from tekisei.core.catalog import Actor, Relation, SystemRole
from tekisei.web.templating import environment

pytestmark = pytest.mark.anyio


def soup(response: httpx.Response) -> BeautifulSoup:
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    return BeautifulSoup(response.text, "html.parser")


async def test_the_front_page_is_the_portal_and_leads_to_the_catalog(
    client: httpx.AsyncClient,
) -> None:
    page = soup(await client.get("/"))
    link = page.select_one("main a#task-catalog")
    assert link is not None and link["href"] == "/catalog"


@pytest.mark.parametrize(
    ("lang", "heading"), [("ja", "指針と関連する枠組み"), ("en", "Guideline and linked frameworks")]
)
async def test_framework_list_in_both_languages(
    client: httpx.AsyncClient, lang: str, heading: str
) -> None:
    page = soup(await client.get("/catalog", params={"lang": lang}))
    assert page.html is not None and page.html["lang"] == lang
    assert page.h1 is not None and page.h1.get_text(strip=True) == heading
    rows = page.select("table.frameworks tbody tr[data-framework]")
    counts = {r["data-framework"]: r.select_one(".assessable-count").get_text() for r in rows}
    assert counts["nist-ai-rmf-1.0"] == "72"
    assert len(rows) == 9


async def test_japanese_is_the_default_and_accept_language_is_honoured(
    client: httpx.AsyncClient,
) -> None:
    default = soup(await client.get("/catalog"))
    english = soup(await client.get("/catalog", headers={"Accept-Language": "en-GB,en;q=0.8"}))
    assert default.html is not None and default.html["lang"] == "ja"
    assert english.html is not None and english.html["lang"] == "en"


async def test_language_switch_sets_a_cookie_and_returns(client: httpx.AsyncClient) -> None:
    page = soup(await client.get("/catalog/frameworks/hiroshima-coc-2023"))
    link = page.select_one("a.lang-switch")
    assert link is not None
    response = await client.get(str(link["href"]))
    assert response.status_code == 303
    assert response.headers["location"] == "/catalog/frameworks/hiroshima-coc-2023"
    assert "tekisei_lang=en" in response.headers["set-cookie"]
    after = soup(await client.get("/catalog/frameworks/hiroshima-coc-2023"))
    assert after.html is not None and after.html["lang"] == "en"


async def test_the_switch_never_redirects_off_site(client: httpx.AsyncClient) -> None:
    response = await client.get("/lang/en", params={"next": "//evil.example/x"})
    assert response.headers["location"] == "/"


async def test_framework_tree_links_every_node(client: httpx.AsyncClient) -> None:
    page = soup(await client.get("/catalog/frameworks/jp-ai-appropriateness-2025?lang=ja"))
    items = page.select("ul.tree li[data-urn]")
    assert len(items) == 57
    assessable = page.select("ul.tree li.assessable")
    assert len(assessable) == 35
    first = items[0].select_one("a")
    assert first is not None and first["href"].endswith("jp-ai-appropriateness-2025:1")


@pytest.mark.parametrize("lang", ["ja", "en"])
async def test_node_page_shows_text_and_crosswalk(client: httpx.AsyncClient, lang: str) -> None:
    url = "/catalog/nodes/" + quote("jp-ai-appropriateness-2025:2(3)", safe="")
    page = soup(await client.get(url, params={"lang": lang}))
    text = page.select_one(".node-text")
    assert text is not None
    if lang == "ja":
        assert "電子透かし" in text.get_text()
    else:
        assert "watermarks" in text.get_text()
    frameworks = {
        row["data-framework"] for row in page.select("table.crosswalk tr[data-framework]")
    }
    assert {"iso-iec-42001-2023", "nist-ai-rmf-1.0", "hiroshima-coc-2023"} <= frameworks
    link = page.select_one('table.crosswalk a[href*="iso-iec-42001-2023:A.6.2.4"]')
    assert link is not None


async def test_node_page_lists_no_counterpart_rows(client: httpx.AsyncClient) -> None:
    page = soup(await client.get("/catalog/nodes/jp-ai-appropriateness-2025:4.1?lang=en"))
    rows = page.select("tr.no-counterpart")
    assert "hiroshima-coc-2023" in {r["data-framework"] for r in rows}


async def test_unknown_node_page_is_404_with_the_message(client: httpx.AsyncClient) -> None:
    response = await client.get("/catalog/nodes/jp-ai-appropriateness-2025:9(9)?lang=en")
    assert response.status_code == 404
    page = BeautifulSoup(response.text, "html.parser")
    message = page.select_one(".error-message")
    assert message is not None and "neither a section nor a ref" in message.get_text()


async def test_search_page_and_its_htmx_fragment(client: httpx.AsyncClient) -> None:
    page = soup(await client.get("/catalog/search", params={"q": "事業継続", "lang": "ja"}))
    assert "2(4)" in [s.get_text() for s in page.select("ul.results .section")]
    fragment = await client.get(
        "/catalog/search", params={"q": "watermark"}, headers={"HX-Request": "true"}
    )
    assert fragment.status_code == 200
    assert "<html" not in fragment.text
    assert "2(3)" in [s.get_text() for s in soup(fragment).select("ul.results .section")]


async def test_pages_carry_a_strict_csp_and_no_inline_script(client: httpx.AsyncClient) -> None:
    for url in (
        "/catalog",
        "/catalog/frameworks/nist-ai-rmf-1.0",
        "/catalog/nodes/jp-ai-appropriateness-2025:2.1",
        "/catalog/search?q=AI",
    ):
        response = await client.get(url)
        csp = response.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        page = soup(response)
        for script in page.find_all("script"):
            assert script.get("src", "").startswith("/static/"), script
            assert not script.get_text(strip=True)
        assert not page.select("[style]")
        assert not [
            tag for tag in page.find_all(True) if any(a.startswith("on") for a in tag.attrs)
        ]


async def test_vendored_htmx_is_served_locally(client: httpx.AsyncClient) -> None:
    page = soup(await client.get("/catalog"))
    sources = [s["src"] for s in page.find_all("script")]
    assert sources == ["/static/vendor/htmx-2.0.11.min.js", "/static/tekisei.js"]
    script = await client.get(sources[0])
    assert script.status_code == 200
    assert "htmx" in script.text[:2000]
    menu = await client.get(sources[1])  # the phone menu, served from here too
    assert menu.status_code == 200 and "site-menu" in menu.text
    css = await client.get("/static/tekisei.css")
    assert css.status_code == 200


def test_every_interface_message_has_a_japanese_translation() -> None:
    import re
    from pathlib import Path

    from tekisei.web.i18n import messages

    root = Path(environment().loader.searchpath[0])  # type: ignore[union-attr]
    ids: set[str] = set()
    for template in root.rglob("*.html"):
        ids |= set(re.findall(r"""_\(\s*"([^"]+)"\s*\)""", template.read_text(encoding="utf-8")))
        ids |= set(re.findall(r"""_\(\s*'([^']+)'\s*\)""", template.read_text(encoding="utf-8")))
    ja = messages("ja")
    missing = sorted(i for i in ids if ja.gettext(i) == i)
    assert not missing, missing
    en = messages("en")
    keys = (
        [f"actor:{a.value}" for a in Actor]
        + [f"role:{r.value}" for r in SystemRole]
        + [f"relation:{r.value}" for r in Relation]
        + [f"relation-help:{r.value}" for r in Relation]
    )
    for key in keys:
        assert ja.gettext(key) != key, key
        assert en.gettext(key) != key, key


async def test_error_pages_speak_the_page_language(client: httpx.AsyncClient) -> None:
    url = "/catalog/nodes/jp-ai-appropriateness-2025:9(9)"
    ja = BeautifulSoup((await client.get(url, params={"lang": "ja"})).text, "html.parser")
    en = BeautifulSoup((await client.get(url, params={"lang": "en"})).text, "html.parser")
    ja_message = ja.select_one(".error-message")
    en_message = en.select_one(".error-message")
    assert ja_message is not None and en_message is not None
    assert "項番にもrefにもありません" in ja_message.get_text()
    assert "neither a section nor a ref" in en_message.get_text()
    assert ja.h1 is not None and ja.h1.get_text() == "見つかりません"
