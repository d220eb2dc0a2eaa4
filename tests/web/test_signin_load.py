"""Sign-in floods must not break ordinary reads (a real server on SQLite, real threads)."""

from __future__ import annotations

import re
import secrets
import threading
from collections import Counter

import httpx
import pytest
from sqlalchemy import text

from tekisei.config import Settings
from tekisei.core.orgs import OrgActor, OrgCreate, Role
from tekisei.services import orgs, users
from tekisei.services.database import Database
from tekisei.web.app import create_app
from tests.conftest import served

SIGNERS, SIGN_INS = 10, 6
READERS, READS = 6, 15


@pytest.mark.usefixtures("real_password_hashing")  # hashing's real cost is the point
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_concurrent_sign_ins_with_random_emails_never_fail_a_read(
    settings: Settings, loaded_db: Database
) -> None:
    with loaded_db.transaction() as session:
        orgs.create_org(
            session, OrgCreate(name="Acme", slug="acme", actors=[OrgActor.BUSINESS]), "cli"
        )
        users.create_user(
            session,
            users.UserCreate(email="reader@acme.example", password="correct horse battery"),
            "acme",
            Role.VIEWER,
            "cli",
        )
        token, _ = users.create_token(session, "reader@acme.example", "acme")
    statuses: Counter[tuple[str, int]] = Counter()
    lock = threading.Lock()
    start = threading.Barrier(SIGNERS + READERS)

    def sign_in(base: str) -> None:
        with httpx.Client(base_url=base, timeout=60) as client:
            page = client.get("/signin").text
            start.wait()
            for _ in range(SIGN_INS):
                field = re.search(r'name="login_csrf" value="([^"]+)"', page)
                assert field is not None
                response = client.post(
                    "/signin",
                    data={
                        "email": f"{secrets.token_hex(6)}@random.example",
                        "password": secrets.token_urlsafe(16),
                        "login_csrf": field.group(1),
                    },
                )
                page = response.text
                with lock:
                    statuses["signin", response.status_code] += 1

    def read(base: str) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base, timeout=60, headers=headers) as client:
            start.wait()
            for _ in range(READS):
                response = client.get("/api/systems")
                with lock:
                    statuses["read", response.status_code] += 1

    with served(create_app(settings)) as base:
        threads = [threading.Thread(target=sign_in, args=(base,)) for _ in range(SIGNERS)]
        threads += [threading.Thread(target=read, args=(base,)) for _ in range(READERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(300)
    assert statuses["read", 200] == READERS * READS, statuses
    assert sum(n for (kind, _s), n in statuses.items() if kind == "signin") == SIGNERS * SIGN_INS
    assert {status for kind, status in statuses if kind == "signin"} <= {401, 429}, statuses


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_sqlite_connections_wait_for_the_write_lock_instead_of_failing(
    loaded_db: Database,
) -> None:
    with loaded_db.reading() as session:
        assert session.execute(text("PRAGMA busy_timeout")).scalar() == 5000
    with loaded_db.transaction() as session:
        assert session.execute(text("PRAGMA busy_timeout")).scalar() == 5000
