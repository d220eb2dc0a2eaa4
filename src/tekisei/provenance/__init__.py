"""Content provenance: text watermarks and C2PA image credentials with a keyed image
watermark as soft binding, usable as a library on its own.

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
    from tekisei.provenance._image import (
        AI_GENERATED,
        LEGACY_WATERMARK_ALG,
        WATERMARK_ALG,
        ImageCheck,
        check_image,
        mime_of,
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
        smollm2_tokenizer,
    )
    from tekisei.provenance._watermark import (
        HASH_BOUND,
        decode_payload,
        embed_bits,
        embed_watermark,
        encode_payload,
        false_attribution_probability,
        false_decode_probability,
        format_asset_id,
        hash_distance,
        image_fits,
        payload_bits,
        perceptual_hash,
        read_bits,
        read_watermark,
    )

_WHERE: dict[str, str] = {
    "AI_GENERATED": "tekisei.provenance._image",
    "LEGACY_WATERMARK_ALG": "tekisei.provenance._image",
    "WATERMARK_ALG": "tekisei.provenance._image",
    "ImageCheck": "tekisei.provenance._image",
    "check_image": "tekisei.provenance._image",
    "mime_of": "tekisei.provenance._image",
    "sign_image": "tekisei.provenance._image",
    "HASH_BOUND": "tekisei.provenance._watermark",
    "decode_payload": "tekisei.provenance._watermark",
    "embed_bits": "tekisei.provenance._watermark",
    "embed_watermark": "tekisei.provenance._watermark",
    "encode_payload": "tekisei.provenance._watermark",
    "false_attribution_probability": "tekisei.provenance._watermark",
    "false_decode_probability": "tekisei.provenance._watermark",
    "format_asset_id": "tekisei.provenance._watermark",
    "hash_distance": "tekisei.provenance._watermark",
    "image_fits": "tekisei.provenance._watermark",
    "payload_bits": "tekisei.provenance._watermark",
    "perceptual_hash": "tekisei.provenance._watermark",
    "read_bits": "tekisei.provenance._watermark",
    "read_watermark": "tekisei.provenance._watermark",
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
    "HASH_BOUND",
    "LEGACY_WATERMARK_ALG",
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
    "check_image",
    "decode_payload",
    "detect",
    "detect_text",
    "detect_transformers_watermark",
    "embed_bits",
    "embed_watermark",
    "encode_payload",
    "export_tokenizer",
    "false_attribution_probability",
    "false_decode_probability",
    "format_asset_id",
    "hash_distance",
    "image_fits",
    "init_pki",
    "logits_processor",
    "mime_of",
    "new_key_id",
    "new_secret",
    "p_band",
    "payload_bits",
    "perceptual_hash",
    "read_bits",
    "read_watermark",
    "seal",
    "sign_image",
    "smollm2_generator",
    "smollm2_location",
    "smollm2_tokenizer",
    "unseal",
    "verdict",
]
