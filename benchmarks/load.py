"""Load: ``tekisei serve`` under concurrent clients, against bare FastAPI in the same run.

For each backend (SQLite, then PostgreSQL) the script builds a deployment with one
organisation holding 10,000 systems, starts ``tekisei serve`` and a bare FastAPI peer
(benchmarks/_bare.py: a constant ``/ping`` and the systems list's two queries without
tekisei's sign-in, middleware, ORM or templates) with the same number of worker processes,
and runs each scenario with 50 concurrent clients for 60 s from a separate client process:

- ``list-systems``: ``GET /api/systems`` with a bearer token (page of 50, by name)
- ``system-page``: ``GET /systems/{id}`` (HTML) with a browser session
- ``assessment-page``: ``GET /systems/{id}/assessment`` (HTML) with a browser session
- ``sign-in``: the sign-in form, ``GET /signin`` then ``POST /signin`` (argon2id)
- ``verify-text``: the public ``POST /api/provenance/verify/text`` without credentials
  (the public rate limit raised for the run)

Sign-in is also measured against ``/signin`` of the peer, which checks one password with
argon2id at tekisei's parameters: the work a sign-in cannot avoid (column "÷ bare same
work"; for the other scenarios that column is the systems list's queries).

Each scenario is measured in a group with the two bare peers: the three take turns in
``--slices`` slices (6 by default, 10 s each at 60 s), so that other work on the machine
weighs on the scenario and on its peers alike, and the ratios compare like with like.

It prints, per scenario: requests, errors (any unexpected status, reset or timeout),
throughput, p50 and p99 latency, p99 ÷ p50, the peers' throughput in the same group, and
the scenario's throughput ÷ each peer's.

    .venv/bin/python benchmarks/load.py                       # both backends, 50 clients, 60 s
    .venv/bin/python benchmarks/load.py --backend sqlite --seconds 10 --systems 1000
    .venv/bin/python benchmarks/load.py --workers 2

PostgreSQL: a database ``tekisei_load`` is dropped and created on
``--postgres postgresql+psycopg://postgres@127.0.0.1:5432/postgres``.

Targets (issue 10): zero errors; p99 under 10 × p50; throughput at least 0.3 × the bare
peer measured in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PASSWORD = "load-test passphrase 2026"
TEXT = (
    "市民の皆さまからのお問い合わせに、AIを活用した案内サービスでお答えします。"
    "回答は参考情報であり、正式な手続きは窓口でご確認ください。" * 3
)


@dataclass
class Deployment:
    """A prepared deployment: its environment and what the scenarios need."""

    env: dict[str, str]
    database_url: str
    org_id: int
    token: str
    email: str
    system_id: int


# ----------------------------------------------------------------------------- preparing


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _postgres_database(admin_url: str) -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS tekisei_load WITH (FORCE)"))
        connection.execute(text("CREATE DATABASE tekisei_load"))
    engine.dispose()
    return admin_url.rsplit("/", 1)[0] + "/tekisei_load"


def prepare(backend: str, folder: Path, systems: int, postgres: str) -> Deployment:
    """Migrate, load the catalogs, and create an organisation with ``systems`` systems,
    an admin with a token, an open assessment and a watermark key."""
    from tekisei.config import load_settings
    from tekisei.core.orgs import OrgActor, OrgCreate, Role
    from tekisei.core.systems import SystemFacts
    from tekisei.services import assessments, catalog, orgs, provenance, users
    from tekisei.services import systems as system_service
    from tekisei.services.database import open_database, upgrade_database

    data_dir = folder / "var"
    url = f"sqlite:///{data_dir / 'tekisei.db'}" if backend == "sqlite" else ""
    if backend == "postgresql":
        url = _postgres_database(postgres)
    settings = load_settings(data_dir=data_dir, database_url=url)
    upgrade_database(settings)
    database = open_database(settings)
    email = "admin@load.example"
    with database.transaction() as session:
        catalog.load_catalogs(session)
        org = orgs.create_org(
            session, OrgCreate(name="負荷試験", slug="load", actors=[OrgActor.BUSINESS]), "cli"
        )
        users.create_user(
            session, users.UserCreate(email=email, password=PASSWORD), "load", Role.ADMIN, "cli"
        )
        token, _ = users.create_token(session, email, "load")
        org_id = org.id
    admin = None
    started = time.monotonic()
    for batch in range(0, systems, 500):
        with database.transaction() as session:
            admin = users.principal_for(session, email, "load")
            for n in range(batch, min(batch + 500, systems)):
                facts = SystemFacts(
                    name=f"業務システム {n:05d}",
                    purpose="問い合わせ対応の下書き",
                    org_role="user",
                    domain="public_services" if n % 7 == 0 else "general",
                )
                system_service.register_system(session, admin, facts)
    with database.transaction() as session:
        admin = users.principal_for(session, email, "load")
        first = system_service.list_systems(session, admin, limit=1)[1][0].id
        assessments.start_assessment(session, admin, first)
        provenance.create_key(session, admin, provenance.master_key(settings), settings.data_dir)
    database.close()
    print(f"  prepared {systems} systems in {time.monotonic() - started:.0f} s", flush=True)
    env = os.environ | {
        "TEKISEI_DATA_DIR": str(data_dir),
        "TEKISEI_DATABASE_URL": url,
        "TEKISEI_PUBLIC_VERIFY_PER_MINUTE": "1000000",
        "TEKISEI_LOG_LEVEL": "WARNING",
    }
    return Deployment(env, url, org_id, token, email, first)


def _wait_for(url: str, process: subprocess.Popen[bytes], seconds: float = 180) -> None:
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server at {url} exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


def start_tekisei(deployment: Deployment, workers: int) -> tuple[str, subprocess.Popen[bytes]]:
    port = _free_port()
    tekisei = Path(sys.executable).with_name("tekisei")
    process = subprocess.Popen(
        [str(tekisei), "serve", "--port", str(port), "--workers", str(workers)],
        env=deployment.env,
        stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    _wait_for(f"{base}/healthz", process)
    return base, process


def start_bare(deployment: Deployment, workers: int) -> tuple[str, subprocess.Popen[bytes]]:
    port = _free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "_bare:app",
            "--app-dir",
            str(HERE),
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=deployment.env | {"BARE_DATABASE_URL": deployment.database_url},
        stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    _wait_for(f"{base}/ping", process)
    return base, process


def session_cookie(base: str, email: str) -> str:
    """Sign in through the form once; the session cookie for the page scenarios."""
    import httpx

    with httpx.Client(base_url=base, timeout=60) as client:
        form = client.get("/signin")
        token = re.search(r'name="login_csrf" value="([^"]+)"', form.text)
        assert token is not None, "no login_csrf on the sign-in form"
        answer = client.post(
            "/signin",
            data={"email": email, "password": PASSWORD, "login_csrf": token.group(1)},
        )
        assert answer.status_code == 303, answer.text[:300]
        return str(client.cookies["tekisei_session"])


# ----------------------------------------------------------------------------- the client


async def _client(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Run the phases of one group in turn, ``slices`` times over, so that whatever else
    the machine does falls on every phase alike; per phase: its figures."""
    import aiohttp

    latencies: dict[str, list[float]] = {phase["name"]: [] for phase in spec["phases"]}
    errors: dict[str, dict[str, int]] = {phase["name"]: {} for phase in spec["phases"]}
    elapsed: dict[str, float] = {phase["name"]: 0.0 for phase in spec["phases"]}
    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    timeout = aiohttp.ClientTimeout(total=60)

    async with aiohttp.ClientSession(
        connector=connector, timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()
    ) as http:

        async def one(phase: dict[str, Any]) -> None:
            base: str = phase["base"]
            kind: str = phase["kind"]
            headers: dict[str, str] = phase.get("headers", {})
            if kind == "post":
                async with http.post(base + phase["path"], headers=headers) as answer:
                    await answer.read()
                    ok = answer.status == 200
                    status = answer.status
            elif kind == "get":
                async with http.get(base + phase["path"], headers=headers) as answer:
                    await answer.read()
                    ok = answer.status == 200
                    status = answer.status
            elif kind == "verify":
                async with http.post(
                    base + phase["path"], json={"text": TEXT}, headers=headers
                ) as answer:
                    await answer.read()
                    ok = answer.status == 200
                    status = answer.status
            else:  # sign-in: the form with its double-submit token, then the post
                async with http.get(base + "/signin") as form:
                    page = await form.text()
                    cookie = form.cookies.get("tekisei_login_csrf")
                found = re.search(r'name="login_csrf" value="([^"]+)"', page)
                if cookie is None or found is None:
                    raise RuntimeError(f"sign-in form without a token ({form.status})")
                async with http.post(
                    base + "/signin",
                    data={"email": phase["email"], "password": PASSWORD, "login_csrf": found[1]},
                    headers={"Cookie": f"tekisei_login_csrf={cookie.value}"},
                    allow_redirects=False,
                ) as answer:
                    await answer.read()
                    ok = answer.status == 303
                    status = answer.status
            if not ok:
                raise RuntimeError(f"HTTP {status}")

        async def worker(phase: dict[str, Any], until: float, record: bool) -> None:
            name = phase["name"]
            while time.monotonic() < until:
                started = time.perf_counter()
                try:
                    await one(phase)
                except Exception as exc:  # every failure counts, whatever it is
                    if record:
                        kind = str(exc) if str(exc).startswith("HTTP") else type(exc).__name__
                        errors[name][kind] = errors[name].get(kind, 0) + 1
                    continue
                if record:
                    latencies[name].append(time.perf_counter() - started)

        slices: int = spec["slices"]
        for _ in range(slices):
            for phase in spec["phases"]:
                clients = range(spec["clients"])
                warm = time.monotonic() + spec["warmup"] / slices
                await asyncio.gather(*(worker(phase, warm, False) for _ in clients))
                began = time.monotonic()
                until = began + spec["seconds"] / slices
                await asyncio.gather(*(worker(phase, until, True) for _ in clients))
                elapsed[phase["name"]] += time.monotonic() - began

    def figures(name: str) -> dict[str, Any]:
        found = sorted(latencies[name])

        def pct(q: float) -> float:
            return found[min(len(found) - 1, int(q * len(found)))] * 1000 if found else 0.0

        return {
            "requests": len(found),
            "errors": errors[name],
            "per_second": len(found) / elapsed[name],
            "p50_ms": pct(0.50),
            "p99_ms": pct(0.99),
        }

    return {name: figures(name) for name in latencies}


def run_client(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Run one group from a separate process (its own interpreter and CPU time)."""
    done = subprocess.run(
        [sys.executable, __file__, "--client", json.dumps(spec)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, dict[str, Any]] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# ----------------------------------------------------------------------------- the run


def measure(backend: str, args: argparse.Namespace) -> list[dict[str, Any]]:
    """Each scenario in a group with the two bare peers, the three taking turns."""
    print(f"\n== {backend} ({args.workers} worker process(es)) ==", flush=True)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix=f"tekisei-load-{backend}-") as folder:
        deployment = prepare(backend, Path(folder), args.systems, args.postgres)
        base, server = start_tekisei(deployment, args.workers)
        bare, peer = start_bare(deployment, args.workers)
        try:
            cookie = {"Cookie": f"tekisei_session={session_cookie(base, deployment.email)}"}
            bearer = {"Authorization": f"Bearer {deployment.token}"}
            common = {
                "clients": args.clients,
                "seconds": args.seconds,
                "warmup": args.warmup,
                "slices": args.slices,
            }
            peers = [
                {"name": "bare /ping", "base": bare, "kind": "get", "path": "/ping"},
                {
                    "name": "bare /systems",
                    "base": bare,
                    "kind": "get",
                    "path": f"/systems?org={deployment.org_id}",
                },
            ]
            scenarios: list[dict[str, Any]] = [
                {"base": base, "kind": "get", "path": "/api/systems", "headers": bearer},
                {
                    "base": base,
                    "kind": "get",
                    "path": f"/systems/{deployment.system_id}",
                    "headers": cookie,
                },
                {
                    "base": base,
                    "kind": "get",
                    "path": f"/systems/{deployment.system_id}/assessment",
                    "headers": cookie,
                },
                {"base": base, "kind": "sign-in", "email": deployment.email},
                {"base": base, "kind": "verify", "path": "/api/provenance/verify/text"},
            ]
            names = ["list-systems", "system-page", "assessment-page", "sign-in", "verify-text"]
            for name, scenario in zip(names, scenarios, strict=True):
                if args.only and name not in args.only:
                    continue
                # Sign-in's unavoidable work is one argon2id check: its peer does exactly that.
                same = (
                    {"name": "bare /signin", "base": bare, "kind": "post", "path": "/signin"}
                    if name == "sign-in"
                    else None
                )
                phases = [*peers, *([same] if same else []), scenario | {"name": name}]
                group = run_client(common | {"phases": phases})
                result = group[name] | {
                    "scenario": name,
                    "ping": group["bare /ping"]["per_second"],
                    "query": group["bare /systems"]["per_second"],
                    "same": group[same["name"] if same else "bare /systems"]["per_second"],
                }
                rows.append(result)
                print(
                    f"  {name:16} {result['requests']:7d} req  "
                    f"{sum(result['errors'].values()):5d} errors  "
                    f"{result['per_second']:8.1f}/s  p50 {result['p50_ms']:7.1f} ms  "
                    f"p99 {result['p99_ms']:7.1f} ms  (bare: /ping {result['ping']:.1f}/s, "
                    f"/systems {result['query']:.1f}/s)  {result['errors'] or ''}",
                    flush=True,
                )
        finally:
            for process in (server, peer):
                process.terminate()
                process.wait(60)
    return rows


def report(backend: str, rows: list[dict[str, Any]]) -> None:
    print(
        f"\n| {backend} | requests | errors | per s | p50 ms | p99 ms | p99 ÷ p50 "
        "| bare /ping per s | bare /systems per s | ÷ /ping | ÷ bare /systems "
        "| ÷ bare same work |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        errors = sum(row["errors"].values())
        ratio = row["p99_ms"] / row["p50_ms"] if row["p50_ms"] else 0
        print(
            f"| {row['scenario']} | {row['requests']} | {errors} | {row['per_second']:.1f} | "
            f"{row['p50_ms']:.1f} | {row['p99_ms']:.1f} | {ratio:.1f} | {row['ping']:.1f} | "
            f"{row['query']:.1f} | {row['per_second'] / row['ping']:.2f} | "
            f"{row['per_second'] / row['query']:.2f} | {row['per_second'] / row['same']:.2f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--client", help=argparse.SUPPRESS)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--systems", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--slices", type=int, default=6, help="turns each phase takes")
    parser.add_argument("--only", nargs="*", help="scenarios to run (the bare peers always run)")
    parser.add_argument(
        "--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    )
    args = parser.parse_args()
    if args.client:
        print(json.dumps(asyncio.run(_client(json.loads(args.client)))))
        return
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    results = {backend: measure(backend, args) for backend in backends}
    for backend, rows in results.items():
        report(backend, rows)


if __name__ == "__main__":
    main()
