"""Request size limits hold before any route, form parser or authentication runs."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from bs4 import BeautifulSoup

from tekisei.config import load_settings
from tekisei.core.orgs import OrgActor, OrgCreate, Role
from tekisei.services import orgs, users
from tekisei.services.database import Database
from tekisei.web.app import create_app

pytestmark = pytest.mark.anyio
MB = 1024 * 1024
BOUNDARY = "tekisei-test-boundary"
CHUNK = 64 * 1024


class Body:
    """A multipart upload of ``size`` bytes, produced lazily; counts what was read."""

    def __init__(self, size: int, content: bytes = b"%PDF-1.7\n") -> None:
        self.size = size
        self.content = content
        self.sent = 0

    @property
    def head(self) -> bytes:
        return (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="big.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
        ).encode()

    @property
    def tail(self) -> bytes:
        return f"\r\n--{BOUNDARY}--\r\n".encode()

    @property
    def length(self) -> int:
        return len(self.head) + self.size + len(self.tail)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self._chunks():
            self.sent += len(chunk)
            yield chunk

    def _chunks(self) -> Iterator[bytes]:
        yield self.head + self.content
        left = self.size - len(self.content)
        while left > 0:
            yield b"\0" * min(CHUNK, left)
            left -= CHUNK
        yield self.tail


@pytest.fixture
def no_spooling(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Any temporary file (python-multipart spools large parts to one) now fails."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "no-such-folder"))


@pytest.fixture
async def api(database_url: str, tmp_path: Path, loaded_db: Database) -> AsyncIterator[Any]:
    settings = load_settings(
        database_url=database_url, data_dir=tmp_path / "var", max_upload_mb=1, max_body_kb=64
    )
    with loaded_db.transaction() as session:
        orgs.create_org(
            session, OrgCreate(name="Acme", slug="acme", actors=[OrgActor.BUSINESS]), "cli"
        )
        users.create_user(
            session,
            users.UserCreate(email="a@acme.example", password="correct horse battery"),
            "acme",
            Role.ASSESSOR,
            "cli",
        )
        token, _ = users.create_token(session, "a@acme.example", "acme")
    app = create_app(settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        yield {"client": client, "auth": {"Authorization": f"Bearer {token}"}}
    app.state.database.close()


def multipart(body: Body, *, declared: bool, **headers: str) -> dict[str, str]:
    out = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}", **headers}
    if declared:
        out["Content-Length"] = str(body.length)
    return out


@pytest.mark.usefixtures("no_spooling")
async def test_an_oversized_upload_with_content_length_is_refused_unread(api: Any) -> None:
    body = Body(300 * MB)
    response = await api["client"].post(
        "/api/evidence/files", content=body, headers=multipart(body, declared=True)
    )
    assert response.status_code == 413
    assert "2.0 MB" in response.json()["detail"] and "大きすぎます" in response.json()["detail_ja"]
    assert body.sent == 0


@pytest.mark.usefixtures("no_spooling")
async def test_an_unauthenticated_chunked_upload_is_refused_before_its_body_is_read(
    api: Any,
) -> None:
    body = Body(300 * MB)
    response = await api["client"].post(
        "/api/evidence/files", content=body, headers=multipart(body, declared=False)
    )
    assert response.status_code == 401
    assert body.sent == 0
    bad_token = Body(300 * MB)
    response = await api["client"].post(
        "/api/evidence/files",
        content=bad_token,
        headers=multipart(bad_token, declared=False, Authorization="Bearer tks_forged"),
    )
    assert response.status_code == 401 and bad_token.sent == 0


@pytest.mark.usefixtures("no_spooling")
async def test_a_chunked_upload_is_stopped_at_the_limit_even_when_signed_in(api: Any) -> None:
    body = Body(300 * MB)
    response = await api["client"].post(
        "/api/evidence/files",
        content=body,
        headers=multipart(body, declared=False, **api["auth"]),
    )
    assert response.status_code == 413, response.text
    assert body.sent <= 2 * MB + 2 * CHUNK


@pytest.mark.usefixtures("no_spooling")
async def test_an_upload_within_the_limits_still_works(api: Any) -> None:
    body = Body(MB - 1024)
    response = await api["client"].post(
        "/api/evidence/files", content=body, headers=multipart(body, declared=False, **api["auth"])
    )
    assert response.status_code == 201, response.text
    assert response.json()["size"] == MB - 1024


@pytest.mark.usefixtures("no_spooling")
@pytest.mark.parametrize("declared", [True, False])
async def test_a_public_upload_is_held_to_the_request_limit(api: Any, declared: bool) -> None:
    body = Body(300 * MB)
    response = await api["client"].post(
        "/api/provenance/verify/image", content=body, headers=multipart(body, declared=declared)
    )
    assert response.status_code == 413
    assert body.sent <= 2 * MB + 2 * CHUNK


async def test_json_and_forms_have_the_smaller_limit(api: Any) -> None:
    big = b'{"name": "' + b"a" * (100 * 1024) + b'", "org_role": "user"}'
    response = await api["client"].post(
        "/api/systems",
        content=big,
        headers={"Content-Type": "application/json", **api["auth"]},
    )
    assert response.status_code == 413 and "64 KB" in response.json()["detail"]

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(100):
            yield b"a" * 1024

    streamed = await api["client"].post(
        "/api/systems", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert streamed.status_code == 413


@pytest.mark.parametrize(("lang", "text"), [("ja", "大きすぎます"), ("en", "larger than")])
async def test_pages_answer_413_with_a_page_in_the_readers_language(
    api: Any, lang: str, text: str
) -> None:
    response = await api["client"].post(
        "/signin",
        content=b"email=" + b"a" * (100 * 1024),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept-Language": lang},
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    page = BeautifulSoup(response.text, "html.parser")
    message = page.select_one(".error-message")
    assert message is not None and text in message.get_text()
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_a_malformed_content_length_is_refused(api: Any) -> None:
    response = await api["client"].post(
        "/api/systems", content=b"{}", headers={"Content-Length": "-1", **api["auth"]}
    )
    assert response.status_code == 400
