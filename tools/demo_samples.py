"""Write the demo's watermarked sample text (needs the lm extra; run once, committed).

    python tools/demo_samples.py

SmolLM2-135M-Instruct writes an answer watermarked with the demo's text key, whose secret
is public (``tekisei.services.demo.DEMO_TEXT_SECRET``), so that a new installation's
public checker (/verify) shows a positive result without any command. Generation is
seeded; the test ``tests/services/test_demo.py`` checks that the shipped text is detected
with that key and only with it.
"""

from __future__ import annotations

from pathlib import Path

from tekisei.provenance import GreenList, smollm2_generator
from tekisei.services.demo import DEMO_TEXT_SAMPLE, DEMO_TEXT_SECRET

PROMPT = "Explain in a few paragraphs why a company should keep a register of its AI systems."


def main() -> None:
    text = smollm2_generator().generate(
        PROMPT, GreenList(DEMO_TEXT_SECRET), max_new_tokens=200, seed=5
    )
    # End at the last full sentence: the watermark is read token by token, so a cut
    # keeps it.
    text = text[: text.rfind(".") + 1].strip()
    path = Path(str(DEMO_TEXT_SAMPLE))
    path.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {path} ({len(text)} characters)")


if __name__ == "__main__":
    main()
