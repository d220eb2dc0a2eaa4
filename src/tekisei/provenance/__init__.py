"""Content provenance: text watermarks and C2PA image credentials with a watermark soft
binding, usable as a library on its own.

The text watermark is a keyed-hash green list (KGW family): γ 0.25, δ 2, context 1,
seeds from BLAKE2b with the key, the same on every platform. Detection needs only the
key and the generator's ``tokenizer.json``; generation uses a ``transformers`` logits
processor (extra ``lm``).
"""

from tekisei.provenance._image import (
    AI_GENERATED,
    MIN_BITS,
    WATERMARK_ALG,
    ImageCheck,
    bits_matching,
    check_image,
    embed_watermark,
    mime_of,
    read_watermark,
    sign_image,
)
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
from tekisei.provenance._pki import Pki, init_pki
from tekisei.provenance._text import (
    Generator,
    TokenizerFile,
    detect_text,
    detect_transformers_watermark,
    export_tokenizer,
    logits_processor,
    smollm2_generator,
    smollm2_location,
)

__all__ = [
    "AI_GENERATED",
    "DETECT_Z",
    "MIN_BITS",
    "MIN_TOKENS",
    "SCHEME",
    "WATERMARK_ALG",
    "Detection",
    "Generator",
    "GreenList",
    "ImageCheck",
    "KeyStatus",
    "Pki",
    "SealError",
    "TokenizerFile",
    "Verdict",
    "WatermarkKey",
    "WatermarkParams",
    "binomial_tail",
    "bits_matching",
    "check_image",
    "detect",
    "detect_text",
    "detect_transformers_watermark",
    "embed_watermark",
    "export_tokenizer",
    "init_pki",
    "logits_processor",
    "mime_of",
    "new_key_id",
    "new_secret",
    "p_band",
    "read_watermark",
    "seal",
    "sign_image",
    "smollm2_generator",
    "smollm2_location",
    "unseal",
    "verdict",
]
