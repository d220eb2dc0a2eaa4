"""Evidence files: which kinds are accepted, recognised from their bytes, never from the
name or the type the client claims, and the names they are stored and downloaded under.
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
import zipfile
from dataclasses import dataclass

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
TEXT = "text/plain; charset=utf-8"

# Declared content type → the kind its bytes must show.
ACCEPTED: dict[str, str] = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpeg",
    "text/plain": "text",
    "text/csv": "text",
    "text/markdown": "text",
    "application/json": "text",
    XLSX: "zip",
    DOCX: "zip",
    PPTX: "zip",
}
# Claims that say nothing about the file: the bytes alone decide.
UNDECLARED = {"", "application/octet-stream", "binary/octet-stream"}

# The detected type → the extensions a stored name may keep (the first is used otherwise).
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    XLSX: (".xlsx",),
    DOCX: (".docx",),
    PPTX: (".pptx",),
    "text/csv; charset=utf-8": (".csv",),
    "text/markdown; charset=utf-8": (".md", ".markdown"),
    "application/json": (".json",),
    TEXT: (".txt", ".text", ".log", ".tsv"),
}

NAME_MAX = 120
"""Characters in a stored name (and never more than 240 bytes of UTF-8)."""
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", re.IGNORECASE)
_UNSAFE_IN_NAMES = re.compile(r'[<>:"/\\|?*]')
# Control, format (bidi overrides and isolates, zero-width characters), surrogate,
# private-use and unassigned characters, and line or paragraph separators.
_DROPPED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def sniff(data: bytes) -> str | None:
    """The kind of file ``data`` is (pdf, png, jpeg, zip, text), or None when unknown."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"PK\x03\x04"):
        return "zip"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "\x00" in text:
        return None
    return "text"


def _office_type(data: bytes) -> str | None:
    """The Office Open XML type of a zip archive, from the folders it holds."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, ValueError, EOFError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    for folder, media in (("word/", DOCX), ("xl/", XLSX), ("ppt/", PPTX)):
        if any(name.startswith(folder) for name in names):
            return media
    return None


def _text_type(data: bytes, name: str) -> str:
    """A text file's type: JSON when it parses as JSON, CSV or Markdown by its name's
    extension, plain text otherwise (HTML, SVG and scripts included)."""
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix == "json":
        try:
            json.loads(data)
        except ValueError:
            return TEXT
        return "application/json"
    if suffix == "csv":
        return "text/csv; charset=utf-8"
    if suffix in ("md", "markdown"):
        return "text/markdown; charset=utf-8"
    return TEXT


@dataclass(frozen=True)
class Detected:
    """What an uploaded file is, from its bytes: its type and the name to store it under."""

    content_type: str
    filename: str


def detect(data: bytes, declared: str, filename: str) -> Detected | str:
    """The type detected from ``data`` and a safe name with a matching extension, or why
    the file cannot be accepted. The declared type must agree with the bytes when it says
    anything (``application/octet-stream`` does not); what is stored is what was detected.
    """
    base = declared.split(";")[0].strip().lower()
    expected = ACCEPTED.get(base)
    if expected is None and base not in UNDECLARED:
        return f"files of type '{base}' are not accepted; accepted: {', '.join(sorted(ACCEPTED))}"
    actual = sniff(data)
    if actual is None:
        return f"the file's content is of no accepted kind, not {base or 'a known type'}"
    if expected is not None and actual != expected:
        return f"the file's content is {actual}, not {base}"
    cleaned = clean_name(filename)
    media: str | None
    if actual == "zip":
        media = _office_type(data)
        if media is None or (expected is not None and base != media):
            return "the file is a zip archive but not the Office document it claims to be"
    elif actual == "text":
        media = _text_type(data, cleaned)
    else:
        media = {"pdf": "application/pdf", "png": "image/png", "jpeg": "image/jpeg"}[actual]
    return Detected(media, safe_filename(cleaned, media))


def clean_name(name: str) -> str:
    """``name`` without folders, control, bidi or other invisible characters, NFC."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    kept = []
    for char in name:
        category = unicodedata.category(char)
        if category in _DROPPED_CATEGORIES:
            continue
        kept.append(" " if category.startswith("Z") else char)
    name = _UNSAFE_IN_NAMES.sub("_", "".join(kept))
    return re.sub(r"\s+", " ", name).strip(" .")


def _split(name: str) -> tuple[str, str]:
    """``name``'s stem and extension (``.pdf``, lower case; empty when it has none)."""
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem or not (suffix.isalnum() and len(suffix) <= 10):
        return name, ""
    return stem, f".{suffix.lower()}"


def safe_filename(name: str, content_type: str | None = None) -> str:
    """A name to store and download a file under: no folders, no control or bidi
    characters, NFC, at most :data:`NAME_MAX` characters, and (given the detected
    ``content_type``) an extension that matches it. Never empty."""
    stem, extension = _split(clean_name(name))
    allowed = EXTENSIONS.get(content_type or "", ())
    if allowed and extension not in allowed:
        extension = allowed[0]  # report.html sent as text is kept as report.txt
    if _WINDOWS_RESERVED.match(stem):
        stem = f"_{stem}"
    limit = min(NAME_MAX - len(extension), 240 - len(extension.encode("utf-8")))
    while len(stem) > limit or len(stem.encode("utf-8")) > limit:
        stem = stem[:-1]
    return (stem.rstrip(" .") or "evidence") + extension


def ascii_filename(name: str) -> str:
    """An ASCII stand-in for ``name`` (the ``filename=`` fallback of Content-Disposition
    for clients that do not read ``filename*``): accents folded, the rest replaced."""
    stem, extension = _split(name)
    folded = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode("ascii")
    folded = re.sub(r"[^A-Za-z0-9._ -]", "_", folded).strip(" .")
    if not folded.strip("_ "):
        folded = "evidence"
    return folded + (extension if extension.isascii() else "")
