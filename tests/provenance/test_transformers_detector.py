"""``transformers``' own watermark (its ``WatermarkingConfig`` defaults) checked from the
CLI and the API, through the same normalised forms as tekisei's; refused in both
languages where torch is not installed."""

from __future__ import annotations

import importlib.util
import json
import random
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tekisei.config import Settings
from tekisei.provenance import TokenizerFile, smollm2_tokenizer
from tekisei.services import provenance as service
from tekisei.services.database import Database
from tekisei.web.app import create_app
from tests.conftest import skip_or_fail

HUMAN = (
    "The village library opens at nine on weekdays. On Saturdays volunteers run a reading "
    "hour for children, and in winter the reading room is the warmest place in town, so "
    "people come to sit with a newspaper and talk quietly about the weather, the harvest "
    "and whose turn it is to clear the snow from the steps of the old school next door. "
    "Nobody minds the creaking floor, and the librarian knows every family by name."
)


def _need_lm() -> None:
    for module in ("torch", "transformers"):
        if importlib.util.find_spec(module) is None:
            skip_or_fail(f"{module} is not installed (make venv installs the lm extra)")


@pytest.fixture(scope="module")
def marked() -> str:
    """Words chosen mostly from transformers' default green lists (lefthash, context 1,
    its public hashing key), as its WatermarkLogitsProcessor would bias a model to."""
    _need_lm()
    import torch
    import transformers

    tokenizer = TokenizerFile(Path("smollm2"), smollm2_tokenizer())
    vocab = tokenizer._tokenizer.get_vocab()
    words = sorted(i for t, i in vocab.items() if t.startswith("Ġ") and t[1:].isalpha()
                   and t[1:].islower() and len(t) > 4)  # fmt: skip
    allowed = torch.zeros(49_152, dtype=torch.bool)
    allowed[words] = True
    processor = transformers.WatermarkLogitsProcessor(vocab_size=49_152, device="cpu")
    rng = random.Random(3)
    ids = [words[0]]
    while len(ids) < 160:
        green = torch.zeros(49_152, dtype=torch.bool)
        green[processor._get_greenlist_ids(torch.tensor(ids))] = True
        pool = (green & allowed).nonzero().flatten().tolist() if rng.random() < 0.8 else words
        ids.append(rng.choice(pool))
    text: str = tokenizer._tokenizer.decode(ids)
    assert tokenizer.encode(text)[:100] == ids[:100]  # whole words round-trip
    return text


def test_transformers_watermark_is_detected_from_the_command_line(cli: Any, marked: str) -> None:
    found = json.loads(cli("provenance", "verify-text", "--transformers", "--json",
                           stdin=marked).stdout)  # fmt: skip
    assert found["verdict"] == "watermark_detected"
    assert found["scheme"] == "transformers-watermarking" and found["key_id"] is None
    capitals = json.loads(cli("provenance", "verify-text", "--transformers", "--json",
                              stdin=marked.upper()).stdout)  # fmt: skip
    assert capitals["verdict"] == "watermark_detected" and capitals["variants_tried"] == 2
    human = json.loads(cli("provenance", "verify-text", "--transformers", "--json",
                           stdin=HUMAN, code=1).stdout)  # fmt: skip
    assert human["verdict"] in ("not_detected", "inconclusive")
    # tekisei's own keys know nothing of it
    cli("provenance", "verify-text", stdin=marked, code=1)


def test_transformers_options_are_checked(cli: Any, tmp_path: Path) -> None:
    _need_lm()
    bad = tmp_path / "config.json"
    bad.write_text('{"hello": 1}', encoding="utf-8")
    out = cli("provenance", "verify-text", "--transformers", "--model-config", str(bad),
              "--lang", "ja", "--text", HUMAN, code=4).output  # fmt: skip
    assert "設定ファイル" in out
    cli("provenance", "verify-text", "--model-config", str(bad), "--text", HUMAN, code=4)
    cli("provenance", "verify-text", "--transformers", "--key", "wk-1", "--text", HUMAN, code=4)
    cli("provenance", "verify-text", "--transformers", "--tokenizer", str(bad), "--text", HUMAN,
        code=4)  # fmt: skip


def test_transformers_watermark_through_the_api(
    loaded_db: Database, settings: Settings, marked: str
) -> None:
    web = create_app(settings)
    try:
        with TestClient(web) as http:
            url = "/api/provenance/verify/text"
            public = http.post(url, json={"text": marked, "detector": "transformers"}).json()
            assert public["verdict"] == "watermark_detected" and "z" not in public
            keyed = http.post(
                url, json={"text": marked, "detector": "transformers", "key_id": "wk-1"}
            )
            assert keyed.status_code == 422
            unknown = http.post(url, json={"text": marked, "detector": "synthid"})
            assert unknown.status_code == 422
    finally:
        web.state.database.close()


def test_without_torch_the_transformers_check_is_refused_in_both_languages(
    loaded_db: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the installation is the outside world here: one without the lm extra
    monkeypatch.setattr(service, "transformers_available", lambda: False)
    web = create_app(settings)
    try:
        with TestClient(web) as http:
            body = {"text": HUMAN, "detector": "transformers"}
            for lang, words in (
                ("en", "needs torch and transformers"),
                ("ja", "torch と transformers が必要"),
            ):
                answer = http.post(
                    "/api/provenance/verify/text", json=body, headers={"Accept-Language": lang}
                )
                assert answer.status_code == 422 and words in answer.text
                assert "Traceback" not in answer.text
    finally:
        web.state.database.close()
