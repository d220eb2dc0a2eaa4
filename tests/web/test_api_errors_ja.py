"""API validation errors keep FastAPI's list and say the same in Japanese."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Annotated, Any

import httpx
import pytest

from tekisei.config import Settings
from tekisei.core.orgs import OrgActor, OrgCreate, Role
from tekisei.services import orgs, users
from tekisei.services.database import Database
from tekisei.web.app import create_app

pytestmark = pytest.mark.anyio


@pytest.fixture
async def api(
    settings: Settings, loaded_db: Database
) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    """A client of the app and the headers of an administrator of a local government."""
    with loaded_db.transaction() as session:
        orgs.create_org(
            session, OrgCreate(name="市役所", slug="city", actors=[OrgActor.LOCAL]), "cli"
        )
        users.create_user(
            session,
            users.UserCreate(email="admin@city.example", password="correct horse battery 9"),
            "city", Role.ADMIN, "cli", must_change_password=False,
        )  # fmt: skip
    with loaded_db.transaction() as session:
        token = users.create_token(session, "admin@city.example", "city")[0]
    app = create_app(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        yield c, {"Authorization": f"Bearer {token}"}
    app.state.database.close()


async def test_a_too_long_text_gets_a_japanese_detail_too(api: Any) -> None:
    client, headers = api
    body: dict[str, Any] = {"name": "x" * 100_000, "org_role": "provider"}
    refused = await client.post("/api/systems", json=body, headers=headers)
    assert refused.status_code == 422
    document = refused.json()
    assert document["detail"][0]["type"] == "string_too_long"  # FastAPI's list stays
    assert "文字以内にしてください" in document["detail_ja"]
    assert "name" in document["detail_ja"] and "件" not in document["detail_ja"]


def _no_english_sentence(text: str) -> bool:
    """No run of three English words (field names and codes alone are allowed)."""
    return re.search(r"[A-Za-z]+ [A-Za-z]+ [A-Za-z]+", text) is None


async def test_rules_and_wrong_kinds_of_value_are_said_in_japanese(api: Any) -> None:
    client, headers = api
    made = await client.post(
        "/api/systems", json={"name": "窓口案内", "org_role": "user"}, headers=headers
    )
    system = made.json()["id"]
    cases: list[tuple[str, dict[str, Any]]] = [
        # a rule of the procurement model (a contract without its vendor)
        (f"/api/systems/{system}/procurements",
         {"title": "x", "kind": "system", "phase": "contracted"}),
        # values of the wrong kind, and a field that does not exist
        ("/api/systems", {"name": ["窓口"], "org_role": "user"}),
        ("/api/systems", {"name": "窓口", "org_role": "user", "vendors": "一社"}),
        ("/api/systems", {"name": "窓口", "org_role": "user", "no_such": 1}),
        ("/api/systems", {"name": "窓口", "org_role": "user", "personal_data": "多分"}),
    ]  # fmt: skip
    for url, body in cases:
        refused = await client.post(url, json=body, headers=headers)
        assert refused.status_code == 422, (url, body, refused.text)
        said = refused.json()["detail_ja"]
        assert _no_english_sentence(said), (body, said)


def test_bounds_and_a_body_that_is_not_json_are_said_plainly() -> None:
    from tekisei.web.errors import _where
    from tekisei.web.forms import error_message

    low = {"type": "greater_than_equal", "ctx": {"ge": 0}, "msg": "Input should be >= 0"}
    high = {"type": "less_than", "ctx": {"lt": 100}, "msg": "Input should be < 100"}
    assert error_message(low, "ja") == "0以上にしてください。"
    assert error_message(high, "ja") == "100未満にしてください。"
    assert error_message(low, "en") == "Give a value at least 0."
    # a body that is not JSON names a character position, not a field
    assert _where({"type": "json_invalid", "loc": ("body", 1), "msg": "JSON decode error"}) == "—"
    assert _where({"type": "missing", "loc": ("body", "name"), "msg": "Field required"}) == "name"


def test_a_too_long_text_is_counted_in_characters_whatever_its_type() -> None:
    """A text type with its own validation (``PlainText``) reports ``too_long``, not
    ``string_too_long``: a text is still measured in characters, a list in items."""
    from pydantic import BaseModel, Field, ValidationError

    from tekisei.core.plain_text import PlainText
    from tekisei.web.forms import error_message

    class Text(BaseModel):
        text: Annotated[PlainText, Field(max_length=5)]
        tags: Annotated[list[str], Field(max_length=2)] = []

    with pytest.raises(ValidationError) as caught:
        Text(text="abcdefgh", tags=["a", "b", "c"])
    text, tags = caught.value.errors()
    assert error_message(text, "ja") == "5文字以内にしてください。"
    assert error_message(text, "en") == "Keep it to 5 characters."
    assert error_message(tags, "ja") == "2件以内にしてください。"
