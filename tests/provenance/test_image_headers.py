"""An image's size read from its header before anything is decoded (PNG IHDR, JPEG SOFn),
under hostile headers; and the signed manifest store taken out of a signed PNG or JPEG."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import c2pa
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tekisei.errors import InvalidInputError
from tekisei.provenance import (
    decode_bounded,
    image_dimensions,
    init_pki,
    manifest_store,
    sign_image,
)
from tekisei.services.image_inputs import refuse_oversized
from tests.provenance.test_images import picture


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_header(width: int, height: int) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + chunk(
        b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    )


def huge_png(width: int = 8000, height: int = 8000, *, corrupt: bool = False) -> bytes:
    """A real width×height RGB PNG of black rows, compressed row by row (about 190 KB
    for 8000×8000: nothing of its 192 MB of pixels is held in memory). ``corrupt``
    damages the compressed data, so that decoding it could only fail."""
    packer = zlib.compressobj(9)
    row = bytes(1 + width * 3)
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    if corrupt:
        data = data[:100] + b"\xff" * 64 + data[164:]
    return png_header(width, height) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def jpeg_header(width: int, height: int, marker: int = 0xC0, before: bytes = b"") -> bytes:
    frame = struct.pack(">BHHB", 8, height, width, 3) + b"\x01\x11\x00" * 3
    return (
        b"\xff\xd8"
        + before
        + bytes([0xFF, marker])
        + struct.pack(">H", len(frame) + 2)
        + frame
        + b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00"
    )


APP0 = b"\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"


def test_png_and_jpeg_headers_give_their_size() -> None:
    assert image_dimensions(png_header(8000, 6000)) == (8000, 6000)
    assert image_dimensions(jpeg_header(640, 480)) == (640, 480)
    assert image_dimensions(jpeg_header(640, 480, 0xC2, before=APP0)) == (640, 480)  # progressive
    # Fill bytes and restart markers before the frame are stepped over, tables are skipped.
    table = b"\xff\xc4\x00\x05\x00\x00\x00"
    assert image_dimensions(jpeg_header(33, 44, before=b"\xff\xff\xd0" + table)) == (33, 44)
    for kind in ("png", "jpg"):
        assert image_dimensions(picture(kind)) == (512, 384)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"GIF89a" + b"\x00" * 40,
        b"\x89PNG\r\n\x1a\n",
        png_header(0, 10),
        png_header(10, 0),
        png_header(2**31, 10),
        png_header(100, 100)[:20],
        b"\x89PNG\r\n\x1a\n" + chunk(b"tEXt", b"a") + png_header(9, 9)[8:],  # IHDR not first
        b"\xff\xd8",
        b"\xff\xd8\xff",
        b"\xff\xd8\xff\xc0\x00",
        b"\xff\xd8\xff\xc0\x00\x05\x08\x00",  # a frame too short for its size
        jpeg_header(0, 480),  # height given later (DNL): refused
        jpeg_header(640, 0),
        b"\xff\xd8\xff\xda\x00\x08" + b"\x00" * 20,  # scan before any frame
        b"\xff\xd8\xff\xe0\x00\x01",  # a length shorter than itself
        b"\xff\xd8\xff\xe0\xff\xff" + b"\x00" * 10,  # a length past the end
        b"\xff\xd8\x00\x00\x00",  # not at a marker
        b"\xff\xd8" + b"\xff" * 5000,  # fill bytes to the end
        b"\xff\xd8\xff\xd8\xff\xc0",  # another start of image
        jpeg_header(640, 480)[:9],
    ],
)
def test_unreadable_headers_give_no_size(data: bytes) -> None:
    assert image_dimensions(data) is None


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=300))
def test_any_bytes_give_a_positive_size_or_none(data: bytes) -> None:
    for candidate in (data, b"\x89PNG\r\n\x1a\n" + data, b"\xff\xd8" + data):
        found = image_dimensions(candidate)
        assert found is None or (found[0] > 0 and found[1] > 0)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 2**31 - 1),
    st.integers(1, 2**31 - 1),
    st.binary(max_size=64),
)
def test_a_png_header_gives_exactly_its_size_whatever_follows(
    width: int, height: int, tail: bytes
) -> None:
    assume(b"IHDR" not in tail)  # a second header is refused (below)
    assert image_dimensions(png_header(width, height) + tail) == (width, height)


def test_a_png_with_a_second_header_is_refused_before_decoding() -> None:
    """A decoder that takes the last IHDR would decode a size the first one hides: a
    300×300 header followed by a 5000×5000 one is not an image whose size is known."""
    big = huge_png(5000, 5000)
    hiding = png_header(300, 300) + big[8:]
    assert image_dimensions(big) == (5000, 5000)
    assert image_dimensions(hiding) is None
    with pytest.raises(InvalidInputError, match="size cannot be read"):
        refuse_oversized(hiding)
    with pytest.raises(ValueError):
        decode_bounded(hiding, 1)
    many = png_header(300, 300) + chunk(b"tEXt", b"a\0b") * 10_001 + big[-12:]
    assert image_dimensions(many) is None  # thousands of chunks before any pixel
    assert image_dimensions(png_header(300, 300) + chunk(b"tEXt", b"a\0b") * 3) == (300, 300)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 65535),
    st.integers(1, 65535),
    st.sampled_from([0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF]),
    st.lists(st.binary(max_size=40), max_size=4),
    st.integers(0, 40),
)
def test_a_jpeg_gives_its_frame_size_after_any_segments_and_none_when_cut_before_it(
    width: int, height: int, marker: int, segments: list[bytes], cut: int
) -> None:
    before = b"".join(b"\xff\xe1" + struct.pack(">H", len(s) + 2) + s for s in segments)
    whole = jpeg_header(width, height, marker, before)
    assert image_dimensions(whole) == (width, height)
    size_end = len(b"\xff\xd8" + before) + 9  # marker, length, precision, height, width
    assert image_dimensions(whole[: size_end - 1 - cut % 9]) is None


def test_a_huge_png_is_refused_from_its_header_even_when_its_data_is_corrupt() -> None:
    big, broken = huge_png(), huge_png(corrupt=True)
    assert len(big) < 400_000 and image_dimensions(broken) == (8000, 8000)
    for data in (big, broken):
        with pytest.raises(InvalidInputError) as refused:
            refuse_oversized(data, 4096 * 4096)
        assert "8000×8000" in refused.value.message and "4096×4096" in refused.value.message
        assert "4096×4096" in str(refused.value.message_ja)
        # The decoder is never reached: a decode error would say so.
        with pytest.raises(ValueError, match="more than the 16777216 allowed"):
            decode_bounded(data, 1, 4096 * 4096)
    assert refuse_oversized(picture(), 4096 * 4096) == (512, 384)
    with pytest.raises(InvalidInputError, match="PNG or JPEG"):
        refuse_oversized(b"%PDF-1.7")
    with pytest.raises(InvalidInputError, match="cannot be read from its header"):
        refuse_oversized(png_header(100, 100)[:20])


def test_a_small_image_within_the_limit_still_decodes() -> None:
    assert decode_bounded(picture("jpg"), 1).shape == (384, 512, 3)
    with pytest.raises(ValueError, match="cannot be decoded"):
        decode_bounded(huge_png(300, 300, corrupt=True), 1)


@pytest.mark.parametrize("kind", ["png", "jpg"])
def test_the_store_taken_from_a_signed_image_is_its_signed_manifest(
    tmp_path: Path, kind: str
) -> None:
    pki = init_pki(tmp_path / "pki", "試験株式会社")
    signed = sign_image(picture(kind), pki, generator="g-1", system="広告", soft_binding="0a0b0c0d")
    store = manifest_store(signed)
    assert store is not None and store[4:8] == b"jumb"
    anchor = pki.root.read_text()
    context = c2pa.Context(
        settings=c2pa.Settings.from_dict(
            {
                "trust": {"trust_anchors": anchor},
                "verify": {
                    "verify_trust": True,
                    "ocsp_fetch": False,
                    "remote_manifest_fetch": False,
                },
            }
        )
    )
    with c2pa.Reader("application/c2pa", io.BytesIO(store), context=context) as reader:
        active = reader.get_active_manifest()
    assert active["signature_info"]["common_name"].startswith("試験株式会社")
    labels = [a["label"] for a in active["assertions"]]
    assert any(label.startswith("c2pa.soft-binding") for label in labels)
    mime = "image/png" if kind == "png" else "image/jpeg"
    # The sidecar store validates the signed image (hard binding and signature): Trusted.
    with c2pa.Reader(mime, io.BytesIO(signed), manifest_data=store, context=context) as reader:
        assert reader.get_validation_state() == "Trusted"
    assert manifest_store(picture(kind)) is None
    inside = signed.index(b"caBX" if kind == "png" else b"\xff\xeb") + 100
    assert manifest_store(signed[:inside]) is None  # cut short inside the store
    assert manifest_store(b"not an image") is None


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_give_a_store_or_none_without_failing(data: bytes) -> None:
    for candidate in (data, b"\x89PNG\r\n\x1a\n" + data, b"\xff\xd8" + data):
        found = manifest_store(candidate)
        assert found is None or isinstance(found, bytes)
