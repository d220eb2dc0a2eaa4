"""Text watermark against character-level attacks, and the SelfHash scheme, in one run:

1. SmolLM2-135M-Instruct writes ``--texts`` answers of ``--tokens`` new tokens three times
   (fixed seeds): without a watermark, with the ``lefthash`` scheme (context 1) and with
   the ``selfhash`` scheme (context 3, a window of 4 with the candidate); the generation
   time of each is the overhead of the scheme;
2. each watermarked text is attacked: a zero-width space after every third character,
   Cyrillic look-alikes for a/e/o/p/c/x/y, ALL CAPS, fullwidth forms, and 10 % of the
   tokens replaced at random; the detection rate (verdict ``watermark_detected``) is
   counted with the detector as it was (the text tokenised as given, one test) and with
   normalisation (the text as given, normalised and case restored; Bonferroni-corrected
   by the forms tried);
3. false positives: the verdict ``watermark_detected`` on the 200-token chunks of
   human-written text that ``benchmarks/provenance.py`` uses (catalog summaries in
   Japanese and English, licence texts), decoded back to text and checked as given and
   in capitals, for both schemes.

    .venv/bin/python benchmarks/provenance_attacks.py [--texts 12] [--tokens 200]
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tekisei.provenance import (
    Generator,
    GreenList,
    Hashing,
    TokenizerFile,
    Verdict,
    WatermarkParams,
    detect,
    detect_text,
    smollm2_location,
    smollm2_tokenizer,
)

HERE = Path(__file__).resolve().parent
KEY = b"tekisei-benchmark-key-000000000001"
PROMPTS = [
    "Write a short story about a lighthouse keeper.",
    "Explain to a child how rain forms.",
    "Describe a walk through a forest in autumn.",
    "Give advice to someone starting their first job.",
    "Write a letter thanking a teacher.",
    "Explain why the sky is blue.",
    "Describe your ideal weekend.",
    "Write a short speech for a town festival.",
    "Explain how a bicycle works.",
    "Write a product description for a new umbrella.",
    "Summarise the benefits of regular exercise.",
    "Describe the city you would like to live in.",
]
CYRILLIC = str.maketrans("aeopcxy", "аеорсху")


def zero_width(text: str) -> str:
    """A zero-width space after every third character."""
    return "".join(c + ("\u200b" if i % 3 == 2 else "") for i, c in enumerate(text))


def fullwidth(text: str) -> str:
    """ASCII letters, digits and punctuation as their fullwidth forms."""
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


ATTACKS: dict[str, Callable[[str], str]] = {
    "none": lambda text: text,
    "zero-width every 3 chars": zero_width,
    "Cyrillic a/e/o/p/c/x/y": lambda text: text.translate(CYRILLIC),
    "ALL CAPS": str.upper,
    "fullwidth": fullwidth,
}


def _human_chunks(tokenizer: TokenizerFile) -> list[str]:
    spec = importlib.util.spec_from_file_location("text_benchmark", HERE / "provenance.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    chunks: dict[str, list[list[int]]] = module.human_texts(tokenizer)
    raw = tokenizer._tokenizer  # decoding is only needed here
    return [raw.decode(ids) for lang in ("ja", "en") for ids in chunks[lang]]


def _replaced(ids: list[int], share: float, rng: random.Random) -> list[int]:
    changed = list(ids)
    for position in rng.sample(range(len(changed)), int(share * len(changed))):
        changed[position] = rng.randrange(49_152)
    return changed


def main() -> None:
    """Generate, attack, detect and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=12)
    parser.add_argument("--tokens", type=int, default=200)
    parser.add_argument("--human-only", action="store_true", help="only the false positives")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "tokenizer.json"
        path.write_bytes(smollm2_tokenizer())
        tokenizer = TokenizerFile(path)
    schemes = {
        "lefthash h=1": GreenList(KEY),
        "selfhash h=3 (+candidate)": GreenList(
            KEY, WatermarkParams(hashing=Hashing.SELFHASH, context=3)
        ),
    }
    if args.human_only:
        false_positives(tokenizer, schemes)
        return
    generator = Generator(*smollm2_location())
    prompts = (PROMPTS * 4)[: args.texts]
    generator.generate("Hello.", None, max_new_tokens=16)  # warm-up

    seconds: dict[str, float] = {"plain": 0.0}
    texts: dict[str, list[str]] = {name: [] for name in schemes}
    for index, prompt in enumerate(prompts):
        started = time.perf_counter()
        generator.generate(prompt, None, max_new_tokens=args.tokens, seed=index)
        seconds["plain"] += time.perf_counter() - started
        for name, green in schemes.items():
            started = time.perf_counter()
            texts[name].append(
                generator.generate(prompt, green, max_new_tokens=args.tokens, seed=index)
            )
            seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - started
        print(f"generated {index + 1} of {len(prompts)}", flush=True)

    print(f"SmolLM2-135M-Instruct on the CPU, {len(prompts)} texts × {args.tokens} new tokens")
    for name in schemes:
        print(
            f"generation {name}: {seconds[name]:.1f} s vs {seconds['plain']:.1f} s plain "
            f"→ {seconds[name] / seconds['plain'] - 1:+.1%}"
        )
    print()
    print("| attack | scheme | detected, as given (before) | detected, normalised (now) |")
    print("|---|---|---:|---:|")
    for attack, change in ATTACKS.items():
        for name, green in schemes.items():
            before = now = 0
            for text in texts[name]:
                attacked = change(text)
                before += detect(tokenizer.encode(attacked), green).verdict is (
                    Verdict.WATERMARK_DETECTED
                )
                now += detect_text(attacked, tokenizer, green).verdict is (
                    Verdict.WATERMARK_DETECTED
                )
            print(f"| {attack} | {name} | {before}/{len(prompts)} | {now}/{len(prompts)} |")
    rng = random.Random(1)
    for name, green in schemes.items():
        hits = sum(
            detect(_replaced(tokenizer.encode(text), 0.1, rng), green).verdict
            is Verdict.WATERMARK_DETECTED
            for text in texts[name]
        )
        print(f"| 10 % of tokens replaced | {name} | {hits}/{len(prompts)} | (ids) |")
    print()
    false_positives(tokenizer, schemes)


def false_positives(tokenizer: TokenizerFile, schemes: dict[str, GreenList]) -> None:
    """Print the false positives on human-written chunks, as written and in capitals."""
    human = _human_chunks(tokenizer)
    for name, green in schemes.items():
        for label, change in (("as written", str), ("in capitals", str.upper)):
            false = sum(
                detect_text(change(chunk), tokenizer, green).verdict is Verdict.WATERMARK_DETECTED
                for chunk in human
            )
            started = time.perf_counter()
            for chunk in human[:100]:
                detect_text(chunk, tokenizer, green)
            per = (time.perf_counter() - started) / min(100, len(human)) * 1000
            print(
                f"false positives, {name}, human chunks {label}: {false} of {len(human)} "
                f"({per:.2f} ms per chunk)"
            )


if __name__ == "__main__":
    main()
