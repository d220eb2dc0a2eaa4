"""Provenance benchmarks for the text watermark, in one run on this machine's CPU:

1. generation time with and without the watermark (SmolLM2-135M-Instruct; target: the
   watermark costs at most 5 %);
2. detection throughput in tokens/s against ``transformers``' ``WatermarkDetector`` on
   the same token ids (target: at least 10 ×);
3. false positives at z ≥ 4 on human-written Japanese and English text (tekisei's own
   catalog summaries and the licence texts of installed packages);
4. detection rate at 50, 100 and 200 tokens, and at 200 tokens after 10 % and 30 % of
   the tokens were replaced at random.

    .venv/bin/python benchmarks/provenance.py [--texts 8] [--tokens 200]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import yaml

from tekisei.provenance import (
    Generator,
    GreenList,
    TokenizerFile,
    detect,
    export_tokenizer,
    smollm2_location,
)

PROMPTS = [
    "Write a short story about a lighthouse keeper.",
    "Explain to a child how rain forms.",
    "Describe a walk through a forest in autumn.",
    "Give advice to someone starting their first job.",
    "Write a letter thanking a teacher.",
    "Explain why the sky is blue.",
    "Describe your ideal weekend.",
    "Write a short speech for a town festival.",
]
KEY = b"tekisei-benchmark-key-000000000001"
CATALOGS = Path(__file__).resolve().parents[1] / "src" / "tekisei" / "catalogs" / "frameworks"


def human_texts(tokenizer: TokenizerFile, length: int = 200) -> dict[str, list[list[int]]]:
    """Token chunks of human-written Japanese and English: the catalogs' own summaries
    (written by the project) and the licence texts shipped with installed packages."""
    ja: list[str] = []
    en: list[str] = []
    for path in sorted(CATALOGS.glob("*.yaml")):
        for node in yaml.safe_load(path.read_text(encoding="utf-8")).get("nodes", []):
            ja.append(str(node.get("text", {}).get("ja", "")))
            en.append(str(node.get("text", {}).get("en", "")))
    for licence in sorted(Path(sys.prefix).glob("lib/python3*/site-packages/*/LICENSE*"))[:60]:
        en.append(licence.read_text(encoding="utf-8", errors="ignore"))
    out: dict[str, list[list[int]]] = {}
    for lang, texts in (("ja", ja), ("en", en)):
        ids = tokenizer.encode("\n".join(texts))
        out[lang] = [ids[i : i + length] for i in range(0, len(ids) - length, length)]
    return out


def main() -> None:
    """Run the four measurements and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=8)
    parser.add_argument("--tokens", type=int, default=200)
    args = parser.parse_args()
    import transformers

    folder, gguf = smollm2_location()
    with tempfile.TemporaryDirectory() as scratch:
        tokenizer = TokenizerFile(export_tokenizer(folder, gguf, Path(scratch)))
    generator = Generator(folder, gguf)
    key = GreenList(KEY)
    prompts = (PROMPTS * 4)[: args.texts]

    generator.generate("Hello.", None, max_new_tokens=16)  # warm-up
    plain_s = marked_s = 0.0
    marked: list[str] = []
    for index, prompt in enumerate(prompts):
        started = time.perf_counter()
        generator.generate(prompt, None, max_new_tokens=args.tokens, seed=index)
        plain_s += time.perf_counter() - started
        started = time.perf_counter()
        marked.append(generator.generate(prompt, key, max_new_tokens=args.tokens, seed=index))
        marked_s += time.perf_counter() - started
    overhead = marked_s / plain_s - 1

    ids = [tokenizer.encode(text) for text in marked]
    tokens = sum(len(one) for one in ids)
    repeats = 20
    started = time.perf_counter()
    for _ in range(repeats):
        for one in ids:
            detect(one, key)
    ours_tps = tokens * repeats / (time.perf_counter() - started)
    import torch

    theirs = transformers.WatermarkDetector(
        model_config=generator.model.config,
        device="cpu",
        watermarking_config=transformers.WatermarkingConfig(),
    )
    started = time.perf_counter()
    for one in ids:
        theirs(torch.tensor([one]), return_dict=True)
    theirs_tps = tokens / (time.perf_counter() - started)

    human = human_texts(tokenizer)
    false = {
        lang: sum(detect(chunk, key).z >= 4 for chunk in chunks) for lang, chunks in human.items()
    }

    rates: dict[str, float] = {}
    for length in (50, 100, 200):
        rates[f"{length} tokens"] = sum(detect(one[:length], key).z >= 4 for one in ids) / len(ids)
    rng = random.Random(1)
    vocab = 49_152
    for share in (0.1, 0.3):
        hits = 0
        for one in ids:
            changed = list(one[:200])
            for position in rng.sample(range(len(changed)), int(share * len(changed))):
                changed[position] = rng.randrange(vocab)
            hits += detect(changed, key).z >= 4
        rates[f"200 tokens, {int(share * 100)} % replaced"] = hits / len(ids)

    print(f"SmolLM2-135M-Instruct on the CPU, {len(prompts)} texts × {args.tokens} new tokens")
    print(
        f"generation: {plain_s:.1f} s plain, {marked_s:.1f} s watermarked "
        f"→ overhead {overhead:+.1%} (target ≤ +5 %)"
    )
    print(
        f"detection: tekisei {ours_tps:,.0f} tokens/s, transformers WatermarkDetector "
        f"{theirs_tps:,.0f} tokens/s → {ours_tps / theirs_tps:.1f} × (target ≥ 10 ×)"
    )
    for lang, chunks in human.items():
        print(
            f"false positives at z ≥ 4, human {lang}: {false[lang]} of {len(chunks)} "
            "200-token chunks"
        )
    for label, rate in rates.items():
        print(f"detected (z ≥ 4) at {label}: {rate:.0%}")


if __name__ == "__main__":
    main()
