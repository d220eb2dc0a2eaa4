"""Content provenance: text watermarks and C2PA image credentials with a watermark soft
binding, usable as a library on its own.

The text watermark is a keyed-hash green list (KGW family): γ 0.25, δ 2, context 1
(``lefthash``) or the ``selfhash`` scheme, seeds from BLAKE2b with the key, the same on
every platform; texts are also tested in normalised forms (look-alike letters, invisible
characters, capitals). Detection needs only the
key and the generator's ``tokenizer.json``; generation uses a ``transformers`` logits
processor (extra ``lm``).

The names are imported when first used, so that code needing a little of the package
does not pay for all of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tekisei.lazy import attribute_loader

if TYPE_CHECKING:
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
        SCHEMES,
        SELFHASH_SCHEME,
        Detection,
        GreenList,
        Hashing,
        Verdict,
        WatermarkParams,
        binomial_tail,
        detect,
        p_band,
        verdict,
    )
    from tekisei.provenance._normalize import CONFUSABLES, normalised, text_variants
    from tekisei.provenance._pki import Pki, init_pki
    from tekisei.provenance._text import (
        Generator,
        TokenizerFile,
        detect_text,
        detect_transformers_text,
        detect_transformers_watermark,
        detect_variants,
        encode_variants,
        export_tokenizer,
        logits_processor,
        model_config,
        smollm2_generator,
        smollm2_location,
        smollm2_tokenizer,
        transformers_available,
    )

_WHERE: dict[str, str] = {
    "AI_GENERATED": "tekisei.provenance._image",
    "MIN_BITS": "tekisei.provenance._image",
    "WATERMARK_ALG": "tekisei.provenance._image",
    "ImageCheck": "tekisei.provenance._image",
    "bits_matching": "tekisei.provenance._image",
    "check_image": "tekisei.provenance._image",
    "embed_watermark": "tekisei.provenance._image",
    "mime_of": "tekisei.provenance._image",
    "read_watermark": "tekisei.provenance._image",
    "sign_image": "tekisei.provenance._image",
    "KeyStatus": "tekisei.provenance._keys",
    "SealError": "tekisei.provenance._keys",
    "WatermarkKey": "tekisei.provenance._keys",
    "new_key_id": "tekisei.provenance._keys",
    "new_secret": "tekisei.provenance._keys",
    "seal": "tekisei.provenance._keys",
    "unseal": "tekisei.provenance._keys",
    "DETECT_Z": "tekisei.provenance._kgw",
    "MIN_TOKENS": "tekisei.provenance._kgw",
    "SCHEME": "tekisei.provenance._kgw",
    "SCHEMES": "tekisei.provenance._kgw",
    "SELFHASH_SCHEME": "tekisei.provenance._kgw",
    "CONFUSABLES": "tekisei.provenance._normalize",
    "normalised": "tekisei.provenance._normalize",
    "text_variants": "tekisei.provenance._normalize",
    "detect_variants": "tekisei.provenance._text",
    "detect_transformers_text": "tekisei.provenance._text",
    "model_config": "tekisei.provenance._text",
    "transformers_available": "tekisei.provenance._text",
    "encode_variants": "tekisei.provenance._text",
    "Detection": "tekisei.provenance._kgw",
    "GreenList": "tekisei.provenance._kgw",
    "Hashing": "tekisei.provenance._kgw",
    "Verdict": "tekisei.provenance._kgw",
    "WatermarkParams": "tekisei.provenance._kgw",
    "binomial_tail": "tekisei.provenance._kgw",
    "detect": "tekisei.provenance._kgw",
    "p_band": "tekisei.provenance._kgw",
    "verdict": "tekisei.provenance._kgw",
    "Pki": "tekisei.provenance._pki",
    "init_pki": "tekisei.provenance._pki",
    "Generator": "tekisei.provenance._text",
    "TokenizerFile": "tekisei.provenance._text",
    "detect_text": "tekisei.provenance._text",
    "detect_transformers_watermark": "tekisei.provenance._text",
    "export_tokenizer": "tekisei.provenance._text",
    "logits_processor": "tekisei.provenance._text",
    "smollm2_generator": "tekisei.provenance._text",
    "smollm2_location": "tekisei.provenance._text",
    "smollm2_tokenizer": "tekisei.provenance._text",
}


__getattr__ = attribute_loader(__name__, _WHERE)

__all__ = [
    "AI_GENERATED",
    "CONFUSABLES",
    "DETECT_Z",
    "MIN_BITS",
    "MIN_TOKENS",
    "SCHEME",
    "SCHEMES",
    "SELFHASH_SCHEME",
    "WATERMARK_ALG",
    "Detection",
    "Generator",
    "GreenList",
    "Hashing",
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
    "detect_transformers_text",
    "detect_transformers_watermark",
    "detect_variants",
    "embed_watermark",
    "encode_variants",
    "export_tokenizer",
    "init_pki",
    "logits_processor",
    "mime_of",
    "model_config",
    "new_key_id",
    "new_secret",
    "normalised",
    "p_band",
    "read_watermark",
    "seal",
    "sign_image",
    "smollm2_generator",
    "smollm2_location",
    "smollm2_tokenizer",
    "text_variants",
    "transformers_available",
    "unseal",
    "verdict",
]
