"""Images: C2PA content credentials (c2pa-python) and an invisible 32-bit watermark
(``dwtDctSvd`` from invisible-watermark) used as the credentials' soft binding, so an
image whose manifest was stripped by re-encoding can be matched back to it.
"""

from __future__ import annotations

import importlib
import importlib.util
import io
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from tekisei.provenance._dimensions import decode_bounded
from tekisei.provenance._pki import Pki

AI_GENERATED = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
WATERMARK_ALG = "org.tekisei.dwtdctsvd.32"
MIN_BITS = 29
"""Bits of 32 that must agree for a match (by chance: about 1.3e-6)."""
MIME = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


def mime_of(data: bytes) -> str:
    """``image/png`` or ``image/jpeg`` from the bytes.

    Raises:
        ValueError: another kind of file.
    """
    for magic, mime in MIME.items():
        if data.startswith(magic):
            return mime
    raise ValueError("give a PNG or JPEG image")


def _dwt() -> Any:
    """invisible-watermark's dwtDctSvd module, loaded on its own: the package's
    ``__init__`` imports torch for another method."""
    found = importlib.util.find_spec("imwatermark")
    if found is None or not found.submodule_search_locations:
        raise RuntimeError("image watermarks need invisible-watermark (pip install --no-deps)")
    path = Path(next(iter(found.submodule_search_locations))) / "dwtDctSvd.py"
    spec = importlib.util.spec_from_file_location("tekisei_dwtdctsvd", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _bits(payload: int) -> list[int]:
    return [(payload >> (31 - i)) & 1 for i in range(32)]


def _pixels(data: bytes) -> Any:
    cv2 = importlib.import_module("cv2")
    image = decode_bounded(data, cv2.IMREAD_COLOR)  # refuses what is too large before decoding
    if image is None:
        raise ValueError("the image cannot be decoded")
    rows, cols = image.shape[:2]
    if rows * cols < 256 * 256:
        raise ValueError("the image is too small for a watermark (at least 256×256 pixels)")
    return image


def embed_watermark(data: bytes, payload: int) -> bytes:
    """The image with ``payload`` (32 bits) embedded, in the same format (JPEG at 95).

    Raises:
        ValueError: not a PNG/JPEG, undecodable, or smaller than 256×256.
    """
    cv2 = importlib.import_module("cv2")
    mime = mime_of(data)
    marked = _dwt().EmbedDwtDctSvd(_bits(payload), wmLen=32, scales=[0, 36, 0], block=4)
    pixels = marked.encode(_pixels(data))
    ext, options = (".png", []) if mime == "image/png" else (".jpg", [cv2.IMWRITE_JPEG_QUALITY, 95])
    ok, encoded = cv2.imencode(ext, pixels, options)
    if not ok:
        raise ValueError("the watermarked image cannot be encoded")
    return bytes(encoded.tobytes())


def read_watermark(data: bytes) -> int:
    """The 32 bits the image carries (noise, for an image without a watermark)."""
    decoder = _dwt().EmbedDwtDctSvd([], wmLen=32, scales=[0, 36, 0], block=4)
    bits = decoder.decode(_pixels(data))
    value = 0
    for bit in bits:
        value = (value << 1) | int(bool(bit))
    return value


def bits_matching(a: int, b: int) -> int:
    """How many of the 32 bits of ``a`` and ``b`` agree."""
    return 32 - bin((a ^ b) & 0xFFFFFFFF).count("1")


class ImageCheck(BaseModel):
    """What the embedded content credentials say."""

    present: bool
    state: str | None = None
    """Trusted, Valid or Invalid (C2PA validation state)."""
    signer: str | None = None
    issuer: str | None = None
    actions: list[str] = []
    digital_source_type: str | None = None
    generator: str | None = None
    soft_binding: str | None = None
    failures: list[str] = []
    manifest: dict[str, Any] | None = None


def _c2pa() -> Any:
    try:
        return importlib.import_module("c2pa")
    except ImportError:
        raise RuntimeError("content credentials need c2pa-python==0.38.1") from None


def sign_image(
    data: bytes, pki: Pki, *, generator: str, system: str, soft_binding: str | None = None
) -> bytes:
    """The image with a signed C2PA manifest marking it AI-generated (``c2pa.created`` with
    IPTC ``trainedAlgorithmicMedia``), naming the generating system, and, when given, the
    watermark that binds it. No timestamp authority and no thumbnail.

    Raises:
        ValueError: not a PNG/JPEG.
    """
    c2pa = _c2pa()
    mime = mime_of(data)
    assertions: list[dict[str, Any]] = [
        {
            "label": "c2pa.actions",
            "data": {
                "actions": [
                    {
                        "action": "c2pa.created",
                        "digitalSourceType": AI_GENERATED,
                        "softwareAgent": {"name": generator},
                    }
                ]
            },
        },
        {"label": "org.tekisei.system", "data": {"system": system, "generator": generator}},
    ]
    if soft_binding is not None:
        assertions.append(
            {
                "label": "c2pa.soft-binding",
                "data": {"alg": WATERMARK_ALG, "blocks": [{"scope": {}, "value": soft_binding}]},
            }
        )
    manifest = {
        "claim_generator_info": [{"name": "tekisei"}],
        "title": system,
        "assertions": assertions,
    }
    signer = c2pa.Signer.from_info(
        c2pa.C2paSignerInfo(
            alg=c2pa.C2paSigningAlg.ES256,
            sign_cert=pki.chain.read_bytes(),
            private_key=pki.key.read_bytes(),
            ta_url=None,
        )
    )
    context = c2pa.Context(
        settings=c2pa.Settings.from_dict({"builder": {"thumbnail": {"enabled": False}}})
    )
    source, target = io.BytesIO(data), io.BytesIO()
    with c2pa.Builder(manifest, context=context) as builder:
        builder.sign(signer, mime, source, target)
    return target.getvalue()


def check_image(data: bytes, trust_anchor: str | None) -> ImageCheck:
    """Read and validate the embedded credentials, with ``trust_anchor`` (PEM) as the only
    trusted root (none: Valid at best) and nothing fetched from the network.

    Raises:
        ValueError: not a PNG/JPEG.
    """
    c2pa = _c2pa()
    mime = mime_of(data)
    settings: dict[str, Any] = {
        "verify": {"verify_trust": True, "ocsp_fetch": False, "remote_manifest_fetch": False}
    }
    if trust_anchor:
        settings["trust"] = {"trust_anchors": trust_anchor}
    context = c2pa.Context(settings=c2pa.Settings.from_dict(settings))
    try:
        with c2pa.Reader(mime, io.BytesIO(data), context=context) as reader:
            state = str(reader.get_validation_state())
            results = reader.get_validation_results() or {}
            active = reader.get_active_manifest() or {}
    except Exception as exc:  # c2pa raises its own errors; "no manifest" is the common one
        if "ManifestNotFound" in type(exc).__name__ or "JUMBF" in str(exc):
            return ImageCheck(present=False)
        raise ValueError(f"the content credentials cannot be read: {exc}") from None
    failures = [
        str(item.get("code"))
        for item in (results.get("activeManifest") or {}).get("failure", [])
        if isinstance(item, dict)
    ]
    actions: list[str] = []
    source_type = None
    generator = None
    binding = None
    for assertion in active.get("assertions", []):
        label = str(assertion.get("label", ""))
        data_part = assertion.get("data") or {}
        if label.startswith("c2pa.actions"):
            for action in data_part.get("actions", []):
                actions.append(str(action.get("action")))
                source_type = action.get("digitalSourceType") or source_type
        elif label == "org.tekisei.system":
            generator = data_part.get("generator")
        elif label.startswith("c2pa.soft-binding"):
            blocks = data_part.get("blocks") or [{}]
            binding = blocks[0].get("value")
    signature = active.get("signature_info") or {}
    return ImageCheck(
        present=True,
        state=state,
        signer=signature.get("common_name"),
        issuer=signature.get("issuer"),
        actions=actions,
        digital_source_type=source_type,
        generator=generator,
        soft_binding=binding,
        failures=failures,
        manifest=json.loads(json.dumps(active, default=str)),
    )
