"""The published register served from memory: after every kind of change made by another
process (the CLI, another server worker), the cached app answers byte for byte what an
app that builds every page anew answers; what it is built from is tracked, what is not
read does not empty the cache, and a rolled-back change replaces no version."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event, select

from tekisei.config import Settings
from tekisei.core.orgs import OrgActor, OrgCreate, Role
from tekisei.core.registers import EntryChoice
from tekisei.core.systems import SystemFacts
from tekisei.core.vendors import VendorFields
from tekisei.db.content_versions import DEPLOYMENT, UNTRACKED, ContentVersionRow
from tekisei.db.systems import SystemRow
from tekisei.services import notices, orgs, public_registers, registers, systems, users, vendors
from tekisei.services.database import Database
from tekisei.services.public_cache import PageCache
from tekisei.web.app import create_app

pytestmark = pytest.mark.anyio
URLS = (
    "/orgs/city/register?lang=ja",
    "/orgs/city/register?lang=en",
    "/api/public/orgs/city/register",
    "/api/public/orgs/city/register.csv",
)


@pytest.fixture
async def apps(
    settings: Settings, loaded_db: Database
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient, PageCache]]:
    """A client of an app that keeps built pages, and one of an app that never does."""
    with loaded_db.transaction() as session:
        for slug in ("city", "town"):
            orgs.create_org(
                session, OrgCreate(name=f"{slug}市", slug=slug, actors=[OrgActor.LOCAL]), "cli"
            )
    cached = create_app(settings)
    fresh = create_app(settings.model_copy(update={"public_cache_mb": 0}))
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=cached), base_url="http://t") as a,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=fresh), base_url="http://t") as b,
    ):
        yield a, b, cached.state.page_cache
    cached.state.database.close()
    fresh.state.database.close()


def _system(database: Database, slug: str, name: str) -> int:
    facts = {"name": name, "org_role": "user", "purpose": f"{name}の案内",
             "domain": "public_services", "deployment": "public",
             "vendors": ["名前だけの事業者"], "contact_window": "情報課"}  # fmt: skip
    with database.transaction() as session:
        operator = orgs.cli_principal(session, slug)
        system_id = systems.register_system(session, operator, SystemFacts.model_validate(facts)).id
        registers.list_system(session, operator, system_id, EntryChoice(division="情報課"))
    return system_id


def _act(database: Database, slug: str, change: Callable[[Any, Any], object]) -> None:
    with database.transaction() as session:
        change(session, orgs.cli_principal(session, slug))


async def _same(cached: httpx.AsyncClient, fresh: httpx.AsyncClient, step: str) -> list[int]:
    statuses = []
    for url in URLS:
        kept, built = await cached.get(url), await fresh.get(url)
        assert (kept.status_code, kept.content) == (built.status_code, built.content), (step, url)
        statuses.append(kept.status_code)
    return statuses


async def test_every_change_by_another_process_is_served_at_once(
    apps: Any, loaded_db: Database, tmp_path: Path
) -> None:
    cached, fresh, cache = apps
    chatbot = _system(loaded_db, "city", "窓口案内チャットボット")
    ocr = _system(loaded_db, "city", "申請書読み取り")
    _act(loaded_db, "city", registers.publish_register)
    assert await _same(cached, fresh, "published") == [200] * 4
    hits = cache.hits
    assert await _same(cached, fresh, "again") == [200] * 4
    assert cache.hits == hits + len(URLS)  # nothing changed: all four from memory

    def rename(session: Any, operator: Any) -> None:
        version = session.get(SystemRow, chatbot).version
        systems.update_system(session, operator, chatbot, {"name": "AI窓口<b>案内</b>"}, version)

    def vendor(session: Any, operator: Any) -> None:
        fields = VendorFields(name="株式会社=HYPERLINK(1)", systems=[chatbot, ocr])
        vendors.add_vendor(session, operator, fields)

    def unlink(session: Any, operator: Any) -> None:
        row = vendors.list_vendors(session, operator)[0]
        vendors.update_vendor(session, operator, row.id, {"systems": [ocr]}, row.version)

    def notice(session: Any, operator: Any) -> None:
        notices.draft_notice(session, operator, chatbot)

    def publish_notice(session: Any, operator: Any) -> None:
        version = notices.get_notice(session, operator, chatbot).version
        notices.publish_notice(session, operator, chatbot, version,
                               files_dir=tmp_path / "files", max_bytes=1 << 20)  # fmt: skip

    def withdraw_notice(session: Any, operator: Any) -> None:
        notices.unpublish_notice(session, operator, chatbot, "誤りがあったため")

    def rename_org(session: Any, operator: Any) -> None:
        org = orgs.get_org(session, "city")
        orgs.update_org(session, operator, version=org.version, name="新しい市役所")

    steps: list[tuple[str, Callable[[Any, Any], object], list[int]]] = [
        ("a system's facts", rename, [200] * 4),
        ("division", lambda s, o: registers.list_system(s, o, ocr, EntryChoice(division="税務課")),
         [200] * 4),
        ("a vendor linked", vendor, [200] * 4),
        ("a vendor's systems (bulk delete)", unlink, [200] * 4),
        ("a notice drafted", notice, [200] * 4),
        ("a notice published", publish_notice, [200] * 4),
        ("a notice withdrawn", withdraw_notice, [200] * 4),
        ("the organisation's name", rename_org, [200] * 4),
        ("a system unlisted", lambda s, o: registers.unlist_system(s, o, ocr), [200] * 4),
        ("register taken down", registers.unpublish_register, [404] * 4),
        ("published again", registers.publish_register, [200] * 4),
    ]  # fmt: skip
    for step, change, expected in steps:
        _act(loaded_db, "city", change)
        assert await _same(cached, fresh, step) == expected, step
    page = (await cached.get("/orgs/city/register")).text
    assert "新しい市役所" in page and "AI窓口&lt;b&gt;案内&lt;/b&gt;" in page
    assert "申請書読み取り" not in page


async def test_what_the_register_does_not_read_keeps_the_cache(
    apps: Any, loaded_db: Database
) -> None:
    cached, fresh, cache = apps
    _system(loaded_db, "city", "窓口案内")
    _act(loaded_db, "city", registers.publish_register)
    with loaded_db.transaction() as session:
        users.create_user(
            session, users.UserCreate(email="a@city.example", password="correct horse battery"),
            "city", Role.ADMIN, "cli", must_change_password=False,
        )  # fmt: skip
    await _same(cached, fresh, "built")
    # another organisation's data, and what no public page reads (API tokens, the audit
    # events they write)
    _system(loaded_db, "town", "町のシステム")
    with loaded_db.transaction() as session:
        users.create_token(session, "a@city.example", "city")
    hits = cache.hits
    await _same(cached, fresh, "unrelated writes")
    assert cache.hits == hits + len(URLS)
    _system(loaded_db, "city", "申請書読み取り")
    await _same(cached, fresh, "the organisation's own change")
    assert cache.hits == hits + len(URLS)


async def test_a_rolled_back_change_replaces_no_version(loaded_db: Database) -> None:
    with loaded_db.transaction() as session:
        orgs.create_org(session, OrgCreate(name="市", slug="city", actors=[OrgActor.LOCAL]), "cli")
    system_id = _system(loaded_db, "city", "窓口案内")

    def tokens() -> dict[int, str]:
        with loaded_db.reading() as session:
            rows = session.execute(select(ContentVersionRow.scope, ContentVersionRow.token))
            return {row.scope: row.token for row in rows}

    before = tokens()
    assert set(before) >= {DEPLOYMENT, orgs_id(loaded_db, "city")}

    def rename_then_fail() -> None:
        with loaded_db.transaction() as session:
            session.get(SystemRow, system_id).name = "取り消される名前"
            session.flush()
            raise RuntimeError("stop")

    with pytest.raises(RuntimeError):
        rename_then_fail()
    assert tokens() == before
    with loaded_db.transaction() as session:
        session.get(SystemRow, system_id).name = "残る名前"
    after = tokens()
    changed = {scope for scope in after if after[scope] != before.get(scope)}
    assert changed == {orgs_id(loaded_db, "city")}


def orgs_id(database: Database, slug: str) -> int:
    with database.reading() as session:
        return orgs.get_org(session, slug).id


def test_building_a_register_reads_no_untracked_table(loaded_db: Database) -> None:
    with loaded_db.transaction() as session:
        orgs.create_org(session, OrgCreate(name="市", slug="city", actors=[OrgActor.LOCAL]), "cli")
    _system(loaded_db, "city", "窓口案内")
    _act(loaded_db, "city", registers.publish_register)
    statements: list[str] = []

    def seen(*args: Any) -> None:
        statements.append(str(args[2]).lower())

    event.listen(loaded_db.engine, "before_cursor_execute", seen)
    try:
        with loaded_db.reading() as session:
            public_registers.read_register(session, "city")
    finally:
        event.remove(loaded_db.engine, "before_cursor_execute", seen)
    assert statements
    read = {t for t in UNTRACKED if any(re.search(rf"\b{t}\b", s) for s in statements)}
    assert read == set()


def test_the_cache_keeps_what_fits_and_drops_the_least_recently_used() -> None:
    cache = PageCache(max_bytes=100)
    cache.put(("a",), b"x" * 20)
    cache.put(("b",), b"y" * 20)
    assert cache.get(("a",)) == b"x" * 20  # a is now the most recently used
    cache.put(("c",), b"z" * 25)
    cache.put(("d",), b"w" * 25)
    cache.put(("e",), b"v" * 25)  # over 100 bytes: b, the least recently used, goes
    assert cache.get(("b",)) is None
    assert cache.get(("a",)) == b"x" * 20
    assert cache.size <= 100
    cache.put(("big",), b"!" * 26)  # over a quarter of the budget: never kept
    assert cache.get(("big",)) is None
    none = PageCache(max_bytes=0)
    none.put(("a",), b"x")
    assert none.get(("a",)) is None and len(none) == 0
