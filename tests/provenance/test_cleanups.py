"""Small corrections: one wording for a tokenizer file that cannot be used, image refusals
mapped from a reason code (never from the library's English), and photos turned upright
by their EXIF orientation before the watermark goes in."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from PIL import Image

from tekisei.errors import InvalidInputError
from tekisei.provenance import (
    ImageError,
    ImageRefusal,
    decode_bounded,
    embed_watermark,
    image_fits,
    mime_of,
)
from tekisei.services import provenance as text_service
from tekisei.services import public_provenance
from tekisei.services.image_inputs import REFUSALS, refused_image
from tests.provenance.test_image_headers import huge_png

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def test_a_tokenizer_file_that_cannot_be_used_is_worded_once(tmp_path: Path) -> None:
    malformed = tmp_path / "tokenizer.json"
    malformed.write_text("{not a tokenizer", encoding="utf-8")
    missing = tmp_path / "missing" / "tokenizer.json"
    for path in (malformed, missing):
        with pytest.raises(InvalidInputError) as kept:
            text_service.keep_tokenizer(tmp_path / "data", str(path))
        with pytest.raises(InvalidInputError) as checked:
            text_service._transformers_tokenizer(str(path))
        assert kept.value.message_ja == checked.value.message_ja, path
        assert kept.value.message == checked.value.message, path
        assert str(path) in (kept.value.message_ja or "")
    with pytest.raises(InvalidInputError) as absent:
        text_service._transformers_tokenizer(str(missing))
    said = absent.value.message_ja or ""
    assert "読む権限" in said and "No such file" not in said  # no English inside the Japanese


def test_every_refusal_reason_has_words_in_both_languages() -> None:
    assert set(REFUSALS) == set(ImageRefusal)
    for en, ja in REFUSALS.values():
        assert en and not JAPANESE.search(en)
        assert JAPANESE.search(ja)


def test_a_refusal_is_worded_from_its_reason_not_from_the_librarys_text() -> None:
    mapped = refused_image(ImageError(ImageRefusal.TOO_SMALL, "whatever the library says"))
    assert (mapped.message, mapped.message_ja) == REFUSALS[ImageRefusal.TOO_SMALL]
    plain = refused_image(ValueError("too small, cannot be decoded"))  # no reason: generic
    assert plain.message_ja == "この画像は扱えません。PNG か JPEG の別の画像でお試しください。"


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (120, 80, 40)).save(out, "PNG")
    return out.getvalue()


def test_the_library_raises_each_refusal_with_its_reason() -> None:
    cases = [
        (lambda: mime_of(b"GIF89a...."), ImageRefusal.NOT_PNG_OR_JPEG),
        (lambda: embed_watermark(_png(200, 200), bytes(32), 1), ImageRefusal.TOO_SMALL),
        (lambda: decode_bounded(huge_png(300, 300, corrupt=True), 1), ImageRefusal.UNDECODABLE),
        (lambda: decode_bounded(huge_png(), 1, 4096 * 4096), ImageRefusal.TOO_MANY_PIXELS),
        (lambda: decode_bounded(b"\x89PNG\r\n\x1a\n", 1), ImageRefusal.SIZE_UNREADABLE),
        (lambda: image_fits(huge_png(300, 300, corrupt=True)), ImageRefusal.UNDECODABLE),
    ]
    for call, reason in cases:
        with pytest.raises(ImageError) as refused:
            call()
        assert refused.value.reason is reason
        assert isinstance(refused.value, ValueError)  # callers catching ValueError still do


def test_the_similarity_score_follows_the_perceptual_hash_distance() -> None:
    score = public_provenance.similarity_score
    assert [score(d) for d in (0, 1, 8, 16, 32, 64)] == [100, 98, 88, 75, 50, 0]
    assert score(-3) == 100 and score(99) == 0


def _sideways_photo() -> tuple[bytes, Image.Image]:
    """A JPEG stored as a phone stores a photo held upright: pixels sideways (640 wide,
    400 high) with EXIF orientation 6 (turn 90° clockwise to show), and a camera make."""
    import numpy as np

    rng = np.random.default_rng(3)
    y, x = np.mgrid[0:400, 0:640]
    pixels = np.stack([(x * 255 // 640), (y * 255 // 400), np.full_like(x, 90)], -1)
    pixels = np.clip(pixels + rng.integers(-20, 20, pixels.shape), 0, 255).astype(np.uint8)
    stored = Image.fromarray(pixels, "RGB")
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "TestCam"
    out = io.BytesIO()
    stored.save(out, "JPEG", quality=95, exif=exif.tobytes())
    return out.getvalue(), stored


def test_a_sideways_phone_photo_is_watermarked_upright_with_its_exif_kept() -> None:
    from PIL import ImageOps

    from tekisei.provenance import read_watermark

    data, stored = _sideways_photo()
    key = bytes(range(32))
    marked = embed_watermark(data, key, 0x0A0B0C0D0E0F)
    out = Image.open(io.BytesIO(marked))
    assert out.size == (400, 640)  # upright: what people saw is what was marked
    exif = out.getexif()
    assert exif.get(0x0112) == 1 and exif.get(0x010F) == "TestCam"
    shown = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    import numpy as np

    difference = np.abs(
        np.asarray(out.convert("RGB"), dtype=np.int16) - np.asarray(shown, dtype=np.int16)
    )
    assert difference.mean() < 6  # the same picture, the right way up
    found = read_watermark(marked, key)
    assert found is not None and found[0] == 0x0A0B0C0D0E0F
    assert stored.size == (640, 400)


def test_a_damaged_picture_is_refused_even_after_a_pdf_library_allowed_truncated_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import PIL.ImageFile

    # what importing WeasyPrint (PDF reports) does to the whole process
    monkeypatch.setattr(PIL.ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    with pytest.raises(ImageError) as refused:
        image_fits(huge_png(300, 300, corrupt=True))
    assert refused.value.reason is ImageRefusal.UNDECODABLE
