"""Evidence files: which kinds are accepted, recognised from their bytes, not their names."""

from __future__ import annotations

import re
import unicodedata

# Declared content type → the kind its bytes must show.
ACCEPTED: dict[str, str] = {
    "application/pdf": "pdf",
    "image/png": "png",
    "image/jpeg": "jpeg",
    "text/plain": "text",
    "text/csv": "text",
    "text/markdown": "text",
    "application/json": "text",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "zip",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "zip",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "zip",
}


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


def content_problem(data: bytes, declared: str) -> str | None:
    """Why ``data`` cannot be accepted as ``declared``, or None when it can."""
    base = declared.split(";")[0].strip().lower()
    expected = ACCEPTED.get(base)
    if expected is None:
        return f"files of type '{base}' are not accepted; accepted: {', '.join(sorted(ACCEPTED))}"
    actual = sniff(data)
    if actual != expected:
        return f"the file's content is {actual or 'unknown'}, not {base}"
    return None


def safe_filename(name: str) -> str:
    """A download name without paths or control characters (never empty)."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f\x7f\"]", "", name).strip(" .")
    return name[:200] or "evidence"
