"""Images: C2PA content credentials (c2pa-python); the keyed watermark that serves as
their soft binding is in ``_watermark``.
"""

from __future__ import annotations

import importlib
import io
import json
from collections.abc import Sequence
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pydantic import BaseModel

from tekisei.provenance._dimensions import ImageError, ImageRefusal
from tekisei.provenance._explain import Explanation, Reason, explain_all, main_reason
from tekisei.provenance._pki import ClaimSigner, Pki
from tekisei.provenance._tsa import TimeStampError

AI_GENERATED = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
WATERMARK_ALG = "org.tekisei.dwtdctsvd.bch.48"
"""The soft-binding algorithm of the keyed watermark (``_watermark``): the value is the
48-bit asset id as 12 lower-case hex digits."""
LEGACY_WATERMARK_ALG = "org.tekisei.dwtdctsvd.32"
"""The earlier unkeyed 32-bit watermark: its images keep their embedded credentials, but
their watermark is no longer looked up."""
MIME = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


def mime_of(data: bytes) -> str:
    """``image/png`` or ``image/jpeg`` from the bytes.

    Raises:
        ValueError: another kind of file.
    """
    for magic, mime in MIME.items():
        if data.startswith(magic):
            return mime
    raise ImageError(ImageRefusal.NOT_PNG_OR_JPEG, "give a PNG or JPEG image")


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
    certificate_serial: str | None = None
    """The signing certificate's serial number (decimal), as the credentials state it."""
    time_stamped_at: str | None = None
    """When an RFC 3161 time-stamp says the claim was signed (ISO 8601), if it has one."""
    reason: Reason | None = None
    """Why the credentials are not Trusted, in one word (``expired``: the signing
    certificate's expiry is the only thing wrong)."""
    explanations: list[Explanation] = []
    """Each problem in plain English and Japanese, the most serious first."""


def _c2pa() -> Any:
    try:
        return importlib.import_module("c2pa")
    except ImportError:
        raise RuntimeError("content credentials need c2pa-python==0.38.1") from None


def sign_image(
    data: bytes,
    pki: Pki | ClaimSigner,
    *,
    generator: str,
    system: str | None = None,
    soft_binding: str | None = None,
    watermarked: bool = False,
    time_stamp_url: str | None = None,
) -> bytes:
    """The image with a signed C2PA manifest marking it AI-generated (``c2pa.created`` with
    IPTC ``trainedAlgorithmicMedia``), naming the generator (and the system only when
    ``system`` is given: the manifest travels with the image to anyone), and, when given, the
    watermark that binds it, with a ``c2pa.watermarked`` action when the caller says the
    watermark was embedded (``watermarked``). No thumbnail.

    With ``time_stamp_url`` the signature is time-stamped by that RFC 3161 authority, so
    it keeps validating after the signing certificate expires.

    Raises:
        ValueError: not a PNG/JPEG.
        TimeStampError: the time-stamp authority did not answer.
    """
    c2pa = _c2pa()
    mime = mime_of(data)
    actions: list[dict[str, Any]] = [
        {
            "action": "c2pa.created",
            "digitalSourceType": AI_GENERATED,
            "softwareAgent": {"name": generator},
        }
    ]
    if watermarked:
        actions.append(
            {
                "action": "c2pa.watermarked",
                "softwareAgent": {"name": "tekisei"},
                "parameters": {"description": f"invisible watermark {WATERMARK_ALG}"},
            }
        )
    assertions: list[dict[str, Any]] = [
        {"label": "c2pa.actions", "data": {"actions": actions}},
        {
            "label": "org.tekisei.system",
            "data": {"generator": generator} | ({"system": system} if system else {}),
        },
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
        "title": system or generator,
        "assertions": assertions,
    }
    credential = pki.signer() if isinstance(pki, Pki) else pki
    signer = c2pa.Signer.from_info(
        c2pa.C2paSignerInfo(
            alg=c2pa.C2paSigningAlg.ES256,
            sign_cert=credential.chain,
            private_key=credential.key,
            ta_url=time_stamp_url.encode("utf-8") if time_stamp_url else None,
        )
    )
    context = c2pa.Context(
        settings=c2pa.Settings.from_dict({"builder": {"thumbnail": {"enabled": False}}})
    )
    source, target = io.BytesIO(data), io.BytesIO()
    try:
        with c2pa.Builder(manifest, context=context) as builder:
            builder.sign(signer, mime, source, target)
    except Exception as exc:  # c2pa raises its own errors; a TSA failure is the one we expect
        if time_stamp_url and ("request" in str(exc) or "time" in str(exc).lower()):
            raise TimeStampError(time_stamp_url, str(exc)) from None
        raise
    return target.getvalue()


def check_image(
    data: bytes, trust_anchor: str | None, *, issued: Sequence[x509.Certificate] = ()
) -> ImageCheck:
    """Read and validate the embedded credentials, with ``trust_anchor`` (PEM, one or more
    roots) as the only trusted roots (none: Valid at best) and nothing fetched from the
    network.

    c2pa reports a signing certificate that has expired (without a time-stamp) as both
    expired and untrusted; the reason is ``expired`` only when that certificate is one of
    ``issued`` (the certificates the deployment issued, found byte for byte in the
    image), else ``untrusted``.

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
        raise ImageError(
            ImageRefusal.CREDENTIALS_UNREADABLE, f"the content credentials cannot be read: {exc}"
        ) from None
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
    serial = signature.get("cert_serial_number")
    reason = main_reason(state, failures)
    if reason == "untrusted" and "signingCredential.expired" in failures:
        ours = [c for c in issued if str(c.serial_number) == str(serial)]
        if any(c.public_bytes(serialization.Encoding.DER) in data for c in ours):
            reason = "expired"
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
        certificate_serial=str(serial) if serial is not None else None,
        time_stamped_at=str(signature["time"]) if signature.get("time") else None,
        reason=reason,
        explanations=explain_all(failures),
    )
