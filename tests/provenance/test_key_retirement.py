"""Retiring a watermark key: it marks and verifies nothing new, and a text carrying its
watermark is answered "key retired" (with the day), in the service, the API, the public
page and the CLI; only the owning organisation's administrators retire keys."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from sqlalchemy import select

from tekisei.config import Settings
from tekisei.core.orgs import OrgActor, OrgCreate, Principal, Role
from tekisei.db.audit import AuditEventRow
from tekisei.errors import ConflictError, InvalidInputError, NotFoundError, PermissionDeniedError
from tekisei.provenance import KeyStatus, Verdict
from tekisei.services import orgs, users
from tekisei.services import provenance as service
from tekisei.services.database import Database
from tekisei.web.app import create_app
from tests.provenance.test_keys_and_verification import (
    WORDS,
    _secret,
    green_text,
    word_tokenizer,
)


def _keys(db: Database, admin: Principal, master: bytes, data_dir: Path, tmp: Path) -> list[str]:
    with db.transaction() as session:
        return [
            service.create_key(
                session, admin, master, data_dir, tokenizer=str(word_tokenizer(tmp))
            ).key_id
            for _ in range(2)
        ]


def test_a_retired_key_verifies_nothing_new_and_its_text_is_answered_as_retired(
    loaded_db: Database, settings: Settings, acme: tuple[Principal, bytes], tmp_path: Path
) -> None:
    admin, master = acme
    retired_id, kept_id = _keys(loaded_db, admin, master, settings.data_dir, tmp_path)
    old_text = green_text(_secret(loaded_db, retired_id, master), 150)
    new_text = green_text(_secret(loaded_db, kept_id, master), 150, seed=2)
    with loaded_db.transaction() as session:
        row = service.retire_key(session, admin, retired_id)
        assert row.status == KeyStatus.RETIRED.value and row.retired_by == admin.email
    today = datetime.now(UTC).date()
    with loaded_db.reading() as session:
        found = service.verify_text(session, master, settings.data_dir, old_text)
        # not "detected", and not silently "not detected"
        assert found.verdict is Verdict.KEY_RETIRED and found.retired_on == today
        assert found.key_id == retired_id and found.keys_tried == 2
        named = service.verify_text(session, master, settings.data_dir, old_text, retired_id)
        assert named.verdict is Verdict.KEY_RETIRED
        # the key still in use detects its own text as before
        kept = service.verify_text(session, master, settings.data_dir, new_text)
        assert kept.verdict is Verdict.WATERMARK_DETECTED and kept.key_id == kept_id
        public = service.public_result(found)
        assert public.verdict is Verdict.KEY_RETIRED and public.retired_on == today
        assert "key_id" not in public.model_dump()  # the public never learns which key
        assert retired_id not in [k.key_id for k in service.public_keys(session)]
        listed = {k.key_id: k for k in service.list_keys(session, admin)}
        assert listed[retired_id].status is KeyStatus.RETIRED and listed[retired_id].retired_at
        event = session.scalars(
            select(AuditEventRow).where(AuditEventRow.action == "provenance.key_retire").order_by(AuditEventRow.id)
        ).one()
        assert event.actor == admin.email
    # a retired key is retired for good: not again, not rotated, not used for generation
    with pytest.raises(ConflictError, match="already retired"), loaded_db.transaction() as s:
        service.retire_key(s, admin, retired_id)
    with pytest.raises(ConflictError), loaded_db.transaction() as session:
        service.rotate_key(session, admin, master, retired_id)
    with pytest.raises(InvalidInputError, match="retired"), loaded_db.reading() as session:
        service.generate(session, admin, master, retired_id, "Write a poem.")


def test_only_the_owning_organisations_administrators_retire_a_key(
    loaded_db: Database, settings: Settings, acme: tuple[Principal, bytes], tmp_path: Path
) -> None:
    admin, master = acme
    key_id, _ = _keys(loaded_db, admin, master, settings.data_dir, tmp_path)
    with loaded_db.transaction() as session:
        users.create_user(
            session,
            users.UserCreate(email="e@acme.example", password="correct horse battery"),
            "acme",
            Role.EDITOR,
            "cli",
        )
        editor = users.principal_for(session, "e@acme.example", "acme")
        orgs.create_org(
            session, OrgCreate(name="Other", slug="other", actors=[OrgActor.BUSINESS]), "cli"
        )
        other = orgs.cli_principal(session, "other")
    with pytest.raises(PermissionDeniedError), loaded_db.transaction() as session:
        service.retire_key(session, editor, key_id)
    with pytest.raises(NotFoundError), loaded_db.transaction() as session:
        service.retire_key(session, other, key_id)
    with loaded_db.reading() as session:
        assert service.list_keys(session, admin)[-1].status is KeyStatus.ACTIVE


def test_the_api_and_the_public_page_say_the_key_was_retired(
    loaded_db: Database, settings: Settings, acme: tuple[Principal, bytes], tmp_path: Path
) -> None:
    admin, master = acme
    key_id, _ = _keys(loaded_db, admin, master, settings.data_dir, tmp_path)
    marked = green_text(_secret(loaded_db, key_id, master), 150)
    with loaded_db.transaction() as session:
        for email, role in (("a2@acme.example", Role.ADMIN), ("e@acme.example", Role.EDITOR)):
            users.create_user(
                session,
                users.UserCreate(email=email, password="correct horse battery"),
                "acme",
                role,
                "cli",
            )
        orgs.create_org(
            session, OrgCreate(name="Other", slug="other", actors=[OrgActor.BUSINESS]), "cli"
        )
        users.create_user(
            session,
            users.UserCreate(email="a@other.example", password="correct horse battery"),
            "other",
            Role.ADMIN,
            "cli",
        )
        tokens = {
            who: {"Authorization": f"Bearer {users.create_token(session, email, org)[0]}"}
            for who, email, org in (
                ("admin", "a2@acme.example", "acme"),
                ("editor", "e@acme.example", "acme"),
                ("stranger", "a@other.example", "other"),
            )
        }
    web = create_app(settings)
    url = f"/api/provenance/keys/{key_id}/retire"
    try:
        with TestClient(web) as http:
            assert http.post(url).status_code == 401
            assert http.post(url, headers=tokens["editor"]).status_code == 403
            assert http.post(url, headers=tokens["stranger"]).status_code == 404
            done = http.post(url, headers=tokens["admin"])
            assert done.status_code == 200, done.text
            assert done.json()["status"] == "retired" and done.json()["retired_at"]
            again = http.post(url, headers=tokens["admin"] | {"Accept-Language": "ja"})
            assert again.status_code == 409 and "廃止" in again.text
            day = datetime.now(UTC).date().isoformat()
            public = http.post("/api/provenance/verify/text", json={"text": marked}).json()
            assert public == {
                "verdict": "key_retired",
                "p_band": public["p_band"],
                "tokens_scored": public["tokens_scored"],
                "retired_on": day,
            }
            # the owning organisation keeps its exact score; another organisation does not
            own = http.post(
                "/api/provenance/verify/text", json={"text": marked}, headers=tokens["editor"]
            ).json()
            assert own["verdict"] == "key_retired" and own["key_id"] == key_id and "z" in own
            theirs = http.post(
                "/api/provenance/verify/text", json={"text": marked}, headers=tokens["stranger"]
            ).json()
            assert theirs["verdict"] == "key_retired" and "z" not in theirs
            assert "key_id" not in theirs
            for lang, words in (("ja", "廃止されました"), ("en", "was retired on")):
                page = http.post(
                    "/verify", data={"text": marked}, headers={"Accept-Language": lang}
                )
                html = BeautifulSoup(page.text, "html.parser")
                shown = html.select_one("#retired-on")
                assert shown is not None and day in shown.text and words in shown.text
                result = html.select_one("#result")
                assert result is not None and "verdict-key_retired" in result["class"]
    finally:
        web.state.database.close()


def test_keys_retire_command(
    cli: Any, loaded_db: Database, settings: Settings, tmp_path: Path
) -> None:
    tokenizer = word_tokenizer(tmp_path)
    made = json.loads(
        cli(
            "provenance", "keys", "create", "--org", "acme", "--tokenizer", str(tokenizer), "--json"
        ).stdout
    )
    marked = green_text(_secret(loaded_db, made["key_id"], service.master_key(settings)), 150)
    assert cli("provenance", "verify-text", stdin=marked).stdout.startswith("watermark detected")
    out = cli("provenance", "keys", "retire", made["key_id"], "--org", "acme").stdout
    assert "retired" in out
    cli("provenance", "keys", "retire", made["key_id"], "--org", "acme", code=8)
    cli("provenance", "keys", "retire", "wk-none", "--org", "acme", code=3)
    listed = json.loads(cli("provenance", "keys", "list", "--org", "acme", "--json").stdout)
    assert listed[0]["status"] == "retired" and listed[0]["retired_at"]
    day = listed[0]["retired_at"][:10]
    ja = cli("provenance", "verify-text", "--lang", "ja", stdin=marked, code=1).stdout
    assert "".join(ja.split()).startswith(f"廃止された鍵の透かしです（この鍵は{day}に廃止された")
    en = cli("provenance", "verify-text", "--lang", "en", stdin=marked, code=1).stdout
    assert " ".join(en.split()).startswith(f"the watermark's key was retired on {day};")
    found = json.loads(cli("provenance", "verify-text", "--json", stdin=marked, code=1).stdout)
    assert found["verdict"] == "key_retired" and found["retired_on"] == day
    rng = random.Random(5)
    human = " ".join(rng.choice(WORDS) for _ in range(120))
    plain = json.loads(cli("provenance", "verify-text", "--json", stdin=human, code=1).stdout)
    assert plain["verdict"] in ("not_detected", "inconclusive")
