"""An image's width and height read from its header bytes (PNG ``IHDR``, JPEG ``SOFn``),
so that an image too large to decode is refused before a single pixel is decoded."""

from __future__ import annotations

import importlib
import os
from enum import StrEnum
from typing import Any

import numpy as np


class ImageRefusal(StrEnum):
    """Why the provenance library refused an image: a reason code callers map to words in
    the reader's language (see ``tekisei.services.image_inputs``)."""

    NOT_PNG_OR_JPEG = "not_png_or_jpeg"
    SIZE_UNREADABLE = "size_unreadable"
    TOO_MANY_PIXELS = "too_many_pixels"
    UNDECODABLE = "undecodable"
    TOO_SMALL = "too_small"
    CREDENTIALS_UNREADABLE = "credentials_unreadable"


class ImageError(ValueError):
    """An image the library refuses, with its :class:`ImageRefusal` reason (a
    ``ValueError``, as before, so that callers catching that keep working)."""

    def __init__(self, reason: ImageRefusal, message: str) -> None:
        super().__init__(message)
        self.reason = reason


PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_DECODE_PIXELS = 8192 * 8192
"""The most pixels tekisei ever hands to the decoder, whatever a deployment allows."""

# Start-of-frame markers carry the frame's size; C4 (DHT), C8 (JPG) and CC (DAC) do not.
_SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
# Markers that stand alone, without a length: TEM, RST0-7 (SOI and EOI are handled apart).
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})

# OpenCV refuses larger images itself (read when it first decodes), behind the header check.
os.environ.setdefault("OPENCV_IO_MAX_IMAGE_PIXELS", str(MAX_DECODE_PIXELS))


def _png(data: bytes) -> tuple[int, int] | None:
    # The IHDR chunk comes first: length 13, type, width, height (big-endian, 1..2^31-1).
    if len(data) < 24 or data[8:16] != b"\x00\x00\x00\x0dIHDR":
        return None
    width = int.from_bytes(data[16:20], "big")
    height = int.from_bytes(data[20:24], "big")
    if not (0 < width < 2**31 and 0 < height < 2**31):
        return None
    if not _one_header(data):
        return None
    return width, height


_MAX_CHUNKS_BEFORE_DATA = 10_000


def _one_header(data: bytes) -> bool:
    """Whether no second IHDR follows before the image data: a decoder that takes the
    last header would otherwise decode a size the first one hides."""
    at = 8 + 8 + 13 + 4  # signature, the first IHDR's length and type, its data and CRC
    for _ in range(_MAX_CHUNKS_BEFORE_DATA):
        if at + 8 > len(data):
            return True  # cut short: the decoder refuses it
        kind = data[at + 4 : at + 8]
        if kind == b"IHDR":
            return False
        if kind in (b"IDAT", b"IEND"):
            return True
        at += 12 + int.from_bytes(data[at : at + 4], "big")
    return False  # thousands of chunks before the pixels: not an image to decode


def _jpeg(data: bytes) -> tuple[int, int] | None:
    at = 2  # after SOI
    end = len(data)
    while at < end:
        if data[at] != 0xFF:
            return None  # not at a marker: a malformed stream
        while at < end and data[at] == 0xFF:  # fill bytes
            at += 1
        if at >= end:
            return None
        marker = data[at]
        at += 1
        if marker in _STANDALONE:
            continue
        if marker in (0xD8, 0xD9, 0xDA, 0x00):  # another SOI, EOI or scan data before a frame
            return None
        if at + 2 > end:
            return None
        length = int.from_bytes(data[at : at + 2], "big")
        if length < 2:
            return None
        if marker in _SOF:
            if length < 7 or at + 7 > end:
                return None
            height = int.from_bytes(data[at + 3 : at + 5], "big")
            width = int.from_bytes(data[at + 5 : at + 7], "big")
            if width == 0 or height == 0:  # a height given later (DNL) is not accepted
                return None
            return width, height
        at += length
    return None


def image_dimensions(data: bytes) -> tuple[int, int] | None:
    """``(width, height)`` from a PNG's or JPEG's header, without decoding; None when the
    bytes are neither or their header cannot be read (truncated, malformed, zero size)."""
    if data.startswith(PNG_MAGIC):
        return _png(data)
    if data.startswith(b"\xff\xd8"):
        return _jpeg(data)
    return None


def decode_bounded(data: bytes, flags: int, max_pixels: int = MAX_DECODE_PIXELS) -> Any:
    """OpenCV's decoding of ``data``, only when its header states a size of at most
    ``max_pixels`` (a BGR array, as ``cv2.imdecode`` gives).

    Raises:
        ImageError: the size cannot be read, is over the limit, or the image cannot be
            decoded.
    """
    cv2 = importlib.import_module("cv2")
    size = image_dimensions(data)
    if size is None:
        raise ImageError(
            ImageRefusal.SIZE_UNREADABLE, "the image's size cannot be read from its header"
        )
    if size[0] * size[1] > max_pixels:
        raise ImageError(
            ImageRefusal.TOO_MANY_PIXELS,
            f"the image has {size[0]}×{size[1]} pixels, more than the {max_pixels} allowed",
        )
    try:
        image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), flags)
    except cv2.error:  # over OpenCV's own limit, or a stream it rejects
        image = None
    if image is None:
        raise ImageError(ImageRefusal.UNDECODABLE, "the image cannot be decoded")
    return image
