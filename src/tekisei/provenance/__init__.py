"""Content provenance: text watermarks (and, to come, C2PA image credentials), usable as
a library on its own.

The text watermark is a keyed-hash green list (KGW family): γ 0.25, δ 2, context 1,
seeds from BLAKE2b with the key, the same on every platform. Detection needs only the
key and the generator's ``tokenizer.json``; generation uses a ``transformers`` logits
processor (extra ``lm``).
"""

from tekisei.provenance._keys import (
    KeyStatus,
    SealError,
    WatermarkKey,
    new_key_id,
    new_secret,
    seal,
    unseal,
)
from tekisei.provenance._kgw import (
    DETECT_Z,
    MIN_TOKENS,
    SCHEME,
    Detection,
    GreenList,
    Verdict,
    WatermarkParams,
    binomial_tail,
    detect,
    p_band,
    verdict,
)
from tekisei.provenance._text import (
    Generator,
    TokenizerFile,
    detect_text,
    export_tokenizer,
    logits_processor,
    smollm2_location,
)

__all__ = [
    "DETECT_Z",
    "MIN_TOKENS",
    "SCHEME",
    "Detection",
    "Generator",
    "GreenList",
    "KeyStatus",
    "SealError",
    "TokenizerFile",
    "Verdict",
    "WatermarkKey",
    "WatermarkParams",
    "binomial_tail",
    "detect",
    "detect_text",
    "export_tokenizer",
    "logits_processor",
    "new_key_id",
    "new_secret",
    "p_band",
    "seal",
    "smollm2_location",
    "unseal",
    "verdict",
]
