"""Evidence files are known by their bytes, and stored and downloaded under safe names."""

from __future__ import annotations

import io
import unicodedata
import zipfile

import pytest

from tekisei.core.evidence import (
    DOCX,
    NAME_MAX,
    TEXT,
    XLSX,
    Detected,
    ascii_filename,
    detect,
    safe_filename,
)

PDF = b"%PDF-1.7\n%%EOF\n"
BIDI_AND_CONTROLS = "\u202e\u202d\u202a\u202b\u202c\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


def _office(folder: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(f"{folder}document.xml", "<x/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "declared", "name", "expected"),
    [
        (b"<html><script>alert(1)</script>", "text/plain", "report.html", (TEXT, "report.txt")),
        (b"<svg onload=alert(1)/>", "text/plain", "logo.svg", (TEXT, "logo.txt")),
        (b"<svg onload=alert(1)/>", "", "logo.svg", (TEXT, "logo.txt")),
        (b"a,b\n1,2\n", "text/csv", "data.csv", ("text/csv; charset=utf-8", "data.csv")),
        (b'{"a": 1}', "application/json", "a.json", ("application/json", "a.json")),
        (b"{not json", "application/json", "a.json", (TEXT, "a.txt")),
        (PDF, "application/octet-stream", "scan", ("application/pdf", "scan.pdf")),
        (PDF, "application/pdf", "scan.PDF", ("application/pdf", "scan.pdf")),
        (_office("xl/"), XLSX, "book.xlsx", (XLSX, "book.xlsx")),
        (_office("word/"), "", "memo.zip", (DOCX, "memo.docx")),
    ],
)  # fmt: skip
def test_the_type_and_extension_come_from_the_bytes(
    data: bytes, declared: str, name: str, expected: tuple[str, str]
) -> None:
    assert detect(data, declared, name) == Detected(*expected)


@pytest.mark.parametrize(
    ("data", "declared", "reason"),
    [
        (b"<svg/>", "image/svg+xml", "'image/svg+xml' are not accepted"),
        (b"<html/>", "text/html", "'text/html' are not accepted"),
        (b"MZ\x90\x00", "application/pdf", "not application/pdf"),
        (PDF, "image/png", "pdf, not image/png"),
        (_office("word/"), XLSX, "not the Office document"),
        (b"PK\x03\x04not really a zip", "", "not the Office document"),
        (b"text\x00with nul", "text/plain", "not text/plain"),
    ],
)
def test_files_that_are_not_what_they_claim_are_refused(
    data: bytes, declared: str, reason: str
) -> None:
    found = detect(data, declared, "x")
    assert isinstance(found, str) and reason in found


def test_names_lose_folders_controls_and_bidi_characters() -> None:
    spoof = f"invoice{BIDI_AND_CONTROLS}\u202egpj.exe"
    assert safe_filename(spoof) == "invoicegpj.exe"
    assert safe_filename(spoof, "application/pdf") == "invoicegpj.pdf"
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename("C:\\Users\\a\\secret.pdf") == "secret.pdf"
    assert safe_filename("a\x00b\r\nc\x7f\u200bd\ufeff.txt") == "abcd.txt"
    assert safe_filename('what: "this" <is>?.txt') == "what_ _this_ _is__.txt"
    assert safe_filename("CON.txt") == "_CON.txt"
    assert safe_filename("") == "evidence" and safe_filename("...", TEXT) == "evidence.txt"
    assert safe_filename("\u202e") == "evidence"


def test_names_are_nfc_and_bounded() -> None:
    decomposed = unicodedata.normalize("NFD", "がぎぐ.pdf")
    assert safe_filename(decomposed) == "がぎぐ.pdf"
    assert unicodedata.is_normalized("NFC", safe_filename(decomposed))
    long = safe_filename("あ" * 1000 + ".pdf", "application/pdf")
    assert long.endswith(".pdf") and len(long) <= NAME_MAX and len(long.encode()) <= 240


def test_the_ascii_fallback_name_keeps_the_extension() -> None:
    assert ascii_filename("透かし試験.pdf") == "evidence.pdf"
    assert ascii_filename("Résumé final.pdf") == "Resume final.pdf"
    assert ascii_filename("_CON.txt") == "_CON.txt"
