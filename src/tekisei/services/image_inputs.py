"""What tekisei accepts as an image to check or sign: PNG or JPEG whose header states at
most the deployment's pixel limit (read before anything is decoded), and the words,
English and Japanese, for why an image was refused."""

from __future__ import annotations

import math

from tekisei.errors import InvalidInputError
from tekisei.provenance import ImageError, ImageRefusal, image_dimensions

DEFAULT_MAX_PIXELS = 4096 * 4096
"""``TEKISEI_MAX_IMAGE_PIXELS`` unless set."""


def _area(pixels: int) -> str:
    side = math.isqrt(pixels)
    return f"{side}×{side}" if side * side == pixels else f"{pixels:,}"


def refuse_oversized(data: bytes, max_pixels: int = DEFAULT_MAX_PIXELS) -> tuple[int, int]:
    """The image's ``(width, height)`` from its header, when it is a PNG or JPEG of at most
    ``max_pixels`` pixels; nothing is decoded.

    Raises:
        InvalidInputError: not a PNG/JPEG, a header whose size cannot be read, or more
            pixels than allowed (the message states the limit).
    """
    size = image_dimensions(data)
    if size is None:
        if data.startswith((b"\x89PNG\r\n\x1a\n", b"\xff\xd8")):
            raise InvalidInputError(
                "the image's size cannot be read from its header (the file is damaged or cut "
                "short)",
                ja="画像の大きさを読み取れません（ファイルが壊れているか、途中で切れています）。",
            )
        raise InvalidInputError(
            "give a PNG or JPEG image", ja="PNG か JPEG の画像を選んでください。"
        )
    width, height = size
    if width * height > max_pixels:
        raise InvalidInputError(
            f"the image is {width}×{height} pixels; this service accepts images of at most "
            f"{_area(max_pixels)} pixels (TEKISEI_MAX_IMAGE_PIXELS): make it smaller and try "
            "again",
            ja=f"画像が大きすぎます（{width}×{height} ピクセル）。このサービスで扱えるのは "
            f"{_area(max_pixels)} ピクセルまでです。縮小してからもう一度お試しください。",
        )
    return size


REFUSALS: dict[ImageRefusal, tuple[str, str]] = {
    ImageRefusal.NOT_PNG_OR_JPEG: (
        "give a PNG or JPEG image",
        "PNG か JPEG の画像を選んでください。",
    ),
    ImageRefusal.SIZE_UNREADABLE: (
        "the image's size cannot be read from its header (the file is damaged or cut short)",
        "画像の大きさを読み取れません（ファイルが壊れているか、途中で切れています）。",
    ),
    ImageRefusal.TOO_MANY_PIXELS: (
        "the image has too many pixels to be handled: make it smaller and try again",
        "画像が大きすぎるため扱えません。縮小してからもう一度お試しください。",
    ),
    ImageRefusal.UNDECODABLE: (
        "the image cannot be decoded (the file is damaged, or not a PNG or JPEG)",
        "画像を読み取れません（ファイルが壊れているか、PNG・JPEG ではありません）。",
    ),
    ImageRefusal.TOO_SMALL: (
        "the image is too small for a watermark (at least 256×256 pixels)",
        "画像が小さすぎます（透かしには 256×256 ピクセル以上が必要です）。",
    ),
    ImageRefusal.CREDENTIALS_UNREADABLE: (
        "the image's content credentials (C2PA) cannot be read; they may be damaged",
        "画像のコンテンツ認証情報（C2PA）を読み取れません。情報が壊れている可能性があります。",
    ),
}
"""Why an image was refused, in English and Japanese, by the library's reason code: the
one place these words are kept (the library's own English is never shown)."""


def refused_image(exc: ValueError) -> InvalidInputError:
    """The error of an image the provenance library refused, in words chosen for its
    reason code (:class:`ImageRefusal`), never the library's own text."""
    if isinstance(exc, ImageError):
        en, ja = REFUSALS[exc.reason]
        return InvalidInputError(en, ja=ja)
    return InvalidInputError(
        "this image cannot be handled; try another PNG or JPEG image",
        ja="この画像は扱えません。PNG か JPEG の別の画像でお試しください。",
    )
