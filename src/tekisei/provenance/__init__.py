"""Content provenance: text watermarks and C2PA image credentials with a watermark soft
binding, usable as a library on its own.

The text watermark is a keyed-hash green list (KGW family): γ 0.25, δ 2, context 1,
seeds from BLAKE2b with the key, the same on every platform. Detection needs only the
key and the generator's ``tokenizer.json``; generation uses a ``transformers`` logits
processor (extra ``lm``).

The names are imported when first used, so that code needing a little of the package
does not pay for all of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tekisei.lazy import attribute_loader

if TYPE_CHECKING:
    from tekisei.provenance._dimensions import MAX_DECODE_PIXELS, decode_bounded, image_dimensions
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
    from tekisei.provenance._manifest_store import manifest_store
    from tekisei.provenance._pki import Pki, init_pki
    from tekisei.provenance._receipts import (
        MAX_RECEIPT,
        RECEIPT_TYPE,
        Receipt,
        ReceiptError,
        input_digest,
        jwk,
        sign_receipt,
        verify_receipt,
    )
    from tekisei.provenance._text import (
        Generator,
        TokenizerFile,
        detect_text,
        detect_transformers_watermark,
        export_tokenizer,
        logits_processor,
        smollm2_generator,
        smollm2_location,
        smollm2_tokenizer,
    )

_WHERE: dict[str, str] = {
    "MAX_DECODE_PIXELS": "tekisei.provenance._dimensions",
    "decode_bounded": "tekisei.provenance._dimensions",
    "image_dimensions": "tekisei.provenance._dimensions",
    "manifest_store": "tekisei.provenance._manifest_store",
    "MAX_RECEIPT": "tekisei.provenance._receipts",
    "RECEIPT_TYPE": "tekisei.provenance._receipts",
    "Receipt": "tekisei.provenance._receipts",
    "ReceiptError": "tekisei.provenance._receipts",
    "input_digest": "tekisei.provenance._receipts",
    "jwk": "tekisei.provenance._receipts",
    "sign_receipt": "tekisei.provenance._receipts",
    "verify_receipt": "tekisei.provenance._receipts",
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
    "Detection": "tekisei.provenance._kgw",
    "GreenList": "tekisei.provenance._kgw",
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
    "DETECT_Z",
    "MAX_DECODE_PIXELS",
    "MAX_RECEIPT",
    "MIN_BITS",
    "MIN_TOKENS",
    "RECEIPT_TYPE",
    "SCHEME",
    "WATERMARK_ALG",
    "Detection",
    "Generator",
    "GreenList",
    "ImageCheck",
    "KeyStatus",
    "Pki",
    "Receipt",
    "ReceiptError",
    "SealError",
    "TokenizerFile",
    "Verdict",
    "WatermarkKey",
    "WatermarkParams",
    "binomial_tail",
    "bits_matching",
    "check_image",
    "decode_bounded",
    "detect",
    "detect_text",
    "detect_transformers_watermark",
    "embed_watermark",
    "export_tokenizer",
    "image_dimensions",
    "init_pki",
    "input_digest",
    "jwk",
    "logits_processor",
    "manifest_store",
    "mime_of",
    "new_key_id",
    "new_secret",
    "p_band",
    "read_watermark",
    "seal",
    "sign_image",
    "sign_receipt",
    "smollm2_generator",
    "smollm2_location",
    "smollm2_tokenizer",
    "unseal",
    "verdict",
    "verify_receipt",
]
