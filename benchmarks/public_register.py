"""Public register and portal: server time for an organisation with a register of 1,000
systems, against the 100 ms target (issue 15 item 7).

For each backend (SQLite, then PostgreSQL) the script builds a deployment with one local
government holding ``--systems`` systems (1,000 by default), every one listed on its
published register with a division and a vendor, ``--notices`` of them (100) with a
published notice, and its governance statement published. It then measures, in the same
process through the real ASGI app (no network, no client in the figures: the server's
time from request to last byte), sequentially and after a warm-up:

- ``register-page``: ``GET /orgs/{slug}/register`` (HTML, every system)
- ``register-json``: ``GET /api/public/orgs/{slug}/register``
- ``register-csv``: ``GET /api/public/orgs/{slug}/register.csv``
- ``portal-search``: ``GET /orgs?q=窓口`` (HTML; the word is in every system's purpose,
  the worst case: every system matches)
- ``portal-search-json``: ``GET /api/public/orgs?q=窓口``
- ``org-hub``: ``GET /orgs/{slug}`` (HTML; links to the 100 notices)

The register's three forms are kept in memory once built, until something they are built
from changes (``TEKISEI_PUBLIC_CACHE_MB``): the scenarios measure that, and the
``(built)`` rows measure them again with nothing kept (``public_cache_mb=0``), which is
what the first reader after a change waits for.

It prints, per scenario: requests, p50 and p95 wall time in ms and p50 ÷ the 100 ms
target (under 1 meets it); the p50 of the process's CPU time per request (the server's
own work, which other load on a shared machine does not inflate, though the database
server's work on PostgreSQL is not in it) and its ratio; and the number of SQL statements
one request runs (constant in the register's size: no query per system).

    .venv/bin/python benchmarks/public_register.py                     # both backends
    .venv/bin/python benchmarks/public_register.py --backend sqlite --requests 20

PostgreSQL: a database ``tekisei_portal_bench`` is dropped and created on
``--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres``.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TARGET_MS = 100.0
SLUG = "bench-city"
WORD = "窓口"


def _postgres_database(admin_url: str) -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS tekisei_portal_bench WITH (FORCE)"))
        connection.execute(text("CREATE DATABASE tekisei_portal_bench"))
    engine.dispose()
    return admin_url.rsplit("/", 1)[0] + "/tekisei_portal_bench"


def prepare(backend: str, folder: Path, systems: int, notices: int, postgres: str) -> Any:
    """Migrate, load the catalogs, and build the organisation and its published
    register; the settings of the deployment."""
    from tekisei.config import load_settings
    from tekisei.core.orgs import OrgActor, OrgCreate
    from tekisei.core.registers import Contribution, EntryChoice
    from tekisei.core.systems import SystemFacts
    from tekisei.services import catalog, orgs, registers, statements
    from tekisei.services import notices as notice_service
    from tekisei.services import systems as system_service
    from tekisei.services.database import open_database, upgrade_database

    url = (
        f"sqlite:///{folder / 'bench.db'}" if backend == "sqlite" else _postgres_database(postgres)
    )
    settings = load_settings(database_url=url, data_dir=folder / "var")
    upgrade_database(settings)
    database = open_database(settings)
    assert database.files_dir is not None
    with database.transaction() as session:
        catalog.load_catalogs(session)
        orgs.create_org(
            session, OrgCreate(name="ベンチマーク市", slug=SLUG, actors=[OrgActor.LOCAL]), "cli"
        )
    made: list[int] = []
    for start in range(0, systems, 200):
        with database.transaction() as session:
            operator = orgs.cli_principal(session, SLUG)
            for n in range(start, min(start + 200, systems)):
                facts = SystemFacts.model_validate(
                    {"name": f"業務支援システム{n:04d}", "org_role": "user",
                     "purpose": f"{WORD}での案内と書類の下書き（{n}）",
                     "domain": "public_services", "deployment": "internal",
                     "vendors": [f"事業者{n % 37}"], "contact_window": "情報政策課",
                     "responsible_person": "情報政策課長"}
                )  # fmt: skip
                row = system_service.register_system(session, operator, facts)
                choice = EntryChoice(division=f"第{n % 12}課", contribution=Contribution.INFORMS)
                registers.list_system(session, operator, row.id, choice)
                made.append(row.id)
    for system_id in made[:notices]:
        with database.transaction() as session:
            operator = orgs.cli_principal(session, SLUG)
            version = notice_service.draft_notice(session, operator, system_id).version
            notice_service.publish_notice(
                session, operator, system_id, version, files_dir=database.files_dir,
                max_bytes=database.max_upload_bytes,
            )  # fmt: skip
    with database.transaction() as session:
        operator = orgs.cli_principal(session, SLUG)
        registers.publish_register(session, operator)
        statements.publish_statement(session, operator)
    database.close()
    return settings


SCENARIOS = {
    "register-page": f"/orgs/{SLUG}/register",
    "register-json": f"/api/public/orgs/{SLUG}/register",
    "register-csv": f"/api/public/orgs/{SLUG}/register.csv",
    "portal-search": f"/orgs?q={WORD}",
    "portal-search-json": f"/api/public/orgs?q={WORD}",
    "org-hub": f"/orgs/{SLUG}",
}


async def measure(settings: Any, requests: int, suffix: str = "") -> list[dict[str, Any]]:
    """Time each scenario ``requests`` times after three warm-up requests."""
    import httpx
    from sqlalchemy import event

    from tekisei.web.app import create_app, freeze_heap

    app = create_app(settings)
    freeze_heap()  # as the server's start does (an ASGI transport runs no lifespan)
    engine = app.state.database.engine
    counted: list[int] = [0]

    def count(*_: Any) -> None:
        counted[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    rows = []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for name, url in SCENARIOS.items():
            for _ in range(3):
                warm = await client.get(url)
                assert warm.status_code == 200, (url, warm.status_code, warm.text[:300])
            counted[0] = 0
            await client.get(url)
            queries = counted[0]
            times, cpu = [], []
            for _ in range(requests):
                start, start_cpu = time.perf_counter(), time.process_time()
                response = await client.get(url)
                times.append((time.perf_counter() - start) * 1000)
                cpu.append((time.process_time() - start_cpu) * 1000)
                assert response.status_code == 200
            times.sort()
            p50, cpu50 = statistics.median(times), statistics.median(cpu)
            rows.append(
                {"scenario": name + suffix, "requests": requests, "p50": p50,
                 "p95": times[max(0, round(0.95 * len(times)) - 1)], "cpu": cpu50,
                 "ratio": p50 / TARGET_MS, "cpu_ratio": cpu50 / TARGET_MS, "queries": queries,
                 "bytes": len(response.content)}
            )  # fmt: skip
    event.remove(engine, "before_cursor_execute", count)
    app.state.database.close()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--systems", type=int, default=1000)
    parser.add_argument("--notices", type=int, default=100)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument(
        "--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    args = parser.parse_args(argv)
    sys.path.insert(0, str(HERE.parent / "src"))
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        with tempfile.TemporaryDirectory() as folder:
            began = time.perf_counter()
            settings = prepare(backend, Path(folder), args.systems, args.notices, args.postgres)
            built = time.perf_counter() - began
            rows = asyncio.run(measure(settings, args.requests))
            # the same with no page kept in memory: every request builds the register
            # (what the first reader after a change waits for)
            built_each_time = settings.model_copy(update={"public_cache_mb": 0})
            rows += [
                r
                for r in asyncio.run(measure(built_each_time, args.requests, " (built)"))
                if r["scenario"].startswith("register")
            ]
        print(
            f"\n{backend}: {args.systems} systems, {args.notices} notices (built in {built:.0f} s)"
        )
        print(
            "| scenario | requests | p50 ms | p95 ms | p50 ÷ 100 ms | CPU p50 ms "
            "| CPU ÷ 100 ms | SQL statements | bytes |"
        )
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for r in rows:
            print(
                f"| {r['scenario']} | {r['requests']} | {r['p50']:.1f} | {r['p95']:.1f} | "
                f"{r['ratio']:.2f} | {r['cpu']:.1f} | {r['cpu_ratio']:.2f} | {r['queries']} | "
                f"{r['bytes']} |"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
