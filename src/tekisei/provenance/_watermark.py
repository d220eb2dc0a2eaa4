"""The keyed image watermark: a random 48-bit asset id, enciphered with the deployment's
watermark key, protected by a BCH code, whitened with a keyed pad and embedded with
``dwtDctSvd`` (invisible-watermark). Reading inverts each step and gives the exact asset
id or nothing, so a lookup is one indexed query.

Without the key nobody can write a given asset id into a picture (the id is enciphered
under the key). Anyone can still copy the raw bits of a signed picture into another one:
that is why a found watermark only counts when the picture in hand also looks like the
signed one (``perceptual_hash`` within ``HASH_BOUND``).

Signing keeps what the picture had: PNG transparency (the colour channels carry the
watermark, the alpha channel is kept as it was), the ICC profile and EXIF, and for JPEG
the original quantisation tables and chroma subsampling.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib
import importlib.util
import io
import math
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tekisei.provenance._dimensions import (
    MAX_DECODE_PIXELS,
    ImageError,
    ImageRefusal,
    image_dimensions,
)
from tekisei.provenance._image import WATERMARK_ALG, mime_of

ID_BITS = 48
"""Bits of the asset id (12 hex digits)."""
BCH_T = 12
"""Bit errors the BCH code corrects (and the most a read may need: a stricter bound
than the decoder's own, checked by re-encoding)."""
BCH_M = 8
MIN_SIDE = 256
"""Pictures narrower or lower than this get credentials without a watermark."""
HASH_BOUND = 10
"""The most bits (of 64) by which the perceptual hash of the picture in hand may differ
from the signed picture's for a manifest found through the watermark to be offered."""
_ROUNDS = 10
_SCALES = [0, 48, 0]
"""Strength in the U channel (invisible-watermark uses 36; 48 keeps JPEG 75 and most of
JPEG 50 at about 34.5 dB PSNR on photo-like pictures)."""
_BLOCK = 4


def _bch() -> Any:
    try:
        module = importlib.import_module("bchlib")
    except ImportError:
        raise RuntimeError("image watermarks need bchlib==2.1.3") from None
    return module.BCH(BCH_T, m=BCH_M)


_CODES = threading.local()


def _code() -> Any:
    """The BCH codec of this thread (it keeps the last decoding's error positions)."""
    code = getattr(_CODES, "code", None)
    if code is None:
        code = _CODES.code = _bch()
    return code


def payload_bits() -> int:
    """Length of the embedded bit string: the asset id and the BCH parity."""
    return ID_BITS + int(_code().ecc_bits)


def false_decode_probability() -> float:
    """Chance that a random bit string (a picture without this deployment's watermark)
    decodes to some asset id: codewords × Hamming ball of radius ``BCH_T`` ÷ all strings."""
    n = payload_bits()
    ball = sum(math.comb(n, i) for i in range(BCH_T + 1))
    return math.ldexp(float(ball), ID_BITS - n)


def false_attribution_probability(stored: int) -> float:
    """Chance that a picture without the watermark is attributed to one of ``stored``
    signed pictures, before the perceptual-hash check: it must decode, and the id it
    decodes to (uniform over 2^48) must be one of them."""
    return false_decode_probability() * min(1.0, math.ldexp(float(stored), -ID_BITS))


def _round(key: bytes, index: int, half: int) -> int:
    digest = hmac.new(key, b"tekisei-wm-round" + bytes([index]) + half.to_bytes(3, "big"),
                      hashlib.sha256).digest()  # fmt: skip
    return int.from_bytes(digest[:3], "big")


def _encipher(key: bytes, value: int) -> int:
    """A keyed permutation of 48-bit values (a ten-round Feistel network over HMAC)."""
    left, right = value >> 24, value & 0xFFFFFF
    for index in range(_ROUNDS):
        left, right = right, left ^ _round(key, index, right)
    return (left << 24) | right


def _decipher(key: bytes, value: int) -> int:
    left, right = value >> 24, value & 0xFFFFFF
    for index in reversed(range(_ROUNDS)):
        left, right = right ^ _round(key, index, left), left
    return (left << 24) | right


def _pad(key: bytes, length: int) -> np.ndarray[Any, Any]:
    stream = hmac.new(key, b"tekisei-wm-pad", hashlib.sha256).digest()
    stream += hmac.new(key, b"tekisei-wm-pad-2", hashlib.sha256).digest()
    return np.unpackbits(np.frombuffer(stream, np.uint8))[:length]


def encode_payload(key: bytes, asset_id: int) -> np.ndarray[Any, Any]:
    """The bits embedded for ``asset_id`` (0 or 1, ``payload_bits()`` of them)."""
    if not 0 <= asset_id < 2**ID_BITS:
        raise ValueError(f"an asset id has {ID_BITS} bits")
    data = bytearray(_encipher(key, asset_id).to_bytes(ID_BITS // 8, "big"))
    ecc = bytes(_code().encode(data))
    bits = np.concatenate(
        [
            np.unpackbits(np.frombuffer(bytes(data), np.uint8)),
            np.unpackbits(np.frombuffer(ecc, np.uint8)),
        ]
    )[: payload_bits()]
    return np.asarray(bits ^ _pad(key, payload_bits()), dtype=np.uint8)


def decode_payload(key: bytes, bits: np.ndarray[Any, Any]) -> tuple[int, int] | None:
    """The asset id the bits carry and how many bit errors were corrected, or None when
    they are not within ``BCH_T`` errors of a codeword of this key."""
    code = _code()
    n = payload_bits()
    if len(bits) != n:
        return None
    plain = np.asarray(bits, dtype=np.uint8) ^ _pad(key, n)
    ecc_len = int(code.ecc_bytes) * 8
    padded = np.concatenate([plain, np.zeros(ID_BITS + ecc_len - n, np.uint8)])
    raw = np.packbits(padded).tobytes()
    data = bytearray(raw[: ID_BITS // 8])
    ecc = bytearray(raw[ID_BITS // 8 :])
    if code.decode(data, ecc) < 0:
        return None
    code.correct(data, ecc)
    # The decoder may "succeed" with error positions in the padding or twice the same
    # position; only a codeword within BCH_T bits of what was read counts.
    again = np.concatenate(
        [np.unpackbits(np.frombuffer(bytes(data), np.uint8)),
         np.unpackbits(np.frombuffer(bytes(code.encode(data)), np.uint8))]
    )[:n]  # fmt: skip
    errors = int(np.count_nonzero(again != plain))
    if errors > BCH_T:
        return None
    return _decipher(key, int.from_bytes(bytes(data), "big")), errors


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


_DWT = None


def _method() -> Any:
    global _DWT
    if _DWT is None:
        _DWT = _dwt()
    return _DWT


def _open(data: bytes) -> Any:
    image_module = importlib.import_module("PIL.Image")
    mime_of(data)
    size = image_dimensions(data)
    if size is None:  # nothing is decoded whose size its header does not state
        raise ImageError(ImageRefusal.UNDECODABLE, "the image cannot be decoded")
    if size[0] * size[1] > MAX_DECODE_PIXELS:  # refused before a byte is decoded
        raise ImageError(ImageRefusal.TOO_MANY_PIXELS, "the image has too many pixels to decode")
    # WeasyPrint, once imported for a PDF report, makes Pillow load truncated images
    # process-wide (PIL.ImageFile.LOAD_TRUNCATED_IMAGES = True): a damaged picture would
    # then decode as far as it goes instead of being refused. Pictures checked or signed
    # here are always read strictly (every writer of the flag but that import sets False).
    setattr(importlib.import_module("PIL.ImageFile"), "LOAD_TRUNCATED_IMAGES", False)  # noqa: B010
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", image_module.DecompressionBombWarning)
            image = image_module.open(io.BytesIO(data))
            if tuple(image.size) != size:  # a header the size check did not read
                raise ImageError(ImageRefusal.UNDECODABLE, "the image cannot be decoded")
            image.load()
    except (image_module.DecompressionBombWarning, image_module.DecompressionBombError):
        raise ImageError(
            ImageRefusal.TOO_MANY_PIXELS, "the image has too many pixels to decode"
        ) from None
    except (OSError, SyntaxError, ValueError):
        raise ImageError(ImageRefusal.UNDECODABLE, "the image cannot be decoded") from None
    return image


@dataclass(frozen=True)
class Picture:
    """A PNG/JPEG decoded once (strictly, within the pixel limit), so that its watermark
    bits and its perceptual hash are read from the same pixels without decoding again."""

    image: Any


def decode_picture(data: bytes) -> Picture:
    """The PNG/JPEG ``data`` decoded, for :func:`read_bits` and :func:`perceptual_hash`.

    Raises:
        ValueError: not a PNG/JPEG, undecodable, or too many pixels.
    """
    return Picture(_open(data))


def _image(picture: bytes | Picture) -> Any:
    return picture.image if isinstance(picture, Picture) else _open(picture)


def fits(width: int, height: int) -> bool:
    """Whether a picture of this size can carry the watermark."""
    return min(width, height) >= MIN_SIDE


def _bgr(image: Any) -> np.ndarray[Any, Any]:
    rgb = np.asarray(image.convert("RGB"), dtype=np.uint8)
    return np.ascontiguousarray(rgb[..., ::-1])


def image_fits(data: bytes) -> bool:
    """Whether the PNG/JPEG ``data`` is large enough for the watermark.

    Raises:
        ValueError: not a PNG/JPEG, or undecodable.
    """
    return fits(*_open(data).size)


def embed_watermark(data: bytes, key: bytes, asset_id: int) -> bytes:
    """The picture with ``asset_id`` embedded under ``key``, in its own format, keeping its
    transparency, ICC profile, EXIF and (JPEG) quantisation tables. A picture with an EXIF
    orientation is turned upright first and its orientation set to 1.

    Raises:
        ValueError: not a PNG/JPEG, undecodable, or smaller than 256 pixels a side.
    """
    mime = mime_of(data)
    image = _open(data)
    if not fits(*image.size):
        raise ImageError(
            ImageRefusal.TOO_SMALL,
            f"the image is too small for a watermark (at least {MIN_SIDE}×{MIN_SIDE} pixels)",
        )
    upright, exif = _upright(image)
    bits = [int(bit) for bit in encode_payload(key, asset_id)]
    marker = _method().EmbedDwtDctSvd(bits, wmLen=len(bits), scales=_SCALES, block=_BLOCK)
    marked = marker.encode(_bgr(upright))
    image_module = importlib.import_module("PIL.Image")
    out = image_module.fromarray(np.ascontiguousarray(marked[..., ::-1]).astype(np.uint8), "RGB")
    transparent = image.mode in ("RGBA", "LA", "PA") or (
        image.mode in ("P", "L", "RGB") and "transparency" in image.info
    )
    if transparent and mime == "image/png":
        out.putalpha(upright.convert("RGBA").getchannel("A"))
    options: dict[str, Any] = {}
    for name in ("icc_profile", "exif", "dpi"):
        if image.info.get(name):
            options[name] = image.info[name]
    if exif is not None:
        options["exif"] = exif
    target = io.BytesIO()
    if mime == "image/png":
        out.save(target, "PNG", **options)
    else:
        options.update(_jpeg_options(image))
        out.save(target, "JPEG", **options)
    return target.getvalue()


_ORIENTATION = 0x0112


def _upright(image: Any) -> tuple[Any, bytes | None]:
    """The picture turned as its EXIF orientation says it is shown (a phone photo held
    upright is stored sideways with orientation 6), so that the watermark goes into the
    pixels people see, and its EXIF with the orientation set to 1 (the pixels are upright
    now; every other tag is kept). ``(image, None)`` when it needs no turning."""
    exif = image.getexif()
    if exif.get(_ORIENTATION, 1) in (None, 1):
        return image, None
    ops = importlib.import_module("PIL.ImageOps")
    upright = ops.exif_transpose(image)
    exif[_ORIENTATION] = 1
    return upright, bytes(exif.tobytes())


def _jpeg_options(image: Any) -> dict[str, Any]:
    """The source JPEG's quantisation tables and subsampling, so that re-encoding keeps
    its quality (quality 95 when it had no usable tables)."""
    jpeg = importlib.import_module("PIL.JpegImagePlugin")
    tables = getattr(image, "quantization", None) or {}
    options: dict[str, Any] = {"optimize": False}
    if len(tables) >= 2:
        options["qtables"] = [list(tables[index]) for index in sorted(tables)]
        sampling = jpeg.get_sampling(image)
        if sampling >= 0:
            options["subsampling"] = sampling
    else:
        options["quality"] = 95
    if image.info.get("progressive") or image.info.get("progression"):
        options["progressive"] = True
    return options


def read_bits(picture: bytes | Picture) -> np.ndarray[Any, Any] | None:
    """The raw embedded bits (noise, for a picture without a watermark), or None when
    the picture is too small to carry one.

    Raises:
        ValueError: not a PNG/JPEG, or undecodable (bytes only: a :class:`Picture` is
            decoded already).
    """
    image = _image(picture)
    if not fits(*image.size):
        return None
    decoder = _method().EmbedDwtDctSvd([], wmLen=payload_bits(), scales=_SCALES, block=_BLOCK)
    return np.asarray(decoder.decode(_bgr(image)), dtype=np.uint8)


def read_watermark(data: bytes, key: bytes) -> tuple[int, int] | None:
    """The asset id the picture carries under ``key`` and the bit errors corrected, or
    None (no watermark of this key, or too small).

    Raises:
        ValueError: not a PNG/JPEG, or undecodable.
    """
    bits = read_bits(data)
    return None if bits is None else decode_payload(key, bits)


def embed_bits(data: bytes, bits: np.ndarray[Any, Any]) -> bytes:
    """The picture with raw ``bits`` embedded as they are (no key): what a copier does
    with bits read from another picture. For tests and benchmarks.

    Raises:
        ValueError: not a PNG/JPEG, undecodable, or too small.
    """
    image = _open(data)
    if not fits(*image.size):
        raise ImageError(ImageRefusal.TOO_SMALL, "the image is too small for a watermark")
    marker = _method().EmbedDwtDctSvd([int(b) for b in bits], wmLen=len(bits), scales=_SCALES,
                                      block=_BLOCK)  # fmt: skip
    marked = marker.encode(_bgr(image))
    image_module = importlib.import_module("PIL.Image")
    out = image_module.fromarray(np.ascontiguousarray(marked[..., ::-1]).astype(np.uint8), "RGB")
    target = io.BytesIO()
    out.save(target, "PNG")
    return target.getvalue()


def perceptual_hash(picture: bytes | Picture) -> int:
    """A 64-bit DCT perceptual hash (pHash): the picture in grey at 32×32, the 8×8 lowest
    frequencies of its DCT, each bit set when above their median.

    Raises:
        ValueError: not a PNG/JPEG, or undecodable.
    """
    cv2 = importlib.import_module("cv2")
    grey = np.asarray(_image(picture).convert("L"), dtype=np.float32)
    small = cv2.resize(grey, (32, 32), interpolation=cv2.INTER_AREA)
    low = cv2.dct(small)[:8, :8]
    bits = (low > np.median(low)).flatten()
    value = 0
    for bit in bits:
        value = (value << 1) | int(bit)
    return value


def hash_distance(a: int, b: int) -> int:
    """Bits (of 64) in which two perceptual hashes differ."""
    return bin((a ^ b) & (2**64 - 1)).count("1")


def format_asset_id(asset_id: int) -> str:
    """An asset id as the soft-binding value: 12 lower-case hex digits."""
    return f"{asset_id:012x}"


__all__ = [
    "BCH_T",
    "HASH_BOUND",
    "ID_BITS",
    "MIN_SIDE",
    "WATERMARK_ALG",
    "Picture",
    "decode_payload",
    "decode_picture",
    "embed_bits",
    "embed_watermark",
    "encode_payload",
    "false_attribution_probability",
    "false_decode_probability",
    "fits",
    "format_asset_id",
    "hash_distance",
    "image_fits",
    "payload_bits",
    "perceptual_hash",
    "read_bits",
    "read_watermark",
]
